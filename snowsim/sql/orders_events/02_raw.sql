-- Étape 2 – Ingestion: the internal stage the .jsonl files are put on, and the raw table they are copied into as
-- VARIANT ("ingestion sans perte", "possibilité de rejouer"). The runner loads each file with the COPY INTO of
-- pipeline.yaml (landing.copy_statement); the seed does not set ON_ERROR, so COPY's default ABORT_STATEMENT applies.
CREATE OR REPLACE STAGE RAW.ORDERS_EVENTS_STAGE
    FILE_FORMAT = (TYPE = JSON);

-- LOADED_AT defaults to SYSDATE() (UTC, no time zone) so that it compares directly with the envelope's
-- event_timestamp, which is UTC without a zone; CURRENT_TIMESTAMP() would store the session time zone's wall clock.
CREATE OR REPLACE TABLE RAW.ORDERS_EVENTS_RAW (
    RAW_EVENT         VARIANT,
    SOURCE_FILE       VARCHAR,
    SOURCE_ROW_NUMBER NUMBER(38, 0),
    LOADED_AT         TIMESTAMP_NTZ DEFAULT SYSDATE()
);
