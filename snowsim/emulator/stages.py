"""Internal stages: CREATE / DROP / SHOW / DESCRIBE STAGE and the file commands PUT, LIST and REMOVE.

docs: sql-reference/sql/create-stage, drop-stage, show-stages, desc-stage, put, list, remove. Files live on local disk
(see stage_files.py). PUT gzips files by default (AUTO_COMPRESS = TRUE) and stamps them with the connection clock, so
LIST's last_modified and the 64-day load-metadata rules follow virtual time. Loading is in copy_into.py.
"""

from __future__ import annotations

import glob
import gzip
import os
import re
import shutil
import uuid
from typing import TYPE_CHECKING, Any

from snowsim.emulator import copy_into, errors, file_formats, load_metadata, stage_files  # noqa: F401  (handlers)
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.executor import SHOW, command
from snowsim.emulator.file_formats import FileFormat, named_definition, parse_options, split_leading_name, word
from snowsim.emulator.identifiers import normalize, split_name
from snowsim.emulator.results import Result
from snowsim.emulator.stage_files import last_modified_text, named_stage_dir, remove_stage_files, resolve, stamp
from snowsim.emulator.translate import parse

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

# ---- CREATE / DROP / SHOW / DESCRIBE STAGE ---------------------------------------------------------------------------
_CREATE = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:(?P<temp>TEMP|TEMPORARY)\s+)?STAGE\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<rest>.*)$",
    re.I | re.S,
)
_IGNORED_STAGE_OPTIONS = ("ENCRYPTION", "DIRECTORY", "TAG", "CREDENTIALS", "STORAGE_INTEGRATION")


@command(r"CREATE\s+(OR\s+REPLACE\s+)?((TEMP|TEMPORARY)\s+)?STAGE\b")
def create_stage(conn: Connection, sql: str) -> Result:
    """CREATE [OR REPLACE] [TEMPORARY] STAGE [IF NOT EXISTS] s [FILE_FORMAT = (...)] [COPY_OPTIONS = (...)] [COMMENT]."""
    m = _CREATE.match(sql.rstrip().rstrip(";"))
    name, options = named_definition(conn, m, "STAGE", sql)
    if "URL" in options:
        raise errors.not_supported("external stages (CREATE STAGE ... URL = ...)", sql)
    unknown = set(options) - {"FILE_FORMAT", "COPY_OPTIONS", "COMMENT", *_IGNORED_STAGE_OPTIONS}
    if unknown:
        raise errors.compilation_error(1003, f"syntax error line 1 at position 0 unexpected '{sorted(unknown)[0]}'.")
    spec = options.get("FILE_FORMAT")
    if spec is not None:
        spec = {"FORMAT_NAME": spec} if isinstance(spec, str) else file_formats.from_options(spec)
        file_formats.resolve(conn, spec)  # validates the type / that a named format exists
        if "FORMAT_NAME" in spec:  # remember the qualified name: the session may change before COPY runs
            spec = {"FORMAT_NAME": str(conn.translator().qualify_name(split_name(str(spec["FORMAT_NAME"]))))}
    existing = conn.catalog.get("STAGE", name)
    if existing is not None and not m.group("replace"):
        if m.group("ine"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        raise errors.already_exists("Object", name.name)
    conn.txns.commit()  # DDL commits an open transaction (docs: sql-reference/transactions)
    if existing is not None:
        remove_stage_files(conn, existing)
    info = {
        "id": uuid.uuid4().hex,
        "file_format": spec,
        "copy_options": {k.upper(): v for k, v in (options.get("COPY_OPTIONS") or {}).items()},
        "comment": options.get("COMMENT"),
        "temporary": bool(m.group("temp")),
        "url": None,
    }
    obj = CatalogObject("STAGE", name, conn.clock.now(), info)
    conn.catalog.put(obj)
    # A new stage starts empty, also where a dropped schema or database left an old stage's files behind.
    remove_stage_files(conn, obj)
    named_stage_dir(conn, obj).mkdir(parents=True, exist_ok=True)
    return Result.message("status", f"Stage area {name.name} successfully created.")


@command(r"DROP\s+STAGE\b")
def drop_stage(conn: Connection, sql: str) -> Result:
    """DROP STAGE [IF EXISTS] s: the stage and its files go."""
    m = re.match(r"^\s*DROP\s+STAGE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    name_text, _ = split_leading_name(m.group("rest"))
    name = conn.translator().qualify_name(split_name(name_text))
    stage = conn.catalog.get("STAGE", name)
    if stage is None:
        if m.group("ie"):
            return Result.message("status", f"Drop statement executed successfully ({name.name} already dropped).")
        raise errors.object_does_not_exist(str(name), "Stage")
    conn.txns.commit()
    remove_stage_files(conn, stage)
    conn.catalog.drop("STAGE", name)
    return Result.message("status", f"{name.name} successfully dropped.")


def _like(pattern: str) -> re.Pattern[str]:
    # SHOW ... LIKE is case-insensitive with SQL wildcards (docs: sql/show-stages)
    out = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(out, re.I | re.S)


def shown_objects(conn: Connection, sql: str, kind: str) -> list[CatalogObject]:
    """The objects of `kind` a SHOW statement selects: LIKE, IN ACCOUNT | DATABASE [d] | SCHEMA [[d.]s]."""
    tree = parse(sql)
    like = tree.args.get("like")
    pattern = _like(like.name) if like is not None else None
    scope_kind = (tree.args.get("scope_kind") or "").upper()
    scope = tree.args.get("scope")
    parts = [normalize(p) for p in scope.parts] if scope is not None else []
    db = sch = None
    if scope_kind == "SCHEMA":
        if len(parts) == 2:
            db, sch = parts
        else:
            db, sch = conn.session.database, parts[0] if parts else conn.session.schema
    elif scope_kind == "DATABASE":
        db = parts[0] if parts else conn.session.database
    elif scope_kind != "ACCOUNT":
        # docs: without IN, a session with a current database shows that database's objects, else the account's
        db = conn.session.database
    out = []
    for obj in conn.catalog.all(kind):
        if db is not None and obj.name.database != db or sch is not None and obj.name.schema != sch:
            continue
        if pattern is not None and not pattern.fullmatch(obj.name.name):
            continue
        out.append(obj)
    return sorted(out, key=lambda o: (o.name.name, o.name.database, o.name.schema))


_STAGE_COLUMNS = ["created_on", "name", "database_name", "schema_name", "url", "has_credentials", "has_encryption_key",
                  "owner", "comment", "region", "type", "cloud", "notification_channel", "storage_integration",
                  "endpoint", "owner_role_type", "directory_enabled"]


def show_stages(conn: Connection, sql: str) -> Result:
    """SHOW STAGES (docs: sql/show-stages)."""
    rows = []
    for obj in shown_objects(conn, sql, "STAGE"):
        kind = "INTERNAL TEMPORARY" if obj.info.get("temporary") else "INTERNAL"
        rows.append((obj.created_on, obj.name.name, obj.name.database, obj.name.schema, "", "N", "N", "SYSADMIN",
                     obj.info.get("comment") or "", None, kind, None, None, None, None, "ROLE", "N"))
    return Result.table(_STAGE_COLUMNS, rows)


def describe_stage(conn: Connection, sql: str) -> Result:
    """DESCRIBE STAGE s: the stage's file format and copy options (docs: sql/desc-stage)."""
    m = re.match(r"^\s*DESC(?:RIBE)?\s+STAGE\s+(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    name_text, _ = split_leading_name(m.group("rest"))
    name = conn.translator().qualify_name(split_name(name_text))
    stage = conn.catalog.get("STAGE", name)
    if stage is None:
        raise errors.object_does_not_exist(str(name), "Stage")
    fmt = file_formats.stage_format(conn, stage) or FileFormat()
    rows: list[tuple[Any, ...]] = [("STAGE_FILE_FORMAT", *row) for row in file_formats.describe_rows(fmt)]
    for key, default in (("ON_ERROR", "ABORT_STATEMENT"), ("PURGE", False), ("FORCE", False)):
        value = stage.info.get("copy_options", {}).get(key, default)
        rows.append(("STAGE_COPY_OPTIONS", key, "String", str(value).lower() if isinstance(value, bool) else str(value),
                     str(default).lower() if isinstance(default, bool) else str(default)))
    rows.append(("STAGE_LOCATION", "URL", "String", "", ""))
    return Result.table(["parent_property", "property", "property_type", "property_value", "property_default"], rows)


SHOW["STAGES"] = show_stages
SHOW["FILE FORMATS"] = file_formats.show_file_formats
SHOW["DESCRIBE STAGE"] = describe_stage
SHOW["DESCRIBE FILE FORMAT"] = file_formats.describe_file_format


# ---- PUT / LIST / REMOVE -----------------------------------------------------------------------------------------------
_OPERAND = r"('(?:[^']|'')*'|\S+)"
_COMPRESSED_EXT = {".gz": "GZIP", ".bz2": "BZ2", ".zst": "ZSTD", ".br": "BROTLI", ".deflate": "DEFLATE",
                   ".raw_deflate": "RAW_DEFLATE", ".parquet": "PARQUET", ".orc": "ORC", ".avro": "AVRO"}
_PUT_COLUMNS = ["source", "target", "source_size", "target_size", "source_compression", "target_compression", "status",
                "message"]


def _unquote_operand(text: str) -> str:
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _source_compression(path: str, declared: str) -> str:
    if declared and declared != "AUTO_DETECT":
        return declared
    ext = os.path.splitext(path)[1].lower()
    if ext in _COMPRESSED_EXT:
        return _COMPRESSED_EXT[ext]
    with open(path, "rb") as fh:
        return "GZIP" if fh.read(2) == b"\x1f\x8b" else "NONE"


@command(r"PUT\s")
def put(conn: Connection, sql: str) -> Result:
    """PUT file://<path or glob> @stage[/path] [AUTO_COMPRESS] [SOURCE_COMPRESSION] [OVERWRITE] [PARALLEL]."""
    m = re.match(rf"^\s*PUT\s+{_OPERAND}\s+{_OPERAND}(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    if m is None:
        raise errors.compilation_error(1003, "syntax error line 1 at position 4 unexpected '<EOF>'.")
    source = _unquote_operand(m.group(1))
    if not source.lower().startswith("file://"):
        raise errors.compilation_error(1003, f"syntax error line 1 at position 4 unexpected '{source[:20]}'.")
    pattern = source[len("file://"):]
    location = resolve(conn, m.group(2))
    options = parse_options(m.group("rest"))
    auto_compress = file_formats.as_bool(options.get("AUTO_COMPRESS", True))
    overwrite = file_formats.as_bool(options.get("OVERWRITE", False))
    declared = word(options.get("SOURCE_COMPRESSION", "AUTO_DETECT"))
    paths = sorted(p for p in glob.glob(os.path.expanduser(pattern)) if os.path.isfile(p))
    if not paths:
        # the connector's client-side check (snowflake.connector errorcode ER_FILE_NOT_EXISTS)
        raise errors.ProgrammingError(msg=f"File doesn't exist: ['{pattern}']", errno=253006)
    prefix = location.path.strip("/")
    now = conn.clock.now()
    rows = []
    for path in paths:
        base = os.path.basename(path)
        src_comp = _source_compression(path, declared)
        compress = auto_compress and src_comp == "NONE"
        target = base + ".gz" if compress else base
        stage_path = f"{prefix}/{target}" if prefix else target
        disk = location.disk_path(stage_path)
        size = os.path.getsize(path)
        if disk.exists() and not overwrite:
            rows.append((base, target, size, 0, src_comp, "GZIP" if compress else src_comp, "SKIPPED", ""))
            continue
        disk.parent.mkdir(parents=True, exist_ok=True)
        if compress:
            with open(path, "rb") as fh:
                # mtime=0: the same content always gives the same bytes, hence the same checksum (load metadata)
                disk.write_bytes(gzip.compress(fh.read(), compresslevel=6, mtime=0))
        else:
            shutil.copyfile(path, disk)
        stamp(disk, now)
        rows.append((base, target, size, disk.stat().st_size, src_comp, "GZIP" if compress else src_comp,
                     "UPLOADED", ""))
    return Result.table(_PUT_COLUMNS, rows)


def _listed(conn: Connection, sql: str, verb: str) -> tuple[Any, list]:
    m = re.match(rf"^\s*{verb}\s+{_OPERAND}(?P<rest>.*)$", sql.rstrip().rstrip(";"), re.I | re.S)
    if m is None:
        raise errors.compilation_error(1003, "syntax error line 1 at position 0 unexpected '<EOF>'.")
    location = resolve(conn, m.group(1))
    options = parse_options(m.group("rest"))
    files = location.files()
    if "PATTERN" in options:
        # Snowflake anchors PATTERN at both ends; it is matched against the file's path inside the stage.
        regex = stage_files.pattern(str(options["PATTERN"]))
        files = [f for f in files if regex.fullmatch(f.path)]
    return location, files


@command(r"(LIST|LS)\s")
def list_stage(conn: Connection, sql: str) -> Result:
    """LIST @stage[/path] [PATTERN = '...']: name, size, md5, last_modified."""
    location, files = _listed(conn, sql, "(?:LIST|LS)")
    rows = [(location.list_prefix + f.path, f.size, f.md5(), last_modified_text(f.last_modified)) for f in files]
    return Result.table(["name", "size", "md5", "last_modified"], rows)


@command(r"(REMOVE|RM)\s")
def remove(conn: Connection, sql: str) -> Result:
    """REMOVE @stage[/path] [PATTERN = '...']: name, result ('removed')."""
    location, files = _listed(conn, sql, "(?:REMOVE|RM)")
    rows = []
    for f in files:
        f.disk.unlink(missing_ok=True)
        rows.append((location.list_prefix + f.path, "removed"))
    return Result.table(["name", "result"], rows)
