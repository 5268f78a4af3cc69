"""stages (being written)."""
