"""The machinery behind the Snowflake function rewrites: a handler registry, one bottom-up walk, and value kinds.

The translator calls `rewrite_tree` once per query tree (it is registered in translate.REWRITES by functions.py).
The walk is post-order, so a handler sees its arguments already translated to DuckDB; what it needs to know about
them is their Snowflake *kind* (VARIANT, STRING, NUMBER, ...), read from sqlglot's type annotation or, for nodes the
rewrites built, from a tag the builder left in `node.meta`. Handlers are plain functions `fn(node, translator)`
returning the replacement node (or the node itself).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors

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
    """DuckDB SQL with {0}, {1}... holes filled by nodes (the text is parsed once and cached)."""
    tree = fast_copy(_parsed(sql))
    once: dict[int, str] = {}  # holes read twice whose argument holds a bound parameter -> lambda variable
    for col in list(tree.find_all(exp.Column)):
        name = col.name
        if name.startswith("__hole"):
            i = int(name[6:])
            if not _used_twice(sql, name):
                col.replace(args[i])
            elif args[i].find(exp.Placeholder) is None:
                col.replace(fast_copy(args[i]))
            else:
                # DuckDB numbers `?` by position, so a copied `?` would be a second parameter nobody binds: the
                # argument is evaluated once, in a one-element list, and read through a lambda variable
                once.setdefault(i, f"__arg{next(_VARIABLES)}")
                col.replace(exp.column(once[i]))
    for i, var in once.items():
        body = exp.Lambda(this=tree, expressions=[exp.to_identifier(var)])
        mapped = exp.Anonymous(this="list_transform", expressions=[exp.Array(expressions=[args[i]]), body])
        tree = exp.Anonymous(this="list_extract", expressions=[mapped, exp.Literal.number(1)])
    if tree.meta.get("sf_kind") is None:
        typed(tree, sf_kind)
    return tree


_VARIABLES = itertools.count()


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
