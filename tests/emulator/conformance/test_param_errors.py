"""Errors of statements with bound parameters point into the statement as Snowflake receives it.

With qmark/numeric binding Snowflake compiles the text with its `?` (docs: developer-guide/python-connector binding
data); snowsim's internal parameter markers (params.py) never show in a message or shift a position.
"""

import pytest
import snowflake.connector.errors as sf


def test_an_invalid_identifier_after_a_parameter_is_located_in_the_bound_text(qmark):
    qmark.execute("create table t (a int)")
    with pytest.raises(sf.ProgrammingError) as bound:
        qmark.execute("SELECT ?, nope FROM t", ["x"])
    with pytest.raises(sf.ProgrammingError) as literal:
        qmark.execute("SELECT 1, nope FROM t")
    assert bound.value.errno == 904
    assert "error line 1 at position 10" in bound.value.msg
    assert bound.value.msg == literal.value.msg


def test_create_table_as_select_with_parameters_is_refused_by_name(cur):
    with pytest.raises(sf.NotSupportedError) as err:
        cur.execute("CREATE TABLE x AS SELECT %s AS a", ["v"])
    assert "CREATE TABLE ... AS SELECT with bound parameters" in err.value.msg
    assert ":__p" not in err.value.msg
    assert "SELECT ? AS a" in err.value.msg
    assert cur.execute("show tables like 'X'").fetchall() == []
