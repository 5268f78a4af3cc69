"""Speculative fast paths for the dearest conversion macros.

DuckDB binds a macro's whole body, every branch, on every statement (macros.py): VARIANT -> TIMESTAMP_NTZ costs ~1.2 ms
per column and PARSE_JSON ~0.6 ms, although nearly every value takes the first branch (an ISO timestamp string, a JSON
object). So a statement first runs with cheap stand-ins that compute that common case exactly and raise SLOW_PATH on any
other non-NULL value; the connection then rolls the statement back and reruns it with the full macros, and keeps that plan
on the full macros from then on (Connection.run). VARIANT -> NUMBER speculates as a plain CAST instead (see
_plain_number_casts): a DuckDB ConversionException while speculating is a slow path too. The stand-ins never decide a
value differently: wherever one returns, the full macro returns the same value of the same type
(tests/emulator/conformance/test_speculation.py checks it on generated values). Statements whose values are unusual pay
one wasted attempt per plan, never a wrong answer.
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
    # constant CASE branches, so a json_valid guard would not keep json_keys() from seeing invalid text. Nor is one
    # needed: the cast is NULL exactly where json_valid is false (checked on blanks, bad text, trailing commas, NaN),
    # and a NULL is no OBJECT (one JSON parse less per row and one call less to bind: landing INSERT -0.09 ms).
    "sf_parse_json": ("s", f"""CASE WHEN json_type(TRY_CAST(s AS JSON)) = 'OBJECT'
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


# sf_variant_text's stand-in on the text of a value already taken out of its document (_json_text_of below)
JSON_TEXT = "sf_fast_json_text"
_JSON_TEXT_BODY = f"CASE WHEN ends_with(t, '.0') THEN {_SLOW} ELSE t END"


def install(duck: duckdb.DuckDBPyConnection) -> None:
    """Create the stand-ins in the connection's temp catalog."""
    for name, (params, body) in STAND_INS.items():
        duck.execute(f"CREATE OR REPLACE TEMP MACRO {stand_in(name)}({params}) AS {body}")
    duck.execute(f"CREATE OR REPLACE TEMP MACRO {JSON_TEXT}(t) AS {_JSON_TEXT_BODY}")


_CALLS = re.compile(rf"(?<![\w$])({'|'.join(STAND_INS)})(\s*\()", re.I)
_STRING = re.compile(r"('(?:[^']|'')*')")


@lru_cache(maxsize=4096)
def fast_sql(sql: str) -> str:
    """The statement with calls to the full macros replaced by their stand-ins (string literals left alone)."""
    if "sf_" not in sql and "SF_" not in sql:
        return sql
    sql = _plain_number_casts(sql)
    parts = _STRING.split(sql)  # odd parts are string literals
    sql = "".join(part if i % 2 else _CALLS.sub(lambda m: stand_in(m.group(1).lower()) + m.group(2), part)
                  for i, part in enumerate(parts))
    return _json_text_of(sql)


# A stand-in that reads a column's value at a path only as text, `f("T"."C" -> '$.p')` with f reading `v ->> '$'`,
# takes `"T"."C" ->> '$.p'` instead: one JSON function less per column to bind (a stream INSERT with nine such columns:
# 2.14 -> 1.95 ms, lab). The two are the same text for any document and path without a wildcard (checked on nested
# values, arrays, escapes, big and float numbers, nulls and missing keys: test_speculation.py).
_VALUE_AT = r"""("[^"]+"(?:\."[^"]+")?) -> ('\$[^'*]*')"""
_TEXT_AT = re.compile(rf"""(sf_fast_variant_text|sf_fast_variant_to_ntz)\({_VALUE_AT}\)|\({_VALUE_AT}\) ->> '\$'""")
_ON_TEXT = {"sf_fast_variant_text": JSON_TEXT, "sf_fast_variant_to_ntz": stand_in("sf_text_to_ntz")}


def _json_text_of(sql: str) -> str:
    if " -> '$" not in sql:
        return sql
    mask = _masked(sql)

    def replace(m: re.Match) -> str:
        if mask[m.start()] != sql[m.start()]:  # inside a literal (masked): text, not SQL
            return m.group(0)
        if m.group(1):
            return f"{_ON_TEXT[m.group(1)]}({m.group(2)} ->> {m.group(3)})"
        return f"({m.group(4)} ->> {m.group(5)})"

    return _TEXT_AT.sub(replace, sql)


def is_slow_path(exc: BaseException) -> bool:
    """Whether an error met while speculating asks for the full macros: a stand-in's, or a plain CAST's (below)."""
    return SLOW_PATH in str(exc) or isinstance(exc, duckdb.ConversionException)


# VARIANT -> NUMBER (conversion.py) is `COALESCE(TRY_CAST(TRIM(x ->> '$') AS DECIMAL(p, s)), CAST(
# sf_variant_number_rest(x) AS DECIMAL(p, s)))`: the rest decides only what the TRY_CAST could not (a JSON null is
# NULL both ways). While speculating it is `CAST(TRIM(x ->> '$') AS DECIMAL(p, s))`, which returns the TRY_CAST's value
# or raises DuckDB's ConversionException (a slow path, above): three numbers of a stream's INSERT 0.5 ms less to bind.
_NUMBER_HEAD = "COALESCE(TRY_CAST(TRIM("
_REST = "SF_VARIANT_NUMBER_REST("  # compared with the upper-cased text
_TEXT_OF = " ->> '$')"
_DEPTH = {"(": 1, ")": -1}


def _masked(sql: str) -> str:
    """The text with the inside of string literals and quoted names blanked, so parentheses there do not count."""
    out, quote = [], None
    for ch in sql:
        if quote:
            out.append(ch if ch == quote else "_")
            if ch == quote:
                quote = None  # a doubled quote closes and reopens: the same outcome
        else:
            out.append(ch)
            if ch in "'\"":
                quote = ch
    return "".join(out)


def _closing(mask: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(mask)):
        depth += _DEPTH.get(mask[i], 0)
        if depth == 0:
            return i
    return -1


def _split_as(sql: str, mask: str) -> tuple[str, str] | None:
    # "<value> AS <type>" at the top level of a CAST's parentheses
    depth, at = 0, -1
    for i, ch in enumerate(mask):
        depth += _DEPTH.get(ch, 0)
        if depth == 0 and mask.startswith(" AS ", i):
            at = i
    return (sql[:at], sql[at + 4:]) if at > 0 else None


def _plain_number_casts(sql: str) -> str:
    mask = _masked(sql).upper()  # names as generated (COALESCE) or kept from the source (SF_VARIANT_...)
    if _NUMBER_HEAD not in mask or _REST not in mask:
        return sql
    out, done = [], 0
    start = mask.find(_NUMBER_HEAD)
    while start >= 0:
        replacement, end = _plain_number_cast(sql, mask, start)
        if replacement is not None:
            out += [sql[done:start], replacement]
            done = end
        start = mask.find(_NUMBER_HEAD, max(done, start + 1))
    return "".join(out) + sql[done:]


def _plain_number_cast(sql: str, mask: str, start: int) -> tuple[str | None, int]:
    """(the CAST for the COALESCE at `start`, the index after it), or (None, start) when it is not that shape."""
    c_open = start + len("COALESCE")
    c_close = _closing(mask, c_open)
    t_open = c_open + len("(TRY_CAST")
    t_close = _closing(mask, t_open)
    k_open = t_close + len(", CAST(")
    if c_close < 0 or t_close < 0 or mask[t_close + 1:k_open + 1] != ", CAST(" or _closing(mask, k_open) != c_close - 1:
        return None, start
    tried = _split_as(sql[t_open + 1:t_close], mask[t_open + 1:t_close])
    rest = _split_as(sql[k_open + 1:c_close - 1], mask[k_open + 1:c_close - 1])
    if tried is None or rest is None or tried[1] != rest[1] or not tried[1].upper().startswith("DECIMAL("):
        return None, start
    (text, dec), call = tried, rest[0]
    value = text[len("TRIM("):-len(_TEXT_OF)] if text.upper().startswith("TRIM(") and text.endswith(_TEXT_OF) else None
    if value is None or not call.upper().startswith(_REST) or not call.endswith(")"):
        return None, start
    arg = call[len(_REST):-1].split(", prefix := ", 1)[0]
    if value not in (arg, f"({arg})"):  # the same VARIANT both ways, or the shape is not conversion.py's
        return None, start
    return f"CAST({text} AS {dec})", c_close + 1
