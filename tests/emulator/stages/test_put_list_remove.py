"""PUT, LIST and REMOVE on internal stages (named, user and table stages)."""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta

import pytest
from snowflake.connector import errors as sf

PUT_COLUMNS = ["source", "target", "source_size", "target_size", "source_compression", "target_compression", "status",
               "message"]


def test_put_gzips_by_default_and_reports_sizes(conn, cur, q, write):
    """docs: sql-reference/sql/put - AUTO_COMPRESS defaults to TRUE (gzip, '.gz' appended); status UPLOADED."""
    path = write("events.jsonl", '{"a": 1}\n' * 50)
    cur.execute("create stage st")
    result = q(f"put file://{path} @st")
    assert [d.name for d in cur.description] == PUT_COLUMNS
    (source, target, source_size, target_size, src_comp, dst_comp, status, message), = result
    assert (source, target, src_comp, dst_comp, status, message) == (
        "events.jsonl", "events.jsonl.gz", "NONE", "GZIP", "UPLOADED", "")
    assert source_size == path.stat().st_size
    assert 0 < target_size < source_size


def test_list_shows_stage_prefixed_names_md5_and_clock_time(conn, cur, q, write):
    """docs: sql-reference/sql/list - name, size, md5, last_modified; the time is the connection's (virtual) clock."""
    path = write("a.jsonl", '{"a": 1}\n')
    cur.execute("create stage st")
    cur.execute(f"put file://{path} @st/2026/01 auto_compress = false")
    listed = q("list @st")
    assert [d.name for d in cur.description] == ["name", "size", "md5", "last_modified"]
    assert listed == [("st/2026/01/a.jsonl", path.stat().st_size, hashlib.md5(path.read_bytes()).hexdigest(),
                       "Mon, 05 Jan 2026 08:00:00 GMT")]


def test_put_existing_file_is_skipped_unless_overwrite(conn, cur, q, write):
    """docs: sql-reference/sql/put - OVERWRITE = FALSE (default) leaves an existing file with the same name."""
    path = write("a.jsonl", '{"a": 1}\n')
    cur.execute("create stage st")
    cur.execute(f"put file://{path} @st")
    path.write_text('{"a": 2}\n{"a": 3}\n')
    assert q(f"put file://{path} @st")[0][6] == "SKIPPED"
    assert _staged_text(conn, "a.jsonl.gz") == '{"a": 1}\n'
    assert q(f"put file://{path} @st overwrite = true")[0][6] == "UPLOADED"
    assert _staged_text(conn, "a.jsonl.gz") == '{"a": 2}\n{"a": 3}\n'


def _staged_text(conn, path: str) -> str:
    from snowsim.emulator.stage_files import resolve

    return gzip.decompress((resolve(conn, "@st").root / path).read_bytes()).decode()


def test_put_glob_uploads_every_match_and_missing_file_errors(cur, q, write):
    """docs: sql-reference/sql/put - wildcards upload several files; a path matching nothing is an error."""
    a = write("part-1.jsonl", "{}\n")
    write("part-2.jsonl", "{}\n")
    write("other.txt", "x")
    cur.execute("create stage st")
    result = q(f"put file://{a.parent}/part-*.jsonl @st")
    assert [r[1] for r in result] == ["part-1.jsonl.gz", "part-2.jsonl.gz"]
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute(f"put file://{a.parent}/nothing-*.csv @st")
    assert info.value.errno == 253006
    assert "File doesn't exist" in info.value.msg


def test_already_gzipped_file_is_stored_as_is(cur, q, tmp_path):
    """docs: sql-reference/sql/put - SOURCE_COMPRESSION AUTO_DETECT recognises gzip; no second compression."""
    path = tmp_path / "x.json.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n'))
    cur.execute("create stage st")
    (row,) = q(f"put 'file://{path}' @st")
    assert (row[1], row[4], row[5], row[2], row[3]) == ("x.json.gz", "GZIP", "GZIP", path.stat().st_size,
                                                         path.stat().st_size)


def test_list_pattern_and_prefix(cur, q, write):
    """docs: sql-reference/sql/list - a path limits by prefix; PATTERN is a regular expression over the path."""
    cur.execute("create stage st")
    for name in ("a.jsonl", "b.csv"):
        cur.execute(f"put file://{write(name, '{}')} @st/in auto_compress = false")
    assert [r[0] for r in q("list @st pattern = '.*[.]csv'")] == ["st/in/b.csv"]
    assert [r[0] for r in q("list @st/in/a")] == ["st/in/a.jsonl"]
    assert q("list @st/out") == []


def test_remove_deletes_matching_files(cur, q, write):
    """docs: sql-reference/sql/remove - result columns name, result ('removed')."""
    cur.execute("create stage st")
    for name in ("keep.csv", "drop1.jsonl", "drop2.jsonl"):
        cur.execute(f"put file://{write(name, '{}')} @st auto_compress = false")
    removed = q("remove @st pattern = '.*drop.*'")
    assert [d.name for d in cur.description] == ["name", "result"]
    assert removed == [("st/drop1.jsonl", "removed"), ("st/drop2.jsonl", "removed")]
    assert [r[0] for r in q("list @st")] == ["st/keep.csv"]


def test_user_and_table_stages(cur, q, write):
    """docs: sql-reference/sql/put - @~ is the user's stage and @%t the table's stage; both exist implicitly."""
    path = write("u.jsonl", "{}\n")
    cur.execute(f"put file://{path} @~/staged")
    assert [r[0] for r in q("list @~")] == ["staged/u.jsonl.gz"]
    cur.execute("create table t (v variant)")
    cur.execute(f"put file://{path} @%t")
    assert [r[0] for r in q("list @%t")] == ["u.jsonl.gz"]
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("list @%nosuch")
    assert info.value.errno == 2003


def test_stage_replace_and_drop_discard_files(cur, q, write):
    """docs: sql-reference/sql/drop-stage - a dropped (or replaced) stage's files are gone."""
    cur.execute("create stage st")
    cur.execute(f"put file://{write('a.jsonl', '{}')} @st")
    cur.execute("create or replace stage st")
    assert q("list @st") == []
    cur.execute(f"put file://{write('b.jsonl', '{}')} @st")
    cur.execute("drop stage st")
    cur.execute("create stage st")
    assert q("list @st") == []


def test_missing_stage_is_002003(cur):
    """docs: sql-reference/sql/list - a stage that does not exist is reported like any missing object."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("list @nope")
    assert info.value.errno == 2003
    assert "Stage 'DB.S.NOPE' does not exist or not authorized." in info.value.msg


def test_last_modified_follows_virtual_clock(conn, cur, q, write):
    """docs: sql-reference/sql/list - last_modified is when the file was staged (here: on the virtual clock)."""
    cur.execute("create stage st")
    conn.advance(timedelta(days=3, hours=1))
    cur.execute(f"put file://{write('a.jsonl', '{}')} @st")
    assert q("list @st")[0][3] == "Thu, 08 Jan 2026 09:00:00 GMT"


def test_recreated_table_has_an_empty_table_stage(cur, q, write):
    """docs: sql-reference/sql/create-table - CREATE OR REPLACE makes a new table, and with it a new table stage."""
    cur.execute("create table t (v variant)")
    cur.execute(f"put file://{write('a.jsonl', '{}')} @%t")
    cur.execute("alter table t rename to t2")
    assert [r[0] for r in q("list @%t2")] == ["a.jsonl.gz"]
    cur.execute("create or replace table t2 (v variant)")
    assert q("list @%t2") == []


def test_stage_recreated_after_schema_drop_is_empty(cur, q, write):
    """docs: sql-reference/sql/drop-schema - dropping a schema drops its stages (and their files)."""
    cur.execute("create schema other")
    cur.execute("create stage other.st")
    cur.execute(f"put file://{write('a.jsonl', '{}')} @other.st")
    cur.execute("drop schema other")
    cur.execute("create schema other")
    cur.execute("create stage other.st")
    assert q("list @other.st") == []


def test_invalid_pattern_is_a_snowflake_error(cur):
    """docs: sql-reference/sql/list (PATTERN is a regular expression) - a malformed one is reported, not a crash;
    code and text follow the service's regular-expression error (100048), the LIST wording is undocumented."""
    cur.execute("create stage st")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("list @st pattern = '*.csv'")
    assert info.value.errno == 100048
    assert "Invalid regular expression: '*.csv'" in info.value.msg
