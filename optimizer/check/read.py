"""Reading the SPEC §5 files into sessions and attendances the rule families judge.

A malformed row is a finding, never a crash: what a row does not say stays ``None`` and the
rules skip it. A session's day, block, slot, therapist and room come from its
``sessions.csv`` row; an ``assignments.csv`` row that disagrees is a ``session-mismatch``.
An assignment whose session is missing from ``sessions.csv`` is judged by its own columns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from ..io.schedule import SCHEDULE_COLUMNS, Schedule
from ..scenario import Client, Room, Scenario, Therapist, date_problem
from ..windows import DAY_NAMES, parse_time
from .report import Findings
from .semantics import span

SESSION_COLUMNS = tuple(SCHEDULE_COLUMNS["sessions.csv"])
ASSIGNMENT_COLUMNS = tuple(SCHEDULE_COLUMNS["assignments.csv"])
SHARED_COLUMNS = tuple(c for c in ASSIGNMENT_COLUMNS if c in SESSION_COLUMNS and c != "session_id")
"""The session columns an assignments.csv row repeats."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def records(frame: pd.DataFrame | None, columns: Sequence[str]) -> list[dict[str, str]]:
    """The rows of ``frame`` as text (blank for a missing column or cell)."""
    if frame is None or len(frame) == 0:
        return []
    present = [c for c in columns if c in frame.columns]
    out = []
    for values in frame[present].itertuples(index=False, name=None):
        record = dict.fromkeys(columns, "")
        record.update({name: _text(value) for name, value in zip(present, values, strict=True)})
        out.append(record)
    return out


@dataclass
class Where:
    """Day, block, slot and clock time of a session as written in one row."""

    day_idx: int | None = None
    date: dt.date | None = None
    block: str | None = None
    slot_idx: int | None = None
    start: int | None = None
    end: int | None = None

    @property
    def timed(self) -> bool:
        return self.day_idx is not None and self.start is not None and self.end is not None

    def overlaps(self, other: Where) -> bool:
        assert self.start is not None and self.end is not None
        assert other.start is not None and other.end is not None
        return self.day_idx == other.day_idx and self.start < other.end and other.start < self.end

    def label(self) -> str:
        """``Mon AM 09:00-09:50`` (``?`` for what the row does not say)."""
        day = DAY_NAMES[self.day_idx] if self.day_idx is not None else "?"
        text = f"{day} {self.block or '?'}"
        if self.start is not None and self.end is not None:
            text += f" {span(self.start, self.end)}"
        return text


@dataclass
class Session:
    """One sessions.csv row, parsed, with the clients assignments.csv puts in it."""

    session_id: str
    where_text: str
    type_id: str | None
    track: str
    at: Where
    therapist: Therapist | None
    therapist_id: str
    room: Room | None
    room_id: str
    size: int | None
    record: dict[str, str]
    members: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attendance:
    """One client in one session (an assignments.csv row)."""

    client_id: str
    session_id: str
    type_id: str | None
    at: Where
    where_text: str


Timed = TypeVar("Timed", Session, Attendance)


def overlapping_pairs(items: Sequence[Timed]) -> Iterator[tuple[Timed, Timed]]:
    """Pairs of timed items on one day whose clock times overlap, in (day, start, id) order."""
    timed = sorted(
        (item for item in items if item.at.timed),
        key=lambda item: (item.at.day_idx, item.at.start, item.session_id),
    )
    for idx, first in enumerate(timed):
        for second in timed[idx + 1 :]:
            if second.at.day_idx != first.at.day_idx:
                break
            if first.at.overlaps(second.at):
                yield first, second


@dataclass
class Week:
    """The scenario's lookup tables and the schedule's rows, parsed."""

    scenario: Scenario
    schedule: Schedule
    clients: dict[str, Client]
    therapists: dict[str, Therapist]
    rooms: dict[str, Room]
    operating: set[int]
    closed: set[dt.date]
    sessions: dict[str, Session] = field(default_factory=dict)
    attendances: dict[str, list[Attendance]] = field(default_factory=lambda: defaultdict(list))
    unscheduled: dict[str, str] = field(default_factory=dict)
    """Per unscheduled client, where the row is (``unscheduled.csv row N``)."""

    @property
    def scheduled_clients(self) -> int:
        """Clients with at least one assignment (known to the scenario or not)."""
        return sum(1 for cid in self.attendances if self.attendances[cid])

    def row_label(self, table: str, idx: int) -> str:
        """``sessions.csv row 7``: the spreadsheet row (header = row 1) of data row ``idx``."""
        rows = self.schedule.rows.get(table) if self.schedule.rows else None
        number = rows[idx] if rows is not None and idx < len(rows) else idx + 2
        return f"{table} row {number}"


def read_week(scenario: Scenario, schedule: Schedule, findings: Findings) -> Week:
    """Parse sessions.csv, assignments.csv and unscheduled.csv; malformed rows are findings."""
    week = Week(
        scenario=scenario,
        schedule=schedule,
        clients={c.client_id: c for c in scenario.clients},
        therapists={t.therapist_id: t for t in scenario.therapists},
        rooms={r.room_id: r for r in scenario.rooms or ()},
        operating={DAY_NAMES.index(day) for day in scenario.days},
        closed=set(scenario.closed_dates),
    )
    _read_sessions(week, findings)
    _read_assignments(week, findings)
    _read_unscheduled(week, findings)
    return week


def parse_where(
    week: Week,
    record: dict[str, str],
    where_text: str,
    ids: tuple[str, ...],
    findings: Findings | None,
) -> Where:
    """Day, date, block, slot and times of a row; malformed parts are reported to
    ``findings`` (under ``ids``) unless it is None."""
    s = week.scenario
    at = Where()

    def say(rule: str, message: str) -> None:
        if findings is not None:
            findings.add(rule, ids, message)

    day_text = record["day"]
    lowered = {name.lower(): idx for idx, name in enumerate(DAY_NAMES)}
    if day_text.lower() in lowered:
        at.day_idx = lowered[day_text.lower()]
        if at.day_idx not in week.operating:
            say("unknown-day", f"{day_text} is not an operating day ({where_text}).")
    else:
        say("unknown-day", f"day '{day_text}' is not a day name ({where_text}).")
    try:
        at.date = dt.date.fromisoformat(record["date"])
    except ValueError:
        problem, fix = date_problem(record["date"])
        say("bad-date", f"{problem} ({where_text}); {fix}.")
    if at.date is not None and at.day_idx is not None:
        expected = s.week_start + dt.timedelta(days=at.day_idx)
        if at.date != expected:
            say(
                "bad-date",
                f"date {at.date} is not {DAY_NAMES[at.day_idx]} of this week, which is "
                f"{expected} ({where_text}).",
            )
    block = record["block"]
    if block in s.blocks:
        at.block = block
    else:
        say("unknown-block", f"block '{block}' is not in the scenario ({where_text}).")
    try:
        at.start, at.end = parse_time(record["start"]), parse_time(record["end"])
    except ValueError:
        at.start = at.end = None
        say(
            "bad-time",
            f"start '{record['start']}' / end '{record['end']}' are not HH:MM times "
            f"({where_text}).",
        )
    if at.block is not None and at.start is not None and at.end is not None:
        slots = list(s.blocks[at.block])
        if (at.start, at.end) in slots:
            at.slot_idx = slots.index((at.start, at.end))
        else:
            listed = ", ".join(span(a, b) for a, b in slots)
            say(
                "bad-time",
                f"{record['start']}-{record['end']} is not a slot of block {at.block} "
                f"({listed}) ({where_text}).",
            )
    return at


def _read_sessions(week: Week, findings: Findings) -> None:
    table = "sessions.csv"
    s = week.scenario
    for idx, record in enumerate(records(week.schedule.sessions, SESSION_COLUMNS)):
        where_text = week.row_label(table, idx)
        sid = record["session_id"]
        if not sid:
            findings.add("session-id-missing", (), f"session has no session_id ({where_text}).")
            continue
        if sid in week.sessions:
            findings.add(
                "duplicate-session",
                (sid,),
                f"session id is used again ({where_text}; first at "
                f"{week.sessions[sid].where_text}).",
            )
            continue
        ids = (sid,)
        type_id: str | None = record["session_type"]
        if type_id not in s.session_types:
            findings.add(
                "unknown-session-type",
                ids,
                f"session type '{type_id}' is not in the scenario ({where_text}).",
            )
            type_id = None
        at = parse_where(week, record, where_text, ids, findings)
        therapist, room = _staff_of(week, record, where_text, findings)
        size: int | None = None
        try:
            size = int(record["size"])
            if size < 0:
                raise ValueError
        except ValueError:
            size = None
            findings.add(
                "bad-size",
                ids,
                f"size '{record['size']}' is not a whole number ({where_text}).",
            )
        week.sessions[sid] = Session(
            session_id=sid,
            where_text=where_text,
            type_id=type_id,
            track=record["track"],
            at=at,
            therapist=therapist,
            therapist_id=record["therapist_id"],
            room=room,
            room_id=record["room_id"],
            size=size,
            record=record,
        )


def _staff_of(
    week: Week, record: dict[str, str], where_text: str, findings: Findings
) -> tuple[Therapist | None, Room | None]:
    """The therapist and room a sessions.csv row names (None when missing or unknown)."""
    sid = record["session_id"]
    therapist = week.therapists.get(record["therapist_id"])
    if not record["therapist_id"]:
        findings.add("therapist-missing", (sid,), f"session has no therapist ({where_text}).")
    elif therapist is None:
        findings.add(
            "unknown-therapist",
            (sid, record["therapist_id"]),
            f"therapist is not in the scenario ({where_text}).",
        )
    room = week.rooms.get(record["room_id"])
    if week.scenario.rooms is None:
        if record["room_id"]:
            findings.add(
                "room-unexpected",
                (sid, record["room_id"]),
                f"session names a room but the scenario has no rooms ({where_text}).",
            )
    elif not record["room_id"]:
        findings.add("room-missing", (sid,), f"session has no room ({where_text}).")
    elif room is None:
        findings.add(
            "unknown-room",
            (sid, record["room_id"]),
            f"room is not in the scenario ({where_text}).",
        )
    return therapist, room


def _read_assignments(week: Week, findings: Findings) -> None:
    table = "assignments.csv"
    seen: dict[tuple[str, str], str] = {}
    for idx, record in enumerate(records(week.schedule.assignments, ASSIGNMENT_COLUMNS)):
        where_text = week.row_label(table, idx)
        cid, sid = record["client_id"], record["session_id"]
        if (cid, sid) in seen:
            findings.add(
                "duplicate-assignment",
                (cid, sid),
                f"client is assigned to this session again ({where_text}; first at "
                f"{seen[(cid, sid)]}).",
            )
            continue
        seen[(cid, sid)] = where_text
        session = week.sessions.get(sid)
        if session is None:
            findings.add(
                "unknown-session",
                (cid, sid),
                f"session '{sid}' is not in sessions.csv ({where_text}).",
            )
        else:
            session.members.append(cid)
            differ = [c for c in SHARED_COLUMNS if record[c] != session.record[c]]
            if differ:
                detail = ", ".join(f"{c} '{record[c]}' vs '{session.record[c]}'" for c in differ)
                findings.add(
                    "session-mismatch",
                    (cid, sid),
                    f"assignment disagrees with its session: {detail} ({where_text} vs "
                    f"{session.where_text}).",
                )
        if cid not in week.clients:
            findings.add(
                "unknown-client",
                (cid, sid),
                f"client '{cid}' is not in the scenario ({where_text})."
                if cid
                else f"row has no client_id ({where_text}).",
            )
            continue
        if session is not None:
            attendance = Attendance(cid, sid, session.type_id, session.at, where_text)
        else:
            type_id = record["session_type"]
            known = type_id if type_id in week.scenario.session_types else None
            at = parse_where(week, record, where_text, (cid, sid), None)
            attendance = Attendance(cid, sid, known, at, where_text)
        week.attendances[cid].append(attendance)


def _read_unscheduled(week: Week, findings: Findings) -> None:
    table = "unscheduled.csv"
    for idx, record in enumerate(records(week.schedule.unscheduled, ("client_id", "reason"))):
        where_text = week.row_label(table, idx)
        cid = record["client_id"]
        if cid not in week.clients:
            findings.add(
                "unknown-client",
                (cid,),
                f"client '{cid}' is not in the scenario ({where_text}).",
            )
            continue
        if cid in week.unscheduled:
            findings.add(
                "duplicate-unscheduled",
                (cid,),
                f"client is listed again ({where_text}; first at {week.unscheduled[cid]}).",
            )
            continue
        week.unscheduled[cid] = where_text
        if not record["reason"]:
            findings.add("unscheduled-reason", (cid,), f"no reason is given ({where_text}).")
