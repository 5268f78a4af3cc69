"""Imports the modules that register statement handlers, rewrites and virtual relations (one line per module)."""

from snowsim.emulator import (  # noqa: F401
    functions,
    information_schema,
    show,
    stages,
    streams,
    timetravel,
)
from snowsim.emulator.tasks import runtime  # noqa: F401
