-- raw.orders_events: what the consumer's batch insert writes ("VARIANT JSON + timestamps").
-- Adapted to the snowsim envelope: EVENT holds the whole envelope, fields are EVENT:payload.<field>. The seed's
-- producer replayed one CSV row per order; snowsim sends the order lifecycle and inventory adjustments as well.
CREATE OR REPLACE TABLE RAW.ORDERS_EVENTS (
    EVENT       VARIANT,
    EVENT_TS    TIMESTAMP_NTZ,
    INGESTED_AT TIMESTAMP_NTZ
);
