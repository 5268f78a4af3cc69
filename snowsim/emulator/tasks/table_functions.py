"""TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...)), COMPLETE_TASK_GRAPHS(...) and CURRENT_TASK_GRAPHS(...).

docs: sql-reference/functions/task_history, complete_task_graphs, current_task_graphs.
sqlglot parses `TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...))` as a TableFromRows node that the translator leaves
alone, and its columns would be unknown to the qualifier. So a query naming one of these functions is rewritten
before translation: the call becomes a subquery over a Snowflake-typed virtual view (plain DuckDB SQL over the
_snowsim history tables) with the arguments applied as WHERE / ORDER BY / LIMIT, and the rewritten query then goes
through the normal translator (and its plan cache).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.executor import query_command
from snowsim.emulator.identifiers import normalize
from snowsim.emulator.tasks import history
from snowsim.emulator.translate import VIRTUAL_VIEWS, parse

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.translate import Translator


@dataclass(frozen=True)
class _Function:
    view: str  # the virtual view's name in INFORMATION_SCHEMA
    arguments: dict[str, Callable[[str], str]]  # argument -> WHERE condition for its (Snowflake SQL) value
    order: str
    default_limit: int
    columns: dict[str, str]


def _error_states(states: tuple[str, ...]) -> Callable[[str], str]:
    listed = ", ".join(f"'{s}'" for s in states)
    return lambda value: f"(NOT ({value}) OR STATE IN ({listed}))"


_FUNCTIONS = {
    "TASK_HISTORY": _Function(
        "SNOWSIM$TASK_HISTORY",
        {
            "SCHEDULED_TIME_RANGE_START": lambda v: f"SCHEDULED_TIME >= ({v})",
            "SCHEDULED_TIME_RANGE_END": lambda v: f"SCHEDULED_TIME <= ({v})",
            "TASK_NAME": lambda v: f"UPPER(NAME) = UPPER({v})",  # docs: case-insensitive, unqualified names
            "ERROR_ONLY": _error_states((history.FAILED, history.FAILED_AND_AUTO_SUSPENDED, history.CANCELLED)),
            "ROOT_TASK_ID": lambda v: f"ROOT_TASK_ID = ({v})",
        },
        'SCHEDULED_TIME DESC, "SNOWSIM_ROW_ID" DESC',  # docs: newest SCHEDULED_TIME first
        100,
        history.TASK_HISTORY_TYPES,
    ),
    "COMPLETE_TASK_GRAPHS": _Function(
        "SNOWSIM$COMPLETE_TASK_GRAPHS",
        {
            "ROOT_TASK_NAME": lambda v: f"UPPER(ROOT_TASK_NAME) = UPPER({v})",
            "ERROR_ONLY": _error_states((history.FAILED, history.CANCELLED)),
        },
        'COMPLETED_TIME DESC, "SNOWSIM_ROW_ID" DESC',  # docs: descending COMPLETED_TIME; ties: see history.py
        1000,
        history.COMPLETE_GRAPHS_TYPES,
    ),
    "CURRENT_TASK_GRAPHS": _Function(
        "SNOWSIM$CURRENT_TASK_GRAPHS",
        {"ROOT_TASK_NAME": lambda v: f"UPPER(ROOT_TASK_NAME) = UPPER({v})"},
        'SCHEDULED_TIME DESC, "SNOWSIM_ROW_ID" DESC',  # docs: descending SCHEDULED_TIME; ties: see history.py
        1000,
        history.CURRENT_GRAPHS_TYPES,
    ),
}
MAX_RESULT_LIMIT = 10_000  # docs: RESULT_LIMIT range 1 - 10000


def _set_clock(conn: Connection) -> list[str]:
    return [f"SET VARIABLE {history.CLOCK_VARIABLE} = TIMESTAMP '{conn.clock.now().isoformat(sep=' ')}'"]


def _clocked(sql: Callable[[], str]) -> Callable[[Translator, str], str]:
    # The views read the virtual clock from a variable the plan binds as a literal on each run (a translator binder,
    # like time travel points): no SET VARIABLE statement per query (~0.3 ms). A naive TIMESTAMP literal, not the
    # statement's __now converted to UTC in each of the view's 8 comparisons (~0.25 ms more binding).
    def build(tr: Translator, database: str) -> str:
        tr.binders.append(_set_clock)
        return sql()

    return build


VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "SNOWSIM$TASK_HISTORY")] = (
    _clocked(history.task_history_sql),
    history.TASK_HISTORY_TYPES,
)
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "SNOWSIM$COMPLETE_TASK_GRAPHS")] = (
    _clocked(lambda: history.graph_runs_sql(current=False)),
    history.COMPLETE_GRAPHS_TYPES,
)
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "SNOWSIM$CURRENT_TASK_GRAPHS")] = (
    _clocked(lambda: history.graph_runs_sql(current=True)),
    history.CURRENT_GRAPHS_TYPES,
)

_NAMES = "|".join(_FUNCTIONS)
_CALLS = re.compile(rf"\bTABLE\s*\(\s*(?:[A-Za-z_\"][\w$\"]*\s*\.\s*){{0,2}}(?:{_NAMES})\s*\(", re.I)
# Only queries (SELECT / WITH / parenthesised) are rewritten; DDL that merely contains such a call is not ours.
_QUERY_PATTERN = rf"(?:SELECT|WITH|\()(?=[\s\S]*?{_CALLS.pattern})"

# Flushes the scheduler's buffered history before a query reads it (runtime.py installs it).
before_query: list[Callable[[Connection], None]] = []


def _call_parts(node: exp.TableFromRows) -> tuple[list[str], exp.Anonymous] | None:
    """(qualifier parts, function call) of TABLE([db.]INFORMATION_SCHEMA.fn(...)), or None for other functions."""
    target, parts = node.this, []
    while isinstance(target, exp.Dot):
        parts.insert(0, target.this)
        target = target.expression
    if not isinstance(target, exp.Anonymous) or str(target.this).upper() not in _FUNCTIONS:
        return None
    names: list[str] = []
    for part in parts:
        if isinstance(part, exp.Dot):  # db.INFORMATION_SCHEMA nests one more level
            names.extend(normalize(p) for p in (part.this, part.expression) if isinstance(p, exp.Identifier))
        elif isinstance(part, exp.Identifier):
            names.append(normalize(part))
    return names, target


def _replacement(session_database: str | None, session_schema: str | None,
                 node: exp.TableFromRows) -> exp.Expression | None:
    found = _call_parts(node)
    if found is None:
        return None
    qualifier, call = found
    name = str(call.this).upper()
    spec = _FUNCTIONS[name]
    if qualifier and qualifier[-1] != "INFORMATION_SCHEMA":
        raise errors.object_does_not_exist(".".join([*qualifier, name]), "Function")
    database = qualifier[0] if len(qualifier) == 2 else session_database
    if database is None and session_schema != "INFORMATION_SCHEMA":
        raise errors.ProgrammingError(
            msg="Cannot perform SELECT. This session does not have a current database. Call 'USE DATABASE', or use "
            "a qualified name.",
            errno=90105,
            sqlstate="22000",
        )
    conditions, limit = [], spec.default_limit
    for arg in call.expressions:
        if not isinstance(arg, exp.Kwarg):
            # Message NOT verified: these functions take named arguments only (docs: syntax).
            raise errors.compilation_error(1044, f"Invalid argument types for function '{name}'")
        key = arg.this.name.upper()
        value = arg.expression.sql(dialect="snowflake")
        if key == "RESULT_LIMIT":
            if not (isinstance(arg.expression, exp.Literal) and arg.expression.is_int):
                raise errors.compilation_error(1044, f"Invalid argument types for function '{name}'")
            limit = int(arg.expression.this)
            if not 1 <= limit <= MAX_RESULT_LIMIT:  # message NOT verified
                raise errors.compilation_error(
                    1008, f"invalid value [{limit}] for parameter 'RESULT_LIMIT' (range 1 - {MAX_RESULT_LIMIT})"
                )
        elif key in spec.arguments:
            conditions.append(spec.arguments[key](value))
        else:  # message NOT verified
            raise errors.compilation_error(1044, f"Invalid argument '{key}' for function '{name}'")
    view = f'{database}.INFORMATION_SCHEMA."{spec.view}"' if database else f'INFORMATION_SCHEMA."{spec.view}"'
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    # Columns are listed (not *) so the qualifier knows the subquery's columns; the internal row id only breaks
    # ties in the order.
    shown = ", ".join(c for c in spec.columns if c != "SNOWSIM_ROW_ID")
    inner = f"SELECT {shown} FROM {view}{where} ORDER BY {spec.order} LIMIT {limit}"
    alias = node.args.get("alias")
    subquery = exp.Subquery(this=sqlglot.parse_one(inner, read="snowflake"))
    if alias is not None:
        subquery.set("alias", alias)
    return subquery


# A poller repeats the same text: parsing and regenerating it costs ~2.5 ms. The result depends on the text and the
# session's database and schema only; errors are not cached (raised again on each call).
@lru_cache(maxsize=256)
def rewrite(sql: str, database: str | None, schema: str | None) -> str | None:
    """The query with every task table-function call replaced, or None when it names none."""
    tree = parse(sql)
    changed = False
    for node in list(tree.find_all(exp.TableFromRows)):
        replacement = _replacement(database, schema, node)
        if replacement is not None:
            node.replace(replacement)
            changed = True
    return tree.sql(dialect="snowflake") if changed else None


@query_command(_QUERY_PATTERN)
def task_table_function_query(conn: Connection, sql: str) -> str:
    """A query reading TASK_HISTORY / COMPLETE_TASK_GRAPHS / CURRENT_TASK_GRAPHS: the buffered runs written out,
    the query over the virtual views to run."""
    rewritten = rewrite(sql, conn.session.database, conn.session.schema)
    if rewritten is None:
        raise errors.not_supported("this use of a task table function", sql)
    for hook in before_query:
        hook(conn)
    if conn.scheduler is None:  # a scheduler created them with its History (3 statements, ~1 ms, on every poll)
        history.create_tables(conn.duck)
    return rewritten
