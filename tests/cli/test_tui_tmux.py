"""The live screen in a real terminal: `sim run scenario` inside a tmux session, read back with capture-pane."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None,
    reason="tmux is not installed (apt-get install -y tmux) - the live test needs a terminal",
)
WIDTH, HEIGHT = 160, 50


def _capture(session: str) -> str:
    # -S -200: the scrollback too, since the final screen (flow, log, checks) can be taller than the window.
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session, "-S", "-200"], capture_output=True,
                          text=True, check=True).stdout


def _wait_for(session: str, needle: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(session)
        if needle in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} did not appear within {timeout}s; screen:\n{screen}")


@pytest.fixture
def tmux(tmp_path: Path):
    """Start a command in a detached 160x50 tmux session; kill the session afterwards."""
    session = f"snowsim-test-{os.getpid()}-{time.monotonic_ns()}"

    def start(args: list[str]) -> str:
        command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "snowsim.cli", *args])
        # The shell stays a while after sim exits so its last screen can be captured, with the exit code.
        script = f"cd {shlex.quote(str(tmp_path))} && {command}; echo SIM_EXIT=$?; sleep 30"
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "COLUMNS", "LINES")}
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), script],
                       check=True, env=env)
        return session

    yield start
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_live_screen_shows_the_flow_and_ends_on_the_checks(tmux):
    session = tmux(["run", "scenario", "late_events", "-p", "caves_albert_hardened", "--duration", "10m",
                    "--speed", "max"])
    screen = _wait_for(session, "SIM_EXIT=", timeout=90)
    assert re.search(r"SIM_EXIT=[01]\b", screen), screen  # 0 or 1: the verdict is the pipeline's, not the screen's
    assert "Traceback" not in screen
    # the flow, laid out by layer, left to right, with the pipeline's objects and their final figures
    title = next(line for line in screen.splitlines() if " events " in line and " RAW " in line)
    columns = [title.index(name) for name in ("events", "RAW", "STAGING", "PRODUCTION", "ANALYTICS")]
    assert columns == sorted(columns)
    for name in ("RAW_EVENTS", "STREAM_RAW_ORDERS", "TASK_RAW_TO_STG_ORDERS", "STG_ORDERS", "INVENTORY_CURRENT",
                 "V_TOP_PRODUCTS"):
        assert name in screen
    raw_rows = re.search(r"([\d,]+) rows", screen)  # the first figure drawn is RAW_EVENTS'
    assert int(raw_rows.group(1).replace(",", "")) > 0
    assert "backlog " in screen
    assert "◷ 2026-01-05 08:" in screen and "drain +" in screen
    assert "late: " in screen  # the fault, in the moments log
    # the checks table and the verdict, after the live frames
    assert "✓ PASS │ unique PRODUCTION.ORDERS" in screen
    assert re.search(r"^(PASSED all \d+|FAILED \d+ of \d+) checks", screen, re.MULTILINE)
    assert "✓ SUCCEEDED" in screen  # task states, read from TASK_HISTORY by the runner


def test_paced_run_unfolds_in_front_of_the_user(tmux, tmp_path, scenarios):
    # 10 simulated minutes at 150x take 4 s at least: the screen must show the run in progress before it ends.
    started = time.monotonic()
    session = tmux(["run", "scenario", scenarios.quick, "--speed", "150x"])
    middle = _wait_for(session, "speed 150x", timeout=30)
    assert "SIM_EXIT=" not in middle and "checks" not in middle
    assert "◷ 2026-01-05 08:" in middle
    final = _wait_for(session, "SIM_EXIT=", timeout=60)
    assert time.monotonic() - started >= 4.0
    assert "SIM_EXIT=0" in final and "PASSED all 3 checks" in final
