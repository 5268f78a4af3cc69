"""COPY INTO <table> from CSV files (the default file format)."""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf

CSV = "id|name|score\n1|ann|3.5\n2|\\N|4\n3||x\n"


@pytest.fixture
def csv_stage(cur, write):
    """A stage with a pipe-delimited CSV format (one header line) holding one file."""
    cur.execute("create file format pipes type = csv field_delimiter = '|' skip_header = 1")
    cur.execute("create stage st file_format = (format_name = 'pipes')")
    cur.execute(f"put file://{write('people.csv', CSV)} @st")


def test_csv_positional_load_with_null_if_and_conversion_error(cur, q, qd, csv_stage):
    """docs: sql-reference/sql/copy-into-table (TYPE = CSV: FIELD_DELIMITER, SKIP_HEADER, NULL_IF default \\N) -
    fields map to columns by position; a value that does not convert is an error row."""
    cur.execute("create table people (id int, name string, score float)")
    (row,) = qd("copy into people from @st on_error = continue")
    assert (row["status"], row["rows_parsed"], row["rows_loaded"]) == ("PARTIALLY_LOADED", 3, 2)
    assert row["first_error"] == "Numeric value 'x' is not recognized"
    assert (row["first_error_line"], row["first_error_column_name"]) == (4, '"PEOPLE"["SCORE":3]')
    assert q("select id, name, score from people order by id") == [(1, "ann", 3.5), (2, None, 4.0)]


def test_csv_transformation_selects_fields(cur, q, csv_stage):
    """docs: user-guide/data-load-transform - $n is the n-th field; fields can be reordered or skipped."""
    cur.execute("create table names (name string, id int, src string)")
    cur.execute("copy into names from (select $2, $1, metadata$filename from @st) on_error = continue")
    assert q("select id, name, src from names order by id") == [
        (1, "ann", "people.csv.gz"), (2, None, "people.csv.gz"), (3, None, "people.csv.gz")]


def test_csv_column_count_mismatch(cur, csv_stage):
    """Service error 100080 (docs: create-file-format ERROR_ON_COLUMN_COUNT_MISMATCH, default TRUE)."""
    cur.execute("create table two (id int, name string)")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("copy into two from @st")
    assert info.value.errno == 100080
    assert info.value.raw_msg.startswith("Number of columns in file (3) does not match that of the corresponding "
                                         "table (2), use file format option error_on_column_count_mismatch=false")


def test_csv_is_the_default_format(cur, q, write):
    """docs: sql-reference/sql/create-file-format - without a format, files are read as comma-separated CSV."""
    cur.execute("create stage plain")
    cur.execute("create table t (a int, b string)")
    path = write("t.csv", "1,x\n2,y\n")
    cur.execute(f"put file://{path} @plain")
    assert q("copy into t from @plain")[0][:4] == ("plain/t.csv.gz", "LOADED", 2, 2)
    assert q("select a, b from t order by a") == [(1, "x"), (2, "y")]


def test_csv_quoted_fields(cur, q, write):
    """docs: sql-reference/sql/copy-into-table (FIELD_OPTIONALLY_ENCLOSED_BY) - quotes protect delimiters."""
    cur.execute("create stage plain file_format = (type = csv field_optionally_enclosed_by = '\"')")
    cur.execute("create table t (a int, b string)")
    path = write("t.csv", '1,"x, y"\n2,plain\n')
    cur.execute(f"put file://{path} @plain")
    cur.execute("copy into t from @plain")
    assert q("select a, b from t order by a") == [(1, "x, y"), (2, "plain")]
