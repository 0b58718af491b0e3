"""Reading the SPEC §5 files into sessions and attendances the rule families judge.

A malformed row is a finding, never a crash: what a row does not say stays ``None`` and the
rules skip it.

assignments.csv is the file of record: its ``session_id`` says which session a client is
in, and its rows define each session (type, day, date, block, start, end, therapist,
room), so a coordinator who moves a client by editing assignments.csv alone is judged on
that edit. sessions.csv is its summary: when a session's rows agree with its sessions.csv
row, that row is the one cited in messages (an unedited folder reads as written); when
they differ the rows win, and :mod:`.agreement` reports every difference of sessions.csv
as one warning. Rows of one session that disagree among themselves are a
``session-mismatch`` (the version sessions.csv also has, else the most common one, is
judged).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
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
    """One session as assignments.csv defines it, parsed, with the clients in it.

    ``where_text`` and ``record`` are those of its sessions.csv row when the assignments
    agree with it, else of the first assignments.csv row that defines it; ``track`` is the
    sessions.csv track column (empty when sessions.csv does not list the session).
    """

    session_id: str
    where_text: str
    type_id: str | None
    track: str
    at: Where
    therapist: Therapist | None
    therapist_id: str
    room: Room | None
    room_id: str
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
    listed: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    """sessions.csv as written: per session id, its first row and where that row is."""
    listed_problems: list[str] = field(default_factory=list)
    """sessions.csv rows that name no session, or repeat an id."""
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
    _read_listed(week)
    rows = _read_assignment_rows(week, findings)
    assigned: dict[str, list[tuple[dict[str, str], str]]] = defaultdict(list)
    for record, where_text in rows:
        if record["session_id"]:
            assigned[record["session_id"]].append((record, where_text))
    _define_sessions(week, assigned, findings)
    _attend(week, rows, findings)
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


def _read_listed(week: Week) -> None:
    """sessions.csv as written (compared with assignments.csv by :mod:`.agreement`)."""
    table = "sessions.csv"
    for idx, record in enumerate(records(week.schedule.sessions, SESSION_COLUMNS)):
        where_text = week.row_label(table, idx)
        sid = record["session_id"]
        if not sid:
            week.listed_problems.append(f"{where_text} has no session_id")
        elif sid in week.listed:
            week.listed_problems.append(
                f"{sid} is listed again ({where_text}; first at {week.listed[sid][1]})"
            )
        else:
            week.listed[sid] = (record, where_text)


def _shared(record: dict[str, str]) -> tuple[str, ...]:
    return tuple(record[c] for c in SHARED_COLUMNS)


def _definition(
    sid: str, listed: tuple[dict[str, str], str] | None, rows: list[tuple[dict[str, str], str]]
) -> tuple[dict[str, str], str]:
    """The record a session is judged by, and where it is: its sessions.csv row when one of
    its assignment rows agrees with it, else the first of its most common assignment rows."""
    versions = Counter(_shared(record) for record, _where in rows)
    if listed is not None and _shared(listed[0]) in versions:
        return listed
    most = max(versions.values())
    record, where_text = next((r, w) for r, w in rows if versions[_shared(r)] == most)
    track = listed[0]["track"] if listed is not None else ""
    defined = {"session_id": sid, "track": track, "size": ""}
    defined.update({c: record[c] for c in SHARED_COLUMNS})
    return {c: defined[c] for c in SESSION_COLUMNS}, where_text


def _define_sessions(
    week: Week, assigned: dict[str, list[tuple[dict[str, str], str]]], findings: Findings
) -> None:
    """Every session assignments.csv names, sessions.csv's order first, new ones after."""
    order = [sid for sid in week.listed if sid in assigned]
    order += [sid for sid in assigned if sid not in week.listed]
    s = week.scenario
    for sid in order:
        listed = week.listed.get(sid)
        record, where_text = _definition(sid, listed, assigned[sid])
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
        week.sessions[sid] = Session(
            session_id=sid,
            where_text=where_text,
            type_id=type_id,
            track=listed[0]["track"] if listed is not None else "",
            at=at,
            therapist=therapist,
            therapist_id=record["therapist_id"],
            room=room,
            room_id=record["room_id"],
            record=record,
        )


def _staff_of(
    week: Week, record: dict[str, str], where_text: str, findings: Findings
) -> tuple[Therapist | None, Room | None]:
    """The therapist and room a session's record names (None when missing or unknown)."""
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
    if week.scenario.is_virtual(record["block"]):  # held by video: no room (rule 8)
        if record["room_id"]:
            findings.add(
                "virtual-room",
                (sid, record["room_id"]),
                f"session of virtual block {record['block']} names a room ({where_text}).",
            )
        return therapist, None
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


def _read_assignment_rows(week: Week, findings: Findings) -> list[tuple[dict[str, str], str]]:
    """assignments.csv rows and where they are, a repeated client and session left out."""
    table = "assignments.csv"
    seen: dict[tuple[str, str], str] = {}
    out: list[tuple[dict[str, str], str]] = []
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
        out.append((record, where_text))
    return out


def _attend(week: Week, rows: list[tuple[dict[str, str], str]], findings: Findings) -> None:
    """Each assignment row: the client joins the session; rows that disagree with their
    session's definition are ``session-mismatch``; a row without a session_id is judged by
    its own columns."""
    for record, where_text in rows:
        cid, sid = record["client_id"], record["session_id"]
        session = week.sessions.get(sid)
        if session is None:
            findings.add(
                "session-id-missing",
                (cid,),
                f"assignment has no session_id ({where_text}).",
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
