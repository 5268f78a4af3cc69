"""snowsim: a local-first simulator and test harness for Snowflake streaming pipelines."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "run_scenario"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import snowsim` (and the pytest plugin's entry point) stays cheap.
    if name == "run_scenario":
        from snowsim.simulator.runner import run_scenario

        return run_scenario
    raise AttributeError(f"module 'snowsim' has no attribute {name!r}")
