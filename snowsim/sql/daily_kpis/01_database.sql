-- Daily KPIs (seed 003_94e960d8c7e4ed89.txt): the seed's nightly Airflow DAG (cron 0 2 * * *) rebuilt as a Snowflake
-- task graph. Extraction lands raw events continuously; at 02:00 UTC one graph cleans them (dedup, date
-- normalisation, null and status rules, reject-rate check) and updates the KPI tables incrementally.
-- The CSV export and Looker Studio refresh (steps 3b-5) are outside Snowflake and not modelled.
-- The database name appears in this file only: the live runner renames it.
CREATE DATABASE IF NOT EXISTS DAILY_KPIS;
USE DATABASE DAILY_KPIS;

CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS CLEAN;
CREATE SCHEMA IF NOT EXISTS METRICS;
-- All tasks of a graph must live in one schema (docs: user-guide/tasks-graphs): PIPELINE plays Airflow's DAG.
CREATE SCHEMA IF NOT EXISTS PIPELINE;
