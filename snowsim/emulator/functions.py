"""Snowflake functions on DuckDB: registers the rewrite pass and the small functions that need no module of their own.

The pass itself (a bottom-up walk dispatching on node class) is in sqlfuncs.py; the functions live by family:
  variant.py          paths, PARSE_JSON, OBJECT/ARRAY constructors, TYPEOF, implicit VARIANT coercions
  conversion.py       CAST / :: / TRY_CAST, TO_* / TRY_TO_*
  datetimes.py        DATEADD, DATEDIFF, DATE_TRUNC, CONVERT_TIMEZONE, CURRENT_TIMESTAMP & co (the clock)
  table_functions.py  FLATTEN, GENERATOR, SEQ1..SEQ8
  this module         DECODE, HASH, SHA2, UUID_STRING, RANDOM, LISTAGG, unknown functions
($name session variables are session_commands.py's: they reach these rewrites as literals.)
Anything sqlglot already transpiles faithfully (IFF, NVL, NVL2, ZEROIFNULL, NULLIFZERO, COALESCE, ILIKE, QUALIFY,
SPLIT_PART, MD5, UNIFORM, ...) is left to sqlglot and covered by the conformance tests in tests/emulator/functions/.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from snowsim.emulator import conversion, datetimes, errors, table_functions, translate, variant  # noqa: F401
from snowsim.emulator.sqlfuncs import (
    ANONYMOUS,
    ANONYMOUS_FALLBACK,
    NUMBER,
    STRING,
    UNKNOWN,
    call,
    fast_copy,
    handles,
    handles_anonymous,
    kind,
    not_supported,
    rewrite_tree,
    template,
    typed,
)  # fmt: skip

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator


# ---- conditional -------------------------------------------------------------------------------------------------
@handles(exp.DecodeCase)
def _decode(node: exp.DecodeCase, tr: Translator) -> exp.Expression:
    """DECODE(expr, search1, result1, ..., [default]): a NULL search matches a NULL expr (docs: decode)."""
    expr, *rest = node.expressions
    ifs = []
    for i in range(0, len(rest) - 1, 2):
        cond = variant.compare(exp.NullSafeEQ(this=fast_copy(expr), expression=rest[i]), tr)
        ifs.append(exp.If(this=cond, true=rest[i + 1]))
    default = rest[-1] if len(rest) % 2 else None
    return variant.case(exp.Case(ifs=ifs, default=default), tr)


# ---- hashing and ids ------------------------------------------------------------------------------------------------
@handles_anonymous("HASH")
def _hash(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    """HASH(...): a deterministic signed 64-bit value. Its values differ from Snowflake's (DuckDB's hash function)."""
    if any(isinstance(a, exp.Star) for a in node.expressions):
        raise not_supported("HASH(*)", tr)
    return call("sf_signed64", call("hash", *node.expressions), sf_kind=NUMBER)


@handles(exp.SHA2)
def _sha2(node: exp.SHA2, tr: Translator) -> exp.Expression:
    length = node.args.get("length")
    if length is not None and not isinstance(length, exp.Literal):
        raise not_supported("SHA2 with a digest size that is not a constant (DuckDB has SHA-256 only)", tr)
    if length is not None and length.name != "256":
        raise not_supported(f"SHA2 with a digest size of {length.name} (DuckDB has SHA-256 only)", tr)
    return typed(node, STRING)


@handles(exp.Uuid)
def _uuid(node: exp.Uuid, tr: Translator) -> exp.Expression:
    if node.args.get("this") is not None or node.args.get("name") is not None:
        raise not_supported("UUID_STRING(uuid, name) (version 5 UUIDs)", tr)
    return template("CAST(uuid() AS VARCHAR)", sf_kind=STRING)


@handles(exp.Rand)
def _random(node: exp.Rand, tr: Translator) -> exp.Expression:
    # RANDOM(seed): DuckDB cannot seed one call; the values are random either way, only not reproducible
    seed = node.args.get("this")
    if seed is not None:
        node.set("this", None)
        if seed.find(exp.Placeholder) is not None:
            # a bound seed is ignored like a constant one, but still read: DuckDB refuses a parameter nothing reads
            return template("CASE WHEN {0} IS NULL THEN {1} ELSE {1} END", seed, node, sf_kind=NUMBER)
    return typed(node, NUMBER)


@handles(exp.Uniform)
def _uniform(node: exp.Uniform, tr: Translator) -> exp.Expression:
    """UNIFORM(min, max, gen): an integer when min and max are integers, else a float (docs: uniform). sqlglot decides
    from the text; a bound value's type is only known when it is bound."""
    if node.this.find(exp.Placeholder) is not None or node.expression.find(exp.Placeholder) is not None:
        raise not_supported("UNIFORM with a bound min or max", tr)
    return node


@handles(exp.Extract)
def _date_part(node: exp.Extract, tr: Translator) -> exp.Expression:
    """DATE_PART / EXTRACT: DuckDB reads the date part from the text, so it cannot be a bound parameter."""
    if node.this.find(exp.Placeholder) is not None:
        raise not_supported("DATE_PART with a bound date part", tr)
    return node


# ---- aggregates ------------------------------------------------------------------------------------------------------
@handles(exp.GroupConcat)
def _listagg(node: exp.GroupConcat, tr: Translator) -> exp.Expression:
    """LISTAGG: the non-NULL values as text; '' for no input or only NULLs (docs: listagg usage notes)."""
    value = node.this
    target = value.this if isinstance(value, (exp.Order, exp.Distinct)) else value
    if isinstance(value, exp.Distinct):
        parts = value.expressions
        value.set("expressions", [_as_text(p) for p in parts])
    elif target is not None and kind(target) not in (STRING, UNKNOWN):
        new = _as_text(target)
        if isinstance(value, exp.Order):
            value.set("this", new)
        else:
            node.set("this", new)
    if isinstance(node.parent, (exp.Window, exp.WithinGroup, exp.Filter)):
        return typed(node, "LISTAGG")
    return template("coalesce({0}, '')", node, sf_kind=STRING)


def _as_text(value: exp.Expression) -> exp.Expression:
    return value if kind(value) in (STRING, UNKNOWN) else conversion.to_text(value)


def _wrap_listagg(node: exp.Expression) -> exp.Expression | None:
    inner = node.this.this if isinstance(node.this, exp.Filter) else node.this
    if kind(inner) == "LISTAGG":
        return template("coalesce({0}, '')", node, sf_kind=STRING)
    return None


@handles(exp.WithinGroup, exp.Window)
def _aggregate_wrapper(node: exp.Expression, tr: Translator) -> exp.Expression:
    wrapped = _wrap_listagg(node)
    return wrapped if wrapped is not None else variant.array_agg_outer(node, tr)


# ---- functions snowsim does not know ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _duckdb_functions() -> frozenset[str]:
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT DISTINCT upper(function_name) FROM duckdb_functions()").fetchall()
    finally:
        con.close()
    return frozenset(r[0] for r in rows)


def _unknown_function(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    # A function neither sqlglot, these rewrites nor DuckDB knows is refused by name (never left to fail obscurely).
    # A DuckDB function of the same name passes: sqlglot maps the Snowflake functions it knows to other nodes.
    name = str(node.this).upper()
    if name in ANONYMOUS or "$" in name or isinstance(node.parent, (exp.Table, exp.TableFromRows)):
        return node  # other modules' functions (SYSTEM$...), table functions
    if name not in _duckdb_functions() and not name.startswith("SF_"):
        raise not_supported(f"the function {name}", tr)
    return node


ANONYMOUS_FALLBACK.append(_unknown_function)
translate.REWRITES.append(rewrite_tree)


@handles(exp.CurrentDatabase, exp.CurrentSchema, exp.CurrentWarehouse, exp.CurrentRole, exp.CurrentUser,
         exp.CurrentAccount, exp.CurrentRegion)
def _context_function(node: exp.Expression, tr: Translator) -> exp.Expression:
    """CURRENT_DATABASE() and friends read the session, not DuckDB's own catalog (docs: functions-context).

    The session's database and schema are part of the plan cache key, so the literal stays right.
    """
    if isinstance(node, exp.CurrentDatabase):
        return exp.Literal.string(tr.session.database) if tr.session.database else exp.null()
    if isinstance(node, exp.CurrentSchema):
        return exp.Literal.string(tr.session.schema) if tr.session.schema else exp.null()
    if isinstance(node, (exp.CurrentWarehouse, exp.CurrentRole, exp.CurrentUser, exp.CurrentAccount, exp.CurrentRegion)):
        value = {
            exp.CurrentWarehouse: tr.session.warehouse or "COMPUTE_WH",
            exp.CurrentRole: "SYSADMIN",
            exp.CurrentUser: "SNOWSIM",
            exp.CurrentAccount: "SNOWSIM",
            exp.CurrentRegion: "SNOWSIM_LOCAL",
        }[type(node)]
        return exp.Literal.string(value)
    return node

