"""The reasons COPY gives for records that are not JSON (docs are silent; wording as the service reports it)."""

from __future__ import annotations

import pytest

from snowsim.emulator.json_faults import fault


@pytest.mark.parametrize(
    ("text", "reason", "pos"),
    [
        ('{"a": 1', "incomplete object value", 8),
        ("[1, 2", "incomplete array value", 6),
        ('{"a": "x', "unterminated string", 9),
        ("cdefg", 'unknown keyword "cdefg"', 6),
        ("{bad}", "misplaced }", 5),
        ('{"a":1]', "misplaced ]", 7),
        ('{"a":1,,}', "misplaced comma", 8),
        ("[1 2]", "missing comma", 4),
        ('{"a" 1}', "missing colon", 6),
        ("#", "invalid character outside of a string: '#'", 1),
        ("{} {}", "more than one document in the input", 4),
        ("1 2", "garbage after valid input document", 3),
        ('{"a": 1, "a": 2}', 'duplicate object attribute "a"', 12),
    ],
)
def test_reasons_and_positions(text, reason, pos):
    """Reason text and 1-based position for one malformed document."""
    assert fault(text) == (reason, pos)



def test_unquoted_keys_are_rejected_and_say_why():
    """Snowflake's reader is said to accept unquoted keys (docs silent); snowsim's DuckDB reader does not, and the
    reason given says so instead of inventing a parse error."""
    assert fault("{a: 1}") == ("invalid JSON text (snowsim accepts strict JSON only)", 1)
