"""Snowflake errors, raised as the connector's own exception classes so user code that catches them works unchanged."""

from __future__ import annotations

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
    """002003 (42S02): Object 'X' does not exist or not authorized."""
    return compilation_error(2003, f"{kind} '{name}' does not exist or not authorized.", "42S02")


def already_exists(kind: str, name: str) -> ProgrammingError:
    """002002 (42710): Object 'X' already exists."""
    return compilation_error(2002, f"{kind} '{name}' already exists.", "42710")


def invalid_identifier(name: str) -> ProgrammingError:
    """000904 (42000): invalid identifier 'X'."""
    return compilation_error(904, f"error line 1 at position 0\ninvalid identifier '{name}'", "42000")


def syntax_error(line: int, position: int, near: str) -> ProgrammingError:
    """001003 (42000): syntax error line L at position P unexpected 'X'."""
    return compilation_error(1003, f"syntax error line {line} at position {position} unexpected '{near}'.", "42000")


def not_supported(construct: str, statement: str, position: int | None = None) -> NotSupportedError:
    """NotSupportedError naming the construct, the statement and where in it the construct starts."""
    where = f" at position {position}" if position is not None else ""
    snippet = " ".join(statement.split())
    if len(snippet) > 200:
        snippet = snippet[:197] + "..."
    return NotSupportedError(
        msg=f"snowsim does not support {construct}{where} in statement: {snippet}", errno=-1, sqlstate="0A000"
    )


# Runtime errors raised from inside DuckDB SQL (our macros call error('SF<errno>|<sqlstate>|<text>')).
# The cursor turns such messages back into the connector's classes; see translate_duckdb_error().
RUNTIME_ERROR_PREFIX = "SF#"


def runtime_marker(errno: int, sqlstate: str, text: str) -> str:
    """The text a DuckDB macro passes to error() so the cursor can re-raise it as Snowflake would."""
    return f"{RUNTIME_ERROR_PREFIX}{errno}|{sqlstate}|{text}"


def translate_duckdb_error(exc: Exception, statement: str) -> sf.Error:
    """Map a DuckDB exception to the connector error Snowflake would raise; unknown ones become NotSupportedError."""
    import duckdb  # local: errors.py is imported by modules that must stay light

    message = str(exc)
    start = message.find(RUNTIME_ERROR_PREFIX)
    if start >= 0:
        errno, sqlstate, text = message[start + len(RUNTIME_ERROR_PREFIX) :].split("|", 2)
        text = text.split("\n\nLINE")[0].rstrip()
        cls = DataError if sqlstate.startswith("22") else ProgrammingError
        return cls(msg=text, errno=int(errno), sqlstate=sqlstate)
    if isinstance(exc, duckdb.ConversionException):
        return DataError(msg=_first_line(message), errno=100038, sqlstate="22018")
    if isinstance(exc, duckdb.CatalogException):
        return compilation_error(2003, _first_line(message), "42S02")
    if isinstance(exc, duckdb.BinderException):
        return compilation_error(904, _first_line(message), "42000")
    if isinstance(exc, duckdb.ParserException):
        return compilation_error(1003, _first_line(message), "42000")
    if isinstance(exc, duckdb.OutOfRangeException):
        return DataError(msg=_first_line(message), errno=100039, sqlstate="22003")
    if isinstance(exc, duckdb.InvalidInputException) and "division by zero" in message.lower():
        return DataError(msg="Division by zero", errno=100051, sqlstate="22012")
    return NotSupportedError(
        msg=f"snowsim could not emulate this statement (DuckDB said: {_first_line(message)}): {' '.join(statement.split())[:200]}",
        errno=-1,
        sqlstate="0A000",
    )


def _first_line(message: str) -> str:
    return message.split("\n")[0]
