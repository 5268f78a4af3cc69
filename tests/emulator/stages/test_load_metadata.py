"""Load metadata: 64-day expiry on the virtual clock, uncertain files, persistence with path=."""

from __future__ import annotations

from datetime import datetime, timedelta

from snowsim.emulator import connect
from snowsim.emulator.clock import Clock

NO_FILES = [("Copy executed with 0 files processed.",)]


def _setup(cur, write):
    cur.execute("create stage st file_format = (type = json)")
    cur.execute("create table raw (v variant)")
    cur.execute(f"put file://{write('a.jsonl', [{'id': 1}])} @st")


def test_metadata_expires_after_64_days_but_old_files_stay_uncertain(conn, cur, q, write):
    """docs: sql-reference/sql/copy-into-table (LOAD_UNCERTAIN_FILES), user-guide/data-load-considerations-load -
    after 64 days the metadata expires; a file staged and first loaded over 64 days ago is 'uncertain' and skipped
    unless LOAD_UNCERTAIN_FILES = TRUE."""
    _setup(cur, write)
    cur.execute("copy into raw from @st")
    conn.advance(timedelta(days=63))
    assert q("copy into raw from @st") == NO_FILES
    conn.advance(timedelta(days=2))
    assert q("copy into raw from @st") == NO_FILES  # expired, but uncertain
    assert q("copy into raw from @st load_uncertain_files = true")[0][1] == "LOADED"
    assert q("select count(*) from raw") == [(2,)]


def test_new_file_after_64_days_loads(conn, cur, q, write):
    """docs: user-guide/data-load-considerations-load - only files older than 64 days can be uncertain."""
    _setup(cur, write)
    cur.execute("copy into raw from @st")
    conn.advance(timedelta(days=70))
    cur.execute(f"put file://{write('b.jsonl', [{'id': 2}])} @st")
    assert [r[0] for r in q("copy into raw from @st")] == ["st/b.jsonl.gz"]


def test_old_file_never_loaded_into_a_table_loads(conn, cur, q, write):
    """docs: sql-reference/sql/copy-into-table (LOAD_UNCERTAIN_FILES) - uncertainty needs the table's first load to
    be older than 64 days too; a fresh table loads an old file."""
    _setup(cur, write)
    conn.advance(timedelta(days=100))
    assert q("copy into raw from @st")[0][1] == "LOADED"


def test_metadata_is_per_table(cur, q, write):
    """docs: user-guide/data-load-considerations-load - load metadata belongs to the target table."""
    _setup(cur, write)
    cur.execute("create table other (v variant)")
    cur.execute("copy into raw from @st")
    assert q("copy into other from @st")[0][1] == "LOADED"


def test_recreated_table_starts_without_metadata(cur, q, write):
    """docs: sql-reference/sql/create-table - CREATE OR REPLACE makes a new table, with no load history."""
    _setup(cur, write)
    cur.execute("copy into raw from @st")
    cur.execute("create or replace table raw (v variant)")
    assert q("copy into raw from @st")[0][1] == "LOADED"


def test_stage_files_and_load_metadata_persist_with_path(tmp_path, write):
    """docs: user-guide/data-load-considerations-load - metadata lives with the table; snowsim keeps it (and the
    stage's files) next to the DuckDB file."""
    db = tmp_path / "state.duckdb"
    clock = Clock(datetime(2026, 1, 5, 8, 0))
    with connect(database="DB", schema="S", path=str(db), clock=clock) as first:
        cur = first.cursor()
        _setup(cur, write)
        cur.execute("copy into raw from @st")
    assert (tmp_path / "state.duckdb.stages").is_dir()
    with connect(database="DB", schema="S", path=str(db), clock=clock) as second:
        cur = second.cursor()
        cur.execute("list @st")
        assert [r[0] for r in cur.fetchall()] == ["st/a.jsonl.gz"]
        cur.execute("copy into raw from @st")
        assert cur.fetchall() == NO_FILES
        cur.execute("select count(*) from raw")
        assert cur.fetchone() == (1,)


def test_in_memory_stage_directory_is_removed_with_the_connection(write):
    """snowsim behaviour (not Snowflake's): without path= the stage files live in a temporary directory that goes
    away with the connection."""
    import gc

    from snowsim.emulator.stage_files import stages_root

    conn = connect(database="DB", schema="S")
    root = stages_root(conn)
    _setup(conn.cursor(), write)
    assert any(root.rglob("*.gz"))
    conn.close()
    del conn
    gc.collect()
    assert not root.exists()
