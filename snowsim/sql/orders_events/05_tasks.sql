-- Étape 4: the task that runs every minute, reads the new events from the stream and types them.
-- Known weaknesses, kept on purpose (the seed lists "déduplication des événements" and "contrôles de qualité" as
-- future improvements): a redelivered event is inserted again, and ::NUMBER casts fail the task (and stall the stream)
-- on a non-numeric value.
CREATE OR REPLACE TASK ANALYTICS.TASK_ORDERS_EVENTS_CLEAN
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('RAW.ORDERS_EVENTS_STREAM')
AS
INSERT INTO ANALYTICS.ORDERS_EVENTS_CLEAN (
    EVENT_ID, EVENT_TYPE, EVENT_TIMESTAMP, SCHEMA_VERSION, ORDER_ID, CUSTOMER_ID, PRODUCT_ID, ORDER_STATUS,
    PRODUCT_NAME, PRODUCT_CATEGORY, QUANTITY, UNIT_PRICE, TOTAL_AMOUNT, AMOUNT, CURRENCY, PAYMENT_METHOD,
    SHIPPING_CITY, SHIPPING_COUNTRY, REGION, WAREHOUSE_ID, CARRIER, TRACKING_NUMBER, REASON, SOURCE_FILE, LOADED_AT,
    INGESTION_DELAY_SECONDS, PROCESSED_AT
)
SELECT
    RAW_EVENT:event_id::VARCHAR,
    RAW_EVENT:event_type::VARCHAR,
    RAW_EVENT:event_timestamp::TIMESTAMP_NTZ,
    RAW_EVENT:schema_version::NUMBER,
    RAW_EVENT:payload.order_id::VARCHAR,
    RAW_EVENT:payload.customer_id::VARCHAR,
    RAW_EVENT:payload.product_id::VARCHAR,
    RAW_EVENT:payload.order_status::VARCHAR,
    RAW_EVENT:payload.product_name::VARCHAR,
    RAW_EVENT:payload.product_category::VARCHAR,
    RAW_EVENT:payload.quantity::NUMBER,
    RAW_EVENT:payload.unit_price::NUMBER(10, 2),
    RAW_EVENT:payload.total_amount::NUMBER(12, 2),
    RAW_EVENT:payload.amount::NUMBER(12, 2),
    RAW_EVENT:payload.currency::VARCHAR,
    RAW_EVENT:payload.payment_method::VARCHAR,
    RAW_EVENT:payload.shipping_address.city::VARCHAR,
    RAW_EVENT:payload.shipping_address.country::VARCHAR,
    RAW_EVENT:payload.region::VARCHAR,
    RAW_EVENT:payload.warehouse_id::VARCHAR,
    RAW_EVENT:payload.carrier::VARCHAR,
    RAW_EVENT:payload.tracking_number::VARCHAR,
    RAW_EVENT:payload.reason::VARCHAR,
    SOURCE_FILE,
    LOADED_AT,
    DATEDIFF('second', RAW_EVENT:event_timestamp::TIMESTAMP_NTZ, LOADED_AT),
    CURRENT_TIMESTAMP()
FROM RAW.ORDERS_EVENTS_STREAM
WHERE RAW_EVENT:event_type::VARCHAR IN (
    'ORDER_CREATED', 'ORDER_PAID', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'ORDER_CANCELLED', 'ORDER_REFUNDED'
);
