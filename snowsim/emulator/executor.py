"""Statement dispatch: SQL text -> a cached plan -> a Result.

Snowflake-only statements that sqlglot parses as opaque Commands (STREAM, TASK, STAGE, ...) are routed by their
leading keywords to the modules that own them (COMMANDS); everything else goes through the sqlglot tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from snowsim.emulator import ddl, dml, errors
from snowsim.emulator.prepared import send
from snowsim.emulator.results import Result, shape
from snowsim.emulator.run_texts import texts
from snowsim.emulator.translate import Translation, parse
from snowsim.emulator.variables import bind_sql

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

# Leading-keyword handlers for statements sqlglot does not model: (regex, handler(conn, sql) -> Result).
COMMANDS: list[tuple[re.Pattern[str], Callable[[Connection, str], Result]]] = []
# Handlers for SHOW <what> / DESCRIBE <kind>, registered by the modules owning the object kinds.
SHOW: dict[str, Callable[[Connection, str], Result]] = {}


def command(pattern: str) -> Callable:
    """Register a handler for statements whose text matches `pattern` (case-insensitive, anchored at the start)."""

    def wrap(fn: Callable[[Connection, str], Result]) -> Callable[[Connection, str], Result]:
        COMMANDS.append((re.compile(r"^\s*" + pattern, re.I | re.S), fn))
        return fn

    return wrap


def query_command(pattern: str) -> Callable:
    """Register a handler for queries that need work before they are translated: it does that work and returns the
    query to translate and run instead (e.g. TASK_HISTORY: write out the buffered runs, name the virtual view)."""

    def wrap(fn: Callable[[Connection, str], str]) -> Callable[[Connection, str], str]:
        def run(conn: Connection, sql: str) -> Result:
            return conn.plan_for(fn(conn, sql)).run(conn, [])

        run.query = fn  # read by plan(): Connection.run_async runs the returned query in the background
        COMMANDS.append((re.compile(r"^\s*" + pattern, re.I | re.S), run))
        return fn

    return wrap


@dataclass
class QueryPlan:
    """A SELECT (or other read-only statement) translated to DuckDB."""

    translation: Translation
    writes = False
    _shape: tuple | None = None  # result metadata, computed on the first run (a translation's types are fixed)
    speculate: bool = True  # run with the macros' stand-ins first (speculation.py); False once a value needed the full ones
    hot: bool = False  # built for a statement that repeats (Connection.run, HOT_AFTER)
    uses: int = 0  # runs after the first, while not hot

    def run(self, conn: Connection, params: list[Any]) -> Result:
        """Execute and materialise the result."""
        values = conn.run_values(self.translation, dml=False)
        cur = send(conn, self.template(conn, values), values, params, self.translation.flatten)
        return self.shaped(cur.fetchall(), lambda: ([d[0] for d in cur.description], [str(d[1]) for d in cur.description]))

    def shaped(self, rows: list[tuple], describe: Callable[[], tuple[list[str], list[str]]]) -> Result:
        """The rows as a Result; describe() gives (names, DuckDB types) on the first run only (the types are fixed)."""
        if self._shape is None:
            self._shape = shape(*describe())
        return Result.with_shape(self._shape, rows)

    def template(self, conn: Connection, values: dict[str, str]) -> str:
        """The DuckDB SQL of one run, before its per-run values (Connection.run_values) are put in (bind_sql)."""
        return texts(conn, self.translation, values, [self.translation.sql])[0]

    def text(self, conn: Connection, values: dict[str, str]) -> str:
        """The DuckDB SQL of one run, with its per-run values in place."""
        return bind_sql(self.template(conn, values), values)


@dataclass
class CallPlan:
    """A statement run by Python code (DDL, commands) each time; `writes` opens a statement transaction."""

    fn: Callable[[Connection], Result]
    writes: bool = False
    query: Callable[[Connection], str] | None = None  # a query_command's: the query it runs, after its work

    def run(self, conn: Connection, params: list[Any]) -> Result:
        """Run the handler."""
        return self.fn(conn)


def _ddl(fn: Callable[[Connection], Result]) -> CallPlan:
    # DDL commits the open transaction first, as Snowflake does (docs: sql-reference/transactions#ddl)
    def run(conn: Connection) -> Result:
        conn.txns.commit()
        return fn(conn)

    return CallPlan(run)


def plan(conn: Connection, sql: str, hot: bool = False) -> Any:
    """Build the plan for one statement; `hot`: for a statement that runs again and again (Connection.run)."""
    for pattern, handler in COMMANDS:
        if pattern.match(sql):
            query = getattr(handler, "query", None)
            return CallPlan(lambda c, h=handler: h(c, sql), writes=False,
                            query=None if query is None else (lambda c, q=query: q(c, sql)))
    built = _plan(conn, sql, parse(sql), hot)
    if hot and hasattr(built, "hot"):
        built.hot = True
    return built


def _plan(conn: Connection, sql: str, tree: exp.Expression, hot: bool) -> Any:
    tr = conn.translator()
    tr.begin(sql)
    tr.prune = hot
    if isinstance(tree, exp.Query):
        return QueryPlan(tr.finish(tr.query(tree)))
    if isinstance(tree, exp.Insert):
        return dml.plan_insert(tr, tree)
    if isinstance(tree, exp.Update):
        return dml.plan_update(tr, tree)
    if isinstance(tree, exp.Delete):
        return dml.plan_delete(tr, tree)
    if isinstance(tree, exp.Merge):
        return dml.plan_merge(tr, tree)
    if isinstance(tree, exp.TruncateTable):
        tables = tree.expressions
        if len(tables) != 1:
            raise errors.not_supported("TRUNCATE of several tables", sql)
        return dml.plan_truncate(tr, tables[0])
    if isinstance(tree, exp.Transaction):
        return CallPlan(lambda c: (c.txns.begin(), Result.message("status", "Statement executed successfully."))[1])
    if isinstance(tree, exp.Commit):
        return CallPlan(lambda c: (c.txns.commit(), Result.message("status", "Statement executed successfully."))[1])
    if isinstance(tree, exp.Rollback):
        return CallPlan(lambda c: (c.txns.rollback(), Result.message("status", "Statement executed successfully."))[1])
    if isinstance(tree, exp.Create):
        return _plan_create(conn, tree, sql)
    if isinstance(tree, exp.Drop):
        return _ddl(lambda c: ddl.drop(c, tree))
    if isinstance(tree, exp.Alter):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "TABLE":
            return _ddl(lambda c: ddl.alter_table(c, tree))
        if kind == "SESSION":
            return CallPlan(lambda c: ddl.alter_session(c, tree))
        raise errors.not_supported(f"ALTER {kind}", sql)
    if isinstance(tree, exp.Use):
        return CallPlan(lambda c: ddl.use(c, tree))
    if isinstance(tree, exp.Set):
        return CallPlan(lambda c: ddl.set_variables(c, tree))
    if isinstance(tree, (exp.Show, exp.Describe)):
        what = _show_key(tree)
        handler = SHOW.get(what)
        if handler is None:
            raise errors.not_supported(f"{'SHOW' if isinstance(tree, exp.Show) else 'DESCRIBE'} {what}", sql)
        return CallPlan(lambda c: handler(c, sql))
    if isinstance(tree, exp.Command):
        raise errors.not_supported(f"the statement {tree.name.upper()} {str(tree.expression)[:40]}".strip(), sql, 0)
    raise errors.not_supported(f"{type(tree).__name__.upper()} statements", sql, 0)


def _show_key(tree: exp.Expression) -> str:
    if isinstance(tree, exp.Show):
        return tree.name.upper()
    kind = (tree.args.get("kind") or "TABLE").upper()
    return f"DESCRIBE {kind}"


def _plan_create(conn: Connection, tree: exp.Create, sql: str) -> CallPlan:
    kind = (tree.args.get("kind") or "").upper()
    if kind == "DATABASE":
        name = ddl.normalize(tree.this.this)
        comment = ddl._properties(tree).get("COMMENT")
        return _ddl(lambda c: ddl.create_database(c, name, bool(tree.args.get("replace")), bool(tree.args.get("exists")), comment))
    if kind == "SCHEMA":
        table = tree.this
        sch = ddl.normalize(table.args["db"]) if table.args.get("db") else ddl.normalize(table.this)
        db_ident = table.args.get("catalog")

        def run(c: Connection) -> Result:
            db = ddl.normalize(db_ident) if db_ident else c.session.database
            if db is None:
                raise errors.ProgrammingError(msg="Cannot perform CREATE SCHEMA. This session does not have a current "
                                              "database. Call 'USE DATABASE', or use a qualified name.", errno=90105,
                                              sqlstate="22000")
            return ddl.create_schema(c, db, sch, bool(tree.args.get("replace")), bool(tree.args.get("exists")))

        return _ddl(run)
    if kind == "TABLE":
        return _ddl(lambda c: _with_statement(c, sql, lambda: ddl.create_table(c, tree)))
    if kind == "VIEW":
        return _ddl(lambda c: _with_statement(c, sql, lambda: ddl.create_view(c, tree)))
    raise errors.not_supported(f"CREATE {kind}", sql, 0)


def _with_statement(conn: Connection, sql: str, fn: Callable[[], Result]) -> Result:
    conn.statement_text = sql
    return fn()

