"""Weekly timetable optimizer for Intensive Outpatient Programs (IOPs).

from optimizer import load_scenario, solve
result = solve(load_scenario("scenarios/westside-iop"), time_limit=30)
result.write("out/westside")
"""

from .check import Violation, check_schedule
from .errors import Issue, OptimizerError, ScenarioError, ScheduleReadError
from .explain import Explanation, UnknownClientError, explain
from .io import Schedule, load_scenario, read_schedule
from .redact import redact_result
from .report import write_reports
from .result import ModelInvalidError, Progress, Result, SolveStatus
from .scenario import Client, Plan, Room, Rules, Scenario, SessionType, Therapist, Weights
from .search.control import StopToken
from .search.params import SearchParams, SearchParamsError
from .solve import solve
from .version import __version__
from .weekly import (
    PlaceInputError,
    Placement,
    PlaceOption,
    UnfinishableWeekError,
    place,
    with_absences,
)
from .whatif import WhatIf, WhatIfError, load_whatif, run_batch

__all__ = [
    "Client",
    "Explanation",
    "Issue",
    "ModelInvalidError",
    "OptimizerError",
    "PlaceInputError",
    "PlaceOption",
    "Placement",
    "Plan",
    "Progress",
    "Result",
    "Room",
    "Rules",
    "Scenario",
    "ScenarioError",
    "Schedule",
    "ScheduleReadError",
    "SearchParams",
    "SearchParamsError",
    "SessionType",
    "SolveStatus",
    "StopToken",
    "Therapist",
    "UnfinishableWeekError",
    "UnknownClientError",
    "Weights",
    "WhatIf",
    "WhatIfError",
    "Violation",
    "__version__",
    "check_schedule",
    "explain",
    "load_scenario",
    "load_whatif",
    "place",
    "read_schedule",
    "redact_result",
    "run_batch",
    "solve",
    "with_absences",
    "write_reports",
]
