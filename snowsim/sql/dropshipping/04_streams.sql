-- raw.orders_stream (CDC) as in the seed, plus one stream per extra consumer: a DML that reads a stream consumes all
-- of it (docs: user-guide/streams-intro), so the customers and inventory tasks cannot share the orders stream.
CREATE OR REPLACE STREAM RAW.ORDERS_STREAM ON TABLE RAW.ORDERS_EVENTS;
CREATE OR REPLACE STREAM RAW.CUSTOMERS_STREAM ON TABLE RAW.ORDERS_EVENTS;
CREATE OR REPLACE STREAM RAW.INVENTORY_STREAM ON TABLE RAW.ORDERS_EVENTS;
