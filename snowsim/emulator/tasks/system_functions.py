"""Task system functions: SYSTEM$TASK_RUNTIME_INFO, SYSTEM$GET_PREDECESSOR_RETURN_VALUE, SYSTEM$CURRENT_USER_TASK_NAME,
SYSTEM$GET_TASK_GRAPH_CONFIG (read-only: rewritten into reads of one DuckDB MAP variable the runtime sets around each
task's WHEN and body), and SYSTEM$SET_RETURN_VALUE / SYSTEM$TASK_DEPENDENTS_ENABLE (calls with effects: commands).

docs: sql-reference/functions/system_task_runtime_info, system_get_predecessor_return_value, system_set_return_value,
system_current_user_task_name, system_get_task_graph_config, system_task_dependents_enable. Translations stay cached:
the values are read through getvariable() at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import split_name
from snowsim.emulator.results import Result
from snowsim.emulator.translate import REWRITES, Translator

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

VARIABLE = "__snowsim_task"
RUNTIME_INFO_KEYS = (
    "CURRENT_TASK_NAME",
    "CURRENT_ROOT_TASK_NAME",
    "CURRENT_ROOT_TASK_UUID",
    "CURRENT_TASK_GRAPH_RUN_GROUP_ID",
    "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP",
    "LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID",
    "LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP",
)
# The functions that read the published values (a body naming none of them runs without publishing them).
READ_FUNCTIONS = (
    "SYSTEM$TASK_RUNTIME_INFO",
    "SYSTEM$GET_PREDECESSOR_RETURN_VALUE",
    "SYSTEM$CURRENT_USER_TASK_NAME",
    "SYSTEM$GET_TASK_GRAPH_CONFIG",
)
USER_TASK_NAME, CONFIG, PREDECESSOR = "SNOWSIM:USER_TASK_NAME", "SNOWSIM:CONFIG", "PRED:"
MAX_RETURN_VALUE_BYTES = 10 * 1024  # docs: system_set_return_value, at most 10 kB

# The docs say these functions fail outside a task run but do not give the error; errno and text are NOT verified.
OUTSIDE_TASK_ERRNO, OUTSIDE_TASK_SQLSTATE = 91000, "22000"


def outside_task_message(function: str) -> str:
    """The (made-up) message for a task-only function called outside a task run."""
    return f"{function} can only be called from within a task run."


def outside_task_error(function: str) -> errors.ProgrammingError:
    """The error for SYSTEM$SET_RETURN_VALUE and friends outside a task run (errno/text NOT verified)."""
    return errors.ProgrammingError(
        msg=outside_task_message(function), errno=OUTSIDE_TASK_ERRNO, sqlstate=OUTSIDE_TASK_SQLSTATE
    )


def set_variable_sql(values: dict[str, str | None]) -> str:
    """The DuckDB statement publishing a task run's values to the rewritten functions."""
    items = ", ".join(f"{_text(k)}: {_text(v)}" for k, v in values.items())
    return f"SET VARIABLE {VARIABLE} = MAP {{{items}}}"


RESET_VARIABLE_SQL = f"RESET VARIABLE {VARIABLE}"


def _text(value: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if value is None else "'" + value.replace("'", "''") + "'"


def predecessor_keys(name_parts: tuple[str, str, str]) -> list[str]:
    """The lookup keys a predecessor's return value is published under: NAME, SCHEMA.NAME and DB.SCHEMA.NAME."""
    db, schema, name = name_parts
    return [PREDECESSOR + k for k in (name, f"{schema}.{name}", f"{db}.{schema}.{name}")]


# ---- rewrites ------------------------------------------------------------------------------------------------


def _lookup(key: str) -> str:
    return f"getvariable('{VARIABLE}')[{_text(key)}]"


def _in_task_only(function: str, value_sql: str) -> exp.Expression:
    marker = errors.runtime_marker(OUTSIDE_TASK_ERRNO, OUTSIDE_TASK_SQLSTATE, outside_task_message(function))
    sql = f"CASE WHEN getvariable('{VARIABLE}') IS NULL THEN error({_text(marker)}) ELSE {value_sql} END"
    return sqlglot.parse_one(sql, read="duckdb")


def _string_argument(node: exp.Anonymous, function: str, optional: bool = False) -> str | None:
    args = node.expressions
    if not args and optional:
        return None
    if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
        raise errors.compilation_error(1044, f"Invalid argument types for function '{function}'")
    return args[0].this


def _runtime_info(node: exp.Anonymous) -> exp.Expression:
    key = (_string_argument(node, "SYSTEM$TASK_RUNTIME_INFO") or "").upper()
    if key not in RUNTIME_INFO_KEYS:  # message NOT verified
        raise errors.compilation_error(1044, f"Invalid argument '{key}' for function 'SYSTEM$TASK_RUNTIME_INFO'")
    return _in_task_only("SYSTEM$TASK_RUNTIME_INFO", _lookup(key))


def _predecessor_value(node: exp.Anonymous) -> exp.Expression:
    name = _string_argument(node, "SYSTEM$GET_PREDECESSOR_RETURN_VALUE", optional=True)
    key = PREDECESSOR if name is None else PREDECESSOR + ".".join(split_name(name))
    return _in_task_only("SYSTEM$GET_PREDECESSOR_RETURN_VALUE", _lookup(key))


def _user_task_name(node: exp.Anonymous) -> exp.Expression:
    # docs: the name of the task currently executing; outside a task the docs are silent: NULL here.
    return sqlglot.parse_one(_lookup(USER_TASK_NAME), read="duckdb")


def _graph_config(node: exp.Anonymous) -> exp.Expression:
    path = _string_argument(node, "SYSTEM$GET_TASK_GRAPH_CONFIG", optional=True)
    config = _lookup(CONFIG)
    if path is None:
        return sqlglot.parse_one(config, read="duckdb")
    # a dotted path into the graph's CONFIG object; strings come back unquoted, objects as JSON text
    json_path = "$." + ".".join(f'"{p}"' for p in path.split("."))
    return sqlglot.parse_one(f"json_extract_string({config}, {_text(json_path)})", read="duckdb")


_REWRITES: dict[str, Callable[[exp.Anonymous], exp.Expression]] = {
    "SYSTEM$TASK_RUNTIME_INFO": _runtime_info,
    "SYSTEM$GET_PREDECESSOR_RETURN_VALUE": _predecessor_value,
    "SYSTEM$CURRENT_USER_TASK_NAME": _user_task_name,
    "SYSTEM$GET_TASK_GRAPH_CONFIG": _graph_config,
}


def _rewrite(node: exp.Expression, tr: Translator) -> exp.Expression:
    if isinstance(node, exp.Anonymous):
        fn = _REWRITES.get(str(node.this).upper())
        if fn is not None:
            return fn(node)
    return node


_rewrite.applies_to = (exp.Anonymous,)
REWRITES.append(_rewrite)


# ---- calls with effects ------------------------------------------------------------------------------------

# The runtime installs the implementations (it owns the running task and the task registry).
set_return_value: list[Callable[[Connection, str | None], None]] = []
dependents_enable: list[Callable[[Connection, str], None]] = []

_CALL = re.compile(r"^\s*(?:CALL|SELECT)\s+(SYSTEM\$\w+)\s*\((.*)\)\s*;?\s*$", re.I | re.S)


def _argument(conn: Connection, sql: str) -> tuple[str, str | None]:
    match = _CALL.match(sql)
    if match is None:
        raise errors.not_supported("this form of a task system function call", sql)
    name, argument = match.group(1).upper(), match.group(2).strip()
    if not argument:
        raise errors.compilation_error(1044, f"Invalid argument types for function '{name}'")
    cur = conn.cursor()
    cur.execute(f"SELECT CAST(({argument}) AS VARCHAR)")
    return name, cur.fetchone()[0]


@command(r"(?:CALL|SELECT)\s+SYSTEM\$SET_RETURN_VALUE\s*\(")
def call_set_return_value(conn: Connection, sql: str) -> Result:
    """SYSTEM$SET_RETURN_VALUE('value'): the running task's RETURN_VALUE, read by its successors."""
    name, value = _argument(conn, sql)
    if value is not None and len(value.encode()) > MAX_RETURN_VALUE_BYTES:  # message NOT verified
        raise errors.ProgrammingError(msg=f"{name} value exceeds the maximum size of 10 KB.", errno=OUTSIDE_TASK_ERRNO,
                                      sqlstate=OUTSIDE_TASK_SQLSTATE)
    if not set_return_value:
        raise outside_task_error(name)
    set_return_value[0](conn, value)
    return Result.table([name], [(None,)])  # docs do not show what the call returns


@command(r"(?:CALL|SELECT)\s+SYSTEM\$TASK_DEPENDENTS_ENABLE\s*\(")
def call_dependents_enable(conn: Connection, sql: str) -> Result:
    """SYSTEM$TASK_DEPENDENTS_ENABLE('db.sch.task'): resume a task and every task after it."""
    name, value = _argument(conn, sql)
    if value is None:
        raise errors.compilation_error(1044, f"Invalid argument types for function '{name}'")
    dependents_enable[0](conn, value)
    return Result.table([name], [(None,)])  # docs do not show what the call returns
