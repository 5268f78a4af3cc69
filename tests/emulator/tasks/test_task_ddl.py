"""Parsing task DDL into statement objects: CREATE / ALTER / DROP / EXECUTE / SHOW / DESCRIBE TASK."""

from __future__ import annotations

import pytest

from snowsim.emulator.tasks import ddl
from snowsim.emulator.tasks.ddl import (
    AlterAction,
    AlterTask,
    CreateTask,
    DescribeTask,
    DropTask,
    ExecuteTask,
    NotSupportedTaskConstruct,
    ShowTasks,
    TaskDDLError,
    is_task_statement,
    parse_task_statement,
)
from snowsim.emulator.tasks.model import (
    OverlapPolicy,
    TaskDefinition,
    TaskName,
    apply_set,
    apply_unset,
    apply_unset_tags,
)
from snowsim.emulator.tasks.schedule import CronSchedule, IntervalSchedule


def create(sql: str) -> TaskDefinition:
    statement = parse_task_statement(sql)
    assert isinstance(statement, CreateTask)
    return statement.definition


def alter(sql: str) -> AlterTask:
    statement = parse_task_statement(sql)
    assert isinstance(statement, AlterTask)
    return statement


def refusal(sql: str) -> TaskDDLError:
    with pytest.raises(TaskDDLError) as info:
        parse_task_statement(sql)
    return info.value


def syntax_error_at(sql: str) -> str:
    error = refusal(sql)
    assert (error.errno, error.sqlstate) == (1003, "42000")
    assert error.msg.startswith("SQL compilation error:\nsyntax error line ")
    return error.msg.split("\n", 1)[1]


# -- CREATE TASK ---------------------------------------------------------------------------------------------------

FULL = """CREATE OR REPLACE TASK mydb."My Schema".load_orders -- nightly
  WAREHOUSE = etl_wh
  SCHEDULE = 'USING CRON 0 1 * * * America/Los_Angeles'
  CONFIG = $${"environment": "production", "path": "/prod_directory/"}$$
  OVERLAP_POLICY = ALLOW_CHILD_OVERLAP
  TIMESTAMP_INPUT_FORMAT = 'YYYY-MM-DD HH24', TIMEZONE = 'UTC'
  USER_TASK_TIMEOUT_MS = 60000
  SUSPEND_TASK_AFTER_NUM_FAILURES = 3
  ERROR_INTEGRATION = my_notify
  COMMENT = 'loads orders; then ''merges'''
  TASK_AUTO_RETRY_ATTEMPTS = 2
  USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 60
  WHEN SYSTEM$STREAM_HAS_DATA('RAW_ORDERS_STREAM') AND CAST('1' AS BOOLEAN)
AS
  BEGIN
    INSERT INTO staging SELECT * FROM raw_orders_stream; -- keep ';' in strings: 'a;b'
    DELETE FROM staging WHERE note = 'AS; WHEN';
  END;"""


def test_create_task_reads_every_property() -> None:
    """docs: create-task — the full syntax: warehouse, schedule, config, overlap policy, parameters, WHEN, AS."""
    statement = parse_task_statement(FULL)
    assert isinstance(statement, CreateTask)
    assert (statement.or_replace, statement.if_not_exists) == (True, False)
    d = statement.definition
    assert (d.database, d.schema, d.name) == ("MYDB", "My Schema", "LOAD_ORDERS")
    assert d.warehouse == "ETL_WH"
    assert isinstance(d.schedule, CronSchedule) and d.schedule.time_zone == "America/Los_Angeles"
    assert d.config == '{"environment": "production", "path": "/prod_directory/"}'
    assert d.overlap_policy is OverlapPolicy.ALLOW_CHILD_OVERLAP
    assert d.session_parameters == {"TIMESTAMP_INPUT_FORMAT": "YYYY-MM-DD HH24", "TIMEZONE": "UTC"}
    assert (d.user_task_timeout_ms, d.suspend_task_after_num_failures) == (60000, 3)
    assert d.error_integration == "MY_NOTIFY"
    assert d.comment == "loads orders; then 'merges'"
    assert (d.task_auto_retry_attempts, d.user_task_minimum_trigger_interval_in_seconds) == (2, 60)
    assert d.when == "SYSTEM$STREAM_HAS_DATA('RAW_ORDERS_STREAM') AND CAST('1' AS BOOLEAN)"
    assert d.body == FULL[FULL.index("BEGIN") : FULL.rindex(";")]  # verbatim, comments included, final ';' dropped
    assert d.body.endswith("END") and "-- keep ';' in strings: 'a;b'" in d.body


def test_create_task_defaults() -> None:
    """docs: create-task — serverless, no schedule, NO_OVERLAP, 10 failures, 0 retries, 1 h timeout, 30 s trigger."""
    d = create("create task t as select 1")
    assert d == TaskDefinition(name="T", body="select 1")
    assert d.warehouse is None and d.schedule is None and d.when is None and d.after == ()
    assert d.overlap_policy is OverlapPolicy.NO_OVERLAP
    assert d.suspend_task_after_num_failures == 10
    assert d.task_auto_retry_attempts == 0
    assert d.user_task_timeout_ms == 3_600_000
    assert d.user_task_minimum_trigger_interval_in_seconds == 30


def test_identifiers_fold_unless_quoted() -> None:
    """docs: create-task (name) — unquoted identifiers are case-insensitive (stored UPPERCASE), quoted are exact."""
    d = create('CREATE TASK "Sch"."my task" AFTER a.b, "Root", s.x.y AS SELECT 1')
    assert (d.database, d.schema, d.name) == (None, "Sch", "my task")
    assert d.after == (TaskName("B", "A"), TaskName("Root"), TaskName("Y", "X", "S"))
    assert str(d.task_name) == '"Sch"."my task"'
    assert create('CREATE TASK "AS" AS SELECT 1').name == "AS"
    assert create('CREATE TASK "a""b" AS SELECT 1').name == 'a"b'


def test_child_task_after_several_predecessors() -> None:
    """docs: create-task example — CREATE TASK task5 AFTER task2, task3, task4 AS INSERT ..."""
    d = create("CREATE TASK task5\n  AFTER task2, task3, task4\nAS\n  INSERT INTO t1(ts) VALUES(CURRENT_TIMESTAMP);")
    assert [n.name for n in d.after] == ["TASK2", "TASK3", "TASK4"]
    assert d.body == "INSERT INTO t1(ts) VALUES(CURRENT_TIMESTAMP)"


def test_serverless_example_with_session_parameter() -> None:
    """docs: create-task example — SCHEDULE '60 MINUTES', TIMESTAMP_INPUT_FORMAT, initial size XSMALL."""
    d = create(
        "CREATE TASK t1\n  SCHEDULE = '60 MINUTES'\n  TIMESTAMP_INPUT_FORMAT = 'YYYY-MM-DD HH24'\n"
        "  USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'\nAS\n  INSERT INTO mytable(ts) VALUES(CURRENT_TIMESTAMP);"
    )
    assert d.schedule == IntervalSchedule("60 MINUTES", 3600)
    assert d.user_task_managed_initial_warehouse_size == "XSMALL"
    assert d.session_parameters == {"TIMESTAMP_INPUT_FORMAT": "YYYY-MM-DD HH24"}


def test_session_parameter_values_keep_their_text() -> None:
    """docs: create-task — any session parameter = value; strings unquoted, words UPPERCASE, numbers as written."""
    d = create("CREATE TASK t AUTOCOMMIT = true, STATEMENT_TIMEOUT_IN_SECONDS = -5 QUERY_TAG = 'Tag' "
               "CLIENT_TIMESTAMP_TYPE_MAPPING = timestamp_ltz AS SELECT 1")  # fmt: skip
    assert d.session_parameters == {
        "AUTOCOMMIT": "TRUE",
        "STATEMENT_TIMEOUT_IN_SECONDS": "-5",
        "QUERY_TAG": "Tag",
        "CLIENT_TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_LTZ",
    }


def test_when_condition_is_verbatim_and_may_hold_as_inside_parentheses() -> None:
    """docs: create-task — WHEN <boolean_expr>: SYSTEM$GET_PREDECESSOR_RETURN_VALUE with casts and comparisons."""
    d = create("CREATE TASK t AFTER p WHEN SYSTEM$GET_PREDECESSOR_RETURN_VALUE('P')::FLOAT < 0.2 /* x */\n"
               "  OR CAST(NULL AS BOOLEAN) AS SELECT 1")  # fmt: skip
    assert d.when == "SYSTEM$GET_PREDECESSOR_RETURN_VALUE('P')::FLOAT < 0.2 /* x */\n  OR CAST(NULL AS BOOLEAN)"


def test_body_forms() -> None:
    """docs: create-task — a single statement, a CALL, or Snowflake Scripting; $$-strings stay as written."""
    assert create("CREATE TASK t AS CALL my_unload_sp();").body == "CALL my_unload_sp()"
    assert (
        create("CREATE TASK t AS EXECUTE IMMEDIATE $$SELECT 1; SELECT 2$$").body
        == "EXECUTE IMMEDIATE $$SELECT 1; SELECT 2$$"
    )
    block = "DECLARE n INT; BEGIN n := 1; CALL p(:n); RETURN n; END"
    assert create(f"CREATE TASK t AS {block};").body == block


def test_second_statement_after_a_plain_body_is_a_syntax_error() -> None:
    """Only a Scripting block may contain ';' (docs: create-task, sql)."""
    assert (
        syntax_error_at("CREATE TASK t AS SELECT 1; SELECT 2")
        == "syntax error line 1 at position 27 unexpected 'SELECT'."
    )


def test_or_replace_and_if_not_exists() -> None:
    """docs: create-task — OR REPLACE and IF NOT EXISTS are mutually exclusive."""
    statement = parse_task_statement("CREATE TASK IF NOT EXISTS t AS SELECT 1")
    assert isinstance(statement, CreateTask) and statement.if_not_exists and not statement.or_replace
    error = refusal("CREATE OR REPLACE TASK IF NOT EXISTS t AS SELECT 1")
    assert "IF NOT EXISTS and OR REPLACE are incompatible" in error.msg


@pytest.mark.parametrize(("value", "policy"), [("TRUE", "ALLOW_CHILD_OVERLAP"), ("false", "NO_OVERLAP")])
def test_deprecated_allow_overlapping_execution_maps_to_overlap_policy(value: str, policy: str) -> None:
    """docs: alter-task usage notes — ALLOW_OVERLAPPING_EXECUTION TRUE/FALSE = ALLOW_CHILD_OVERLAP/NO_OVERLAP."""
    d = create(f"CREATE TASK t SCHEDULE = '5 MINUTES' ALLOW_OVERLAPPING_EXECUTION = {value} AS SELECT 1")
    assert d.overlap_policy == OverlapPolicy(policy)


def test_overlap_policy_values() -> None:
    """docs: create-task — OVERLAP_POLICY = NO_OVERLAP | ALLOW_CHILD_OVERLAP | ALLOW_ALL_OVERLAP."""
    assert (
        create("CREATE TASK t OVERLAP_POLICY = allow_all_overlap AS SELECT 1").overlap_policy
        is OverlapPolicy.ALLOW_ALL_OVERLAP
    )
    error = refusal("CREATE TASK t OVERLAP_POLICY = 'allow_all_overlap' AS SELECT 1")  # quoted: exact only (observed)
    assert error.msg == "SQL compilation error:\ninvalid value 'allow_all_overlap' for property 'OVERLAP_POLICY'"
    assert "BOGUS" in refusal("CREATE TASK t OVERLAP_POLICY = BOGUS AS SELECT 1").msg


def test_schedule_errors_come_through() -> None:
    """docs: create-task — SCHEDULE ranges and forms; refused with Snowflake's sentences."""
    assert (
        refusal("CREATE TASK t SCHEDULE = '5 SECONDS' AS SELECT 1").msg == "Cannot set schedule less than 10 seconds."
    )
    assert (
        refusal("CREATE TASK t SCHEDULE = '193 HOURS' AS SELECT 1").msg
        == "Cannot set schedule greater than 11,520 minutes."
    )
    invalid = "Invalid schedule was specified. Please refer to the docs on what constitutes a valid schedule."
    assert refusal("CREATE TASK t SCHEDULE = 'bad' AS SELECT 1").msg == invalid
    assert refusal("CREATE TASK t SCHEDULE = abc AS SELECT 1").msg == invalid
    assert create("CREATE TASK t SCHEDULE = '10 m' AS SELECT 1").schedule == IntervalSchedule("10 m", 600)


def test_config_must_be_a_json_object() -> None:
    """docs: create-task CONFIG — a string representation in valid JSON format; $$ or '' quoting."""
    assert create("""CREATE TASK t CONFIG = '{"learning_rate": 0.1}' AS SELECT 1""").config == '{"learning_rate": 0.1}'
    sentence = "Invalid config. Must be a string representation of a valid JSON Object."
    for bad in ("'bad'", "'[1, 2]'", "$$1$$", "abc"):
        assert refusal(f"CREATE TASK t CONFIG = {bad} AS SELECT 1").msg == sentence


@pytest.mark.parametrize(
    ("assignment", "shown"),
    [
        ("USER_TASK_TIMEOUT_MS = -5", "[-5] for parameter 'USER_TASK_TIMEOUT_MS'"),
        ("USER_TASK_TIMEOUT_MS = '5000'", "['5000'] for parameter 'USER_TASK_TIMEOUT_MS'"),
        ("USER_TASK_TIMEOUT_MS = 604800001", "[604,800,001] for parameter 'USER_TASK_TIMEOUT_MS'"),
        ("SUSPEND_TASK_AFTER_NUM_FAILURES = -1", "[-1] for parameter 'SUSPEND_TASK_AFTER_NUM_FAILURES'"),
        ("TASK_AUTO_RETRY_ATTEMPTS = 31", "[31] for parameter 'TASK_AUTO_RETRY_ATTEMPTS'"),
        (
            "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 9",
            "[9] for parameter 'USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS'",
        ),
        ("COMMENT = 5", "[5] for parameter 'COMMENT'"),
        (
            "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'HUGE'",
            "[HUGE] for parameter 'USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE'",
        ),
    ],
)
def test_parameter_values_outside_their_range(assignment: str, shown: str) -> None:
    """docs: create-task "Values:" ranges; message shape 001008 (22023) invalid value [..] for parameter '..'."""
    error = refusal(f"CREATE TASK t {assignment} AS SELECT 1")
    assert (error.errno, error.sqlstate) == (1008, "22023")
    assert error.msg == f"SQL compilation error:\ninvalid value {shown}"


def test_parameter_values_at_their_limits() -> None:
    """docs: create-task — timeout 0-604800000, retries 0-30, trigger interval 10-604800, failures 0 disables."""
    d = create("CREATE TASK t USER_TASK_TIMEOUT_MS = 604800000 TASK_AUTO_RETRY_ATTEMPTS = 30 "
               "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10 SUSPEND_TASK_AFTER_NUM_FAILURES = 0 AS SELECT 1")  # fmt: skip
    assert (d.user_task_timeout_ms, d.task_auto_retry_attempts) == (604_800_000, 30)
    assert (d.user_task_minimum_trigger_interval_in_seconds, d.suspend_task_after_num_failures) == (10, 0)


def test_warehouse_properties() -> None:
    """docs: create-task — WAREHOUSE = <string>; initial size XSMALL..XXLARGE (warehouse-size spellings accepted)."""
    assert create('CREATE TASK t WAREHOUSE = "Etl wh" AS SELECT 1').warehouse == "Etl wh"
    assert create("CREATE TASK t WAREHOUSE = etl AS SELECT 1").warehouse == "ETL"
    for written, stored in (("'X-Small'", "XSMALL"), ("xxlarge", "XXLARGE"), ("'X2LARGE'", "XXLARGE")):
        sql = f"CREATE TASK t USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = {written} AS SELECT 1"
        assert create(sql).user_task_managed_initial_warehouse_size == stored


def test_duplicate_property_is_refused() -> None:
    """Observed (non-doc): the same property named twice is refused."""
    error = refusal("CREATE TASK t COMMENT = 'a' COMMENT = 'b' AS SELECT 1")
    assert error.msg == "SQL compilation error:\nduplicate property 'COMMENT';"


def test_single_task_rules() -> None:
    """docs: create-task — WAREHOUSE excludes the initial size; a child or finalizer task cannot have a schedule."""
    assert (
        "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE"
        in refusal("CREATE TASK t WAREHOUSE = wh USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'SMALL' AS SELECT 1").msg
    )
    assert "child tasks" in refusal("CREATE TASK t SCHEDULE = '5 MINUTES' AFTER root AS SELECT 1").msg
    assert "finalizer" in refusal("CREATE TASK t SCHEDULE = '5 MINUTES' FINALIZE = root AS SELECT 1").msg
    assert create("CREATE TASK fin FINALIZE = my_root_task AS CALL cleanup()").finalize == TaskName("MY_ROOT_TASK")


def test_tags_are_read() -> None:
    """docs: create-task — [ WITH ] TAG ( tag_name = 'tag_value' [ , ... ] )."""
    d = create("CREATE TASK t WITH TAG (gov.cost_center = 'finance', owner = 'me') SCHEDULE = '5 M' AS SELECT 1")
    assert d.tags == {"GOV.COST_CENTER": "finance", "OWNER": "me"}
    assert create("CREATE TASK t TAG (a = 'b') AS SELECT 1").tags == {"A": "b"}


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("CREATE TASK t CLONE s", "CREATE TASK ... CLONE"),
        ("CREATE OR ALTER TASK t AS SELECT 1", "CREATE OR ALTER TASK"),
        ("CREATE TASK t WITH CONTACT (steward = me) AS SELECT 1", "WITH CONTACT"),
        ("CREATE TASK t EXECUTE AS USER bob AS SELECT 1", "EXECUTE AS USER"),
        ("SHOW TASKS IN APPLICATION app", "SHOW TASKS IN APPLICATION"),
        ("ALTER TASK t SET CONTACT steward = me", "ALTER TASK ... SET CONTACT"),
    ],
)
def test_constructs_not_emulated_are_named(sql: str, construct: str) -> None:
    """Valid Snowflake syntax that snowsim does not emulate fails loudly, naming the construct."""
    with pytest.raises(NotSupportedTaskConstruct) as info:
        parse_task_statement(sql)
    assert info.value.construct == construct
    assert construct in str(info.value)


# -- syntax errors -------------------------------------------------------------------------------------------------


def test_syntax_errors_give_line_and_position() -> None:
    """001003 (42000): 'syntax error line L at position P unexpected 'X'.' (position counted from 0 in the line)."""
    assert syntax_error_at("CREATE TASK t AS") == "syntax error line 1 at position 16 unexpected '<EOF>'."
    assert syntax_error_at("DROP TASK") == "syntax error line 1 at position 9 unexpected '<EOF>'."
    assert (
        syntax_error_at("CREATE TASK t\n  SCHEDULE '5 M' AS SELECT 1")
        == "syntax error line 2 at position 11 unexpected ''5 M''."
    )
    assert (
        syntax_error_at("CREATE TASK select AS SELECT 1") == "syntax error line 1 at position 12 unexpected 'select'."
    )
    assert syntax_error_at("CREATE TASK t WHEN AS SELECT 1") == "syntax error line 1 at position 19 unexpected 'AS'."
    assert syntax_error_at("ALTER TASK t FLY") == "syntax error line 1 at position 13 unexpected 'FLY'."
    assert syntax_error_at("ALTER TASK t RESUME NOW") == "syntax error line 1 at position 20 unexpected 'NOW'."
    assert syntax_error_at("ALTER TASK t UNSET COMMENT = 'x'") == "syntax error line 1 at position 27 unexpected '='."
    assert syntax_error_at("SHOW TASKS LIMIT 1.5").endswith("unexpected '1.5'.")
    assert syntax_error_at("CREATE TASK t COMMENT = 'open AS SELECT 1").endswith("unexpected '<EOF>'.")


def test_error_text_and_factory_indirection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors print like the connector's ('001003 (42000): ...') and go through a replaceable factory."""
    assert (
        str(refusal("DROP TASK"))
        == "001003 (42000): SQL compilation error:\nsyntax error line 1 at position 9 unexpected '<EOF>'."
    )

    class CoreError(Exception):
        def __init__(self, errno: int, sqlstate: str, msg: str) -> None:
            super().__init__(msg)
            self.errno = errno

    monkeypatch.setattr(ddl, "error_factory", CoreError)
    with pytest.raises(CoreError) as info:
        parse_task_statement("CREATE TASK t SCHEDULE = '1 DAY' AS SELECT 1")
    assert (
        str(info.value)
        == "Invalid schedule was specified. Please refer to the docs on what constitutes a valid schedule."
    )
    with pytest.raises(CoreError):
        parse_task_statement("DROP TASK")


# -- ALTER TASK ----------------------------------------------------------------------------------------------------


def test_alter_resume_suspend() -> None:
    """docs: alter-task — ALTER TASK [ IF EXISTS ] <name> RESUME | SUSPEND."""
    assert alter("ALTER TASK IF EXISTS db.s.t RESUME") == AlterTask(TaskName("T", "S", "DB"), AlterAction.RESUME, True)
    assert alter("alter task t suspend;").action is AlterAction.SUSPEND


def test_alter_set_and_unset_round_trip() -> None:
    """docs: alter-task — SET properties separated by blanks or commas; UNSET resets them to the defaults."""
    original = create("CREATE TASK t SCHEDULE = '5 MINUTES' AS SELECT 1")
    set_ = alter("ALTER TASK t SET SCHEDULE = 'USING CRON */3 * * * * UTC', COMMENT = 'x'\n"
                 "  TIMEZONE = 'America/Los_Angeles', CLIENT_TIMESTAMP_TYPE_MAPPING = TIMESTAMP_LTZ "
                 "ALLOW_OVERLAPPING_EXECUTION = TRUE FINALIZE = other")  # fmt: skip
    assert set_.action is AlterAction.SET
    changed = apply_set(original, set_.properties)
    assert changed.schedule.expression == "*/3 * * * *"
    assert changed.comment == "x" and changed.finalize == TaskName("OTHER")
    assert changed.overlap_policy is OverlapPolicy.ALLOW_CHILD_OVERLAP
    assert changed.session_parameters == {
        "TIMEZONE": "America/Los_Angeles",
        "CLIENT_TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_LTZ",
    }
    unset = alter("ALTER TASK t UNSET schedule, COMMENT, TIMEZONE, ALLOW_OVERLAPPING_EXECUTION, FINALIZE")
    assert unset.names == ("SCHEDULE", "COMMENT", "TIMEZONE", "ALLOW_OVERLAPPING_EXECUTION", "FINALIZE")
    restored = apply_unset(changed, unset.names)
    assert restored.schedule is None and restored.comment is None and restored.finalize is None
    assert restored.overlap_policy is OverlapPolicy.NO_OVERLAP
    assert restored.session_parameters == {"CLIENT_TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_LTZ"}
    assert restored.body == "SELECT 1"


def test_alter_set_refuses_what_create_refuses() -> None:
    """docs: alter-task — SET takes the CREATE TASK properties, with the same value rules."""
    assert refusal("ALTER TASK t SET SCHEDULE = '200 HOURS'").msg == "Cannot set schedule greater than 11,520 minutes."
    assert syntax_error_at("ALTER TASK t SET") == "syntax error line 1 at position 16 unexpected '<EOF>'."


def test_alter_tags() -> None:
    """docs: alter-task — SET TAG name = 'value' [, ...] and UNSET TAG name [, ...]."""
    d = create("CREATE TASK t TAG (a = 'x', b = 'y') AS SELECT 1")
    set_tag = alter("ALTER TASK t SET TAG c = 'z'")
    assert set_tag.action is AlterAction.SET_TAG
    d = apply_set(d, set_tag.properties)
    unset_tag = alter("ALTER TASK t UNSET TAG a, c")
    assert unset_tag.action is AlterAction.UNSET_TAG and unset_tag.names == ("A", "C")
    assert apply_unset_tags(d, unset_tag.names).tags == {"B": "y"}


def test_alter_predecessors() -> None:
    """docs: alter-task examples — REMOVE AFTER pred_task1, pred_task2; ADD AFTER pred_task3."""
    removed = alter("ALTER TASK mytask REMOVE AFTER pred_task1, pred_task2")
    assert removed.action is AlterAction.REMOVE_AFTER
    assert removed.after == (TaskName("PRED_TASK1"), TaskName("PRED_TASK2"))
    added = alter("ALTER TASK mytask ADD AFTER pred_task3")
    assert (added.action, added.after) == (AlterAction.ADD_AFTER, (TaskName("PRED_TASK3"),))


def test_alter_modify_and_remove_when() -> None:
    """docs: alter-task — MODIFY AS <sql>, MODIFY WHEN <boolean_expr>, REMOVE WHEN."""
    modified = alter("ALTER TASK t MODIFY AS\n  BEGIN SELECT 1; SELECT 'x;y'; END;")
    assert (modified.action, modified.body) == (AlterAction.MODIFY_AS, "BEGIN SELECT 1; SELECT 'x;y'; END")
    when = alter("ALTER TASK t MODIFY WHEN SYSTEM$STREAM_HAS_DATA('S') OR NOT SYSTEM$STREAM_HAS_DATA('T');")
    assert (when.action, when.when) == (
        AlterAction.MODIFY_WHEN,
        "SYSTEM$STREAM_HAS_DATA('S') OR NOT SYSTEM$STREAM_HAS_DATA('T')",
    )
    assert alter("ALTER TASK t REMOVE WHEN").action is AlterAction.REMOVE_WHEN


# -- DROP / EXECUTE / SHOW / DESCRIBE -----------------------------------------------------------------------------


def test_drop_task() -> None:
    """docs: drop-task — DROP TASK [ IF EXISTS ] <name>."""
    assert parse_task_statement("DROP TASK IF EXISTS s.t;") == DropTask(TaskName("T", "S"), True)
    assert parse_task_statement('drop task "t"') == DropTask(TaskName("t"), False)


def test_execute_task_forms() -> None:
    """docs: execute-task — EXECUTE TASK <name> [ USING CONFIG = ... ] [ AWAIT ] | RETRY LAST | RETRY GRAPH RUN GROUP."""
    assert parse_task_statement("EXECUTE TASK root") == ExecuteTask(TaskName("ROOT"))
    using = parse_task_statement(
        'EXECUTE TASK root USING CONFIG = $${"learning_rate": 0.2, "environment": "testing"}$$'
    )
    assert using == ExecuteTask(TaskName("ROOT"), config='{"learning_rate": 0.2, "environment": "testing"}')
    assert parse_task_statement("EXECUTE TASK root AWAIT").await_completion
    assert parse_task_statement("execute task db.s.root retry last") == ExecuteTask(
        TaskName("ROOT", "S", "DB"), retry_last=True
    )
    group = parse_task_statement("EXECUTE TASK root RETRY GRAPH RUN GROUP 'abc-123'")
    assert group.retry_graph_run_group == "abc-123"
    assert refusal("EXECUTE TASK root USING CONFIG = 'nope'").msg.startswith("Invalid config.")
    assert syntax_error_at("EXECUTE TASK root RETRY") == "syntax error line 1 at position 23 unexpected '<EOF>'."


def test_show_tasks_forms() -> None:
    """docs: show-tasks — [TERSE] [LIKE] [IN ACCOUNT | DATABASE [db] | [SCHEMA] [sch]] [STARTS WITH] [ROOT ONLY] [LIMIT]."""
    assert parse_task_statement("SHOW TASKS") == ShowTasks()
    assert parse_task_statement("show tasks like '%load%' in account") == ShowTasks(like="%load%", scope="ACCOUNT")
    assert parse_task_statement("SHOW TASKS IN DATABASE") == ShowTasks(scope="DATABASE")
    assert parse_task_statement("SHOW TASKS IN DATABASE mydb ROOT ONLY") == ShowTasks(
        scope="DATABASE", scope_name=("MYDB",), root_only=True
    )
    assert parse_task_statement('SHOW TASKS IN SCHEMA db."s"') == ShowTasks(scope="SCHEMA", scope_name=("DB", "s"))
    assert parse_task_statement("SHOW TASKS IN sch") == ShowTasks(scope="SCHEMA", scope_name=("SCH",))
    assert parse_task_statement("SHOW TERSE TASKS STARTS WITH 'LO' LIMIT 10 FROM 'LOAD'") == ShowTasks(
        terse=True, starts_with="LO", limit=10, limit_from="LOAD"
    )


def test_describe_task() -> None:
    """docs: desc-task — DESC[RIBE] TASK <name>."""
    assert parse_task_statement("DESCRIBE TASK t") == DescribeTask(TaskName("T"))
    assert parse_task_statement('desc task s."T x"') == DescribeTask(TaskName("T x", "S"))


def test_is_task_statement() -> None:
    """The dispatcher's cheap check: task DDL only, comments and case ignored."""
    for sql in ("create or replace task t as select 1", "-- c\nALTER TASK t RESUME", "/* x */ DROP TASK t",
                "EXECUTE  TASK t", "SHOW TERSE TASKS", "desc task t", "DESCRIBE TASK t", "CREATE OR ALTER TASK t AS SELECT 1"):  # fmt: skip
        assert is_task_statement(sql), sql
    for sql in ("SELECT 1", "CREATE TABLE task (x INT)", "SHOW TABLES", "EXECUTE IMMEDIATE 'x'", "CREATE TASKS"):
        assert not is_task_statement(sql), sql
