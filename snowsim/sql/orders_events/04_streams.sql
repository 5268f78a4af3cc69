-- Étape 3 – Capture des changements: the stream sees the rows COPY INTO appends to the raw table.
CREATE OR REPLACE STREAM RAW.ORDERS_EVENTS_STREAM ON TABLE RAW.ORDERS_EVENTS_RAW APPEND_ONLY = TRUE;
