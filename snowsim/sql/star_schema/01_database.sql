-- E-commerce real-time analytics, star schema (seed 004_a69d6f7b77939e5a.txt): Kafka -> Snowflake RAW -> staging ->
-- dimensions and facts. The seed runs its transformations with dbt (staging / marts models, unique tests); snowsim
-- ships them as streams and tasks, one task per dbt model, so that the simulator can run them.
-- The seed's batch imports of historical data (Snowflake stage) and external APIs are not modelled.
-- The database name appears in this file only: the live runner renames it.
CREATE DATABASE IF NOT EXISTS ECOMMERCE_DWH;
USE DATABASE ECOMMERCE_DWH;

CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS MARTS;
