"""What the scheduler hands back: one GraphRun per graph run it started (TopologyTestDriver-style results).

docs: user-guide/tasks-graphs (graph runs), functions/complete_task_graphs (graph states).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class GraphRun:
    """One run of a standalone task or task graph; updated in place until it completes."""

    root: str  # DB.SCHEMA.ROOT
    scheduled_time: datetime  # naive UTC, virtual time
    scheduled_from: str  # SCHEDULE | EXECUTE TASK | TRIGGER
    attempt_number: int
    run_id: int
    graph_run_group_id: str
    state: str = "EXECUTING"  # then SUCCEEDED | FAILED | SKIPPED (root skipped: WHEN false or overlap)
    tasks: dict[str, str] = field(default_factory=dict)  # DB.SCHEMA.TASK -> TASK_HISTORY state, in run order
    query_start_time: datetime | None = None
    completed_time: datetime | None = None
    first_error: str | None = None  # "TASK: <code> <message>" of the first task that failed

    @property
    def done(self) -> bool:
        """Whether the graph run has completed."""
        return self.state != "EXECUTING"

    def __repr__(self) -> str:
        tasks = ", ".join(f"{name.rsplit('.', 1)[-1]}={state}" for name, state in self.tasks.items())
        return f"GraphRun({self.root} @ {self.scheduled_time.isoformat(sep=' ')} {self.state} [{tasks}])"
