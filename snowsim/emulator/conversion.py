"""Casts and conversion functions with Snowflake's semantics (docs: sql-reference/functions-conversion, cast,
data-type-conversion, to_decimal, to_double, to_boolean, to_date, to_timestamp, to_char, try_cast).

`convert(node, target, ...)` is the one place that knows how a value of some Snowflake kind becomes a value of a
target type; CAST, `::`, TRY_CAST, TO_* / TRY_TO_* and the implicit coercions of VARIANT values all go through it.
Errors come from the macros in macros.py with Snowflake's codes (100038 not recognized, 100039 out of range, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.time import format_time

from snowsim.emulator import errors
from snowsim.emulator.sqlfuncs import (
    BOOLEAN,
    DATE,
    FLOAT,
    LTZ,
    NTZ,
    NULL,
    NUMBER,
    STRING,
    TIME,
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
from snowsim.emulator.types import canonical, duck_type

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator

_T = exp.DataType.Type
_NUMBER_TYPES = {_T.INT, _T.BIGINT, _T.SMALLINT, _T.TINYINT, _T.UTINYINT, _T.INT128, _T.UBIGINT, _T.UINT,
                 _T.USMALLINT, _T.DECIMAL, _T.BIGDECIMAL, _T.DECIMAL32, _T.DECIMAL64, _T.DECIMAL128, _T.DECIMAL256}
_STRING_TYPES = {_T.VARCHAR, _T.TEXT, _T.CHAR, _T.NVARCHAR, _T.NCHAR, _T.NAME}
_SEMI_TYPES = {_T.VARIANT, _T.OBJECT, _T.ARRAY, _T.JSON, _T.STRUCT, _T.MAP}
_SNOWFLAKE = Snowflake()
# Snowflake's name of each target in "Failed to cast variant value ... to X" (non-doc, seen in error reports)
_VARIANT_TARGET = {NUMBER: "FIXED", FLOAT: "REAL", DATE: "DATE", NTZ: "TIMESTAMP_NTZ", LTZ: "TIMESTAMP_LTZ"}


def target_kind(dtype: exp.DataType, tr: Translator | None = None) -> str:
    """The kind a cast target produces; TIMESTAMP follows the TIMESTAMP_TYPE_MAPPING session parameter."""
    t = dtype.this
    if t in _NUMBER_TYPES:
        return NUMBER
    if t in _STRING_TYPES:
        return STRING
    if t in _SEMI_TYPES:
        return VARIANT
    if t in (_T.FLOAT, _T.DOUBLE):
        return FLOAT
    if t == _T.BOOLEAN:
        return BOOLEAN
    if t == _T.DATE:
        return DATE
    if t == _T.TIME:
        return TIME
    if t in (_T.TIMESTAMPLTZ, _T.TIMESTAMPTZ):
        return LTZ
    if t == _T.TIMESTAMP and tr is not None:
        mapping = str(tr.session.parameters.get("TIMESTAMP_TYPE_MAPPING", "TIMESTAMP_NTZ")).upper()
        return LTZ if mapping in ("TIMESTAMP_LTZ", "TIMESTAMP_TZ") else NTZ
    if t in (_T.TIMESTAMP, _T.TIMESTAMPNTZ, _T.DATETIME):
        return NTZ
    return UNKNOWN


def number_params(dtype: exp.DataType) -> tuple[int, int]:
    """(precision, scale) of a NUMBER-family type; integers are NUMBER(38,0) in Snowflake."""
    if dtype.this != _T.DECIMAL and dtype.this in _NUMBER_TYPES and not dtype.expressions:
        return 38, 0
    params = [int((p.this if isinstance(p, exp.DataTypeParam) else p).name) for p in dtype.expressions]
    if not params:
        return 38, 0
    return (params[0], 0) if len(params) == 1 else (params[0], params[1])


# ---- the conversion table ----------------------------------------------------------------------------------
def convert(node: exp.Expression, target: str, tr: Translator | None = None, safe: bool = False,
            precision: int = 38, scale: int = 0, prefix: str | None = None) -> exp.Expression:
    """Convert a node to a target kind the way Snowflake's CAST does (safe: TRY_ semantics, NULL on failure).

    prefix: text put before a conversion error's message (see on_write).
    """
    src = kind(node)
    if target == STRING:
        return to_text(node, src)
    if isinstance(node, exp.Placeholder) and target != VARIANT:
        node = to_text(node, src)  # a bound value is converted as text (it may be bound as a number: TO_TIMESTAMP(?))
    if target == NUMBER:
        return _to_number(node, src, precision, scale, safe, prefix)
    if target == FLOAT:
        return _to_double(node, src, safe, prefix)
    if target == BOOLEAN:
        return _to_boolean(node, src, safe, prefix)
    if target == DATE:
        return _to_temporal(node, src, DATE, safe, prefix)
    if target in (NTZ, LTZ):
        return _to_temporal(node, src, target, safe, prefix)
    if target == VARIANT:
        return to_variant(node)
    if target == TIME:
        if src == VARIANT:
            node = call("sf_variant_text", node, sf_kind=STRING)
        return cast(node, "TIME", TIME, safe)
    raise errors.not_supported(f"conversion to {target}", tr.statement if tr else "")


def to_text(node: exp.Expression, src: str | None = None) -> exp.Expression:
    """VARCHAR in Snowflake's default output formats (VARIANT strings unquoted, timestamps with milliseconds)."""
    src = src or kind(node)
    if src == STRING:
        # a bound parameter is taken for text, but may be bound as a number or a date: VARCHAR makes it text
        return cast(node, "VARCHAR", STRING) if isinstance(node, exp.Placeholder) else node
    if src == VARIANT:
        return call("sf_variant_text", node, sf_kind=STRING)
    if src == FLOAT:
        return call("sf_double_text", node, sf_kind=STRING)
    if src == NTZ:
        return call("sf_ntz_text", node, sf_kind=STRING)
    if src == LTZ:
        return call("sf_ltz_text", node, sf_kind=STRING)
    if src == BOOLEAN:
        return template("CASE WHEN {0} THEN 'true' WHEN NOT {0} THEN 'false' END", node, sf_kind=STRING)
    return cast(node, "VARCHAR", STRING)


def to_variant(node: exp.Expression) -> exp.Expression:
    """TO_VARIANT: JSON for any value (timestamps as Snowflake prints them)."""
    src = kind(node)
    if src == VARIANT:
        return node
    if src == NULL:
        return cast(node, "JSON", VARIANT)
    if src in (NTZ, LTZ):
        node = to_text(node, src)
    return call("sf_to_variant", node, sf_kind=VARIANT)


def _numeric_text(node: exp.Expression, src: str, target: str, prefix: str | None = None) -> exp.Expression:
    # the text a numeric conversion parses, or the node itself when it is already a number
    if src == VARIANT:
        return call("sf_variant_num_text", node, _VARIANT_TARGET[target], sf_kind=STRING, prefix=prefix)
    return node


def _prefix_arg(prefix: str | None) -> str:
    return "" if prefix is None else ", prefix := " + exp.Literal.string(prefix).sql(dialect="duckdb")


def _to_number(node: exp.Expression, src: str, p: int, s: int, safe: bool,
               prefix: str | None = None) -> exp.Expression:
    dec = f"DECIMAL({p},{s})"
    if src in (NUMBER, FLOAT, BOOLEAN, NULL):
        if src == BOOLEAN:
            node = template("CASE WHEN {0} THEN 1 WHEN NOT {0} THEN 0 END", node, sf_kind=NUMBER)
        if safe:
            return cast(node, dec, NUMBER, safe=True)
        # a number that does not fit: 100039, with the value's text (docs: to_decimal)
        return template("sf_check_number(CAST({0} AS VARCHAR), TRY_CAST({0} AS " + dec + ")" + _prefix_arg(prefix) + ")",
                        node, sf_kind=NUMBER)
    if src in (DATE, NTZ, LTZ, TIME):
        return cast(node, dec, NUMBER, safe)  # not a Snowflake conversion either: DuckDB's error is as loud
    if src == VARIANT and not safe:
        # The common case, a JSON number or numeric string, is one TRY_CAST of its text; everything else (null,
        # booleans, errors) goes to a macro bound once per value instead of twice (binding dominated MERGE costs).
        return template(
            "coalesce(TRY_CAST(trim({0} ->> '$') AS " + dec + "), CAST(sf_variant_number_rest({0}"
            + _prefix_arg(prefix) + ") AS " + dec + "))", node, sf_kind=NUMBER)
    text = _numeric_text(node, src, NUMBER, prefix)
    if safe:
        return cast(template("trim({0})", text), dec, NUMBER, safe=True)
    return template("sf_check_number({0}, TRY_CAST(trim({0}) AS " + dec + ")" + _prefix_arg(prefix) + ")", text,
                    sf_kind=NUMBER)


def _to_double(node: exp.Expression, src: str, safe: bool, prefix: str | None = None) -> exp.Expression:
    if src in (NUMBER, FLOAT, NULL, BOOLEAN):
        return cast(node, "DOUBLE", FLOAT, safe)
    text = _numeric_text(node, src, FLOAT, prefix)
    if safe:
        return cast(template("trim({0})", text), "DOUBLE", FLOAT, safe=True)
    return call("sf_text_to_double", text, sf_kind=FLOAT, prefix=prefix)


def _to_boolean(node: exp.Expression, src: str, safe: bool, prefix: str | None = None) -> exp.Expression:
    if src == VARIANT:
        return call("sf_variant_to_boolean", node, sf_kind=BOOLEAN, prefix=prefix)
    if safe and src in (STRING, UNKNOWN):
        return call("sf_try_text_to_boolean", node, sf_kind=BOOLEAN)
    if src in (STRING, UNKNOWN):
        return call("sf_text_to_boolean", node, sf_kind=BOOLEAN, prefix=prefix)
    return cast(node, "BOOLEAN", BOOLEAN, safe)  # numbers: 0 is FALSE, anything else TRUE (docs: to_boolean)


_TEMPORAL_DUCK = {DATE: "DATE", NTZ: "TIMESTAMP", LTZ: "TIMESTAMPTZ"}
_TEMPORAL_FN = {DATE: "date", NTZ: "ntz", LTZ: "ltz"}


def _to_temporal(node: exp.Expression, src: str, target: str, safe: bool,
                 prefix: str | None = None) -> exp.Expression:
    suffix = _TEMPORAL_FN[target]
    if src == VARIANT:
        return call(f"sf_variant_to_{suffix}", node, sf_kind=target, prefix=prefix)
    if safe and src in (STRING, UNKNOWN):
        return call(f"sf_try_text_to_{suffix}", node, sf_kind=target)
    if src in (STRING, UNKNOWN):
        return call(f"sf_text_to_{suffix}", node, sf_kind=target, prefix=prefix)
    if src in (NUMBER, FLOAT) and target != DATE:
        # a number is seconds since the epoch (docs: data-type-conversion footnote 1)
        ntz = template("make_timestamp(CAST({0} * 1000000 AS BIGINT))", node, sf_kind=NTZ)
        return ntz if target == NTZ else template("timezone('UTC', {0})", ntz, sf_kind=LTZ)
    return cast(node, _TEMPORAL_DUCK[target], target, safe)


# ---- implicit conversion in a comparison -----------------------------------------------------------------------
_COMPARED_AS = {FLOAT: "DOUBLE", BOOLEAN: "BOOLEAN", DATE: "DATE", TIME: "TIME", NTZ: "TIMESTAMP", LTZ: "TIMESTAMPTZ"}


def text_compared_with(text: exp.Expression, other: str, types: list[exp.DataType | None],
                       tr: Translator) -> exp.Expression:
    """A VARCHAR compared with a value of another scalar kind, converted as `=` converts it: DuckDB casts the VARCHAR
    to the other operand's type, and its conversion errors become Snowflake's 100038/100040/...

    docs: data-type-conversion lists VARCHAR as coercible to NUMBER, FLOAT, BOOLEAN, DATE, TIME and TIMESTAMP but is
    silent on which operand converts in a comparison and at what scale: a NUMBER(p,s) reads the text at scale s, as
    `=` and an IN list do ('1.4' matches 1 at scale 0). The precision is 38, not p: text longer than p digits is a
    value that differs, not DuckDB's overflow error. `types`: the candidate types of the other operand (a rewritten
    node keeps only its kind, the annotated type may sit on its alias).
    """
    if other != NUMBER:
        return cast(text, _COMPARED_AS[other], other) if other in _COMPARED_AS else text
    scales = [number_params(t)[1] for t in types if t is not None and t.this in _NUMBER_TYPES]
    if not scales:
        raise not_supported("comparing a VARCHAR with a NUMBER of unknown scale in IN / ANY / ALL (SELECT ...)", tr)
    return cast(text, f"DECIMAL(38,{max(scales)})", NUMBER)


# ---- implicit conversion on write ------------------------------------------------------------------------------
def on_write(node: exp.Expression, column_type: str, table: str, column: str) -> exp.Expression:
    """A value written into a scalar column (INSERT / UPDATE / MERGE): VARIANT and text values are converted as
    Snowflake converts them, errors named after the table and column (docs: sql-reference/sql/insert, 100038
    "DML operation to table T failed on column C with error: ..."). Other values are left to DuckDB's cast.

    The value's DuckDB type is only known when the statement runs, so the choice is a CASE on typeof(), which
    DuckDB folds to the one branch that applies: it costs nothing per row.
    """
    dtype = exp.DataType.build(column_type, dialect="snowflake")
    target = target_kind(dtype)
    if target in (UNKNOWN, VARIANT, TIME):
        return node
    p, s = number_params(dtype) if target == NUMBER else (38, 0)
    prefix = f"DML operation to table {table} failed on column {column} with error: "
    sources = [("JSON", VARIANT, "JSON")] + ([] if target == STRING else [("VARCHAR", STRING, "VARCHAR")])
    ifs = []
    for duck_name, src_kind, duck in sources:
        value = cast(fast_copy(node), duck, src_kind)
        converted = convert(value, target, precision=p, scale=s, prefix=prefix)
        ifs.append(exp.If(this=template(f"typeof({{0}}) = '{duck_name}'", fast_copy(node)), true=converted))
    # the other branches must bind for every input type too: the column's own type, as DuckDB's insert would cast
    return exp.Case(ifs=ifs, default=cast(node, duck_type(column_type), target))


# ---- CAST / :: / TRY_CAST ----------------------------------------------------------------------------------
@handles(exp.Cast)
def _cast(node: exp.Cast, tr: Translator) -> exp.Expression:
    target = target_kind(node.to, tr)
    if target == UNKNOWN:
        return node  # types snowsim does not reason about (BINARY, ...): sqlglot's cast
    if target == NUMBER:
        p, s = number_params(node.to)
        return convert(node.this, NUMBER, tr, precision=p, scale=s)
    return convert(node.this, target, tr)


@handles(exp.TryCast)
def _try_cast(node: exp.TryCast, tr: Translator) -> exp.Expression:
    target = target_kind(node.to, tr)
    check_string_input(node.this, node.to, tr)
    if target == UNKNOWN:
        return node
    if target == NUMBER:
        p, s = number_params(node.to)
        return convert(node.this, NUMBER, tr, safe=True, precision=p, scale=s)
    return convert(node.this, target, tr, safe=True)


def check_string_input(arg: exp.Expression, target: exp.DataType, tr: Translator) -> None:
    """TRY_CAST and TRY_TO_* accept only text (docs: try_cast usage notes; message non-doc, seen live)."""
    src = kind(arg)
    if src in (STRING, UNKNOWN, NULL):
        return
    src_text = _type_text(arg, src)
    raise errors.compilation_error(
        1065, f"Function TRY_CAST cannot be used with arguments of types {src_text} and {_canonical(target)}", "22023"
    )


def _type_text(arg: exp.Expression, src: str) -> str:
    dtype = arg.type if not isinstance(arg, exp.Cast) else arg.to
    if dtype is not None and dtype.this != _T.UNKNOWN:
        try:
            return _canonical(dtype)
        except errors.ProgrammingError:
            pass
    return {NUMBER: "NUMBER(38,0)", FLOAT: "FLOAT", NTZ: "TIMESTAMP_NTZ(9)", LTZ: "TIMESTAMP_LTZ(9)"}.get(src, src)


def _canonical(dtype: exp.DataType) -> str:
    text = canonical(dtype)
    return "FLOAT" if text == "FLOAT" else text


# ---- TO_* / TRY_TO_* -----------------------------------------------------------------------------------------
@handles(exp.ToNumber)
def _to_number_fn(node: exp.ToNumber, tr: Translator) -> exp.Expression:
    if node.args.get("format") is not None:
        raise not_supported("TO_NUMBER/TO_DECIMAL with a format model", tr)
    p = int(node.args["precision"].name) if node.args.get("precision") is not None else 38
    s = int(node.args["scale"].name) if node.args.get("scale") is not None else 0
    safe = bool(node.args.get("safe"))
    if safe:
        check_string_input(node.this, exp.DataType.build(f"NUMBER({p},{s})", dialect="snowflake"), tr)
    return convert(node.this, NUMBER, tr, safe=safe, precision=p, scale=s)


@handles(exp.ToDouble)
def _to_double_fn(node: exp.ToDouble, tr: Translator) -> exp.Expression:
    if node.args.get("format") is not None:
        raise not_supported("TO_DOUBLE with a format model", tr)
    safe = bool(node.args.get("safe"))
    if safe:
        check_string_input(node.this, exp.DataType.build("DOUBLE"), tr)
    return convert(node.this, FLOAT, tr, safe=safe)


@handles(exp.ToBoolean)
def _to_boolean_fn(node: exp.ToBoolean, tr: Translator) -> exp.Expression:
    safe = bool(node.args.get("safe"))
    if safe:
        check_string_input(node.this, exp.DataType.build("BOOLEAN"), tr)
    return convert(node.this, BOOLEAN, tr, safe=safe)


@handles(exp.TsOrDsToDate)
def _to_date_fn(node: exp.TsOrDsToDate, tr: Translator) -> exp.Expression:
    safe = bool(node.args.get("safe"))
    if safe:
        check_string_input(node.this, exp.DataType.build("DATE"), tr)
    fmt = node.args.get("format")
    if fmt is not None:
        parsed = _parse_with_format(node.this, fmt, safe, "date", tr)
        return cast(parsed, "DATE", DATE)
    return convert(node.this, DATE, tr, safe=safe)


@handles(exp.StrToTime)
def _str_to_time(node: exp.StrToTime, tr: Translator) -> exp.Expression:
    # TO_TIMESTAMP(x, 'fmt'): sqlglot has already translated the format model
    target = target_kind(node.args.get("target_type") or exp.DataType.build("TIMESTAMP"), tr)
    parsed = _parse_with_format(node.this, node.args["format"], bool(node.args.get("safe")), "timestamp", tr)
    return parsed if target == NTZ else cast(parsed, "TIMESTAMPTZ", LTZ)


def _parse_with_format(value: exp.Expression, fmt: exp.Expression, safe: bool, what: str,
                       tr: Translator) -> exp.Expression:
    """Parse text with a (sqlglot-translated) format; a mismatch is an error unless safe."""
    if not isinstance(fmt, exp.Literal):
        raise not_supported(f"TO_{what.upper()} with a non-constant format", tr)
    text = to_text(value)
    if safe:
        return typed(exp.StrToTime(this=text, format=fmt.copy(), safe=True), NTZ)
    # docs (to_date, to_decimal): "Can't parse '<value>' as <what> with format '<format>'"; the errno for dates
    # and timestamps is not in the docs (100096 seen in error reports)
    original = format_time(fmt.this, Snowflake.INVERSE_TIME_MAPPING, Snowflake.INVERSE_TIME_TRIE).upper()
    tail = exp.Literal.string(f"' as {what} with format '{original}'").sql(dialect="duckdb")
    # the value is the template's only hole, so a bound parameter in it is read once (see sqlfuncs.template)
    parsed = "CAST(TRY_STRPTIME({0}, " + exp.Literal.string(fmt.this).sql(dialect="duckdb") + ") AS TIMESTAMP)"
    sql = ("CASE WHEN {0} IS NULL THEN NULL WHEN " + parsed + " IS NULL "
           "THEN error('SF#100096|22007|Can''t parse ''' || {0} || " + tail + ") ELSE " + parsed + " END")
    return template(sql, text, sf_kind=NTZ)


_TO_TIMESTAMP = {"TO_TIMESTAMP": None, "TO_TIMESTAMP_NTZ": NTZ, "TO_TIMESTAMP_LTZ": LTZ, "TO_TIMESTAMP_TZ": LTZ}


@handles_anonymous(*_TO_TIMESTAMP, *(f"TRY_{n}" for n in _TO_TIMESTAMP))
def _to_timestamp_fn(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    name = str(node.this).upper()
    safe = name.startswith("TRY_")
    base = name.removeprefix("TRY_")
    target = _TO_TIMESTAMP[base] or target_kind(exp.DataType.build("TIMESTAMP"), tr)
    args = node.expressions
    if not args or len(args) > 2:
        raise errors.compilation_error(938, f"not enough arguments for function [{node.sql('snowflake')}]")
    value = args[0]
    if safe:
        check_string_input(value, exp.DataType.build(target.replace("TIMESTAMP_", "TIMESTAMP")), tr)
    if len(args) == 2:
        second = args[1]
        if isinstance(second, exp.Literal) and not second.is_string and kind(value) in (NUMBER, FLOAT):
            # TO_TIMESTAMP(n, scale): n / 10^scale seconds (docs: to_timestamp)
            scaled = template("({0}) / power(10, {1})", value, second, sf_kind=FLOAT)
            return convert(scaled, target, tr)
        if isinstance(second, exp.Literal) and second.is_string:
            fmt = _SNOWFLAKE.format_time(second)
            parsed = _parse_with_format(value, fmt, safe, "timestamp", tr)
            return parsed if target == NTZ else cast(parsed, "TIMESTAMPTZ", LTZ)
        raise not_supported(f"{base} with a non-constant second argument", tr)
    return convert(value, target, tr, safe=safe)


@handles(exp.ToChar)
def _to_char(node: exp.ToChar, tr: Translator) -> exp.Expression:
    fmt = node.args.get("format")
    src = kind(node.this)
    if fmt is None:
        return to_text(node.this, src)
    if src in (DATE, NTZ, LTZ, TIME) and isinstance(fmt, exp.Literal):
        py = _SNOWFLAKE.format_time(fmt)
        return typed(exp.TimeToStr(this=node.this, format=py), STRING)
    raise not_supported("TO_CHAR/TO_VARCHAR with a format model for this input", tr)


@handles(exp.TsOrDsToTime)
def _to_time(node: exp.TsOrDsToTime, tr: Translator) -> exp.Expression:
    if node.args.get("format") is not None:
        raise not_supported("TO_TIME with a format model", tr)
    src = kind(node.this)
    if src == LTZ:
        return cast(cast(node.this, "TIMESTAMP", NTZ), "TIME", TIME)
    return convert(node.this, TIME, tr, safe=bool(node.args.get("safe")))
