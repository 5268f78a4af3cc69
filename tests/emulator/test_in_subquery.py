"""Comparisons against an IN / NOT IN / ANY / ALL subquery coerce their operands as `=` and an IN list do.

docs: sql-reference/data-type-conversion (VARCHAR is coercible to NUMBER, FLOAT, DATE, TIMESTAMP...; a VARIANT to every
scalar type), sql-reference/operators-subquery ([NOT] IN, ANY / ALL), sql-reference/functions/in (NULL handling:
`x NOT IN (..., NULL)` is NULL, never TRUE). The docs do not say which operand converts in a comparison nor at what
scale: the emulator reads the VARCHAR as the other operand's type, at its scale, as `=` and an IN list do.
"""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect

# (typed column of T, text values matching row 1 and no row) for each kind compared with VARCHAR text
CASES = {
    "K": ("1", "3"),  # NUMBER
    "P": ("1.50", "9"),  # NUMBER(10,2): compared as numbers, '1.50' = 1.5
    "F": ("1.5", "9"),  # FLOAT
    "D": ("2024-01-01", "2023-12-31"),  # DATE
    "TS": ("2024-01-01 10:00:00", "2024-01-05 00:00:00"),  # TIMESTAMP_NTZ
    "L": ("2024-01-01 10:00:00", "2024-01-05 00:00:00"),  # TIMESTAMP_LTZ
    "S": ("1", "x"),  # VARCHAR with VARCHAR: unchanged
    "V": ("a", "x"),  # VARIANT: compared as its text
}


@pytest.fixture(scope="module")
def conn():
    """T: row 1 matches each case's first value, row 2 matches none, row 3 is all NULL; TXT_<col>: the values."""
    connection = connect(database="DB", schema="S")
    cur = connection.cursor()
    cur.execute("CREATE TABLE T (ID INT, K NUMBER, P NUMBER(10,2), F FLOAT, D DATE, TS TIMESTAMP_NTZ, "
                "L TIMESTAMP_LTZ, S VARCHAR, V VARIANT)")
    cur.execute("INSERT INTO T SELECT 1, 1, 1.5, 1.5, '2024-01-01', '2024-01-01 10:00:00', '2024-01-01 10:00:00', "
                "'1', PARSE_JSON('\"a\"')")
    cur.execute("INSERT INTO T SELECT 2, 2, 2.25, 2.0, '2024-01-02', '2024-01-02 00:00:00', '2024-01-02 00:00:00', "
                "'b', PARSE_JSON('2')")
    cur.execute("INSERT INTO T (ID) VALUES (3)")
    for column, values in CASES.items():
        cur.execute(f"CREATE TABLE TXT_{column} (X VARCHAR)")
        cur.execute(f"INSERT INTO TXT_{column} VALUES " + ", ".join(f"('{v}')" for v in values))
    cur.execute("CREATE TABLE W (S VARCHAR)")
    cur.execute("INSERT INTO W VALUES ('1'), ('1.0'), ('7')")
    yield connection
    connection.close()


def _ids(cur, where: str) -> list[int]:
    return [r[0] for r in cur.execute(f"SELECT ID FROM T WHERE {where} ORDER BY ID").fetchall()]


def _values(column: str) -> str:
    return " UNION ALL ".join(f"SELECT '{v}'" for v in CASES[column])


@pytest.mark.parametrize("column", list(CASES))
def test_text_subquery_matches_the_in_list(cur, column):
    """The subquery forms give the IN list's rows: VALUES, a table's VARCHAR column, a UNION."""
    listed = ", ".join(f"'{v}'" for v in CASES[column])
    values = "VALUES " + ", ".join(f"('{v}')" for v in CASES[column])
    assert _ids(cur, f"{column} IN ({listed})") == [1]
    assert _ids(cur, f"{column} NOT IN ({listed})") == [2]
    for query in (f"SELECT column1 FROM {values}", f"SELECT X FROM TXT_{column}", _values(column)):
        assert _ids(cur, f"{column} IN ({query})") == [1], query
        assert _ids(cur, f"{column} NOT IN ({query})") == [2], query
        assert _ids(cur, f"{column} = ANY ({query})") == [1], query
        assert _ids(cur, f"{column} <> ALL ({query})") == [2], query


def test_the_varchar_is_read_as_the_other_type_not_compared_as_text(cur):
    # '1.0' and '01' are 1 as numbers, not as text; '2024-01-01 00:00:00' is the date
    assert _ids(cur, "K IN (SELECT column1 FROM VALUES ('1.0'), ('01'))") == [1]
    assert _ids(cur, "D IN (SELECT '2024-01-02 00:00:00')") == [2]
    assert _ids(cur, "K > ANY (SELECT column1 FROM VALUES ('1'), ('5'))") == [2]
    assert _ids(cur, "K < ALL (SELECT column1 FROM VALUES ('2'), ('10'))") == [1]


def test_varchar_operand_against_a_typed_subquery(cur):
    cur.execute("SELECT S FROM W WHERE S IN (SELECT K FROM T WHERE K IS NOT NULL) ORDER BY S")
    assert cur.fetchall() == [("1",), ("1.0",)]
    cur.execute("SELECT S FROM W WHERE S NOT IN (SELECT K FROM T WHERE K IS NOT NULL)")
    assert cur.fetchall() == [("7",)]
    cur.execute("SELECT 1 WHERE '2024-01-02' IN (SELECT D FROM T)")
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT 1 WHERE '2024-01-01 10:00:00' IN (SELECT TS FROM T)")
    assert cur.fetchall() == [(1,)]


def test_variant_against_a_subquery(cur):
    # a VARIANT compares its value converted to the other side's type, as with `=` (both directions)
    assert _ids(cur, "V IN (SELECT column1 FROM VALUES ('a'))") == [1]
    assert _ids(cur, "V NOT IN (SELECT 'a')") == [2]
    assert _ids(cur, "K IN (SELECT V FROM T WHERE ID = 2)") == [2]
    assert _ids(cur, "K NOT IN (SELECT V FROM T WHERE ID = 2)") == [1]
    cur.execute("SELECT S FROM W WHERE S IN (SELECT V FROM T WHERE ID = 2) OR S = '7' ORDER BY S")
    assert cur.fetchall() == [("7",)]
    cur.execute("SELECT 1 WHERE '2' IN (SELECT V FROM T)")
    assert cur.fetchall() == [(1,)]
    flatten = "SELECT f.VALUE FROM TABLE(FLATTEN(INPUT => SPLIT('a,b', ','))) f"
    assert cur.execute(f"SELECT 1 WHERE 'a' IN ({flatten})").fetchall() == [(1,)]
    assert cur.execute(f"SELECT 1 WHERE 'c' NOT IN ({flatten})").fetchall() == [(1,)]
    assert cur.execute(f"SELECT 1 WHERE 'a' NOT IN ({flatten})").fetchall() == []


def test_nulls_follow_three_valued_logic(cur):
    assert cur.execute("SELECT 1 WHERE 1 NOT IN (SELECT NULL)").fetchall() == []
    assert cur.execute("SELECT 1 WHERE 1 IN (SELECT NULL)").fetchall() == []
    cur.execute("SELECT ID, K IN (SELECT column1 FROM VALUES ('1'), (NULL)), "
                "K NOT IN (SELECT column1 FROM VALUES ('3'), (NULL)), K NOT IN (SELECT column1 FROM VALUES ('3')), "
                "D NOT IN (SELECT X FROM TXT_D) FROM T ORDER BY ID")
    assert cur.fetchall() == [(1, True, None, True, False), (2, None, None, True, True), (3, None, None, None, None)]
    # a NULL in the subquery's column: IN still finds a match, NOT IN is never TRUE
    assert _ids(cur, "S IN (SELECT V FROM T)") == []  # S '1' / 'b' vs "a" / 2 / NULL
    assert _ids(cur, "K NOT IN (SELECT S FROM W UNION ALL SELECT NULL)") == []
    assert _ids(cur, "K IN (SELECT S FROM W UNION ALL SELECT NULL)") == [1]
    # an empty subquery: NOT IN is TRUE even for a NULL operand
    assert _ids(cur, "K NOT IN (SELECT X FROM TXT_K WHERE X = 'none')") == [1, 2, 3]


def test_tuples_compare_column_by_column(cur):
    assert _ids(cur, "(K, D) IN (SELECT '1', '2024-01-01')") == [1]
    assert _ids(cur, "(K, D) IN (SELECT '1', '2024-01-02')") == []
    assert _ids(cur, "(K, D) NOT IN (SELECT '1', '2024-01-02')") == [1, 2]


@pytest.mark.parametrize(("sql", "equals", "errno", "message"), [
    ("SELECT ID FROM T WHERE K IN (SELECT 'x')", "SELECT ID FROM T WHERE K = 'x'",
     100038, "Numeric value 'x' is not recognized"),
    ("SELECT ID FROM T WHERE K NOT IN (SELECT X FROM TXT_D)", "SELECT ID FROM T, TXT_D WHERE K = X",
     100038, "Numeric value '2024-01-01' is not recognized"),
    ("SELECT ID FROM T WHERE D IN (SELECT column1 FROM VALUES ('x'))", "SELECT ID FROM T WHERE D = 'x'",
     100040, "Date 'x' is not recognized"),
    ("SELECT ID FROM T WHERE TS = ANY (SELECT 'x')", "SELECT ID FROM T WHERE TS = 'x'",
     100035, "Timestamp 'x' is not recognized"),
    ("SELECT S FROM W WHERE S IN (SELECT D FROM T)", "SELECT W.S FROM W, T WHERE W.S = D",
     100040, "Date '1' is not recognized"),
])
def test_text_that_does_not_convert_fails_as_with_equals(cur, sql, equals, errno, message):
    for statement in (sql, equals):
        with pytest.raises(sf.ProgrammingError, match=message) as failed:
            cur.execute(statement)
        assert failed.value.errno == errno, statement


def test_text_wider_than_the_number_is_a_different_value(cur):
    # NUMBER(10,2) read at scale 2 with 38 digits: no overflow error for a longer text, just no match
    assert _ids(cur, "P IN (SELECT '123456789012')") == []
    assert _ids(cur, "P IN (SELECT '2.25')") == [2]


def test_number_of_unknown_scale_is_refused_by_name(cur):
    with pytest.raises(sf.NotSupportedError, match="NUMBER of unknown scale in IN / ANY / ALL"):
        cur.execute("SELECT ID FROM T WHERE TO_NUMBER(S, 10, 2) IN (SELECT X FROM TXT_K)")


@pytest.mark.parametrize("paramstyle", ["pyformat", "qmark"])
def test_bound_values(paramstyle):
    """A bound text or NULL against a VARCHAR column compares as text; against a VARIANT a bound value compares as
    text, as in an IN list (a number too)."""
    bound = connect(database="DB", schema="S", paramstyle=paramstyle)
    try:
        cur = bound.cursor()
        mark = "%s" if paramstyle == "pyformat" else "?"
        cur.execute("CREATE TABLE W (S VARCHAR)")
        cur.execute("INSERT INTO W VALUES ('1.0'), ('b')")
        for value, rows in (("b", [(1,)]), ("1", []), (None, [])):
            assert cur.execute(f"SELECT 1 WHERE {mark} IN (SELECT S FROM W)", [value]).fetchall() == rows
        assert cur.execute(f"SELECT S FROM W WHERE S IN (SELECT {mark})", ["b"]).fetchall() == [("b",)]
        flatten = "SELECT f.VALUE FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[1, \"a\"]'))) f"
        for value, rows in ((1, [(1,)]), ("a", [(1,)]), ("b", []), (None, [])):
            assert cur.execute(f"SELECT 1 WHERE {mark} IN ({flatten})", [value]).fetchall() == rows
        assert cur.execute(f"SELECT 1 WHERE {mark} NOT IN ({flatten})", ["b"]).fetchall() == [(1,)]
        # not emulated: a number bound against a VARCHAR subquery column (`=` would read the text as a number); refused
        # loudly by DuckDB's binder rather than compared as text
        with pytest.raises(sf.NotSupportedError):
            cur.execute(f"SELECT 1 WHERE {mark} IN (SELECT S FROM W)", [1])
    finally:
        bound.close()
