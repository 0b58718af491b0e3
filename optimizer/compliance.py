"""The compliance view a clinical director signs: each client's week against their plan.

Levels of care and payers count hours and days, not only sessions (SPEC §2, §3 rule 10): a
week is billable when every scheduled client reaches the plan's hours on every attended day
and over the week, attends the plan's days, and has the plan's session mix. This module
reads those figures off a schedule's assignment rows (SPEC §5 columns, a fresh result or a
hand-edited folder alike) and sets them against the client's requirement after proration,
so ``summary.json``, ``schedule.xlsx`` and ``report.html`` show the same numbers.

The figures are measured, not trusted: a hand-edited week that breaks a minimum shows it
here (and ``check`` names the rule).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .scenario import Requirement, Scenario, requirement
from .windows import parse_time

SHORTFALLS = {
    "hours_per_week": "hours a week",
    "hours_per_day": "hours a day",
    "days": "days",
    "sessions": "sessions",
}
"""The minimums a scheduled client can fall short of (key -> words), in report order."""


@dataclass(frozen=True)
class ClientWeek:
    """One client's scheduled week against the plan (minutes, days and session counts)."""

    client_id: str
    track: str
    plan: str
    requirement: Requirement
    day_minutes: dict[str, int] = field(default_factory=dict)
    """Session minutes per attended day (day name -> minutes)."""
    virtual_days: int = 0
    """Attended days spent in a virtual (telehealth) block."""
    sessions: dict[str, int] = field(default_factory=dict)
    """Sessions per session type."""

    @property
    def scheduled(self) -> bool:
        return bool(self.day_minutes)

    @property
    def days(self) -> int:
        return len(self.day_minutes)

    @property
    def week_minutes(self) -> int:
        return sum(self.day_minutes.values())

    @property
    def shortest_day_minutes(self) -> int | None:
        return min(self.day_minutes.values()) if self.day_minutes else None

    def shortfalls(self) -> list[str]:
        """The minimums (:data:`SHORTFALLS`) a scheduled client falls short of ([] = none;
        always [] for a client without sessions)."""
        if not self.scheduled:
            return []
        req = self.requirement
        short = []
        if self.week_minutes < req.min_minutes_per_week:
            short.append("hours_per_week")
        shortest = self.shortest_day_minutes or 0
        if req.min_minutes_per_day and shortest < req.min_minutes_per_day:
            short.append("hours_per_day")
        if self.days < req.min_days:
            short.append("days")
        if any(self.sessions.get(t, 0) < least for t, least in req.min_sessions.items()):
            short.append("sessions")
        return short

    def row(self, session_types: Iterable[str]) -> dict[str, Any]:
        """The client's line of the compliance view (see :data:`COMPLIANCE_COLUMNS`)."""
        req = self.requirement
        short = self.shortfalls()
        plan_days = (
            str(req.min_days) if req.min_days == req.max_days else f"{req.min_days}-{req.max_days}"
        )
        mix = "; ".join(
            f"{type_id} {self.sessions.get(type_id, 0)}/{req.min_sessions[type_id]}"
            for type_id in session_types
            if self.sessions.get(type_id, 0) or req.min_sessions.get(type_id, 0)
        )
        shortest = self.shortest_day_minutes
        return {
            "client_id": self.client_id,
            "track": self.track,
            "plan": self.plan,
            "status": "scheduled" if self.scheduled else "unscheduled",
            "days": self.days,
            "plan_days": plan_days + (" (prorated)" if req.prorated else ""),
            "virtual_days": self.virtual_days,
            "hours_week": _hours(self.week_minutes),
            "min_hours_week": _hours(req.min_minutes_per_week) or None,
            "shortest_day_hours": _hours(shortest) if shortest is not None else None,
            "min_hours_day": _hours(req.min_minutes_per_day) or None,
            "sessions": mix,
            "meets_plan": ("yes" if not short else "no: " + ", ".join(SHORTFALLS[k] for k in short))
            if self.scheduled
            else "",
        }


def _hours(minutes: int) -> float | int:
    """Minutes as hours, to the hundredth (whole hours as integers: 9, 7.5, 1.67)."""
    hours = round(minutes / 60, 2)
    return int(hours) if hours.is_integer() else hours


COMPLIANCE_COLUMNS = (
    "client_id",
    "track",
    "plan",
    "status",
    "days",
    "plan_days",
    "virtual_days",
    "hours_week",
    "min_hours_week",
    "shortest_day_hours",
    "min_hours_day",
    "sessions",
    "meets_plan",
)
"""Columns of the compliance view: days attended against the plan's (after proration),
days in a virtual block, scheduled hours a week against the minimum (prorated), the
shortest attended day's hours against the daily minimum, sessions per type as
``type scheduled/minimum``, and ``yes`` or the minimums missed. A plan without an hour
minimum leaves its column empty."""

COMPLIANCE_LABELS = {
    "client_id": "client",
    "plan_days": "plan's days",
    "virtual_days": "virtual days",
    "hours_week": "hours this week",
    "min_hours_week": "plan's hours a week",
    "shortest_day_hours": "shortest day (h)",
    "min_hours_day": "plan's hours a day",
    "meets_plan": "meets the plan",
}
"""How the page heads the columns (the workbook keeps the column names)."""


def _minutes(start: Any, end: Any) -> int:
    """A session's length in minutes (0 when a hand-edited time is unreadable)."""
    try:
        return max(0, parse_time(str(end)) - parse_time(str(start)))
    except ValueError:
        return 0


def client_weeks(scenario: Scenario, assignments: pd.DataFrame) -> list[ClientWeek]:
    """Every client of the scenario with the week the assignment rows give them, in
    scenario order (rows of unknown clients are left to ``check``)."""
    day_minutes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    virtual: dict[str, set[str]] = defaultdict(set)
    sessions: dict[str, Counter[str]] = defaultdict(Counter)
    for row in assignments.to_dict("records"):
        cid, day, block = str(row["client_id"]), str(row["day"]), str(row["block"])
        day_minutes[cid][day] += _minutes(row["start"], row["end"])
        sessions[cid][str(row["session_type"])] += 1
        if scenario.is_virtual(block):
            virtual[cid].add(day)
    return [
        ClientWeek(
            client_id=c.client_id,
            track=c.track,
            plan=c.plan,
            requirement=requirement(scenario, c),
            day_minutes=dict(day_minutes.get(c.client_id, {})),
            virtual_days=len(virtual.get(c.client_id, ())),
            sessions=dict(sessions.get(c.client_id, {})),
        )
        for c in scenario.clients
    ]


def compliance_table(scenario: Scenario, assignments: pd.DataFrame) -> pd.DataFrame:
    """The compliance view, one row per client (:data:`COMPLIANCE_COLUMNS`)."""
    types = list(scenario.session_types)
    rows = [week.row(types) for week in client_weeks(scenario, assignments)]
    return pd.DataFrame(rows, columns=list(COMPLIANCE_COLUMNS))


def compliance_counts(scenario: Scenario, assignments: pd.DataFrame) -> dict[str, int]:
    """For ``summary.json``: scheduled clients, and how many of them fall short of any
    minimum of their plan and of each (0 in every schedule ``solve`` writes)."""
    weeks = [w for w in client_weeks(scenario, assignments) if w.scheduled]
    short = [w.shortfalls() for w in weeks]
    counts = {"scheduled_clients": len(weeks), "under_any_minimum": sum(1 for s in short if s)}
    counts.update({f"under_{name}": sum(1 for s in short if name in s) for name in SHORTFALLS})
    counts["virtual_days"] = sum(w.virtual_days for w in weeks)
    return counts
