"""The machinery behind the Snowflake function rewrites: a handler registry, one bottom-up walk, and value kinds.

The translator calls `rewrite_tree` once per query tree (it is registered in translate.REWRITES by functions.py).
The walk is post-order, so a handler sees its arguments already translated to DuckDB; what it needs to know about
them is their Snowflake *kind* (VARIANT, STRING, NUMBER, ...), read from sqlglot's type annotation or, for nodes the
rewrites built, from a tag the builder left in `node.meta`. Handlers are plain functions `fn(node, translator)`
returning the replacement node (or the node itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.params import MARKER

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator

Handler = Callable[[exp.Expression, "Translator"], exp.Expression]

# Snowflake value kinds the rewrites reason about (coarser than types: NUMBER covers every NUMBER(p,s)).
VARIANT, STRING, NUMBER, FLOAT, BOOLEAN = "VARIANT", "STRING", "NUMBER", "FLOAT", "BOOLEAN"
DATE, TIME, NTZ, LTZ, NULL, UNKNOWN = "DATE", "TIME", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "NULL", "UNKNOWN"

HANDLERS: dict[type[exp.Expression], Handler] = {}
ANONYMOUS: dict[str, Handler] = {}  # functions sqlglot parses as exp.Anonymous, by upper-case name
ANONYMOUS_FALLBACK: list[Handler] = []  # called for an exp.Anonymous no handler claims (unknown functions)
# Called once on the whole tree before the walk when it contains a node of the given class (e.g. FLATTEN types its
# output columns, which are referenced from parts of the query the walk handles first).
PREPARE: dict[type[exp.Expression], Callable[[exp.Expression, Translator], None]] = {}

_T = exp.DataType.Type
_KIND_OF_TYPE: dict[exp.DataType.Type, str] = {
    **dict.fromkeys((_T.VARIANT, _T.JSON, _T.OBJECT, _T.ARRAY, _T.STRUCT, _T.MAP), VARIANT),
    **dict.fromkeys((_T.VARCHAR, _T.TEXT, _T.CHAR, _T.NVARCHAR, _T.NCHAR, _T.NAME), STRING),
    **dict.fromkeys((_T.INT, _T.BIGINT, _T.SMALLINT, _T.TINYINT, _T.UTINYINT, _T.INT128, _T.UBIGINT, _T.UINT,
                     _T.USMALLINT, _T.DECIMAL, _T.BIGDECIMAL, _T.DECIMAL32, _T.DECIMAL64, _T.DECIMAL128,
                     _T.DECIMAL256), NUMBER),
    **dict.fromkeys((_T.FLOAT, _T.DOUBLE), FLOAT),
    _T.BOOLEAN: BOOLEAN,
    _T.DATE: DATE,
    _T.TIME: TIME,
    **dict.fromkeys((_T.TIMESTAMP, _T.TIMESTAMPNTZ, _T.DATETIME, _T.TIMESTAMP_NS, _T.TIMESTAMP_MS, _T.TIMESTAMP_S),
                    NTZ),
    **dict.fromkeys((_T.TIMESTAMPLTZ, _T.TIMESTAMPTZ), LTZ),
    _T.NULL: NULL,
}
# Nodes whose result kind does not depend on sqlglot's annotation (which does not know them).
_KIND_OF_NODE: dict[type[exp.Expression], str] = {
    exp.JSONExtract: VARIANT, exp.Bracket: VARIANT, exp.ParseJSON: VARIANT, exp.Struct: VARIANT,
    exp.Array: VARIANT, exp.ArrayAgg: VARIANT, exp.ToVariant: VARIANT, exp.GetExtract: VARIANT,
    exp.Boolean: BOOLEAN, exp.Null: NULL, exp.Placeholder: STRING,
}  # fmt: skip


def handles(*classes: type[exp.Expression]) -> Callable[[Handler], Handler]:
    """Register a handler for sqlglot node classes."""

    def wrap(fn: Handler) -> Handler:
        for cls in classes:
            HANDLERS[cls] = fn
        return fn

    return wrap


def handles_anonymous(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for functions sqlglot leaves as exp.Anonymous (matched by upper-case name)."""

    def wrap(fn: Handler) -> Handler:
        for name in names:
            ANONYMOUS[name.upper()] = fn
        return fn

    return wrap


def rewrite_tree(node: exp.Expression, tr: Translator) -> exp.Expression:
    """translate.REWRITES entry: Expression.transform() calls it first on the tree's root, where it does all the work.

    It always returns a new root object, so transform() does not descend into the tree and call it on every node
    again (the walk has handled them all). The tree may hang under a statement (INSERT ... SELECT): the caller uses
    the returned root.
    """
    root = walk(node, tr)
    if root is node:
        root = type(node)(**node.args)
        root._type, root._meta, root.comments = node._type, node._meta, node.comments  # noqa: SLF001
    if MARKER in tr.statement:
        root = _bind_parameters(root, tr)
    return root


# ---- bound parameters ----------------------------------------------------------------------------------------------
# params.py turns the statement's placeholders into markers :__p1, :__p2...: sqlglot keeps them as named placeholders,
# so one the translation copies (a function reading an argument twice, here or in sqlglot's generator; an alias
# expanded into WHERE) still names one value. After the walk they become DuckDB's numbered `$1`, `$2`..., which read
# the same value wherever the copies land. The exception is INSERT: dml.py binds the row version as the statement's
# first `?`, ahead of the user's values, and DuckDB numbers a `?` after the highest parameter seen before it, so `$1`
# would be the version. There the values must be plain `?`, in text order.
_PREFIX = MARKER[1:]
_INSERT = re.compile(r"(?:\s+|--[^\n]*|//[^\n]*|/\*.*?\*/|\()*INSERT\b", re.I | re.S)
_DUCK_MARKER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$" + _PREFIX + r"(\d+)")
_NAME_MARKER = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|" + MARKER.upper() + r"\d+")
_PARAMETERS_CTE = "__snowsim_parameters"


def _is_marker(node: exp.Expression) -> bool:
    return isinstance(node, exp.Placeholder) and str(node.this or "").startswith(_PREFIX)


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper()
    return node.sql_name() if isinstance(node, exp.Func) else node.key.upper()


def _bind_parameters(root: exp.Expression, tr: Translator) -> exp.Expression:
    """The tree with its parameter markers as DuckDB parameters (`$N`; `?` in text order for an INSERT)."""
    holders = [p for p in root.find_all(exp.Placeholder) if _is_marker(p)]
    _name_as_written(root)
    if not holders:
        return root
    text = root.sql(dialect="duckdb")
    order = [int(m.group(1)) for m in _DUCK_MARKER.finditer(text) if m.group(1)]
    for p in holders:
        if int(p.this[len(_PREFIX) :]) not in order:
            # sqlglot's generator leaves out an argument it cannot write for DuckDB (REGEXP_LIKE's flags unless
            # constant): DuckDB would refuse the value nothing reads, without naming it
            raise not_supported(f"a bound parameter as this argument of {_name(p.parent)}", tr)
    if _INSERT.match(tr.statement):
        return _in_text_order(root, holders, order, tr)
    for p in holders:
        p.set("this", p.this[len(_PREFIX) :])
    return root


def _name_as_written(root: exp.Expression) -> None:
    # Output columns were named from the text before the rewrites (`SPLIT(:__P1, ',')`): a marker shows as `?`, the
    # name the emulator always gave (Snowflake shows `?` or `:1` as written, or the value pyformat formatted in).
    for proj in getattr(root, "selects", ()):
        if isinstance(proj, exp.Alias) and MARKER.upper() in proj.alias:
            name = _NAME_MARKER.sub(lambda m: m.group() if m.group()[0] in "'\"" else "?", proj.alias)
            proj.set("alias", exp.to_identifier(name, quoted=True))


def _in_text_order(root: exp.Expression, holders: list[exp.Expression], order: list[int],
                   tr: Translator) -> exp.Expression:
    """An INSERT's source with its markers as `?`, each read once and in order of number (`order`: the numbers as
    the DuckDB text reads them)."""
    if order == list(range(1, len(order) + 1)):
        for p in holders:
            p.set("this", None)
        return root
    # Copied or reordered by the translation: each value is read once, in order, in a one-row CTE, and
    # every placeholder becomes a scalar subquery on it. (The values then have the types they are bound with, not
    # the ones DuckDB would infer from where the placeholder stands.)
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        raise not_supported("bound parameters in this INSERT's source", tr)
    numbers = {int(p.this[len(_PREFIX) :]) for p in holders}
    row = exp.select(*(exp.alias_(exp.Placeholder(), f"__p{k}", quoted=True) for k in range(1, max(numbers) + 1)))
    # by argument slot, not by node: sqlglot's parser may put one node in two places (ZEROIFNULL(x) is
    # IFF(x IS NULL, 0, x) with the same x twice)
    slots = [(node, key, i) for node in list(root.walk()) for key, value in node.args.items()
             for i, v in (enumerate(value) if isinstance(value, list) else [(None, value)]) if _is_marker(v)]
    for node, key, i in slots:
        current = node.args[key] if i is None else node.args[key][i]
        if _is_marker(current):
            column = exp.column("__p" + current.this[len(_PREFIX) :], quoted=True)
            node.set(key, exp.Subquery(this=exp.select(column).from_(_PARAMETERS_CTE)), i)
    cte = exp.CTE(this=row, alias=exp.TableAlias(this=exp.to_identifier(_PARAMETERS_CTE)))
    with_ = root.args.get("with_")
    if with_ is None:
        root.set("with_", exp.With(expressions=[cte]))
    else:
        with_.set("expressions", [cte, *with_.expressions])
    return root


def walk(root: exp.Expression, tr: Translator) -> exp.Expression:
    """Rewrite a tree bottom-up and return its new root.

    The nodes that have a handler are collected breadth-first and handled in reverse, so every node is handled after
    all of its descendants; a handler sees its arguments already translated, and nodes it builds are not revisited.
    """
    todo = [n for n in root.walk() if type(n) in HANDLERS or type(n) is exp.Anonymous]
    for node_type, prepare in PREPARE.items():
        if any(type(n) is node_type for n in todo):
            prepare(root, tr)
    for node in reversed(todo):
        parent, key, index = node.parent, node.arg_key, node.index
        new = _handle(node, tr)
        if new is not node:
            if parent is None:
                root = new
            else:
                parent.set(key, new, index)
    return root


def _handle(node: exp.Expression, tr: Translator) -> exp.Expression:
    try:
        return _dispatch(node, tr)
    except (ValueError, TypeError):
        # a handler reading an argument it needs as a constant (a precision, a scale) from a bound parameter's node
        if any(_is_marker(p) for p in node.find_all(exp.Placeholder)):
            raise not_supported(f"a bound parameter as this argument of {_name(node)}", tr) from None
        raise


def _dispatch(node: exp.Expression, tr: Translator) -> exp.Expression:
    handler = HANDLERS.get(type(node))
    if handler is not None:
        return handler(node, tr)
    handler = ANONYMOUS.get(str(node.this).upper())
    if handler is not None:
        return handler(node, tr)
    for fallback in ANONYMOUS_FALLBACK:
        node = fallback(node, tr)
    return node


# ---- kinds -------------------------------------------------------------------------------------------------
def kind(node: exp.Expression | None) -> str:
    """The Snowflake kind of a (possibly already rewritten) node, or UNKNOWN."""
    if node is None:
        return UNKNOWN
    tagged = node.meta.get("sf_kind") if node._meta else None  # noqa: SLF001 - avoid creating empty meta dicts
    if tagged is not None:
        return tagged
    by_node = _KIND_OF_NODE.get(type(node))
    if by_node is not None:
        return by_node
    if isinstance(node, exp.Literal):
        if node.is_string:
            return STRING
        return FLOAT if "e" in node.this.lower() else NUMBER
    if isinstance(node, exp.Paren):
        return kind(node.this)
    if isinstance(node, exp.Cast):
        return kind_of_type(node.to)
    dtype = node.type if isinstance(node, exp.Expression) else None
    if dtype is not None:
        return kind_of_type(dtype)
    return UNKNOWN


def kind_of_type(dtype: exp.DataType | None) -> str:
    """The kind of a sqlglot DataType."""
    if dtype is None:
        return UNKNOWN
    return _KIND_OF_TYPE.get(dtype.this, UNKNOWN)


def typed(node: exp.Expression, sf_kind: str) -> exp.Expression:
    """Tag a node built by a rewrite with its Snowflake kind."""
    node.meta["sf_kind"] = sf_kind
    return node


# ---- builders ----------------------------------------------------------------------------------------------
def call(name: str, *args: exp.Expression | str | int, sf_kind: str = UNKNOWN,
         **named: exp.Expression | str | int | None) -> exp.Expression:
    """A DuckDB function call (kept verbatim by the generator), tagged with its kind; named args: `name := value`."""
    expressions = [_arg(a) for a in args]
    expressions += [exp.PropertyEQ(this=exp.to_identifier(k), expression=_arg(v)) for k, v in named.items()
                    if v is not None]
    return typed(exp.Anonymous(this=name, expressions=expressions), sf_kind)


def _arg(a: exp.Expression | str | int) -> exp.Expression:
    if isinstance(a, exp.Expression):
        return a
    if isinstance(a, str):
        return exp.Literal.string(a)
    return exp.Literal.number(a)


def duck_type(text: str) -> exp.DataType:
    """A DuckDB data type node."""
    return _duck_type(text).copy()


@lru_cache(maxsize=256)
def _duck_type(text: str) -> exp.DataType:
    return exp.DataType.build(text, dialect="duckdb")


def cast(node: exp.Expression, duck: str, sf_kind: str, safe: bool = False) -> exp.Expression:
    """CAST / TRY_CAST to a DuckDB type."""
    cls = exp.TryCast if safe else exp.Cast
    return typed(cls(this=node, to=duck_type(duck)), sf_kind)


def template(sql: str, *args: exp.Expression, sf_kind: str = UNKNOWN) -> exp.Expression:
    """DuckDB SQL with {0}, {1}... holes filled by nodes (the text is parsed once and cached).

    A hole read twice gets a copy of its argument: a bound parameter in it is numbered (`$1`), so the copy reads the
    same value (statements that need plain `?` are rewritten after the walk: see _in_text_order).
    """
    tree = fast_copy(_parsed(sql))
    for col in list(tree.find_all(exp.Column)):
        name = col.name
        if name.startswith("__hole"):
            i = int(name[6:])
            col.replace(fast_copy(args[i]) if _used_twice(sql, name) else args[i])
    if tree.meta.get("sf_kind") is None:
        typed(tree, sf_kind)
    return tree


def fast_copy(node: exp.Expression) -> exp.Expression:
    """A copy of a tree, without Expression.copy()'s deepcopy machinery (10x faster on the small trees used here)."""
    args = {}
    for key, value in node.args.items():
        if isinstance(value, exp.Expression):
            args[key] = fast_copy(value)
        elif isinstance(value, list):
            args[key] = [fast_copy(v) if isinstance(v, exp.Expression) else v for v in value]
        else:
            args[key] = value
    new = type(node)(**args)
    new._type = node._type  # noqa: SLF001 - types are never mutated, sharing them is safe
    if node._meta:  # noqa: SLF001
        new._meta = dict(node._meta)  # noqa: SLF001
    return new


def _used_twice(sql: str, hole: str) -> bool:
    return _counts(sql).get(hole, 0) > 1


@lru_cache(maxsize=1024)
def _counts(sql: str) -> dict[str, int]:
    text = _holed(sql)
    return {f"__hole{i}": text.count(f"__hole{i}") for i in range(10)}


def _holed(sql: str) -> str:
    for i in range(10):
        sql = sql.replace("{" + str(i) + "}", f"__hole{i}")
    return sql


@lru_cache(maxsize=1024)
def _parsed(sql: str) -> exp.Expression:
    return sqlglot.parse_one(_holed(sql), read="duckdb")


def not_supported(what: str, tr: Translator) -> errors.NotSupportedError:
    """NotSupportedError naming a function or argument snowsim does not emulate."""
    return errors.not_supported(what, tr.statement)


def literal_value(node: exp.Expression | None) -> str | None:
    """The text of a constant string/number/identifier argument (e.g. a date part), or None."""
    if node is None:
        return None
    if isinstance(node, exp.Literal):
        return node.this
    if isinstance(node, (exp.Var, exp.Identifier)):
        return node.name
    if isinstance(node, exp.Column) and not node.table:
        return node.name
    return None
