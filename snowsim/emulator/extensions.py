"""Imports the modules that register statement handlers, rewrites and virtual relations (one line per module)."""

from collections.abc import Callable
from typing import Any

# fn(connection) run at the end of Connection.__init__, e.g. the task scheduler of a reopened file with started tasks.
CONNECT_HOOKS: list[Callable[[Any], None]] = []

from snowsim.emulator import (  # noqa: E402, F401
    functions,
    information_schema,
    show,
    stages,
    streams,
    timetravel,
)
from snowsim.emulator.tasks import runtime  # noqa: E402, F401
