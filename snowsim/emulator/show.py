"""show (being written)."""
