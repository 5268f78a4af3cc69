"""Where internal stages keep their files: one directory per stage on local disk.

With `connect(path=...)` the files live next to the DuckDB file (`<path>.stages/<db>/<schema>/<stage>/...`) so they
persist with the rest of the state; in memory (and for TEMPORARY stages) they live in a per-connection temporary
directory removed when the connection is garbage-collected. A stage reference is `@[db.][schema.]name[/path]`,
`@~[/path]` (the user stage) or `@%table[/path]` (a table's stage); docs: sql-reference/sql/put, sql/list.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.identifiers import ObjectName, split_name

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

_TEMP_DIRS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class StagedFile:
    """One file on a stage: its path inside the stage, where it is on disk, and what LIST shows about it."""

    path: str  # relative to the stage root, '/'-separated (what METADATA$FILENAME shows)
    disk: Path
    size: int
    last_modified: datetime  # UTC, naive

    def md5(self) -> str:
        """Hex MD5 of the staged bytes (LIST's md5 column and the load metadata's checksum)."""
        st = self.disk.stat()
        # mtime is the (virtual) staging time, so ctime (real time of the last write) tells rewrites apart
        return _md5(str(self.disk), st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@functools.lru_cache(maxsize=65536)
def _md5(path: str, size: int, mtime_ns: int, ctime_ns: int) -> str:
    # Every COPY checksums every candidate file (load metadata is keyed by checksum): remember unchanged files'.
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StageLocation:
    """A resolved `@stage[/path]` reference."""

    kind: str  # NAMED | USER | TABLE
    name: ObjectName | None  # the stage (NAMED) or the table (TABLE)
    path: str  # the path (prefix) written after the stage name, without a leading '/'
    root: Path  # directory holding the stage's files
    list_prefix: str  # what LIST and COPY's `file` column print before a file's path
    error_ref: str  # how error messages name the stage ('@MY_STAGE', '@%T', '@~')
    key: str  # stage identity recorded in load metadata
    stage: CatalogObject | None = None

    def files(self, prefix: str | None = None) -> list[StagedFile]:
        """Files whose path starts with `prefix` (default: this location's path), sorted by path."""
        start = self.path if prefix is None else prefix
        if not self.root.is_dir():
            return []
        out = []
        for dirpath, _dirs, names in os.walk(self.root):
            for fname in names:
                disk = Path(dirpath) / fname
                rel = disk.relative_to(self.root).as_posix()
                if rel.startswith(start):
                    st = disk.stat()
                    modified = datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None)
                    out.append(StagedFile(rel, disk, st.st_size, modified))
        return sorted(out, key=lambda f: f.path)

    def file(self, path: str) -> StagedFile | None:
        """The file at exactly `path` (relative to the stage root), or None."""
        if any(part in ("", ".", "..") for part in path.split("/")):
            return None  # Snowflake reads such paths literally; on disk they would escape the stage
        disk = self.root / path
        if not disk.is_file():
            return None
        st = disk.stat()
        return StagedFile(path, disk, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC).replace(tzinfo=None))

    def disk_path(self, path: str) -> Path:
        """Where a file with that stage path is (to be) stored; rejects paths that would leave the stage."""
        parts = path.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise errors.not_supported(f"the stage path '{path}' (empty, '.' or '..' segments)", path)
        return self.root.joinpath(*parts)


def stages_root(conn: Connection, temporary: bool = False) -> Path:
    """The directory under which this connection's stages keep their files."""
    if conn.path and str(conn.path) != ":memory:" and not temporary:
        return Path(f"{conn.path}.stages")
    root = _TEMP_DIRS.get(conn)
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="snowsim-stages-"))
        _TEMP_DIRS[conn] = root
        # Removed with the connection object (or at interpreter exit), never while the connection can use it.
        weakref.finalize(conn, shutil.rmtree, str(root), True)
    return root


def _component(name: str) -> str:
    # Quoted Snowflake names may hold '/', '.' or other characters a file system does not like.
    return url_quote(name, safe="") or "_"


def named_stage_dir(conn: Connection, stage: CatalogObject) -> Path:
    """The directory of a named internal stage."""
    base = stages_root(conn, bool(stage.info.get("temporary")))
    return base / _component(stage.name.database) / _component(stage.name.schema) / _component(stage.name.name)


def remove_stage_files(conn: Connection, stage: CatalogObject) -> None:
    """Delete a named stage's files (DROP STAGE, CREATE OR REPLACE STAGE)."""
    shutil.rmtree(named_stage_dir(conn, stage), ignore_errors=True)


def split_reference(text: str) -> tuple[str, str]:
    """Split `@name[/path]` (optionally in single quotes) into the name part and the path part."""
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    if not text.startswith("@"):
        raise errors.compilation_error(1003, f"syntax error line 1 at position 0 unexpected '{text[:20]}'.")
    body = text[1:]
    quoted = False
    for i, ch in enumerate(body):
        if ch == '"':
            quoted = not quoted
        elif ch == "/" and not quoted:
            return body[:i], body[i + 1 :]
    return body, ""


def resolve(conn: Connection, text: str) -> StageLocation:
    """Resolve a stage reference against the catalog; 002003 when the stage (or table) does not exist."""
    name_part, path = split_reference(text)
    if name_part == "~":
        root = stages_root(conn) / "~"
        return StageLocation("USER", None, path, root, "", "@~", "USER")
    tr = conn.translator()
    if name_part.startswith("%"):
        table_name = tr.qualify_name(split_name(name_part[1:]))
        table = conn.catalog.get("TABLE", table_name)
        if table is None or table.kind != "TABLE":
            raise errors.object_does_not_exist(str(table_name), "Table")
        # Keyed by the table's identity: a recreated table starts with an empty stage, a renamed one keeps its files.
        table_id = str(table.info.get("id", table_name))
        root = stages_root(conn) / "%tables" / _component(table_id)
        return StageLocation("TABLE", table_name, path, root, "", f"@%{table_name.name}", f"TABLE:{table_id}")
    stage_name = tr.qualify_name(split_name(name_part))
    stage = conn.catalog.get("STAGE", stage_name)
    if stage is None:
        raise errors.object_does_not_exist(str(stage_name), "Stage")
    if stage.info.get("url"):
        raise errors.not_supported(f"external stages (stage {stage_name} has URL {stage.info['url']})", text)
    return StageLocation("NAMED", stage_name, path, named_stage_dir(conn, stage), stage_name.name.lower() + "/",
                         f"@{stage_name.name}", f"STAGE:{stage.info.get('id', str(stage_name))}", stage)


def pattern(text: str) -> re.Pattern[str]:
    """A PATTERN option: a regular expression that must match a file's whole path inside the stage."""
    try:
        return re.compile(text, re.S)
    except re.error as exc:
        # Snowflake's regular-expression error (as REGEXP_LIKE reports it); the COPY/LIST wording is undocumented.
        raise errors.ProgrammingError(msg=f"Invalid regular expression: '{text}', {exc}", errno=100048,
                                      sqlstate="22023") from None


def last_modified_text(moment: datetime) -> str:
    """LIST's last_modified format: 'Sat, 11 Oct 2025 13:05:13 GMT'."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def stamp(disk: Path, moment: datetime) -> None:
    """Set a staged file's modification time to the connection clock's `moment` (virtual time drives load metadata)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ts = moment.timestamp()
    os.utime(disk, (ts, ts))

