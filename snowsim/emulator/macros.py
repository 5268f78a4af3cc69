"""DuckDB macros that give Snowflake semantics to VARIANT and conversion functions, vectorised in SQL.

Runtime errors are raised with error('SF#<errno>|<sqlstate>|<message>') so the cursor re-raises them as the
connector's exception with Snowflake's code (see errors.translate_duckdb_error).
"""

from __future__ import annotations

import duckdb

MACROS: list[str] = [
    # anything -> VARIANT (a VARCHAR becomes a JSON string, JSON stays as it is)
    "CREATE OR REPLACE MACRO sf_to_variant(x) AS to_json(x)",
]


def install_macros(duck: duckdb.DuckDBPyConnection) -> None:
    """Create (or refresh) the macros in the connection's temp catalog."""
    for sql in MACROS:
        duck.execute(sql.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))
