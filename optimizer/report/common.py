"""What every report reads: the scenario plus the SPEC §5 tables, every cell as text.

A :class:`ReportData` is built either from a fresh :class:`~optimizer.result.Result` or from
a schedule folder read back with :func:`~optimizer.io.schedule.read_schedule` (hand-edited
ones included), so the HTML page, the workbook and the calendars never care which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..io.schedule import SCHEDULE_COLUMNS, Schedule
from ..scenario import Scenario
from ..timezones import ProgramTimezone, program_timezone
from ..windows import DAY_NAMES, format_time

if TYPE_CHECKING:
    from ..result import Result

# Light fills, one per session type in scenario order (print- and colour-blind friendly).
PALETTE = (
    "CFE2F3",  # blue
    "FCE5CD",  # orange
    "D9EAD3",  # green
    "EAD1DC",  # pink
    "FFF2CC",  # yellow
    "D9D2E9",  # purple
    "D0E0E3",  # teal
    "F4CCCC",  # red
)


@dataclass(frozen=True)
class ReportOptions:
    """Which extra outputs to write, whether they may show client names, and the CSV form."""

    report: bool = True
    """``report.html``: the printable week."""
    xlsx: bool = True
    """``schedule.xlsx``: the workbook."""
    calendars: bool = True
    """``calendars/<therapist_id>.ics``."""
    names: bool = False
    """Show client names (protected health information) in the page and the workbook."""
    client_calendars: bool = False
    """Also write ``calendars/client-<client_id>.ics``, one per scheduled client."""
    csv_bom: bool = False
    """Start the CSVs with a UTF-8 byte-order mark, for Excel on Windows (off by default:
    SPEC §5 readers expect the header to start with its first column name)."""

    @property
    def any(self) -> bool:
        return self.report or self.xlsx or self.calendars


def _as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.reindex(columns=columns).astype(object)
    out = out.where(out.notna(), "")
    return out.map(str).reset_index(drop=True)


def minutes(clock: str) -> int:
    """Minutes since midnight of an ``HH:MM`` text (``24:00`` allowed); -1 when unreadable."""
    try:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)
    except ValueError:
        return -1


def day_order(day: str) -> int:
    return DAY_NAMES.index(day) if day in DAY_NAMES else len(DAY_NAMES)


@dataclass(frozen=True)
class ReportData:
    """The scenario and the schedule's tables (every cell text, rows in file order)."""

    scenario: Scenario
    assignments: pd.DataFrame
    sessions: pd.DataFrame
    unscheduled: pd.DataFrame
    timezone: ProgramTimezone
    """The zone of every clock time written (:func:`~optimizer.timezones.program_timezone`)."""
    summary: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        assignments: pd.DataFrame,
        sessions: pd.DataFrame,
        unscheduled: pd.DataFrame,
        summary: dict[str, Any] | None = None,
    ) -> ReportData:
        # Rows keep the files' order (the workbook mirrors the CSVs row for row).
        sessions = _as_text(sessions, SCHEDULE_COLUMNS["sessions.csv"])
        assignments = _as_text(assignments, SCHEDULE_COLUMNS["assignments.csv"])
        return cls(
            scenario=scenario,
            assignments=assignments.reset_index(drop=True),
            sessions=sessions.reset_index(drop=True),
            unscheduled=_as_text(unscheduled, SCHEDULE_COLUMNS["unscheduled.csv"]),
            summary=dict(summary or {}),
            timezone=program_timezone(scenario),
        )

    @classmethod
    def from_result(cls, result: Result) -> ReportData:
        return cls.build(
            result.scenario,
            result.assignments,
            result.sessions,
            result.unscheduled,
            result.summary,
        )

    @classmethod
    def from_schedule(cls, scenario: Scenario, schedule: Schedule) -> ReportData:
        return cls.build(
            scenario,
            schedule.assignments,
            schedule.sessions,
            schedule.unscheduled,
            schedule.summary,
        )

    # ---- lookups -------------------------------------------------------------------

    def type_colour(self, session_type: str) -> str:
        """Fill colour (``RRGGBB``) of a session type: one per type, in scenario order."""
        types = list(self.scenario.session_types)
        idx = types.index(session_type) if session_type in types else len(types)
        return PALETTE[idx % len(PALETTE)]

    def client_names(self) -> dict[str, str]:
        """Client id -> name (only clients that have one). Never log these."""
        return {c.client_id: c.name for c in self.scenario.clients if c.name}

    def week_dates(self) -> list[tuple[str, dt.date]]:
        """Operating days (closed ones included) with their dates, in week order."""
        days = sorted(set(self.scenario.days), key=day_order)
        return [(day, self.scenario.date_of(day)) for day in days]

    def therapist_ids(self) -> list[str]:
        """Therapists of the scenario, then any other id the schedule names."""
        ids = [t.therapist_id for t in self.scenario.therapists]
        extra = sorted(set(self.sessions["therapist_id"]) - set(ids) - {""})
        return ids + extra

    def room_ids(self) -> list[str]:
        ids = [r.room_id for r in self.scenario.rooms or ()]
        extra = sorted(set(self.sessions["room_id"]) - set(ids) - {""})
        return ids + extra


def records(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The rows of a text table as dicts (column -> cell text)."""
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def week_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by day of the week, start time, block and session id (stable)."""
    if not len(frame):
        return frame
    keys = [
        (day_order(d), minutes(s), b, i)
        for d, s, b, i in zip(
            frame["day"], frame["start"], frame["block"], frame["session_id"], strict=True
        )
    ]
    order = sorted(range(len(frame)), key=keys.__getitem__)
    return frame.iloc[order]


def type_label(session_type: str) -> str:
    """A session type id as a coordinator reads it: ``group_therapy`` -> ``Group therapy``."""
    text = session_type.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else session_type


def session_minutes(start: str, end: str) -> int:
    """Length of a session in minutes (0 when the times are unreadable)."""
    begin, finish = minutes(start), minutes(end)
    return max(0, finish - begin) if begin >= 0 and finish >= 0 else 0


@dataclass(frozen=True)
class WeekGrid:
    """The week as the page and the workbook draw it: slots down, days across.

    ``rows`` are (block, slot number from 1, start, end): every slot of every block in
    scenario order, then any (block, start, end) a hand-edited file adds. ``columns`` are the
    operating days with their dates, then any other day a file names (date None). ``cells``
    maps (day, block, start, end) to the sessions there, in file order.
    """

    rows: list[tuple[str, int, str, str]]
    columns: list[tuple[str, dt.date | None]]
    closed: frozenset[dt.date]
    cells: dict[tuple[str, str, str, str], list[dict[str, str]]]

    def sessions_at(self, day: str, block: str, start: str, end: str) -> list[dict[str, str]]:
        return self.cells.get((day, block, start, end), [])

    def is_closed(self, date: dt.date | None) -> bool:
        return date is not None and date in self.closed


def week_grid(data: ReportData) -> WeekGrid:
    """Slots, days and the sessions in each (see :class:`WeekGrid`)."""
    slots: list[tuple[str, str, str]] = [
        (block, format_time(begin), format_time(finish))
        for block, block_slots in data.scenario.blocks.items()
        for begin, finish in block_slots
    ]
    known = set(slots)
    extra = {
        (b, s, e)
        for b, s, e in zip(
            data.sessions["block"], data.sessions["start"], data.sessions["end"], strict=True
        )
        if (b, s, e) not in known
    }
    slots += sorted(extra, key=lambda r: (r[0], minutes(r[1])))
    rows: list[tuple[str, int, str, str]] = []
    for block, start, end in slots:
        number = rows[-1][1] + 1 if rows and rows[-1][0] == block else 1
        rows.append((block, number, start, end))
    days = data.week_dates()
    extra_days = sorted(set(data.sessions["day"]) - {d for d, _ in days})
    columns: list[tuple[str, dt.date | None]] = [*days, *((d, None) for d in extra_days)]
    cells: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
    for row in records(data.sessions):
        cells.setdefault((row["day"], row["block"], row["start"], row["end"]), []).append(row)
    return WeekGrid(rows, columns, frozenset(data.scenario.closed_dates), cells)


def block_label(scenario: Scenario, block: str) -> str:
    """A block's name as the grid heads its slots: ``EVE-V (video)`` for a virtual block."""
    return f"{block} (video)" if scenario.is_virtual(block) else block


def session_card(row: dict[str, str], is_group: bool, virtual: bool = False) -> list[str]:
    """What a grid cell says of a session: type, track, therapist, room (``video`` for a
    session of a virtual block), size (text parts)."""
    parts = [type_label(row["session_type"])]
    if row["track"]:
        parts.append(row["track"])
    parts.append(row["therapist_id"])
    if row["room_id"]:
        parts.append(f"room {row['room_id']}")
    elif virtual:
        parts.append("video")
    size = row["size"]
    parts.append(f"{size} client{'s' if size != '1' else ''}" if is_group else "1:1")
    return parts
