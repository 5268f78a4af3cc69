"""timetravel (being written)."""
