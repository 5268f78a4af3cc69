"""Window keys that may raise (a VARIANT conversion) in PARTITION BY / ORDER BY, which DuckDB 2.0 refuses in place:
computed one level down (window_keys.py), with Snowflake's answers (docs: sql-reference/functions/row_number,
sql-reference/constructs/qualify)."""

import pytest
import snowflake.connector.errors as sf


@pytest.fixture
def events(cur):
    cur.execute("create table r (v variant, ts timestamp_ntz, ok boolean)")
    cur.execute(
        "insert into r select parse_json(column1), column2::timestamp_ntz, column3 from values "
        "('{\"id\": \"a\", \"n\": 1}', '2026-01-01', true), ('{\"id\": \"a\", \"n\": 2}', '2026-01-02', true), "
        "('{\"id\": \"b\", \"n\": 3.0}', '2026-01-01', true), ('{\"id\": 3.0, \"n\": \"x\"}', '2026-01-03', false)")
    return cur


@pytest.mark.parametrize("hot", [False, True])
def test_latest_event_per_key_with_qualify(conn, events, hot):
    """The dedup every pipeline writes: the latest row per converted key; 3.0 as text is '3' (the full macro's)."""
    conn.hot_after = 0 if hot else conn.hot_after
    sql = ("select v:id::string as id, v:n::number as n from r where ok "
           "qualify row_number() over (partition by v:id::string order by ts desc) = 1 order by id")
    for _ in range(3):  # the first run, the hot one, the prepared one
        assert events.execute(sql).fetchall() == [("a", 2), ("b", 3)]


def test_window_order_by_a_converted_value(events):
    rows = events.execute("select v:id::string, sum(v:n::number) over (partition by v:id::string order by v:n::number) "
                          "from r where ok order by 1, 2").fetchall()
    assert rows == [("a", 1), ("a", 3), ("b", 3)]


def test_a_key_raises_only_for_rows_the_where_keeps(events):
    """docs: functions/to_decimal - 'x' is no number (100038), but that row is filtered out first."""
    sql = "select v:id::string from r where {} qualify row_number() over (partition by v:n::number order by ts) = 1"
    assert len(events.execute(sql.format("ok")).fetchall()) == 3
    with pytest.raises(sf.ProgrammingError) as info:
        events.execute(sql.format("true"))
    assert info.value.errno == 100038


def test_merge_from_a_deduplicated_stream(cur):
    """The dropshipping pipeline's inventory MERGE: USING a stream deduplicated by a VARIANT key."""
    cur.execute("create table raw (event variant, event_ts timestamp_ntz)")
    cur.execute("create table inv (product_id string, stock number)")
    cur.execute("create stream s on table raw append_only = true")
    cur.execute("insert into raw select parse_json(column1), column2::timestamp_ntz from values "
                "('{\"p\": \"P1\", \"stock\": 5}', '2026-01-01 10:00'), ('{\"p\": \"P1\", \"stock\": 7}', '2026-01-01 11:00'), "
                "('{\"p\": \"P2\", \"stock\": 1}', '2026-01-01 10:00')")
    cur.execute("merge into inv t using (select event:p::varchar as product_id, event:stock::number as stock from s "
                "qualify row_number() over (partition by event:p::varchar order by event_ts desc) = 1) src "
                "on t.product_id = src.product_id when matched then update set stock = src.stock "
                "when not matched then insert (product_id, stock) values (src.product_id, src.stock)")
    assert cur.execute("select * from inv order by 1").fetchall() == [("P1", 7), ("P2", 1)]


def test_a_join_keeps_duckdbs_refusal_as_not_supported(events):
    events.execute("create table k (id string)")
    with pytest.raises(sf.NotSupportedError) as info:
        events.execute("select r.v:id::string from r join k on k.id = r.v:id::string "
                       "qualify row_number() over (partition by r.v:id::string order by r.ts) = 1")
    assert "PARTITION BY window expressions cannot be volatile" in info.value.msg
