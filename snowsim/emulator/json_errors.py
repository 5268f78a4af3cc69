"""The wording of PARSE_JSON's 100069 errors, computed when one is raised (docs: sql-reference/functions/parse_json).

The SQL macro only raises with the rejected text (binding a message builder into every statement that parses JSON
cost more than the parse); this module reproduces what the macro used to compute: the first duplicated top-level key
and the 0-based position of the ':' after its second occurrence, or why the text does not parse.
"""

from __future__ import annotations

import json
import re

# Snowflake also reads unquoted object keys ({ name: "x" }); quote them before judging the text (as the macro does).
_UNQUOTED_KEY = re.compile(r"([{,]\s*)([A-Za-z_$][A-Za-z0-9_$]*)(\s*:)")


def parse_json_message(text: str) -> str:
    """Snowflake's message for a PARSE_JSON input that was rejected."""
    lenient = _lenient(text)
    try:
        pairs = json.loads(lenient, object_pairs_hook=lambda items: items)
    except ValueError:
        return "Error parsing JSON: " + _fault(text)
    if isinstance(pairs, list) and pairs and all(isinstance(p, tuple) for p in pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                return f"Error parsing JSON: duplicate object attribute {json.dumps(key)}, pos {_dup_pos(lenient, key)}"
            seen.add(key)
    return "Error parsing JSON: " + _fault(text)


def _lenient(text: str) -> str:
    try:
        json.loads(text)
        return text
    except ValueError:
        return _UNQUOTED_KEY.sub(r'\1"\2"\3', text)


def _dup_pos(text: str, key: str) -> int:
    quoted = json.dumps(key)
    first = text.find(quoted)
    second = text.find(quoted, first + 1)
    return text.find(":", second + len(quoted))


def _fault(text: str) -> str:
    stripped = text.lstrip(" \t\n\r")
    if text.count("{") > text.count("}") and stripped.startswith("{"):
        return f"incomplete object value, pos {len(text)}"
    if text.count("[") > text.count("]") and stripped.startswith("["):
        return f"incomplete array value, pos {len(text)}"
    return "invalid JSON text (snowsim reads JSON with unquoted keys and trailing commas, nothing looser): " + text[:100]
