"""pytest plugin: fixtures for testing Snowflake pipelines offline with snowsim."""
