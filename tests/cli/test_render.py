"""The TUI renderables drawn by a real rich Console (record=True), fed with the runner's own record types."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from rich.console import Console

from snowsim.tui.flow import FlowDiagram
from snowsim.tui.live import LiveDisplay
from snowsim.tui.pace import Pacer, parse_speed
from snowsim.tui.plain import PlainProgress
from snowsim.tui.screen import RunScreen
from snowsim.tui.state import RunState
from snowsim.tui.summary import all_table, brief_message, checks_table, failing_rows, verdict


def render(renderable, width: int = 160) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def state(records, *minutes, moments=(), finished=None) -> RunState:
    """A RunState of late_events on caves_albert, after a sample at each of `minutes`."""
    run = RunState(speed=None)
    run.on_start(records.info())
    for minute in minutes:
        run.on_tick(records.sample(minute))
    for m in moments:
        run.on_moment(m)
    if finished is not None:
        run.on_finish(finished)
    return run


def test_flow_lays_the_layers_out_left_to_right_with_figures(records):
    text = render(FlowDiagram(records.info().pipeline, state(records, 13, 14).snapshot()))
    titles = text.splitlines()[0]
    positions = [titles.index(name) for name in ("events", "RAW", "STAGING", "PRODUCTION", "ANALYTICS")]
    assert positions == sorted(positions)
    assert "812 rows  +58" in text  # RAW_EVENTS, with its growth since the previous sample
    assert "backlog 3" in text and "backlog 120" in text
    assert text.count("✓ SUCCEEDED") == len(records.TASKS)
    assert "840 / 3,604" in text  # generated so far / planned
    assert "│─▶│" in text  # arrows join the panels on their first line


def test_flow_shows_failures_and_stale_streams(records):
    run = state(records)
    run.on_tick(records.sample(5, failed_task=records.TASKS[4], stale="RAW.STREAM_RAW_ORDERS"))
    text = render(FlowDiagram(records.info().pipeline, run.snapshot()))
    assert "✗ FAILED" in text
    assert "STALE" in text
    assert text.count("✓ SUCCEEDED") == len(records.TASKS) - 1


def test_flow_before_the_first_sample(records):
    text = render(FlowDiagram(records.info().pipeline, state(records).snapshot()))
    assert text.count("waiting") == len(records.TASKS)
    assert "- rows" in text


def test_flow_stacks_layers_on_a_narrow_terminal(records):
    text = render(FlowDiagram(records.info().pipeline, state(records, 14).snapshot()), width=90)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 90
    assert sum(1 for line in lines if line.strip() == "▼") == 4
    staging = next(line for line in lines if "STG_ORDERS" in line and "rows" in line)
    assert staging.rstrip().endswith("560 rows │")  # one object per line, its figure on the right


def test_run_screen_has_clock_rates_moments_and_checks(records):
    moments = [
        records.moment(3, "fault", "late: 5% of events delayed 5m-45m"),
        records.moment(4, "task_failed", "RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT: 100090 (42P18): Duplicate row "
                                         "detected during DML action\nRow Values: ['P-01']"),
        records.moment(14, "task_auto_suspended", "RAW.TASK_RAW_TO_STG_INVENTORY suspended after 10 failures"),
    ]
    run = state(records, 13, 14, moments=moments, finished=records.result(passed=False))
    text = render(RunScreen(run.snapshot()))
    assert "snowsim late_events on caves_albert  emulator · seed 1001" in text
    assert "◷ 2026-01-05 08:14:00" in text and "23%  speed max" in text
    assert "events/s 1.0 simulated" in text
    assert "latency p50 1m1s p95 1m58s" in text
    assert "08:04 ✗ task failed  RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT: 100090 (42P18): Duplicate row detected " \
           "during DML action Row Values: ['P-01']" in text  # a Snowflake error on one line of the log
    assert "fault 1 · task auto suspended 1 · task failed 1" in text
    assert "✓ PASS │ unique PRODUCTION.ORDERS(ORDER_ID)" in text
    assert "✗ FAIL │ reconcile PRODUCTION.ORDERS" in text
    assert "FAILED 1 of 2 checks · 3,604 events delivered · 1h simulated in 12.3s" in text


def test_summary_pieces(records):
    failed = records.result(passed=False)
    assert "ORD-00000017" in render(failing_rows(failed))
    assert failing_rows(records.result()) is None
    assert render(verdict(records.result())).startswith("PASSED all 2 checks")
    table = render(all_table([records.result(), failed]))
    passed_row, failed_row = (line for line in table.splitlines() if "late_events" in line)
    assert passed_row.startswith(" ✓ PASS │ late_events │ caves_albert │") and "2/2" in passed_row
    assert failed_row.startswith(" ✗ FAIL │ late_events")
    assert failed_row.rstrip().endswith("reconcile PRODUCTION.ORDERS")
    assert "no checks" in render(checks_table(type(failed)(**{**failed.__dict__, "checks": []})))


def test_plain_progress_prints_a_line_every_ten_simulated_minutes(records):
    out = io.StringIO()
    progress = PlainProgress(Console(file=out, width=80, color_system=None))
    progress.on_start(records.info())
    for minute in range(1, 26):
        progress.on_tick(records.sample(minute))
    progress.on_finish(records.result())
    lines = out.getvalue().splitlines()
    assert lines[0] == ("snowsim: late_events on caves_albert (emulator, seed 1001) 2026-01-05 08:00 + 1h, "
                        "3,604 events planned")
    assert lines[1] == "[08:10] 580 events  RAW 580  STAGING 570  PRODUCTION 348  tasks 50 ok 0 failed"
    assert lines[2].startswith("[08:20] 1,160 events  RAW 1,160")
    assert lines[3].startswith("[08:25] 1,450 events")  # the last records.sample, printed at the end
    assert len(lines) == 4  # long lines are not wrapped at 80 columns


def test_plain_progress_prints_moments_up_to_a_limit(records, monkeypatch):
    monkeypatch.setattr("snowsim.tui.plain.MAX_MOMENT_LINES", 2)
    out = io.StringIO()
    progress = PlainProgress(Console(file=out, width=80, color_system=None))
    progress.on_start(records.info())
    progress.on_moment(records.moment(4, "task_failed", "RAW.TASK_X failed: 100090 (42P18): Duplicate row\ndetected"))
    progress.on_moment(records.moment(7, "task_auto_suspended", "RAW.TASK_X suspended"))
    for minute in (8, 9, 10):
        progress.on_moment(records.moment(minute, "info", "RAW.TASK_X succeeded again"))
    progress.on_finish(records.result())
    lines = out.getvalue().splitlines()
    assert lines[1] == "[08:04] TASK FAILED: RAW.TASK_X failed: 100090 (42P18): Duplicate row detected"
    assert lines[2] == "[08:07] TASK AUTO SUSPENDED: RAW.TASK_X suspended"
    assert lines[3] == "(3 more moments not shown; --json has them all)"


def test_multi_day_runs_show_the_date_in_progress_lines(records):
    out = io.StringIO()
    progress = PlainProgress(Console(file=out, width=80, color_system=None), every=timedelta(days=1))
    progress.on_start(records.info(minutes=3 * 24 * 60))
    progress.on_tick(records.sample(24 * 60))
    assert out.getvalue().splitlines()[1].startswith("[01-06 08:00]")


@pytest.mark.parametrize(("text", "speed"), [("max", None), ("MAX", None), ("60x", 60.0), ("60", 60.0),
                                             ("0.5x", 0.5), (" 10X ", 10.0)])
def test_parse_speed(text, speed):
    assert parse_speed(text) == speed


@pytest.mark.parametrize("text", ["fast", "0x", "-2x", "x", "60xx", ""])
def test_parse_speed_rejects(text):
    with pytest.raises(ValueError, match="invalid speed"):
        parse_speed(text)


def test_pacer_keeps_simulated_time_at_speed_times_wall_time(records):
    wall = [100.0]
    slept: list[float] = []
    pacer = Pacer(60.0, sleep=lambda s: (slept.append(s), wall.__setitem__(0, wall[0] + s)), monotonic=lambda: wall[0])
    pacer.on_start(records.info())
    wall[0] += 0.25  # the first simulated minute took a quarter second of work
    pacer.on_tick(records.sample(1))
    assert slept == [pytest.approx(0.75)]
    wall[0] += 2.0  # a slow minute: already behind, no sleep
    pacer.on_tick(records.sample(2))
    assert len(slept) == 1


def test_live_display_stores_samples_without_rendering_and_ends_on_the_checks(records):
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=True, color_system=None)
    display = LiveDisplay(console, refresh_per_second=4)
    display.on_start(records.info())
    began = time.perf_counter()
    for minute in range(1, 5001):
        display.on_tick(records.sample(minute % 60 + 1))
    per_tick = (time.perf_counter() - began) / 5000
    assert per_tick < 50e-6  # a reference swap, not a frame: the refresh thread draws
    display.on_moment(records.moment(3, "fault", "late: 5% of events delayed"))
    display.on_finish(records.result())
    display.close()  # idempotent
    text = out.getvalue()
    assert "PASSED all 2 checks" in text
    assert "✓ PASS │ unique PRODUCTION.ORDERS(ORDER_ID)" in text
    assert records.START.strftime("%Y-%m-%d") in text


def test_the_run_screen_shows_the_first_sentences_of_long_check_messages():
    long = "PRODUCTION.ORDERS: 1,276 expected ORDER_IDs; 460 never arrived. " + "ORD-00000845, " * 40 + "end."
    assert brief_message(long) == "PRODUCTION.ORDERS: 1,276 expected ORDER_IDs; 460 never arrived. …"
    assert brief_message("short. message") == "short. message"
    assert brief_message("x" * 300).endswith("x …") and len(brief_message("x" * 300)) == 162
