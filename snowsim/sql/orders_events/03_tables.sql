-- Étape 4 – Transformation: one typed row per order event ("extrait les champs JSON, applique les types appropriés").
-- Adapted to the snowsim envelope: the fields are read from RAW_EVENT:payload.<field>; the lifecycle events' own
-- fields (amount, carrier, tracking_number, reason) get columns of their own.
CREATE OR REPLACE TABLE ANALYTICS.ORDERS_EVENTS_CLEAN (
    EVENT_ID                VARCHAR,
    EVENT_TYPE              VARCHAR,
    EVENT_TIMESTAMP         TIMESTAMP_NTZ,
    SCHEMA_VERSION          NUMBER(38, 0),
    ORDER_ID                VARCHAR,
    CUSTOMER_ID             VARCHAR,
    PRODUCT_ID              VARCHAR,
    ORDER_STATUS            VARCHAR,
    PRODUCT_NAME            VARCHAR,
    PRODUCT_CATEGORY        VARCHAR,
    QUANTITY                NUMBER(38, 0),
    UNIT_PRICE              NUMBER(10, 2),
    TOTAL_AMOUNT            NUMBER(12, 2),
    AMOUNT                  NUMBER(12, 2),
    CURRENCY                VARCHAR,
    PAYMENT_METHOD          VARCHAR,
    SHIPPING_CITY           VARCHAR,
    SHIPPING_COUNTRY        VARCHAR,
    REGION                  VARCHAR,
    WAREHOUSE_ID            VARCHAR,
    CARRIER                 VARCHAR,
    TRACKING_NUMBER         VARCHAR,
    REASON                  VARCHAR,
    SOURCE_FILE             VARCHAR,
    LOADED_AT               TIMESTAMP_NTZ,
    INGESTION_DELAY_SECONDS NUMBER(38, 0),
    PROCESSED_AT            TIMESTAMP_LTZ
);
