"""COPY INTO <table> from JSON Lines files on an internal stage: results, ON_ERROR, files, formats."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest
from snowflake.connector import errors as sf

RESULT_COLUMNS = ["file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen", "first_error",
                  "first_error_line", "first_error_character", "first_error_column_name"]
GOOD = [{"id": 1, "kind": "order"}, {"id": 2, "kind": "refund"}]
BAD_LINE = '{"id": 3, "kind": "order"}\n{"id": 4, "kind": \n{"id": 5}\n'


@pytest.fixture
def staged(cur, write):
    """A stage ST with JSON format and a single-VARIANT-column table RAW; returns put(name, content)."""
    cur.execute("create stage st file_format = (type = json)")
    cur.execute("create table raw (v variant)")

    def put(name: str, content, prefix: str = "") -> None:
        cur.execute(f"put file://{write(name, content)} @st{prefix}")

    return put


def test_plain_load_result_and_rows(cur, q, qd, staged):
    """docs: sql-reference/sql/copy-into-table (Output) - one row per file; JSON lines become VARIANT values."""
    staged("a.jsonl", GOOD)
    result = qd("copy into raw from @st")
    assert [d.name for d in cur.description] == RESULT_COLUMNS
    assert result == [{"file": "st/a.jsonl.gz", "status": "LOADED", "rows_parsed": 2, "rows_loaded": 2,
                       "error_limit": 1, "errors_seen": 0, "first_error": None, "first_error_line": None,
                       "first_error_character": None, "first_error_column_name": None}]
    assert q("select v:id::int, v:kind::string from raw order by 1") == [(1, "order"), (2, "refund")]


def test_second_copy_skips_loaded_files(cur, q, staged):
    """docs: user-guide/data-load-considerations-load - load metadata prevents reloading; the result is one
    'status' column saying 0 files were processed (not in the docs; the service's wording)."""
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    assert q("copy into raw from @st") == [("Copy executed with 0 files processed.",)]
    assert [d.name for d in cur.description] == ["status"]
    assert q("select count(*) from raw") == [(2,)]


def test_force_reloads_and_changed_content_loads_again(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table (FORCE) - FORCE reloads; a file staged with new content has a new
    checksum and is loaded without FORCE."""
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    assert q("copy into raw from @st force = true")[0][1] == "LOADED"
    assert q("select count(*) from raw") == [(4,)]
    cur.execute("remove @st")
    staged("a.jsonl", [{"id": 9}])
    assert q("copy into raw from @st")[0][:4] == ("st/a.jsonl.gz", "LOADED", 1, 1)
    assert q("select count(*) from raw") == [(5,)]


def test_abort_statement_raises_parse_error_and_loads_nothing(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table (ON_ERROR default ABORT_STATEMENT) - the first error stops the load.
    Error text and code as the service reports them (100069 Error parsing JSON, file/line/row/column lines)."""
    staged("a.jsonl", GOOD)
    staged("b.jsonl", BAD_LINE)
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into raw from @st")
    err = info.value
    assert (err.errno, err.sqlstate) == (100069, "22P02")
    lines = err.raw_msg.split("\n")
    assert lines[0] == "Error parsing JSON: incomplete object value"
    assert lines[1] == "  File 'b.jsonl.gz', line 2, character 19"
    assert lines[2] == '  Row 2, column "RAW"["V":1]'
    assert lines[3].startswith("  If you would like to continue loading when an error is encountered")
    assert q("select count(*) from raw") == [(0,)]
    # nothing was recorded as loaded: the good file still loads
    assert {r[0]: r[1] for r in q("copy into raw from @st on_error = continue")} == {
        "st/a.jsonl.gz": "LOADED", "st/b.jsonl.gz": "PARTIALLY_LOADED"}


def test_continue_loads_good_lines_and_reports_first_error(qd, q, staged):
    """docs: sql-reference/sql/copy-into-table (ON_ERROR = CONTINUE) - rows_parsed - rows_loaded = error rows;
    one error reported per file."""
    staged("b.jsonl", BAD_LINE + "not json\n")
    (row,) = qd("copy into raw from @st on_error = continue")
    assert (row["status"], row["rows_parsed"], row["rows_loaded"], row["errors_seen"]) == ("PARTIALLY_LOADED", 4, 2, 2)
    assert row["error_limit"] == 4  # the service reports the rows parsed for CONTINUE (docs silent)
    assert (row["first_error"], row["first_error_line"]) == ("Error parsing JSON: incomplete object value", 2)
    assert row["first_error_column_name"] == '"RAW"["V":1]'
    assert q("select v:id::int from raw order by 1") == [(3,), (5,)]


def test_skip_file_skips_files_with_errors_and_retries_them_later(q, qd, staged):
    """docs: sql-reference/sql/copy-into-table (SKIP_FILE) - a file with an error loads nothing; files that failed
    are not in the load metadata, so the next COPY tries them again."""
    staged("a.jsonl", GOOD)
    staged("b.jsonl", BAD_LINE)
    result = {r["file"]: r for r in qd("copy into raw from @st on_error = skip_file")}
    assert result["st/a.jsonl.gz"]["status"] == "LOADED"
    assert (result["st/b.jsonl.gz"]["status"], result["st/b.jsonl.gz"]["rows_loaded"]) == ("LOAD_FAILED", 0)
    assert q("select count(*) from raw") == [(2,)]
    assert [r[:2] for r in q("copy into raw from @st on_error = skip_file")] == [("st/b.jsonl.gz", "LOAD_FAILED")]


@pytest.mark.parametrize(
    ("on_error", "status", "limit"),
    [("skip_file_2", "PARTIALLY_LOADED", 2), ("skip_file_1", "LOAD_FAILED", 1),
     ("'skip_file_40%'", "PARTIALLY_LOADED", 2), ("'skip_file_10%'", "LOAD_FAILED", 1)],
)
def test_skip_file_thresholds(qd, staged, on_error, status, limit):
    """docs: sql-reference/sql/copy-into-table - SKIP_FILE_n skips at >= n error rows, 'SKIP_FILE_n%' when the share
    of error rows exceeds n%. error_limit for the percentage form is our reading (docs silent)."""
    staged("b.jsonl", BAD_LINE + '{"id": 6}\n')  # 4 rows, 1 error (25%)
    (row,) = qd(f"copy into raw from @st on_error = {on_error}")
    assert (row["status"], row["error_limit"], row["errors_seen"]) == (status, limit, 1)
    assert row["rows_loaded"] == (3 if status == "PARTIALLY_LOADED" else 0)


def test_transformation_with_metadata_columns(cur, q, staged, write):
    """docs: user-guide/data-load-transform, user-guide/querying-metadata - $1 paths and casts, METADATA$FILENAME
    (path inside the stage), METADATA$FILE_ROW_NUMBER (records, blank lines not counted)."""
    cur.execute("create table ev (id int, kind string, payload variant, src string, rn int, modified timestamp_ntz)")
    staged("day1.jsonl", '{"id": 1, "kind": "order"}\n\n{"id": 2, "kind": "refund"}\n', "/2026/01/05")
    result = q("copy into ev from (select $1:id::int, $1:kind::string, $1, metadata$filename, "
               "metadata$file_row_number, metadata$file_last_modified from @st/2026)")
    assert result[0][:4] == ("st/2026/01/05/day1.jsonl.gz", "LOADED", 2, 2)
    got = q("select id, kind, payload:kind::string, src, rn, modified from ev order by id")
    assert [r[:5] for r in got] == [(1, "order", "order", "2026/01/05/day1.jsonl.gz", 1),
                                   (2, "refund", "refund", "2026/01/05/day1.jsonl.gz", 2)]
    assert str(got[0][5]) == "2026-01-05 08:00:00"


def test_transformation_column_list_and_defaults(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table - columns left out of the list get their default (NULL if none)."""
    cur.execute("create table ev (id int, kind string default 'unknown', note string)")
    staged("a.jsonl", GOOD)
    cur.execute("copy into ev (id) from (select $1:id from @st)")
    assert q("select id, kind, note from ev order by id") == [(1, "unknown", None), (2, "unknown", None)]


def test_conversion_error_in_transformation(cur, q, qd, staged):
    """docs: sql-reference/sql/copy-into-table (ON_ERROR) - a value that does not convert is an error row; the
    column is named "TABLE"["COLUMN":position] as in the service's messages."""
    cur.execute("create table amounts (id int, amount number(10,2))")
    staged("a.jsonl", [{"id": 1, "amount": "10.5"}, {"id": 2, "amount": "oops"}, {"id": 3, "amount": 7}])
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into amounts from (select $1:id, $1:amount from @st)")
    assert info.value.errno == 100038
    assert info.value.raw_msg.startswith("Numeric value 'oops' is not recognized\n  File 'a.jsonl.gz', line 2")
    assert '"AMOUNTS"["AMOUNT":2]' in info.value.raw_msg
    (row,) = qd("copy into amounts from (select $1:id, $1:amount from @st) on_error = continue")
    assert (row["status"], row["rows_loaded"], row["first_error_line"]) == ("PARTIALLY_LOADED", 2, 2)
    assert row["first_error_column_name"] == '"AMOUNTS"["AMOUNT":2]'
    assert q("select id, amount from amounts order by id") == [(1, Decimal("10.50")), (3, Decimal("7.00"))]


def test_null_into_not_null_column_is_a_row_error(cur, q, qd, staged):
    """docs: sql-reference/sql/copy-into-table (VALIDATION_MODE example) - 'NULL result in a non-nullable column'."""
    cur.execute("create table strict_t (id int not null, kind string)")
    staged("a.jsonl", [{"id": 1}, {"kind": "no id"}])
    (row,) = qd("copy into strict_t from (select $1:id, $1:kind from @st) on_error = continue")
    assert (row["rows_loaded"], row["first_error"]) == (1, "NULL result in a non-nullable column")
    assert row["first_error_column_name"] == '"STRICT_T"["ID":1]'


def test_files_list_missing_file(cur, q, qd, staged):
    """Not in the docs beyond 'the load operation is stopped when files in FILES can't be found'; wording, code
    91016 and the CONTINUE row are as the service reports them."""
    staged("a.jsonl", GOOD)
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into raw from @st files = ('a.jsonl.gz', 'nope.jsonl')")
    assert (info.value.errno, info.value.sqlstate) == (91016, "22000")
    assert "Remote file '@ST/nope.jsonl' was not found." in info.value.raw_msg
    assert q("select count(*) from raw") == [(0,)]
    result = qd("copy into raw from @st files = ('a.jsonl.gz', 'nope.jsonl') on_error = continue")
    assert [(r["file"], r["status"], r["errors_seen"]) for r in result] == [
        ("st/a.jsonl.gz", "LOADED", 0), ("st/nope.jsonl", "LOAD_FAILED", 1)]
    assert result[1]["first_error"].startswith("Remote file '@ST/nope.jsonl' was not found. There are several")


def test_files_list_names_already_loaded_file(qd, staged, cur):
    """Seen from the service (docs silent): a file named in FILES that was loaded before is reported LOAD_SKIPPED."""
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    (row,) = qd("copy into raw from @st files = ('a.jsonl.gz')")
    assert (row["status"], row["first_error"], row["rows_loaded"]) == ("LOAD_SKIPPED", "File was loaded before.", 0)


def test_pattern_and_prefix_select_files(q, staged):
    """docs: sql-reference/sql/copy-into-table (PATTERN) - the regular expression must match the whole path."""
    staged("orders.jsonl", GOOD, "/in")
    staged("refunds.jsonl", [{"id": 7}], "/in")
    staged("other.jsonl", [{"id": 8}], "/out")
    assert [r[0] for r in q("copy into raw from @st/in pattern = '.*refund.*'")] == ["st/in/refunds.jsonl.gz"]
    assert q("copy into raw from @st pattern = 'refund'") == [("Copy executed with 0 files processed.",)]
    assert [r[0] for r in q("copy into raw from @st/in")] == ["st/in/orders.jsonl.gz"]


def test_purge_removes_loaded_files(q, staged):
    """docs: sql-reference/sql/copy-into-table (PURGE) - successfully loaded files are removed from the stage."""
    staged("a.jsonl", GOOD)
    staged("b.jsonl", BAD_LINE)
    q("copy into raw from @st on_error = skip_file purge = true")
    assert [r[0] for r in q("list @st")] == ["st/b.jsonl.gz"]


def test_return_failed_only(q, staged):
    """docs: sql-reference/sql/copy-into-table (RETURN_FAILED_ONLY) - only files that failed are returned."""
    staged("a.jsonl", GOOD)
    staged("b.jsonl", BAD_LINE)
    assert [r[:2] for r in q("copy into raw from @st on_error = continue return_failed_only = true")] == [
        ("st/b.jsonl.gz", "PARTIALLY_LOADED")]


def test_truncate_clears_load_metadata_but_delete_does_not(cur, q, staged):
    """docs: sql-reference/sql/truncate-table - TRUNCATE deletes the load metadata, so files can load again;
    DELETE does not."""
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    cur.execute("delete from raw")
    assert q("copy into raw from @st") == [("Copy executed with 0 files processed.",)]
    cur.execute("truncate table raw")
    assert q("copy into raw from @st")[0][1] == "LOADED"
    assert q("select count(*) from raw") == [(2,)]


def test_streams_see_loaded_rows_as_inserts(cur, q, staged):
    """docs: user-guide/streams-intro - COPY is DML on the table: a stream shows the loaded rows as inserts."""
    cur.execute("create stream raw_s on table raw")
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    assert q('select v:id::int, metadata$action, metadata$isupdate from raw_s order by 1') == [
        (1, "INSERT", False), (2, "INSERT", False)]


def test_rolled_back_copy_loads_nothing_and_records_nothing(conn, cur, q, staged):
    """docs: sql-reference/transactions - COPY inside a rolled-back transaction leaves no rows and no load metadata."""
    staged("a.jsonl", GOOD)
    cur.execute("begin")
    cur.execute("copy into raw from @st")
    assert q("select count(*) from raw") == [(2,)]
    assert q("copy into raw from @st") == [("Copy executed with 0 files processed.",)]  # same transaction sees it
    cur.execute("rollback")
    assert q("select count(*) from raw") == [(0,)]
    assert q("copy into raw from @st")[0][1] == "LOADED"


def test_truncate_rolled_back_keeps_load_metadata(cur, q, staged):
    """docs: sql-reference/sql/truncate-table, sql-reference/transactions - a rolled-back TRUNCATE changes nothing."""
    staged("a.jsonl", GOOD)
    cur.execute("copy into raw from @st")
    cur.execute("begin")
    cur.execute("truncate table raw")
    cur.execute("rollback")
    assert q("copy into raw from @st") == [("Copy executed with 0 files processed.",)]


def test_json_requires_single_variant_column(cur):
    """Service error 002019 (docs: copy-into-table MATCH_BY_COLUMN_NAME note) for JSON into several columns."""
    cur.execute("create stage st file_format = (type = json)")
    cur.execute("create table two (a int, b int)")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into two from @st")
    assert (info.value.errno, info.value.sqlstate) == (2019, "0A000")
    assert "JSON file format can produce one and only one column of type variant" in info.value.raw_msg


def test_match_by_column_name_case_insensitive(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table (MATCH_BY_COLUMN_NAME) - keys match columns regardless of case;
    unmatched columns get NULL."""
    cur.execute("create table people (id int, name string, extra string)")
    staged("p.jsonl", [{"ID": 1, "Name": "Ann", "ignored": True}, {"id": 2, "NAME": "Bo"}])
    assert q("copy into people from @st match_by_column_name = case_insensitive")[0][1] == "LOADED"
    assert q("select id, name, extra from people order by id") == [(1, "Ann", None), (2, "Bo", None)]


def test_strip_outer_array(cur, q, write):
    """docs: sql-reference/sql/copy-into-table (Loading JSON data into a VARIANT column) - STRIP_OUTER_ARRAY loads
    each array element as a row."""
    cur.execute("create file format arr type = json strip_outer_array = true")
    cur.execute("create stage st file_format = arr")
    cur.execute("create table raw (v variant)")
    path = write("a.json", '[{"id": 1}, {"id": 2}, {"id": 3}]')
    cur.execute(f"put file://{path} @st")
    assert q("copy into raw from @st")[0][:4] == ("st/a.json.gz", "LOADED", 3, 3)
    assert q("select v:id::int from raw order by 1") == [(1,), (2,), (3,)]


def test_pretty_printed_document_is_one_row(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table - a JSON document spanning lines is one record."""
    staged("doc.json", '{\n  "id": 1,\n  "tags": ["a", "b"]\n}\n')
    assert q("copy into raw from @st")[0][:4] == ("st/doc.json.gz", "LOADED", 1, 1)
    assert q("select v:tags[1]::string from raw") == [("b",)]


def test_duplicate_keys_are_rejected(qd, staged):
    """docs: sql-reference/sql/create-file-format (ALLOW_DUPLICATE default FALSE) - duplicate keys are an error."""
    staged("d.jsonl", '{"a": 1, "a": 2}\n{"a": 3}\n')
    (row,) = qd("copy into raw from @st on_error = continue")
    assert (row["rows_loaded"], row["first_error"]) == (1, 'Error parsing JSON: duplicate object attribute "a"')


def test_copy_format_precedence(cur, q, write):
    """docs: sql-reference/sql/copy-into-table (FILE_FORMAT) - the statement's format wins over the stage's; without
    either, CSV is assumed."""
    cur.execute("create stage plain")
    cur.execute("create table raw (v variant)")
    cur.execute("create file format jf type = json")
    path = write("a.jsonl", '{"id": 1}')
    cur.execute(f"put file://{path} @plain")
    assert q("copy into raw from @plain file_format = (format_name = 'jf')")[0][1] == "LOADED"
    assert q("copy into raw from @plain file_format = jf force = true")[0][1] == "LOADED"
    assert q("select count(*) from raw") == [(2,)]


def test_copy_into_missing_table_or_stage(cur):
    """docs: sql-reference/sql/copy-into-table - the table and the stage must exist (002003)."""
    cur.execute("create stage st")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into nope from @st")
    assert info.value.errno == 2003
    cur.execute("create table raw (v variant)")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into raw from @nostage")
    assert info.value.errno == 2003


def test_copy_from_table_stage_without_from(cur, q, write):
    """docs: sql-reference/sql/copy-into-table - `COPY INTO t` reads the table's stage when FROM is omitted."""
    cur.execute("create table raw (v variant)")
    path = write("a.jsonl", '{"id": 1}')
    cur.execute(f"put file://{path} @%raw")
    assert q("copy into raw file_format = (type = json)")[0][:2] == ("a.jsonl.gz", "LOADED")


def test_unload_is_not_supported(cur):
    """docs: sql-reference/sql/copy-into-location - unloading is not emulated and says so."""
    cur.execute("create stage st")
    cur.execute("create table t (a int)")
    with pytest.raises(sf.NotSupportedError, match="COPY INTO <location>"):
        cur.execute("copy into @st/out from t")


def test_gzip_staged_by_hand_and_uncompressed_files(cur, q, staged, tmp_path):
    """docs: sql-reference/sql/copy-into-table (COMPRESSION = AUTO) - compressed and plain files both load."""
    path = tmp_path / "z.json.gz"
    path.write_bytes(gzip.compress(b'{"id": 1}\n'))
    cur.execute(f"put file://{path} @st")
    cur.execute(f"put file://{tmp_path / 'z.json.gz'} @st/copy")
    staged("plain.jsonl", [{"id": 2}], "/raw auto_compress = false")
    assert sorted(r[1] for r in q("copy into raw from @st")) == ["LOADED", "LOADED", "LOADED"]
    assert q("select count(*) from raw") == [(3,)]


def test_conversion_errors_isolated_with_volatile_function(cur, q, qd, staged):
    """docs: sql-reference/sql/copy-into-table (ON_ERROR = CONTINUE) - bad rows are skipped whatever the SELECT
    calls; RANDOM() (volatile) makes snowsim find them by narrowing row ranges instead of one TRY() pass."""
    cur.execute("create table amounts (id int, amount number(10,2))")
    staged("a.jsonl", [{"id": 1, "amount": "1"}, {"id": 2, "amount": "x"}, {"id": 3, "amount": "3"},
                       {"id": 4, "amount": "y"}])
    (row,) = qd("copy into amounts from (select $1:id, iff(random() = 2, null, $1:amount) from @st) "
                "on_error = continue")
    assert (row["rows_loaded"], row["errors_seen"], row["first_error"], row["first_error_line"]) == (
        2, 2, "Numeric value 'x' is not recognized", 2)
    assert q("select id from amounts order by id") == [(1,), (3,)]


def test_current_timestamp_in_transformation_reads_the_clock(cur, q, staged):
    """docs: sql-reference/functions/current_timestamp, user-guide/querying-metadata (METADATA$START_SCAN_TIME) -
    both are the statement's time, here the connection's virtual clock."""
    cur.execute("create table ev (id int, loaded_at timestamp_ltz, scanned timestamp_ltz)")
    staged("a.jsonl", [{"id": 1}])
    cur.execute("copy into ev from (select $1:id, current_timestamp(), metadata$start_scan_time from @st)")
    ((loaded, scanned),) = q("select loaded_at, scanned from ev")
    assert loaded == scanned
    assert loaded.isoformat().startswith("2026-01-05T00:00:00-08:00")


@pytest.mark.parametrize("clause", ["where $1:id = 1", "order by 1", "limit 1"])
def test_transformation_rejects_filtering_and_ordering(cur, staged, clause):
    """docs: user-guide/data-load-transform - WHERE, ORDER BY, LIMIT/FETCH/TOP are not supported in transformations
    (the error text is not documented; snowsim names the clause)."""
    staged("a.jsonl", GOOD)
    with pytest.raises(sf.ProgrammingError, match="COPY transformations do not support"):
        cur.execute(f"copy into raw from (select $1 from @st {clause})")


def test_transformation_column_count_must_match(cur, staged):
    """docs: sql-reference/sql/copy-into-table - the SELECT list must match the target columns (here: 2 vs 1)."""
    staged("a.jsonl", GOOD)
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into raw from (select $1, $1:id from @st)")
    assert info.value.errno == 2020


def test_corrupt_gzip_is_reported(cur, staged):
    """docs: sql-reference/sql/copy-into-table (COMPRESSION = GZIP) - a file that does not decompress fails the COPY
    with a Snowflake error rather than a crash (wording as the service reports it; the code is undocumented)."""
    staged("plain.jsonl", GOOD, " auto_compress = false")
    with pytest.raises(sf.ProgrammingError, match="Invalid data encountered during decompression for file"):
        cur.execute("copy into raw from @st file_format = (type = json compression = gzip)")


def test_size_limit_stops_after_threshold(q, staged):
    """docs: sql-reference/sql/copy-into-table (SIZE_LIMIT) - loading stops once the threshold is exceeded; at least
    one file always loads."""
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        staged(name, GOOD, " auto_compress = false")
    assert [r[0] for r in q("copy into raw from @st size_limit = 1")] == ["st/a.jsonl"]
    assert [r[0] for r in q("copy into raw from @st size_limit = 60")] == ["st/b.jsonl", "st/c.jsonl"]


def test_match_by_column_name_case_sensitive(cur, q, staged):
    """docs: sql-reference/sql/copy-into-table (MATCH_BY_COLUMN_NAME = CASE_SENSITIVE) - only exact key names match."""
    cur.execute('create table people (ID int, "name" string)')
    staged("p.jsonl", [{"ID": 1, "name": "Ann"}, {"id": 2, "NAME": "Bo"}])
    cur.execute("copy into people from @st match_by_column_name = case_sensitive")
    assert q('select id, "name" from people order by id nulls last') == [(1, "Ann"), (None, None)]


def test_unknown_and_unemulated_copy_options(cur, staged):
    """docs: sql-reference/sql/copy-into-table (copyOptions) - a misspelt option is a syntax error, and options snowsim
    does not emulate are named instead of being ignored."""
    staged("a.jsonl", GOOD)
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into raw from @st on_errors = continue")
    assert info.value.errno == 1003
    with pytest.raises(sf.NotSupportedError, match="VALIDATION_MODE"):
        cur.execute("copy into raw from @st validation_mode = return_errors")
