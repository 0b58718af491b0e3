"""Therapist and room time (SPEC §3 rules 7 and 8): hours, busy windows, double bookings
and the daily and weekly session caps."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from ..scenario import Room, Therapist
from ..windows import DAY_NAMES
from .read import Session, Week, overlapping_pairs
from .report import Findings
from .semantics import away_on, busy_conflict, span, within


def check_staff(week: Week, findings: Findings) -> None:
    """Every therapist's and room's sessions against their hours, away dates, caps and
    each other."""
    by_therapist: dict[str, list[Session]] = defaultdict(list)
    by_room: dict[str, list[Session]] = defaultdict(list)
    for session in week.sessions.values():
        if session.therapist is not None:
            by_therapist[session.therapist_id].append(session)
        if session.room is not None:
            by_room[session.room_id].append(session)
    for tid, sessions in by_therapist.items():
        _check_therapist(week.therapists[tid], sessions, findings, week.scenario.week_start)
    for rid, sessions in by_room.items():
        _check_room(week.rooms[rid], sessions, findings)


def _check_therapist(
    therapist: Therapist, sessions: list[Session], findings: Findings, week_start: dt.date
) -> None:
    tid = therapist.therapist_id
    for session in sessions:
        at = session.at
        if not at.timed:
            continue
        assert at.day_idx is not None and at.start is not None and at.end is not None
        date = week_start + dt.timedelta(days=at.day_idx)
        if away_on(therapist.away, date):
            findings.add(
                "therapist-availability",
                (session.session_id, tid),
                f"{at.label()} is on {date}, when the therapist is away ({session.where_text}).",
            )
        if not within(therapist.available, at.day_idx, at.start, at.end):
            findings.add(
                "therapist-availability",
                (session.session_id, tid),
                f"{at.label()} is outside the therapist's hours ({session.where_text}).",
            )
        busy = busy_conflict(therapist.busy, at.day_idx, at.start, at.end, 0)
        if busy is not None:
            findings.add(
                "therapist-availability",
                (session.session_id, tid),
                f"{at.label()} overlaps the therapist's busy window {span(*busy)} "
                f"({session.where_text}).",
            )
    _check_overlaps("therapist-overlap", tid, "therapist", sessions, findings)
    per_day = Counter(s.at.day_idx for s in sessions if s.at.day_idx is not None)
    cap = therapist.max_sessions_per_day
    if cap is not None:
        for day_idx, count in sorted(per_day.items()):
            if count > cap:
                findings.add(
                    "therapist-daily-cap",
                    (tid,),
                    f"therapist has {count} sessions on {DAY_NAMES[day_idx]}, limit {cap}.",
                )
    cap = therapist.max_sessions_per_week
    if cap is not None and len(sessions) > cap:
        findings.add(
            "therapist-weekly-cap",
            (tid,),
            f"therapist has {len(sessions)} sessions this week, limit {cap}.",
        )


def _check_room(room: Room, sessions: list[Session], findings: Findings) -> None:
    rid = room.room_id
    for session in sessions:
        at = session.at
        if not at.timed:
            continue
        assert at.day_idx is not None and at.start is not None and at.end is not None
        if not within(room.available, at.day_idx, at.start, at.end):
            findings.add(
                "room-availability",
                (session.session_id, rid),
                f"{at.label()} is outside the room's availability ({session.where_text}).",
            )
    _check_overlaps("room-overlap", rid, "room", sessions, findings)


def _check_overlaps(
    rule: str, owner: str, noun: str, sessions: list[Session], findings: Findings
) -> None:
    for first, second in overlapping_pairs(sessions):
        findings.add(
            rule,
            (owner, first.session_id, second.session_id),
            f"{noun} is in two overlapping sessions, {first.at.label()} and "
            f"{second.at.label()} ({first.where_text}, {second.where_text}).",
        )
