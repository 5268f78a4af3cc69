"""INFORMATION_SCHEMA.TABLES, COLUMNS, SCHEMATA, VIEWS and DATABASES as DuckDB queries over the persisted catalog.

Each builder returns a DuckDB SELECT reading _snowsim.objects (kind, database, schema, name, created_on, info JSON),
so a query sees the catalog as it is when it runs: each run first writes the catalog state saved for later (a table's
last commit time, stream offsets: Catalog.flush). Column names, order and types follow the view pages
(docs: sql-reference/info-schema/tables, columns, schemata, views, databases). Like Snowflake, the views list only
the objects of the database they belong to (DB.INFORMATION_SCHEMA.X, or the current database).
snowsim does not list the INFORMATION_SCHEMA views themselves, which Snowflake does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from snowsim.emulator.catalog import META_SCHEMA
from snowsim.emulator.show import INFO_SCHEMA_COMMENT, OWNER
from snowsim.emulator.storage import current_view
from snowsim.emulator.translate import VIRTUAL_VIEWS

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.translate import Translator

OBJECTS = f"{META_SCHEMA}.objects"
LTZ = "TIMESTAMPTZ"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _created(column: str = "created_on") -> str:
    # the catalog keeps naive UTC; the views show TIMESTAMP_LTZ
    return f"CAST(timezone('UTC', {column}) AS {LTZ})"


def _since_created(path: str) -> str:
    """A time the catalog keeps in info (naive UTC, ISO text) as TIMESTAMP_LTZ; CREATED when not kept."""
    return f"coalesce({_created(f'CAST({_info(path)} AS TIMESTAMP)')}, {_created('o.created_on')})"


def _info(path: str) -> str:
    return f"json_extract_string(info, '$.{path}')"


def _flag(path: str) -> str:
    return f"coalesce(CAST(json_extract(info, '$.{path}') AS BOOLEAN), FALSE)"


def _yes_no(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 'YES' ELSE 'NO' END"


def _null(kind: str = "VARCHAR") -> str:
    return f"CAST(NULL AS {kind})"


def _row_counts(tr: Translator, database: str) -> str:
    """(schema, name, n) for every table of the database, counted when the query runs."""
    parts = [
        f"SELECT {_lit(o.name.schema)} AS s, {_lit(o.name.name)} AS n, count(*) AS c FROM {current_view(o.name)}"
        for o in tr.catalog.all("TABLE")
        if o.name.database == database
    ]
    return " UNION ALL ".join(parts) or "SELECT NULL AS s, NULL AS n, 0 AS c WHERE FALSE"


def tables(tr: Translator, database: str) -> str:
    """INFORMATION_SCHEMA.TABLES: one row per table and view (docs: sql-reference/info-schema/tables)."""
    retention = f"CAST(coalesce({_info('DATA_RETENTION_TIME_IN_DAYS')}, '1') AS BIGINT)"
    table_type = (f"CASE WHEN o.kind = 'VIEW' THEN 'VIEW' WHEN {_flag('temporary')} THEN 'TEMPORARY TABLE' "
                  "ELSE 'BASE TABLE' END")
    altered = _since_created("last_change")  # the last commit that wrote the table, or DDL (transactions.py)
    last_ddl = _since_created("last_ddl")  # the last DDL (Catalog.put)
    return f"""
SELECT o.database AS TABLE_CATALOG, o.schema AS TABLE_SCHEMA, o.name AS TABLE_NAME, {_lit(OWNER)} AS TABLE_OWNER,
  {table_type} AS TABLE_TYPE,
  CASE WHEN o.kind = 'VIEW' THEN NULL ELSE {_yes_no(_flag('transient'))} END AS IS_TRANSIENT,
  {_null()} AS CLUSTERING_KEY,
  CASE WHEN o.kind = 'VIEW' THEN NULL ELSE CAST(coalesce(rc.c, 0) AS BIGINT) END AS ROW_COUNT,
  CASE WHEN o.kind = 'VIEW' THEN NULL ELSE CAST(0 AS BIGINT) END AS BYTES,
  CASE WHEN o.kind = 'VIEW' THEN NULL ELSE {retention} END AS RETENTION_TIME,
  {_null()} AS SELF_REFERENCING_COLUMN_NAME, {_null()} AS REFERENCE_GENERATION,
  {_null()} AS USER_DEFINED_TYPE_CATALOG, {_null()} AS USER_DEFINED_TYPE_SCHEMA, {_null()} AS USER_DEFINED_TYPE_NAME,
  CASE WHEN o.kind = 'VIEW' THEN 'NO' ELSE 'YES' END AS IS_INSERTABLE_INTO, 'NO' AS IS_TYPED,
  CASE WHEN {_flag('temporary')} THEN 'PRESERVE ROWS' ELSE NULL END AS COMMIT_ACTION,
  {_created('o.created_on')} AS CREATED, {altered} AS LAST_ALTERED, {last_ddl} AS LAST_DDL,
  {_lit(OWNER)} AS LAST_DDL_BY,
  CASE WHEN o.kind = 'VIEW' THEN NULL ELSE 'NO' END AS AUTO_CLUSTERING_ON, {_info('comment')} AS COMMENT,
  {_yes_no(_flag('temporary'))} AS IS_TEMPORARY, 'NO' AS IS_ICEBERG, 'NO' AS IS_DYNAMIC, 'NO' AS IS_IMMUTABLE,
  'NO' AS IS_HYBRID
FROM {OBJECTS} o LEFT JOIN ({_row_counts(tr, database)}) rc ON rc.s = o.schema AND rc.n = o.name
WHERE o.kind IN ('TABLE', 'VIEW') AND o.database = {_lit(database)}
"""


def columns(tr: Translator, database: str) -> str:
    """INFORMATION_SCHEMA.COLUMNS: one row per column of every table and view (docs: sql-reference/info-schema/columns)."""
    col = "c.col"
    ctype = f"json_extract_string({col}, '$.type')"
    base = f"regexp_extract({ctype}, '^[A-Z_]+')"
    p1 = f"TRY_CAST(regexp_extract({ctype}, '\\((\\d+)', 1) AS BIGINT)"
    p2 = f"TRY_CAST(regexp_extract({ctype}, ',(\\d+)\\)', 1) AS BIGINT)"
    data_type = f"CASE {base} WHEN 'VARCHAR' THEN 'TEXT' ELSE {base} END"
    # "Not applicable for Snowflake" columns: always NULL
    nulls = ", ".join(f"{_null('BIGINT' if n == 'INTERVAL_PRECISION' else 'VARCHAR')} AS {n}" for n in (
        "INTERVAL_TYPE", "INTERVAL_PRECISION", "CHARACTER_SET_CATALOG", "CHARACTER_SET_SCHEMA", "CHARACTER_SET_NAME",
        "COLLATION_CATALOG", "COLLATION_SCHEMA", "COLLATION_NAME", "DOMAIN_CATALOG", "DOMAIN_SCHEMA", "DOMAIN_NAME",
        "UDT_CATALOG", "UDT_SCHEMA", "UDT_NAME", "SCOPE_CATALOG", "SCOPE_SCHEMA", "SCOPE_NAME"))  # fmt: skip
    identity = ", ".join(f"{_null()} AS {n}" for n in (
        "IDENTITY_GENERATION", "IDENTITY_START", "IDENTITY_INCREMENT", "IDENTITY_MAXIMUM", "IDENTITY_MINIMUM",
        "IDENTITY_CYCLE", "IDENTITY_ORDERED"))  # fmt: skip
    return f"""
SELECT c.database AS TABLE_CATALOG, c.schema AS TABLE_SCHEMA, c.name AS TABLE_NAME,
  json_extract_string({col}, '$.name') AS COLUMN_NAME, CAST(c.pos AS BIGINT) AS ORDINAL_POSITION,
  json_extract_string({col}, '$.default') AS COLUMN_DEFAULT,
  {_yes_no(f"coalesce(CAST(json_extract({col}, '$.nullable') AS BOOLEAN), TRUE)")} AS IS_NULLABLE,
  {data_type} AS DATA_TYPE,
  CASE WHEN {base} IN ('VARCHAR', 'BINARY') THEN {p1} END AS CHARACTER_MAXIMUM_LENGTH,
  CASE WHEN {base} = 'VARCHAR' THEN least({p1} * 4, 16777216) WHEN {base} = 'BINARY' THEN {p1} END
    AS CHARACTER_OCTET_LENGTH,
  CASE WHEN {base} = 'NUMBER' THEN {p1} END AS NUMERIC_PRECISION,
  CASE WHEN {base} = 'NUMBER' THEN CAST(10 AS BIGINT) END AS NUMERIC_PRECISION_RADIX,
  CASE WHEN {base} = 'NUMBER' THEN {p2} END AS NUMERIC_SCALE,
  {_null('BIGINT')} AS DATETIME_PRECISION, {nulls},
  {_null('BIGINT')} AS MAXIMUM_CARDINALITY, {_null()} AS DTD_IDENTIFIER, 'NO' AS IS_SELF_REFERENCING,
  'NO' AS IS_IDENTITY, {identity}, {_null()} AS SCHEMA_EVOLUTION_RECORD,
  json_extract_string({col}, '$.comment') AS COMMENT
FROM (
  SELECT database, schema, name, unnest(cols) AS col, generate_subscripts(cols, 1) AS pos
  FROM (SELECT database, schema, name, CAST(json_extract(info, '$.columns') AS JSON[]) AS cols
        FROM {OBJECTS} WHERE kind IN ('TABLE', 'VIEW') AND database = {_lit(database)})
) c
"""


def schemata(tr: Translator, database: str) -> str:
    """INFORMATION_SCHEMA.SCHEMATA: one row per schema, INFORMATION_SCHEMA included (docs: info-schema/schemata)."""
    info_schema = "o.schema = 'INFORMATION_SCHEMA'"
    return f"""
SELECT o.database AS CATALOG_NAME, o.schema AS SCHEMA_NAME,
  CASE WHEN {info_schema} THEN NULL ELSE {_lit(OWNER)} END AS SCHEMA_OWNER,
  {_yes_no(_flag('transient'))} AS IS_TRANSIENT, 'NO' AS IS_MANAGED_ACCESS,
  CAST(coalesce({_info('DATA_RETENTION_TIME_IN_DAYS')}, '1') AS BIGINT) AS RETENTION_TIME,
  {_null()} AS DEFAULT_CHARACTER_SET_CATALOG, {_null()} AS DEFAULT_CHARACTER_SET_SCHEMA,
  {_null()} AS DEFAULT_CHARACTER_SET_NAME, {_null()} AS SQL_PATH,
  {_created('o.created_on')} AS CREATED, {_created('o.created_on')} AS LAST_ALTERED,
  CASE WHEN {info_schema} THEN {_lit(INFO_SCHEMA_COMMENT)} ELSE {_info('comment')} END AS COMMENT
FROM {OBJECTS} o WHERE o.kind = 'SCHEMA' AND o.database = {_lit(database)}
"""


def views(tr: Translator, database: str) -> str:
    """INFORMATION_SCHEMA.VIEWS: one row per view, with the statement that created it (docs: info-schema/views)."""
    return f"""
SELECT o.database AS TABLE_CATALOG, o.schema AS TABLE_SCHEMA, o.name AS TABLE_NAME, {_lit(OWNER)} AS TABLE_OWNER,
  coalesce({_info('ddl')}, {_info('text')}) AS VIEW_DEFINITION, 'NONE' AS CHECK_OPTION, 'NO' AS IS_UPDATABLE,
  'NO' AS INSERTABLE_INTO, {_yes_no(_flag('secure'))} AS IS_SECURE,
  {_created('o.created_on')} AS CREATED, {_created('o.created_on')} AS LAST_ALTERED,
  {_created('o.created_on')} AS LAST_DDL, {_lit(OWNER)} AS LAST_DDL_BY, {_info('comment')} AS COMMENT
FROM {OBJECTS} o WHERE o.kind = 'VIEW' AND o.database = {_lit(database)}
"""


def databases(tr: Translator, database: str) -> str:
    """INFORMATION_SCHEMA.DATABASES: every database of the account (docs: sql-reference/info-schema/databases)."""
    return f"""
SELECT o.database AS DATABASE_NAME, {_lit(OWNER)} AS DATABASE_OWNER, {_yes_no(_flag('transient'))} AS IS_TRANSIENT,
  {_info('comment')} AS COMMENT, {_created('o.created_on')} AS CREATED, {_created('o.created_on')} AS LAST_ALTERED,
  CAST(coalesce({_info('DATA_RETENTION_TIME_IN_DAYS')}, '1') AS BIGINT) AS RETENTION_TIME, 'STANDARD' AS TYPE
FROM {OBJECTS} o WHERE o.kind = 'DATABASE'
"""


def _flush(conn: Connection) -> list[str]:
    # the catalog's deferred writes (Catalog.defer, in-memory stream offsets), before the query reads the table
    conn.txns.flush()
    return []


def _flushed_first(build: Callable[[Translator, str], str]) -> Callable[[Translator, str], str]:
    """A view builder whose query flushes the catalog before each run (a translator binder, as time travel's)."""

    def flushed(tr: Translator, database: str) -> str:
        if _flush not in tr.binders:
            tr.binders.append(_flush)
        return build(tr, database)

    return flushed


def _columns(names: str, types: dict[str, str] | None = None, default: str = "VARCHAR") -> dict[str, str]:
    """{COLUMN: snowflake type} for the translator (`default` unless given)."""
    types = types or {}
    return {n: types.get(n, default) for n in names.split()}


_LTZ_COLUMNS = {"CREATED": "TIMESTAMP_LTZ", "LAST_ALTERED": "TIMESTAMP_LTZ", "LAST_DDL": "TIMESTAMP_LTZ"}
_NUMBERS = _columns(
    "ROW_COUNT BYTES RETENTION_TIME ORDINAL_POSITION CHARACTER_MAXIMUM_LENGTH CHARACTER_OCTET_LENGTH NUMERIC_PRECISION "
    "NUMERIC_PRECISION_RADIX NUMERIC_SCALE DATETIME_PRECISION INTERVAL_PRECISION MAXIMUM_CARDINALITY",
    {"ROW_COUNT": "NUMBER"}, default="NUMBER")
_TYPES = {**_LTZ_COLUMNS, **_NUMBERS}

VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "TABLES")] = (_flushed_first(tables), _columns(
    "TABLE_CATALOG TABLE_SCHEMA TABLE_NAME TABLE_OWNER TABLE_TYPE IS_TRANSIENT CLUSTERING_KEY ROW_COUNT BYTES "
    "RETENTION_TIME SELF_REFERENCING_COLUMN_NAME REFERENCE_GENERATION USER_DEFINED_TYPE_CATALOG "
    "USER_DEFINED_TYPE_SCHEMA USER_DEFINED_TYPE_NAME IS_INSERTABLE_INTO IS_TYPED COMMIT_ACTION CREATED LAST_ALTERED "
    "LAST_DDL LAST_DDL_BY AUTO_CLUSTERING_ON COMMENT IS_TEMPORARY IS_ICEBERG IS_DYNAMIC IS_IMMUTABLE IS_HYBRID", _TYPES))
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "COLUMNS")] = (_flushed_first(columns), _columns(
    "TABLE_CATALOG TABLE_SCHEMA TABLE_NAME COLUMN_NAME ORDINAL_POSITION COLUMN_DEFAULT IS_NULLABLE DATA_TYPE "
    "CHARACTER_MAXIMUM_LENGTH CHARACTER_OCTET_LENGTH NUMERIC_PRECISION NUMERIC_PRECISION_RADIX NUMERIC_SCALE "
    "DATETIME_PRECISION INTERVAL_TYPE INTERVAL_PRECISION CHARACTER_SET_CATALOG CHARACTER_SET_SCHEMA "
    "CHARACTER_SET_NAME COLLATION_CATALOG COLLATION_SCHEMA COLLATION_NAME DOMAIN_CATALOG DOMAIN_SCHEMA DOMAIN_NAME "
    "UDT_CATALOG UDT_SCHEMA UDT_NAME SCOPE_CATALOG SCOPE_SCHEMA SCOPE_NAME MAXIMUM_CARDINALITY DTD_IDENTIFIER "
    "IS_SELF_REFERENCING IS_IDENTITY IDENTITY_GENERATION IDENTITY_START IDENTITY_INCREMENT IDENTITY_MAXIMUM "
    "IDENTITY_MINIMUM IDENTITY_CYCLE IDENTITY_ORDERED SCHEMA_EVOLUTION_RECORD COMMENT", _TYPES))
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "SCHEMATA")] = (_flushed_first(schemata), _columns(
    "CATALOG_NAME SCHEMA_NAME SCHEMA_OWNER IS_TRANSIENT IS_MANAGED_ACCESS RETENTION_TIME DEFAULT_CHARACTER_SET_CATALOG "
    "DEFAULT_CHARACTER_SET_SCHEMA DEFAULT_CHARACTER_SET_NAME SQL_PATH CREATED LAST_ALTERED COMMENT", _TYPES))
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "VIEWS")] = (_flushed_first(views), _columns(
    "TABLE_CATALOG TABLE_SCHEMA TABLE_NAME TABLE_OWNER VIEW_DEFINITION CHECK_OPTION IS_UPDATABLE INSERTABLE_INTO "
    "IS_SECURE CREATED LAST_ALTERED LAST_DDL LAST_DDL_BY COMMENT", _TYPES))
VIRTUAL_VIEWS[("INFORMATION_SCHEMA", "DATABASES")] = (_flushed_first(databases), _columns(
    "DATABASE_NAME DATABASE_OWNER IS_TRANSIENT COMMENT CREATED LAST_ALTERED RETENTION_TIME TYPE", _TYPES))
