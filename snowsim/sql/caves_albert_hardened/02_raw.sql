-- Layer 1: the caves_albert landing table plus RAW_LINE.
-- [HARDENING: malformed rows] the consumer parses with TRY_PARSE_JSON (pipeline.yaml: landing.parse: lenient) and
-- keeps the delivered text in RAW_LINE: a broken line lands with EVENT_DATA NULL instead of failing the INSERT of its
-- whole micro-batch (100069 "Error parsing JSON"), and stays available for STAGING.V_REJECTED_EVENTS and a replay.
-- EVENT_DATA keeps the whole snowsim envelope; business fields are read as EVENT_DATA:payload.<field>.
CREATE OR REPLACE TABLE RAW.RAW_EVENTS (
    EVENT_ID            VARCHAR,
    EVENT_TYPE          VARCHAR,
    EVENT_TIMESTAMP     TIMESTAMP_NTZ,
    PRODUCT_ID          VARCHAR,
    CUSTOMER_ID         VARCHAR,
    EVENT_DATA          VARIANT,
    RAW_LINE            VARCHAR,
    INGESTION_TIMESTAMP TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP()
);
