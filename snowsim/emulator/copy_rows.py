"""COPY's SELECT, translated once and run over the parsed records, with the rows whose conversion fails set aside.

A failing row makes DuckDB abort the whole query, so failing rows are found first, cheapest way first: rows whose value
comes out NULL when error() returns NULL are the only candidates and TRY() checks just those; else TRY() over every
row; else (TRY() refuses volatile functions such as RANDOM()) narrowing row ranges. Only the first failing row of each
file is described (COPY reports one error per file).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.copy_plan import STAGE_CTE, CopyJob, prepare
from snowsim.emulator.stage_reader import ROWS
from snowsim.emulator.translate import Translation
from snowsim.emulator.types import is_semi_structured

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection


OUT = "__snowsim_copy_out"
EXCLUDED = "__snowsim_copy_excluded"
_SCRATCH = "__snowsim_copy_scratch"
_CAND = "__snowsim_copy_candidates"
_CHUNK = 2048  # rows per range in the first pass of bad-row isolation (DuckDB's vector size)
TEMP_TABLES = (OUT, EXCLUDED, _SCRATCH, _CAND)


# ---- evaluating the SELECT --------------------------------------------------------------------------------------------
@dataclass
class RowError:
    """A record that failed conversion: its ordinal, the column (index into the table) and the error."""

    ord: int
    column: int | None
    errno: int = 100038
    sqlstate: str = "22018"
    message: str = ""


@dataclass
class Compiled:
    """A COPY statement resolved and translated once; reused while the catalog and session are unchanged (the runner
    issues the same COPY after every PUT)."""

    job: CopyJob
    base: exp.Expression  # the translated SELECT, its STAGE_CTE still the typed placeholder
    tree: exp.Expression  # the translated SELECT, reading ROWS minus the rows in EXCLUDED
    unfiltered: exp.Expression  # the same, also reading the rows in EXCLUDED (to describe their errors)
    translation: Translation
    sql: str


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COMPILED_PER_CONNECTION = 64


def compile_copy(conn: Connection, sql: str) -> Compiled:
    """prepare() and translate, cached by statement text, session context and catalog version."""
    cache = _COMPILED.setdefault(conn, OrderedDict())
    key = (sql, conn.session.database, conn.session.schema, conn.session.generation, conn.catalog.version)
    compiled = cache.get(key)
    if compiled is not None:
        cache.move_to_end(key)
        return compiled
    job = prepare(conn, sql)
    tr = conn.translator()
    tree = tr.query(job.select.copy(), name_outputs=False, pruned=False)  # _reading adds filters on its relation
    for i, col in enumerate(job.table.columns):
        node = tree.expressions[2 + i]
        if is_semi_structured(col.type):
            node.set("this", exp.Anonymous(this="sf_to_variant", expressions=[node.this]))
    filtered = _reading(tree, f"AND __ORD NOT IN (SELECT __ORD FROM {EXCLUDED})")
    compiled = Compiled(job, tree, filtered, _reading(tree, ""), tr.finish(tree), filtered.sql(dialect="duckdb"))
    cache[key] = compiled
    if len(cache) > _COMPILED_PER_CONNECTION:
        cache.popitem(last=False)
    return compiled


def _reading(tree: exp.Expression, extra: str) -> exp.Expression:
    """The translated query with STAGE_CTE reading ROWS between the __copy_lo and __copy_hi ordinals."""
    tree = tree.copy()
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name.upper() == STAGE_CTE:
            cte.set("this", sqlglot.parse_one(
                f"SELECT * FROM {ROWS} WHERE __ORD BETWEEN getvariable('__copy_lo') AND getvariable('__copy_hi') "
                f"{extra}", read="duckdb"))
    return tree


class Evaluator:
    """Runs the translated SELECT over ROWS into OUT, isolating the rows whose conversion fails."""

    def __init__(self, conn: Connection, compiled: Compiled) -> None:
        self.conn = conn
        self.job = compiled.job
        self.base = compiled.base
        self.tree = compiled.tree
        self.unfiltered = compiled.unfiltered
        self.translation = compiled.translation
        self.sql = compiled.sql

    def _range(self, lo: int, hi: int) -> None:
        self.conn.duck.execute(f"SET VARIABLE __copy_lo = {int(lo)}")
        self.conn.duck.execute(f"SET VARIABLE __copy_hi = {int(hi)}")

    def _materialise(self, sql: str, into: str) -> None:
        self.conn.duck.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS {sql}")

    def run(self, first_only: bool) -> dict[int, RowError]:
        """Fill OUT with the converted rows. Failing rows go to EXCLUDED (ordinal, column, kind) and are left out of
        OUT; the returned errors describe the first failing row of each file (COPY reports one error per file).

        Finding failing rows, cheapest first: (1) rows whose value comes out NULL when error() returns NULL are the
        only candidates, and TRY() checks just those; (2) TRY() over every row; (3) narrowing row ranges.
        """
        duck = self.conn.duck
        duck.execute(f"CREATE OR REPLACE TEMP TABLE {EXCLUDED} (__ORD BIGINT, col INTEGER, kind VARCHAR)")
        self.conn.prepare_run(self.translation, dml=True)
        lo, hi = duck.execute(f"SELECT coalesce(min(__ORD), 0), coalesce(max(__ORD), -1) FROM {ROWS}").fetchone()
        self._range(lo, hi)
        if not self._materialised():
            candidates = _reading(self.base, f"AND __ORD IN (SELECT __ORD FROM {_CAND}) "
                                             f"AND __ORD NOT IN (SELECT __ORD FROM {EXCLUDED})")
            done = self._candidates() and self._flagged(candidates) and self._materialised()
            done = done or (self._flagged(self.tree) and self._materialised())
            if not done:
                found = self._bisect(lo, hi, first_only)
                duck.execute(f"INSERT INTO {EXCLUDED} SELECT unnest(?::BIGINT[]), NULL, 'conversion'", [found])
                self._range(lo, hi)
                self._materialise(self.sql, OUT)  # failing now is not row-specific: it is the statement's error
        self._not_null()
        firsts = duck.execute(
            f"SELECT arg_min(e.__ORD, e.__ORD), arg_min(e.col, e.__ORD), arg_min(e.kind, e.__ORD) FROM {EXCLUDED} e "
            f"JOIN {ROWS} r USING (__ORD) GROUP BY r.__FILE").fetchall()
        described = {}
        for ord_, col, kind in firsts:
            if kind == "not null":
                described[ord_] = RowError(ord_, col, 100072, "22000", "NULL result in a non-nullable column")
            else:
                described[ord_] = self._describe(ord_, col)
        return described

    def _materialised(self) -> bool:
        """Try to fill OUT from the rows not excluded; False if a row still fails."""
        try:
            self._materialise(self.sql, OUT)
            return True
        except duckdb.Error:
            return False

    def _shadowed(self, macro: str, sql: str) -> bool:
        """Run `sql` with error() shadowed by a temporary macro; False if it fails.

        The emulator's macros raise Snowflake errors with error(). Macros are re-bound at each use, so during this one
        statement they call the shadow instead."""
        duck = self.conn.duck
        duck.execute(f"CREATE OR REPLACE TEMP MACRO error(msg) AS {macro}")
        try:
            duck.execute(sql)
            return True
        except duckdb.Error:
            return False
        finally:
            duck.execute("DROP MACRO IF EXISTS error")

    def _candidates(self) -> bool:
        """_CAND := rows where some value is NULL once error() returns NULL (a failing row is among them)."""
        tree = self.tree.copy()
        nulls = [exp.Is(this=node.this.copy(), expression=exp.null()) for node in self.tree.expressions[2:]]
        tree.set("expressions", [*tree.expressions[:2]])
        where = " OR ".join(n.sql(dialect="duckdb") for n in nulls) or "FALSE"
        tree = tree.where(sqlglot.parse_one(where, read="duckdb"), dialect="duckdb", copy=False)
        return self._shadowed("NULL", f"CREATE OR REPLACE TEMP TABLE {_CAND} AS SELECT __ORD FROM "
                                      f"({tree.sql(dialect='duckdb')})")

    def _flagged(self, source: exp.Expression) -> bool:
        """Find failing rows among those `source` reads (into EXCLUDED, with their first failing column) in one
        vectorised pass with TRY(); False when the pass cannot run or finds nothing.

        TRY() refuses volatile functions such as error(), so error() is shadowed by a failing CAST, which it accepts.
        """
        tree = source.copy()
        flags: list[exp.Expression] = tree.expressions[:2]
        for i, node in enumerate(source.expressions[2:]):
            text = exp.Cast(this=node.this.copy(), to=exp.DataType.build("VARCHAR"))
            probe = exp.DPipe(this=exp.func("coalesce", text, exp.Literal.string("")), expression=exp.Literal.string("x"))
            flags.append(exp.alias_(exp.Is(this=exp.Anonymous(this="try", expressions=[probe]), expression=exp.null()),
                                    f"__E{i}", quoted=True))
        tree.set("expressions", flags)
        count = len(flags) - 2
        where = " OR ".join(f'"__E{i}"' for i in range(count)) or "FALSE"
        first = "CASE " + " ".join(f'WHEN "__E{i}" THEN {i}' for i in range(count)) + " END" if count else "NULL"
        before = self.conn.duck.execute(f"SELECT count(*) FROM {EXCLUDED}").fetchone()[0]
        ran = self._shadowed("CASE WHEN CAST(msg AS INTEGER) IS NULL THEN NULL END",
                             f"INSERT INTO {EXCLUDED} SELECT __ORD, {first}, 'conversion' "
                             f"FROM ({tree.sql(dialect='duckdb')}) WHERE {where}")
        return ran and self.conn.duck.execute(f"SELECT count(*) FROM {EXCLUDED}").fetchone()[0] > before

    def _fails(self, lo: int, hi: int) -> bool:
        self._range(lo, hi)
        try:
            self._materialise(self.sql, _SCRATCH)
            return False
        except duckdb.Error:
            return True

    def _bisect(self, lo: int, hi: int, first_only: bool) -> list[int]:
        """Failing rows found by checking vector-sized chunks, then halving the failing ones (small range queries)."""
        found: list[int] = []

        def search(a: int, b: int) -> None:
            if a > b or (first_only and found) or not self._fails(a, b):
                return
            if a == b:
                found.append(a)
                return
            mid = (a + b) // 2
            search(a, mid)
            search(mid + 1, b)

        for start in range(lo, hi + 1, _CHUNK):
            search(start, min(start + _CHUNK - 1, hi))
        return found

    def _describe(self, ord_: int, column: int | None) -> RowError:
        """The Snowflake error of one failing row, and which column raised it."""
        self._range(ord_, ord_)
        columns = [column] if column is not None else list(range(len(self.job.table.columns)))
        for i in columns:
            tree = self.unfiltered.copy()
            tree.set("expressions", [*tree.expressions[:2], tree.expressions[2 + i]])
            try:
                self._materialise(tree.sql(dialect="duckdb"), _SCRATCH)
            except duckdb.Error as exc:
                err = errors.translate_duckdb_error(exc, self.sql)
                return RowError(ord_, i, err.errno, err.sqlstate or "22000", getattr(err, "raw_msg", None) or err.msg)
        return RowError(ord_, column, 100038, "22018", "conversion error")

    def _not_null(self) -> None:
        """NULL into a NOT NULL column is a row error: moved from OUT to EXCLUDED."""
        required = [i for i, c in enumerate(self.job.table.columns) if not c.nullable]
        if not required:
            return
        checks = " OR ".join(f'"__C{i}" IS NULL' for i in required)
        first = "CASE " + " ".join(f'WHEN "__C{i}" IS NULL THEN {i}' for i in required) + " END"
        self.conn.duck.execute(f"INSERT INTO {EXCLUDED} SELECT __ORD, {first}, 'not null' FROM {OUT} WHERE {checks}")
        self.conn.duck.execute(f"DELETE FROM {OUT} WHERE {checks}")


