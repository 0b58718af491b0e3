"""Re-planning from a date (SPEC §7): the sessions before it have happened and must be the
previous schedule's, exactly (same session ids, type, times, therapist, room and members).

Judged on assignments.csv of both folders (the file of record), read here on its own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..io.schedule import Schedule
from ..windows import DAY_NAMES
from .read import ASSIGNMENT_COLUMNS, SHARED_COLUMNS, Week, records
from .report import Findings


def _date(scenario_start: dt.date, record: dict[str, str]) -> dt.date | None:
    """The row's date, or (when the date cell is unusable) its day of the checked week."""
    try:
        return dt.date.fromisoformat(record["date"])
    except ValueError:
        lowered = {name.lower(): idx for idx, name in enumerate(DAY_NAMES)}
        idx = lowered.get(record["day"].strip().lower())
        return None if idx is None else scenario_start + dt.timedelta(days=idx)


def _sessions_before(
    schedule: Schedule, week_start: dt.date, from_date: dt.date
) -> dict[str, tuple[tuple[str, ...], set[str]]]:
    """Per session id dated before ``from_date``: its columns (first assignment row) and
    its clients."""
    out: dict[str, tuple[tuple[str, ...], set[str]]] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for record in records(schedule.assignments, ASSIGNMENT_COLUMNS):
        date = _date(week_start, record)
        if date is None or date >= from_date:
            continue
        sid = record["session_id"]
        out.setdefault(sid, (tuple(record[c] for c in SHARED_COLUMNS), set()))
        members[sid].add(record["client_id"])
    return {sid: (columns, members[sid]) for sid, (columns, _m) in out.items()}


def check_past(week: Week, previous: Schedule, from_date: dt.date, findings: Findings) -> None:
    """Every session of ``previous`` dated before ``from_date`` is in the checked schedule
    unchanged, and the checked schedule has no other session before it."""
    start = week.scenario.week_start
    before = _sessions_before(previous, start, from_date)
    now = _sessions_before(week.schedule, start, from_date)
    when = f"before {from_date}, it has happened"
    for sid, (columns, members) in before.items():
        if sid not in now:
            findings.add(
                "past-changed", (sid,), f"session of the previous schedule is gone ({when})."
            )
            continue
        new_columns, new_members = now[sid]
        differences = [
            f"{name} {old or '(empty)'} -> {new or '(empty)'}"
            for name, old, new in zip(SHARED_COLUMNS, columns, new_columns, strict=True)
            if old != new
        ]
        if new_members - members:
            differences.append(f"clients added: {', '.join(sorted(new_members - members))}")
        if members - new_members:
            differences.append(f"clients removed: {', '.join(sorted(members - new_members))}")
        if differences:
            findings.add(
                "past-changed",
                (sid,),
                f"session differs from the previous schedule ({when}): {'; '.join(differences)}.",
            )
    for sid in now:
        if sid not in before:
            findings.add(
                "past-changed",
                (sid,),
                f"session is not in the previous schedule ({when}).",
            )
