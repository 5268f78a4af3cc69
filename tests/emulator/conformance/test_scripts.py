"""Splitting scripts into statements (execute_string): literals, comments, $$ bodies and Scripting blocks.

The connector's own execute_string() does not parse Snowflake Scripting blocks: the docs tell users to wrap a block
in $$ ... $$ or quotes (docs: developer-guide/snowflake-scripting/running-examples). snowsim keeps a BEGIN ... END
block (and DECLARE ... BEGIN ... END) whole instead, so a script can be more lenient here than on the real connector.
"""

from snowsim.emulator.splitter import split_statements


def test_semicolons_in_literals_and_comments_do_not_split():
    """docs: python-connector-api (execute_string) - a ';' inside a string, identifier or comment is not a delimiter."""
    script = "select 'a;b' as \"x;y\"; -- c;d\nselect 2 /* e;f */; select $$ g;h $$"
    assert split_statements(script) == ["select 'a;b' as \"x;y\"", "-- c;d\nselect 2 /* e;f */", "select $$ g;h $$"]


def test_comment_only_pieces_are_dropped():
    """docs: python-connector-api (execute_string) - an empty or comment-only piece is not a statement."""
    assert split_statements("select 1;\n-- nothing else\n;  ;\n/* really */") == ["select 1"]


def test_transaction_statements_are_not_blocks():
    """docs: sql-reference/sql/begin - BEGIN [TRANSACTION|WORK] and BEGIN; are statements, not blocks."""
    script = "begin; insert into t values (1); commit; begin transaction; rollback; begin work; commit"
    assert split_statements(script) == ["begin", "insert into t values (1)", "commit", "begin transaction",
                                        "rollback", "begin work", "commit"]


def test_task_body_block_stays_whole():
    """docs: sql-reference/sql/create-task (AS with a Snowflake Scripting block)."""
    script = (
        "create table t (x int);\n"
        "create task tk schedule = '1 minute' as\n"
        "begin\n"
        "  insert into t values (1); -- inside\n"
        "  update t set x = case when x = 1 then 2 else x end;\n"
        "  if (1 = 1) then\n    insert into t values (3);\n  end if;\n"
        "end;\n"
        "select 1"
    )
    parts = split_statements(script)
    assert len(parts) == 3
    assert parts[1].startswith("create task tk") and parts[1].endswith("end if;\nend")
    assert parts[2] == "select 1"


def test_declare_section_belongs_to_its_block():
    """docs: developer-guide/snowflake-scripting/blocks - DECLARE ... BEGIN ... EXCEPTION ... END is one block."""
    script = ("create task tk as declare n int default 0; begin n := 1; insert into t values (:n); "
              "exception when other then return 'failed'; end; select 2")
    parts = split_statements(script)
    assert parts == [script[: script.index("; select 2")], "select 2"]


def test_nested_blocks_and_loops():
    """docs: developer-guide/snowflake-scripting/blocks - nested blocks, FOR/LOOP ... END FOR/LOOP."""
    script = ("execute task tk; create task t2 as begin for i in 1 to 3 do begin insert into t values (:i); end; "
              "end for; loop break; end loop; end; select 3")
    parts = split_statements(script)
    assert parts[0] == "execute task tk"
    assert parts[1].startswith("create task t2") and parts[1].endswith("end loop; end")
    assert parts[2] == "select 3"
