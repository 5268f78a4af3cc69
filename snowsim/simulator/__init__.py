"""The simulator: events, scenarios and faults, pipelines, and the replay runner with its checks and reports.

The runner's public names are exported lazily (`from snowsim.simulator import run_scenario`), so importing a
submodule such as snowsim.simulator.events stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "run_scenario": "snowsim.simulator.runner",
    "plan_checks": "snowsim.simulator.runner",
    "exit_code": "snowsim.simulator.runner",
    "RunObserver": "snowsim.simulator.runner",
    "TargetError": "snowsim.simulator.runner",
    "RunInfo": "snowsim.simulator.results",
    "TickSample": "snowsim.simulator.results",
    "Moment": "snowsim.simulator.results",
    "CheckResult": "snowsim.simulator.results",
    "RunResult": "snowsim.simulator.results",
    "RunConfigError": "snowsim.simulator.results",
    "EXIT_OK": "snowsim.simulator.results",
    "EXIT_FAILED": "snowsim.simulator.results",
    "EXIT_CONFIG": "snowsim.simulator.results",
    "Target": "snowsim.simulator.targets",
    "EmulatorTarget": "snowsim.simulator.targets",
    "make_target": "snowsim.simulator.targets",
    "ScenarioError": "snowsim.simulator.scenario",
    "PipelineError": "snowsim.simulator.pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'snowsim.simulator' has no attribute {name!r}")
    return getattr(import_module(module), name)
