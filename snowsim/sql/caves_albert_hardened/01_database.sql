-- Les Caves d'Albert, hardened: the pipeline of seed 001_92ce9d5c44000c7f.txt (see ../caves_albert) with the same
-- objects and task graph, made to survive duplicates, late and out-of-order events, schema drift and malformed rows.
-- Each hardening is marked [HARDENING: <failure it prevents>] where it happens.
-- The database name appears in this file only: the live runner renames it to deploy into a scratch database.
CREATE DATABASE IF NOT EXISTS CAVES_ALBERT_HARDENED;
USE DATABASE CAVES_ALBERT_HARDENED;

CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS PRODUCTION;
