"""The independent rule checker: does a schedule folder keep every rule of SPEC §3?

This module shares nothing with :mod:`optimizer.model`, :mod:`optimizer.solve` or
:mod:`optimizer.reasons`, and it re-derives every rule from the scenario data and the CSV
rows itself (merged windows, commute gaps, proration of partial weeks, ...), so that a bug
in the model cannot hide itself. It judges hand-edited folders too: a malformed row is a
violation, never a crash (only an unreadable file is :func:`read_schedule`'s
``ScheduleReadError``).

Which data wins: a session's day, block, slot, therapist and room come from its
``sessions.csv`` row; an ``assignments.csv`` row that disagrees is a ``session-mismatch``.
An assignment whose session is missing from ``sessions.csv`` is judged by its own columns.

Rule codes (stable; every violation has severity ``error`` unless marked *warning*):

Malformed rows
    ``unknown-client``        a client id that is not in the scenario
    ``unknown-session``       an assignment whose session_id is not in sessions.csv
    ``unknown-therapist``     a therapist id that is not in the scenario
    ``therapist-missing``     a session without a therapist_id (rule 7: exactly one)
    ``unknown-room``          a room id that is not in the scenario
    ``unknown-session-type``  a session type that is not in the scenario
    ``unknown-day``           a day that is not a day name or not an operating day
    ``bad-date``              a date that is not week_start plus the day's offset
    ``unknown-block``         a block that is not in the scenario
    ``bad-time``              start/end that are not the times of one slot of the block
    ``bad-size``              a size that is not a non-negative integer
    ``session-id-missing``    a sessions.csv row without a session_id
    ``duplicate-session``     a session_id used by two rows of sessions.csv
    ``duplicate-assignment``  the same client twice in one session
    ``duplicate-unscheduled`` a client listed twice in unscheduled.csv
    ``unscheduled-reason``    an unscheduled.csv row without a reason
    ``session-mismatch``      an assignment row whose session columns differ from its session
    ``session-size``          a size column that differs from the number of assigned clients
    ``session-track``         a group session whose track column is not its clients' track,
                              or an individual session with a track
    ``session-empty``         a session without clients

SPEC §3
    ``plan-days``             rule 1: days attended outside [min_days, max_days] (prorated)
    ``client-block``          rule 2: two blocks in a day, a slot of an attended block
                              without a session, or two sessions in one slot
    ``session-count``         rule 3: weekly count of a type below the minimum or above the
                              maximum (individual-kind types: exactly the minimum unless
                              ``max_sessions`` allows more; group types: no maximum unless
                              ``max_sessions``)
    ``availability``          rule 4: the client cannot attend that block that day (windows,
                              commute, admit/discharge, closed dates, operating days)
    ``group-size``            rule 5: a group outside [min_size, max_size]
    ``track-mix``             rule 5: a group mixing tracks
    ``avoid-pair``            rule 5: a group holding two clients who avoid each other
    ``therapist-track``       rule 5: a group led by a therapist not serving its track
    ``individual-size``       rule 6: an individual session with more than one client
                              (one without clients is ``session-empty``)
    ``primary-therapist``     rule 6: an individual session not with the primary therapist
    ``language``              rule 6: an individual session with a therapist who does not
                              speak the client's language
    ``therapist-skill``       rule 7: a therapist without the session type in ``skills``
    ``therapist-availability`` rule 7: a session outside the therapist's hours or in a busy window
    ``therapist-overlap``     rule 7: a therapist in two sessions overlapping in clock time
    ``therapist-daily-cap``   rule 7: more sessions in a day than max_sessions_per_day
    ``therapist-weekly-cap``  rule 7: more sessions in the week than max_sessions_per_week
    ``room-missing``          rule 8: the scenario has rooms but a session has no room
    ``room-unexpected``       the scenario has no rooms but a session names one
    ``room-serves``           rule 8: a room that does not serve the session type
    ``room-capacity``         rule 8: more clients than the room holds
    ``room-availability``     rule 8: a session outside the room's availability
    ``room-overlap``          rule 8: a room hosting two sessions overlapping in clock time
    ``client-overlap``        rule 9: a client in two sessions overlapping in clock time
                              (outside the same slot of one block, which is ``client-block``)
    ``unscheduled-partial``   a client listed in unscheduled.csv who also has sessions
    ``client-missing``        a client with neither sessions nor an unscheduled.csv row

Pins (``pins.csv``; hard, see :mod:`optimizer.pins`)
    ``pin``                   a pin not kept (client pins bind scheduled clients only)

summary.json (*warnings*; a missing summary.json is fine)
    ``summary-field``         a required field is missing
    ``summary-status``        status is not OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN
    ``summary-objective``     objective is not the sum of priorities of scheduled clients,
                              or best_bound is below it
    ``summary-counts``        scheduled_clients / unscheduled_clients differ from the files

Windows are half-open ``[start, end)`` in minutes after midnight; days are indices 0 = Mon.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import pandas as pd

from .io.schedule import SCHEDULE_COLUMNS, Schedule
from .scenario import Client, Pin, Room, Scenario, Therapist, date_problem
from .windows import DAY_NAMES, Window, parse_time

RULES: dict[str, str] = {
    # malformed rows
    "unknown-client": "client id not in the scenario",
    "unknown-session": "assignment refers to a session missing from sessions.csv",
    "unknown-therapist": "therapist id not in the scenario",
    "therapist-missing": "session without a therapist",
    "unknown-room": "room id not in the scenario",
    "unknown-session-type": "session type not in the scenario",
    "unknown-day": "not an operating day",
    "bad-date": "date does not match the day",
    "unknown-block": "block not in the scenario",
    "bad-time": "start/end are not a slot of the block",
    "bad-size": "size is not a whole number",
    "session-id-missing": "session row without a session_id",
    "duplicate-session": "session id used twice",
    "duplicate-assignment": "client twice in one session",
    "duplicate-unscheduled": "client listed twice as unscheduled",
    "unscheduled-reason": "unscheduled client without a reason",
    "session-mismatch": "assignment row disagrees with its session row",
    "session-size": "size column differs from the assigned clients",
    "session-track": "track column differs from the clients' track",
    "session-empty": "session without clients",
    # SPEC §3
    "plan-days": "rule 1: days per week",
    "client-block": "rule 2: one full block per attended day",
    "session-count": "rule 3: weekly sessions per type",
    "availability": "rule 4: client can attend the block that day",
    "group-size": "rule 5: group size",
    "track-mix": "rule 5: group mixes tracks",
    "avoid-pair": "rule 5: clients who avoid each other share a group",
    "therapist-track": "rule 5: therapist does not lead this track",
    "individual-size": "rule 6: individual session with several clients",
    "primary-therapist": "rule 6: not with the primary therapist",
    "language": "rule 6: therapist does not speak the client's language",
    "therapist-skill": "rule 7: therapist lacks the skill",
    "therapist-availability": "rule 7: therapist not available",
    "therapist-overlap": "rule 7: therapist double-booked",
    "therapist-daily-cap": "rule 7: therapist over the daily limit",
    "therapist-weekly-cap": "rule 7: therapist over the weekly limit",
    "room-missing": "rule 8: session without a room",
    "room-unexpected": "room given but the scenario has no rooms",
    "room-serves": "rule 8: room does not serve the session type",
    "room-capacity": "rule 8: room too small",
    "room-availability": "rule 8: room not available",
    "room-overlap": "rule 8: room double-booked",
    "client-overlap": "rule 9: client double-booked",
    "unscheduled-partial": "client both unscheduled and scheduled",
    "client-missing": "client neither scheduled nor unscheduled",
    "pin": "a pin (pins.csv) is not kept",
    # summary.json
    "summary-field": "summary.json lacks a field",
    "summary-status": "summary.json status unknown",
    "summary-objective": "summary.json objective disagrees with the files",
    "summary-counts": "summary.json counts disagree with the files",
}

SUMMARY_STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
SUMMARY_FIELDS = (
    "status",
    "objective",
    "best_bound",
    "scheduled_clients",
    "unscheduled_clients",
    "solve_seconds",
    "interrupted",
)
_SESSION_COLUMNS = tuple(SCHEDULE_COLUMNS["sessions.csv"])
_ASSIGNMENT_COLUMNS = tuple(SCHEDULE_COLUMNS["assignments.csv"])
_SHARED_COLUMNS = (
    "session_type",
    "day",
    "date",
    "block",
    "start",
    "end",
    "therapist_id",
    "room_id",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable ``rule`` code, the ids involved and a one-sentence message.

    Messages carry ids only, never client names. ``severity`` is ``"error"`` for a broken
    SPEC §3 rule or a malformed row, ``"warning"`` for a summary.json disagreement.
    """

    rule: str
    ids: tuple[str, ...]
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        who = f" {', '.join(self.ids)}:" if self.ids else ""
        return f"[{self.rule}]{who} {self.message}"


class CheckReport(list[Violation]):
    """The violations of one check, plus the counts the verdict line reports."""

    def __init__(
        self, violations: Iterable[Violation] = (), scheduled_clients: int = 0, sessions: int = 0
    ) -> None:
        super().__init__(violations)
        self.scheduled_clients = scheduled_clients
        self.sessions = sessions


# ---------------------------------------------------------------------------------------
# Plain re-derivations of the SPEC §2 semantics (deliberately not shared with the model)


def _day_windows(windows: Iterable[Window], day_idx: int) -> list[list[int]]:
    """One day's windows merged: sorted, touching or overlapping ones joined (minutes)."""
    spans = sorted((start, end) for day, start, end in windows if day == day_idx)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _within(available: Sequence[Window], day_idx: int, start: int, end: int) -> bool:
    """``[start, end)`` lies inside one merged available window of the day (empty = any)."""
    if not available:
        return True
    return any(lo <= start and end <= hi for lo, hi in _day_windows(available, day_idx))


def _busy_conflict(
    busy: Sequence[Window], day_idx: int, start: int, end: int, gap: int
) -> tuple[int, int] | None:
    """The first busy window of the day closer than ``gap`` minutes to ``[start, end)``."""
    for day, busy_start, busy_end in sorted(busy):
        if day == day_idx and busy_start - gap < end and start < busy_end + gap:
            return busy_start, busy_end
    return None


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span(start: int, end: int) -> str:
    return f"{_hhmm(start)}-{_hhmm(end)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class _Need:
    """A client's weekly requirement after proration (SPEC §2), derived here."""

    min_days: int
    max_days: int
    minimum: dict[str, int]
    maximum: dict[str, int | None]
    prorated: bool


def _need(scenario: Scenario, client: Client) -> _Need:
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
    return _Need(min_days, max_days, minimum, maximum, prorated)


def _languages(therapist: Therapist) -> set[str]:
    spoken = {lang.strip().lower() for lang in therapist.languages if lang.strip()}
    return spoken or {"en"}


# ---------------------------------------------------------------------------------------
# Parsed rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _records(frame: pd.DataFrame | None, columns: Sequence[str]) -> list[dict[str, str]]:
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
class _Where:
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

    def overlaps(self, other: _Where) -> bool:
        assert self.start is not None and self.end is not None
        assert other.start is not None and other.end is not None
        return self.day_idx == other.day_idx and self.start < other.end and other.start < self.end

    def label(self) -> str:
        """``Mon AM 09:00-09:50`` (``?`` for what the row does not say)."""
        day = DAY_NAMES[self.day_idx] if self.day_idx is not None else "?"
        text = f"{day} {self.block or '?'}"
        if self.start is not None and self.end is not None:
            text += f" {_span(self.start, self.end)}"
        return text


@dataclass
class _Session:
    session_id: str
    where_text: str
    type_id: str | None
    track: str
    at: _Where
    therapist: Therapist | None
    therapist_id: str
    room: Room | None
    room_id: str
    size: int | None
    record: dict[str, str]
    members: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Attendance:
    client_id: str
    session_id: str
    type_id: str | None
    at: _Where
    where_text: str


# ---------------------------------------------------------------------------------------
# The checker


class _Checker:
    """Runs every rule family in one ordered list; collects violations."""

    def __init__(self, scenario: Scenario, schedule: Schedule) -> None:
        self.s = scenario
        self.schedule = schedule
        self.out: list[Violation] = []
        self.clients = {c.client_id: c for c in scenario.clients}
        self.therapists = {t.therapist_id: t for t in scenario.therapists}
        self.rooms = {r.room_id: r for r in scenario.rooms or ()}
        self.operating = {DAY_NAMES.index(day) for day in scenario.days}
        self.closed = set(scenario.closed_dates)
        self.sessions: dict[str, _Session] = {}
        self.attendances: dict[str, list[_Attendance]] = defaultdict(list)
        self.unscheduled: dict[str, str] = {}

    # ---- helpers ------------------------------------------------------------------

    def add(self, rule: str, ids: Iterable[str], message: str, severity: str = "error") -> None:
        self.out.append(Violation(rule, tuple(i for i in ids if i), message, severity))

    def row_label(self, table: str, idx: int) -> str:
        rows = self.schedule.rows.get(table) if self.schedule.rows else None
        number = rows[idx] if rows is not None and idx < len(rows) else idx + 2
        return f"{table} row {number}"

    def parse_where(
        self, record: dict[str, str], where_text: str, ids: tuple[str, ...], report: bool
    ) -> _Where:
        """Day, date, block, slot and times of a row; malformed parts reported when asked."""
        at = _Where()
        day_text = record["day"]
        lowered = {name.lower(): idx for idx, name in enumerate(DAY_NAMES)}
        if day_text.lower() in lowered:
            at.day_idx = lowered[day_text.lower()]
            if report and at.day_idx not in self.operating:
                self.add("unknown-day", ids, f"{day_text} is not an operating day ({where_text}).")
        elif report:
            self.add("unknown-day", ids, f"day '{day_text}' is not a day name ({where_text}).")
        try:
            at.date = dt.date.fromisoformat(record["date"])
        except ValueError:
            if report:
                problem, fix = date_problem(record["date"])
                self.add("bad-date", ids, f"{problem} ({where_text}); {fix}.")
        if report and at.date is not None and at.day_idx is not None:
            expected = self.s.week_start + dt.timedelta(days=at.day_idx)
            if at.date != expected:
                self.add(
                    "bad-date",
                    ids,
                    f"date {at.date} is not {DAY_NAMES[at.day_idx]} of this week, which is "
                    f"{expected} ({where_text}).",
                )
        block = record["block"]
        if block in self.s.blocks:
            at.block = block
        elif report:
            self.add(
                "unknown-block", ids, f"block '{block}' is not in the scenario ({where_text})."
            )
        try:
            at.start, at.end = parse_time(record["start"]), parse_time(record["end"])
        except ValueError:
            at.start = at.end = None
            if report:
                self.add(
                    "bad-time",
                    ids,
                    f"start '{record['start']}' / end '{record['end']}' are not HH:MM times "
                    f"({where_text}).",
                )
        if at.block is not None and at.start is not None and at.end is not None:
            slots = list(self.s.blocks[at.block])
            if (at.start, at.end) in slots:
                at.slot_idx = slots.index((at.start, at.end))
            elif report:
                listed = ", ".join(_span(a, b) for a, b in slots)
                self.add(
                    "bad-time",
                    ids,
                    f"{record['start']}-{record['end']} is not a slot of block {at.block} "
                    f"({listed}) ({where_text}).",
                )
        return at

    # ---- reading the rows ------------------------------------------------------------

    def read_sessions(self) -> None:
        table = "sessions.csv"
        for idx, record in enumerate(_records(self.schedule.sessions, _SESSION_COLUMNS)):
            where_text = self.row_label(table, idx)
            sid = record["session_id"]
            if not sid:
                self.add("session-id-missing", (), f"session has no session_id ({where_text}).")
                continue
            if sid in self.sessions:
                self.add(
                    "duplicate-session",
                    (sid,),
                    f"session id is used again ({where_text}; first at "
                    f"{self.sessions[sid].where_text}).",
                )
                continue
            ids = (sid,)
            type_id: str | None = record["session_type"]
            if type_id not in self.s.session_types:
                self.add(
                    "unknown-session-type",
                    ids,
                    f"session type '{type_id}' is not in the scenario ({where_text}).",
                )
                type_id = None
            at = self.parse_where(record, where_text, ids, report=True)
            therapist = self.therapists.get(record["therapist_id"])
            if not record["therapist_id"]:
                self.add("therapist-missing", ids, f"session has no therapist ({where_text}).")
            elif therapist is None:
                self.add(
                    "unknown-therapist",
                    (sid, record["therapist_id"]),
                    f"therapist is not in the scenario ({where_text}).",
                )
            room = self.rooms.get(record["room_id"])
            if self.s.rooms is None:
                if record["room_id"]:
                    self.add(
                        "room-unexpected",
                        (sid, record["room_id"]),
                        f"session names a room but the scenario has no rooms ({where_text}).",
                    )
            elif not record["room_id"]:
                self.add("room-missing", ids, f"session has no room ({where_text}).")
            elif room is None:
                self.add(
                    "unknown-room",
                    (sid, record["room_id"]),
                    f"room is not in the scenario ({where_text}).",
                )
            size: int | None = None
            try:
                size = int(record["size"])
                if size < 0:
                    raise ValueError
            except ValueError:
                size = None
                self.add(
                    "bad-size",
                    ids,
                    f"size '{record['size']}' is not a whole number ({where_text}).",
                )
            self.sessions[sid] = _Session(
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

    def read_assignments(self) -> None:
        table = "assignments.csv"
        seen: dict[tuple[str, str], str] = {}
        for idx, record in enumerate(_records(self.schedule.assignments, _ASSIGNMENT_COLUMNS)):
            where_text = self.row_label(table, idx)
            cid, sid = record["client_id"], record["session_id"]
            if (cid, sid) in seen:
                self.add(
                    "duplicate-assignment",
                    (cid, sid),
                    f"client is assigned to this session again ({where_text}; first at "
                    f"{seen[(cid, sid)]}).",
                )
                continue
            seen[(cid, sid)] = where_text
            session = self.sessions.get(sid)
            if session is None:
                self.add(
                    "unknown-session",
                    (cid, sid),
                    f"session '{sid}' is not in sessions.csv ({where_text}).",
                )
            else:
                session.members.append(cid)
                differ = [c for c in _SHARED_COLUMNS if record[c] != session.record[c]]
                if differ:
                    detail = ", ".join(
                        f"{c} '{record[c]}' vs '{session.record[c]}'" for c in differ
                    )
                    self.add(
                        "session-mismatch",
                        (cid, sid),
                        f"assignment disagrees with its session: {detail} ({where_text} vs "
                        f"{session.where_text}).",
                    )
            if cid not in self.clients:
                self.add(
                    "unknown-client",
                    (cid, sid),
                    f"client '{cid}' is not in the scenario ({where_text})."
                    if cid
                    else f"row has no client_id ({where_text}).",
                )
                continue
            if session is not None:
                attendance = _Attendance(cid, sid, session.type_id, session.at, where_text)
            else:
                type_id = record["session_type"]
                at = self.parse_where(record, where_text, (cid, sid), report=False)
                attendance = _Attendance(
                    cid, sid, type_id if type_id in self.s.session_types else None, at, where_text
                )
            self.attendances[cid].append(attendance)

    def read_unscheduled(self) -> None:
        table = "unscheduled.csv"
        for idx, record in enumerate(_records(self.schedule.unscheduled, ("client_id", "reason"))):
            where_text = self.row_label(table, idx)
            cid = record["client_id"]
            if cid not in self.clients:
                self.add(
                    "unknown-client",
                    (cid,),
                    f"client '{cid}' is not in the scenario ({where_text}).",
                )
                continue
            if cid in self.unscheduled:
                self.add(
                    "duplicate-unscheduled",
                    (cid,),
                    f"client is listed again ({where_text}; first at {self.unscheduled[cid]}).",
                )
                continue
            self.unscheduled[cid] = where_text
            if not record["reason"]:
                self.add("unscheduled-reason", (cid,), f"no reason is given ({where_text}).")

    # ---- sessions (rules 5 to 8) ---------------------------------------------------

    def check_sessions(self) -> None:
        for session in self.sessions.values():
            self.check_one_session(session)
        self.check_staff_time()

    def check_one_session(self, session: _Session) -> None:
        sid, where_text = session.session_id, session.where_text
        count = len(session.members)
        if session.size is not None and session.size != count:
            self.add(
                "session-size",
                (sid,),
                f"size column says {session.size} but {_plural(count, 'client')} are assigned "
                f"({where_text}).",
            )
        if count == 0:
            self.add("session-empty", (sid,), f"session has no clients ({where_text}).")
        if session.type_id is None:
            return
        stype = self.s.session_types[session.type_id]
        members = sorted(
            (self.clients[c] for c in session.members if c in self.clients),
            key=lambda c: c.client_id,
        )
        therapist = session.therapist
        if stype.kind == "group":
            self.check_group(session, members)
        else:
            if count > 1:
                self.add(
                    "individual-size",
                    (sid, *sorted(session.members)),
                    f"individual session has {count} clients, exactly 1 allowed ({where_text}).",
                )
            if session.track:
                self.add(
                    "session-track",
                    (sid,),
                    f"individual session has track '{session.track}', expected empty "
                    f"({where_text}).",
                )
            for client in members:
                primary = client.primary_therapist
                if primary is not None and session.therapist_id != primary:
                    self.add(
                        "primary-therapist",
                        (sid, client.client_id, session.therapist_id),
                        f"individual session is with {session.therapist_id or 'no therapist'}, "
                        f"not the client's primary therapist {primary} ({where_text}).",
                    )
                if client.language and therapist is not None:
                    wanted = client.language.strip().lower()
                    if wanted not in _languages(therapist):
                        self.add(
                            "language",
                            (sid, client.client_id, therapist.therapist_id),
                            f"therapist does not speak the client's language '{wanted}' "
                            f"({where_text}).",
                        )
        if therapist is not None and session.type_id not in therapist.skills:
            self.add(
                "therapist-skill",
                (sid, therapist.therapist_id),
                f"{session.type_id} is not among the therapist's skills ({where_text}).",
            )
        room = session.room
        if room is not None:
            if room.serves and session.type_id not in room.serves:
                self.add(
                    "room-serves",
                    (sid, room.room_id),
                    f"room does not serve {session.type_id} ({where_text}).",
                )
            if count > room.capacity:
                self.add(
                    "room-capacity",
                    (sid, room.room_id),
                    f"{count} clients in a room that holds {room.capacity} ({where_text}).",
                )

    def check_group(self, session: _Session, members: list[Client]) -> None:
        sid, where_text = session.session_id, session.where_text
        stype = self.s.session_types[session.type_id or ""]
        count = len(session.members)
        if count and (count < stype.min_size or (stype.max_size and count > stype.max_size)):
            self.add(
                "group-size",
                (sid,),
                f"group has {_plural(count, 'client')}, allowed {stype.min_size} to "
                f"{stype.max_size} ({where_text}).",
            )
        tracks = sorted({c.track for c in members})
        if len(tracks) > 1:
            by_track = "; ".join(
                f"{t}: {', '.join(c.client_id for c in members if c.track == t)}" for t in tracks
            )
            self.add(
                "track-mix",
                (sid, *(c.client_id for c in members)),
                f"group mixes tracks ({by_track}) ({where_text}).",
            )
        if len(tracks) == 1 and session.track != tracks[0]:
            self.add(
                "session-track",
                (sid,),
                f"track column says '{session.track}' but the clients' track is {tracks[0]} "
                f"({where_text}).",
            )
        for idx, first in enumerate(members):
            for second in members[idx + 1 :]:
                if second.client_id in first.avoid or first.client_id in second.avoid:
                    self.add(
                        "avoid-pair",
                        (sid, first.client_id, second.client_id),
                        f"clients who must not share a group are together ({where_text}).",
                    )
        therapist = session.therapist
        if therapist is not None and therapist.tracks:
            led = tracks or ([session.track] if session.track else [])
            for track in led:
                if track not in therapist.tracks:
                    self.add(
                        "therapist-track",
                        (sid, therapist.therapist_id),
                        f"therapist does not lead {track} groups (tracks "
                        f"{';'.join(therapist.tracks)}) ({where_text}).",
                    )

    def check_staff_time(self) -> None:
        by_therapist: dict[str, list[_Session]] = defaultdict(list)
        by_room: dict[str, list[_Session]] = defaultdict(list)
        for session in self.sessions.values():
            if session.therapist is not None:
                by_therapist[session.therapist_id].append(session)
            if session.room is not None:
                by_room[session.room_id].append(session)

        for tid, sessions in by_therapist.items():
            therapist = self.therapists[tid]
            for session in sessions:
                at = session.at
                if not at.timed:
                    continue
                assert at.day_idx is not None and at.start is not None and at.end is not None
                if not _within(therapist.available, at.day_idx, at.start, at.end):
                    self.add(
                        "therapist-availability",
                        (session.session_id, tid),
                        f"{at.label()} is outside the therapist's hours ({session.where_text}).",
                    )
                busy = _busy_conflict(therapist.busy, at.day_idx, at.start, at.end, 0)
                if busy is not None:
                    self.add(
                        "therapist-availability",
                        (session.session_id, tid),
                        f"{at.label()} overlaps the therapist's busy window {_span(*busy)} "
                        f"({session.where_text}).",
                    )
            self.check_overlaps("therapist-overlap", tid, "therapist", sessions)
            per_day = Counter(s.at.day_idx for s in sessions if s.at.day_idx is not None)
            cap = therapist.max_sessions_per_day
            if cap is not None:
                for day_idx, count in sorted(per_day.items()):
                    if count > cap:
                        self.add(
                            "therapist-daily-cap",
                            (tid,),
                            f"therapist has {count} sessions on {DAY_NAMES[day_idx]}, limit {cap}.",
                        )
            cap = therapist.max_sessions_per_week
            if cap is not None and len(sessions) > cap:
                self.add(
                    "therapist-weekly-cap",
                    (tid,),
                    f"therapist has {len(sessions)} sessions this week, limit {cap}.",
                )

        for rid, sessions in by_room.items():
            room = self.rooms[rid]
            for session in sessions:
                at = session.at
                if not at.timed:
                    continue
                assert at.day_idx is not None and at.start is not None and at.end is not None
                if not _within(room.available, at.day_idx, at.start, at.end):
                    self.add(
                        "room-availability",
                        (session.session_id, rid),
                        f"{at.label()} is outside the room's availability ({session.where_text}).",
                    )
            self.check_overlaps("room-overlap", rid, "room", sessions)

    def check_overlaps(self, rule: str, owner: str, noun: str, sessions: list[_Session]) -> None:
        timed = sorted(
            (s for s in sessions if s.at.timed),
            key=lambda s: (s.at.day_idx, s.at.start, s.session_id),
        )
        for idx, first in enumerate(timed):
            for second in timed[idx + 1 :]:
                if second.at.day_idx != first.at.day_idx:
                    break
                if first.at.overlaps(second.at):
                    self.add(
                        rule,
                        (owner, first.session_id, second.session_id),
                        f"{noun} is in two overlapping sessions, {first.at.label()} and "
                        f"{second.at.label()} ({first.where_text}, {second.where_text}).",
                    )

    # ---- clients (rules 1 to 4 and 9) ------------------------------------------------

    def check_clients(self) -> None:
        for client in self.s.clients:
            cid = client.client_id
            attended = self.attendances.get(cid, [])
            if not attended:
                if cid not in self.unscheduled:
                    self.add(
                        "client-missing",
                        (cid,),
                        "client has no session and is not listed in unscheduled.csv.",
                    )
                continue
            if cid in self.unscheduled:
                self.add(
                    "unscheduled-partial",
                    (cid,),
                    f"client is listed as unscheduled ({self.unscheduled[cid]}) but has "
                    f"{_plural(len(attended), 'session')}.",
                )
            self.check_client(client, attended)

    def check_client(self, client: Client, attended: list[_Attendance]) -> None:
        cid = client.client_id
        need = _need(self.s, client)

        days = sorted({a.at.day_idx for a in attended if a.at.day_idx is not None})
        if not need.min_days <= len(days) <= need.max_days:
            if need.max_days == 0:
                wanted = "none (the client is not in the program on any open day this week)"
            elif need.min_days == need.max_days:
                wanted = str(need.min_days)
            else:
                wanted = f"{need.min_days} to {need.max_days}"
            note = " after proration for a partial week" if need.prorated and need.max_days else ""
            self.add(
                "plan-days",
                (cid,),
                f"client attends {_plural(len(days), 'day')} "
                f"({', '.join(DAY_NAMES[d] for d in days)}), plan {client.plan} asks {wanted}"
                f"{note}.",
            )

        counts = Counter(a.type_id for a in attended if a.type_id is not None)
        for type_id in self.s.session_types:
            have, least, most = counts[type_id], need.minimum[type_id], need.maximum[type_id]
            if have < least:
                self.add(
                    "session-count",
                    (cid,),
                    f"client has {_plural(have, type_id + ' session')}, the plan asks at least "
                    f"{least}.",
                )
            elif most is not None and have > most:
                self.add(
                    "session-count",
                    (cid,),
                    f"client has {_plural(have, type_id + ' session')}, the plan allows at most "
                    f"{most}.",
                )

        self.check_client_blocks(client, attended)
        self.check_client_overlaps(cid, attended)

    def check_client_blocks(self, client: Client, attended: list[_Attendance]) -> None:
        """Rules 2 and 4: one block a day, every slot of it exactly once, attendable."""
        cid = client.client_id
        by_day: dict[int, list[_Attendance]] = defaultdict(list)
        for a in attended:
            if a.at.day_idx is not None:
                by_day[a.at.day_idx].append(a)
        for day_idx, items in sorted(by_day.items()):
            day = DAY_NAMES[day_idx]
            blocks = sorted({a.at.block for a in items if a.at.block is not None})
            if len(blocks) > 1:
                self.add(
                    "client-block",
                    (cid,),
                    f"client attends {len(blocks)} blocks on {day} ({', '.join(blocks)}), "
                    "at most one allowed.",
                )
            for block in blocks:
                slots = self.s.blocks[block]
                in_block = [a for a in items if a.at.block == block]
                per_slot: dict[int, list[_Attendance]] = defaultdict(list)
                for a in in_block:
                    if a.at.slot_idx is not None:
                        per_slot[a.at.slot_idx].append(a)
                for slot_idx, slot in enumerate(slots):
                    taken = per_slot.get(slot_idx, [])
                    if not taken:
                        self.add(
                            "client-block",
                            (cid,),
                            f"client attends {block} on {day} but has no session in slot "
                            f"{slot_idx + 1} ({_span(*slot)}).",
                        )
                    elif len(taken) > 1:
                        self.add(
                            "client-block",
                            (cid, *(a.session_id for a in taken)),
                            f"client has {len(taken)} sessions in slot {slot_idx + 1} of "
                            f"{block} on {day} ({', '.join(a.where_text for a in taken)}).",
                        )
                self.check_availability(client, day_idx, block)

    def check_availability(self, client: Client, day_idx: int, block: str) -> None:
        """Rule 4 for one attended (day, block); every reason it fails is reported."""
        cid, day = client.client_id, DAY_NAMES[day_idx]
        date = self.s.week_start + dt.timedelta(days=day_idx)
        slots = self.s.blocks[block]
        start, end = slots[0][0], slots[-1][1]
        problems = []
        if day_idx not in self.operating:
            problems.append(f"{day} is not an operating day")
        elif date in self.closed:
            problems.append(f"{date} is a closed date")
        if client.admit_date is not None and date < client.admit_date:
            problems.append(f"the client is admitted on {client.admit_date}")
        if client.discharge_date is not None and date > client.discharge_date:
            problems.append(f"the client is discharged on {client.discharge_date}")
        if not _within(client.available, day_idx, start, end):
            problems.append(f"block {block} ({_span(start, end)}) is outside the client's hours")
        gap = self.s.rules.commute_minutes
        busy = _busy_conflict(client.busy, day_idx, start, end, gap)
        if busy is not None:
            problems.append(
                f"block {block} ({_span(start, end)}) is within {gap} minutes of the client's "
                f"busy window {_span(*busy)}"
                if gap
                else f"block {block} ({_span(start, end)}) overlaps the client's busy window "
                f"{_span(*busy)}"
            )
        for problem in problems:
            self.add("availability", (cid,), f"client cannot attend {block} on {day}: {problem}.")

    def check_client_overlaps(self, cid: str, attended: list[_Attendance]) -> None:
        timed = sorted(
            (a for a in attended if a.at.timed),
            key=lambda a: (a.at.day_idx, a.at.start, a.session_id),
        )
        for idx, first in enumerate(timed):
            for second in timed[idx + 1 :]:
                if second.at.day_idx != first.at.day_idx:
                    break
                same_slot = (
                    first.at.block is not None
                    and first.at.slot_idx is not None
                    and (first.at.block, first.at.slot_idx) == (second.at.block, second.at.slot_idx)
                )
                if not same_slot and first.at.overlaps(second.at):
                    self.add(
                        "client-overlap",
                        (cid, first.session_id, second.session_id),
                        f"client is in two overlapping sessions, {first.at.label()} and "
                        f"{second.at.label()} ({first.where_text}, {second.where_text}).",
                    )

    # ---- pins ---------------------------------------------------------------------------

    def check_pins(self) -> None:
        for number, pin in enumerate(self.s.pins, start=1):
            self.check_pin(number, pin)

    def check_pin(self, number: int, pin: Pin) -> None:
        """A pin holds: client pins when the client is scheduled, group pins always."""
        day_idx = DAY_NAMES.index(pin.day) if pin.day else None
        start = None
        if pin.block in self.s.blocks:
            if pin.start:
                start = parse_time(pin.start)
            elif pin.slot and pin.slot <= len(self.s.blocks[pin.block]):
                start = self.s.blocks[pin.block][pin.slot - 1][0]

        def held(type_id: str | None, at: _Where, session: _Session | None) -> bool:
            return (
                type_id == pin.session_type
                and at.day_idx == day_idx
                and at.block == pin.block
                and at.start == start
                and pin.therapist_id in (None, session.therapist_id if session else None)
                and pin.room_id in (None, session.room_id if session else None)
            )

        if pin.kind == "group_session":
            kept = any(
                held(s.type_id, s.at, s) and pin.track in (None, s.track)
                for s in self.sessions.values()
            )
            ids: tuple[str, ...] = tuple(i for i in (pin.therapist_id, pin.room_id) if i)
        else:
            items = self.attendances.get(pin.client_id or "", [])
            if not items:
                return  # an unscheduled client: their pins bind nothing
            ids = (pin.client_id or "",)
            if pin.kind == "client_session":
                kept = any(held(a.type_id, a.at, self.sessions.get(a.session_id)) for a in items)
            elif pin.day is not None and pin.block is not None:
                kept = any(a.at.day_idx == day_idx and a.at.block == pin.block for a in items)
            elif pin.day is not None:
                kept = any(a.at.day_idx == day_idx for a in items)
            else:
                kept = all(a.at.block == pin.block for a in items)
        if not kept:
            what = ", ".join(
                f"{k} {v}" for k, v in pin.model_dump(exclude_none=True).items() if k != "kind"
            )
            self.add("pin", ids, f"pin {number} ({pin.kind}: {what}) is not kept.")

    # ---- summary.json (warnings) -----------------------------------------------------

    def check_summary(self) -> None:
        summary = self.schedule.summary
        if summary is None:
            return

        def warn(rule: str, message: str) -> None:
            self.add(rule, (), f"summary.json: {message}", severity="warning")

        for name in SUMMARY_FIELDS:
            if name not in summary:
                warn("summary-field", f"field '{name}' is missing.")
        status = summary.get("status")
        if "status" in summary and status not in SUMMARY_STATUSES:
            warn(
                "summary-status",
                f"status {status!r} is not one of {', '.join(SUMMARY_STATUSES)}.",
            )
        scheduled = {
            cid for cid, items in self.attendances.items() if items and cid in self.clients
        }
        served = sum(self.clients[cid].priority for cid in scheduled)
        objective = summary.get("objective")
        if "objective" in summary:
            if not _is_number(objective):
                warn("summary-objective", f"objective {objective!r} is not a number.")
            elif objective != served:
                warn(
                    "summary-objective",
                    f"objective {objective} differs from the priorities of the scheduled "
                    f"clients, {served}.",
                )
        bound = summary.get("best_bound")
        if _is_number(bound) and _is_number(objective) and bound < objective - 1e-6:
            warn("summary-objective", f"best_bound {bound} is below objective {objective}.")
        assigned = {r["client_id"] for r in _records(self.schedule.assignments, ("client_id",))}
        files = {
            "scheduled_clients": len(assigned - {""}),
            "unscheduled_clients": len(_records(self.schedule.unscheduled, ("client_id",))),
        }
        for name, actual in files.items():
            if name in summary and summary[name] != actual:
                warn(
                    "summary-counts",
                    f"{name} is {summary[name]!r} but the files hold {actual}.",
                )

    # ---- all together ------------------------------------------------------------------

    def run(self) -> CheckReport:
        self.read_sessions()
        self.read_assignments()
        self.read_unscheduled()
        self.check_sessions()
        self.check_clients()
        self.check_pins()
        self.check_summary()
        order = {rule: idx for idx, rule in enumerate(RULES)}
        ranked = sorted(
            enumerate(self.out),
            key=lambda item: (
                item[1].severity != "error",
                order.get(item[1].rule, len(order)),
                item[0],
            ),
        )
        return CheckReport(
            (v for _, v in ranked),
            scheduled_clients=sum(1 for cid in self.attendances if self.attendances[cid]),
            sessions=len(self.sessions),
        )


def _is_number(value: Any) -> TypeGuard[float]:
    """A JSON number (``true``/``false`` are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_schedule(scenario: Scenario, schedule: Schedule) -> list[Violation]:
    """Every broken rule of SPEC §3, malformed row and summary.json disagreement.

    Returns a :class:`CheckReport` (a list of :class:`Violation`, errors first, grouped by
    rule in the order of :data:`RULES`) that also carries the number of scheduled clients
    and of sessions for :func:`format_violations`. Never raises on malformed rows.
    """
    return _Checker(scenario, schedule).run()


def format_violations(violations: list[Violation]) -> str:
    """Violations grouped by rule, then a one-line verdict (``OK: ...`` or ``BROKEN: ...``)."""
    lines: list[str] = []
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_rule[violation.rule].append(violation)
    for rule, items in by_rule.items():
        kind = "warning" if all(v.severity == "warning" for v in items) else "error"
        lines.append(f"{rule} ({_plural(len(items), kind)}): {RULES.get(rule, rule)}")
        lines.extend(f"  {v}" for v in items)
    errors = [v for v in violations if v.severity == "error"]
    warnings = [v for v in violations if v.severity != "error"]
    tail = f"; {_plural(len(warnings), 'warning')} about summary.json" if warnings else ""
    if errors:
        rules = len({v.rule for v in errors})
        verdict = f"BROKEN: {_plural(len(errors), 'violation')} of {_plural(rules, 'rule')}{tail}"
    else:
        counts = ""
        if isinstance(violations, CheckReport):
            counts = (
                f" ({_plural(violations.scheduled_clients, 'client')} scheduled, "
                f"{_plural(violations.sessions, 'session')})"
            )
        verdict = f"OK: no rule is broken{counts}{tail}"
    if lines:
        lines.append("")
    lines.append(verdict)
    return "\n".join(lines)
