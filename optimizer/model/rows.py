"""Schedules built outside the CP-SAT model: SPEC §5 rows, window tests and validation.

Used by the hand-style first schedule (:mod:`optimizer.model.greedy`) and the benchmark
baselines; it relies only on the scenario's domain rules (:mod:`optimizer.scenario`,
:mod:`optimizer.windows`) and the independent checker, never on the CP-SAT model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..check import Violation, check_schedule
from ..io.schedule import SCHEDULE_COLUMNS, Schedule
from ..scenario import Client, Scenario, requirement
from ..windows import clear_of_busy, day_index, format_time, inside_available
from . import candidates


def attendable(scenario: Scenario, client: Client) -> list[tuple[str, str]]:
    """(day, block) pairs the client can attend under their plan (windows, commute,
    admission, closed days, telehealth, hours); empty when the plan cannot be met."""
    return candidates.attendable(scenario, client, requirement(scenario, client))


def can_work(available: tuple, busy: tuple, day: str, start: int, end: int) -> bool:
    """A therapist or room can take a slot (minutes) inside its hours, clear of busy windows."""
    idx = day_index(day)
    return inside_available(available, idx, start, end) and clear_of_busy(busy, idx, start, end)


@dataclass
class Session:
    """One session of a baseline's schedule."""

    day: str
    block: str
    slot_idx: int
    session_type: str
    track: str
    therapist_id: str
    room_id: str
    members: list[str] = field(default_factory=list)


def schedule_rows(
    scenario: Scenario, sessions: list[Session]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """SPEC §5 ``assignments`` and ``sessions`` rows of a list of sessions (empty ones skipped)."""
    assignments: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for s in sessions:
        if not s.members:
            continue
        start, end = scenario.blocks[s.block][s.slot_idx]
        common = {
            "session_id": f"{s.day}-{s.block}-{s.slot_idx + 1}-{s.therapist_id}",
            "session_type": s.session_type,
            "day": s.day,
            "date": scenario.date_of(s.day).isoformat(),
            "block": s.block,
            "start": format_time(start),
            "end": format_time(end),
            "therapist_id": s.therapist_id,
            "room_id": s.room_id,
        }
        is_group = scenario.session_types[s.session_type].is_group
        rows.append({**common, "track": s.track if is_group else "", "size": len(s.members)})
        assignments.extend({"client_id": cid, **common} for cid in sorted(s.members))
    return assignments, rows


def as_schedule(
    scenario: Scenario,
    assignments: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    reason: str = "not scheduled by this method",
) -> Schedule:
    """A :class:`Schedule` of rows; every client without a session is listed unscheduled."""
    scheduled = {row["client_id"] for row in assignments}
    unscheduled = [
        {"client_id": c.client_id, "reason": reason}
        for c in scenario.clients
        if c.client_id not in scheduled
    ]
    return Schedule(
        assignments=pd.DataFrame(assignments, columns=SCHEDULE_COLUMNS["assignments.csv"]),
        sessions=pd.DataFrame(sessions, columns=SCHEDULE_COLUMNS["sessions.csv"]),
        unscheduled=pd.DataFrame(unscheduled, columns=SCHEDULE_COLUMNS["unscheduled.csv"]),
    )


def errors_of(
    scenario: Scenario, assignments: list[dict[str, Any]], sessions: list[dict[str, Any]]
) -> list[Violation]:
    """Broken rules (errors only) of a schedule, per the independent checker."""
    schedule = as_schedule(scenario, assignments, sessions)
    return [v for v in check_schedule(scenario, schedule) if v.severity == "error"]


def served(scenario: Scenario, assignments: list[dict[str, Any]]) -> int:
    """Priority-weighted number of scheduled clients (the primary objective)."""
    priority = {c.client_id: c.priority for c in scenario.clients}
    return sum(priority[cid] for cid in {row["client_id"] for row in assignments})
