"""Result sets as the Snowflake connector returns them: ResultMetadata descriptions and Python values."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from snowflake.connector.cursor import ResultMetadata

# The connector's type codes (snowflake.connector.constants FIELD_ID_TO_NAME).
TYPE_CODES = {
    "FIXED": 0, "REAL": 1, "TEXT": 2, "DATE": 3, "TIMESTAMP": 4, "VARIANT": 5, "TIMESTAMP_LTZ": 6,
    "TIMESTAMP_TZ": 7, "TIMESTAMP_NTZ": 8, "OBJECT": 9, "ARRAY": 10, "BINARY": 11, "TIME": 12, "BOOLEAN": 13,
}  # fmt: skip


def _type_code(duck_type: str) -> tuple[int, int | None, int | None]:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        p, s = (int(x) for x in t[t.index("(") + 1 : -1].split(","))
        return TYPE_CODES["FIXED"], p, s
    if t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return TYPE_CODES["FIXED"], 38, 0
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return TYPE_CODES["REAL"], None, None
    if t == "BOOLEAN":
        return TYPE_CODES["BOOLEAN"], None, None
    if t == "DATE":
        return TYPE_CODES["DATE"], None, None
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return TYPE_CODES["TIMESTAMP_LTZ"], 0, 9
    if t.startswith("TIMESTAMP"):
        return TYPE_CODES["TIMESTAMP_NTZ"], 0, 9
    if t.startswith("TIME"):
        return TYPE_CODES["TIME"], 0, 9
    if t == "JSON":
        return TYPE_CODES["VARIANT"], None, None
    if t == "BLOB":
        return TYPE_CODES["BINARY"], None, None
    return TYPE_CODES["TEXT"], None, None


def _variant_text(value: Any) -> Any:
    # The connector returns VARIANT values as JSON text indented by 2, the way Snowflake serialises them;
    # Snowflake stores an OBJECT's keys sorted, so they come back sorted (docs: parse_json, querying-semistructured).
    if value is None:
        return None
    return json.dumps(json.loads(value), indent=2, ensure_ascii=False, sort_keys=True)


def _integer(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) else value


def shape(names: list[str], duck_types: list[str]) -> tuple[list[ResultMetadata], list]:
    """Result metadata and per-column value converters for DuckDB result columns (empty list: no conversion)."""
    desc = []
    converters: list = []
    for name, dtype in zip(names, duck_types, strict=True):
        code, precision, scale = _type_code(dtype)
        desc.append(ResultMetadata(name, code, None, None, precision, scale, True))
        if code == TYPE_CODES["VARIANT"]:
            converters.append(_variant_text)
        elif code == TYPE_CODES["FIXED"] and scale == 0 and dtype.upper().startswith("DECIMAL"):
            converters.append(_integer)  # DuckDB integer types already come back as int
        else:
            converters.append(None)
    return desc, converters if any(converters) else []


@dataclass
class Result:
    """A materialised result: metadata, rows, and the DB-API rowcount."""

    description: list[ResultMetadata] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    rowcount: int | None = None

    @classmethod
    def from_duckdb(cls, names: list[str], duck_types: list[str], rows: list[tuple]) -> Result:
        """Wrap rows fetched from DuckDB, converting values as the connector would."""
        return cls.with_shape(shape(names, duck_types), rows)

    @classmethod
    def with_shape(cls, shaped: tuple[list[ResultMetadata], list], rows: list[tuple]) -> Result:
        """Wrap rows with a precomputed shape (see shape()): plans reuse it on every run."""
        desc, converters = shaped
        if converters:
            rows = [tuple(v if c is None else c(v) for v, c in zip(row, converters, strict=True)) for row in rows]
        return cls(desc, rows, len(rows))

    @classmethod
    def message(cls, column: str, text: str) -> Result:
        """The one-row status result of DDL ('Table T successfully created.')."""
        return cls([ResultMetadata(column, TYPE_CODES["TEXT"], None, None, None, None, True)], [(text,)], 1)

    @classmethod
    def counts(cls, counts: dict[str, int]) -> Result:
        """DML results: one row of counts, e.g. {'number of rows inserted': 3}."""
        desc = [ResultMetadata(k, TYPE_CODES["FIXED"], None, None, 38, 0, False) for k in counts]
        total = sum(counts.values())
        return cls(desc, [tuple(counts.values())], total)

    @classmethod
    def table(cls, columns: list[str], rows: list[tuple]) -> Result:
        """A result built in Python (SHOW, DESCRIBE): typed from the first row's values."""
        desc = []
        for i, name in enumerate(columns):
            sample = next((r[i] for r in rows if r[i] is not None), None)
            code = (
                TYPE_CODES["BOOLEAN"] if isinstance(sample, bool)
                else TYPE_CODES["FIXED"] if isinstance(sample, (int, Decimal))
                else TYPE_CODES["TIMESTAMP_LTZ"] if hasattr(sample, "tzinfo")
                else TYPE_CODES["TEXT"]
            )  # fmt: skip
            desc.append(ResultMetadata(name, code, None, None, None, None, True))
        return cls(desc, rows, len(rows))
