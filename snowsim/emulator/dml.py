"""INSERT, UPDATE, DELETE and MERGE on versioned storage, with Snowflake's semantics.

Each statement is translated once into a list of DuckDB statements (cached); at run time they execute inside the
statement's DuckDB transaction with `__ver` (the transaction's version) and `__now` set as DuckDB variables.
UPDATE and MERGE first materialise the joined rows into a temporary table, which gives one place to apply MERGE's
clause order and its nondeterminism rule (docs: sql-reference/sql/merge, parameters ERROR_ON_NONDETERMINISTIC_MERGE).
A MERGE with an INSERT clause first tries one INSERT straight from the join, valid when no joined row takes a matched
clause (an append-mostly feed); a row that does makes it raise, and the statement reruns on the general steps
(DmlPlan.insert_only).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject, Column
from snowsim.emulator.identifiers import ObjectName, duck_ident, normalize
from snowsim.emulator.prepared import send
from snowsim.emulator.pruning import derived_tables, droppable, narrow, read_columns, reads
from snowsim.emulator.results import Result
from snowsim.emulator.run_texts import rows_ended, texts
from snowsim.emulator.sqlfuncs import NULL, UNKNOWN, fast_copy, kind
from snowsim.emulator.storage import RID_SEQUENCE, history_table
from snowsim.emulator.translate import Translation, Translator, _duck_sql
from snowsim.emulator.types import duck_type, is_semi_structured
from snowsim.emulator.variables import bind_sql
from snowsim.emulator.write_types import coerce, describe, param_signature, typed_write, write_sql

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

VERSION = "getvariable('__ver')"
TEMP = "__snowsim_dml"
# raised by a MERGE's insert-only statement on a joined row a matched clause acts on (DmlPlan.insert_only)
INSERT_ONLY_MISSED = "SNOWSIM#INSERT_ONLY_MISSED"


def is_insert_only_miss(exc: BaseException) -> bool:
    """Whether an error is a MERGE's insert-only statement meeting a row to update or delete (rerun the statement)."""
    return INSERT_ONLY_MISSED in str(exc)


@dataclass
class DmlPlan:
    """A translated DML statement: DuckDB steps plus how to turn their results into Snowflake's counts."""

    target: ObjectName
    steps: list[str]
    # (Snowflake result column, where its count comes from): DuckDB SQL returning it, the index of a step whose result
    # it is (INSERT and UPDATE return their row counts), or (a, b): step a's count minus step b's
    counts: list[tuple[str, str | int | tuple[int, int]]]
    translation: Translation
    # rows several source rows target -> 100090: a cheap count that rules them out, a query finding one, and the query
    # returning its values
    check: tuple[str, str, str] | None = None
    params_in: int = 0  # index of the step that takes the user's parameters
    cleanup: list[str] = field(default_factory=list)
    version_param: bool = False  # the params step takes the version as its first `?` (no SET VARIABLE round trip)
    # Write steps rebuilt from DuckDB's types of the values (write_types.py), once per plan and kind of bound
    # parameters: `probe` is the SQL whose DESCRIBE gives the types, `retype` the steps for those types.
    probe: str | None = None
    retype: Callable[[dict[str, str]], list[str]] | None = None
    typed: dict[tuple, list[str]] = field(default_factory=dict)
    # a step that acts on matched target rows only (a MERGE's row-ending UPDATE): skipped when the duplicate probe,
    # which counts them anyway, found none (~0.9 ms less per MERGE that only inserts)
    matched_only: int | None = None
    speculate: bool = True  # run with the macros' stand-ins first (speculation.py); False once a value needed the full ones
    hot: bool = False  # built for a statement that repeats (Connection.run, HOT_AFTER)
    uses: int = 0  # runs after the first, while not hot
    # A MERGE with an INSERT clause: the last step is one INSERT for the runs where no matched clause acts, which
    # raises INSERT_ONLY_MISSED on a row that would update or delete (the statement is then rerun on the other
    # steps). After a miss the plan waits 1, 2, 4 ... 256 runs before trying it again.
    insert_only: bool = False
    _insert_only_wait: int = 0
    _insert_only_backoff: int = 1
    writes = True

    def __post_init__(self) -> None:
        # whether a step ends row versions of the target: streams' insert-only texts rely on knowing (rows_ended)
        self.ends_rows = any("SET __vto" in step for step in self.steps)

    def single(self, durable: bool) -> bool:
        """One DuckDB statement whose atomicity is the transaction's: it reads no stream, or the database is in memory.

        A stream's offset moves at commit: on a file it is written in the committing DuckDB transaction (crash
        recovery), in memory it is Python state saved later (Catalog.flush), so the write alone needs atomicity and no
        BEGIN/COMMIT is sent (~0.4 ms less per task run of an INSERT ... SELECT from a stream).
        """
        one = self._insert_only_now() or (len(self.steps) == 1 and self.check is None)
        return one and (not self.translation.streams or not durable)

    def _insert_only_now(self) -> bool:
        return self.insert_only and self._insert_only_wait == 0

    def insert_only_missed(self) -> None:
        """A row would have been updated or deleted: take the general steps for a while (doubling each miss)."""
        self._insert_only_wait = self._insert_only_backoff + 1  # + the rerun of the statement that missed
        self._insert_only_backoff = min(self._insert_only_backoff * 2, 256)

    def run(self, conn: Connection, params: list) -> Result:
        """Execute inside the current statement transaction."""
        version = conn.txns.write_version(self.target)
        if self.ends_rows:
            rows_ended(conn, conn.catalog.get("TABLE", self.target).info["id"], version)
        values = conn.run_values(self.translation, dml=True)
        duck = conn.duck
        steps = self._typed_steps(duck, values, params) if self.retype is not None else self.steps
        if self.insert_only:
            if self._insert_only_now():
                return self._run_insert_only(conn, texts(conn, self.translation, values, steps[-1:])[0], values,
                                             params)
            self._insert_only_wait -= 1
            steps = steps[:-1]
        steps = texts(conn, self.translation, values, steps)
        hot = self.translation.flatten
        try:
            done: list[int] = []  # each step's row count
            matched = None  # target rows the joined rows match, when the duplicate probe counted them
            for i, step in enumerate(steps):
                if i == self.matched_only and matched == 0:
                    done.append(0)
                    continue
                step_params = ([version, *params] if self.version_param else params) if i == self.params_in else []
                rows = send(conn, step, values, step_params, hot).fetchall()
                done.append(rows[0][0] if rows and isinstance(rows[0][0], int) else 0)
                if self.check is not None and i == self.params_in:
                    matched = self._refuse_duplicates(duck)
            queried = [src for _, src in self.counts if isinstance(src, str)]
            # all counts in one statement: each DuckDB statement costs ~0.1 ms, and tasks run thousands of these
            row = duck.execute("SELECT " + ", ".join(f"({q})" for q in queried)).fetchone() if queried else ()
            it = iter(row)
            counts = {name: next(it) if isinstance(src, str) else done[src] if isinstance(src, int)
                      else done[src[0]] - done[src[1]] for name, src in self.counts}
            return Result.counts(counts)
        finally:
            for step in self.cleanup:
                duck.execute(step).fetchall()

    def _run_insert_only(self, conn: Connection, step: str, values: dict[str, str], params: list) -> Result:
        try:
            rows = send(conn, step, values, params, self.translation.flatten).fetchall()
        except Exception as exc:
            if is_insert_only_miss(exc):
                self.insert_only_missed()
            raise
        self._insert_only_backoff = 1
        inserted = rows[0][0] if rows else 0
        return Result.counts({name: inserted if name == "number of rows inserted" else 0 for name, _ in self.counts})

    def _refuse_duplicates(self, duck) -> int:
        """Raise 100090 for a target row several source rows act on; else the number of joined rows matching one."""
        probe, find, detail = self.check
        matched, distinct = duck.execute(probe).fetchone()
        if matched == distinct or duck.execute(find).fetchone()[0] is None:
            return matched
        bad = duck.execute(detail).fetchone()
        values_text = json.dumps([_plain(v) for v in bad], default=str, ensure_ascii=False)
        raise errors.ProgrammingError(
            msg=f"Duplicate row detected during DML action\nRow Values: {values_text}", errno=100090, sqlstate="42P18")

    def _typed_steps(self, duck, values: dict[str, str], params: list) -> list[str]:
        key = param_signature(params)
        steps = self.typed.get(key)
        if steps is None:
            if len(self.typed) >= 8:
                return self.steps  # parameters of ever new types: the conversions for any type
            steps = self.typed[key] = self.retype(describe(duck, bind_sql(self.probe, values), params))
        return steps


def _plain(value: object) -> object:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _cols(columns: list[Column]) -> str:
    return ", ".join(duck_ident(c.name) for c in columns)


def _target(tr: Translator, table: exp.Table) -> CatalogObject:
    obj = tr.resolve(table, kinds=("TABLE", "VIEW", "STREAM"))
    if obj.kind != "TABLE":
        raise errors.compilation_error(2028, f"Object '{obj.name}' is not a table; DML on a {obj.kind.lower()} is not allowed.")
    return obj


def _with_rid(table: exp.Table) -> exp.Table:
    table.meta["snowsim_with_rid"] = True
    return table


def _kinds_one(proj: exp.Expression) -> str:
    inner = proj.this if isinstance(proj, exp.Alias) else proj
    if isinstance(inner, (exp.Placeholder, exp.Parameter)):
        return UNKNOWN  # a bound parameter's type is only known when it is bound
    tagged = kind(proj)
    return kind(proj.this) if tagged == UNKNOWN and isinstance(proj, exp.Alias) else tagged


def _kinds(query: exp.Expression) -> dict[str, str]:
    """Snowflake kind of each named projection of a translated query (UNKNOWN where the translator lost it)."""
    out = {}
    for proj in getattr(query, "selects", []):
        out[proj.alias_or_name] = _kinds_one(proj)
    return out


def _default(tr: Translator, col: Column) -> exp.Expression:
    if col.default is None:
        return exp.null()
    return tr.expression(exp.maybe_parse(col.default, dialect="snowflake"))


def plan_insert(tr: Translator, tree: exp.Insert) -> DmlPlan:
    """INSERT [OVERWRITE] INTO t [(cols)] VALUES ... | SELECT ..."""
    target_node = tree.this
    given: list[str] | None = None
    if isinstance(target_node, exp.Schema):
        given = [normalize(c) if isinstance(c, exp.Identifier) else normalize(c.this) for c in target_node.expressions]
        target_node = target_node.this
    obj = _target(tr, target_node)
    columns = obj.columns
    by_name = {c.name: c for c in columns}
    if given is None:
        given = [c.name for c in columns]
    for name in given:
        if name not in by_name:
            raise errors.invalid_identifier(name)
    source = tree.expression
    values_width = None  # a VALUES list is read through SELECT *, so its width is checked here
    if isinstance(source, exp.Values):
        _check_values(tr, source)
        values_width = max((len(row.expressions) if isinstance(row, exp.Tuple) else 1 for row in source.expressions),
                           default=len(given))
        source = exp.select("*").from_(exp.Subquery(this=source, alias=exp.TableAlias(this=exp.to_identifier("__v"))))
    query = tr.query(source, name_outputs=False)
    selects = list(getattr(query, "selects", []))
    width = values_width or (len(selects) if isinstance(query, exp.Query) else len(given))
    star = values_width is None and any(isinstance(p, exp.Star) for p in selects)
    if width != len(given) and not star:
        raise errors.compilation_error(
            2020, f"Insert value list does not match column list expecting {len(given)} but got {width}", "21S01")
    source_text, flat = _insert_source(query, selects, given, [c.name for c in columns], values_width is None and not star)
    source_sql = f"({source_text}) AS __src({', '.join(duck_ident(f'__c{i}') for i in range(len(given)))})"
    renamed = f"SELECT * FROM {source_sql}"  # what DESCRIBE reads for the values' types (write_types.py)
    # VALUES rows keep DuckDB's cast and its plain messages (conformance: "Numeric value 'x' is not recognized");
    # values computed by a query are converted on write, errors naming table and column (docs: sql/insert)
    written = None if isinstance(tree.expression, exp.Values) else obj.name.name
    src_kinds = [_kinds_one(p) for p in selects] if len(selects) == len(given) else [UNKNOWN] * len(given)
    defaults = {col.name: _default(tr, col) for col in columns if col.name not in given}
    overwrite = bool(tree.args.get("overwrite"))  # (steps_for keeps no tree node: see plan_merge)
    hist = history_table(obj.name)

    def steps_for(types: dict[str, str] | None) -> list[str]:
        exprs = []
        for col in columns:
            if col.name not in given:
                exprs.append(coerce(defaults[col.name].copy(), col, written, kind(defaults[col.name])).sql("duckdb"))
                continue
            name = f"__c{given.index(col.name)}"
            if types is not None and name in types:
                exprs.append(typed_write(f'"__src".{duck_ident(name)}', types[name], col, written))
                continue
            node = exp.column(name, table="__src", quoted=True)
            exprs.append(coerce(node, col, written, src_kinds[given.index(col.name)]).sql(dialect="duckdb"))
        steps = [f"UPDATE {hist} SET __vto = {VERSION} WHERE __vto IS NULL"] if overwrite else []
        into = f"INSERT INTO {hist} (__vfrom{', ' if columns else ''}{_cols(columns)}) "
        # The version is the first `?`, ahead of the user's placeholders inside the source query.
        merged = _into_select(flat, exprs, len(given)) if flat is not None else None
        steps.append(into + (merged or f"SELECT ?{', ' if exprs else ''}{', '.join(exprs)} FROM {source_sql}"))
        return steps

    steps = steps_for(None)
    translation = tr.finish(exp.select("1"))
    translation.version_as_param = not tree.args.get("overwrite")
    return DmlPlan(
        obj.name,
        steps,
        [("number of rows inserted", len(steps) - 1)],
        translation,
        params_in=len(steps) - 1,
        version_param=True,
        probe=renamed if written else None,
        retype=steps_for if written else None,
    )


_PROJECTION = "__snowsim_projection__"  # stands for a SELECT list while the rest of a query is generated


def _split_select(query: exp.Select) -> tuple[str, list[str]]:
    """(the SELECT's SQL with its list as _PROJECTION, each item's SQL): texts with other SELECT lists are put
    together from them. Each node is generated once: the generator rewrites some in place (CORR's NaN-to-NULL), so a
    second generation of a translated tree may differ."""
    items = query.expressions
    pieces = [_duck_sql(e) for e in items]
    query.set("expressions", [exp.column(_PROJECTION)])
    around = _duck_sql(query)
    query.set("expressions", items)
    return around, pieces


_FLAT_SELECT_ARGS = {"expressions", "from_", "joins", "laterals", "where"}  # what _insert_source lets through


def _insert_source(query: exp.Expression, selects: list[exp.Expression], given: list[str], columns: list[str],
                   eligible: bool) -> tuple[str, tuple[str, list[str]] | None]:
    """The source query's SQL, and (its SQL with the SELECT list as _PROJECTION, each selected value's SQL) when an
    INSERT can convert the values in the query's own SELECT: one SELECT level less for DuckDB to bind (a task's
    INSERT ... SELECT from a stream: 3.1 -> 2.9 ms CPU, lab, medians of 60 interleaved).

    Only a plain SELECT: DISTINCT, grouping, QUALIFY, ORDER BY and LIMIT act on the values before conversion, and a
    WITH would sit between INSERT and SELECT. The columns must be given in the table's order, so that the values (and
    the `?` in them, which DuckDB numbers by position) keep their order when written in the table's column order.
    The pieces must add up to the query's SQL generated from a copy (see _split_select).
    """
    if (not eligible or not isinstance(query, exp.Select) or len(selects) != len(given)
            or any(v for k, v in query.args.items() if k not in _FLAT_SELECT_ARGS)
            or [c for c in columns if c in given] != given):
        return _duck_sql(query), None
    whole = _duck_sql(fast_copy(query))
    around, pieces = _split_select(query)
    values = []
    for p, piece in zip(selects, pieces, strict=True):
        suffix = f" AS {_duck_sql(p.args['alias'])}" if isinstance(p, exp.Alias) else ""
        values.append(piece[: len(piece) - len(suffix)] if piece.endswith(suffix) else None)
    if None in values or around.count(_PROJECTION) != 1 or around.replace(_PROJECTION, ", ".join(pieces)) != whole:
        return whole, None
    return whole, (around, values)


def _into_select(flat: tuple[str, list[str]], exprs: list[str], given: int) -> str | None:
    """The INSERT's SELECT with each value converted in place of its "__src".__cN reference; None when a conversion
    reads its value more than once (it would be computed, and its `?` bound, twice)."""
    around, values = flat
    out = []
    for expr in exprs:
        refs = [i for i in range(given) if f'"__src"."__c{i}"' in expr]
        if len(refs) > 1 or (refs and expr.count(f'"__src"."__c{refs[0]}"') != 1):
            return None
        out.append(expr.replace(f'"__src"."__c{refs[0]}"', f"({values[refs[0]]})") if refs else expr)
    return around.replace(_PROJECTION, ", ".join(["?", *out]), 1)


def _check_values(tr: Translator, values: exp.Values) -> None:
    # Snowflake rejects non-constant function calls such as PARSE_JSON in a VALUES clause (docs: sql/insert).
    for fn in values.find_all(exp.ParseJSON, exp.Anonymous):
        name = fn.sql(dialect="snowflake")
        raise errors.compilation_error(2014, f"Invalid expression [{name}] in VALUES clause", "22000")


def _rid_select(tr: Translator, target: exp.Table, projections: list[exp.Expression], extra_from: list[exp.Expression],
                where: exp.Expression | None, joins: list[exp.Join] | None = None) -> exp.Select:
    select = exp.Select(expressions=projections)
    select.set("from_", exp.From(this=_with_rid(target)))
    all_joins = [exp.Join(this=src, kind="CROSS") if not isinstance(src, exp.Join) else src for src in extra_from]
    select.set("joins", all_joins + (joins or []))
    if where is not None:
        select.set("where", exp.Where(this=where))
    return select


def _alias_of(table: exp.Table) -> str:
    alias = table.args.get("alias")
    return normalize(alias.this) if alias is not None else normalize(table.this)


def _add_rid(query: exp.Select, alias: str, born: bool = False) -> exp.Select:
    # __trid: the target row's id; __tborn (born=True, for updates): the target row was inserted by the writing
    # transaction, so its new version keeps __ins (storage.py; translate.py computes it on the target relation)
    hidden = [_as(exp.column("__rid", table=alias, quoted=True), "__trid")]
    if born:
        hidden.append(_as(exp.column("__tborn", table=alias, quoted=True), "__tborn"))
    query.set("expressions", [*hidden, *query.expressions])
    return query


def _fold_clause(query: exp.Select, t_alias: str, matched: list[bool]) -> None:
    """Replace the joined rows' clause conditions (__c0, __c1...) by __clause, the first clause each row takes (-1: none).

    In the join's own projection rather than a SELECT around it: DuckDB binds every column once more per SELECT level.
    """
    conditions: dict[int, exp.Expression] = {}
    kept = []
    for node in query.expressions:
        name = node.alias_or_name
        if isinstance(node, exp.Alias) and name.startswith("__c") and name[3:].isdigit():
            conditions[int(name[3:])] = node.this
        else:
            kept.append(node)
    ifs = []
    for k, m in enumerate(matched):
        found: exp.Expression = exp.Is(this=exp.column("__rid", table=t_alias, quoted=True), expression=exp.null())
        side = exp.Not(this=found) if m else found
        ifs.append(exp.If(this=exp.And(this=side, expression=exp.Paren(this=conditions[k])), true=exp.Literal.number(k)))
    case = exp.Case(ifs=ifs, default=exp.Literal.number(-1))
    query.set("expressions", [*kept, exp.Alias(this=case, alias=exp.to_identifier("__clause"))])


def plan_update(tr: Translator, tree: exp.Update) -> DmlPlan:
    """UPDATE t [alias] SET col = expr [, ...] [FROM ...] [WHERE ...]"""
    target = tree.this
    obj = _target(tr, target)
    columns = obj.columns
    alias = _alias_of(target)
    sets: dict[str, exp.Expression] = {}
    for eq in tree.expressions:
        col = normalize(eq.this.this) if isinstance(eq.this, exp.Column) else normalize(eq.this)
        if col not in {c.name for c in columns}:
            raise errors.invalid_identifier(col)
        sets[col] = eq.expression
    projections = [
        exp.alias_(sets[c.name] if c.name in sets else exp.column(c.name, table=alias, quoted=True), f"__n{i}", quoted=True)
        for i, c in enumerate(columns)
    ]
    from_ = tree.args.get("from_")
    extra = [from_.this] if from_ is not None else []
    select = _rid_select(tr, target, projections, extra, tree.args.get("where") and tree.args["where"].this,
                         joins=list(tree.args.get("joins") or []))
    query = tr.pruned(_add_rid(tr.query(select, name_outputs=False, pruned=False), alias, born=True))  # after the row id is read
    hist = history_table(obj.name)
    multi = from_ is not None
    update_kinds = _kinds(query)
    joined = _duck_sql(query)

    def new_value(i: int, c: Column, types: dict[str, str] | None) -> str:
        if types is not None:
            return typed_write(duck_ident(f"__n{i}"), types[f"__n{i}"], c, obj.name.name)
        return coerce(exp.column(f"__n{i}", quoted=True), c, obj.name.name,
                      update_kinds.get(f"__n{i}", UNKNOWN)).sql("duckdb")

    strict = multi and tr.session.flag("ERROR_ON_NONDETERMINISTIC_UPDATE")
    # One action per target row (__one): only a FROM can join a target row to several rows, and then (the parameter
    # off) Snowflake applies an arbitrary one of them; with the parameter on the check refuses such a row first. The
    # window is added only then, in the one CTAS: a partitioned window over the wide joined rows costs DuckDB ms.
    # (The former shape, a second CTAS deduplicating and a counting query: UPDATE 6.3 -> 4.1 ms, UPDATE ... FROM
    # 6.6 -> 5.7 ms, lab, median of 40 interleaved.)
    dedup = (multi or bool(tree.args.get("joins"))) and not strict
    one = f"{TEMP} WHERE __one" if dedup else TEMP

    def steps_for(types: dict[str, str] | None) -> list[str]:
        new_values = ", ".join(new_value(i, c, types) for i, c in enumerate(columns))
        ctas = (f"SELECT *, row_number() OVER (PARTITION BY __trid) = 1 AS __one FROM ({joined})" if dedup
                else joined)
        return [
            f"CREATE OR REPLACE TEMP TABLE {TEMP} AS {ctas}",
            f"UPDATE {hist} SET __vto = {VERSION} WHERE __vto IS NULL AND __rid IN (SELECT __trid FROM {one})",
            f"INSERT INTO {hist} ({_cols(columns)}, __rid, __vfrom, __ins) "
            f"SELECT {new_values}, __trid, {VERSION}, __tborn FROM {one}",
        ]

    steps = steps_for(None)
    check = _duplicate_check(obj, "TRUE") if strict else None
    # docs (sql/update): the result always has both columns. From the steps' counts: the INSERT wrote the updated
    # rows; the CTAS's joined rows beyond those are the multi-joined ones (no counting query: ~0.5 ms less).
    counts: list[tuple[str, str | int | tuple[int, int]]] = [
        ("number of rows updated", 2), ("number of multi-joined rows updated", (0, 2))]
    return DmlPlan(obj.name, steps, counts, tr.finish(exp.select("1")), check=check, params_in=0, probe=joined,
                   retype=steps_for)


def _duplicate_check(obj: CatalogObject, offending: str) -> tuple[str, str, str]:
    # The first target row joined by several source rows where `offending` holds; its current values are reported.
    hist = history_table(obj.name)
    first = (f"SELECT __trid FROM {TEMP} WHERE __trid IS NOT NULL GROUP BY __trid "
             f"HAVING count(*) > 1 AND bool_or({offending}) ORDER BY __trid LIMIT 1")
    # First one flat aggregate: the joined rows that match a target row (DmlPlan.matched_only) and how many distinct
    # target rows they match; only when those differ (a target row joined twice) is the duplicate looked for
    # (0.89 -> 0.47 ms per MERGE, lab, against one statement with both subqueries).
    probe = f"SELECT count(__trid), count(DISTINCT __trid) FROM {TEMP}"
    return (probe, f"SELECT ({first})",
            f"SELECT {_cols(obj.columns) or 'NULL'} FROM {hist} WHERE __vto IS NULL AND __rid = ({first})")


def plan_delete(tr: Translator, tree: exp.Delete) -> DmlPlan:
    """DELETE FROM t [alias] [USING ...] [WHERE ...]"""
    target = tree.this
    obj = _target(tr, target)
    alias = _alias_of(target)
    using = list(tree.args.get("using") or [])
    select = _rid_select(tr, target, [exp.alias_(exp.true(), "__x", quoted=True)], using,
                         tree.args.get("where") and tree.args["where"].this)
    query = tr.pruned(_add_rid(tr.query(select, name_outputs=False, pruned=False), alias))  # after the row id is read
    hist = history_table(obj.name)
    steps = [
        f"CREATE OR REPLACE TEMP TABLE {TEMP} AS SELECT DISTINCT __trid FROM ({_duck_sql(query)})",
        f"UPDATE {hist} SET __vto = {VERSION} WHERE __vto IS NULL AND __rid IN (SELECT __trid FROM {TEMP})",
    ]
    return DmlPlan(obj.name, steps, [("number of rows deleted", f"SELECT count(*) FROM {TEMP}")],
                   tr.finish(exp.select("1")), params_in=0)


# Called as fn(conn, table_name) after a TRUNCATE's steps, inside its statement (load_metadata.py forgets the
# table's COPY load metadata, docs: sql-reference/sql/truncate-table).
TRUNCATE_LISTENERS: list[Callable[[Connection, ObjectName], None]] = []


@dataclass
class TruncatePlan(DmlPlan):
    """A TRUNCATE: a DML plan that also notifies TRUNCATE_LISTENERS."""

    def run(self, conn: Connection, params: list) -> Result:
        """Execute, then tell the listeners."""
        super().run(conn, params)
        for listener in TRUNCATE_LISTENERS:
            listener(conn, self.target)
        return Result.message("status", "Statement executed successfully.")  # docs: sql/truncate-table


@dataclass
class NothingToDo:
    """A statement with no effect, answered by the status row (TRUNCATE TABLE IF EXISTS of a missing table)."""

    writes = False

    def run(self, conn: Connection, params: list) -> Result:
        """Report success."""
        return Result.message("status", "Statement executed successfully.")


def plan_truncate(tr: Translator, table: exp.Table) -> DmlPlan:
    """TRUNCATE [TABLE] [IF EXISTS] t: every current row is deleted (a standard stream shows the deletes)."""
    if (isinstance(table.parent, exp.TruncateTable) and table.parent.args.get("exists")
            and tr.catalog.get("TABLE", tr.qualify_name(tr.table_parts(table))) is None):
        return NothingToDo()
    obj = _target(tr, table)
    hist = history_table(obj.name)
    return TruncatePlan(obj.name, [f"UPDATE {hist} SET __vto = {VERSION} WHERE __vto IS NULL"], [],
                        tr.finish(exp.select("1")), params_in=0)


@dataclass
class _Clause:
    kind: str  # UPDATE | DELETE | INSERT
    matched: bool
    condition: exp.Expression | None
    sets: dict[str, exp.Expression] = field(default_factory=dict)
    inserts: dict[str, exp.Expression] = field(default_factory=dict)


def _merge_clauses(tree: exp.Merge, columns: list[Column]) -> list[_Clause]:
    names = [c.name for c in columns]
    out: list[_Clause] = []
    whens = tree.args["whens"].expressions if isinstance(tree.args.get("whens"), exp.Whens) else tree.args.get("whens") or []
    for when in whens:
        then = when.args["then"]
        matched = bool(when.args.get("matched"))
        cond = when.args.get("condition")
        if isinstance(then, exp.Update):
            sets = {}
            # UPDATE ALL BY NAME (sqlglot: SET *): every target column from the source column of the same name
            by_name = not then.expressions or all(isinstance(e, exp.Star) for e in then.expressions)
            if by_name:
                for n in names:
                    sets[n] = exp.column(n, table="__SOURCE__", quoted=True)
            for eq in [] if by_name else then.expressions:
                col = eq.this
                cname = normalize(col.this) if isinstance(col, exp.Column) else normalize(col)
                if cname not in names:
                    raise errors.invalid_identifier(cname)
                sets[cname] = eq.expression
            out.append(_Clause("UPDATE", matched, cond, sets=sets))
        elif isinstance(then, exp.Insert):
            cols_node = then.this
            vals_node = then.expression
            if cols_node is None and vals_node is None or isinstance(cols_node, exp.Star):
                inserts = {n: exp.column(n, table="__SOURCE__", quoted=True) for n in names}  # INSERT ALL BY NAME
            else:
                cols = [normalize(c.this) if isinstance(c, exp.Column) else normalize(c) for c in (cols_node.expressions if isinstance(cols_node, exp.Tuple) else [cols_node])] if cols_node is not None else names
                vals = vals_node.expressions if isinstance(vals_node, exp.Tuple) else [vals_node]
                if len(cols) != len(vals):
                    raise errors.compilation_error(2020, f"Insert value list does not match column list expecting {len(cols)} but got {len(vals)}", "21S01")
                for c in cols:
                    if c not in names:
                        raise errors.invalid_identifier(c)
                inserts = dict(zip(cols, vals, strict=True))
            out.append(_Clause("INSERT", matched, cond, inserts=inserts))
        elif isinstance(then, exp.Var) and then.name.upper() == "DELETE" or (isinstance(then, exp.Expression) and then.sql().upper() == "DELETE"):
            out.append(_Clause("DELETE", matched, cond))
        else:
            raise errors.not_supported(f"MERGE action {then.sql('snowflake')}", tr_statement(tree))
    return out


def _as(node: exp.Expression, alias: str) -> exp.Alias:
    # exp.alias_ deep-copies its argument; the nodes here belong to a freshly parsed tree, so no copy is needed
    return exp.Alias(this=node, alias=exp.to_identifier(alias, quoted=True))


def _narrowed_target(query: exp.Select, t_alias: str, items: list[exp.Expression]) -> tuple[str, str] | None:
    """(the target relation's SQL, its SQL with only the columns `items` and the join read), or None when that is
    all of them: the insert-only step reads the row id and the join's columns, not those an update keeps."""
    target = next((t for t in derived_tables(query) if t.alias == t_alias), None)
    if target is None or not droppable(target):
        return None
    read = read_columns(query, target, reads(query), items)
    if read is None:
        return None
    whole = target.this.expressions
    full = _duck_sql(target)
    if not narrow(target, read):
        return None
    lean = _duck_sql(target)
    target.this.set("expressions", whole)
    return full, lean


def tr_statement(tree: exp.Expression) -> str:
    return tree.sql(dialect="snowflake")


def plan_merge(tr: Translator, tree: exp.Merge) -> DmlPlan:
    """MERGE INTO t USING s ON ... WHEN [NOT] MATCHED [AND ...] THEN ... (clauses in order)."""
    target = tree.this
    obj = _target(tr, target)
    columns = obj.columns
    t_alias = _alias_of(target)
    source = tree.args["using"]
    s_alias = normalize(source.args["alias"].this) if source.args.get("alias") else (
        normalize(source.this) if isinstance(source, exp.Table) else "__S")
    clauses = _merge_clauses(tree, columns)
    def src(node: exp.Expression) -> exp.Expression:
        for col in node.find_all(exp.Column):
            if col.table == "__SOURCE__":
                col.set("table", exp.to_identifier(s_alias, quoted=True))
        return node

    proj: list[exp.Expression] = []
    for i, c in enumerate(columns):
        proj.append(_as(exp.column(c.name, table=t_alias, quoted=True), f"__t{i}"))
    for k, cl in enumerate(clauses):
        proj.append(_as(src(cl.condition) if cl.condition is not None else exp.true(), f"__c{k}"))
        if cl.kind == "UPDATE":
            for i, c in enumerate(columns):
                if c.name in cl.sets:
                    proj.append(_as(src(cl.sets[c.name]), f"__u{k}_{i}"))
        if cl.kind == "INSERT":
            for i, c in enumerate(columns):
                value = src(cl.inserts[c.name]) if c.name in cl.inserts else (
                    exp.maybe_parse(c.default, dialect="snowflake") if c.default else exp.null())
                proj.append(_as(value, f"__i{k}_{i}"))
    select = exp.Select(expressions=proj)
    select.set("from_", exp.From(this=_with_rid(target)))
    select.set("joins", [exp.Join(this=source, side="RIGHT", on=tree.args["on"])])
    query = _add_rid(tr.query(select, name_outputs=False, pruned=False), t_alias, born=True)
    _fold_clause(query, t_alias, [cl.matched for cl in clauses])
    hist = history_table(obj.name)
    upd = [k for k, cl in enumerate(clauses) if cl.kind == "UPDATE"]
    dele = [k for k, cl in enumerate(clauses) if cl.kind == "DELETE"]
    ins = [k for k, cl in enumerate(clauses) if cl.kind == "INSERT"]

    def in_(ks: list[int]) -> str:
        return f"__clause IN ({', '.join(map(str, ks))})" if ks else "FALSE"

    merge_kinds = _kinds(query)
    table = obj.name.name

    # the plan keeps steps_for (and so value) until its first run: names only, no tree nodes (a node keeps its
    # whole statement tree alive through its parents)
    sets_of = [set(cl.sets) for cl in clauses]

    def branch(n: str, c: Column, types: dict[str, str] | None, mixed: bool) -> str:
        # one value (a name, or NULL) converted from its own type. Where updated and inserted rows meet in one
        # INSERT (`mixed`), it is cast to the column's storage type as each kind's own INSERT did implicitly: the
        # UNION ALL would otherwise unify two other types first (DuckDB refuses some mixes, e.g. TIME and VARCHAR).
        if n == "NULL":
            return n
        sql = duck_ident(n)
        if types is not None:
            converted = typed_write(sql, types[n], c, table)
        elif is_semi_structured(c.type):
            converted = f"sf_to_variant({sql})"
        else:
            converted = write_sql(sql, c.type, c.name, table, merge_kinds.get(n, UNKNOWN))
        storage = duck_type(c.type)
        if mixed and not is_semi_structured(c.type) and (types is None or types[n] != storage.upper()):
            return f"CAST({converted} AS {storage})"
        return converted

    def value(i: int, c: Column, ks: list[int], prefix: str, fallback: str, types: dict[str, str] | None,
              mixed: bool) -> str:
        # column i's new value in the rows of clauses ks: a CASE on __clause, an update clause not setting the column
        # keeping `fallback` (a name, or NULL)
        picked = [k for k in ks if (prefix == "__i" or c.name in sets_of[k])]
        names = [f"{prefix}{k}_{i}" for k in picked]
        if len(ks) == 1:  # every row is of that clause: no CASE (binding 15 CASEs cost ~1 ms per MERGE)
            picked, names, fallback = [], [], names[0] if names else fallback
        if types is not None or mixed:  # each branch converted from its own DuckDB type
            parts = [f"WHEN {k} THEN {branch(n, c, types, mixed)}" for k, n in zip(picked, names, strict=True)]
            other = branch(fallback, c, types, mixed)
            return f"CASE __clause {' '.join(parts)} ELSE {other} END" if parts else other
        other = "NULL" if fallback == "NULL" else duck_ident(fallback)
        parts = [f"WHEN {k} THEN {duck_ident(n)}" for k, n in zip(picked, names, strict=True)]
        expr = f"CASE __clause {' '.join(parts)} ELSE {other} END" if parts else other
        if is_semi_structured(c.type):
            return f"sf_to_variant({expr})"
        # one static conversion when every branch has the same known kind (a NULL fallback fits any kind)
        found = {merge_kinds.get(n, UNKNOWN) for n in names}
        if fallback != "NULL":
            found.add(merge_kinds.get(fallback, UNKNOWN))
        found.discard(NULL)
        return write_sql(expr, c.type, c.name, table, found.pop() if len(found) == 1 else UNKNOWN)

    strict = tr.session.flag("ERROR_ON_NONDETERMINISTIC_MERGE")
    # A target column is read only as the value an update keeps (value()'s fallback): the others are not
    # materialised (the caves_albert ORDERS MERGE: 11 of 15 columns fewer to bind and copy).
    kept_t = {f"__t{i}" for i, c in enumerate(columns)
              if len(upd) > 1 or any(c.name not in sets_of[k] for k in upd)}
    query.set("expressions", [e for e in query.expressions
                              if not (e.alias_or_name.startswith("__t") and e.alias_or_name[3:].isdigit())
                              or e.alias_or_name in kept_t])
    # The insert-only step reads only the clause and the inserted values: the join without the target's columns and
    # the update values is ~30 expressions less for DuckDB to bind. (An expression holding a bound parameter stays:
    # DuckDB refuses values for parameters a statement lacks.) Both texts are put together from each projection's
    # SQL (_split_select): a second generation of the whole join cost ~0.15 ms of the MERGE's translation. (The DuckDB
    # generator's rewrites of a whole SELECT - CONNECT BY, SEQ over GENERATOR - need a FROM this join never has.)
    lean = [e.alias_or_name == "__clause" or e.alias_or_name.startswith("__i")
            or e.find(exp.Placeholder, exp.Parameter) is not None for e in query.expressions]
    narrowed = None
    if tr.prune:  # the target's and the source's columns nothing reads (pruning.py)
        tr.pruned(query)
        narrowed = _narrowed_target(query, t_alias, [e for e, keep in zip(query.expressions, lean, strict=True) if keep])
    around, pieces = _split_select(query)
    joined = around.replace(_PROJECTION, ", ".join(pieces), 1)
    if narrowed is not None and around.count(narrowed[0]) == 1:
        around = around.replace(*narrowed)
    joined_lean = around.replace(_PROJECTION, ", ".join(
        sql for sql, keep in zip(pieces, lean, strict=True) if keep), 1)

    # One action per target row (__one): with the parameter off, Snowflake applies an arbitrary one of the joined
    # rows. With it on, the check (on all joined rows) refuses a target row several rows would UPDATE, so the rows of
    # a clause are the actions: several DELETEs of one row end it once (the UPDATE's IN; counted DISTINCT below),
    # inserted rows are never deduplicated. The window is added only when needed: partitioned over the wide joined
    # rows, it cost DuckDB ~4 ms per MERGE (CTAS 10.4 -> 6.4 ms, lab, median of 40 interleaved).
    dedup = bool(upd) and not strict
    # Without the window every row of a clause (__clause >= 0) is an action, so the steps' `__clause IN (...)` needs
    # no __one column, and the join is materialised as is: one SELECT level less to bind (~0.7 ms per MERGE, lab).
    pick = ("__clause >= 0 AND (__trid IS NULL OR row_number() OVER (PARTITION BY __trid, __clause >= 0 "
            "ORDER BY __clause) = 1)")
    one = f"{TEMP} WHERE __one" if dedup else f"{TEMP} WHERE TRUE"

    def steps_for(types: dict[str, str] | None) -> list[str]:
        steps = [f"CREATE OR REPLACE TEMP TABLE {TEMP} AS "
                 + (f"SELECT *, {pick} AS __one FROM ({joined})" if dedup else joined)]
        if upd or dele:
            steps.append(f"UPDATE {hist} SET __vto = {VERSION} WHERE __vto IS NULL AND __rid IN "
                         f"(SELECT __trid FROM {one} AND {in_(upd + dele)})")
        # the new versions of the updated rows and the inserted rows, in one INSERT: one statement instead of two
        # (4.4 -> 2.4 ms, lab); a UNION ALL binds ~1 ms faster than one SELECT with a CASE on __clause per column
        mixed = bool(upd and ins)
        written = []
        if upd:
            values = ", ".join(value(i, c, upd, "__u", f"__t{i}", types, mixed) for i, c in enumerate(columns))
            written.append(f"SELECT {values}, __trid, {VERSION}, __tborn FROM {one} AND {in_(upd)}")
        if ins:
            values = ", ".join(value(i, c, ins, "__i", "NULL", types, mixed) for i, c in enumerate(columns))
            written.append(f"SELECT {values}, nextval('{RID_SEQUENCE}'), {VERSION}, TRUE FROM {one} AND {in_(ins)}")
        if written:
            steps.append(f"INSERT INTO {hist} ({_cols(columns)}, __rid, __vfrom, __ins) {' UNION ALL '.join(written)}")
        if ins:
            # The runs where no row takes a matched clause (every source row new, as in an append-mostly feed) need
            # none of the above: one INSERT of the inserted rows straight from the join, refusing any row a matched
            # clause would act on (DmlPlan.insert_only). CTAS + probe + write 6.9 -> 4.3 ms (lab, median of 40).
            values = ", ".join(value(i, c, ins, "__i", "NULL", types, False) for i, c in enumerate(columns))
            acting = upd + dele
            keep = (f"CASE WHEN {in_(acting)} THEN error('{INSERT_ONLY_MISSED}') ELSE {in_(ins)} END" if acting
                    else in_(ins))
            steps.append(f"INSERT INTO {hist} ({_cols(columns)}, __rid, __vfrom, __ins) SELECT {values}, "
                         f"nextval('{RID_SEQUENCE}'), {VERSION}, TRUE FROM ({joined_lean}) WHERE {keep}")
        return steps

    steps = steps_for(None)
    check = None
    if strict and upd:
        # docs (merge, "Duplicate join behavior"): a target row joined by several source rows is nondeterministic
        # when any of them would UPDATE it; several DELETEs (or inserts of duplicates) are deterministic.
        check = _duplicate_check(obj, in_(upd))
    # Counts from the steps' own results where they suffice (each __one row is one action): step `ended` ended the
    # updated and deleted rows, the last step wrote the updated and inserted ones. With all three kinds of clause,
    # one query counts them.
    ended, wrote = 1, len(steps) - 1 - bool(ins)  # (the insert-only step, last, is not one of the general steps)

    def counted(ks: list[int], what: str) -> str:
        return f"SELECT count({what}) FROM {one} AND {in_(ks)}"

    counts: list[tuple[str, str | int | tuple[int, int]]] = []
    if ins:
        counts.append(("number of rows inserted",
                       wrote if not upd else (wrote, ended) if not dele else counted(ins, "*")))
    if upd:
        counts.append(("number of rows updated",
                       ended if not dele else wrote if not ins else counted(upd, "DISTINCT __trid")))
    if dele:
        counts.append(("number of rows deleted",
                       ended if not upd else (ended, wrote) if not ins else counted(dele, "DISTINCT __trid")))
    return DmlPlan(obj.name, steps, counts, tr.finish(exp.select("1")), check=check, params_in=0, probe=joined,
                   retype=steps_for, matched_only=1 if check is not None and (upd or dele) else None,
                   insert_only=bool(ins))
