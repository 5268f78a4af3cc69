"""bench/pipeline.py runs (a small size): the README's figures come from it, so it must not rot."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_pipeline_bench_runs_and_reports_its_phases():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline.py"), "--sizes", "2000", "--no-day"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "1,954 events" in done.stdout and "events/s" in done.stdout  # seeded: the same events every run
    assert "'submit':" in done.stdout and "'wait':" in done.stdout  # background reads are timed on both sides
    assert " s main thread)" in done.stdout  # shows whether the run waited
