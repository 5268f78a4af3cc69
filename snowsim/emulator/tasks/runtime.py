"""Task runtime wiring: registers the task statements, system functions and table functions with the emulator.

Imported by snowsim.emulator.extensions at connect time. The scheduler itself is created per connection on first
use (statements.attach), so connect() stays cheap. docs: user-guide/tasks-intro.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snowsim.emulator import errors, extensions
from snowsim.emulator.executor import command
from snowsim.emulator.results import Result
from snowsim.emulator.tasks import ddl, statements, system_functions, table_functions
from snowsim.emulator.tasks.runs import GraphRun
from snowsim.emulator.tasks.scheduler import Scheduler
from snowsim.emulator.tasks.statements import attach

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

__all__ = ["GraphRun", "Scheduler", "attach"]


@command(ddl.TASK_STATEMENT_PATTERN)
def task_statement(conn: Connection, sql: str) -> Result:
    """CREATE / ALTER / DROP / EXECUTE TASK, SHOW TASKS, DESCRIBE TASK (matched before sqlglot parses SHOW/DESC)."""
    try:
        return statements.handle(conn, sql)
    except ddl.NotSupportedTaskConstruct as exc:  # the parser's errors surface as the connector's classes
        raise errors.NotSupportedError(msg=exc.msg, errno=-1, sqlstate="0A000") from None
    except ddl.TaskDDLError as exc:
        raise errors.ProgrammingError(msg=exc.msg, errno=exc.errno, sqlstate=exc.sqlstate) from None


def _set_return_value(conn: Connection, value: str | None) -> None:
    attach(conn).set_return_value(value)


def _flush(conn: Connection) -> None:
    if conn.scheduler is not None:
        conn.scheduler.flush()


def _on_connect(conn: Connection) -> None:
    # A reopened file (path=) with started tasks: their schedules go on from the catalog state.
    if any(obj.info.get("state") == "started" for obj in conn.catalog.all("TASK")):
        attach(conn)


extensions.CONNECT_HOOKS.append(_on_connect)
system_functions.set_return_value.append(_set_return_value)
system_functions.dependents_enable.append(statements.dependents_enable)
table_functions.before_query.append(_flush)
