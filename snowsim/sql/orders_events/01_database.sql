-- Pipeline d'événements de commandes en temps réel (seed 000_6ff37d4f14901c3d.txt), as its authors describe it:
-- JSON Lines files on an internal stage -> RAW (VARIANT) by COPY INTO -> stream -> one-minute task -> ANALYTICS.
-- The seed names the layers raw and analytics; snowsim names the database ORDERS_EVENTS. The database name appears in
-- this file only: the live runner renames it to deploy into an isolated scratch database.
CREATE DATABASE IF NOT EXISTS ORDERS_EVENTS;
USE DATABASE ORDERS_EVENTS;

CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS ANALYTICS;
