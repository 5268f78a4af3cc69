"""Snowflake-looking query ids (cursor.sfqid, TASK_HISTORY's QUERY_ID), numbered per connection."""

from __future__ import annotations


def query_id_text(number: int) -> str:
    """The id of the connection's `number`-th statement, in the shape of Snowflake's ids (8-4-4-4-12 hex)."""
    # formatted directly: uuid.UUID costs ~5 us a statement
    n = number
    return f"{n >> 64 & 0xFFFFFFFF:08x}-{n >> 48 & 0xFFFF:04x}-{n >> 32 & 0xFFFF:04x}-{n >> 16 & 0xFFFF:04x}-{(n & 0xFFFF) << 32 | 0x5A0C1D:012x}"
