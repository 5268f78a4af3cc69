"""Reports of a RunResult: a plain-text summary, JSON, and JUnit XML (one testcase per check)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from snowsim.simulator.results import RunResult

FORMAT_VERSION = 1
_MOMENTS_IN_SUMMARY = 15


def _iso(value: datetime) -> str:
    return value.isoformat(sep=" ")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)


def _finite(value: Any) -> Any:
    """Replace inf/NaN (JSON has neither) by None, recursively."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def to_json(result: RunResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (timestamps as 'YYYY-MM-DD HH:MM:SS' UTC text)."""
    data = {
        "format_version": FORMAT_VERSION,
        "scenario": result.scenario,
        "pipeline": result.pipeline,
        "target": result.target,
        "seed": result.seed,
        "passed": result.passed,
        "exit_code": result.exit_code,
        "started_at": _iso(result.started_at),
        "ended_at": _iso(result.ended_at),
        "wall_seconds": round(result.wall_seconds, 3),
        "events_generated": result.events_generated,
        "events_delivered": result.events_delivered,
        "checks": [asdict(c) for c in result.checks],
        "task_summary": result.task_summary,
        "ingestion": result.ingestion,
        "latency": result.latency,
        "moments": [{"at": _iso(m.at), "kind": m.kind, "text": m.text} for m in result.moments],
        "samples": [{**asdict(s), "at": _iso(s.at)} for s in result.samples],
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "truth": result.truth,
    }
    return json.loads(json.dumps(_finite(data), default=_default))


def write_json(result: RunResult, path: str | Path) -> Path:
    """Write to_json(result) to path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def junit_xml(result: RunResult) -> str:
    """A JUnit XML document: one testsuite for the run, one testcase per check, failure message = explanation."""
    failures = len(result.failed_checks)
    suite = ET.Element(
        "testsuite",
        name=f"snowsim.{result.pipeline}.{result.scenario}",
        tests=str(len(result.checks)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{result.wall_seconds:.3f}",
        timestamp=result.started_at.isoformat(),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("target", result.target), ("seed", result.seed), ("pipeline", result.pipeline),
                        ("scenario", result.scenario), ("events_delivered", result.events_delivered)):
        ET.SubElement(props, "property", name=name, value=str(value))
    for check in result.checks:
        case = ET.SubElement(
            suite, "testcase", classname=f"snowsim.{result.pipeline}.{result.scenario}", name=check.name, time="0"
        )
        if not check.passed:
            failure = ET.SubElement(case, "failure", message=check.message, type=check.type)
            failure.text = check.message
            if check.sample_rows:
                failure.text += "\n\nsample rows:\n" + "\n".join(
                    json.dumps(r, default=_default, ensure_ascii=False) for r in check.sample_rows
                )
        else:
            ET.SubElement(case, "system-out").text = check.message
    root = ET.Element("testsuites", name="snowsim", tests=str(len(result.checks)), failures=str(failures))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(result: RunResult, path: str | Path) -> Path:
    """Write junit_xml(result) to path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result), encoding="utf-8")
    return path


def summary_text(result: RunResult) -> str:
    """A plain-text summary (the CLI renders it with rich): verdict, checks, tasks, ingestion, moments."""
    verdict = "PASSED" if result.passed else "FAILED"
    passed = sum(c.passed for c in result.checks)
    lines = [
        f"snowsim: scenario {result.scenario} on pipeline {result.pipeline} ({result.target}, seed {result.seed}): "
        f"{verdict} - {passed}/{len(result.checks)} checks passed",
        f"virtual time {_iso(result.started_at)} -> {_iso(result.ended_at)} UTC, {result.wall_seconds:.1f} s wall; "
        f"{result.events_generated:,} events generated, {result.events_delivered:,} delivered",
        "",
        "checks:",
    ]
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  [{mark}] {check.name}: {check.message}")
        if not check.passed:
            for row in check.sample_rows[:3]:
                lines.append("         " + json.dumps(row, default=_default, ensure_ascii=False)[:300])
    failing = {t: s for t, s in result.task_summary.items() if s.get("failed")}
    if result.task_summary:
        runs = sum(s.get("runs", 0) for s in result.task_summary.values())
        failed = sum(s.get("failed", 0) for s in result.task_summary.values())
        lines += ["", f"tasks: {runs:,} runs, {failed:,} failed"]
        for task, s in failing.items():
            lines.append(f"  {task}: {s['failed']} failed, last state {s['last_state']}: {s.get('last_error')}")
    ing = result.ingestion
    if ing:
        lines += [
            "",
            f"ingestion ({ing.get('mode')}): {ing.get('batches', 0):,} batches, {ing.get('failed_batches', 0):,} "
            f"rejected, {ing.get('rows_loaded', 0):,} rows loaded, {ing.get('lines_skipped', 0):,} lines skipped",
        ]
    notable = result.moments
    if notable:
        lines += ["", "moments:"]
        for m in notable[:_MOMENTS_IN_SUMMARY]:
            lines.append(f"  {m.at:%Y-%m-%d %H:%M:%S} {m.kind}: {m.text[:300]}")
        if len(notable) > _MOMENTS_IN_SUMMARY:
            lines.append(f"  ... {len(notable) - _MOMENTS_IN_SUMMARY} more (see the JSON report)")
    return "\n".join(lines)
