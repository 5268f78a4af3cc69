"""Hot statements sent as EXECUTE of a DuckDB prepared statement, so that DuckDB parses their text once.

A hot plan's text is the same on every run but for its per-run values (variables.py: stream bounds, the version, the
clock) and its bound parameters. DuckDB's parser takes ~0.4 ms of the ~2.1 ms a caves_albert stream INSERT (2 KB of
SQL) costs; EXECUTE skips it (measured: 2.11-2.32 -> 1.66-1.85 ms, DuckDB 2.0). It still binds and plans the statement
again with the values given, for any statement that reads a table: the plan sees them as constants, so filters still
reach the table scan (checked in the profile) and results are those of the literal text.

Each value takes the type its literal has in the text (an integer literal INTEGER or BIGINT by size, TIMESTAMPTZ '...'
TIMESTAMPTZ, TRUE BOOLEAN) through a CAST around its placeholder, so DuckDB binds the prepared text as the literal one;
a value of any other form is written into the prepared text (which then repeats only as often as the value). A bound
parameter keeps its bare placeholder, typed from its context as DuckDB's Python client prepares it, and is passed as
the literal of the type the client binds it with (an int INTEGER or BIGINT by size, a bool, None); a parameter of any
other type (text, lists: the landing INSERT's batch) keeps the plain path.

A text is prepared when it comes round a second time, and only at the start of a statement with no DuckDB transaction
open: a PREPARE that fails (a parameter type DuckDB cannot settle) would abort an open transaction, so a failure then
only marks the text as not preparable. Texts reading the session's temp tables (a MERGE's joined rows) are never
prepared, nor texts reading a variable set on DuckDB's session. A DDL (the catalog's version moves) or a new time zone
drops every prepared statement: one that reads no table is not bound again by EXECUTE.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb

from snowsim.emulator.background import TEMP_PREFIX
from snowsim.emulator.packing import _TEXT, pack  # (_TEXT: string literals and quoted identifiers)
from snowsim.emulator.variables import _pieces, bind_sql

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

PREPARED_MAX = 256  # statements kept per connection (least recently used dropped)
SEEN_MAX = 1024  # texts seen once, waiting for a second run
_NAME = "__snowsim_prepared_"
_PLACEHOLDER = re.compile(r"\?|(?<![\w$])\$(\d+)")
_QMARK = re.compile(r"\?")
_INT32 = 2**31
_INT64 = 2**63


def _literal_type(literal: str) -> str | None:
    """The DuckDB type of a per-run value's literal, when a CAST of a parameter can stand for it; else None."""
    if literal.lstrip("-").isdigit():
        value = int(literal)
        return "INTEGER" if -_INT32 <= value < _INT32 else "BIGINT" if -_INT64 <= value < _INT64 else None
    if literal in ("TRUE", "FALSE"):
        return "BOOLEAN"
    for kind in ("TIMESTAMPTZ", "TIMESTAMP"):
        if literal.startswith(kind + " '") and literal.endswith("'") and literal.count("'") == 2:
            return kind
    return None


def _param_literal(value: Any) -> str | None:
    """A parameter as the literal of the type DuckDB's Python client binds it with, for the kinds it can be; else None."""
    if value is None:
        return "NULL"
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if type(value) is int and -_INT64 <= value < _INT64:  # INTEGER or BIGINT by size, as the client
        return str(value)
    return None


def variable_kinds(values: dict[str, str]) -> tuple[tuple[str, str | None, str | None], ...]:
    """A run's values as prepared_form takes them: (name, type, None), or (name, None, literal) for a literal written
    in (so that the form's cache key holds no value that becomes a parameter)."""
    out = []
    for name, literal in sorted(values.items()):
        kind = _literal_type(literal)
        out.append((name, kind, None if kind else literal))
    return tuple(out)


@lru_cache(maxsize=4096)
def prepared_form(template: str, variables: tuple, params: int) -> tuple[str, tuple[str, ...]] | None:
    """The text to PREPARE for a template and the variables it reads, in parameter order; None when it cannot be.

    `variables`: variable_kinds() of the run's values; `params`: how many parameters are bound.
    Parameters keep their numbers ($1...; `?` are numbered in order); variables follow them.
    """
    kinds = {name: (kind, literal) for name, kind, literal in variables}
    numbered: dict[str, int] = {}
    out: list[str] = []
    qmark = itertools.count(1)
    dollars: list[int] = []
    for i, piece in enumerate(_pieces(template)):
        if i % 2:  # a getvariable() call
            name, _ = piece
            if name not in kinds:  # set on DuckDB's session (SET VARIABLE): a bind-time constant, not a parameter
                return None
            kind, literal = kinds[name]
            if kind is None:
                out.append(f"({literal})")
                continue
            if name not in numbered:
                numbered[name] = params + len(numbered) + 1
            out.append(f"CAST(${numbered[name]} AS {kind})")
            continue
        parts = _TEXT.split(piece)
        for j in range(0, len(parts), 2):  # code between literals and quoted identifiers
            found = _PLACEHOLDER.findall(parts[j])  # '' for a `?`, the number of a `$n`
            dollars += [int(n) for n in found if n]
            if "" in found:
                parts[j] = _QMARK.sub(lambda _: f"${next(qmark)}", parts[j])
        out.append("".join(parts))
    qmarks = next(qmark) - 1
    if (qmarks and (dollars or qmarks != params)) or any(not 1 <= n <= params for n in dollars):
        return None  # DuckDB takes one style; each placeholder needs its parameter
    return "".join(out), tuple(sorted(numbered, key=numbered.__getitem__))


class Prepared:
    """A connection's prepared statements, by prepared text."""

    def __init__(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.duck = duck
        self._names: OrderedDict[str, str] = OrderedDict()  # prepared text -> statement name
        self._seen: OrderedDict[str, None] = OrderedDict()  # texts run once
        self._wanted: list[str] = []  # texts run twice, to prepare at the next start()
        self._refused: set[str] = set()  # texts DuckDB would not prepare
        self._catalog_version = 0
        self._count = 0

    def due(self, catalog_version: int) -> bool:
        """Whether start() has work: texts to prepare, or statements a DDL made stale."""
        return bool(self._wanted) or catalog_version != self._catalog_version

    def invalidate(self) -> None:
        """Drop every statement at the next start(): DuckDB keeps a prepared statement that reads no table bound as
        prepared, with the session's settings of then (the time zone of a cast to DATE: checked)."""
        self._catalog_version = -1

    def start(self, catalog_version: int) -> None:
        """Prepare the texts that came round again; call with no DuckDB transaction open (see the module's doc)."""
        if catalog_version != self._catalog_version:  # a DDL or a new setting: every statement is bound anew
            for name in self._names.values():
                self.duck.execute(f"DEALLOCATE PREPARE {name}")
            self._names.clear()
            self._catalog_version = catalog_version
        wanted, self._wanted = self._wanted, []
        for text in dict.fromkeys(wanted):
            if text in self._names or text in self._refused:
                continue
            self._count += 1
            name = f"{_NAME}{self._count}"
            try:
                self.duck.execute(f"PREPARE {name} AS {text}")
            except duckdb.Error:
                if len(self._refused) >= SEEN_MAX:
                    self._refused.clear()
                self._refused.add(text)
                continue
            self._names[text] = name
            if len(self._names) > PREPARED_MAX:
                _, old = self._names.popitem(last=False)
                self.duck.execute(f"DEALLOCATE PREPARE {old}")

    def call(self, template: str, values: dict[str, str], params: list[Any], catalog_version: int) -> str | None:
        """The EXECUTE that runs `template` with these values and parameters, once it is prepared; else None."""
        if catalog_version != self._catalog_version or TEMP_PREFIX in template:
            return None
        args = [_param_literal(v) for v in params]
        if None in args:
            return None
        form = prepared_form(template, variable_kinds(values), len(params))
        if form is None:
            return None
        text, order = form
        name = self._names.get(text)
        if name is None:
            if text in self._refused:
                return None
            if text in self._seen:
                self._wanted.append(text)
            else:
                self._seen[text] = None
                if len(self._seen) > SEEN_MAX:
                    self._seen.popitem(last=False)
            return None
        self._names.move_to_end(text)
        args += [f"({values[n]})" for n in order]
        return f"EXECUTE {name}({', '.join(args)})" if args else f"EXECUTE {name}"


def send(conn: Connection, template: str, values: dict[str, str], params: list[Any], hot: bool) -> Any:
    """Run one text of a plan (before bind_sql) on the connection's DuckDB: as EXECUTE of its prepared statement when
    the plan is hot and the text prepared, else as the text with its values in place."""
    if hot:
        call = conn.prepared.call(template, values, params, conn.catalog.version)
        if call is not None:
            return conn.duck.execute(call)
    sql = bind_sql(template, values)
    return conn.duck.execute(*pack(sql, params)) if params else conn.duck.execute(sql)
