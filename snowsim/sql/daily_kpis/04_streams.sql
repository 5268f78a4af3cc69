-- The extraction's new rows since the last night: only the root task reads them, the later steps read CLEAN.
CREATE OR REPLACE STREAM RAW.ORDER_EVENTS_STREAM ON TABLE RAW.ORDER_EVENTS APPEND_ONLY = TRUE;
