"""Bound parameters in every function the translator maps: each constant argument of each call below is replaced,
one at a time, by a bound parameter of the same Python type, and the statement must give the constant's result
(in a SELECT, and written by INSERT ... SELECT) or be refused by name (NotSupportedError, listed in REFUSED).

The calls cover the translator's registry (sqlfuncs.HANDLERS and ANONYMOUS: test_every_registered_translation_is_called)
and every Snowflake function whose DuckDB text from sqlglot reads an argument twice
(test_every_function_sqlglot_expands_is_called): the translations where a copied `?` used to become a second,
unbound parameter ("Values were not provided for the following parameters: 2").
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlglot
from snowflake.connector import errors as sf
from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake

import snowsim.emulator.functions  # noqa: F401 - registers the translations
from snowsim.emulator import Clock, connect, sqlfuncs
from snowsim.emulator.params import MARKER

CALLS = [
    # strings
    "SPLIT('a,b,,c', ',')",
    # arrays (variant.py: element comparison by macros.sf_item_key)
    "ARRAYS_ZIP(ARRAY_CONSTRUCT(1, 'a'), ARRAY_CONSTRUCT(2))",
    "ARRAY_POSITION(2::VARIANT, ARRAY_CONSTRUCT(1, 2))",
    "ARRAY_DISTINCT(ARRAY_CONSTRUCT('a', 'a', 'b'))",
    "ARRAY_COMPACT(ARRAY_CONSTRUCT(1, NULL, 3))",
    "ARRAYS_OVERLAP(ARRAY_CONSTRUCT(1, 2), ARRAY_CONSTRUCT(2, 3))",
    "ARRAY_INTERSECTION(ARRAY_CONSTRUCT(1, 2, 2), ARRAY_CONSTRUCT(2, 2, 3))",
    "ARRAY_EXCEPT(ARRAY_CONSTRUCT('a', 'b'), ARRAY_CONSTRUCT('b'))",
    "ARRAY_REMOVE(ARRAY_CONSTRUCT(1, 5, 2), 5)",
    "ARRAY_PREPEND(ARRAY_CONSTRUCT(1, 2), 0)",
    "BOOLXOR(2, 0)",
    "ARRAY_CONTAINS('a'::VARIANT, SPLIT('a,b', ','))",
    "SPLIT_PART('11.22.33', '.', 2)",
    "SPLIT_PART('11.22.33', '.', -1)",
    "STRTOK('a.b.c', '.', 2)",
    "STRTOK('a b')",
    "STRTOK_TO_ARRAY('a b  c', ' ')",
    "CONCAT('a', 'b', 'c')",
    "'a' || 'b' || 3",
    "CONCAT_WS('-', 'a', 'b')",
    "UPPER('abc')",
    "LOWER('ABC')",
    "INITCAP('hello wORLD')",
    "LENGTH('abcd')",
    "LEN('abc')",
    "CHAR_LENGTH('ab')",
    "CHARACTER_LENGTH('ab')",
    "LEFT('abcdef', 2)",
    "RIGHT('abcdef', 2)",
    "SUBSTR('abcdef', 2, 3)",
    "SUBSTRING('abcdef', 3)",
    "TRIM('  ab  ')",
    "LTRIM('xxab', 'x')",
    "RTRIM('abyy', 'y')",
    "LPAD('ab', 5, '*')",
    "RPAD('ab', 5, '*')",
    "REPLACE('abcabc', 'b', 'X')",
    "REVERSE('abc')",
    "REPEAT('ab', 3)",
    "CHARINDEX('b', 'abcb', 3)",
    "POSITION('b', 'abcb')",
    "CONTAINS('abc', 'b')",
    "STARTSWITH('abc', 'ab')",
    "ENDSWITH('abc', 'bc')",
    "'abc' LIKE 'a%'",
    "'ABC' ILIKE 'a%'",
    "'x' NOT ILIKE 'y'",
    "'abc' RLIKE 'a.*'",
    "EDITDISTANCE('kitten', 'sitting')",
    "INSERT('abcdef', 2, 3, 'X')",
    "UNICODE('A')",
    "ASCII('A')",
    "CHR(65)",
    "HEX_ENCODE('ab')",
    "REGEXP_LIKE('Abc', 'a.c', 'i')",
    "REGEXP_REPLACE('a1b2', '[0-9]', '#')",
    "REGEXP_SUBSTR('a12b', '[0-9]+')",
    "REGEXP_COUNT('a1b2c3', '[0-9]')",
    "REGEXP_INSTR('ab12', '[0-9]')",
    "MD5('Snowflake')",
    "SHA1('Snowflake')",
    "SHA2('Snowflake', 256)",
    "HASH('a', 1)",
    # numbers
    "ABS(-5)",
    "ROUND(2.567, 2)",
    "CEIL(2.123, 1)",
    "CEILING(2.51, 1)",
    "FLOOR(2.987, 1)",
    "TRUNC(2.987, 1)",
    "MOD(7, 3)",
    "7 % 3",
    "7 + 2.5",
    "7 - 2",
    "7 * 3",
    "7 / 2",
    "-(4)",
    "DIV0(6, 0)",
    "DIV0NULL(6, 0)",
    "SQRT(16)",
    "POWER(2, 10)",
    "SIGN(-3)",
    "GREATEST(1, 5, 3)",
    "LEAST(4, 2, 8)",
    "ZEROIFNULL(5)",
    "NULLIFZERO(0)",
    "BITMAP_BIT_POSITION(5)",
    "BITMAP_BUCKET_NUMBER(5)",
    "RANDOM(42) IS NOT NULL",
    "UNIFORM(1, 10, 5)",
    "NORMAL(0, 1, RANDOM()) IS NOT NULL",
    # aggregates and windows (one row: no FROM)
    "SUM(5)",
    "AVG(2)",
    "MAX('a')",
    "MIN(3)",
    "CORR(1, 2)",
    "LISTAGG('a', ',')",
    "LISTAGG('a', ',') WITHIN GROUP (ORDER BY 1)",
    "ARRAY_AGG('a')",
    "ARRAY_AGG('a') WITHIN GROUP (ORDER BY 1)",
    "ARRAY_UNIQUE_AGG('a')",
    "SUM(5) OVER ()",
    "BITMAP_CONSTRUCT_AGG(5)",
    # conditional and comparison
    "IFF(1 < 2, 'yes', 'no')",
    "NVL('a', 'b')",
    "IFNULL(NULL, 2)",
    "NVL2('a', 'b', 'c')",
    "COALESCE(NULL, 'x', 'y')",
    "NULLIF('a', 'a')",
    "DECODE(2, 1, 'one', 2, 'two', 'other')",
    "CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END",
    "CASE 2 WHEN 1 THEN 'a' WHEN 2 THEN 'b' END",
    "2 BETWEEN 1 AND 3",
    "'b' IN ('a', 'b')",
    "1 = 1 AND 2 > 1 OR 3 < 2",
    "1 <> 2",
    "2 >= 2",
    "2 <= 1",
    "NOT (1 = 2)",
    "EQUAL_NULL(1, 1)",
    "1 IS DISTINCT FROM 2",
    "1 IS NOT DISTINCT FROM 2",
    # dates and times
    "TO_DATE('2024-03-15')",
    "TO_DATE('15/03/2024', 'DD/MM/YYYY')",
    "TRY_TO_DATE('2024-02-30')",
    "DATE('2024-03-15')",
    "TO_TIME('10:20:30')",
    "TO_TIME(PARSE_JSON('\"10:20:30\"'))",
    "TO_TIMESTAMP('2024-03-15 10:20:30')",
    "TO_TIMESTAMP('2024-03-15 10:20', 'YYYY-MM-DD HH24:MI')",
    "TO_TIMESTAMP(1700000000)",
    "TO_TIMESTAMP(1700000000000, 3)",
    "TO_TIMESTAMP_NTZ('2024-03-15 10:20:30')",
    "TO_TIMESTAMP_LTZ('2024-03-15 10:20:30')",
    "TO_TIMESTAMP_TZ('2024-03-15 10:20:30')",
    "TRY_TO_TIMESTAMP('nope')",
    "TRY_TO_TIMESTAMP_NTZ('2024-03-15 10:20:30')",
    "TRY_TO_TIMESTAMP_LTZ('2024-03-15 10:20:30')",
    "TRY_TO_TIMESTAMP_TZ('2024-03-15 10:20:30')",
    "DATEADD('day', 3, '2024-03-15'::DATE)",
    "DATEADD(month, 1, TO_DATE('2024-01-31'))",
    "'2024-01-01'::DATE + 1",
    "TIMEADD(hour, 2, '10:00:00'::TIME)",
    "TIMESTAMPADD(minute, 5, '2024-03-15 10:00:00'::TIMESTAMP_NTZ)",
    "DATEDIFF('day', '2024-03-01'::DATE, '2024-03-15'::DATE)",
    "TIMEDIFF(minute, '10:00:00'::TIME, '11:30:00'::TIME)",
    "TIMESTAMPDIFF(hour, '2024-03-15 10:00:00'::TIMESTAMP_NTZ, '2024-03-16 12:00:00'::TIMESTAMP_NTZ)",
    "DATE_TRUNC('month', '2024-03-15'::DATE)",
    "TIMESTAMP_TRUNC('2024-03-15 10:20:30'::TIMESTAMP_NTZ, 'hour')",
    "DATE_PART('year', '2024-03-15'::DATE)",
    "YEAR('2024-03-15'::DATE)",
    "MONTHNAME('2024-03-15'::DATE)",
    "LAST_DAY('2024-02-10'::DATE)",
    "MONTHS_BETWEEN('2024-03-15'::DATE, '2024-01-15'::DATE)",
    "NEXT_DAY('2024-03-15'::DATE, 'monday')",
    "PREVIOUS_DAY('2024-03-15'::DATE, 'monday')",
    "ADD_MONTHS('2024-01-31'::DATE, 1)",
    "CONVERT_TIMEZONE('UTC', 'America/New_York', '2024-03-15 12:00:00'::TIMESTAMP_NTZ)",
    "TO_CHAR('2024-03-15'::DATE, 'YYYY/MM/DD')",
    "TO_CHAR('2024-03-15 10:20:30'::TIMESTAMP_NTZ, 'YYYY-MM-DD HH24:MI')",
    "TO_CHAR(1.5)",
    "TO_VARCHAR(12.5)",
    "CURRENT_DATE()",
    "CURRENT_TIMESTAMP()",
    "CURRENT_TIME()",
    "LOCALTIMESTAMP()",
    "SYSTIMESTAMP()",
    "SYSDATE()",
    # conversion
    "'42'::NUMBER",
    "CAST('3.14' AS NUMBER(10, 2))",
    "TRY_CAST('x' AS INTEGER)",
    "'1.5'::FLOAT",
    "'true'::BOOLEAN",
    "'2024-03-15'::DATE",
    "'abc'::VARCHAR(2)",
    "TO_NUMBER('12.34', 10, 2)",
    "TO_DECIMAL('12.345', 10, 1)",
    "TRY_TO_DECIMAL('1.5', 10, 1)",
    "TRY_TO_NUMBER('x')",
    "TO_DOUBLE('1.25')",
    "TRY_TO_DOUBLE('1.25')",
    "TO_BOOLEAN('yes')",
    "TRY_TO_BOOLEAN('maybe')",
    "TO_VARIANT('a')",
    "TO_VARIANT(5)",
    "TO_ARRAY('a')",
    # semi-structured
    "PARSE_JSON('{\"a\": [1, 2]}')",
    "TRY_PARSE_JSON('{bad')",
    "CHECK_JSON('{bad')",
    "PARSE_JSON('{\"a\": {\"b\": 7}}'):a.b",
    "PARSE_JSON('[10, 20]')[1]",
    "PARSE_JSON('{\"a\": \"x\"}')['a']",
    "GET(PARSE_JSON('[10, 20]'), 0)",
    "GET(PARSE_JSON('{\"k\": 1}'), 'k')",
    "GET_PATH(PARSE_JSON('{\"a\": {\"b\": 7}}'), 'a.b')",
    "PARSE_JSON('{\"a\": 3}'):a::NUMBER + 1",
    "PARSE_JSON('{\"a\": \"x\"}'):a = 'x'",
    "PARSE_JSON('3') > 2",
    "PARSE_JSON('3') IN (3, 4)",
    "COALESCE(PARSE_JSON('1'), 2)",
    "ARRAY_CONSTRUCT(1, 'a', 2.5)",
    "ARRAY_SIZE(ARRAY_CONSTRUCT(1, 2, 3))",
    "ARRAY_APPEND(ARRAY_CONSTRUCT(1), 2)",
    "ARRAY_CAT(ARRAY_CONSTRUCT(1), ARRAY_CONSTRUCT('b'))",
    "ARRAY_TO_STRING(ARRAY_CONSTRUCT('a', 'b'), '-')",
    "ARRAY_SLICE(ARRAY_CONSTRUCT(1, 2, 3), 0, 2)",
    "OBJECT_CONSTRUCT('a', 1, 'b', 'x')",
    "OBJECT_CONSTRUCT_KEEP_NULL('a', NULL, 'b', 2)",
    "OBJECT_KEYS(OBJECT_CONSTRUCT('a', 1, 'b', 2))",
    "[1, 'x']",
    "TYPEOF(PARSE_JSON('1.5'))",
    "IS_ARRAY(PARSE_JSON('[1]'))",
    "IS_OBJECT(PARSE_JSON('{}'))",
    "IS_INTEGER(PARSE_JSON('3'))",
    "IS_DECIMAL(PARSE_JSON('3.5'))",
    "IS_DOUBLE(PARSE_JSON('3.5e0'))",
    "IS_REAL(PARSE_JSON('3.5'))",
    "IS_BOOLEAN(PARSE_JSON('true'))",
    "IS_VARCHAR(PARSE_JSON('\"a\"'))",
    "IS_CHAR(PARSE_JSON('\"a\"'))",
    "IS_NULL_VALUE(PARSE_JSON('null'))",
    "AS_ARRAY(PARSE_JSON('[1]'))",
    "AS_OBJECT(PARSE_JSON('{\"a\": 1}'))",
    "AS_INTEGER(PARSE_JSON('3'))",
    "AS_NUMBER(PARSE_JSON('3.5'))",
    "AS_DECIMAL(PARSE_JSON('3.5'), 10, 1)",
    "AS_NUMERIC(PARSE_JSON('3'))",
    "AS_DOUBLE(PARSE_JSON('3.5'))",
    "AS_REAL(PARSE_JSON('3.5'))",
    "AS_BOOLEAN(PARSE_JSON('true'))",
    "AS_VARCHAR(PARSE_JSON('\"a\"'))",
    "AS_CHAR(PARSE_JSON('\"a\"'))",
    "STRIP_NULL_VALUE(PARSE_JSON('null'))",
    "JSON_EXTRACT_PATH_TEXT('{\"a\": {\"b\": \"x\"}}', 'a.b')",
    "TO_JSON(PARSE_JSON('{\"a\": 1}'))",
    # context (nothing to bind: called for the registry's sake)
    "UUID_STRING()",
    "CURRENT_DATABASE()",
    "CURRENT_SCHEMA()",
    "CURRENT_WAREHOUSE()",
    "CURRENT_ROLE()",
    "CURRENT_USER()",
    "CURRENT_ACCOUNT()",
    "CURRENT_REGION()",
]

# Whole queries for the translations of clauses and table functions.
QUERIES = [
    "SELECT a FROM (SELECT 1 AS a UNION ALL SELECT 2) WHERE a > 1",
    "SELECT a, COUNT(*) FROM (SELECT 1 AS a) GROUP BY a HAVING COUNT(*) > 0",
    "SELECT v FROM (SELECT PARSE_JSON('10') AS v UNION ALL SELECT PARSE_JSON('9')) ORDER BY v",
    "SELECT OBJECT_CONSTRUCT(*) FROM (SELECT 'x' AS a)",
    "SELECT f.value FROM (SELECT PARSE_JSON('[1, 2]') AS v) t, LATERAL FLATTEN(input => t.v) f ORDER BY f.index",
    "SELECT value FROM TABLE(FLATTEN(input => PARSE_JSON('[\"a\", \"b\"]'))) ORDER BY index",
    "SELECT SEQ1(), SEQ2(), SEQ4(), SEQ8() FROM TABLE(GENERATOR(ROWCOUNT => 2))",
    "SELECT a FROM (SELECT 1 AS a) QUALIFY ROW_NUMBER() OVER (ORDER BY a) = 1",
    "SELECT 'x' AS k, k || 'y'",
]

# (call or query, constant replaced) -> words of the NotSupportedError snowsim raises for a bound parameter there
REFUSED = {
    ("SHA2('Snowflake', 256)", "256"): "SHA2 with a digest size that is not a constant",
    ("DATE_PART('year', '2024-03-15'::DATE)", "'year'"): "DATE_PART with a bound date part",
    ("DATEADD('day', 3, '2024-03-15'::DATE)", "'day'"): "non-constant date part",
    ("DATEDIFF('day', '2024-03-01'::DATE, '2024-03-15'::DATE)", "'day'"): "non-constant date part",
    ("DATE_TRUNC('month', '2024-03-15'::DATE)", "'month'"): "non-constant date part",
    ("TIMESTAMP_TRUNC('2024-03-15 10:20:30'::TIMESTAMP_NTZ, 'hour')", "'hour'"): "non-constant date part",
    # with a bound second argument, TO_NUMBER(x, ?, s) reads as TO_NUMBER(x, format, precision)
    ("TO_NUMBER('12.34', 10, 2)", "10"): "TO_NUMBER/TO_DECIMAL with a format model",
    ("TO_NUMBER('12.34', 10, 2)", "2"): "a bound parameter as this argument of TO_NUMBER",
    ("TO_DECIMAL('12.345', 10, 1)", "10"): "TO_NUMBER/TO_DECIMAL with a format model",
    ("TO_DECIMAL('12.345', 10, 1)", "1"): "a bound parameter as this argument of TO_NUMBER",
    ("TRY_TO_DECIMAL('1.5', 10, 1)", "10"): "TO_NUMBER/TO_DECIMAL with a format model",
    ("TRY_TO_DECIMAL('1.5', 10, 1)", "1"): "a bound parameter as this argument of TO_NUMBER",
    ("AS_DECIMAL(PARSE_JSON('3.5'), 10, 1)", "10"): "a bound parameter as this argument of AS_DECIMAL",
    ("AS_DECIMAL(PARSE_JSON('3.5'), 10, 1)", "1"): "a bound parameter as this argument of AS_DECIMAL",
    ("TO_TIMESTAMP(1700000000000, 3)", "3"): "TO_TIMESTAMP with a non-constant format",
    ("UNIFORM(1, 10, 5)", "1"): "UNIFORM with a bound min or max",
    ("UNIFORM(1, 10, 5)", "10"): "UNIFORM with a bound min or max",
    # sqlglot writes REGEXP_LIKE's flags for DuckDB only when they are constant
    ("REGEXP_LIKE('Abc', 'a.c', 'i')", "'i'"): "a bound parameter as this argument of REGEXP_LIKE",
}
# CREATE TABLE AS fails on these with constants (DuckDB syntax error): the INSERT half is not checked
NO_CTAS = {"LISTAGG('a', ',') WITHIN GROUP (ORDER BY 1)", "ARRAY_AGG('a') WITHIN GROUP (ORDER BY 1)"}
# sqlglot's Snowflake parser cannot read these with a placeholder in that place (Snowflake can): 001003 for now
UNPARSED = {
    ("OBJECT_CONSTRUCT_KEEP_NULL('a', NULL, 'b', 2)", "'a'"),
}
# Node classes the translator handles that no Snowflake text above produces: sqlglot's Snowflake parser builds
# other nodes for the same functions (CURRENT_TIMESTAMP, TIMESTAMPADD, ...), or they are clauses, not calls.
NOT_CALLED = {
    exp.Flatten, exp.ObjectInsert, exp.MapCat,  # ARRAY_FLATTEN, OBJECT_INSERT, MAP_CAT: refused by name (no values)
    exp.CurrentDatetime, exp.Localtimestamp, exp.TimestampAdd, exp.TimestampDiff, exp.TimeDiff, exp.TsOrDsAdd,
    exp.CurrentTime,
}
# Snowflake functions sqlglot expands with an argument read twice that are left out, and why
NOT_CALLED_NAMES = {
    # refused by name (NotSupportedError) with constants too
    "MAP_CAT": "",
    # names sqlglot's Snowflake dialect accepts that are not Snowflake functions
    "ARRAY_ANY": "", "ARRAY_CONCAT": "", "ARRAY_CONCAT_AGG": "", "ARRAY_HAS": "", "ARRAY_OVERLAPS": "",
    "DECODE_CASE": "", "INSTR": "", "JSON_PARSE": "", "LOCATE": "", "POSEXPLODE": "", "RAND": "", "SAFE_DIVIDE": "",
    "STRPOS": "", "STR_POSITION": "", "STUFF": "", "XOR": "",
}

START = datetime(2026, 1, 5, 8, 0)


def _parse(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read="snowflake")


def _constants(sql: str) -> list[tuple[int, int, Any]]:
    """(start, end, Python value) of each constant in a SELECT's text that can be a bound parameter instead."""
    out = []
    for lit in _parse(sql).find_all(exp.Literal):
        if isinstance(lit.parent, exp.DataTypeParam) or "start" not in lit.meta:
            continue  # NUMBER(10, 2): type parameters are not values
        if lit.is_string:
            value: Any = lit.this
        elif "e" in lit.this.lower():
            value = float(lit.this)
        else:
            value = Decimal(lit.this) if "." in lit.this else int(lit.this)
        out.append((lit.meta["start"], lit.meta["end"] + 1, value))
    for token in Snowflake().tokenize(sql):
        if token.token_type.name in ("TRUE", "FALSE"):
            out.append((token.start, token.end + 1, token.token_type.name == "TRUE"))
    return sorted(out)


def _cases() -> list:
    cases = []
    for key, select in [(c, f"SELECT {c}") for c in CALLS] + [(q, q) for q in QUERIES]:
        for start, end, value in _constants(select):
            written = select[start:end]
            marks = [pytest.mark.xfail(strict=True, reason="sqlglot cannot parse it")] if (key, written) in UNPARSED else []
            cases.append(pytest.param(key, select, start, end, value, id=f"{key} [{written}]", marks=marks))
    return cases


@pytest.fixture(scope="module")
def conns():
    """qmark and pyformat connections to one database (a virtual clock: CURRENT_DATE is the same in both runs)."""
    qmark = connect(database="DB", schema="S", clock=Clock(start=START), paramstyle="qmark")
    pyformat = connect(database="DB", schema="S", clock=Clock(start=START))
    yield qmark.cursor(), pyformat.cursor()
    qmark.close()
    pyformat.close()


def _result(cur, sql: str, params: list | None = None) -> tuple:
    cur.execute(sql, params)
    return cur.fetchall(), [d.type_code for d in cur.description]


@pytest.mark.parametrize(("key", "select", "start", "end", "value"), _cases())
def test_a_bound_parameter_gives_the_constants_result(conns, key, select, start, end, value):
    """SELECT and INSERT ... SELECT with the constant as a parameter (qmark `?`, pyformat `%s`) = with the constant."""
    qmark, pyformat = conns
    expected = _result(qmark, select)
    with_qmark = select[:start] + "?" + select[end:]
    with_pyformat = select[:start].replace("%", "%%") + "%s" + select[end:].replace("%", "%%")
    refused = REFUSED.get((key, select[start:end]))
    if refused is not None:
        for cur, text in ((qmark, with_qmark), (pyformat, with_pyformat)):
            with pytest.raises(sf.NotSupportedError, match=re.escape(refused)):
                cur.execute(text, [value])
        return
    assert _result(qmark, with_qmark, [value]) == expected
    assert _result(pyformat, with_pyformat, [value]) == expected
    if key in NO_CTAS:
        return
    # INSERT binds the row version as its first parameter, ahead of these (see sqlfuncs._in_text_order)
    qmark.execute(f"CREATE OR REPLACE TABLE sink AS {select}")
    qmark.execute(f"INSERT INTO sink {with_qmark}", [value])
    rows = qmark.execute("SELECT * FROM sink").fetchall()
    assert sorted(rows[: len(rows) // 2], key=repr) == sorted(rows[len(rows) // 2 :], key=repr)


def _called_names(texts: list[str]) -> set[str]:
    return {m.group(1) for text in texts for m in re.finditer(r"\b([A-Z_][A-Z0-9_]*)\(", text)}


def test_every_registered_translation_is_called():
    """Each node class and function name with a translation appears in CALLS or QUERIES (or NOT_CALLED, reasoned)."""
    classes = {type(node) for sql in [f"SELECT {c}" for c in CALLS] + QUERIES for node in _parse(sql).walk()}
    assert {c.__name__ for c in sqlfuncs.HANDLERS if c not in classes and c not in NOT_CALLED} == set()
    assert NOT_CALLED & classes == set()  # stale entries
    # by name: sqlglot makes some of them other nodes when their argument is a constant (TO_TIMESTAMP_LTZ('...') is
    # a cast), the registry's handler when it is a bound parameter
    assert set(sqlfuncs.ANONYMOUS) - _called_names(CALLS) == set()


def _reads_an_argument_twice(name: str) -> bool:
    for count in range(1, 5):
        args = ", ".join(f"{MARKER}{i}" for i in range(count))  # as params.py writes bound parameters
        try:
            text = _parse(f"SELECT {name}({args})").sql(dialect="duckdb")
        except Exception:  # noqa: BLE001 - not callable with that many arguments
            continue
        if any(text.count(f"${MARKER[1:]}{i}") > 1 for i in range(count)):
            return True
    return False


def test_every_function_sqlglot_expands_is_called():
    """Each Snowflake function whose DuckDB text (sqlglot's) reads an argument twice is called above."""
    called = _called_names(CALLS)
    expanding = {name for name in Snowflake.Parser.FUNCTIONS if _reads_an_argument_twice(name)}
    assert expanding - called - set(NOT_CALLED_NAMES) == set()
    assert "SPLIT" in expanding  # the check finds what it is for
