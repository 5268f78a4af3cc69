"""information_schema (being written)."""
