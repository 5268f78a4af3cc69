"""VARIANT semantics on DuckDB JSON: paths, constructors, PARSE_JSON, TYPEOF and the implicit coercions.

docs: user-guide/querying-semistructured, user-guide/semistructured-considerations, sql-reference/functions/
parse_json, try_parse_json, object_construct, object_construct_keep_null, array_construct, array_agg, array_size,
typeof, get, get_path, is_null_value, as_<type>, is_<type>, to_json, object_keys, data-type-conversion.

Storage: a VARIANT is DuckDB JSON; SQL NULL is "no value", the JSON text `null` is a JSON null. A path to a missing key
is SQL NULL (DuckDB's json_extract gives exactly that). Where Snowflake coerces a VARIANT to another type (comparison
with a string or number, arithmetic, string functions) the VARIANT goes through the same conversion as an explicit
cast (conversion.convert), so `v:type = 'X'` compares the unquoted string.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.tokens import TokenType

from snowsim.emulator.conversion import convert, text_compared_with, to_text, to_variant
from snowsim.emulator.sqlfuncs import (
    BOOLEAN,
    DATE,
    FLOAT,
    LTZ,
    NTZ,
    NULL,
    NUMBER,
    STRING,
    UNKNOWN,
    VARIANT,
    call,
    cast,
    fast_copy,
    handles,
    handles_anonymous,
    kind,
    not_supported,
    template,
    typed,
)  # fmt: skip

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator


# sqlglot's type annotation leaves paths UNKNOWN: typing them VARIANT lets a path projected by a subquery or CTE be
# known as a VARIANT where it is used (ORDER BY, MAX, comparisons...). The translator annotates with this dialect.
for _cls in (exp.JSONExtract, exp.Bracket, exp.GetExtract, exp.ToVariant):
    Snowflake.EXPRESSION_METADATA[_cls] = {"returns": exp.DType.VARIANT}


# ---- paths ---------------------------------------------------------------------------------------------------
@handles(exp.JSONExtract)
def _path(node: exp.JSONExtract, tr: Translator) -> exp.Expression:
    # v:a.b[0] and GET_PATH(v, 'a.b'): DuckDB's json_extract has the same missing-key-is-NULL semantics;
    # key names are case-sensitive in both.
    return typed(node, VARIANT)


@handles(exp.Bracket, exp.GetExtract)
def _element(node: exp.Expression, tr: Translator) -> exp.Expression:
    """v['key'], v[0], GET(v, 'key' | 0): one step into an object or array."""
    base = node.this
    key = node.expressions[0] if isinstance(node, exp.Bracket) else node.expression
    if isinstance(node, exp.Bracket) and len(node.expressions) != 1:
        raise not_supported("a subscript with several indexes", tr)
    if isinstance(key, exp.Literal):
        step = exp.JSONPathKey(this=key.this) if key.is_string else exp.JSONPathSubscript(this=int(key.this))
        path = exp.JSONPath(expressions=[exp.JSONPathRoot(), step])
        return typed(exp.JSONExtract(this=base, expression=path), VARIANT)
    if kind(key) in (NUMBER, FLOAT):
        json_path = template("'$[' || CAST({0} AS VARCHAR) || ']'", key)
    elif isinstance(key, exp.Placeholder):
        # a bound value is an index or a key by the type it is bound with (DuckDB folds typeof() when it binds)
        json_path = template("CASE WHEN typeof({0}) = 'VARCHAR' THEN '$.\"' || replace(CAST({0} AS VARCHAR), '\"', "
                             "'\\\"') || '\"' ELSE '$[' || CAST({0} AS VARCHAR) || ']' END", key)
    else:
        json_path = template("'$.\"' || replace({0}, '\"', '\\\"') || '\"'", to_text(key))
    return call("json_extract", base, json_path, sf_kind=VARIANT)


# ---- PARSE_JSON / TRY_PARSE_JSON -------------------------------------------------------------------------------
@handles(exp.ParseJSON)
def _parse_json(node: exp.ParseJSON, tr: Translator) -> exp.Expression:
    option = node.args.get("expression")
    if option is not None and (not isinstance(option, exp.Literal) or option.this.lower() != "s"):
        # 'd' keeps the last of duplicate keys; DuckDB's JSON keeps both, so it cannot be emulated faithfully
        raise not_supported(f"PARSE_JSON with the '{option.name}' parameter", tr)
    name = "sf_try_parse_json" if node.args.get("safe") else "sf_parse_json"
    return call(name, to_text(node.this), sf_kind=VARIANT)


# ---- constructors -----------------------------------------------------------------------------------------------
def variant_text(value: exp.Expression) -> exp.Expression:
    """The JSON text of a value as an element of an OBJECT/ARRAY (SQL NULL stays NULL)."""
    src = kind(value)
    if src == VARIANT:
        return template("CAST({0} AS VARCHAR)", value, sf_kind=STRING)
    if src in (NTZ, LTZ):
        value = to_text(value, src)
    return template("CAST(to_json({0}) AS VARCHAR)", value, sf_kind=STRING)


def _object(pairs: list[tuple[exp.Expression, exp.Expression]], keep_null: bool) -> exp.Expression:
    # '{' || concat_ws(',', pair...) || '}': concat_ws skips NULL pairs, which is OBJECT_CONSTRUCT's rule for a
    # SQL NULL key or value (docs: object_construct usage notes). Snowflake stores keys sorted, so constant keys
    # are sorted here; computed keys keep their argument order.
    if all(isinstance(k, exp.Literal) for k, _ in pairs):
        pairs = sorted(pairs, key=lambda kv: kv[0].this)
    parts: list[exp.Expression] = []
    for key, value in pairs:
        text = variant_text(value)
        if keep_null:
            text = template("coalesce({0}, 'null')", text)
        parts.append(template("to_json(CAST({0} AS VARCHAR)) || ':' || {1}", key, text))
    if not parts:
        return template("CAST('{}' AS JSON)", sf_kind=VARIANT)
    body = call("concat_ws", exp.Literal.string(","), *parts)
    return template("CAST('{' || {0} || '}' AS JSON)", body, sf_kind=VARIANT)


@handles(exp.Struct)
def _object_construct(node: exp.Struct, tr: Translator) -> exp.Expression:
    pairs = []
    for item in node.expressions:
        if not isinstance(item, exp.PropertyEQ):
            raise not_supported(f"OBJECT_CONSTRUCT argument {item.sql('snowflake')}", tr)
        key = item.this
        if isinstance(key, exp.Column) and not key.table and not key.this.quoted and kind(key) == UNKNOWN:
            key = exp.Literal.string(key.name)  # sqlglot's struct syntax {a: 1}
        elif isinstance(key, exp.Identifier):
            key = exp.Literal.string(_key_as_written(key.name, tr))
        pairs.append((key, item.expression))
    return _object(pairs, keep_null=False)


def _key_as_written(name: str, tr: Translator) -> str:
    """An OBJECT constant's key ({'aB': 1}) with its case: sqlglot parses it as an unquoted identifier, which qualify
    upper-cases like a column name; the statement's text still has it."""
    spellings = {k for k in _constant_keys(tr.statement) if k.upper() == name.upper()}
    if len(spellings) > 1:
        raise not_supported("OBJECT constants with keys that differ only in case", tr)
    return spellings.pop() if spellings else name


@lru_cache(maxsize=64)
def _constant_keys(statement: str) -> frozenset[str]:
    # the strings written before a ':' right after '{' or ',' (an OBJECT constant's keys)
    tokens = Snowflake().tokenize(statement)
    return frozenset(t.text for before, t, after in zip(tokens, tokens[1:], tokens[2:], strict=False)
                     if t.token_type == TokenType.STRING and after.token_type == TokenType.COLON
                     and before.token_type in (TokenType.L_BRACE, TokenType.COMMA))


@handles(exp.JSONObject)
def _object_construct_keep_null(node: exp.JSONObject, tr: Translator) -> exp.Expression:
    pairs = []
    for item in node.expressions:
        if not isinstance(item, exp.JSONKeyValue):
            raise not_supported(f"OBJECT_CONSTRUCT_KEEP_NULL argument {item.sql('snowflake')}", tr)
        pairs.append((item.this, item.expression))
    return _object(pairs, keep_null=True)


@handles(exp.StarMap)
def _object_construct_star(node: exp.StarMap, tr: Translator) -> exp.Expression:
    """OBJECT_CONSTRUCT(*): one key per column of the (single) table in FROM."""
    star = node.this
    if not isinstance(star, exp.Star) or any(star.args.get(a) for a in ("except_", "replace", "rename", "ilike")):
        raise not_supported("OBJECT_CONSTRUCT(* ILIKE/EXCLUDE ...)", tr)
    select = node.find_ancestor(exp.Select)
    source = select.args.get("from_").this if select is not None and select.args.get("from_") else None
    if source is None or select.args.get("joins"):
        raise not_supported("OBJECT_CONSTRUCT(*) over anything but one table, subquery or VALUES", tr)
    alias = source.alias_or_name
    obj = source.meta.get("snowsim_object") if isinstance(source, exp.Table) else None
    if obj is not None:
        pairs = [(exp.Literal.string(c.name), _typed_column(c.name, c.type, alias)) for c in obj.columns]
    elif isinstance(source, exp.Subquery) and isinstance(source.this, exp.Query):
        pairs = [(exp.Literal.string(n), exp.column(n, table=alias, quoted=True)) for n in source.this.named_selects]
    elif isinstance(source, exp.Values) and source.args.get("alias") is not None:
        names = [c.name for c in source.args["alias"].columns]
        pairs = [(exp.Literal.string(n), exp.column(n, table=alias, quoted=True)) for n in names]
    else:
        raise not_supported("OBJECT_CONSTRUCT(*) over this FROM clause", tr)
    return _object(pairs, keep_null=False)


def _typed_column(name: str, sf_type: str, table: str) -> exp.Expression:
    col = exp.column(name, table=table, quoted=True)
    col.type = exp.DataType.build(sf_type, dialect="snowflake")
    return col


@handles(exp.Array)
def _array_construct(node: exp.Array, tr: Translator) -> exp.Expression:
    # ARRAY_CONSTRUCT(1, NULL) holds an undefined element in Snowflake; JSON has no such value, so it is null here
    parts = [template("coalesce({0}, 'null')", variant_text(e)) for e in node.expressions]
    if not parts:
        return template("CAST('[]' AS JSON)", sf_kind=VARIANT)
    body = call("concat_ws", exp.Literal.string(","), *parts)
    return template("CAST('[' || {0} || ']' AS JSON)", body, sf_kind=VARIANT)


@handles(exp.ArrayAgg, exp.ArrayUniqueAgg)
def _array_agg(node: exp.Expression, tr: Translator) -> exp.Expression:
    """ARRAY_AGG, ARRAY_UNIQUE_AGG: an ARRAY (JSON text through the connector, not sqlglot's DuckDB list)."""
    if isinstance(node.parent, (exp.WithinGroup, exp.Window, exp.Filter)):
        return typed(node, "ARRAY_AGG")  # wrapped by the enclosing node's handler
    return _as_json_array(node)


def array_agg_outer(node: exp.Expression, tr: Translator) -> exp.Expression:
    """WITHIN GROUP / OVER around ARRAY_AGG: the JSON array is built around the whole aggregate."""
    inner = node.this
    if isinstance(inner, exp.Filter):
        inner = inner.this
    if kind(inner) == "ARRAY_AGG":
        return _as_json_array(node)
    return node


def _as_json_array(agg: exp.Expression) -> exp.Expression:
    # ARRAY_AGG drops NULLs (sqlglot's FILTER) and returns [] for no input (docs: array_agg)
    return template("CAST(coalesce(CAST(to_json({0}) AS VARCHAR), '[]') AS JSON)", agg, sf_kind=VARIANT)


# ---- ARRAY functions on JSON arrays ------------------------------------------------------------------------------
@handles(exp.ArrayContains)
def _array_contains(node: exp.ArrayContains, tr: Translator) -> exp.Expression:
    """ARRAY_CONTAINS(value, array): the VARIANT value is one of the elements (docs: array_contains)."""
    return call("sf_array_contains", _as_variant(node.expression), node.this, sf_kind=BOOLEAN)


@handles(exp.ArrayToString)
def _array_to_string(node: exp.ArrayToString, tr: Translator) -> exp.Expression:
    return call("sf_array_to_string", node.this, to_text(node.expression), sf_kind=STRING)


@handles(exp.ArrayAppend)
def _array_append(node: exp.ArrayAppend, tr: Translator) -> exp.Expression:
    item = template("coalesce({0}, 'null')", variant_text(node.expression))
    return call("sf_array_of_items", call("list_append", call("sf_array_items", node.this), item), sf_kind=VARIANT)


@handles(exp.ArrayConcat)
def _array_cat(node: exp.ArrayConcat, tr: Translator) -> exp.Expression:
    if len(node.expressions) != 1:
        raise not_supported("ARRAY_CAT with other than two arrays", tr)
    items = call("list_concat", call("sf_array_items", node.this), call("sf_array_items", node.expressions[0]))
    return call("sf_array_of_items", items, sf_kind=VARIANT)


@handles(exp.ArrayPrepend)
def _array_prepend(node: exp.ArrayPrepend, tr: Translator) -> exp.Expression:
    item = template("coalesce({0}, 'null')", variant_text(node.expression))
    # a NULL array stays NULL (list_prepend would make [item] of it)
    return template("CASE WHEN json_type({0}) = 'ARRAY' THEN sf_array_of_items(list_prepend({1}, sf_array_items({0}))) "
                    "END", node.this, item, sf_kind=VARIANT)


# Functions comparing elements (macros.sf_item_key: a number by value, anything else by its JSON text). The docs treat
# NULL as a known value in these; here an array's NULL elements are JSON nulls (see _array_construct).
@handles(exp.ArrayPosition)
def _array_position(node: exp.ArrayPosition, tr: Translator) -> exp.Expression:
    """ARRAY_POSITION(value, array): the 0-based index of the first equal element, NULL when there is none."""
    return call("sf_array_position", _as_variant(node.expression), node.this, sf_kind=NUMBER)


@handles(exp.ArrayRemove)
def _array_remove(node: exp.ArrayRemove, tr: Translator) -> exp.Expression:
    return call("sf_array_remove", node.this, _as_variant(node.expression), sf_kind=VARIANT)


@handles(exp.ArrayDistinct)
def _array_distinct(node: exp.ArrayDistinct, tr: Translator) -> exp.Expression:
    return call("sf_array_distinct", node.this, sf_kind=VARIANT)


@handles(exp.ArrayCompact)
def _array_compact(node: exp.ArrayCompact, tr: Translator) -> exp.Expression:
    return call("sf_array_compact", node.this, sf_kind=VARIANT)


@handles(exp.ArrayOverlaps)
def _arrays_overlap(node: exp.ArrayOverlaps, tr: Translator) -> exp.Expression:
    return call("sf_arrays_overlap", node.this, node.expression, sf_kind=BOOLEAN)


@handles(exp.ArrayIntersect)
def _array_intersection(node: exp.ArrayIntersect, tr: Translator) -> exp.Expression:
    if len(node.expressions) != 2:
        raise not_supported("ARRAY_INTERSECTION with other than two arrays", tr)
    return call("sf_array_intersection", *node.expressions, sf_kind=VARIANT)


@handles(exp.ArrayExcept)
def _array_except(node: exp.ArrayExcept, tr: Translator) -> exp.Expression:
    return call("sf_array_except", node.this, node.expression, sf_kind=VARIANT)


@handles(exp.ArraysZip)
def _arrays_zip(node: exp.ArraysZip, tr: Translator) -> exp.Expression:
    """ARRAYS_ZIP(a1, a2, ...): [{"$1": a1[0], "$2": a2[0]}, ...], shorter arrays padded with JSON nulls, NULL when
    any input is NULL (docs: arrays_zip). A VARIANT that is not an array gives NULL too (the docs do not say)."""
    arrays = node.expressions
    if not arrays or len(arrays) > 9:
        raise not_supported(f"ARRAYS_ZIP with {len(arrays)} arrays", tr)
    items = ", ".join(f"sf_array_items({{{i}}})" for i in range(len(arrays)))
    pairs = " || ',' || ".join(f"'\"${i + 1}\":' || coalesce(t[{i + 1}], 'null')" for i in range(len(arrays)))
    arrays_ok = " AND ".join(f"json_type({{{i}}}) = 'ARRAY'" for i in range(len(arrays)))
    sql = (f"CASE WHEN {arrays_ok} THEN sf_array_of_items(list_transform(list_zip({items}), "
           f"lambda t: '{{' || {pairs} || '}}')) END")
    return template(sql, *arrays, sf_kind=VARIANT)


# Refused by name: their documented errors (a non-array element, an existing key) are not known well enough here to
# reproduce, and MAP is a structured type snowsim does not have.
@handles(exp.Flatten, exp.ObjectInsert, exp.MapCat)
def _refused(node: exp.Expression, tr: Translator) -> exp.Expression:
    name = {exp.Flatten: "ARRAY_FLATTEN", exp.ObjectInsert: "OBJECT_INSERT", exp.MapCat: "MAP_CAT"}[type(node)]
    raise not_supported(f"the function {name}", tr)


@handles(exp.Split)
def _split(node: exp.Split, tr: Translator) -> exp.Expression:
    """SPLIT returns an ARRAY: JSON text through the connector like ARRAY_CONSTRUCT's (sqlglot's DuckDB list)."""
    return template("CAST(to_json({0}) AS JSON)", node, sf_kind=VARIANT)


@handles(exp.Xor)
def _boolxor(node: exp.Xor, tr: Translator) -> exp.Expression:
    """BOOLXOR(a, b): exactly one of two numbers is non-zero, floats rounded first; NULL if either is NULL (docs:
    boolxor)."""
    return template("({0}) <> ({1})", _nonzero(node.this, tr), _nonzero(node.expression, tr), sf_kind=BOOLEAN)


def _nonzero(value: exp.Expression, tr: Translator) -> exp.Expression:
    src = kind(value)
    if src in (BOOLEAN, NULL):
        return value
    if src not in (NUMBER, FLOAT):
        value = convert(value, FLOAT, tr)
    return template("round({0}) <> 0", value, sf_kind=BOOLEAN)


# ---- inspection ----------------------------------------------------------------------------------------------------
def _as_variant(node: exp.Expression) -> exp.Expression:
    return node if kind(node) == VARIANT else to_variant(node)


@handles(exp.Typeof)
def _typeof(node: exp.Typeof, tr: Translator) -> exp.Expression:
    return call("sf_typeof", _as_variant(node.this), sf_kind=STRING)


@handles(exp.ArraySize)
def _array_size(node: exp.ArraySize, tr: Translator) -> exp.Expression:
    return template("CASE WHEN json_type({0}) = 'ARRAY' THEN json_array_length({0}) END", node.this, sf_kind=NUMBER)


@handles(exp.IsNullValue)
def _is_null_value(node: exp.IsNullValue, tr: Translator) -> exp.Expression:
    return template("json_type({0}) = 'NULL'", _as_variant(node.this), sf_kind=BOOLEAN)


@handles(exp.ToVariant)
def _to_variant(node: exp.ToVariant, tr: Translator) -> exp.Expression:
    return to_variant(node.this)


@handles(exp.JSONFormat)
def _to_json(node: exp.JSONFormat, tr: Translator) -> exp.Expression:
    return template("CAST(json({0}) AS VARCHAR)", _as_variant(node.this), sf_kind=STRING)


@handles(exp.JSONKeys)
def _object_keys(node: exp.JSONKeys, tr: Translator) -> exp.Expression:
    # keys in Snowflake's (sorted) order
    return template("CASE WHEN json_type({0}) = 'OBJECT' THEN CAST(to_json(list_sort(json_keys({0}))) AS JSON) END",
                    node.this, sf_kind=VARIANT)


@handles(exp.IsArray)
def _is_array(node: exp.IsArray, tr: Translator) -> exp.Expression:
    return template("json_type({0}) = 'ARRAY'", node.this, sf_kind=BOOLEAN)


_JSON_TYPES = {
    "OBJECT": ("'OBJECT'",), "ARRAY": ("'ARRAY'",), "VARCHAR": ("'VARCHAR'",), "CHAR": ("'VARCHAR'",),
    "BOOLEAN": ("'BOOLEAN'",), "INTEGER": ("'BIGINT'", "'UBIGINT'"),
    "DECIMAL": ("'BIGINT'", "'UBIGINT'", "'DOUBLE'"), "DOUBLE": ("'BIGINT'", "'UBIGINT'", "'DOUBLE'"),
    "REAL": ("'BIGINT'", "'UBIGINT'", "'DOUBLE'"), "NULL_VALUE": ("'NULL'",),
}  # fmt: skip


@handles_anonymous(*(f"IS_{t}" for t in _JSON_TYPES if t != "NULL_VALUE"))
def _is_type(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    wanted = _JSON_TYPES[str(node.this).upper()[3:]]
    return template(f"json_type({{0}}) IN ({', '.join(wanted)})", node.expressions[0], sf_kind=BOOLEAN)


@handles_anonymous("AS_VARCHAR", "AS_CHAR", "AS_OBJECT", "AS_ARRAY", "AS_BOOLEAN", "AS_INTEGER", "AS_DOUBLE",
                   "AS_REAL", "AS_NUMBER", "AS_DECIMAL", "AS_NUMERIC")
def _as_type(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    """AS_<type>(v): the value if the VARIANT holds that type, else NULL (docs: as_<object_type>)."""
    name = str(node.this).upper()[3:]
    v = node.expressions[0]
    if name in ("VARCHAR", "CHAR"):
        return template("CASE WHEN json_type({0}) = 'VARCHAR' THEN {0} ->> '$' END", v, sf_kind=STRING)
    if name in ("OBJECT", "ARRAY"):
        return template(f"CASE WHEN json_type({{0}}) = '{name}' THEN {{0}} END", v, sf_kind=VARIANT)
    if name == "BOOLEAN":
        return template("CASE WHEN json_type({0}) = 'BOOLEAN' THEN CAST({0} AS VARCHAR) = 'true' END", v,
                        sf_kind=BOOLEAN)
    if name in ("DOUBLE", "REAL"):
        return template("CASE WHEN json_type({0}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') "
                        "THEN TRY_CAST(CAST({0} AS VARCHAR) AS DOUBLE) END", v, sf_kind=FLOAT)
    if name == "INTEGER":
        return template("CASE WHEN json_type({0}) IN ('BIGINT', 'UBIGINT') "
                        "THEN TRY_CAST(CAST({0} AS VARCHAR) AS DECIMAL(38,0)) END", v, sf_kind=NUMBER)
    # AS_NUMBER / AS_DECIMAL(v [, p [, s]]): fixed-point values only
    params = [int(a.name) for a in node.expressions[1:]] or [38, 0]
    p, s = (params + [0])[:2]
    return template(f"CASE WHEN json_type({{0}}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') "
                    f"THEN TRY_CAST(CAST({{0}} AS VARCHAR) AS DECIMAL({p},{s})) END", v, sf_kind=NUMBER)


# ---- implicit coercion of VARIANT operands -------------------------------------------------------------------------
def coerce(node: exp.Expression, target: str, tr: Translator) -> exp.Expression:
    """A VARIANT operand converted for use with a value of another kind (same rules as an explicit cast).

    docs: data-type-conversion lists VARIANT as coercible to every scalar type; which side converts when a VARIANT
    meets a NUMBER is not documented: the VARIANT is read as FLOAT here (no rounding surprises in comparisons).
    """
    if target in (NUMBER, FLOAT):
        return convert(node, FLOAT, tr)
    if target in (STRING, BOOLEAN, DATE, NTZ, LTZ):
        return convert(node, target, tr)
    return node


def _counterpart(a: exp.Expression, b: exp.Expression) -> tuple[str, str]:
    return kind(a), kind(b)


def _concrete(k: str) -> bool:
    return k not in (VARIANT, UNKNOWN, NULL)


@handles(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
def compare(node: exp.Binary, tr: Translator) -> exp.Expression:
    """A comparison where one side is a VARIANT compares the VARIANT's value converted to the other side's type."""
    if isinstance(node.expression, (exp.Any, exp.All)):  # x = ANY (SELECT y ...), x <> ALL (...)
        _coerce_against_query(node, node.expression.this, tr)
        return typed(node, BOOLEAN)
    left, right = _counterpart(node.this, node.expression)
    if (left == VARIANT and isinstance(node.expression, exp.Placeholder)) or (
            right == VARIANT and isinstance(node.this, exp.Placeholder)):
        return _compare_bound(node, tr)
    if left == VARIANT and _concrete(right):
        node.set("this", coerce(node.this, right, tr))
    elif right == VARIANT and _concrete(left):
        node.set("expression", coerce(node.expression, left, tr))
    elif left == right == VARIANT and isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE)):
        # two VARIANTs are ordered by value (10 > 9), not by their JSON text
        node.set("this", sort_key(node.this))
        node.set("expression", sort_key(node.expression))
    return typed(node, BOOLEAN)


_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                 "UHUGEINT", "FLOAT", "DOUBLE")


def _compare_bound(node: exp.Binary, tr: Translator) -> exp.Expression:
    """A VARIANT compared with a bound value: as numbers when the value is bound as a number, else as text (the
    value's type is known once it is bound, when DuckDB folds typeof())."""
    variant_left = kind(node.this) == VARIANT
    value, v = (node.expression, node.this) if variant_left else (node.this, node.expression)

    def compared_as(target: str) -> exp.Expression:
        other = cast(fast_copy(value), "DOUBLE", FLOAT) if target == FLOAT else to_text(fast_copy(value))
        coerced = coerce(fast_copy(v), target, tr)
        return type(node)(this=coerced, expression=other) if variant_left else type(node)(this=other, expression=coerced)

    is_number = f"typeof({{0}}) IN ({', '.join(repr(t) for t in _NUMBER_TYPES)}) OR typeof({{0}}) LIKE 'DECIMAL%'"
    return template(f"CASE WHEN {is_number} THEN {{1}} ELSE {{2}} END", value, compared_as(FLOAT),
                    compared_as(STRING), sf_kind=BOOLEAN)


def sort_key(node: exp.Expression) -> exp.Expression:
    """The value a VARIANT sorts by (macros.sf_variant_key)."""
    return call("sf_variant_key", node)


@handles(exp.Ordered)
def _order_by(node: exp.Ordered, tr: Translator) -> exp.Expression:
    # ORDER BY v:n sorts numbers numerically (DuckDB would compare the JSON text: '10' < '9')
    if kind(node.this) == VARIANT:
        node.set("this", sort_key(node.this))
    else:
        projection = _projection(node)
        if projection is not None and kind(projection.this) == VARIANT:
            node.set("this", sort_key(exp.column(projection.alias, quoted=True)))
    return node


def _projection(node: exp.Ordered) -> exp.Alias | None:
    """The projection an ORDER BY item names by position or by alias (the translator turns 1 into "ALIAS")."""
    select = node.parent.parent if isinstance(node.parent, exp.Order) else None
    if not isinstance(select, exp.Select):
        return None
    item = node.this
    if isinstance(item, exp.Literal) and not item.is_string and item.this.isdigit():
        position = int(item.this)
        found = select.expressions[position - 1] if 0 < position <= len(select.expressions) else None
    elif isinstance(item, exp.Column) and not item.table:
        found = next((p for p in select.expressions if isinstance(p, exp.Alias) and p.alias == item.name), None)
    else:
        return None
    return found if isinstance(found, exp.Alias) else None


@handles(exp.Max, exp.Min)
def _min_max(node: exp.Expression, tr: Translator) -> exp.Expression:
    if kind(node.this) != VARIANT or node.expressions:
        return node
    fn = "max_by" if isinstance(node, exp.Max) else "min_by"
    return call(fn, node.this, sort_key(fast_copy(node.this)), sf_kind=VARIANT)


@handles(exp.In)
def _in(node: exp.In, tr: Translator) -> exp.Expression:
    if kind(node.this) == VARIANT and node.expressions:
        kinds = {kind(e) for e in node.expressions} - {NULL}
        if len(kinds) == 1 and _concrete(next(iter(kinds))):
            node.set("this", coerce(node.this, kinds.pop(), tr))
    query = node.args.get("query")
    if query is not None:
        _coerce_against_query(node, query, tr)
    return typed(node, BOOLEAN)


def _coerce_against_query(node: exp.Expression, query: exp.Expression, tr: Translator) -> None:
    """`x IN (SELECT y ...)`, `x <op> ANY | ALL (SELECT y ...)`: x and y converted as for `x = y`, per column of a
    tuple. DuckDB refuses to cast implicitly here (a VARCHAR and a DECIMAL: Binder Error) and would read a VARCHAR x
    compared with a VARIANT y as JSON text; `=` casts the VARCHAR to the other type and a VARIANT converts to it."""
    selects = _selects(query)
    operands = node.this.expressions if isinstance(node.this, exp.Tuple) else [node.this]
    if not selects or any(len(s.expressions) != len(operands) for s in selects):
        return
    for i, operand in enumerate(list(operands)):
        items = [s.expressions[i] for s in selects]  # the column in every branch of a UNION
        values = [item.this if isinstance(item, exp.Alias) else item for item in items]
        mine, kinds = kind(operand), {kind(v) for v in values} - {NULL}
        other = kinds.pop() if len(kinds) == 1 else UNKNOWN
        if not all(_concrete(k) or k == VARIANT for k in (mine, other)):
            continue
        if mine == other:
            continue
        if mine == VARIANT:
            _swap(operand, coerce, other, tr)
        elif other == VARIANT:
            if isinstance(operand, exp.Placeholder):
                _swap(operand, to_text)  # compared as text, as in an IN list
            for value in values:
                _swap(value, coerce, mine, tr)
        elif mine == STRING:
            types = [t for item, v in zip(items, values, strict=True) for t in _types(item, v)]
            _swap(operand, text_compared_with, other, types, tr)
        elif other == STRING:
            types = _types(operand, operand)
            for value in values:
                _swap(value, text_compared_with, mine, types, tr)


def _selects(query: exp.Expression) -> list[exp.Select] | None:
    """The SELECTs whose columns a query returns (each branch of a set operation), or None for other shapes."""
    query = query.unnest() if isinstance(query, exp.Subquery) else query
    if isinstance(query, exp.Select):
        return [query]
    if isinstance(query, exp.SetOperation):
        left, right = _selects(query.this), _selects(query.expression)
        return left + right if left and right else None
    return None


def _types(annotated: exp.Expression, value: exp.Expression) -> list[exp.DataType | None]:
    # a CAST's own target, else sqlglot's annotation (kept by an alias when the handlers rebuilt the value)
    own = value.to if isinstance(value, (exp.Cast, exp.TryCast)) else value.type
    return [own, annotated.type]


def _swap(old: exp.Expression, build: Callable[..., exp.Expression], *args: object) -> None:
    # build(old, *args) puts old inside the new node: where old was is read first
    parent, key, index = old.parent, old.arg_key, old.index
    parent.set(key, build(old, *args), index)


@handles(exp.Between)
def _between(node: exp.Between, tr: Translator) -> exp.Expression:
    if kind(node.this) == VARIANT:
        other = kind(node.args["low"])
        if _concrete(other):
            node.set("this", coerce(node.this, other, tr))
    return typed(node, BOOLEAN)


@handles(exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
def _arithmetic(node: exp.Binary, tr: Translator) -> exp.Expression:
    for arg in ("this", "expression"):
        if kind(node.args[arg]) == VARIANT:
            node.set(arg, coerce(node.args[arg], FLOAT, tr))
    if isinstance(node, exp.Div):
        # x / 0 raises 100051 Division by zero in Snowflake, not DuckDB's NULL or inf (docs: operators-arithmetic)
        node.set("expression", exp.Anonymous(this="sf_nonzero_divisor", expressions=[node.expression]))
    return node


@handles(exp.Neg)
def _negate(node: exp.Neg, tr: Translator) -> exp.Expression:
    if kind(node.this) == VARIANT:
        node.set("this", coerce(node.this, FLOAT, tr))
    return node


@handles(exp.Sum, exp.Avg)
def _numeric_aggregate(node: exp.Expression, tr: Translator) -> exp.Expression:
    if kind(node.this) == VARIANT:
        node.set("this", coerce(node.this, FLOAT, tr))
    return node


# String functions read a VARIANT argument as its (unquoted) text, as Snowflake coerces VARIANT to VARCHAR.
_TEXT_FUNCTIONS = (
    exp.DPipe, exp.Concat, exp.ConcatWs, exp.Upper, exp.Lower, exp.Trim, exp.Length, exp.Substring, exp.Replace,
    exp.SplitPart, exp.Like, exp.ILike, exp.StartsWith, exp.EndsWith, exp.Contains, exp.StrPosition, exp.Left,
    exp.Right, exp.Pad, exp.RegexpLike, exp.RegexpExtract, exp.RegexpReplace, exp.Initcap, exp.MD5, exp.SHA,
    exp.SHA2, exp.Reverse,
)


@handles(*_TEXT_FUNCTIONS)
def _text_arguments(node: exp.Expression, tr: Translator) -> exp.Expression:
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression) and kind(value) == VARIANT:
            node.set(key, to_text(value, VARIANT))
        elif isinstance(value, list) and any(isinstance(v, exp.Expression) and kind(v) == VARIANT for v in value):
            node.set(key, [to_text(v, VARIANT) if kind(v) == VARIANT else v for v in value])
    if isinstance(node, (exp.Like, exp.ILike, exp.StartsWith, exp.EndsWith, exp.Contains, exp.RegexpLike)):
        return typed(node, BOOLEAN)
    if isinstance(node, (exp.Length, exp.StrPosition)):
        return typed(node, NUMBER)
    return typed(node, STRING)


# Branching functions: when some branches are VARIANT and others are not, the result is a VARIANT
# (Snowflake coerces the other branches to VARIANT; DuckDB would try to parse them as JSON text).
def _unify(values: list[exp.Expression]) -> tuple[list[exp.Expression], str]:
    kinds = [kind(v) for v in values]
    if VARIANT in kinds and any(_concrete(k) for k in kinds):
        return [to_variant(v) if _concrete(k) else v for v, k in zip(values, kinds, strict=True)], VARIANT
    concrete = [k for k in kinds if _concrete(k)]
    return values, (concrete[0] if concrete and len(set(concrete)) == 1 else (VARIANT if VARIANT in kinds
                                                                                   else UNKNOWN))


@handles(exp.Coalesce)
def _coalesce(node: exp.Coalesce, tr: Translator) -> exp.Expression:
    values, result = _unify([node.this, *node.expressions])
    node.set("this", values[0])
    node.set("expressions", values[1:])
    return typed(node, result)


def condition(node: exp.Expression, tr: Translator) -> exp.Expression:
    """A VARIANT used as a condition is read as a BOOLEAN (docs: to_boolean rules: 'true', 'yes', 1, ...)."""
    return convert(node, BOOLEAN, tr) if kind(node) == VARIANT else node


@handles(exp.Where, exp.Having, exp.Not)
def _condition_holder(node: exp.Expression, tr: Translator) -> exp.Expression:
    node.set("this", condition(node.this, tr))
    return node


@handles(exp.And, exp.Or)
def _connective(node: exp.Binary, tr: Translator) -> exp.Expression:
    node.set("this", condition(node.this, tr))
    node.set("expression", condition(node.expression, tr))
    return typed(node, BOOLEAN)


@handles(exp.If)
def _iff(node: exp.If, tr: Translator) -> exp.Expression:
    node.set("this", condition(node.this, tr))
    branches = [node.args.get("true"), node.args.get("false")]
    present = [b for b in branches if b is not None]
    values, result = _unify(present)
    it = iter(values)
    for key in ("true", "false"):
        if node.args.get(key) is not None:
            node.set(key, next(it))
    return typed(node, result)


@handles(exp.Case)
def case(node: exp.Case, tr: Translator) -> exp.Expression:
    """CASE: a VARIANT operand compares by value, VARIANT conditions are BOOLEANs, mixed branches give a VARIANT."""
    ifs = node.args.get("ifs") or []
    operand = node.args.get("this")
    if operand is not None and kind(operand) == VARIANT:
        # CASE v:type WHEN 'A' ...: the VARIANT compares by value with the WHEN values (like v:type = 'A')
        kinds = {kind(i.this) for i in ifs} - {NULL}
        if len(kinds) == 1 and _concrete(next(iter(kinds))):
            node.set("this", coerce(operand, kinds.pop(), tr))
    elif operand is None:
        for i in ifs:
            i.set("this", condition(i.this, tr))
    branches = [i.args["true"] for i in ifs] + ([node.args["default"]] if node.args.get("default") else [])
    values, result = _unify(branches)
    for i, value in zip(ifs, values, strict=False):
        i.set("true", value)
    if node.args.get("default") is not None:
        node.set("default", values[-1])
    return typed(node, result)


@handles(exp.Nvl2)
def _nvl2(node: exp.Nvl2, tr: Translator) -> exp.Expression:
    present = [k for k in ("true", "false") if node.args.get(k) is not None]
    values, result = _unify([node.args[k] for k in present])
    for key, value in zip(present, values, strict=True):
        node.set(key, value)
    return typed(node, result)
