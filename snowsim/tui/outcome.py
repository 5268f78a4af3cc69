"""The end of `sim run`: the summary printed after a run, and the --json / --junit files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from snowsim.tui.summary import all_table, checks_table, failing_rows, verdict


def print_summary(console: Console, result: Any, *, checks_shown: bool) -> None:
    """The checks (unless the live screen's last frame showed them), failing rows, and the verdict."""
    if not checks_shown:
        console.print(checks_table(result))
    rows = failing_rows(result)
    if rows is not None:
        console.print(rows)
    if not checks_shown:
        console.print(verdict(result))


def one_line(result: Any) -> Text:
    """`✓ late_events on caves_albert  6/6 checks passed  3,604 events  12.3s` for `sim run all`."""
    passed = sum(1 for c in result.checks if c.passed)
    ok = result.exit_code == 0
    return Text.assemble(
        ("✓ " if ok else "✗ ", "bold green" if ok else "bold red"),
        (_name(result.scenario), "bold"),
        f" on {_name(result.pipeline)}  {passed}/{len(result.checks)} checks passed  "
        f"{result.events_delivered:,} events  {result.wall_seconds:,.1f}s",
    )


def print_all(console: Console, results: Sequence[Any]) -> None:
    """The table of `sim run all` and a last line with the totals."""
    console.print(all_table(results))
    failed = [r for r in results if r.exit_code != 0]
    style = "bold red" if failed else "bold green"
    console.print(Text(f"{len(results) - len(failed)}/{len(results)} scenarios passed", style=style))


def write_reports(result: Any, *, json_path: Path | None, junit: Path | None) -> None:
    """--json and --junit for one run."""
    if json_path is not None:
        result.write_json(json_path)
    if junit is not None:
        result.write_junit(junit)


def write_all_reports(results: Sequence[Any], *, json_path: Path | None, junit: Path | None) -> None:
    """--json (an array of results) and --junit (one <testsuites> with a suite per scenario) for `sim run all`."""
    if json_path is not None:
        records = [_json(r) for r in results]
        json_path.write_text(json.dumps(records, indent=2, default=str) + "\n", encoding="utf-8")
    if junit is not None:
        suites = ET.Element("testsuites")
        for result in results:
            suites.extend(_junit_suites(result, junit))
        for attr in ("tests", "failures", "errors"):
            suites.set(attr, str(sum(int(s.get(attr, "0")) for s in suites)))
        ET.indent(suites)
        junit.write_text(ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")


def _json(result: Any) -> Any:
    data = result.to_json()
    return json.loads(data) if isinstance(data, str) else data


def _junit_suites(result: Any, near: Path) -> list[ET.Element]:
    # RunResult writes one run's report; read it back and lift its suites into the combined document.
    scratch = near.with_name(f".{near.name}.{_name(result.scenario)}.tmp")
    try:
        result.write_junit(scratch)
        root = ET.parse(scratch).getroot()
    finally:
        scratch.unlink(missing_ok=True)
    return [root] if root.tag == "testsuite" else list(root.iter("testsuite"))


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
