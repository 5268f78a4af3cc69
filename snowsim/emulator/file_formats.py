"""File formats: the option syntax shared by CREATE FILE FORMAT / CREATE STAGE / COPY, and the FILE FORMAT objects.

docs: sql-reference/sql/create-file-format, sql/show-file-formats, sql/drop-file-format. Formats are stored in the
catalog as kind "FILE FORMAT" with info {"type", "options", "comment"}; option keys are upper case, values are
Python values (str, int, bool, list for `('a', 'b')`, dict for a nested `(K = V ...)`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import ObjectName, split_name
from snowsim.emulator.results import Result

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

FORMAT_TYPES = ("CSV", "JSON", "AVRO", "ORC", "PARQUET", "XML")
# The options SHOW FILE FORMATS / DESCRIBE report for each type, with Snowflake's defaults (docs: create-file-format).
DEFAULTS: dict[str, dict[str, Any]] = {
    "CSV": {"RECORD_DELIMITER": "\n", "FIELD_DELIMITER": ",", "FILE_EXTENSION": None, "SKIP_HEADER": 0,
            "PARSE_HEADER": False, "DATE_FORMAT": "AUTO", "TIME_FORMAT": "AUTO", "TIMESTAMP_FORMAT": "AUTO",
            "BINARY_FORMAT": "HEX", "ESCAPE": "NONE", "ESCAPE_UNENCLOSED_FIELD": "\\", "TRIM_SPACE": False,
            "FIELD_OPTIONALLY_ENCLOSED_BY": "NONE", "NULL_IF": ["\\N"], "COMPRESSION": "AUTO",
            "ERROR_ON_COLUMN_COUNT_MISMATCH": True, "SKIP_BLANK_LINES": False, "EMPTY_FIELD_AS_NULL": True,
            "ENCODING": "UTF8"},
    "JSON": {"FILE_EXTENSION": None, "DATE_FORMAT": "AUTO", "TIME_FORMAT": "AUTO", "TIMESTAMP_FORMAT": "AUTO",
             "BINARY_FORMAT": "HEX", "TRIM_SPACE": False, "MULTI_LINE": True, "NULL_IF": [], "COMPRESSION": "AUTO",
             "ENABLE_OCTAL": False, "ALLOW_DUPLICATE": False, "STRIP_OUTER_ARRAY": False, "STRIP_NULL_VALUES": False,
             "IGNORE_UTF8_ERRORS": False, "REPLACE_INVALID_CHARACTERS": False, "SKIP_BYTE_ORDER_MARK": True},
}


@dataclass
class FileFormat:
    """A resolved file format: its TYPE and the options given (defaults filled in by `get`)."""

    type: str = "CSV"
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        """An option's value, or Snowflake's default for this format type."""
        if key in self.options:
            return self.options[key]
        return DEFAULTS.get(self.type, {}).get(key)

    def flag(self, key: str) -> bool:
        """A boolean option."""
        return as_bool(self.get(key))


# ---- option syntax ---------------------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.|'')*')|(?P<lp>\()|(?P<rp>\))|(?P<eq>=>|=)|(?P<comma>,)|(?P<word>[^\s=(),']+))", re.S
)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def unquote(literal: str) -> str:
    """The value of a Snowflake string literal ('' and backslash escapes)."""
    body = literal[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif ch == "'" and i + 1 < len(body) and body[i + 1] == "'":
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise errors.compilation_error(1003, f"syntax error line 1 at position {pos} unexpected '{text[pos:pos + 10]}'.")
        pos = m.end()
        kind = m.lastgroup
        if kind is not None:
            out.append((kind, m.group(kind)))
    return out


def _value(tok: tuple[str, str]) -> Any:
    kind, text = tok
    if kind == "str":
        return unquote(text)
    upper = text.upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _parse(tokens: list[tuple[str, str]], i: int, nested: bool) -> tuple[Any, int]:
    """Parse `K = V ...` (dict) or `v, v, ...` (list) up to the closing parenthesis when nested."""
    is_dict = len(tokens) > i + 1 and tokens[i][0] == "word" and tokens[i + 1][0] == "eq"
    items: Any = {} if is_dict or not nested else []
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "rp":
            if not nested:
                raise errors.compilation_error(1003, "syntax error line 1 at position 0 unexpected ')'.")
            return items, i + 1
        if kind == "comma":
            i += 1
            continue
        if isinstance(items, dict):
            if kind != "word" or i + 1 >= len(tokens) or tokens[i + 1][0] != "eq":
                raise errors.compilation_error(1003, f"syntax error line 1 at position 0 unexpected '{text}'.")
            key = text.upper()
            i += 2
            if i >= len(tokens):
                raise errors.compilation_error(1003, f"syntax error: option {key} has no value")
            if tokens[i][0] == "lp":
                value, i = _parse(tokens, i + 1, True)
            else:
                value, i = _value(tokens[i]), i + 1
            items[key] = value
        else:
            if kind == "lp":
                value, i = _parse(tokens, i + 1, True)
            else:
                value, i = _value(tokens[i]), i + 1
            items.append(value)
    if nested:
        raise errors.compilation_error(1003, "syntax error: missing ')'")
    return items, i


def parse_options(text: str) -> dict[str, Any]:
    """Parse `KEY = value KEY2 = (K = V, ...) KEY3 = ('a', 'b')` into a dict with upper-case keys."""
    tokens = _tokens(text)
    if not tokens:
        return {}
    result, _ = _parse(tokens, 0, False)
    return result if isinstance(result, dict) else {}


def as_bool(value: Any) -> bool:
    """TRUE/FALSE given as a word, a string or a bool."""
    if isinstance(value, str):
        return value.strip().upper() in ("TRUE", "T", "YES", "Y", "ON", "1")
    return bool(value)


def word(value: Any) -> str:
    """An option value used as a keyword (upper case)."""
    return str(value).upper() if value is not None else ""


def named_definition(conn: Connection, match: re.Match[str] | None, what: str, sql: str) -> tuple[ObjectName, dict]:
    """The qualified name and options of a CREATE <what> statement matched by `match` (its `rest` group)."""
    if match is None:
        raise errors.not_supported(f"this form of CREATE {what}", sql)
    name_text, rest = split_leading_name(match.group("rest"))
    name = conn.translator().qualify_name(split_name(name_text))
    if conn.catalog.schema(name.database, name.schema) is None:
        raise errors.object_does_not_exist(f"{name.database}.{name.schema}", "Schema")
    return name, parse_options(rest)


def split_leading_name(text: str) -> tuple[str, str]:
    """Split `db."My Name" rest...` into the (possibly quoted, dotted) name and the rest of the text."""
    text = text.lstrip()
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and (ch.isspace() or ch in "(=;"):
            return text[:i], text[i:]
    return text, ""


# ---- resolving the format a statement uses --------------------------------------------------------------------------
def from_options(options: dict[str, Any]) -> dict[str, Any]:
    """Normalise a FILE_FORMAT option value into the form stored on stages: {"FORMAT_NAME": ...} or {"TYPE": ...}."""
    return {k.upper(): v for k, v in options.items()}


def lookup(conn: Connection, name_text: str) -> FileFormat:
    """The named file format `name_text` (002003 when missing)."""
    name = conn.translator().qualify_name(split_name(name_text))
    obj = conn.catalog.get("FILE FORMAT", name)
    if obj is None:
        raise errors.compilation_error(2003, f"File format '{name}' does not exist or not authorized.", "02000")
    return FileFormat(obj.info["type"], dict(obj.info.get("options", {})))


def resolve(conn: Connection, spec: Any) -> FileFormat | None:
    """Turn a FILE_FORMAT value (a name, or `(FORMAT_NAME = ...)` / `(TYPE = ... options)`) into a FileFormat."""
    if spec is None:
        return None
    if isinstance(spec, str):
        return lookup(conn, spec)
    if isinstance(spec, dict):
        spec = from_options(spec)
        if "FORMAT_NAME" in spec:
            return lookup(conn, str(spec["FORMAT_NAME"]))
        kind = word(spec.get("TYPE", "CSV"))
        if kind not in FORMAT_TYPES:
            raise errors.compilation_error(2119, f"invalid value [{spec.get('TYPE')}] for parameter 'TYPE'")
        return FileFormat(kind, {k: v for k, v in spec.items() if k != "TYPE"})
    raise errors.compilation_error(1003, f"syntax error: invalid FILE_FORMAT {spec!r}")


def stage_format(conn: Connection, stage: CatalogObject | None) -> FileFormat | None:
    """The file format a stage declares (FILE_FORMAT = ...), or None."""
    if stage is None or not stage.info.get("file_format"):
        return None
    return resolve(conn, stage.info["file_format"])


def format_options_json(fmt: FileFormat) -> str:
    """SHOW FILE FORMATS' format_options column: every option of the type, given or default, as JSON."""
    merged = {"TYPE": fmt.type, **DEFAULTS.get(fmt.type, {}), **fmt.options}
    return json.dumps(merged, separators=(",", ":"))


# ---- CREATE / DROP / SHOW / DESCRIBE FILE FORMAT --------------------------------------------------------------------
_CREATE = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:(?:LOCAL\s+|GLOBAL\s+)?(?P<temp>TEMP|TEMPORARY|VOLATILE)\s+)?"
    r"FILE\s+FORMAT\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<rest>.*)$",
    re.I | re.S,
)


@command(r"CREATE\s+(OR\s+REPLACE\s+)?((LOCAL|GLOBAL)\s+)?((TEMP|TEMPORARY|VOLATILE)\s+)?FILE\s+FORMAT\b")
def create_file_format(conn: Connection, sql: str) -> Result:
    """CREATE [OR REPLACE] [TEMPORARY] FILE FORMAT [IF NOT EXISTS] name [TYPE = ...] [options] [COMMENT = '...']."""
    m = _CREATE.match(sql.rstrip().rstrip(";"))
    name, options = named_definition(conn, m, "FILE FORMAT", sql)
    kind = word(options.pop("TYPE", "CSV"))
    if kind not in FORMAT_TYPES:
        raise errors.compilation_error(2119, f"invalid value [{kind}] for parameter 'TYPE'")
    comment = options.pop("COMMENT", None)
    existing = conn.catalog.get("FILE FORMAT", name)
    if existing is not None and not m.group("replace"):
        if m.group("ine"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        raise errors.already_exists("Object", name.name)
    conn.txns.commit()  # DDL commits an open transaction (docs: sql-reference/transactions)
    info = {"type": kind, "options": options, "comment": comment, "temporary": bool(m.group("temp"))}
    conn.catalog.put(CatalogObject("FILE FORMAT", name, conn.clock.now(), info))
    return Result.message("status", f"File format {name.name} successfully created.")


@command(r"DROP\s+FILE\s+FORMAT\b")
def drop_file_format(conn: Connection, sql: str) -> Result:
    """DROP FILE FORMAT [IF EXISTS] name."""
    m = re.match(r"^\s*DROP\s+FILE\s+FORMAT\s+(?P<ie>IF\s+EXISTS\s+)?(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    name_text, _ = split_leading_name(m.group("rest"))
    name = conn.translator().qualify_name(split_name(name_text))
    if conn.catalog.get("FILE FORMAT", name) is None:
        if m.group("ie"):
            return Result.message("status", f"Drop statement executed successfully ({name.name} already dropped).")
        raise errors.compilation_error(2003, f"File format '{name}' does not exist or not authorized.", "02000")
    conn.txns.commit()
    conn.catalog.drop("FILE FORMAT", name)
    return Result.message("status", f"{name.name} successfully dropped.")


def show_file_formats(conn: Connection, sql: str) -> Result:
    """SHOW FILE FORMATS [LIKE '...'] [IN ACCOUNT | DATABASE [d] | SCHEMA [s]] (docs: sql/show-file-formats)."""
    from snowsim.emulator.stages import shown_objects

    rows = []
    for obj in shown_objects(conn, sql, "FILE FORMAT"):
        fmt = FileFormat(obj.info["type"], obj.info.get("options", {}))
        rows.append((obj.created_on, obj.name.name, obj.name.database, obj.name.schema, fmt.type, "SYSADMIN",
                     obj.info.get("comment") or "", format_options_json(fmt), "ROLE"))
    columns = ["created_on", "name", "database_name", "schema_name", "type", "owner", "comment", "format_options",
               "owner_role_type"]
    return Result.table(columns, rows)


def describe_file_format(conn: Connection, sql: str) -> Result:
    """DESCRIBE FILE FORMAT name: one row per option (property, property_type, property_value, property_default)."""
    m = re.match(r"^\s*DESC(?:RIBE)?\s+FILE\s+FORMAT\s+(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    name_text, _ = split_leading_name(m.group("rest"))
    name = conn.translator().qualify_name(split_name(name_text))
    obj = conn.catalog.get("FILE FORMAT", name)
    if obj is None:
        raise errors.compilation_error(2003, f"File format '{name}' does not exist or not authorized.", "02000")
    return Result.table(["property", "property_type", "property_value", "property_default"],
                        describe_rows(FileFormat(obj.info["type"], obj.info.get("options", {}))))


def describe_rows(fmt: FileFormat) -> list[tuple]:
    """DESCRIBE rows for a format: TYPE first, then every option of the type."""
    rows = [("TYPE", "String", fmt.type, "CSV")]
    for key, default in DEFAULTS.get(fmt.type, {}).items():
        value = fmt.get(key)
        kind = "Boolean" if isinstance(default, bool) else "Integer" if isinstance(default, int) else (
            "List" if isinstance(default, list) else "String")
        rows.append((key, kind, _shown(value), _shown(default)))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "" if value is None else str(value)

