-- What the Kafka consumer writes: the whole message as RECORD_CONTENT (the Snowflake Kafka connector's column name).
-- Adapted to the snowsim envelope: fields are RECORD_CONTENT:payload.<field>.
CREATE OR REPLACE TABLE RAW.SALES_EVENTS (
    EVENT_ID       VARCHAR,
    EVENT_TYPE     VARCHAR,
    RECORD_CONTENT VARIANT,
    INGESTED_AT    TIMESTAMP_NTZ
);
