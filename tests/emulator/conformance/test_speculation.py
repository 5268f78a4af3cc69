"""Speculative stand-ins for the dearest conversion macros never change an answer (speculation.py).

A statement first runs with cheap stand-ins; a value only the full macro decides makes the stand-in raise SLOW_PATH and
the statement is rerun with the full macros. The invariant checked here on generated values: a stand-in either raises
SLOW_PATH or returns exactly the full macro's value, of the same type; and end to end, a rerun statement writes, consumes
and fails exactly as a single run would (docs: sql-reference/functions/parse_json, functions/to_timestamp,
functions/to_decimal, user-guide/streams-intro).
"""

import json
import string
from datetime import datetime

import duckdb
import pytest
import snowflake.connector.errors as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snowsim.emulator.connection import duck_config
from snowsim.emulator.macros import install_macros
from snowsim.emulator.params import to_qmark
from snowsim.emulator.speculation import SLOW_PATH, STAND_INS, fast_sql, is_slow_path, stand_in


@pytest.fixture(scope="module")
def duck():
    db = duckdb.connect(config=duck_config())
    install_macros(db)
    yield db
    db.close()


def _eval(duck, expr: str, value: str | None):
    """(value, type) of expr over one row whose x is `value` (a table, so nothing is constant-folded), or the error."""
    duck.execute("CREATE OR REPLACE TEMP TABLE v AS SELECT CAST(? AS VARCHAR) AS x", [value])
    try:
        return duck.execute(f"SELECT {expr}, typeof({expr}) FROM v").fetchone()
    except duckdb.Error as exc:
        return exc


def _check(duck, full: str, value: str | None) -> bool:
    """Assert the invariant for one value; True when the stand-in decided it (no SLOW_PATH)."""
    fast = _eval(duck, fast_sql(full), value)
    if isinstance(fast, Exception):
        assert is_slow_path(fast), f"stand-in raised its own error for {value!r}: {fast}"
        return False
    assert _eval(duck, full, value) == fast, f"stand-in decided {value!r} differently"
    return True


_TIMESTAMPS = st.builds(
    lambda d, sep, frac, zone: d.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + frac + zone,
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from([" ", "T"]), st.sampled_from(["", ".5", ".123456", ".123456789"]),
    st.sampled_from(["", "Z", "+02:00", " +0000", "-0530"]),
)
_TEXTS = st.one_of(
    _TIMESTAMPS,
    st.dates().map(str),
    st.integers(-(10**20), 10**20).map(str),
    st.builds(lambda pad, n: f"{pad}{n}{pad}", st.sampled_from([" ", "  ", "\t"]), st.integers(-(10**12), 10**12)),
    st.sampled_from(["", " ", "epoch", "infinity", "-infinity", "now", "01/02/2024", "02-Jan-2024 10:00:00",
                     "2024-02-30", "2024-01-01 25:00:00", "1.5", "1e9", "true", "null", "NaN"]),
    st.text(alphabet=string.printable, max_size=12),
)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False),
                     _TEXTS)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                     max_leaves=6)
_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(_TEXTS)
def test_text_to_timestamp_stand_in_agrees(duck, text):
    """docs: functions/to_timestamp - ISO strings decided by the stand-in; epochs, formats and errors by the macro."""
    _check(duck, "sf_text_to_ntz(x)", text)


@_SETTINGS
@given(_JSON)
def test_variant_to_timestamp_stand_in_agrees(duck, value):
    """docs: functions/to_timestamp - a VARIANT string, number, boolean, null, object or array."""
    _check(duck, "sf_variant_to_ntz(CAST(x AS JSON))", json.dumps(value))


@_SETTINGS
@given(_JSON)
def test_variant_to_number_stand_in_agrees(duck, value):
    """docs: functions/to_decimal - the part after TRY_CAST of the text failed: nulls, booleans, errors."""
    _check(duck, "COALESCE(TRY_CAST(TRIM(CAST(x AS JSON) ->> '$') AS DECIMAL(12, 2)), "
                 "CAST(sf_variant_number_rest(CAST(x AS JSON)) AS DECIMAL(12, 2)))", json.dumps(value))


@_SETTINGS
@given(_JSON)
def test_variant_to_text_stand_in_agrees(duck, value):
    """docs: data-type-conversion - VARIANT to VARCHAR: strings unquoted, floats without a trailing .0, containers."""
    _check(duck, "sf_variant_text(CAST(x AS JSON))", json.dumps(value))


_DOCUMENTS = st.one_of(
    _JSON.map(json.dumps),
    st.dictionaries(st.text(max_size=3), _SCALARS, max_size=4).map(lambda d: json.dumps(d, indent=2)),
    st.builds(lambda k, a, b: f'{{"{k}": {json.dumps(a)}, "{k}": {json.dumps(b)}}}', st.text(string.ascii_letters, max_size=2),
              _SCALARS, _SCALARS),  # a duplicate key
    st.sampled_from(["", "  ", "NULL", "True", "{a: 1}", "{\"a\": 1,}", "[1, 2,]", "{\"a\": NaN}", "{", "  {\"a\" : 1 }  "]),
    st.text(alphabet=string.printable, max_size=12),
)


@_SETTINGS
@given(_DOCUMENTS)
def test_parse_json_stand_in_agrees(duck, text):
    """docs: functions/parse_json - objects with distinct keys by the stand-in; the rest, and errors, by the macro."""
    _check(duck, "sf_parse_json(x)", text)


def test_stand_ins_decide_the_common_case(duck):
    """The point of them: the values a pipeline usually carries never need the full macros."""
    assert _check(duck, "sf_text_to_ntz(x)", "2026-01-05 09:30:31.920")
    assert _check(duck, "sf_variant_to_ntz(CAST(x AS JSON))", '"2026-01-05T09:29:40.938"')
    assert _check(duck, "sf_parse_json(x)", '{"event_id": "e1", "payload": {"quantity": 12, "total_amount": 312.0}}')
    assert _check(duck, "sf_variant_text(CAST(x AS JSON))", '"ORD-00003775"')
    assert _check(duck, "sf_variant_text(CAST(x AS JSON))", '{"city": "Laine-sur-Mer", "n": [1, 2.5]}')
    assert not _check(duck, "sf_variant_to_ntz(CAST(x AS JSON))", "1700000000")  # an epoch: the full macro


def test_variant_to_number_speculates_as_a_plain_cast():
    """While speculating, the number conversion is one CAST; any other shape, or two different values, is left."""
    full = ("COALESCE(TRY_CAST(TRIM((\"S\".\"V\" -> '$.a(b)') ->> '$') AS DECIMAL(38, 0)), "
            "CAST(sf_variant_number_rest(\"S\".\"V\" -> '$.a(b)', prefix := 'x)') AS DECIMAL(38, 0)))")
    assert fast_sql(f"SELECT {full}, 1") == "SELECT CAST(TRIM((\"S\".\"V\" ->> '$.a(b)')) AS DECIMAL(38, 0)), 1"
    other = ("COALESCE(TRY_CAST(TRIM(a ->> '$') AS DECIMAL(12, 2)), "
             "CAST(sf_variant_number_rest(b) AS DECIMAL(12, 2)))")
    assert fast_sql(other) == other.replace("sf_variant_number_rest", "sf_fast_variant_number_rest")


_PATHS = st.sampled_from(["$.a", "$.a.b", "$.a[0]", "$.a[1].b", '$."a b"', "$.a.zz", "$[0]"])


def _either(duck, expr: str):
    try:
        return duck.execute(f"SELECT {expr}, typeof({expr}) FROM w").fetchone()
    except duckdb.Error as exc:
        assert is_slow_path(exc), exc
        return SLOW_PATH


@_SETTINGS
@given(_JSON, _PATHS, st.sampled_from(["sf_variant_text", "sf_variant_to_ntz"]))
def test_stand_ins_read_a_value_at_a_path_as_text_alike(duck, value, path, macro):
    """fast_sql reads `"T"."C" -> path` only as text (`->>`): the same value, type or slow path as the stand-in on
    the extracted value, whatever the document holds at the path."""
    doc = json.dumps({"a": value, "a b": value} if path != "$[0]" else [value])
    duck.execute('CREATE OR REPLACE TEMP TABLE w AS SELECT CAST(? AS JSON) AS "J"', [doc])
    rewritten = fast_sql(f"{macro}(\"w\".\"J\" -> '{path}')")
    number = fast_sql(f"COALESCE(TRY_CAST(TRIM((\"w\".\"J\" -> '{path}') ->> '$') AS DECIMAL(12, 2)), "
                      f"CAST(sf_variant_number_rest(\"w\".\"J\" -> '{path}') AS DECIMAL(12, 2)))")
    assert " -> " not in rewritten + number  # (so the comparison is with the text fast_sql sends)
    assert _either(duck, rewritten) == _either(duck, f"{stand_in(macro)}((\"w\".\"J\" -> '{path}'))")
    assert _either(duck, number) == _either(duck, f"CAST(TRIM((\"w\".\"J\" -> '{path}') ->> '$') AS DECIMAL(12, 2))")


def test_a_number_the_plain_cast_refuses_is_decided_by_the_full_macros(cur):
    """docs: functions/to_decimal - booleans are 1/0 and text that is no number is 100038, after the rerun."""
    cur.execute("create table raw (v variant)")
    cur.execute("insert into raw select parse_json(column1) from values ('{\"q\": \" 7 \"}'), ('{\"q\": true}'), "
                "('{\"q\": null}'), ('{\"q\": 2.5}')")
    assert cur.execute("select v:q::number(10, 1) from raw order by 1 nulls last").fetchall() == [
        (1,), (2.5,), (7,), (None,)]
    cur.execute("insert into raw select parse_json('{\"q\": \"3 units\"}')")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select v:q::number from raw")
    assert info.value.errno == 100038 and "3 units" in info.value.raw_msg


def test_rewrite_leaves_string_literals_and_other_macros_alone():
    sql = "SELECT SF_PARSE_JSON(a), sf_try_parse_json(b), 'sf_parse_json(c)', Sf_Variant_To_Ntz (d) FROM t"
    assert fast_sql(sql) == ("SELECT sf_fast_parse_json(a), sf_try_parse_json(b), 'sf_parse_json(c)', "
                             "sf_fast_variant_to_ntz (d) FROM t")
    assert set(STAND_INS) == {"sf_variant_to_ntz", "sf_text_to_ntz", "sf_parse_json", "sf_variant_number_rest",
                              "sf_variant_text"}
    assert stand_in("sf_parse_json") == "sf_fast_parse_json"


# ---- end to end: a statement rerun with the full macros behaves as one run -----------------------------------------


def test_insert_rerun_writes_each_row_once(conn, cur):
    """An INSERT whose second row is an epoch number runs twice in DuckDB but writes both rows once."""
    cur.execute("create table raw (v variant)")
    cur.execute("insert into raw select parse_json(column1) from values "
                "('{\"t\": \"2026-01-01 10:00:00\"}'), ('{\"t\": 1700000000}')")
    cur.execute("create table out (t timestamp_ntz)")
    sql = "insert into out select v:t::timestamp_ntz from raw"
    assert cur.execute(sql).fetchall() == [(2,)]
    assert cur.execute("select t from out order by t").fetchall() == [
        (datetime(2023, 11, 14, 22, 13, 20),), (datetime(2026, 1, 1, 10, 0),)]
    assert conn.plan_for(sql).speculate is False  # this plan keeps the full macros
    cur.execute(sql)
    assert cur.execute("select count(*) from out").fetchone() == (4,)


def test_plans_of_common_values_keep_speculating(conn, cur):
    cur.execute("create table raw (v variant)")
    sql = "insert into raw select parse_json(%s)"
    cur.execute(sql, ['{"a": 1}'])
    cur.execute(sql, ['{"a": 2}'])
    text = to_qmark(sql, ['{"a": 1}'], conn.paramstyle)[0]  # the text the cursor planned
    assert [key for key in conn._plans if key[0] == text]  # (so plan_for below is the cursor's cached plan)
    assert conn.plan_for(text).speculate is True
    assert cur.execute("select v:a::number from raw order by 1").fetchall() == [(1,), (2,)]


def test_rerun_inside_an_explicit_transaction(cur):
    """docs: sql-reference/transactions - the rerun statement stays part of the open transaction."""
    cur.execute("create table out (v variant)")
    cur.execute("begin")
    cur.execute("insert into out select parse_json('[1, 2]')")  # an array: the full PARSE_JSON
    cur.execute("insert into out select parse_json('{\"a\": 1}')")
    cur.execute("rollback")
    assert cur.execute("select count(*) from out").fetchone() == (0,)
    cur.execute("begin")
    cur.execute("insert into out select parse_json('[3]')")
    cur.execute("commit")
    assert cur.execute("select to_varchar(v) from out").fetchall() == [("[3]",)]


def test_stream_consumed_once_by_a_rerun_statement(cur):
    """docs: user-guide/streams-intro - the offset advances once, with the rows the rerun wrote."""
    cur.execute("create table raw (v variant)")
    cur.execute("create stream s on table raw append_only = true")
    cur.execute("insert into raw select parse_json(column1) from values ('{\"t\": 1700000000}'), ('{\"t\": \"2026-01-01\"}')")
    cur.execute("create table out (t timestamp_ntz)")
    assert cur.execute("insert into out select v:t::timestamp_ntz from s").fetchall() == [(2,)]
    assert cur.execute("select count(*) from s").fetchone() == (0,)
    assert cur.execute("select count(*) from out").fetchone() == (2,)


def test_errors_are_the_full_macros(cur):
    """docs: functions/to_timestamp, functions/parse_json - errors are worded by the full macros after the rerun."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select parse_json('{\"t\": \"abc\"}'):t::timestamp_ntz")
    assert (info.value.errno, info.value.raw_msg) == (100035, "Timestamp 'abc' is not recognized")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select parse_json('{\"a\": 1, \"a\": 2}')")
    assert info.value.errno == 100069
    assert SLOW_PATH not in info.value.raw_msg
