"""Stage and file format objects: CREATE / DROP / SHOW / DESCRIBE."""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf


def test_create_stage_message_and_show_stages(cur, q, qd):
    """docs: sql-reference/sql/create-stage, sql/show-stages - an internal stage is listed with type INTERNAL."""
    assert q("create stage my_stage comment = 'landing'") == [("Stage area MY_STAGE successfully created.",)]
    shown = qd("show stages like 'MY%'")
    assert len(shown) == 1
    assert shown[0]["name"] == "MY_STAGE"
    assert (shown[0]["database_name"], shown[0]["schema_name"]) == ("DB", "S")
    assert shown[0]["type"] == "INTERNAL"
    assert shown[0]["comment"] == "landing"
    assert qd("show stages like 'nomatch%'") == []


def test_create_stage_twice_and_if_not_exists(cur, q):
    """docs: sql-reference/sql/create-stage - an existing name fails unless OR REPLACE / IF NOT EXISTS."""
    cur.execute("create stage s1")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("create stage s1")
    assert info.value.errno == 2002
    assert q("create stage if not exists s1") == [("S1 already exists, statement succeeded.",)]
    assert q("create or replace stage s1") == [("Stage area S1 successfully created.",)]


def test_temporary_stage_shows_as_internal_temporary(cur, qd):
    """docs: sql-reference/sql/show-stages - type column distinguishes temporary stages."""
    cur.execute("create temporary stage tmp_stage")
    assert qd("show stages")[0]["type"] == "INTERNAL TEMPORARY"


def test_drop_stage_and_drop_missing(cur, q, qd):
    """docs: sql-reference/sql/drop-stage - dropping removes it; a missing stage is 002003 unless IF EXISTS."""
    cur.execute("create stage s1")
    assert q("drop stage s1") == [("S1 successfully dropped.",)]
    assert qd("show stages") == []
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("drop stage s1")
    assert info.value.errno == 2003
    assert "does not exist or not authorized" in info.value.msg
    cur.execute("drop stage if exists s1")


def test_external_stage_is_named_as_unsupported(cur):
    """docs: sql-reference/sql/create-stage - URL makes an external stage, which snowsim does not emulate."""
    with pytest.raises(sf.NotSupportedError, match="external stages"):
        cur.execute("create stage ext url = 's3://bucket/path/'")


def test_file_format_lifecycle_and_show(cur, q, qd):
    """docs: sql-reference/sql/create-file-format, show-file-formats, drop-file-format."""
    assert q("create file format ff type = json strip_outer_array = true comment = 'events'") == [
        ("File format FF successfully created.",)]
    shown = qd("show file formats")
    assert [(r["name"], r["type"], r["comment"]) for r in shown] == [("FF", "JSON", "events")]
    assert '"STRIP_OUTER_ARRAY":true' in shown[0]["format_options"]
    assert q("drop file format ff") == [("FF successfully dropped.",)]
    assert qd("show file formats") == []


def test_file_format_defaults_to_csv_and_describe(cur, qd):
    """docs: sql-reference/sql/create-file-format - TYPE defaults to CSV; DESCRIBE lists options with defaults."""
    cur.execute("create file format csvf field_delimiter = '|' skip_header = 1")
    described = {r["property"]: r for r in qd("describe file format csvf")}
    assert described["TYPE"]["property_value"] == "CSV"
    assert described["FIELD_DELIMITER"]["property_value"] == "|"
    assert described["FIELD_DELIMITER"]["property_default"] == ","
    assert described["SKIP_HEADER"]["property_value"] == "1"


def test_unknown_file_format_type_is_rejected(cur):
    """docs: sql-reference/sql/create-file-format - TYPE is one of CSV, JSON, AVRO, ORC, PARQUET, XML."""
    with pytest.raises(sf.ProgrammingError, match="TYPE"):
        cur.execute("create file format bad type = yaml")


def test_stage_with_named_format_that_does_not_exist(cur):
    """docs: sql-reference/sql/create-stage - FILE_FORMAT = (FORMAT_NAME = ...) must name an existing format."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("create stage s2 file_format = (format_name = 'nope')")
    assert info.value.errno == 2003


def test_describe_stage_reports_its_file_format(cur, qd):
    """docs: sql-reference/sql/desc-stage - STAGE_FILE_FORMAT rows carry the stage's format options."""
    cur.execute("create stage s3 file_format = (type = json strip_outer_array = true)")
    described = {(r["parent_property"], r["property"]): r["property_value"] for r in qd("desc stage s3")}
    assert described[("STAGE_FILE_FORMAT", "TYPE")] == "JSON"
    assert described[("STAGE_FILE_FORMAT", "STRIP_OUTER_ARRAY")] == "true"
