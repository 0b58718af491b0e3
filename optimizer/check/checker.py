"""The door of the checker: read the files, run every rule family in one ordered list."""

from __future__ import annotations

from ..io.schedule import Schedule
from ..scenario import Scenario
from .agreement import check_sessions_csv
from .clients import check_clients
from .hours import check_hours
from .pins import check_pins
from .read import read_week
from .report import CheckReport, Findings
from .sessions import check_sessions
from .staff import check_staff
from .summary import check_summary


def check_schedule(scenario: Scenario, schedule: Schedule) -> CheckReport:
    """Every broken rule of SPEC §3, malformed row, and sessions.csv or summary.json
    disagreement with the other files (warnings).

    Returns a :class:`CheckReport` (a list of :class:`Violation`, errors first, grouped by
    rule in the order of :data:`RULES`) that also carries the number of scheduled clients
    and of sessions for :func:`format_violations`. Never raises on malformed rows.
    """
    findings = Findings()
    week = read_week(scenario, schedule, findings)
    check_sessions(week, findings)
    check_staff(week, findings)
    check_clients(week, findings)
    check_hours(week, findings)
    check_pins(week, findings)
    check_sessions_csv(week, findings)
    check_summary(week, findings)
    return findings.report(scheduled_clients=week.scheduled_clients, sessions=len(week.sessions))
