"""Task runtime (being written)."""
