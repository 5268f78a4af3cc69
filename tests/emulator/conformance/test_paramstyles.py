"""Parameter binding as the connector does it: pyformat/format client-side, qmark/numeric server-side."""

import pytest
import snowflake.connector
from snowflake.connector import errors as sf

from snowsim.emulator import connect


def test_pyformat_is_the_default(cur):
    """docs: developer-guide/python-connector/python-connector-example (binding) - %s and %(name)s by default."""
    assert cur.connection.paramstyle == snowflake.connector.paramstyle == "pyformat"
    cur.execute("select %s, %s", (1, "a"))
    assert cur.fetchone() == (1, "a")
    cur.execute("select %(n)s, %(s)s, %(n)s", {"n": 2, "s": "b"})
    assert cur.fetchone() == (2, "b", 2)


def test_pyformat_unescapes_double_percent_only_with_parameters(cur):
    """docs: python-connector-example - client-side binding is Python % formatting: %% becomes % (literals too)."""
    cur.execute("select 'abc' like 'a%%', %s", (1,))
    assert cur.fetchone() == (True, 1)
    cur.execute("select 'a%%'")  # no parameters: no formatting, the text goes out as written
    assert cur.fetchone() == ("a%%",)


def test_pyformat_argument_count_errors_are_python_type_errors(cur):
    """docs: python-connector-example - formatting errors surface as Python's TypeError, before the query runs."""
    with pytest.raises(TypeError):
        cur.execute("select %s, %s", (1,))
    with pytest.raises(TypeError):
        cur.execute("select %s", (1, 2))


def test_a_repeated_statement_is_bound_the_same_way(cur):
    """The rewrite of a statement seen before is reused: same values, same errors for a wrong argument count."""
    for n in range(3):
        cur.execute("select %s, '%%', %s", (n, "x"))
        assert cur.fetchone() == (n, "%", "x")
    with pytest.raises(TypeError):
        cur.execute("select %s, '%%', %s", (1,))
    with pytest.raises(TypeError):
        cur.execute("select %s, '%%', %s", [1, 2, 3])
    cur.execute("select %s, '%%', %s", [4, "y"])
    assert cur.fetchone() == (4, "%", "y")


def test_pyformat_does_not_treat_qmark_as_placeholder(cur):
    """docs: python-connector-example - ? is only a placeholder with paramstyle qmark."""
    with pytest.raises(TypeError):
        cur.execute("select ?", (1,))  # nothing consumes the parameter


def test_format_rejects_a_dict(conn):
    """docs: python-connector-api (paramstyle) - format supports %s with a sequence only."""
    c = connect(database="DB", schema="S", paramstyle="format")
    with pytest.raises(sf.ProgrammingError) as info:
        c.cursor().execute("select %(a)s", {"a": 1})
    assert info.value.errno == 251007
    assert c.cursor().execute("select %s", (3,)).fetchone() == (3,)
    c.close()


def test_qmark_and_numeric(qmark):
    """docs: python-connector-example (qmark or numeric binding) - server-side ? and :N placeholders."""
    qmark.execute("select ?, ?", (1, "x"))
    assert qmark.fetchone() == (1, "x")
    qmark.execute("select :2, :1, :2", (1, "x"))
    assert qmark.fetchone() == ("x", 1, "x")
    qmark.execute("select '?', ?", ["v"])  # a ? inside a literal is text
    assert qmark.fetchone() == ("?", "v")


def test_qmark_rejects_named_parameters(qmark):
    """docs: python-connector-example - named (dict) parameters need pyformat."""
    with pytest.raises(sf.ProgrammingError) as info:
        qmark.execute("select ?", {"a": 1})
    assert info.value.errno == 251007


def test_module_level_paramstyle_is_read_at_connect(monkeypatch):
    """docs: python-connector-api (snowflake.connector.paramstyle) - the module default applies to new connections."""
    monkeypatch.setattr(snowflake.connector, "paramstyle", "qmark")
    c = connect(database="DB", schema="S")
    assert c.paramstyle == "qmark"
    assert c.cursor().execute("select ?", [7]).fetchone() == (7,)
    c.close()


def test_invalid_paramstyle_is_rejected():
    """docs: python-connector-api - paramstyle is one of pyformat, format, qmark, numeric."""
    with pytest.raises(sf.ProgrammingError):
        connect(database="DB", schema="S", paramstyle="named")


def test_bound_values_keep_their_types(qmark):
    """docs: python-connector-example (binding datetime) - bound values arrive typed, not as text."""
    qmark.execute("create table t (id int, name string, amt number(10,2), ok boolean)")
    qmark.execute("insert into t values (?, ?, ?, ?)", (1, "o'brien", 2.5, True))
    qmark.execute("select * from t where name = ?", ["o'brien"])
    row = qmark.fetchone()
    assert (row[0], row[1], float(row[2]), row[3]) == (1, "o'brien", 2.5, True)


def test_executemany_inserts_every_row(cur):
    """docs: python-connector-example (executemany) - one execution per parameter set; rowcount is the total."""
    cur.execute("create table t (id int, name string)")
    cur.executemany("insert into t values (%s, %s)", [(1, "a"), (2, "b"), (3, "c")])
    assert cur.rowcount == 3
    cur.execute("select count(*) from t")
    assert cur.fetchone() == (3,)
