"""snowsim: a local-first simulator and test harness for Snowflake streaming pipelines."""

__version__ = "0.1.0"
