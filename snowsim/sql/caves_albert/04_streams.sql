-- Two append-only streams on the one RAW table: each task consumes its own stream, because a DML that reads a
-- stream consumes all of its rows whatever its WHERE clause (docs: user-guide/streams-intro).
CREATE OR REPLACE STREAM RAW.STREAM_RAW_ORDERS ON TABLE RAW.RAW_EVENTS APPEND_ONLY = TRUE;
CREATE OR REPLACE STREAM RAW.STREAM_RAW_INVENTORY ON TABLE RAW.RAW_EVENTS APPEND_ONLY = TRUE;

-- Standard (CDC) streams on the staging tables. The seed's diagram draws two streams on STG_INVENTORY_ADJ (one for
-- INVENTORY_HISTORY, one for INVENTORY_CURRENT) and labels both "STG_INVENTORY"; one schema cannot hold two streams
-- of one name, and a single shared stream would be drained by the first task, so they get distinct names.
CREATE OR REPLACE STREAM STAGING.STREAM_STG_ORDERS ON TABLE STAGING.STG_ORDERS;
CREATE OR REPLACE STREAM STAGING.STREAM_STG_INVENTORY_HISTORY ON TABLE STAGING.STG_INVENTORY_ADJ;
CREATE OR REPLACE STREAM STAGING.STREAM_STG_INVENTORY_CURRENT ON TABLE STAGING.STG_INVENTORY_ADJ;
