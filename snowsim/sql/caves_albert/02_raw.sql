-- Layer 1: the table the Kafka consumer inserts into (the seed calls it RAW_EVENTS_STREAM although it is a table).
-- Adapted to the snowsim envelope: the seed's producer sent a flat object ({"order_id": ...}); snowsim sends
-- {"event_id","event_type","event_timestamp","schema_version","payload"}. EVENT_DATA keeps the whole envelope, so
-- every business field is read as EVENT_DATA:payload.<field>.
CREATE OR REPLACE TABLE RAW.RAW_EVENTS (
    EVENT_ID            VARCHAR,
    EVENT_TYPE          VARCHAR,
    EVENT_TIMESTAMP     TIMESTAMP_NTZ,
    PRODUCT_ID          VARCHAR,
    CUSTOMER_ID         VARCHAR,
    EVENT_DATA          VARIANT,
    INGESTION_TIMESTAMP TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP()
);
