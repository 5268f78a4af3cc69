-- prod.ingest_orders_task: "Cron: 1 min", "MERGE logic, Upsert", triggered by SYSTEM$STREAM_HAS_DATA().
-- A task body is one statement and one MERGE writes one table, so customers and inventory get child tasks of their
-- own (all tasks of a graph live in one schema, docs: user-guide/tasks-graphs). Children run only when the root ran
-- and succeeded: a failed orders MERGE also holds back customers and inventory.

-- Orders: upsert from every order event of the batch, as is. Two events of one order in a run (a redelivery, or a
-- backlog) fail with 100090 "Duplicate row detected during DML action" once the order exists, or insert it twice.
-- The last event processed sets the status, whatever its event time.
CREATE OR REPLACE TASK PROD.INGEST_ORDERS_TASK
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = 'USING CRON * * * * * UTC'
    WHEN SYSTEM$STREAM_HAS_DATA('RAW.ORDERS_STREAM')
AS
MERGE INTO PROD.ORDERS AS t
USING (
    SELECT
        EVENT:payload.order_id::VARCHAR AS ORDER_ID,
        EVENT:payload.customer_id::VARCHAR AS CUSTOMER_ID,
        EVENT:payload.product_id::VARCHAR AS PRODUCT_ID,
        EVENT:payload.product_name::VARCHAR AS PRODUCT_NAME,
        EVENT:payload.product_category::VARCHAR AS CATEGORY,
        EVENT:payload.quantity::NUMBER AS QUANTITY,
        EVENT:payload.unit_price::NUMBER(10, 2) AS UNIT_PRICE,
        EVENT:payload.total_amount::NUMBER(12, 2) AS TOTAL_AMOUNT,
        EVENT:payload.currency::VARCHAR AS CURRENCY,
        EVENT:payload.payment_method::VARCHAR AS PAYMENT_METHOD,
        EVENT:payload.order_status::VARCHAR AS ORDER_STATUS,
        EVENT:payload.shipping_address.city::VARCHAR AS CITY,
        EVENT:payload.shipping_address.country::VARCHAR AS COUNTRY,
        EVENT:payload.region::VARCHAR AS REGION,
        EVENT:payload.warehouse_id::VARCHAR AS WAREHOUSE_ID,
        EVENT:payload.carrier::VARCHAR AS CARRIER,
        EVENT:payload.tracking_number::VARCHAR AS TRACKING_NUMBER,
        EVENT_TS,
        INGESTED_AT
    FROM RAW.ORDERS_STREAM
    WHERE METADATA$ACTION = 'INSERT'
      AND EVENT:event_type::VARCHAR IN (
          'ORDER_CREATED', 'ORDER_PAID', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'ORDER_CANCELLED', 'ORDER_REFUNDED'
      )
) AS s
ON t.ORDER_ID = s.ORDER_ID
WHEN MATCHED THEN UPDATE SET
    ORDER_STATUS = s.ORDER_STATUS,
    STATUS_TS = s.EVENT_TS,
    PAYMENT_METHOD = COALESCE(s.PAYMENT_METHOD, t.PAYMENT_METHOD),
    WAREHOUSE_ID = COALESCE(s.WAREHOUSE_ID, t.WAREHOUSE_ID),
    CARRIER = COALESCE(s.CARRIER, t.CARRIER),
    TRACKING_NUMBER = COALESCE(s.TRACKING_NUMBER, t.TRACKING_NUMBER),
    INGESTED_AT = s.INGESTED_AT,
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (
    ORDER_ID, CUSTOMER_ID, PRODUCT_ID, PRODUCT_NAME, CATEGORY, QUANTITY, UNIT_PRICE, TOTAL_AMOUNT, CURRENCY,
    PAYMENT_METHOD, ORDER_STATUS, CITY, COUNTRY, REGION, WAREHOUSE_ID, CARRIER, TRACKING_NUMBER, ORDER_TS, STATUS_TS,
    INGESTED_AT, UPDATED_AT
) VALUES (
    s.ORDER_ID, s.CUSTOMER_ID, s.PRODUCT_ID, s.PRODUCT_NAME, s.CATEGORY, s.QUANTITY, s.UNIT_PRICE, s.TOTAL_AMOUNT,
    s.CURRENCY, s.PAYMENT_METHOD, s.ORDER_STATUS, s.CITY, s.COUNTRY, s.REGION, s.WAREHOUSE_ID, s.CARRIER,
    s.TRACKING_NUMBER, s.EVENT_TS, s.EVENT_TS, s.INGESTED_AT, CURRENT_TIMESTAMP()
);

-- Customers: one source row per customer (aggregated over the batch's ORDER_CREATED), counters incremented. Adding
-- to a counter is not idempotent: an ORDER_CREATED delivered twice is counted twice.
CREATE OR REPLACE TASK PROD.UPSERT_CUSTOMERS_TASK
    WAREHOUSE = COMPUTE_WH
    AFTER PROD.INGEST_ORDERS_TASK
AS
MERGE INTO PROD.CUSTOMERS AS t
USING (
    SELECT
        EVENT:payload.customer_id::VARCHAR AS CUSTOMER_ID,
        MAX(EVENT:payload.shipping_address.city::VARCHAR) AS CITY,
        MAX(EVENT:payload.shipping_address.country::VARCHAR) AS COUNTRY,
        MAX(EVENT:payload.region::VARCHAR) AS REGION,
        MIN(EVENT_TS) AS FIRST_ORDER_TS,
        MAX(EVENT_TS) AS LAST_ORDER_TS,
        COUNT(*) AS NEW_ORDERS,
        SUM(EVENT:payload.total_amount::NUMBER(12, 2)) AS NEW_SPENT
    FROM RAW.CUSTOMERS_STREAM
    WHERE METADATA$ACTION = 'INSERT' AND EVENT:event_type::VARCHAR = 'ORDER_CREATED'
    GROUP BY EVENT:payload.customer_id::VARCHAR
) AS s
ON t.CUSTOMER_ID = s.CUSTOMER_ID
WHEN MATCHED THEN UPDATE SET
    CITY = COALESCE(s.CITY, t.CITY),
    COUNTRY = COALESCE(s.COUNTRY, t.COUNTRY),
    REGION = COALESCE(s.REGION, t.REGION),
    FIRST_ORDER_TS = IFF(s.FIRST_ORDER_TS < t.FIRST_ORDER_TS, s.FIRST_ORDER_TS, t.FIRST_ORDER_TS),
    LAST_ORDER_TS = IFF(s.LAST_ORDER_TS > t.LAST_ORDER_TS, s.LAST_ORDER_TS, t.LAST_ORDER_TS),
    ORDERS_COUNT = t.ORDERS_COUNT + s.NEW_ORDERS,
    TOTAL_SPENT = t.TOTAL_SPENT + COALESCE(s.NEW_SPENT, 0),
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (
    CUSTOMER_ID, CITY, COUNTRY, REGION, FIRST_ORDER_TS, LAST_ORDER_TS, ORDERS_COUNT, TOTAL_SPENT, UPDATED_AT
) VALUES (
    s.CUSTOMER_ID, s.CITY, s.COUNTRY, s.REGION, s.FIRST_ORDER_TS, s.LAST_ORDER_TS, s.NEW_ORDERS,
    COALESCE(s.NEW_SPENT, 0), CURRENT_TIMESTAMP()
);

-- Inventory: the batch's newest adjustment of each product replaces the stock level. The batch is deduplicated per
-- product, but nothing compares with the event time already held: a late adjustment puts an older level back.
CREATE OR REPLACE TASK PROD.UPSERT_INVENTORY_TASK
    WAREHOUSE = COMPUTE_WH
    AFTER PROD.INGEST_ORDERS_TASK
AS
MERGE INTO PROD.INVENTORY AS t
USING (
    SELECT
        EVENT:payload.product_id::VARCHAR AS PRODUCT_ID,
        EVENT:payload.product_name::VARCHAR AS PRODUCT_NAME,
        EVENT:payload.product_category::VARCHAR AS CATEGORY,
        EVENT:payload.warehouse_id::VARCHAR AS WAREHOUSE_ID,
        EVENT:payload.warehouse_location::VARCHAR AS WAREHOUSE_LOCATION,
        EVENT:payload.new_stock_level::NUMBER AS STOCK_LEVEL,
        EVENT:payload.adjustment_type::VARCHAR AS ADJUSTMENT_TYPE,
        EVENT_TS
    FROM RAW.INVENTORY_STREAM
    WHERE METADATA$ACTION = 'INSERT' AND EVENT:event_type::VARCHAR = 'INVENTORY_ADJUSTED'
    QUALIFY ROW_NUMBER() OVER (PARTITION BY EVENT:payload.product_id::VARCHAR ORDER BY EVENT_TS DESC) = 1
) AS s
ON t.PRODUCT_ID = s.PRODUCT_ID
WHEN MATCHED THEN UPDATE SET
    PRODUCT_NAME = s.PRODUCT_NAME,
    CATEGORY = COALESCE(s.CATEGORY, t.CATEGORY),
    WAREHOUSE_ID = s.WAREHOUSE_ID,
    WAREHOUSE_LOCATION = s.WAREHOUSE_LOCATION,
    STOCK_LEVEL = s.STOCK_LEVEL,
    LAST_ADJUSTMENT_TYPE = s.ADJUSTMENT_TYPE,
    LAST_ADJUSTMENT_TS = s.EVENT_TS,
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (
    PRODUCT_ID, PRODUCT_NAME, CATEGORY, WAREHOUSE_ID, WAREHOUSE_LOCATION, STOCK_LEVEL, LAST_ADJUSTMENT_TYPE,
    LAST_ADJUSTMENT_TS, UPDATED_AT
) VALUES (
    s.PRODUCT_ID, s.PRODUCT_NAME, s.CATEGORY, s.WAREHOUSE_ID, s.WAREHOUSE_LOCATION, s.STOCK_LEVEL, s.ADJUSTMENT_TYPE,
    s.EVENT_TS, CURRENT_TIMESTAMP()
);
