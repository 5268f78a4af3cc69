"""functions (being written)."""
