"""The emulator's connection: snowflake.connector's surface on an embedded DuckDB."""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import duckdb
import snowflake.connector
from snowflake.connector.constants import QueryStatus
from sqlglot import exp

from snowsim.emulator import errors, extensions, session_commands, streams  # noqa: F401  (they register handlers)
from snowsim.emulator.background import TEMP_PREFIX, AsyncQueries, Submitted
from snowsim.emulator.catalog import Catalog
from snowsim.emulator.clock import Clock, SystemClock
from snowsim.emulator.cursor import Cursor
from snowsim.emulator.dml import is_insert_only_miss
from snowsim.emulator.executor import QueryPlan, plan
from snowsim.emulator.identifiers import normalize
from snowsim.emulator.macros import install_macros
from snowsim.emulator.packing import pack
from snowsim.emulator.prepared import Prepared
from snowsim.emulator.query_ids import query_id_text
from snowsim.emulator.results import Result
from snowsim.emulator.session import Session
from snowsim.emulator.speculation import is_slow_path
from snowsim.emulator.splitter import split_statements
from snowsim.emulator.storage import Storage
from snowsim.emulator.transactions import Transactions
from snowsim.emulator.translate import Translation, Translator
from snowsim.emulator.variables import SET_VARIABLE, bind_sql  # noqa: F401  (bind_sql re-exported)

_CACHE_SIZE = 2048
# A plan run this many times more is built again with pruned SQL (pruning.py): ~0.4 ms more to translate a 30-line
# MERGE, ~0.2-0.6 ms less for DuckDB on each of its runs, so only statements that repeat (tasks, pollers) pay it.
HOT_AFTER = 1
_RUN_STATE = ("speculate", "_insert_only_wait", "_insert_only_backoff")  # plan fields set by runs (dml.DmlPlan)


class Connection:
    """A Snowflake-compatible connection (PEP 249, snowflake.connector flavour) running on DuckDB."""

    def __init__(
        self,
        database: str | None = None,
        schema: str | None = None,
        session_parameters: dict[str, Any] | None = None,
        path: str | None = None,
        clock: Clock | None = None,
        paramstyle: str | None = None,
        autocommit: bool | None = None,
        **ignored: Any,  # account, user, password, warehouse, role, authenticator ... (accepted like the connector)
    ) -> None:
        self.duck = duckdb.connect(str(path) if path else ":memory:", config=duck_config())
        self.path = path
        self.clock: Clock = clock or SystemClock()
        # as the connector decides: connect(paramstyle=...) wins, else the module-level snowflake.connector.paramstyle
        self.paramstyle = str(paramstyle or snowflake.connector.paramstyle).strip().lower()
        if self.paramstyle not in ("pyformat", "format", "qmark", "numeric"):
            raise errors.ProgrammingError(msg=f"Invalid paramstyle: {paramstyle!r}. Supported: format, numeric, pyformat, qmark",
                                          errno=251007)
        self.catalog = Catalog(self.duck)
        self.storage = Storage(self.duck)
        self.session = Session()
        self.txns = Transactions(self.duck, self.catalog, self.storage, self.clock.now)
        self.txns.commit_hooks.append(streams.commit_hook(self))
        self._plans: OrderedDict[tuple, Any] = OrderedDict()
        self.hot_after = HOT_AFTER  # 0: every plan is built hot (tests read the pruned SQL of a first run)
        self.next_query_number = itertools.count(1).__next__  # numbers statements; see query_ids.query_id_text
        self._closed = False
        self.statement_text = ""
        self.fast_macros = False  # plans run with the macros' stand-ins (speculation.py) while set
        self.rows_ended: dict[str, int] = {}  # table id -> a version no row version ended above (run_texts.py)
        self.prepared = Prepared(self.duck)  # hot texts as DuckDB prepared statements (prepared.py)
        self.warehouse = ignored.get("warehouse")
        self.session.warehouse = normalize(self.warehouse) if self.warehouse else None
        install_macros(self.duck)
        for key, value in (session_parameters or {}).items():
            self.session.set_parameter(key, value)
        if autocommit is False:
            self.session.set_parameter("AUTOCOMMIT", False)
        self.apply_session_parameters()
        if database:
            db = normalize(database)
            if self.catalog.database(db) is None:
                # An empty emulator account: create the database the caller expects to exist.
                self.execute_string(f"CREATE DATABASE {database}")
            sch = normalize(schema) if schema else "PUBLIC"
            if schema and self.catalog.schema(db, sch) is None:
                self.execute_string(f"CREATE SCHEMA {database}.{schema}")
            self.session.use(db, sch if self.catalog.schema(db, sch) else None)
        self.scheduler = None  # set by snowsim.emulator.tasks when tasks are used
        self.async_queries = AsyncQueries(self)  # execute_async's queries and their worker (background.py)
        for hook in extensions.CONNECT_HOOKS:
            hook(self)

    # ---- PEP 249 / connector surface ---------------------------------------------------------------------
    def cursor(self, cursor_class: type | None = None) -> Cursor:
        """A new cursor; pass snowflake.connector.DictCursor for dict rows."""
        self._check_open()
        return Cursor(self, cursor_class)

    def execute_string(self, sql_text: str, remove_comments: bool = False, return_cursors: bool = True,
                       cursor_class: type | None = None, **kwargs: Any) -> list[Cursor]:
        """Run every statement of a script, in order; returns one cursor per statement."""
        cursors = []
        for statement in split_statements(sql_text):
            cur = self.cursor(cursor_class)
            cur.execute(statement)
            cursors.append(cur)
        return cursors if return_cursors else []

    def execute_stream(self, stream: Any, remove_comments: bool = False, cursor_class: type | None = None):
        """Run every statement read from a text stream, yielding a cursor per statement."""
        yield from self.execute_string(stream.read(), cursor_class=cursor_class)

    def commit(self) -> None:
        """Commit the open transaction."""
        self.txns.commit()

    def rollback(self) -> None:
        """Roll back the open transaction."""
        self.txns.rollback()

    def autocommit(self, mode: bool) -> None:
        """Switch autocommit; with it off, the first DML opens a transaction that lasts until commit()."""
        self.session.set_parameter("AUTOCOMMIT", bool(mode))
        if mode:
            self.txns.commit()

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back, as Snowflake does on disconnect."""
        if self._closed:
            return
        if self.txns.current is not None:
            self.txns.rollback()
        self.async_queries.close()
        self.txns.flush()
        self.duck.close()
        self._closed = True

    def is_closed(self) -> bool:
        """True once close() has run (a method, as on the connector's connection)."""
        return self._closed

    def get_autocommit(self) -> bool:
        """The session's AUTOCOMMIT."""
        return self.session.flag("AUTOCOMMIT")

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # the connector commits (or rolls back on an exception) only with autocommit off; close() then rolls back
        # whatever transaction is still open, as Snowflake does at the end of a session
        if not self._closed and not self.get_autocommit():
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        self.close()

    # ---- virtual time ------------------------------------------------------------------------------------
    def advance(self, delta: timedelta | None = None, **kwargs: float) -> list:
        """Move the virtual clock forward and run every task graph Snowflake would start meanwhile."""
        delta = (delta or timedelta()) + timedelta(**kwargs)
        return self.advance_to(self.clock.now() + delta)

    def advance_to(self, moment: datetime) -> list:
        """Move the virtual clock to `moment`, running due task graphs in time order; returns the runs."""
        if not self.clock.virtual:
            raise errors.InterfaceError(msg="advance() needs a virtual clock: connect(clock=Clock(start=...))")
        if self.txns.current is not None:
            raise errors.InterfaceError(msg="commit or roll back the open transaction before advancing the clock")
        if self.scheduler is not None:
            return self.scheduler.advance_to(moment)
        self.clock.set(moment)
        return []

    def compact(self) -> int:
        """Drop row versions no stream, CHANGES or AT can read any more (also runs by itself every N commits)."""
        from snowsim.emulator import timetravel

        return timetravel.compact(self)

    # ---- internals used by plans and handlers ------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise errors.InterfaceError(msg="Connection is closed", errno=251001, sqlstate="08003")

    def new_query_id(self) -> str:
        """A Snowflake-looking query id."""
        return query_id_text(self.next_query_number())

    def translator(self) -> Translator:
        """A translator bound to this connection's catalog and session."""
        tr = Translator(self.catalog, self.session)
        tr.begin(self.statement_text)
        return tr

    def plan_for(self, sql: str) -> Any:
        """The (cached) plan for a statement."""
        key = (sql, self.session.database, self.session.schema, self.session.generation, self.catalog.version)
        cached = self._plans.get(key)
        if cached is not None:
            self._plans.move_to_end(key)
            return cached
        self.statement_text = sql
        built = plan(self, sql, hot=self.hot_after == 0)
        if getattr(built, "cacheable", True) and not hasattr(built, "fn"):
            self._plans[key] = built
            if len(self._plans) > _CACHE_SIZE:
                self._plans.popitem(last=False)
        return built

    def run(self, sql: str, params: list[Any], query_id: int | str) -> Result:
        """Plan and run one statement inside the right transaction scope; `query_id` may be a query number."""
        if self._closed:
            self._check_open()
        if self.prepared.due(self.catalog.version) and not self.txns.in_duck_transaction:
            self.prepared.start(self.catalog.version)
        return self._execute(self._plan_to_run(sql), params, query_id)

    def _execute(self, p: Any, params: list[Any], query_id: int | str) -> Result:
        if p.writes and self.txns.current is None and not self.session.flag("AUTOCOMMIT"):
            self.txns.begin()
        try:
            return self._run_speculating(p, params, query_id)
        except Exception as exc:
            # a MERGE's insert-only statement met a row to update or delete: rolled back (statement()), the plan
            # now takes its general steps (DmlPlan.insert_only)
            if not is_insert_only_miss(exc):
                raise
        return self._run_speculating(p, params, query_id)

    # ---- execute_async's queries (cursor.py, background.py) ----------------------------------------------------
    def get_query_status(self, sf_qid: str) -> QueryStatus:
        """RUNNING while a query started by execute_async() runs, then SUCCESS or FAILED_WITH_ERROR."""
        return self.async_queries.status(sf_qid)

    def get_query_status_throw_if_error(self, sf_qid: str) -> QueryStatus:
        """get_query_status(), raising the query's error when it failed."""
        status = self.get_query_status(sf_qid)
        if self.is_an_error(status):
            raise self.async_queries.outcome(sf_qid)[0]
        return status

    is_still_running = staticmethod(snowflake.connector.SnowflakeConnection.is_still_running)
    is_an_error = staticmethod(snowflake.connector.SnowflakeConnection.is_an_error)

    def _plan_to_run(self, sql: str) -> Any:
        self.statement_text = sql
        # plan_for's cache hit, inline: this is the per-statement path of every cached statement
        session = self.session
        key = (sql, session.database, session.schema, session.generation, self.catalog.version)
        p = self._plans.get(key)
        if p is None:
            return self.plan_for(sql)
        self._plans.move_to_end(key)
        if getattr(p, "hot", True) is False:
            p = self._heated(key, p)
        return p

    def run_async(self, sql: str, params: list[Any], query_id: int | str) -> Submitted | Result:
        """Start a read-only query on the data committed now, in the background (background.py); any other
        statement runs at once and its Result is returned."""
        if self._closed:
            self._check_open()
        p = self._plan_to_run(sql)
        if self.txns.current is not None:  # its uncommitted writes are this session's only
            return self._execute(p, params, query_id)
        query = getattr(p, "query", None)
        if query is not None:  # e.g. TASK_HISTORY: its work now, the query then
            p = self._plan_to_run(query(self))
        values = self.run_values(p.translation, literal_only=True) if isinstance(p, QueryPlan) else None
        text = None if values is None else p.text(self, values)
        if text is None or TEMP_PREFIX in text:
            return self._execute(p, params, query_id)
        return self.async_queries.submit(p, *pack(text, params))

    def _heated(self, key: tuple, p: Any) -> Any:
        """The plan of a statement run again: re-planned once hot (HOT_AFTER), with the SQL pruned for DuckDB."""
        p.uses += 1
        if p.uses < self.hot_after:
            return p
        try:
            hot = plan(self, key[0], hot=True)
        except Exception:  # noqa: BLE001 - it planned before: keep that plan rather than fail a statement that ran
            p.hot = True
            return p
        for state in _RUN_STATE:  # what the runs so far learnt carries over
            if hasattr(p, state) and hasattr(hot, state):
                setattr(hot, state, getattr(p, state))
        self._plans[key] = hot
        return hot

    def _run_speculating(self, p: Any, params: list[Any], query_id: int | str) -> Result:
        if getattr(p, "speculate", False):
            # First with the macros' cheap stand-ins; a value only the full macros decide rolls the statement back
            # (statement() does, as for any error) and the plan keeps the full macros from then on (speculation.py).
            self.fast_macros = True
            try:
                return self._run_plan(p, params, query_id)
            except Exception as exc:
                if not is_slow_path(exc):
                    raise
                p.speculate = False
            finally:
                self.fast_macros = False
        return self._run_plan(p, params, query_id)

    def _run_plan(self, p: Any, params: list[Any], query_id: int | str) -> Result:
        if not p.writes:
            return p.run(self, params)
        if type(query_id) is int:
            query_id = query_id_text(query_id)
        single = p.single(self.catalog.durable) if hasattr(p, "single") else False
        with self.txns.statement(p.writes, query_id, single=single):
            return p.run(self, params)

    def run_values(self, translation: Translation, dml: bool = False,
                   literal_only: bool = False) -> dict[str, str] | None:
        """The per-run values a translation reads through getvariable(): the clock, stream bounds, the version.

        Binders describe them as `SET VARIABLE name = <literal>`; plans substitute the literals into their cached SQL
        text (see bind_sql) instead of sending one SET round trip per value. `literal_only`: None, and nothing set,
        when a value is not a literal (it would be set on this connection's DuckDB session only).
        """
        sets = []
        if translation.uses_clock:
            now = self.clock.now()
            sets.append(f"SET VARIABLE __now = TIMESTAMPTZ '{now.isoformat(sep=' ')}+00'")
        if translation.streams:
            sets.extend(streams.bind(self, translation.streams, consume=dml))
        for binder in translation.binders:  # time travel points, SYSTEM$STREAM_HAS_DATA probes
            sets.extend(binder(self))
        values: dict[str, str] = {}
        if literal_only and not all(SET_VARIABLE.match(statement) for statement in sets):
            return None
        for statement in sets:
            m = SET_VARIABLE.match(statement)
            if m:
                values[m.group(1)] = m.group(2)
            else:
                self.duck.execute(statement)
        if dml and not getattr(translation, "version_as_param", False):
            values["__ver"] = str(self.txns.current.version if self.txns.current else self.txns.committed + 1)
        return values

    def prepare_run(self, translation: Translation, dml: bool = False) -> None:
        """Set the DuckDB variables a translation reads, for callers that execute its SQL themselves."""
        for name, literal in self.run_values(translation, dml).items():
            self.duck.execute(f"SET VARIABLE {name} = {literal}")

    def apply_session_parameters(self) -> None:
        """Mirror session parameters DuckDB needs (the time zone used for TIMESTAMP_LTZ)."""
        tz = str(self.session.parameters.get("TIMEZONE", "America/Los_Angeles"))
        try:
            self.duck.execute(f"SET TimeZone = '{tz}'")
            self.prepared.invalidate()
        except duckdb.Error:
            raise errors.ProgrammingError(msg=f"invalid value [{tz}] for parameter 'TIMEZONE'", errno=2097,
                                          sqlstate="22023") from None

    def run_scalar_select(self, node: exp.Expression) -> Any:
        """Evaluate one expression with the current session (SET var = expr)."""
        cur = self.cursor()
        cur.execute(f"SELECT {node.sql(dialect='snowflake')}")
        return cur.fetchone()[0]


def duck_config() -> dict[str, Any]:
    """DuckDB settings for an emulator connection, tuned for many small statements (a pipeline's task runs).

    Measured on a MERGE over a stream and an INSERT ... SELECT from one (bench/pipeline.py): DuckDB's
    window_self_join rewrite turns a stream's `count(*) OVER (PARTITION BY __rid)` into a self-join that costs more
    to plan than the window costs to run on the few rows a stream returns, and one thread avoids scheduling work
    across threads for statements that touch a few hundred rows: together 2x faster. SNOWSIM_THREADS=N gives
    DuckDB N threads back for large loads.
    """
    threads = os.environ.get("SNOWSIM_THREADS", "1")
    if not threads.isdigit() or int(threads) < 1:
        # not a Snowflake error: snowsim's own setting, so no Snowflake error code
        raise errors.ProgrammingError(msg=f"SNOWSIM_THREADS must be a whole number of threads (1 or more), not {threads!r}")
    return {"threads": int(threads), "disabled_optimizers": "window_self_join"}


def connect(**kwargs: Any) -> Connection:
    """Open an emulator connection; accepts snowflake.connector.connect()'s arguments (account, user... are ignored)."""
    return Connection(**kwargs)
