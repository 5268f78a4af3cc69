"""Task runs of a live run on the virtual timeline, from the graph runs the driver already read in TASK_HISTORY.

The runner's TaskWatcher asks TASK_HISTORY for runs scheduled since the scenario's start. On a live account that
start is a virtual instant (often weeks away from the account's clock, and TASK_HISTORY refuses ranges older than
7 days), and the runs carry the account's wall-clock times. LiveTaskWatcher counts the same rows (the driver's last
poll of each graph run) with their times moved onto the virtual timeline: the root at its due instant, each other
task at the same offset from the root as on the account. No extra query.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from snowsim.simulator.metrics import TaskRun, TaskWatcher
from snowsim.simulator.results import Moment

if TYPE_CHECKING:
    from snowsim.simulator.live.target import SnowflakeTarget


class LiveTaskWatcher(TaskWatcher):
    """TaskWatcher fed by SnowflakeTarget's finished graph runs instead of its own TASK_HISTORY query."""

    def __init__(self, target: SnowflakeTarget, database: str, since: datetime) -> None:
        super().__init__(target, database, since)
        self.live = target
        self._consumed = 0

    def poll(self) -> list[Moment]:
        """Count the graph runs finished since the last poll; returns their moments."""
        runs = self.live.graph_runs[self._consumed:]
        self._consumed += len(runs)
        moments: list[Moment] = []
        for graph in runs:
            origin = min((t.scheduled for t in graph.tasks if t.scheduled), default=None)

            def virtual(at: datetime | None, origin: datetime | None = origin, due: datetime = graph.due) -> datetime:
                return due + (at - origin) if at and origin else due

            for row in graph.tasks:
                run = TaskRun(row.task, row.state, virtual(row.scheduled), virtual(row.completed), row.error_code,
                              row.error_message, row.attempt)
                moments.extend(self._count(run))
        return moments
