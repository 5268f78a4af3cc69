"""Speculative fast paths for the dearest conversion macros.

DuckDB binds a macro's whole body, every branch, on every statement (macros.py): VARIANT -> TIMESTAMP_NTZ costs ~1.2 ms
per column and PARSE_JSON ~0.6 ms, although nearly every value takes the first branch (an ISO timestamp string, a JSON
object). So a statement first runs with cheap stand-ins that compute that common case exactly and raise SLOW_PATH on any
other non-NULL value; the connection then rolls the statement back and reruns it with the full macros, and keeps that plan
on the full macros from then on (Connection.run). The stand-ins never decide a value differently: wherever one returns,
the full macro returns the same value of the same type (tests/emulator/conformance/test_speculation.py checks it on
generated values). Statements whose values are unusual pay one wasted attempt per plan, never a wrong answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

import duckdb

SLOW_PATH = "SNOWSIM#SLOW_PATH"  # raised by a stand-in for a value only the full macro can decide
_SLOW = f"error('{SLOW_PATH}')"

# full macro -> (its parameters, the stand-in's body). A stand-in takes the same parameters (prefix := '' is unused:
# it only words errors, and a stand-in raises none of its own).
STAND_INS: dict[str, tuple[str, str]] = {
    # An ISO-like string: DuckDB's cast is the full macro's first choice after the epoch-integer test, and it rejects
    # integer strings (checked), so those, numbers, booleans and containers fall to the full macro.
    "sf_variant_to_ntz": ("v, prefix := ''",
                          f"coalesce(TRY_CAST(v ->> '$' AS TIMESTAMP), CASE WHEN (v ->> '$') IS NOT NULL THEN {_SLOW} END)"),
    "sf_text_to_ntz": ("s, prefix := ''",
                       f"coalesce(TRY_CAST(s AS TIMESTAMP), CASE WHEN s IS NOT NULL THEN {_SLOW} END)"),
    # A JSON object with distinct top-level keys is minified; scalars, arrays, blanks and bad text take the full path.
    # Every call is on TRY_CAST(s AS JSON), which never throws: DuckDB may evaluate AND operands in any order and folds
    # constant CASE branches, so a json_valid guard would not keep json_keys() from seeing invalid text.
    "sf_parse_json": ("s", f"""CASE WHEN json_valid(s) AND json_type(TRY_CAST(s AS JSON)) = 'OBJECT'
            AND length(json_keys(TRY_CAST(s AS JSON))) = length(list_distinct(json_keys(TRY_CAST(s AS JSON))))
        THEN json(TRY_CAST(s AS JSON)) WHEN s IS NOT NULL THEN {_SLOW} END"""),
    # VARIANT -> VARCHAR: `->>` gives strings unquoted, other scalars and containers as their minified text; only a
    # float's trailing '.0' differs (the full macro strips it), so text ending so takes the full path.
    "sf_variant_text": ("v", f"CASE WHEN ends_with(v ->> '$', '.0') THEN {_SLOW} ELSE v ->> '$' END"),
    # Called after TRY_CAST of the value's text to the NUMBER failed (conversion.py): only a SQL or JSON null is decided.
    "sf_variant_number_rest": ("v, prefix := ''", f"CASE WHEN (v ->> '$') IS NOT NULL THEN {_SLOW} END"),
}


def stand_in(name: str) -> str:
    """The name of a macro's stand-in."""
    return f"sf_fast_{name[len('sf_'):]}"


def install(duck: duckdb.DuckDBPyConnection) -> None:
    """Create the stand-ins in the connection's temp catalog."""
    for name, (params, body) in STAND_INS.items():
        duck.execute(f"CREATE OR REPLACE TEMP MACRO {stand_in(name)}({params}) AS {body}")


_CALLS = re.compile(rf"(?<![\w$])({'|'.join(STAND_INS)})(\s*\()", re.I)
_STRING = re.compile(r"('(?:[^']|'')*')")


@lru_cache(maxsize=4096)
def fast_sql(sql: str) -> str:
    """The statement with calls to the full macros replaced by their stand-ins (string literals left alone)."""
    if "sf_" not in sql and "SF_" not in sql:
        return sql
    parts = _STRING.split(sql)  # odd parts are string literals
    return "".join(part if i % 2 else _CALLS.sub(lambda m: stand_in(m.group(1).lower()) + m.group(2), part)
                   for i, part in enumerate(parts))


def is_slow_path(exc: BaseException) -> bool:
    """Whether an error is a stand-in asking for the full macros."""
    return SLOW_PATH in str(exc)
