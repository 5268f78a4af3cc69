"""Conversions on write (INSERT / UPDATE / MERGE), chosen once per plan from what is known of the values' types.

Snowflake converts a value written into a column like a cast, its errors naming the table and column (docs:
sql-reference/sql/insert). The translator knows a value's Snowflake kind where sqlglot's annotation kept it; where it
does not (a MERGE reads its values back from a temporary table), the conversion is a CASE on typeof() over every
possible input type. DuckDB's binding cost grows with expression size, and binding those CASEs dominated task runs
(10-25 ms per MERGE, executing took < 1 ms). So the first run of a plan asks DuckDB for the values' types (DESCRIBE
of the statement's source: one bind) and its write steps are rebuilt with the one conversion each value needs: none
when it already has the column's storage type.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import duckdb
from sqlglot import exp

from snowsim.emulator import conversion
from snowsim.emulator.catalog import Column
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
    typed,
)
from snowsim.emulator.types import duck_type, is_semi_structured, parse_type

# digits of DuckDB's integer types: a value of the type fits NUMBER(p, s) when digits <= p - s
_INTEGER_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19, "HUGEINT": 39, "UTINYINT": 3,
                   "USMALLINT": 5, "UINTEGER": 10, "UBIGINT": 20, "UHUGEINT": 39}
_KINDS = {"VARCHAR": STRING, "JSON": VARIANT, "DOUBLE": FLOAT, "FLOAT": FLOAT, "BOOLEAN": BOOLEAN, "DATE": DATE,
          "TIME": TIME, "TIMESTAMP": NTZ, "TIMESTAMP WITH TIME ZONE": LTZ, '"NULL"': NULL}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
_HOLE = '"__snowsim_write_value"'


def coerce(node: exp.Expression, col: Column, table: str | None = None, src: str = UNKNOWN) -> exp.Expression:
    """A value written into `col` of `table`, converted as Snowflake converts it; `src` is its kind when known.

    Anything into VARIANT becomes a variant of that value; a VARIANT or text value into a typed column is converted
    like a cast. Without `table` (VALUES rows) DuckDB's own cast applies, with its plain messages.
    """
    if is_semi_structured(col.type):
        return exp.func("sf_to_variant", node)
    if not table:
        return node
    if src in (UNKNOWN, NULL):
        return conversion.on_write(node, col.type, table, col.name) if src == UNKNOWN else node
    dtype = _parse(col.type)
    target = conversion.target_kind(dtype)
    if target in (UNKNOWN, VARIANT, TIME):
        return node
    p, s = conversion.number_params(dtype) if target == NUMBER else (38, 0)
    prefix = f"DML operation to table {table} failed on column {col.name} with error: "
    return conversion.convert(typed(node, src), target, precision=p, scale=s, prefix=prefix)


def write_sql(sql: str, column_type: str, column: str, table: str, src: str) -> str:
    """coerce() for DuckDB SQL text (plans build their write steps as text); src UNKNOWN: a CASE on typeof()."""
    return _template(column_type, column, table, src).replace(_HOLE, f"({sql})")


@lru_cache(maxsize=1024)
def _template(column_type: str, column: str, table: str, src: str) -> str:
    # parsing per column per MERGE plan cost more than the rest of its translation: one template per conversion
    return coerce(exp.column(_HOLE.strip('"'), quoted=True), Column(column, column_type), table, src).sql("duckdb")


@lru_cache(maxsize=256)
def _parse(column_type: str) -> exp.DataType:
    return parse_type(column_type)


def describe(duck: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict[str, str]:
    """Column name -> DuckDB type of a query's result (with the run's bound parameters, if any).

    A query DuckDB cannot bind raises here as the statement itself would (and aborts its transaction the same way).
    """
    rows = duck.execute(f"DESCRIBE {sql}", params or None).fetchall()
    return {name: str(dtype).upper() for name, dtype, *_ in rows}


def param_signature(params: list) -> tuple:
    """What decides the DuckDB types of bound parameters: their Python types, and the size of numbers (an int
    binds as INTEGER or BIGINT or HUGEINT, a Decimal as DECIMAL(p, s) of its digits)."""
    out = []
    for value in params:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            out.append(type(value))
        elif isinstance(value, int):
            out.append((int, 0 if -(2**31) <= value < 2**31 else 1 if -(2**63) <= value < 2**63 else 2))
        else:
            t = value.as_tuple()
            out.append((Decimal, len(t.digits), t.exponent))
    return tuple(out)


def _digits(duck: str) -> tuple[int, int] | None:
    m = _DECIMAL.match(duck)
    if m:
        return int(m.group(1)), int(m.group(2))
    if duck in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[duck], 0
    return None


def kind_of(duck: str) -> str:
    """The Snowflake kind of a value of a DuckDB type (UNKNOWN for types snowsim does not reason about)."""
    return NUMBER if _digits(duck) else _KINDS.get(duck, UNKNOWN)


def typed_write(sql: str, duck: str, col: Column, table: str) -> str:
    """DuckDB SQL writing `sql`, a value of DuckDB type `duck`, into `col` of `table`, converted as Snowflake does."""
    if is_semi_structured(col.type):
        return sql if duck == "JSON" else f"sf_to_variant({sql})"
    if duck == duck_type(col.type).upper():
        return sql
    src = kind_of(duck)
    if src == NUMBER and conversion.target_kind(_parse(col.type)) == NUMBER:
        p, s = conversion.number_params(_parse(col.type))
        digits, scale = _digits(duck)
        if digits - scale <= p - s:
            return f"CAST({sql} AS DECIMAL({p},{s}))"  # it fits; DuckDB rounds a longer fraction as Snowflake does
    return write_sql(sql, col.type, col.name, table, src)
