-- [02h30] Étape 2: the cleaned event journal (every event once, typed, with its reject reason), and the seed's clean
-- tables orders_clean and order_items_clean. CLEANED_AT / UPDATED_AT are processing times (TIMESTAMP_LTZ): the
-- incremental steps select on them.
CREATE OR REPLACE TABLE CLEAN.EVENTS_CLEAN (
    EVENT_ID        VARCHAR,
    EVENT_TYPE      VARCHAR,
    EVENT_TS        TIMESTAMP_NTZ,
    ORDER_ID        VARCHAR,
    CUSTOMER_ID     VARCHAR,
    PRODUCT_ID      VARCHAR,
    PRODUCT_NAME    VARCHAR,
    CATEGORY        VARCHAR,
    ORDER_STATUS    VARCHAR,
    QUANTITY        NUMBER(38, 0),
    UNIT_PRICE      NUMBER(10, 2),
    TOTAL_AMOUNT    NUMBER(12, 2),
    CURRENCY        VARCHAR,
    COUNTRY         VARCHAR,
    REGION          VARCHAR,
    SCHEMA_VERSION  VARCHAR,
    REJECT_REASON   VARCHAR,
    RAW_LINE        VARCHAR,
    CLEANED_AT      TIMESTAMP_LTZ
);

CREATE OR REPLACE TABLE CLEAN.ORDERS_CLEAN (
    ORDER_ID      VARCHAR,
    CUSTOMER_ID   VARCHAR,
    ORDER_TS      TIMESTAMP_NTZ,
    ORDER_DATE    DATE,
    ORDER_STATUS  VARCHAR,
    TOTAL_AMOUNT  NUMBER(12, 2),
    CURRENCY      VARCHAR,
    COUNTRY       VARCHAR,
    REGION        VARCHAR,
    LAST_EVENT_TS TIMESTAMP_NTZ,
    UPDATED_AT    TIMESTAMP_LTZ
);

CREATE OR REPLACE TABLE CLEAN.ORDER_ITEMS_CLEAN (
    ORDER_ID     VARCHAR,
    LINE_NUMBER  NUMBER(38, 0),
    PRODUCT_ID   VARCHAR,
    PRODUCT_NAME VARCHAR,
    CATEGORY     VARCHAR,
    QUANTITY     NUMBER(38, 0),
    UNIT_PRICE   NUMBER(10, 2),
    LINE_AMOUNT  NUMBER(12, 2),
    UPDATED_AT   TIMESTAMP_LTZ
);

-- Contrôle qualité: one row per nightly run; ALERT when more than 5% of the run's events are rejected.
CREATE OR REPLACE TABLE CLEAN.LOAD_AUDIT (
    RUN_AT         TIMESTAMP_LTZ,
    ROWS_RECEIVED  NUMBER(38, 0),
    ROWS_REJECTED  NUMBER(38, 0),
    REJECT_RATE    NUMBER(7, 4),
    ALERT          BOOLEAN
);

-- [03h00] Étape 3: the metric tables (the seed's kpis_produit.csv, ventes_geo.csv, ltv_cohorts.csv). Revenue counts
-- orders that are neither cancelled nor refunded.
CREATE OR REPLACE TABLE METRICS.KPIS_PRODUIT (
    PRODUCT_ID        VARCHAR,
    PRODUCT_NAME      VARCHAR,
    CATEGORY          VARCHAR,
    ORDERS            NUMBER(38, 0),
    UNITS_SOLD        NUMBER(38, 0),
    REVENUE           NUMBER(14, 2),
    AVG_UNIT_PRICE    NUMBER(10, 2),
    CANCELLATION_RATE NUMBER(7, 4),
    UPDATED_AT        TIMESTAMP_LTZ
);

CREATE OR REPLACE TABLE METRICS.VENTES_GEO (
    COUNTRY    VARCHAR,
    REGION     VARCHAR,
    ORDERS     NUMBER(38, 0),
    CUSTOMERS  NUMBER(38, 0),
    REVENUE    NUMBER(14, 2),
    AVG_BASKET NUMBER(12, 2),
    UPDATED_AT TIMESTAMP_LTZ
);

CREATE OR REPLACE TABLE METRICS.LTV_COHORTS (
    COHORT_MONTH DATE,
    CUSTOMERS    NUMBER(38, 0),
    ORDERS       NUMBER(38, 0),
    REVENUE      NUMBER(14, 2),
    LTV          NUMBER(12, 2),
    UPDATED_AT   TIMESTAMP_LTZ
);
