"""DuckDB macros that give Snowflake semantics to VARIANT and conversion functions, vectorised in SQL.

Runtime errors are raised with error('SF#<errno>|<sqlstate>|<message>') so the cursor re-raises them as the
connector's exception with Snowflake's code (see errors.translate_duckdb_error). The macros are expanded inline by
DuckDB, so they cost what the equivalent CASE expressions cost; the rewrites in functions.py / variant.py /
conversion.py call them by name.

A VARIANT is stored as DuckDB JSON: SQL NULL is a missing value, the JSON text 'null' is Snowflake's JSON null
(docs: user-guide/semistructured-considerations, "NULL values").
"""

from __future__ import annotations

import re

import duckdb

from snowsim.emulator import speculation
from snowsim.emulator.errors import JSON_ERROR_MARKER, VARIANT_NUMBER_MARKER


def _err(errno: int, sqlstate: str, message_sql: str, prefixed: bool = True) -> str:
    """SQL calling error() with a Snowflake-coded message; message_sql is a SQL string expression.

    Conversion macros take `prefix := ''`: an implicit conversion on write prepends "DML operation to table T failed
    on column C with error: " (docs: sql-reference/sql/insert, demo_insert_type_mismatch).
    """
    body = f"prefix || {message_sql}" if prefixed else message_sql
    return f"error('SF#{errno}|{sqlstate}|' || {body})"


def _q(expr: str) -> str:
    # the value quoted as Snowflake quotes it in conversion errors: 'abc'
    return f"'''' || {expr} || ''''"


# Snowflake's TO_BOOLEAN string spellings (docs: sql-reference/functions/to_boolean).
_TRUE = "('true', 't', 'yes', 'y', 'on', '1')"
_FALSE = "('false', 'f', 'no', 'n', 'off', '0')"
# JSON whitespace (PARSE_JSON of a whitespace-only string is NULL, docs: parse_json usage notes)
_WS = "' \t\n\r'"

MACROS: list[str] = [
    # Snowflake raises on a zero divisor (docs: sql-reference/operators-arithmetic)
    f"""CREATE OR REPLACE MACRO sf_nonzero_divisor(b) AS CASE WHEN b = 0
        THEN {_err(100051, '22012', "'Division by zero'", False)} ELSE b END""",
    # anything -> VARIANT (a VARCHAR becomes a JSON string, JSON stays as it is, keeping its text: TYPEOF reads
    # 1.2e2 as DOUBLE and 120.0 as DECIMAL from it). typeof() is constant, so only one branch is ever evaluated.
    """CREATE OR REPLACE MACRO sf_to_variant(x) AS CASE WHEN typeof(x) = 'JSON'
        THEN TRY_CAST(CAST(x AS VARCHAR) AS JSON) ELSE to_json(x) END""",
    # ---- PARSE_JSON (docs: sql-reference/functions/parse_json) ---------------------------------------------
    # '' and whitespace -> NULL; scalars keep their text (TYPEOF tells 123.45 from 1.2e2 by it); containers are
    # minified. Duplicate keys are detected at the top level only (see variant.py).
    # Functions that throw on invalid JSON only ever see valid text (constant folding evaluates every CASE branch).
    f"""CREATE OR REPLACE MACRO sf_valid_json(s) AS CASE WHEN json_valid(s) AND trim(s, {_WS}) <> '' THEN s END""",
    """CREATE OR REPLACE MACRO sf_json_or_null(s) AS CASE
        WHEN json_type(sf_valid_json(s)) IN ('OBJECT', 'ARRAY') THEN json(sf_valid_json(s))
        ELSE TRY_CAST(trim(sf_valid_json(s), ' \t\n\r') AS JSON) END""",
    # Snowflake's reader also takes unquoted object keys ({ name: "x" }, docs: flatten's persons example) and a
    # trailing comma (DuckDB's json_valid already does). Keys are quoted only in text that is not valid JSON as it is,
    # so valid documents are never touched; in an invalid one a "x, y: z" inside a string could be altered too.
    r"""CREATE OR REPLACE MACRO sf_lenient_json(s) AS CASE WHEN json_valid(s) THEN s
        ELSE regexp_replace(s, '([{,]\s*)([A-Za-z_$][A-Za-z0-9_$]*)(\s*:)', '\1"\2"\3', 'g') END""",
    # Snowflake's parser reads the bare keywords in any case (docs: PARSE_JSON('NULL') is a JSON null).
    # Kept small on purpose: DuckDB binds every CASE branch of every macro on every statement, so the error branch
    # only carries the raw text, and errors.translate_duckdb_error words the message (see json_errors.py).
    f"""CREATE OR REPLACE MACRO sf_parse_json_text(s, t) AS CASE
        WHEN s IS NULL OR trim(s, {_WS}) = '' THEN NULL
        WHEN lower(trim(s, {_WS})) IN ('null', 'true', 'false') THEN CAST(lower(trim(s, {_WS})) AS JSON)
        WHEN json_valid(t) AND sf_json_unique_keys(t) THEN sf_json_or_null(t)
        ELSE error('SF#100069|22P02|' || '{JSON_ERROR_MARKER}' || s) END""",
    "CREATE OR REPLACE MACRO sf_parse_json(s) AS sf_parse_json_text(s, sf_lenient_json(s))",
    f"""CREATE OR REPLACE MACRO sf_try_parse_json_text(s, t) AS CASE
        WHEN lower(trim(s, {_WS})) IN ('null', 'true', 'false') THEN CAST(lower(trim(s, {_WS})) AS JSON)
        WHEN json_valid(t) AND sf_json_unique_keys(t) THEN sf_json_or_null(t) END""",
    "CREATE OR REPLACE MACRO sf_try_parse_json(s) AS sf_try_parse_json_text(s, sf_lenient_json(s))",
    # top-level keys are unique (Snowflake rejects duplicates unless the 'd' parameter is given)
    """CREATE OR REPLACE MACRO sf_json_unique_keys(t) AS CASE WHEN json_type(t) = 'OBJECT'
        THEN length(json_keys(t)) = length(list_distinct(json_keys(t))) ELSE TRUE END""",
    # ---- VARIANT -> scalar ----------------------------------------------------------------------------------
    # VARCHAR: strings unquoted, JSON null -> SQL NULL, floats without trailing zeros (docs: data-type-conversion)
    # (->> gives a string unquoted, a JSON null as NULL, other scalars as their text; few branches: DuckDB binds
    # this once per VARIANT column a statement reads)
    r"""CREATE OR REPLACE MACRO sf_variant_text(v) AS CASE
        WHEN json_type(v) IN ('OBJECT', 'ARRAY') THEN CAST(json(v) AS VARCHAR)
        WHEN json_type(v) = 'DOUBLE' THEN regexp_replace(CAST(json(v) AS VARCHAR), '\.0$', '')
        ELSE v ->> '$' END""",
    # the text a numeric conversion parses: booleans are 0/1, strings are parsed (docs: to_decimal, VARIANT input)
    f"""CREATE OR REPLACE MACRO sf_variant_num_text(v, target, prefix := '') AS CASE json_type(v)
        WHEN 'NULL' THEN NULL
        WHEN 'BOOLEAN' THEN CASE WHEN CAST(v AS VARCHAR) = 'true' THEN '1' ELSE '0' END
        WHEN 'VARCHAR' THEN v ->> '$'
        WHEN 'OBJECT' THEN {_err(100071, '22000', "'Failed to cast variant value ' || CAST(json(v) AS VARCHAR) || ' to ' || target")}
        WHEN 'ARRAY' THEN {_err(100071, '22000', "'Failed to cast variant value ' || CAST(json(v) AS VARCHAR) || ' to ' || target")}
        ELSE trim(CAST(v AS VARCHAR), ' ') END""",
    # ---- text -> number (docs: to_decimal: 100038 not recognized, 100039 out of range) --------------------
    # d is TRY_CAST(s AS DECIMAL(p,s)) computed by the caller (type parameters cannot be macro arguments);
    # DuckDB rounds half away from zero like Snowflake.
    f"""CREATE OR REPLACE MACRO sf_check_number(s, d, prefix := '') AS CASE
        WHEN d IS NOT NULL THEN d
        WHEN s IS NULL THEN NULL
        WHEN TRY_CAST(s AS DOUBLE) IS NULL THEN {_err(100038, '22018', "'Numeric value ' || " + _q('s') + " || ' is not recognized'")}
        ELSE {_err(100039, '22003', "'Numeric value ' || " + _q('s') + " || ' is out of range'")} END""",
    # VARIANT -> NUMBER when TRY_CAST of its text failed: JSON null, booleans (1/0), or the conversion's error,
    # worded by errors.translate_duckdb_error from the value (see VARIANT_NUMBER_MARKER)
    f"""CREATE OR REPLACE MACRO sf_variant_number_rest(v, prefix := '') AS CASE
        WHEN v IS NULL OR json_type(v) = 'NULL' THEN NULL
        WHEN json_type(v) = 'BOOLEAN' THEN CASE WHEN CAST(v AS VARCHAR) = 'true' THEN 1 ELSE 0 END
        ELSE error('SF#100038|22018|{VARIANT_NUMBER_MARKER}' || prefix || chr(31) || CAST(v AS VARCHAR)) END""",
    f"""CREATE OR REPLACE MACRO sf_text_to_double(s, prefix := '') AS CASE
        WHEN s IS NULL THEN NULL
        WHEN TRY_CAST(trim(s) AS DOUBLE) IS NULL THEN {_err(100038, '22018', "'Numeric value ' || " + _q('s') + " || ' is not recognized'")}
        ELSE TRY_CAST(trim(s) AS DOUBLE) END""",
    # ---- text -> BOOLEAN (docs: to_boolean) -------------------------------------------------------------------
    f"""CREATE OR REPLACE MACRO sf_try_text_to_boolean(s) AS CASE
        WHEN lower(trim(s)) IN {_TRUE} THEN TRUE WHEN lower(trim(s)) IN {_FALSE} THEN FALSE END""",
    f"""CREATE OR REPLACE MACRO sf_text_to_boolean(s, prefix := '') AS CASE
        WHEN s IS NULL THEN NULL
        ELSE coalesce(sf_try_text_to_boolean(s),
                      {_err(100037, '22018', "'Boolean value ' || " + _q('s') + " || ' is not recognized'")}) END""",
    f"""CREATE OR REPLACE MACRO sf_variant_to_boolean(v, prefix := '') AS CASE json_type(v)
        WHEN 'NULL' THEN NULL
        WHEN 'BOOLEAN' THEN CAST(v AS VARCHAR) = 'true'
        WHEN 'VARCHAR' THEN sf_text_to_boolean(v ->> '$', prefix := prefix)
        WHEN 'OBJECT' THEN {_err(100071, '22000', "'Failed to cast variant value ' || CAST(json(v) AS VARCHAR) || ' to BOOLEAN'")}
        WHEN 'ARRAY' THEN {_err(100071, '22000', "'Failed to cast variant value ' || CAST(json(v) AS VARCHAR) || ' to BOOLEAN'")}
        ELSE TRY_CAST(CAST(v AS VARCHAR) AS DOUBLE) <> 0 END""",
    # ---- text -> DATE / TIMESTAMP (docs: date-time input formats, AUTO detection) -----------------------------
    # An integer string is seconds/ms/us/ns since the epoch by magnitude (docs: to_timestamp usage notes).
    """CREATE OR REPLACE MACRO sf_epoch_to_ntz(n) AS CASE
        WHEN abs(n) < 31536000000 THEN make_timestamp(TRY_CAST(n * 1000000 AS BIGINT))
        WHEN abs(n) < 31536000000000 THEN make_timestamp(TRY_CAST(n * 1000 AS BIGINT))
        WHEN abs(n) < 31536000000000000 THEN make_timestamp(TRY_CAST(n AS BIGINT))
        ELSE make_timestamp(TRY_CAST(n // 1000 AS BIGINT)) END""",
    r"""CREATE OR REPLACE MACRO sf_try_text_to_ntz(s) AS CASE
        WHEN regexp_full_match(trim(s), '-?[0-9]+') THEN sf_epoch_to_ntz(TRY_CAST(trim(s) AS HUGEINT))
        ELSE coalesce(TRY_CAST(trim(s) AS TIMESTAMP), try_strptime(trim(s), '%d-%b-%Y %H:%M:%S'),
                      try_strptime(trim(s), '%d-%b-%Y'), try_strptime(trim(s), '%m/%d/%Y %H:%M:%S'),
                      try_strptime(trim(s), '%m/%d/%Y')) END""",
    f"""CREATE OR REPLACE MACRO sf_text_to_ntz(s, prefix := '') AS CASE
        WHEN s IS NULL THEN NULL
        ELSE coalesce(sf_try_text_to_ntz(s),
                      {_err(100035, '22007', "'Timestamp ' || " + _q('s') + " || ' is not recognized'")}) END""",
    # '2024-01-01 12:00:00.000 +0000' (Snowflake's own output format) has a space DuckDB does not accept
    r"""CREATE OR REPLACE MACRO sf_try_text_to_ltz(s) AS CASE
        WHEN regexp_full_match(trim(s), '-?[0-9]+') THEN timezone('UTC', sf_epoch_to_ntz(TRY_CAST(trim(s) AS HUGEINT)))
        ELSE coalesce(TRY_CAST(regexp_replace(trim(s), '\s+([+-][0-9]{2}(:?[0-9]{2})?|Z)$', '\1') AS TIMESTAMPTZ),
                      CAST(sf_try_text_to_ntz(s) AS TIMESTAMPTZ)) END""",
    f"""CREATE OR REPLACE MACRO sf_text_to_ltz(s, prefix := '') AS CASE
        WHEN s IS NULL THEN NULL
        ELSE coalesce(sf_try_text_to_ltz(s),
                      {_err(100035, '22007', "'Timestamp ' || " + _q('s') + " || ' is not recognized'")}) END""",
    """CREATE OR REPLACE MACRO sf_try_text_to_date(s) AS
        coalesce(TRY_CAST(trim(s) AS DATE), CAST(sf_try_text_to_ntz(s) AS DATE))""",
    f"""CREATE OR REPLACE MACRO sf_text_to_date(s, prefix := '') AS CASE
        WHEN s IS NULL THEN NULL
        ELSE coalesce(sf_try_text_to_date(s),
                      {_err(100040, '22007', "'Date ' || " + _q('s') + " || ' is not recognized'")}) END""",
    # a VARIANT number is an epoch value; anything else goes through its text
    """CREATE OR REPLACE MACRO sf_variant_to_ntz(v, prefix := '') AS CASE
        WHEN json_type(v) IN ('BIGINT', 'UBIGINT') THEN sf_epoch_to_ntz(TRY_CAST(CAST(v AS VARCHAR) AS HUGEINT))
        ELSE sf_text_to_ntz(sf_variant_num_text(v, 'TIMESTAMP_NTZ', prefix := prefix), prefix := prefix) END""",
    """CREATE OR REPLACE MACRO sf_variant_to_ltz(v, prefix := '') AS CASE
        WHEN json_type(v) IN ('BIGINT', 'UBIGINT') THEN timezone('UTC', sf_epoch_to_ntz(TRY_CAST(CAST(v AS VARCHAR) AS HUGEINT)))
        ELSE sf_text_to_ltz(sf_variant_num_text(v, 'TIMESTAMP_LTZ', prefix := prefix), prefix := prefix) END""",
    """CREATE OR REPLACE MACRO sf_variant_to_date(v, prefix := '') AS CASE
        WHEN json_type(v) IN ('BIGINT', 'UBIGINT') THEN CAST(sf_epoch_to_ntz(TRY_CAST(CAST(v AS VARCHAR) AS HUGEINT)) AS DATE)
        ELSE sf_text_to_date(sf_variant_num_text(v, 'DATE', prefix := prefix), prefix := prefix) END""",
    # ---- scalar -> VARCHAR in Snowflake's default output formats (docs: parameters *_OUTPUT_FORMAT) ----------
    r"""CREATE OR REPLACE MACRO sf_double_text(d) AS regexp_replace(CAST(d AS VARCHAR), '\.0$', '')""",
    """CREATE OR REPLACE MACRO sf_ntz_text(t) AS strftime(t, '%Y-%m-%d %H:%M:%S.%g')""",
    """CREATE OR REPLACE MACRO sf_ltz_text(t) AS strftime(t, '%Y-%m-%d %H:%M:%S.%g ')
        || CASE WHEN date_part('timezone', t) < 0 THEN '-' ELSE '+' END
        || lpad(CAST(abs(date_part('timezone', t)) // 3600 AS VARCHAR), 2, '0')
        || lpad(CAST(abs(date_part('timezone', t)) % 3600 // 60 AS VARCHAR), 2, '0')""",
    # ---- TYPEOF (docs: sql-reference/functions/typeof) ------------------------------------------------------
    # A JSON number with a fraction is DECIMAL unless written in scientific notation (docs: parse_json usage notes);
    # nested numbers were minified by PARSE_JSON, so only a top-level scalar keeps its notation.
    """CREATE OR REPLACE MACRO sf_typeof(v) AS CASE json_type(v)
        WHEN 'NULL' THEN 'NULL_VALUE'
        WHEN 'BIGINT' THEN 'INTEGER' WHEN 'UBIGINT' THEN 'INTEGER'
        WHEN 'DOUBLE' THEN CASE WHEN contains(lower(CAST(v AS VARCHAR)), 'e') THEN 'DOUBLE' ELSE 'DECIMAL' END
        WHEN 'VARCHAR' THEN 'VARCHAR' WHEN 'BOOLEAN' THEN 'BOOLEAN'
        WHEN 'ARRAY' THEN 'ARRAY' WHEN 'OBJECT' THEN 'OBJECT' END""",
    # ---- ARRAY functions on JSON arrays (docs: array_contains, array_to_string, array_append, array_cat) -------
    # elements as JSON texts; NULL when the value is not an array
    """CREATE OR REPLACE MACRO sf_array_items(a) AS CASE WHEN json_type(a) = 'ARRAY'
        THEN CAST(json_extract(a, '$[*]') AS VARCHAR[]) END""",
    """CREATE OR REPLACE MACRO sf_array_of_items(items) AS CAST('[' || array_to_string(items, ',') || ']' AS JSON)""",
    # a JSON null element prints as '' (docs: array_to_string); strings without their quotes
    """CREATE OR REPLACE MACRO sf_array_to_string(a, sep) AS array_to_string(
        list_transform(sf_array_items(a), lambda x: coalesce(sf_variant_text(CAST(x AS JSON)), '')), sep)""",
    """CREATE OR REPLACE MACRO sf_array_contains(v, a) AS CASE WHEN v IS NOT NULL
        THEN list_contains(sf_array_items(a), CAST(json(v) AS VARCHAR)) END""",
    # ---- ARRAY functions comparing elements (docs: array_position, array_distinct, arrays_overlap,
    # array_intersection, array_except, array_remove) -----------------------------------------------------------
    # An element's identity: its minified JSON text, a number by value (the docs' ARRAY_REMOVE example removes 5,
    # 5.00 and 5.0 alike; numbers compare as DOUBLE here, so two NUMBER(38) values differing past 15 digits match).
    """CREATE OR REPLACE MACRO sf_item_key(x) AS CASE WHEN json_type(x) IN ('BIGINT', 'UBIGINT', 'DOUBLE')
        THEN '#' || CAST(TRY_CAST(x AS DOUBLE) AS VARCHAR) ELSE x END""",
    """CREATE OR REPLACE MACRO sf_array_keys(a) AS list_transform(sf_array_items(a), lambda x: sf_item_key(x))""",
    # a VARIANT's key; SQL NULL is the JSON null an ARRAY_CONSTRUCT(NULL) holds here (the 2023_01 behaviour: NULL
    # is found at the position of the first null element)
    """CREATE OR REPLACE MACRO sf_value_key(v) AS sf_item_key(coalesce(CAST(json(v) AS VARCHAR), 'null'))""",
    # 0-based; NULL when absent
    """CREATE OR REPLACE MACRO sf_array_position(v, a) AS list_position(sf_array_keys(a), sf_value_key(v)) - 1""",
    # the first of equal elements, in order
    """CREATE OR REPLACE MACRO sf_array_distinct(a) AS sf_array_of_items(list_filter(sf_array_items(a),
        lambda x, i: list_position(sf_array_keys(a), sf_item_key(x)) = i))""",
    """CREATE OR REPLACE MACRO sf_arrays_overlap(a, b) AS CASE WHEN json_type(a) = 'ARRAY' AND json_type(b) = 'ARRAY'
        THEN len(list_intersect(sf_array_keys(a), sf_array_keys(b))) > 0 END""",
    # multiset semantics: the k-th copy of a value in a is kept when b has at least k copies (INTERSECTION), or
    # fewer than k (EXCEPT)
    """CREATE OR REPLACE MACRO sf_array_intersection(a, b) AS CASE WHEN json_type(b) = 'ARRAY'
        THEN sf_array_of_items(list_filter(sf_array_items(a), lambda x, i:
            len(list_filter(sf_array_keys(a)[1:i], lambda k: k = sf_item_key(x)))
            <= len(list_filter(sf_array_keys(b), lambda k: k = sf_item_key(x))))) END""",
    """CREATE OR REPLACE MACRO sf_array_except(a, b) AS CASE WHEN json_type(b) = 'ARRAY'
        THEN sf_array_of_items(list_filter(sf_array_items(a), lambda x, i:
            len(list_filter(sf_array_keys(a)[1:i], lambda k: k = sf_item_key(x)))
            > len(list_filter(sf_array_keys(b), lambda k: k = sf_item_key(x))))) END""",
    """CREATE OR REPLACE MACRO sf_array_remove(a, v) AS CASE WHEN v IS NOT NULL
        THEN sf_array_of_items(list_filter(sf_array_items(a), lambda x: sf_item_key(x) <> sf_value_key(v))) END""",
    """CREATE OR REPLACE MACRO sf_array_compact(a) AS sf_array_of_items(list_filter(sf_array_items(a),
        lambda x: x <> 'null'))""",
    # ---- ordering of VARIANT values ----------------------------------------------------------------------------
    # A sort key: numbers by value, strings by text, then booleans, arrays, objects, JSON null. Snowflake orders
    # VARIANTs by value within a type; the order between types is not documented (derived here).
    """CREATE OR REPLACE MACRO sf_variant_key(v) AS CASE WHEN v IS NOT NULL THEN struct_pack(
        t := CASE json_type(v) WHEN 'BIGINT' THEN 0 WHEN 'UBIGINT' THEN 0 WHEN 'DOUBLE' THEN 0 WHEN 'VARCHAR' THEN 1
                 WHEN 'BOOLEAN' THEN 2 WHEN 'ARRAY' THEN 3 WHEN 'OBJECT' THEN 4 ELSE 5 END,
        n := coalesce(CASE WHEN json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE')
                           THEN TRY_CAST(CAST(v AS VARCHAR) AS DOUBLE) END, 0),
        s := CASE WHEN json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN ''
                  WHEN json_type(v) = 'VARCHAR' THEN v ->> '$' ELSE CAST(v AS VARCHAR) END) END""",
    # HASH: DuckDB's 64-bit hash reinterpreted as Snowflake's signed NUMBER(19,0); values differ from Snowflake's
    """CREATE OR REPLACE MACRO sf_signed64(h) AS CAST(CAST(h AS HUGEINT)
        - CASE WHEN h >= 9223372036854775808 THEN 18446744073709551616 ELSE 0 END AS BIGINT)""",
]


_HEAD = re.compile(r"^(\s*CREATE\s+OR\s+REPLACE\s+(?:TEMP\s+)?MACRO\s+\w+\s*)\((.*?)\)(\s+AS\s+)(.*)$", re.S | re.I)
_STRING = re.compile(r"('(?:[^']|'')*')")


def bind_arguments(sql: str, only: set[str] | None = None) -> str:
    """Rewrite a CREATE MACRO so that its arguments are evaluated once.

    DuckDB expands a macro by substituting argument expressions textually: a body reading its argument five times
    copies it five times, and nested conversion macros (PARSE_JSON -> path -> TIMESTAMP) grew into expressions that
    took 17 s to bind. A body that reads an argument more than once becomes
    `list_transform([struct_pack(a := a, ...)], lambda __lb: <body reading __lb.a>)[1]`: every positional argument
    is evaluated once, inside the list literal, outside the lambda (DuckDB refuses subqueries in a lambda body, and
    an argument may be a scalar subquery). Named arguments (prefix := '') are constants and stay as they are.
    """
    m = _HEAD.match(sql)
    if not m:
        return sql
    head, params, as_, body = m.groups()
    positional = [p.strip() for p in params.split(",") if p.strip() and ":=" not in p and (only is None or p.strip() in only)]
    refs = {n: re.compile(rf"(?<![\w.$]){re.escape(n)}(?!\w)(?!\s*:=)") for n in positional}
    parts = _STRING.split(body)  # odd parts are string literals

    def uses(name: str) -> int:
        return sum(len(refs[name].findall(part)) for part in parts[::2])

    if not any(uses(n) > 1 for n in positional):
        return sql
    if len(positional) == 1:  # a one-element list of the value itself: no struct to pack and unpack
        name = positional[0]
        parts = [part if i % 2 else refs[name].sub(f"__lb_{name}", part) for i, part in enumerate(parts)]
        return f"{head}({params}){as_}list_transform([{name}], lambda __lb_{name}: {''.join(parts)})[1]"
    for name in positional:
        parts = [part if i % 2 else refs[name].sub(f"__lb.{name}", part) for i, part in enumerate(parts)]
    fields = ", ".join(f"{n} := {n}" for n in positional)
    return f"{head}({params}){as_}list_transform([struct_pack({fields})], lambda __lb: {''.join(parts)})[1]"


_CALL = re.compile(r"(?<![\w.$])(sf_\w+)\s*\(", re.I)
_SIMPLE = re.compile(r"^(?:[A-Za-z_][\w.]*|'(?:[^']|'')*'|-?\d+(?:\.\d+)?)$")


def _call_args(text: str, start: int) -> tuple[list[str], int]:
    """The top-level arguments of a call whose '(' is at text[start - 1], and the index after its ')'."""
    depth, i, begin, args = 0, start, start, []
    while i < len(text):
        c = text[i]
        if c == "'":
            i = text.index("'", i + 1)
            while text.startswith("''", i):
                i = text.index("'", i + 2)
        elif c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                args.append(text[begin:i])
                return [a.strip() for a in args if a.strip()], i + 1
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[begin:i])
            begin = i + 1
        i += 1
    raise ValueError(f"unbalanced call in {text!r}")


def _substitute(body: str, values: dict[str, str]) -> str:
    # parameter names -> expressions, outside string literals, not in `name :=` keyword position
    parts = _STRING.split(body)
    for name, value in values.items():
        ref = re.compile(rf"(?<![\w.$]){re.escape(name)}(?!\w)(?!\s*:=)")
        parts = [part if i % 2 else ref.sub(lambda _m, v=value: v, part) for i, part in enumerate(parts)]
    return "".join(parts)


def _uses(body: str, name: str) -> int:
    ref = re.compile(rf"(?<![\w.$]){re.escape(name)}(?!\w)(?!\s*:=)")
    return sum(len(ref.findall(part)) for part in _STRING.split(body)[::2])


def flatten(macros: list[str]) -> list[str]:
    """Inline the calls macros make to other sf_ macros, so that each macro is one expression DuckDB binds once.

    DuckDB expands a nested macro call as the callee's whole body, and a callee that binds its argument once
    (bind_arguments) nests a lambda inside the caller's: binding cost grows much faster than the nesting depth
    (sf_variant_to_ntz took ~6 ms). Here a callee's body is substituted in Python instead: a simple argument (a name,
    a literal) is copied into the body; an argument the callee reads more than once is bound through one lambda.
    """
    defs: dict[str, tuple[list[str], dict[str, str], str]] = {}
    for sql in macros:
        m = _HEAD.match(sql)
        params = [p.strip() for p in m.group(2).split(",") if p.strip()]
        positional = [p for p in params if ":=" not in p]
        named = dict((k.strip(), v.strip()) for k, v in (p.split(":=", 1) for p in params if ":=" in p))
        name = re.search(r"MACRO\s+(\w+)", m.group(1), re.I).group(1).lower()
        defs[name] = (positional, named, m.group(4))
    expanded: dict[str, str] = {}
    counter = iter(range(1_000_000))

    def expand(body: str) -> str:
        out, pos = [], 0
        parts = _STRING.split(body)
        # calls are found outside string literals only: rebuild positions over the code parts
        code = "".join(part if i % 2 == 0 else "'" + "_" * (len(part) - 2) + "'" for i, part in enumerate(parts))
        for m in _CALL.finditer(code):
            if m.start() < pos:
                continue
            name = m.group(1).lower()
            if name not in defs:
                continue
            args, end = _call_args(body, m.end())
            positional, named, callee_body = defs[name]
            given = [a for a in args if not re.match(r"^\w+\s*:=", a)]
            keywords = dict((k.strip(), v.strip()) for k, v in (a.split(":=", 1) for a in args if re.match(r"^\w+\s*:=", a)))
            inner = callee(name)
            values = {k: keywords.get(k, default) for k, default in named.items()}
            bound = []
            for param, arg in zip(positional, given, strict=True):
                arg = expand(arg)
                if _SIMPLE.match(arg) or _uses(inner, param) <= 1:
                    values[param] = arg if _SIMPLE.match(arg) else f"({arg})"
                else:
                    bound.append((param, arg))
            if len(bound) == 1:
                var = f"__f{next(counter)}"
                values[bound[0][0]] = var
                text = f"list_transform([{bound[0][1]}], lambda {var}: {_substitute(inner, values)})[1]"
            elif bound:
                var = f"__f{next(counter)}"
                values.update({param: f"{var}.{param}" for param, _ in bound})
                fields = ", ".join(f"{param} := {arg}" for param, arg in bound)
                text = f"list_transform([struct_pack({fields})], lambda {var}: {_substitute(inner, values)})[1]"
            else:
                text = f"({_substitute(inner, values)})"
            out.append(body[pos:m.start()])
            out.append(text)
            pos = end
        out.append(body[pos:])
        return "".join(out)

    def callee(name: str) -> str:
        if name not in expanded:
            expanded[name] = expand(defs[name][2])
        return expanded[name]

    result = []
    for sql in macros:
        m = _HEAD.match(sql)
        name = re.search(r"MACRO\s+(\w+)", m.group(1), re.I).group(1).lower()
        result.append(f"{m.group(1)}({m.group(2)}){m.group(3)}{callee(name)}")
    return result


def install_macros(duck: duckdb.DuckDBPyConnection) -> None:
    """Create (or refresh) the macros in the connection's temp catalog."""
    for original, sql in zip(MACROS, flatten(MACROS), strict=True):
        # a macro whose own body read each argument once binds only the arguments that inlining made repeat: the
        # others stay where they are (array_to_string's separator must stay a constant, not a lambda variable)
        only = None if bind_arguments(original) != original else _repeated(sql)
        duck.execute(bind_arguments(sql.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"), only))
    speculation.install(duck)


def _repeated(sql: str) -> set[str]:
    m = _HEAD.match(sql)
    params = [p.strip() for p in m.group(2).split(",") if p.strip() and ":=" not in p]
    return {p for p in params if _uses(m.group(4), p) > 1}
