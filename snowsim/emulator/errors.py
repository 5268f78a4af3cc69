"""Snowflake errors, raised as the connector's own exception classes so user code that catches them works unchanged."""

from __future__ import annotations

import re

from snowflake.connector import errors as sf

ProgrammingError = sf.ProgrammingError
DatabaseError = sf.DatabaseError
InterfaceError = sf.InterfaceError
OperationalError = sf.OperationalError
IntegrityError = sf.IntegrityError
DataError = sf.DataError


class NotSupportedError(sf.NotSupportedError):
    """A construct snowsim does not emulate yet: named, never silently answered differently."""


def compilation_error(errno: int, text: str, sqlstate: str = "42000") -> ProgrammingError:
    """A Snowflake 'SQL compilation error:' with the given code (e.g. 2003 for a missing object)."""
    return ProgrammingError(msg=f"SQL compilation error:\n{text}", errno=errno, sqlstate=sqlstate)


def object_does_not_exist(name: str, kind: str = "Object") -> ProgrammingError:
    """002003 (42S02): Object 'X' does not exist or not authorized (02000 for a missing database or schema)."""
    # Snowflake reports a missing container with SQLSTATE 02000 (e.g. "002003 (02000): SQL compilation error:\n
    # Schema 'DB.X' does not exist or not authorized."), a missing table/view/object with 42S02.
    sqlstate = "02000" if kind in ("Database", "Schema") else "42S02"
    return compilation_error(2003, f"{kind} '{name}' does not exist or not authorized.", sqlstate)


def already_exists(kind: str, name: str) -> ProgrammingError:
    """002002 (42710): Object 'X' already exists."""
    return compilation_error(2002, f"{kind} '{name}' already exists.", "42710")


def positioned_error(errno: int, sqlstate: str, line: int, position: int, text: str) -> ProgrammingError:
    """A compilation error that points into the statement: 'SQL compilation error: error line L at position P\\n...'."""
    return ProgrammingError(msg=f"SQL compilation error: error line {line} at position {position}\n{text}", errno=errno,
                            sqlstate=sqlstate)


def invalid_identifier(name: str, statement: str = "") -> ProgrammingError:
    """000904 (42000): error line L at position P invalid identifier 'X' (located in `statement` when given).

    `name` is the stored name; Snowflake prints one that needs quotes with them: invalid identifier '"col a"'.
    """
    from snowsim.emulator.identifiers import quote  # local: identifiers imports sqlglot

    # a qualified reference (T.NOPE) is printed part by part
    shown = ".".join(quote(part) for part in name.split(".")) if "." in name and '"' not in name else quote(name)
    line, position = locate(statement, shown) if shown != name and shown in statement else locate(statement, name)
    return positioned_error(904, "42000", line, position, f"invalid identifier '{shown}'")


_MARKER = re.compile(r":__p\d+")  # params.MARKER: a bound parameter in the translator's copy of the statement


def as_bound(statement: str) -> str:
    """The statement as Snowflake receives it with bound parameters: each of params.py's markers back to a `?`."""
    return _MARKER.sub("?", statement) if ":__p" in statement else statement


def locate(statement: str, name: str) -> tuple[int, int]:
    """1-based line and 0-based position of the first case-insensitive occurrence of `name` (1, 0 if absent), in the
    statement as sent with `?` for its bound parameters."""
    statement = as_bound(statement)
    found = re.search(r"(?<![A-Za-z0-9_$])" + re.escape(name) + r"(?![A-Za-z0-9_$])", statement, re.I) if name else None
    if found is None:
        return 1, 0
    before = statement[: found.start()]
    return before.count("\n") + 1, found.start() - (before.rfind("\n") + 1)


def syntax_error(line: int, position: int, near: str) -> ProgrammingError:
    """001003 (42000): syntax error line L at position P unexpected 'X'."""
    return compilation_error(1003, f"syntax error line {line} at position {position} unexpected '{near}'.", "42000")


def not_supported(construct: str, statement: str, position: int | None = None) -> NotSupportedError:
    """NotSupportedError naming the construct, the statement and where in it the construct starts."""
    where = f" at position {position}" if position is not None else ""
    snippet = " ".join(as_bound(statement).split())
    if len(snippet) > 200:
        snippet = snippet[:197] + "..."
    return NotSupportedError(
        msg=f"snowsim does not support {construct}{where} in statement: {snippet}", errno=-1, sqlstate="0A000"
    )


# Runtime errors raised from inside DuckDB SQL (our macros call error('SF<errno>|<sqlstate>|<text>')).
# The cursor turns such messages back into the connector's classes; see translate_duckdb_error().
RUNTIME_ERROR_PREFIX = "SF#"
JSON_ERROR_MARKER = "<PARSE_JSON input>"  # macros.py raises 100069 with the raw text after it
# macros.py raises a failed VARIANT -> NUMBER conversion as <marker><prefix>\x1f<the value's JSON text>; the code and
# message are chosen here (binding the three messages into every statement casting a VARIANT cost more than the cast)
VARIANT_NUMBER_MARKER = "<VARIANT to NUMBER>"


def runtime_marker(errno: int, sqlstate: str, text: str) -> str:
    """The text a DuckDB macro passes to error() so the cursor can re-raise it as Snowflake would."""
    return f"{RUNTIME_ERROR_PREFIX}{errno}|{sqlstate}|{text}"


def _variant_number_error(value: str) -> tuple[str, str, str]:
    """Snowflake's error for a VARIANT (JSON text `value`, not null or boolean) that does not convert to NUMBER.

    docs: sql-reference/functions/to_decimal (100038 not recognized, 100039 out of range) and data-type-conversion
    (an object or array does not convert: 100071). A number reaching here did not fit; a string is judged like
    TRY_CAST(s AS DOUBLE), which Python's float() matches (checked against DuckDB for spaces, signs, exponents,
    inf/nan, underscores).
    """
    import json

    parsed = json.loads(value)
    if isinstance(parsed, (dict, list)):
        return "100071", "22000", f"Failed to cast variant value {value} to FIXED"
    text = parsed if isinstance(parsed, str) else value.strip()
    try:
        float(text)
    except ValueError:
        return "100038", "22018", f"Numeric value '{text}' is not recognized"
    return "100039", "22003", f"Numeric value '{text}' is out of range"


def translate_duckdb_error(exc: Exception, statement: str) -> sf.Error:
    """Map a DuckDB exception to the connector error Snowflake would raise; unknown ones become NotSupportedError.

    The connector raises ProgrammingError for every failed query, except IntegrityError for 100072 (its
    VENDOR_CODE_TO_EXCEPTION table), whatever the SQLSTATE class, so user code catching ProgrammingError works.
    """
    import duckdb  # local: errors.py is imported by modules that must stay light

    message = str(exc)
    start = message.find(RUNTIME_ERROR_PREFIX)
    if start >= 0:
        errno, sqlstate, text = message[start + len(RUNTIME_ERROR_PREFIX) :].split("|", 2)
        text = text.split("\n\nLINE")[0].rstrip()
        if text.startswith(JSON_ERROR_MARKER):
            from snowsim.emulator.json_errors import parse_json_message

            text = parse_json_message(text[len(JSON_ERROR_MARKER) :])
        elif text.startswith(VARIANT_NUMBER_MARKER):
            prefix, _, value = text[len(VARIANT_NUMBER_MARKER) :].partition("\x1f")
            errno, sqlstate, text = _variant_number_error(value)
            text = prefix + text
        cls = IntegrityError if int(errno) == 100072 else ProgrammingError
        return cls(msg=text, errno=int(errno), sqlstate=sqlstate)
    first = _first_line(message)
    if isinstance(exc, duckdb.ConstraintException) and "NOT NULL constraint failed" in first:
        return _not_null(first, statement)
    if isinstance(exc, duckdb.ConversionException):
        return _conversion(first)
    if isinstance(exc, duckdb.CatalogException):
        match = re.search(r"Function with name (\S+) does not exist", first)
        if match:
            function = match.group(1).strip('"').upper()
            return compilation_error(2140, f"Unknown function {function}.", "42601")
        match = re.search(r"with name (\S+) does not exist", first)
        if match:
            return object_does_not_exist(match.group(1).strip('"').upper())
    if isinstance(exc, duckdb.BinderException):
        match = re.search(r'column "(.+?)" not found|column named "(.+?)"', first)
        if match:
            name = match.group(1) or match.group(2)
            return invalid_identifier(name if name != name.lower() else name.upper(), statement)
        match = re.search(r"has (\d+) columns available but (\d+) columns specified", first)
        if match:
            return compilation_error(2020, f"Insert value list does not match column list expecting {match.group(2)} "
                                     f"but got {match.group(1)}", "21S01")
        match = re.search(r'column "(.+?)" must appear in the GROUP BY clause', first)
        if match:
            return _not_grouped(match.group(1), statement)
    if isinstance(exc, duckdb.OutOfRangeException):
        return ProgrammingError(msg=_out_of_range_text(first), errno=100039, sqlstate="22003")
    if isinstance(exc, duckdb.InvalidInputException) and "division by zero" in message.lower():
        return ProgrammingError(msg="Division by zero", errno=100051, sqlstate="22012")
    return NotSupportedError(
        msg=f"snowsim could not emulate this statement (DuckDB said: {first}): {' '.join(statement.split())[:200]}",
        errno=-1,
        sqlstate="0A000",
    )


def _not_grouped(column: str, statement: str) -> ProgrammingError:
    # 001104 (42601): "'T.X' in select clause is neither an aggregate nor in the group by clause." - the column is
    # qualified by its table's alias (or name) and located in the statement
    from sqlglot import exp, parse_one  # local: only the error path needs a parse

    qualifier = ""
    try:
        tree = parse_one(statement, read="snowflake")
        tables = list(tree.find_all(exp.Table))
        for col in tree.find_all(exp.Column):
            if col.name.upper() == column.upper() and col.table:
                qualifier = col.table
                break
        else:
            if len(tables) == 1:
                qualifier = tables[0].alias_or_name
    except Exception:  # noqa: BLE001 - best effort: the message stays useful without a qualifier
        pass
    shown = f"{qualifier.upper()}.{column.upper()}" if qualifier else column.upper()
    line, position = locate(statement, column)
    return positioned_error(1104, "42601", line, position,
                            f"'{shown}' in select clause is neither an aggregate nor in the group by clause.")


def _not_null(first_line: str, statement: str) -> IntegrityError:
    # INSERT ... VALUES gets the short text; other DML names the table and column, e.g.
    # "100072 (22000): DML operation to table T failed on column C with error: NULL result in a non-nullable column"
    text = "NULL result in a non-nullable column"
    match = re.search(r'failed: "(.+?)\$H"\."(.+?)"', first_line)
    if match and not re.match(r"\s*INSERT\b[^;]*?\bVALUES\s*\(", statement, re.I | re.S):
        text = f"DML operation to table {match.group(1)} failed on column {match.group(2)} with error: {text}"
    return IntegrityError(msg=text, errno=100072, sqlstate="22000")


_CONVERSIONS = [  # DuckDB target type prefix -> (errno, sqlstate, Snowflake's wording)
    (("DECIMAL", "INT", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT", "UINT", "DOUBLE", "FLOAT"),
     (100038, "22018", "Numeric value '{}' is not recognized")),
    (("BOOL",), (100037, "22018", "Boolean value '{}' is not recognized")),
    (("DATE",), (100040, "22007", "Date '{}' is not recognized")),
    (("TIMESTAMP",), (100035, "22007", "Timestamp '{}' is not recognized")),
    (("TIME",), (100108, "22007", "Time '{}' is not recognized")),
]


def _conversion(first_line: str) -> ProgrammingError:
    match = re.search(r"""Could not convert string ["'](.*)["'] to (\w+)""", first_line)
    if match is None:
        match = re.search(r'(?:invalid (\w+) field format|(\w+) field value out of range): "(.*?)"', first_line)
        value, target = (match.group(3), (match.group(1) or match.group(2)).upper()) if match else ("", "")
    else:
        value, target = match.group(1), match.group(2).upper()
    if target.startswith("DECIMAL") and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", value):
        # a well-formed number that does not fit the column's precision
        return ProgrammingError(msg=f"Numeric value '{value}' is out of range", errno=100039, sqlstate="22003")
    for prefixes, (errno, sqlstate, text) in _CONVERSIONS:
        if target.startswith(prefixes):
            return ProgrammingError(msg=text.format(value), errno=errno, sqlstate=sqlstate)
    return ProgrammingError(msg=f"Numeric value '{value}' is not recognized", errno=100038, sqlstate="22018")


def _out_of_range_text(first_line: str) -> str:
    match = re.search(r"\((\S+) [*+-/] ", first_line) or re.search(r"[Vv]alue (\S+) ", first_line)
    return f"Numeric value '{match.group(1)}' is out of range" if match else "Numeric value out of range"


def _first_line(message: str) -> str:
    return message.split("\n")[0]
