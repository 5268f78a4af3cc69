-- Les Caves d'Albert (seed 001_92ce9d5c44000c7f.txt), written as its authors describe it.
-- The seed's checklist names the database CAVES_ALBERT_DB and the landing schema RAW_DATA; snowsim ships them as
-- CAVES_ALBERT and RAW. The database name appears in this file only: the live runner renames it to deploy into an
-- isolated scratch database, so every other file uses schema-qualified names (RAW.RAW_EVENTS).
CREATE DATABASE IF NOT EXISTS CAVES_ALBERT;
USE DATABASE CAVES_ALBERT;

-- Layer 1 (bronze), layer 2 (silver), layer 3 (gold).
CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS PRODUCTION;
