"""`sim sql`: run SQL on the emulator (a finished run's file, or a scratch account) and show results as tables."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from rich.console import Console, Group
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from snowsim.emulator.clock import Clock
from snowsim.simulator.pipeline import PipelineError, split_statements

Format = Literal["table", "csv", "json"]
ROWS_SHOWN = 1000  # a table of a million rows helps nobody in a terminal; csv/json print everything
HISTORY_FILE = Path.home() / ".snowsim_history"
QUIT = {"\\q", "quit", "exit", "quit;", "exit;"}
_SFQID = re.compile(r"\s*\(sfqid=[^)]*\)\s*$")


def run_record(db: Path) -> Path:
    """Where `sim run` leaves a kept database's RunResult JSON: beside it, <name>.run.json."""
    return db.with_suffix(".run.json")


def clock_for(db: Path | None) -> Clock | None:
    """A virtual clock stopped at the run's end when the file has a run record, else None (the system clock).

    TASK_HISTORY() looks back from now: on the system clock a run's virtual history is out of reach."""
    record = run_record(db) if db is not None else None
    if record is None or not record.is_file():
        return None
    try:
        ended = datetime.fromisoformat(json.loads(record.read_text(encoding="utf-8"))["ended_at"])
    except (OSError, ValueError, KeyError, TypeError):  # a damaged record only loses the convenience
        return None
    return Clock(start=ended)


def error_text(exc: Exception) -> str:
    """Snowflake's error as the connector prints it: '002003 (42S02): SQL compilation error: ...' (no query id)."""
    msg = str(getattr(exc, "msg", None) or exc)
    errno, sqlstate = getattr(exc, "errno", None), getattr(exc, "sqlstate", None)
    if errno and not re.match(r"^\d{6} \(", msg):
        msg = f"{int(errno):06d} ({sqlstate or '?'}): {msg}"
    return _SFQID.sub("", msg)


def is_complete(buffer: str) -> bool:
    """True when the buffer ends with a ';' outside strings, $$ blocks and comments (the statement can run)."""
    try:
        tokens = Snowflake().tokenize(buffer)
    except SqlglotError:  # an unterminated string or $$ block: keep reading lines
        return False
    return bool(tokens) and tokens[-1].token_type == TokenType.SEMICOLON


class SqlShell:
    """Executes statements on one connection and prints each result; errors go to the error console."""

    def __init__(self, connection: Any, console: Console, errors: Console, fmt: Format = "table") -> None:
        self.connection = connection
        self.console = console
        self.errors = errors
        self.fmt = fmt

    def use_only_database(self) -> str | None:
        """USE the database when the file holds exactly one (a run's file does), so names need no prefix."""
        cursor = self.connection.cursor()
        try:
            cursor.execute("SHOW DATABASES")
            index = [d[0].lower() for d in cursor.description].index("name")
            names = [row[index] for row in cursor.fetchall()]
            if len(names) != 1:
                return None
            cursor.execute(f'USE DATABASE "{names[0]}"')
        except Exception:  # a convenience only: the shell works without a current database
            return None
        return names[0]

    def run_script(self, text: str) -> bool:
        """Run every statement of `text` in order; stop at the first error and return False."""
        try:
            statements = [sql for _, sql in split_statements(text)]
        except PipelineError as exc:
            self.errors.print(escape(exc.problem), style="red", highlight=False)
            return False
        return all(self.execute(sql) for sql in statements)  # all() stops at the first failure

    def execute(self, sql: str) -> bool:
        """Run one statement and print its result (or Snowflake's error line)."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchall() if cursor.description else []
        except Exception as exc:  # the connector's errors, whatever their class: print them as Snowflake does
            self.errors.print(escape(error_text(exc)), style="bold red", highlight=False, soft_wrap=True)
            return False
        columns = [d[0] for d in cursor.description or []]
        self.print_result(columns, rows)
        return True

    def print_result(self, columns: list[str], rows: list[tuple]) -> None:
        """Print rows in the chosen format."""
        if self.fmt == "csv":
            writer = csv.writer(self.console.file, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([[_plain(v) for v in row] for row in rows])
        elif self.fmt == "json":
            records = [dict(zip(columns, (_plain(v) for v in row), strict=False)) for row in rows]
            self.console.file.write(json.dumps(records, default=str) + "\n")
        else:
            # Too wide for the terminal (SHOW TASKS has 20+ columns): one block per row instead, like psql's \\x.
            fits = natural_width(columns, rows) <= self.console.width
            self.console.print(result_table(columns, rows) if fits else record_view(columns, rows))

    def repl(self, read: Callable[[str], str] = input, interactive: bool | None = None) -> None:
        """Read statements until EOF or \\q; a statement runs once a line ends it with ';'."""
        interactive = sys.stdin.isatty() if interactive is None else interactive
        history = _History() if interactive else None
        if interactive:
            self.console.print("[dim]snowsim SQL on the emulator. End statements with ';', quit with \\q or Ctrl-D.[/]")
        buffer = ""
        while True:
            try:
                line = read(("sim> " if not buffer else "  -> ") if interactive else "")
            except EOFError:
                break
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, like psql
                buffer = ""
                self.console.print()
                continue
            if not buffer and line.strip().lower() in QUIT:
                break
            buffer += line + "\n"
            if is_complete(buffer):
                self.run_script(buffer)
                buffer = ""
        if buffer.strip():  # a last statement without ';' at EOF still runs (`echo "select 1" | sim sql`)
            self.run_script(buffer)
        if history:
            history.save()


def result_table(columns: list[str], rows: list[tuple]) -> Table:
    """Rows as a rich table, NULLs dimmed, with the row count below."""
    shown = rows[:ROWS_SHOWN]
    more = f" (first {ROWS_SHOWN:,} shown)" if len(rows) > ROWS_SHOWN else ""
    table = Table(caption=f"{len(rows):,} row{'s' if len(rows) != 1 else ''}{more}", caption_justify="left",
                  show_edge=False, header_style="bold cyan")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in shown:
        table.add_row(*(Text("NULL", style="dim") if v is None else Text(str(_plain(v))) for v in row))
    return table


def natural_width(columns: list[str], rows: list[tuple], *, sample: int = 50, longest: int = 40) -> int:
    """The width a table needs to show headers and values unfolded (a long text counts as `longest`)."""
    widths = [len(c) for c in columns]
    for row in rows[:sample]:
        for i, value in enumerate(row[: len(widths)]):
            text = "NULL" if value is None else str(_plain(value)).split("\n", 1)[0]
            widths[i] = max(widths[i], min(len(text), longest))
    return sum(widths) + 3 * len(widths)


def record_view(columns: list[str], rows: list[tuple]) -> Group:
    """Rows as blocks of `column  value` lines, for results wider than the terminal."""
    parts: list[Any] = []
    for number, row in enumerate(rows[:ROWS_SHOWN], start=1):
        parts.append(Rule(f"row {number}", align="left", style="dim"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for column, value in zip(columns, row, strict=False):
            grid.add_row(column, Text("NULL", style="dim") if value is None else Text(str(_plain(value))))
        parts.append(grid)
    if not rows:
        parts.append(Text("columns: " + ", ".join(columns), style="dim"))
    more = f" (first {ROWS_SHOWN:,} shown)" if len(rows) > ROWS_SHOWN else ""
    parts.append(Text(f"{len(rows):,} row{'s' if len(rows) != 1 else ''}{more}", style="dim"))
    return Group(*parts)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value if isinstance(value, int | float | bool) else str(value)


class _History:
    """readline history in ~/.snowsim_history (only for a person at a terminal)."""

    def __init__(self) -> None:
        try:
            import readline  # noqa: PLC0415 - absent on some platforms; the shell works without it
        except ImportError:
            self.readline = None
            return
        self.readline = readline
        readline.set_history_length(1000)
        with contextlib.suppress(OSError):  # no history yet
            readline.read_history_file(HISTORY_FILE)

    def save(self) -> None:
        if self.readline is not None:
            with contextlib.suppress(OSError):  # a read-only home must not break the shell
                self.readline.write_history_file(HISTORY_FILE)
