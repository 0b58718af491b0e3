"""Weekly timetable optimizer for Intensive Outpatient Programs (IOPs).

from optimizer import load_scenario, solve
result = solve(load_scenario("scenarios/westside-iop"), time_limit=30)
result.write("out/westside")
"""

__version__ = "0.1.0"

from .check import Violation, check_schedule  # noqa: E402
from .errors import Issue, OptimizerError, ScenarioError, ScheduleReadError  # noqa: E402
from .explain import Explanation, UnknownClientError, explain  # noqa: E402
from .io import Schedule, load_scenario, read_schedule  # noqa: E402
from .redact import redact_result  # noqa: E402
from .report import write_reports  # noqa: E402
from .scenario import Client, Plan, Room, Rules, Scenario, SessionType, Therapist, Weights  # noqa: E402
from .solve import ModelInvalidError, Progress, Result, SolveStatus, solve  # noqa: E402
from .whatif import WhatIf, WhatIfError, load_whatif, run_batch  # noqa: E402

__all__ = [
    "Client",
    "Explanation",
    "Issue",
    "ModelInvalidError",
    "OptimizerError",
    "Plan",
    "Progress",
    "Result",
    "Room",
    "Rules",
    "Scenario",
    "ScenarioError",
    "Schedule",
    "ScheduleReadError",
    "SessionType",
    "SolveStatus",
    "Therapist",
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
    "read_schedule",
    "redact_result",
    "run_batch",
    "solve",
    "write_reports",
]
