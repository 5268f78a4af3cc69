"""`sim sql`: one-shot scripts, the shell on piped input, result formats, and Snowflake's error lines."""

from __future__ import annotations

import json

from snowsim.emulator import connect
from snowsim.tui.sql_shell import is_complete


def test_execute_prints_a_table(sim):
    result = sim("sql", "-e", "SELECT 1 AS ONE, 'x' AS LETTER, NULL AS NOTHING")
    assert result.exit_code == 0
    header = next(line for line in result.output.splitlines() if "ONE" in line)
    assert "LETTER" in header and "NOTHING" in header
    assert "NULL" in result.output and "1 row" in result.output


def test_execute_error_prints_snowflakes_line_and_fails(sim):
    result = sim("sql", "-e", "SELECT 1 AS A; SELECT * FROM NOPE; SELECT 2 AS B")
    assert result.exit_code == 1
    assert result.stderr.startswith("002003 (42S02): SQL compilation error:")
    assert "does not exist or not authorized" in result.stderr
    assert "sfqid" not in result.stderr
    assert " A " in result.stdout and " B " not in result.stdout  # stops at the first error


def test_db_file_of_a_run_is_opened_on_its_database(sim, tmp_path):
    path = tmp_path / "run.duckdb"
    conn = connect(path=str(path))
    for sql in ("CREATE DATABASE SHOP", "CREATE SCHEMA SHOP.RAW", "CREATE TABLE SHOP.RAW.T (A NUMBER, B VARCHAR)",
                "INSERT INTO SHOP.RAW.T VALUES (1, 'one'), (2, NULL)"):
        conn.cursor().execute(sql)
    conn.close()
    # the only database of the file becomes current: schema-qualified names are enough
    result = sim("sql", "--db", str(path), "-e", "SELECT * FROM RAW.T ORDER BY A", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["A,B", "1,one", "2,"]
    result = sim("sql", "--db", str(path), "-e", "SELECT * FROM RAW.T ORDER BY A", "-f", "json")
    assert json.loads(result.stdout) == [{"A": 1, "B": "one"}, {"A": 2, "B": None}]


def test_shell_reads_multi_line_statements_until_semicolon(sim):
    script = ("SELECT 1\n  + 2 AS THREE\n;\nSELECT 'a;b' AS S;\nSELECT 'multi\nline' AS M;\n"
              "\\q\nSELECT 'after quit' AS Q;\n")
    result = sim("sql", "-f", "csv", input=script)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == ["THREE", "3", "S", "a;b"]
    assert '"multi\nline"' in result.stdout
    assert "after quit" not in result.stdout


def test_shell_keeps_going_after_an_error(sim):
    result = sim("sql", "-f", "csv", input="SELECT * FROM NOPE;\nSELECT 5 AS FIVE;\n")
    assert "002003 (42S02)" in result.stderr
    assert result.stdout.splitlines() == ["FIVE", "5"]


def test_statement_without_semicolon_runs_at_end_of_input(sim):
    result = sim("sql", "-f", "csv", input="SELECT 7 AS SEVEN")
    assert result.stdout.splitlines() == ["SEVEN", "7"]


def test_completeness_ignores_semicolons_in_strings_and_comments():
    assert is_complete("select 1;")
    assert not is_complete("select 'a;")
    assert not is_complete("select 1 -- done;")
    assert not is_complete("select $$ ; $$")
    assert is_complete("select $$ ; $$;")


def test_results_wider_than_the_terminal_are_shown_one_block_per_row(sim, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    columns = ", ".join(f"'value {i}' AS COLUMN_NUMBER_{i}" for i in range(12))
    result = sim("sql", "-e", f"SELECT {columns}")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row 1 ─")
    assert lines[1].split() == ["COLUMN_NUMBER_0", "value", "0"]
    assert lines[-1] == "1 row"
