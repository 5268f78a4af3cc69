-- The caves_albert task graph with the same names, schedules and AFTER edges:
--   TASK_RAW_TO_STG_ORDERS    (1 MINUTE) -> TASK_STG_TO_PROD_ORDERS
--   TASK_RAW_TO_STG_INVENTORY (1 MINUTE) -> TASK_STG_TO_PROD_INVENTORY_HISTORY -> TASK_STG_TO_PROD_INVENTORY_CURRENT
-- Every task is idempotent: a run that fails (or is retried, or reads a stream that was paused for hours) can be run
-- again on the same stream contents and gives the same result.
-- [HARDENING: malformed rows] the consumer lands with TRY_PARSE_JSON (pipeline.yaml: landing.parse: lenient), so a
-- broken line no longer fails its whole INSERT batch: it lands with EVENT_DATA NULL and its text in RAW_LINE.
-- Not covered: a stream left unread past its retention becomes stale and must be recreated (docs:
-- user-guide/streams-intro); events with equal event times are ordered by EVENT_ID, not by lifecycle.

-- Task 1: stage the order events. Rows that are not inventory adjustments all come here, so that a row with no
-- usable EVENT_TYPE is rejected visibly rather than dropped by both branches.
CREATE OR REPLACE TASK RAW.TASK_RAW_TO_STG_ORDERS
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('RAW.STREAM_RAW_ORDERS')
AS
INSERT INTO STAGING.STG_ORDERS (
    EVENT_ID, EVENT_TYPE, EVENT_TIMESTAMP, ORDER_ID, CUSTOMER_ID, PRODUCT_ID, PRODUCT_NAME, PRODUCT_CATEGORY,
    ORDER_STATUS, QUANTITY, UNIT_PRICE, TOTAL_AMOUNT, PAYMENT_METHOD, SHIPPING_ADDRESS, SCHEMA_VERSION, REJECT_REASON,
    INGESTION_TIMESTAMP
)
SELECT
    e.EVENT_ID,
    e.EVENT_TYPE,
    e.EVENT_TIMESTAMP,
    e.ORDER_ID,
    e.CUSTOMER_ID,
    e.PRODUCT_ID,
    e.PRODUCT_NAME,
    e.PRODUCT_CATEGORY,
    e.ORDER_STATUS,
    e.QUANTITY,
    e.UNIT_PRICE,
    -- [HARDENING: schema drift] a missing or non-numeric total is recomputed from its parts.
    COALESCE(e.TOTAL_AMOUNT, e.QUANTITY * e.UNIT_PRICE),
    e.PAYMENT_METHOD,
    e.SHIPPING_ADDRESS,
    e.SCHEMA_VERSION,
    -- [HARDENING: malformed rows] an event without identity, time or a known status is kept with its reason and never
    -- reaches PRODUCTION (the as-written pipeline inserts NULL keys or fails the task).
    CASE
        WHEN e.EVENT_ID IS NULL THEN 'missing event_id'
        WHEN e.EVENT_TYPE IS NULL
            OR e.EVENT_TYPE NOT IN ('ORDER_CREATED', 'ORDER_PAID', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'ORDER_CANCELLED',
                                    'ORDER_REFUNDED') THEN 'unknown event_type'
        WHEN e.ORDER_ID IS NULL THEN 'missing order_id'
        WHEN e.EVENT_TIMESTAMP IS NULL THEN 'missing or unparseable event_timestamp'
        WHEN e.ORDER_STATUS IS NULL
            OR e.ORDER_STATUS NOT IN ('CREATED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED')
            THEN 'unknown order_status'
    END,
    e.INGESTION_TIMESTAMP
FROM (
    SELECT
        r.EVENT_ID,
        r.EVENT_TYPE,
        -- [HARDENING: schema drift, malformed rows] TRY_ casts turn a value of the wrong type into NULL where the
        -- as-written ::NUMBER fails the whole task with 100038 and leaves the stream unconsumed (the branch stalls).
        -- TRY_ functions accept only strings, hence ::STRING first (docs: sql-reference/functions/try_cast).
        COALESCE(r.EVENT_TIMESTAMP, TRY_TO_TIMESTAMP_NTZ(r.EVENT_DATA:event_timestamp::STRING)) AS EVENT_TIMESTAMP,
        NULLIF(TRIM(r.EVENT_DATA:payload.order_id::STRING), '') AS ORDER_ID,
        COALESCE(r.CUSTOMER_ID, r.EVENT_DATA:payload.customer_id::STRING) AS CUSTOMER_ID,
        COALESCE(r.PRODUCT_ID, r.EVENT_DATA:payload.product_id::STRING) AS PRODUCT_ID,
        r.EVENT_DATA:payload.product_name::STRING AS PRODUCT_NAME,
        r.EVENT_DATA:payload.product_category::STRING AS PRODUCT_CATEGORY,
        -- [HARDENING: schema drift] a missing order_status is derived from the event type (ORDER_PAID -> PAID) and
        -- the case of a drifted one is normalised.
        UPPER(COALESCE(r.EVENT_DATA:payload.order_status::STRING, REPLACE(r.EVENT_TYPE, 'ORDER_', ''))) AS ORDER_STATUS,
        -- [HARDENING: schema drift] the producer's schema versions 2 and 3 send quantity as "3" or "3 bouteilles" and
        -- then rename it qty: keep the leading number of whichever is present.
        TRY_TO_NUMBER(SPLIT_PART(TRIM(COALESCE(r.EVENT_DATA:payload.quantity, r.EVENT_DATA:payload.qty)::STRING), ' ', 1))
            AS QUANTITY,
        -- [HARDENING: schema drift] version 3 moves unit_price into price.unit.
        TRY_TO_NUMBER(COALESCE(r.EVENT_DATA:payload.unit_price, r.EVENT_DATA:payload.price.unit)::STRING, 10, 2)
            AS UNIT_PRICE,
        TRY_TO_NUMBER(r.EVENT_DATA:payload.total_amount::STRING, 12, 2) AS TOTAL_AMOUNT,
        r.EVENT_DATA:payload.payment_method::STRING AS PAYMENT_METHOD,
        -- [HARDENING: schema drift] version 3 flattens shipping_address into shipping_address_<field>: rebuild it.
        COALESCE(
            r.EVENT_DATA:payload.shipping_address,
            IFF(
                r.EVENT_DATA:payload.shipping_address_city IS NULL,
                NULL,
                OBJECT_CONSTRUCT(
                    'street', r.EVENT_DATA:payload.shipping_address_street,
                    'city', r.EVENT_DATA:payload.shipping_address_city,
                    'postal_code', r.EVENT_DATA:payload.shipping_address_postal_code,
                    'country', r.EVENT_DATA:payload.shipping_address_country
                )
            )
        ) AS SHIPPING_ADDRESS,
        r.EVENT_DATA:schema_version::STRING AS SCHEMA_VERSION,
        r.INGESTION_TIMESTAMP
    FROM RAW.STREAM_RAW_ORDERS AS r
    -- [HARDENING: malformed rows] a line that is not JSON landed with EVENT_DATA NULL and its text in RAW_LINE;
    -- STAGING.V_REJECTED_EVENTS lists it from RAW.
    WHERE r.EVENT_DATA IS NOT NULL AND COALESCE(r.EVENT_TYPE, '') <> 'INVENTORY_ADJUSTED'
    -- [HARDENING: duplicates] an event delivered twice in one batch is staged once.
    QUALIFY r.EVENT_ID IS NULL OR ROW_NUMBER() OVER (PARTITION BY r.EVENT_ID ORDER BY r.INGESTION_TIMESTAMP) = 1
) AS e
-- [HARDENING: duplicates] an event redelivered in a later batch is already staged (unless it was rejected then).
WHERE NOT EXISTS (
    SELECT 1 FROM STAGING.STG_ORDERS AS s WHERE s.EVENT_ID = e.EVENT_ID AND s.REJECT_REASON IS NULL
);

-- Task 2: stage the inventory adjustments, with the same hardening as task 1.
CREATE OR REPLACE TASK RAW.TASK_RAW_TO_STG_INVENTORY
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('RAW.STREAM_RAW_INVENTORY')
AS
INSERT INTO STAGING.STG_INVENTORY_ADJ (
    EVENT_ID, EVENT_TIMESTAMP, ADJUSTMENT_ID, PRODUCT_ID, PRODUCT_NAME, PRODUCT_CATEGORY, ADJUSTMENT_TYPE, QUANTITY_CHANGE,
    NEW_STOCK_LEVEL, REASON, WAREHOUSE_LOCATION, SCHEMA_VERSION, REJECT_REASON, INGESTION_TIMESTAMP
)
SELECT
    e.EVENT_ID,
    e.EVENT_TIMESTAMP,
    e.ADJUSTMENT_ID,
    e.PRODUCT_ID,
    e.PRODUCT_NAME,
    e.PRODUCT_CATEGORY,
    e.ADJUSTMENT_TYPE,
    e.QUANTITY_CHANGE,
    e.NEW_STOCK_LEVEL,
    e.REASON,
    e.WAREHOUSE_LOCATION,
    e.SCHEMA_VERSION,
    -- [HARDENING: malformed rows] rejected with a reason instead of failing the task or reaching PRODUCTION.
    CASE
        WHEN e.EVENT_ID IS NULL THEN 'missing event_id'
        WHEN e.ADJUSTMENT_ID IS NULL THEN 'missing adjustment_id'
        WHEN e.PRODUCT_ID IS NULL THEN 'missing product_id'
        WHEN e.EVENT_TIMESTAMP IS NULL THEN 'missing or unparseable event_timestamp'
        WHEN e.NEW_STOCK_LEVEL IS NULL THEN 'new_stock_level is missing or not a number'
    END,
    e.INGESTION_TIMESTAMP
FROM (
    SELECT
        r.EVENT_ID,
        -- [HARDENING: schema drift, malformed rows] TRY_ casts, as in task 1.
        COALESCE(r.EVENT_TIMESTAMP, TRY_TO_TIMESTAMP_NTZ(r.EVENT_DATA:event_timestamp::STRING)) AS EVENT_TIMESTAMP,
        NULLIF(TRIM(r.EVENT_DATA:payload.adjustment_id::STRING), '') AS ADJUSTMENT_ID,
        COALESCE(r.PRODUCT_ID, r.EVENT_DATA:payload.product_id::STRING) AS PRODUCT_ID,
        r.EVENT_DATA:payload.product_name::STRING AS PRODUCT_NAME,
        r.EVENT_DATA:payload.product_category::STRING AS PRODUCT_CATEGORY,
        UPPER(r.EVENT_DATA:payload.adjustment_type::STRING) AS ADJUSTMENT_TYPE,
        TRY_TO_NUMBER(r.EVENT_DATA:payload.quantity_change::STRING) AS QUANTITY_CHANGE,
        TRY_TO_NUMBER(r.EVENT_DATA:payload.new_stock_level::STRING) AS NEW_STOCK_LEVEL,
        r.EVENT_DATA:payload.reason::STRING AS REASON,
        r.EVENT_DATA:payload.warehouse_location::STRING AS WAREHOUSE_LOCATION,
        r.EVENT_DATA:schema_version::STRING AS SCHEMA_VERSION,
        r.INGESTION_TIMESTAMP
    FROM RAW.STREAM_RAW_INVENTORY AS r
    WHERE r.EVENT_DATA IS NOT NULL AND r.EVENT_TYPE = 'INVENTORY_ADJUSTED'
    -- [HARDENING: duplicates] one copy per event within the batch ...
    QUALIFY r.EVENT_ID IS NULL OR ROW_NUMBER() OVER (PARTITION BY r.EVENT_ID ORDER BY r.INGESTION_TIMESTAMP) = 1
) AS e
-- ... and none for an event already staged by an earlier batch.
WHERE NOT EXISTS (
    SELECT 1 FROM STAGING.STG_INVENTORY_ADJ AS s WHERE s.EVENT_ID = e.EVENT_ID AND s.REJECT_REASON IS NULL
);

-- Task 3: upsert PRODUCTION.ORDERS. The stream only says which orders changed; each changed order is recomputed from
-- all of its valid staged events, so the result does not depend on the order in which events arrived.
CREATE OR REPLACE TASK RAW.TASK_STG_TO_PROD_ORDERS
    WAREHOUSE = COMPUTE_WH
    AFTER RAW.TASK_RAW_TO_STG_ORDERS
AS
MERGE INTO PRODUCTION.ORDERS AS tgt
USING (
    -- [HARDENING: duplicates, bursts] one source row per ORDER_ID, so the MERGE can never join a target row to two
    -- source rows (100090 "Duplicate row detected during DML action") nor insert one order twice.
    -- [HARDENING: out-of-order and late events] the status is that of the order's newest event by event time; the
    -- details come from its ORDER_CREATED, wherever it sits in the history.
    -- [HARDENING: lifecycle before creation] an order appears only once its ORDER_CREATED is staged: a PAID that
    -- arrives first waits in STAGING and is applied with it, instead of creating an order without details.
    SELECT
        ORDER_ID,
        CUSTOMER_ID,
        PRODUCT_ID,
        ORDER_STATUS,
        EVENT_TIMESTAMP AS LAST_EVENT_TIMESTAMP,
        FIRST_VALUE(EVENT_TIMESTAMP) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS ORDER_TIMESTAMP,
        FIRST_VALUE(PRODUCT_NAME) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS PRODUCT_NAME,
        FIRST_VALUE(PRODUCT_CATEGORY) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS PRODUCT_CATEGORY,
        FIRST_VALUE(QUANTITY) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS QUANTITY,
        FIRST_VALUE(UNIT_PRICE) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS UNIT_PRICE,
        FIRST_VALUE(TOTAL_AMOUNT) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS TOTAL_AMOUNT,
        FIRST_VALUE(PAYMENT_METHOD) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS PAYMENT_METHOD,
        FIRST_VALUE(SHIPPING_ADDRESS) OVER (PARTITION BY ORDER_ID ORDER BY CREATED_FIRST, EVENT_TIMESTAMP, EVENT_ID)
            AS SHIPPING_ADDRESS
    FROM (
        SELECT
            h.EVENT_ID, h.EVENT_TIMESTAMP, h.ORDER_ID, h.CUSTOMER_ID, h.PRODUCT_ID, h.PRODUCT_NAME, h.PRODUCT_CATEGORY,
            h.ORDER_STATUS, h.QUANTITY, h.UNIT_PRICE, h.TOTAL_AMOUNT, h.PAYMENT_METHOD, h.SHIPPING_ADDRESS,
            IFF(h.EVENT_TYPE = 'ORDER_CREATED', 0, 1) AS CREATED_FIRST
        FROM STAGING.STG_ORDERS AS h
        WHERE h.REJECT_REASON IS NULL
          AND h.ORDER_ID IN (SELECT ORDER_ID FROM STAGING.STREAM_STG_ORDERS WHERE METADATA$ACTION = 'INSERT')
    ) AS history
    QUALIFY ROW_NUMBER() OVER (PARTITION BY ORDER_ID ORDER BY EVENT_TIMESTAMP DESC, EVENT_ID DESC) = 1
        AND MIN(CREATED_FIRST) OVER (PARTITION BY ORDER_ID) = 0
) AS src
ON tgt.ORDER_ID = src.ORDER_ID
-- [HARDENING: out-of-order and late events] only a newer event than the newest one applied may move the status (the
-- as-written MERGE lets a late PAID overwrite SHIPPED). A redelivered or older event changes nothing.
WHEN MATCHED AND src.LAST_EVENT_TIMESTAMP > tgt.LAST_EVENT_TIMESTAMP THEN UPDATE SET
    ORDER_STATUS = src.ORDER_STATUS,
    LAST_EVENT_TIMESTAMP = src.LAST_EVENT_TIMESTAMP,
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (
    ORDER_ID, ORDER_DATE, ORDER_TIMESTAMP, CUSTOMER_ID, PRODUCT_ID, PRODUCT_NAME, PRODUCT_CATEGORY, ORDER_STATUS,
    QUANTITY, UNIT_PRICE, TOTAL_AMOUNT, PAYMENT_METHOD, SHIPPING_ADDRESS, LAST_EVENT_TIMESTAMP, CREATED_AT, UPDATED_AT
) VALUES (
    src.ORDER_ID, src.ORDER_TIMESTAMP::DATE, src.ORDER_TIMESTAMP, src.CUSTOMER_ID, src.PRODUCT_ID, src.PRODUCT_NAME,
    src.PRODUCT_CATEGORY, src.ORDER_STATUS, src.QUANTITY, src.UNIT_PRICE, src.TOTAL_AMOUNT, src.PAYMENT_METHOD,
    src.SHIPPING_ADDRESS, src.LAST_EVENT_TIMESTAMP, CURRENT_TIMESTAMP(), CURRENT_TIMESTAMP()
);

-- Task 4: append each adjustment to the audit trail exactly once.
-- [HARDENING: duplicates] an insert-only MERGE on the business key ADJUSTMENT_ID, from a source with one row per
-- key: a redelivered adjustment (even under a new EVENT_ID) is not appended twice.
CREATE OR REPLACE TASK RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY
    WAREHOUSE = COMPUTE_WH
    AFTER RAW.TASK_RAW_TO_STG_INVENTORY
AS
MERGE INTO PRODUCTION.INVENTORY_HISTORY AS tgt
USING (
    SELECT *
    FROM STAGING.STREAM_STG_INVENTORY_HISTORY
    WHERE METADATA$ACTION = 'INSERT' AND REJECT_REASON IS NULL
    QUALIFY ROW_NUMBER() OVER (PARTITION BY ADJUSTMENT_ID ORDER BY EVENT_TIMESTAMP, EVENT_ID) = 1
) AS src
ON tgt.ADJUSTMENT_ID = src.ADJUSTMENT_ID
WHEN NOT MATCHED THEN INSERT (
    ADJUSTMENT_ID, ADJUSTMENT_DATE, ADJUSTMENT_TIMESTAMP, PRODUCT_ID, PRODUCT_NAME, ADJUSTMENT_TYPE, QUANTITY_CHANGE,
    NEW_STOCK_LEVEL, REASON, WAREHOUSE_LOCATION, CREATED_AT
) VALUES (
    src.ADJUSTMENT_ID, src.EVENT_TIMESTAMP::DATE, src.EVENT_TIMESTAMP, src.PRODUCT_ID, src.PRODUCT_NAME,
    src.ADJUSTMENT_TYPE, src.QUANTITY_CHANGE, src.NEW_STOCK_LEVEL, src.REASON, src.WAREHOUSE_LOCATION,
    CURRENT_TIMESTAMP()
);

-- Task 5: upsert the current stock of each product from its newest adjustment.
CREATE OR REPLACE TASK RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT
    WAREHOUSE = COMPUTE_WH
    AFTER RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY
AS
MERGE INTO PRODUCTION.INVENTORY_CURRENT AS tgt
USING (
    -- [HARDENING: duplicates, bursts] one source row per PRODUCT_ID (its newest adjustment by event time), so several
    -- adjustments of one product in a run cannot fail the MERGE with 100090.
    SELECT *
    FROM STAGING.STREAM_STG_INVENTORY_CURRENT
    WHERE METADATA$ACTION = 'INSERT' AND REJECT_REASON IS NULL
    QUALIFY ROW_NUMBER() OVER (PARTITION BY PRODUCT_ID ORDER BY EVENT_TIMESTAMP DESC, ADJUSTMENT_ID DESC) = 1
) AS src
ON tgt.PRODUCT_ID = src.PRODUCT_ID
-- [HARDENING: out-of-order and late events] NEW_STOCK_LEVEL is absolute, so only an adjustment newer than the one
-- the row holds may replace it; a late, older adjustment only goes to INVENTORY_HISTORY.
WHEN MATCHED AND src.EVENT_TIMESTAMP > tgt.LAST_ADJ_TIMESTAMP THEN UPDATE SET
    PRODUCT_NAME = COALESCE(src.PRODUCT_NAME, tgt.PRODUCT_NAME),
    PRODUCT_CATEGORY = COALESCE(src.PRODUCT_CATEGORY, tgt.PRODUCT_CATEGORY),
    CURRENT_STOCK_LEVEL = src.NEW_STOCK_LEVEL,
    LAST_ADJ_TIMESTAMP = src.EVENT_TIMESTAMP,
    WAREHOUSE_LOCATION = COALESCE(src.WAREHOUSE_LOCATION, tgt.WAREHOUSE_LOCATION),
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (
    PRODUCT_ID, PRODUCT_NAME, PRODUCT_CATEGORY, CURRENT_STOCK_LEVEL, LAST_ADJ_TIMESTAMP, WAREHOUSE_LOCATION, UPDATED_AT
) VALUES (
    src.PRODUCT_ID, src.PRODUCT_NAME, src.PRODUCT_CATEGORY, src.NEW_STOCK_LEVEL, src.EVENT_TIMESTAMP, src.WAREHOUSE_LOCATION,
    CURRENT_TIMESTAMP()
);
