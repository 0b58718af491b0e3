"""Plain re-derivations of the SPEC §2 semantics, deliberately not shared with the model.

Windows are ``(day_idx, start, end)`` with half-open ``[start, end)`` in minutes after
midnight; days are indices 0 = Mon.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..scenario import Client, Scenario, Therapist
from ..windows import DAY_NAMES, Window


def day_windows(windows: Iterable[Window], day_idx: int) -> list[list[int]]:
    """One day's windows merged: sorted, touching or overlapping ones joined (minutes)."""
    spans = sorted((start, end) for day, start, end in windows if day == day_idx)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def within(available: Sequence[Window], day_idx: int, start: int, end: int) -> bool:
    """``[start, end)`` lies inside one merged available window of the day (empty = any)."""
    if not available:
        return True
    return any(lo <= start and end <= hi for lo, hi in day_windows(available, day_idx))


def busy_conflict(
    busy: Sequence[Window], day_idx: int, start: int, end: int, gap: int
) -> tuple[int, int] | None:
    """The first busy window of the day closer than ``gap`` minutes to ``[start, end)``."""
    for day, busy_start, busy_end in sorted(busy):
        if day == day_idx and busy_start - gap < end and start < busy_end + gap:
            return busy_start, busy_end
    return None


def away_on(away: Iterable[tuple[dt.date, dt.date]], date: dt.date) -> bool:
    """``date`` lies in one of the inclusive ``away`` ranges (first, last)."""
    return any(first <= date <= last for first, last in away)


def hhmm(minutes: int) -> str:
    """``HH:MM`` of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span(start: int, end: int) -> str:
    """``HH:MM-HH:MM``."""
    return f"{hhmm(start)}-{hhmm(end)}"


@dataclass(frozen=True)
class Need:
    """A client's weekly requirement after proration (SPEC §2), derived here."""

    min_days: int
    max_days: int
    minimum: dict[str, int]
    maximum: dict[str, int | None]
    prorated: bool
    week_minutes: int = 0
    """Session minutes the week needs (``min_hours_per_week``, prorated, rounded up)."""
    day_minutes: int = 0
    """Session minutes every attended day needs (``min_hours_per_day``, never prorated)."""


def need(scenario: Scenario, client: Client) -> Need:
    """Days, sessions per type and hours the client's plan asks this week, prorated when the
    client is in the program (admitted, not discharged, not away) on fewer open days than the
    plan's ``min_days`` (the daily hours never are)."""
    plan = scenario.plans[client.plan]
    closed = set(scenario.closed_dates)
    present = []
    for day_idx in sorted({DAY_NAMES.index(day) for day in scenario.days}):
        date = scenario.week_start + dt.timedelta(days=day_idx)
        if date in closed:
            continue
        if client.admit_date is not None and date < client.admit_date:
            continue
        if client.discharge_date is not None and date > client.discharge_date:
            continue
        if away_on(client.away, date):
            continue
        present.append(day_idx)
    d = len(present)
    minimum = {type_id: plan.sessions.get(type_id, 0) for type_id in scenario.session_types}
    min_days, max_days, prorated = plan.min_days, plan.max_days, False
    if d < plan.min_days:
        minimum = {type_id: m * d // plan.min_days for type_id, m in minimum.items()}
        min_days = max_days = d
        prorated = True
    maximum: dict[str, int | None] = {}
    for type_id, stype in scenario.session_types.items():
        if type_id in plan.max_sessions:
            maximum[type_id] = plan.max_sessions[type_id]
        elif stype.kind == "group":
            maximum[type_id] = None
        else:
            maximum[type_id] = minimum[type_id]
    # Hours as exact decimals (7.1 h is 426 minutes, not 425.99...), prorated by d / min_days.
    week = Decimal(str(plan.min_hours_per_week or 0)) * 60
    if prorated:
        week = week * d / plan.min_days
    day = Decimal(str(plan.min_hours_per_day or 0)) * 60
    return Need(min_days, max_days, minimum, maximum, prorated, math.ceil(week), math.ceil(day))


def languages(therapist: Therapist) -> set[str]:
    """Languages the therapist speaks, lower case; none listed means English."""
    spoken = {lang.strip().lower() for lang in therapist.languages if lang.strip()}
    return spoken or {"en"}
