-- Dropshipping pipeline (seed 002_beaf8e653e4dc23f.txt), as its authors describe it: a Kafka consumer inserts order
-- events into RAW.ORDERS_EVENTS (VARIANT JSON + timestamps); a stream and a task on a one-minute cron MERGE (upsert)
-- them into PROD; the validation script's checks (raw vs prod counts, duplicates, data quality) become a view.
-- The database name (the seed's DROPSHIPPING_DB) appears in this file only: the live runner renames it.
CREATE DATABASE IF NOT EXISTS DROPSHIPPING_DB;
USE DATABASE DROPSHIPPING_DB;

CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS PROD;
