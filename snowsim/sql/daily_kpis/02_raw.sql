-- [02h00] Étape 1: what the incremental extraction writes, as received. EVENT_TIMESTAMP stays text: "normalisation
-- des formats de dates" belongs to the cleaning step. The extraction keeps a line it cannot parse (PAYLOAD NULL,
-- text in RAW_LINE; pipeline.yaml landing.parse: lenient) so that cleaning can count it as a reject.
-- Adapted to the snowsim envelope: the seed extracts Shopify orders; here the order lifecycle events.
CREATE OR REPLACE TABLE RAW.ORDER_EVENTS (
    EVENT_ID        VARCHAR,
    EVENT_TYPE      VARCHAR,
    EVENT_TIMESTAMP VARCHAR,
    SCHEMA_VERSION  VARCHAR,
    PAYLOAD         VARIANT,
    RAW_LINE        VARCHAR,
    EXTRACTED_AT    TIMESTAMP_NTZ
);
