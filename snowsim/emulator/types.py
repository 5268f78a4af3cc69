"""Snowflake data types: their canonical spelling (as DESCRIBE shows it) and the DuckDB type that stores them."""

from __future__ import annotations

from sqlglot import exp

from snowsim.emulator.errors import compilation_error

_T = exp.DataType.Type
_INTEGERS = {_T.INT, _T.BIGINT, _T.SMALLINT, _T.TINYINT, _T.UTINYINT, _T.INT128, _T.UBIGINT, _T.UINT, _T.USMALLINT}
_DECIMALS = {_T.DECIMAL, _T.BIGDECIMAL, _T.DECIMAL64, _T.DECIMAL128, _T.DECIMAL256, _T.DECIMAL32}
_STRINGS = {_T.VARCHAR, _T.TEXT, _T.CHAR, _T.NVARCHAR, _T.NCHAR, _T.NAME}
_FLOATS = {_T.FLOAT, _T.DOUBLE}
_SEMI = {_T.VARIANT: "VARIANT", _T.OBJECT: "OBJECT", _T.ARRAY: "ARRAY", _T.JSON: "VARIANT", _T.STRUCT: "OBJECT"}


def _params(dt: exp.DataType) -> list[int]:
    out = []
    for p in dt.expressions:
        node = p.this if isinstance(p, exp.DataTypeParam) else p
        out.append(int(node.name))
    return out


def canonical(dt: exp.DataType) -> str:
    """Snowflake's canonical type text for a parsed type (e.g. INT -> NUMBER(38,0), STRING -> VARCHAR(16777216))."""
    t = dt.this
    params = _params(dt) if t not in _SEMI and t != _T.ARRAY else []
    if t in _INTEGERS:
        return "NUMBER(38,0)"
    if t in _DECIMALS:
        p, s = (params + [38, 0])[:2] if params else (38, 0)
        if len(params) == 1:
            p, s = params[0], 0
        if not 1 <= p <= 38 or not 0 <= s <= p:
            raise compilation_error(2040 if p > 38 else 2041, f"Unsupported data type 'NUMBER({p},{s})'.")
        return f"NUMBER({p},{s})"
    if t in _STRINGS:
        return f"VARCHAR({params[0] if params else 16777216})"
    if t in _FLOATS:
        return "FLOAT"
    if t == _T.BOOLEAN:
        return "BOOLEAN"
    if t == _T.DATE:
        return "DATE"
    if t == _T.TIME:
        return "TIME(9)"
    if t in (_T.TIMESTAMP, _T.TIMESTAMPNTZ, _T.DATETIME):
        return "TIMESTAMP_NTZ(9)"
    if t == _T.TIMESTAMPLTZ:
        return "TIMESTAMP_LTZ(9)"
    if t == _T.TIMESTAMPTZ:
        return "TIMESTAMP_TZ(9)"
    if t in _SEMI:
        return _SEMI[t]
    if t in (_T.BINARY, _T.VARBINARY, _T.BLOB):
        return "BINARY(8388608)"
    raise compilation_error(2040, f"Unsupported data type '{dt.sql('snowflake')}'.")


def duck_type(canonical_type: str) -> str:
    """The DuckDB storage type for a canonical Snowflake type."""
    base = canonical_type.split("(")[0]
    if base == "NUMBER":
        return canonical_type.replace("NUMBER", "DECIMAL")
    return {
        "VARCHAR": "VARCHAR",
        "FLOAT": "DOUBLE",
        "BOOLEAN": "BOOLEAN",
        "DATE": "DATE",
        "TIME": "TIME",
        "TIMESTAMP_NTZ": "TIMESTAMP",
        # DuckDB keeps an instant, not the original offset; TIMESTAMP_TZ values come back in the session zone.
        "TIMESTAMP_LTZ": "TIMESTAMPTZ",
        "TIMESTAMP_TZ": "TIMESTAMPTZ",
        "VARIANT": "JSON",
        "OBJECT": "JSON",
        "ARRAY": "JSON",
        "BINARY": "BLOB",
    }[base]


def parse_type(text: str) -> exp.DataType:
    """Parse a Snowflake type name."""
    return exp.DataType.build(text, dialect="snowflake")


def canonical_from_duck(duck: str) -> str:
    """Best Snowflake spelling for a DuckDB result type (views, CTAS)."""
    d = duck.upper()
    if d.startswith("DECIMAL"):
        return d.replace("DECIMAL", "NUMBER").replace(" ", "")
    if d in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "NUMBER(38,0)"
    return {
        "VARCHAR": "VARCHAR(16777216)",
        "DOUBLE": "FLOAT",
        "FLOAT": "FLOAT",
        "BOOLEAN": "BOOLEAN",
        "DATE": "DATE",
        "TIME": "TIME(9)",
        "TIMESTAMP": "TIMESTAMP_NTZ(9)",
        "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_LTZ(9)",
        "JSON": "VARIANT",
        "BLOB": "BINARY(8388608)",
    }.get(d, "VARIANT" if d.endswith("[]") or d.startswith(("STRUCT", "MAP")) else "VARCHAR(16777216)")


def is_semi_structured(canonical_type: str) -> bool:
    """VARIANT, OBJECT and ARRAY are stored as DuckDB JSON."""
    return canonical_type in ("VARIANT", "OBJECT", "ARRAY")
