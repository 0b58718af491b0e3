"""The door of the checker: read the files, run every rule family in one ordered list."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..io.schedule import Schedule
from ..scenario import Scenario
from .agreement import check_sessions_csv
from .clients import check_clients
from .hours import check_hours
from .past import check_past
from .pins import check_pins
from .read import read_week
from .report import CheckReport, Findings, Violation
from .sessions import check_sessions
from .staff import check_staff
from .summary import check_summary

if TYPE_CHECKING:
    from ..schedule import WeekSchedule


def check_schedule(
    scenario: Scenario,
    schedule: Schedule,
    *,
    previous: Schedule | None = None,
    from_date: dt.date | None = None,
    partial: bool = False,
) -> CheckReport:
    """Every broken rule of SPEC §3, malformed row, and sessions.csv or summary.json
    disagreement with the other files (warnings).

    With ``previous`` and ``from_date`` (a week re-planned from that date, SPEC §7), every
    session before ``from_date`` must be ``previous``'s, unchanged (``past-changed``).
    ``partial``: the schedule is the part of a week that has happened so far, so weekly
    minimums (days, session counts) and clients without a row are not judged; maximums are.

    Returns a :class:`CheckReport` (a list of :class:`Violation`, errors first, grouped by
    rule in the order of :data:`RULES`) that also carries the number of scheduled clients
    and of sessions for :func:`format_violations`. Never raises on malformed rows.
    """
    findings = Findings()
    week = read_week(scenario, schedule, findings)
    check_sessions(week, findings)
    check_staff(week, findings)
    check_clients(week, findings, partial=partial)
    check_hours(week, findings, partial=partial)
    check_pins(week, findings)
    if previous is not None and from_date is not None:
        check_past(week, previous, from_date, findings)
    check_sessions_csv(week, findings)
    check_summary(week, findings)
    return findings.report(scheduled_clients=week.scheduled_clients, sessions=len(week.sessions))


def week_errors(scenario: Scenario, schedule: WeekSchedule) -> list[Violation]:
    """The broken rules (errors only, no warnings) of a schedule the solver side built, as
    :func:`check_schedule` finds them in its tables: how a stage that edits a schedule
    (the hand-style repair, the re-plan's undo) asks the independent checker."""
    report = check_schedule(scenario, schedule.to_schedule(scenario))
    return [v for v in report if v.severity == "error"]
