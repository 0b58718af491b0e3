"""The availability-window grammar of SPEC §2 and the "can attend / can work" tests, once.

A window list is ``;``-separated entries ``DAYS HH:MM-HH:MM``; ``DAYS`` is a day (``Mon``),
a range (``Mon-Fri``; ``Sat-Mon`` wraps) or a comma list (``Tue,Thu``; items may be ranges).
Times are minutes after midnight; windows are half-open ``[start, end)``.

``away`` dates (clients and therapists) are inclusive date ranges (:data:`DateSpan`).

The tests of who can be where (:func:`client_can_attend`, :func:`can_work`,
:func:`therapist_can_take`, :func:`days_in_program`, :func:`attendable_pairs`) are the
scenario's rules that the candidates, the hand-style
schedule and the reasons all build on. (The checker, :mod:`optimizer.check`, deliberately
re-implements them: it must not share a mistake with the model.)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scenario module builds on this one
    from .scenario import Client, Scenario, Therapist

DAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_INDEX = {name.lower(): idx for idx, name in enumerate(DAY_NAMES)}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_ENTRY_RE = re.compile(r"^(?P<days>\S+)\s+(?P<start>\S+?)\s*-\s*(?P<end>\S+)$")

Interval = tuple[int, int]
"""A half-open clock interval in minutes after midnight."""

Window = tuple[int, int, int]
"""``(day_idx, start_minute, end_minute)`` with day_idx 0 = Mon."""

WINDOW_FORMAT_HINT = (
    "write windows as 'DAYS HH:MM-HH:MM' separated by ';', e.g. 'Mon-Fri 08:00-16:30'"
)

DateSpan = tuple[dt.date, dt.date]
"""An inclusive range of dates, first to last (a single date is a range of one day)."""

AWAY_FORMAT_HINT = (
    "write ISO dates or inclusive ranges FIRST..LAST separated by ';', "
    "e.g. '2026-12-14; 2026-12-16..2026-12-18'"
)


def day_index(name: str) -> int:
    """Index (Mon = 0) of a case-insensitive day name; ValueError when it is not a day."""
    try:
        return _DAY_INDEX[name.strip().lower()]
    except KeyError:
        raise ValueError(f"'{name}' is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)") from None


def parse_time(text: str, *, allow_24: bool = True) -> int:
    """Minutes after midnight of ``HH:MM`` (``24:00`` allowed as an end time)."""
    match = _TIME_RE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time (use HH:MM, e.g. 09:30)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(f"'{text}' is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def format_time(minutes: int) -> str:
    """``HH:MM`` of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_interval(text: str) -> Interval:
    """Parse ``HH:MM-HH:MM`` into a half-open interval; the end must be after the start."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a time range (use HH:MM-HH:MM, e.g. 09:00-09:50)")
    start = parse_time(parts[0], allow_24=False)
    end = parse_time(parts[1])
    if end <= start:
        raise ValueError(f"'{text}' ends before it starts")
    return start, end


def format_interval(interval: Interval) -> str:
    return f"{format_time(interval[0])}-{format_time(interval[1])}"


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"'{text}' has an empty day in its list")
        if "-" in item:
            first, _, last = item.partition("-")
            lo, hi = day_index(first), day_index(last)
            span = (hi - lo) % 7
            days.extend((lo + k) % 7 for k in range(span + 1))
        else:
            days.append(day_index(item))
    return days


def parse_windows(text: str | None) -> tuple[Window, ...]:
    """Parse a window list; an empty or missing text gives an empty tuple.

    Raises ValueError naming the bad entry and the expected form.
    """
    if text is None:
        return ()
    windows: list[Window] = []
    for raw in str(text).split(";"):
        entry = raw.strip()
        if not entry:
            continue
        match = _ENTRY_RE.match(entry)
        if not match:
            raise ValueError(f"window '{entry}' is not 'DAYS HH:MM-HH:MM'")
        try:
            days = _parse_days(match.group("days"))
            start = parse_time(match.group("start"), allow_24=False)
            end = parse_time(match.group("end"))
        except ValueError as exc:
            raise ValueError(f"window '{entry}': {exc}") from None
        if end <= start:
            raise ValueError(
                f"window '{entry}' ends before it starts (an overnight window is two entries)"
            )
        windows.extend((day, start, end) for day in days)
    return tuple(sorted(set(windows)))


def format_windows(windows: Iterable[Window]) -> str:
    """Canonical text of a window list (one entry per day and interval)."""
    return "; ".join(
        f"{DAY_NAMES[day]} {format_time(start)}-{format_time(end)}"
        for day, start, end in sorted(windows)
    )


def merged_intervals(windows: Iterable[Window], day_idx: int) -> list[Interval]:
    """The windows of one day, sorted, with touching or overlapping ones merged."""
    spans = sorted((start, end) for day, start, end in windows if day == day_idx)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def inside_available(available: tuple[Window, ...], day_idx: int, start: int, end: int) -> bool:
    """True when ``[start, end)`` lies inside one merged available window of the day.

    An empty window list means "any time".
    """
    if not available:
        return True
    return any(lo <= start and end <= hi for lo, hi in merged_intervals(available, day_idx))


def clear_of_busy(
    busy: tuple[Window, ...], day_idx: int, start: int, end: int, gap_minutes: int = 0
) -> bool:
    """True when ``[start, end)`` keeps ``gap_minutes`` away from every busy window that day.

    With a gap of 0, touching a busy window is allowed (half-open intervals).
    """
    for day, busy_start, busy_end in busy:
        if day != day_idx:
            continue
        if busy_end + gap_minutes > start and end + gap_minutes > busy_start:
            return False
    return True


def format_date_spans(spans: Iterable[DateSpan]) -> str:
    """Canonical text of ``away`` dates: ``2026-12-14; 2026-12-16..2026-12-18``."""
    return "; ".join(
        first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
        for first, last in sorted(spans)
    )


def is_away(away: Iterable[DateSpan], date: dt.date) -> bool:
    """True when ``date`` lies in one of the ``away`` ranges (inclusive)."""
    return any(first <= date <= last for first, last in away)


# ---------------------------------------------------------------------------------------
# Who can be where: the availability rules of SPEC §2 on a scenario's week


def can_work(
    available: tuple[Window, ...], busy: tuple[Window, ...], day: str, start: int, end: int
) -> bool:
    """A therapist or room can take ``[start, end)`` (minutes) on ``day``: inside its
    available windows (none = any time) and clear of its busy ones."""
    idx = day_index(day)
    return inside_available(available, idx, start, end) and clear_of_busy(busy, idx, start, end)


def therapist_can_take(
    scenario: Scenario, therapist: Therapist, day: str, start: int, end: int
) -> bool:
    """The therapist can take a session at ``[start, end)`` (minutes) on ``day``: inside
    their hours, clear of their busy windows, and not ``away`` on that date."""
    return not is_away(therapist.away, scenario.date_of(day)) and can_work(
        therapist.available, therapist.busy, day, start, end
    )


def client_can_attend(scenario: Scenario, client: Client, day: str, block: str) -> bool:
    """The client can attend ``block`` on ``day``: the whole block inside their available
    windows, and ``rules.commute_minutes`` away from every busy window. A virtual block is
    for clients cleared for telehealth only, and needs no commute (the client's busy windows
    still may not overlap it)."""
    virtual = scenario.is_virtual(block)
    if virtual and not client.telehealth:
        return False
    start, end = scenario.block_span(block)
    idx = day_index(day)
    commute = 0 if virtual else scenario.rules.commute_minutes
    return inside_available(client.available, idx, start, end) and clear_of_busy(
        client.busy, idx, start, end, commute
    )


def days_in_program(scenario: Scenario, client: Client) -> tuple[str, ...]:
    """Open days of the week on which the client is in the program: between admission and
    discharge (inclusive) and not ``away``. Their number is SPEC §2's ``d`` (proration)."""
    return tuple(
        day
        for day in scenario.open_days()
        if (client.admit_date is None or scenario.date_of(day) >= client.admit_date)
        and (client.discharge_date is None or scenario.date_of(day) <= client.discharge_date)
        and not is_away(client.away, scenario.date_of(day))
    )


def attendable_pairs(scenario: Scenario, client: Client) -> list[tuple[str, str]]:
    """(day, block) pairs the client can attend this week, in week and block order, before
    their plan is considered (see :func:`optimizer.model.candidates.attendable`)."""
    return [
        (day, block)
        for day in days_in_program(scenario, client)
        for block in scenario.blocks
        if client_can_attend(scenario, client, day, block)
    ]
