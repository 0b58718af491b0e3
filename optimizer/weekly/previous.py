"""Last week's schedule as input: who continues, what they had, and what changed.

Last week's folder (SPEC §5, hand-edited or not, read with :func:`read_schedule`) is matched
to this week by day names, never dates. Clients and therapists that this week's scenario
does not know (discharged clients, staff who left) are ignored with a warning that carries
ids only.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..io.schedule import Schedule
from ..scenario import Scenario
from ..schedule import Session, WeekSchedule, attendance, served
from ..terms import day_changes
from ..windows import DAY_NAMES, day_index, format_time

log = logging.getLogger(__name__)

CHANGES_COLUMNS = ["client_id", "what", "from", "to"]


@dataclass
class PreviousWeek:
    """Last week matched to this week's scenario.

    ``attendance``: per continuing client, day name -> block attended last week.
    ``tracks``: per continuing client, the track of last week's group sessions.
    ``schedule``: last week's sessions of known clients, therapists, types, days and slots,
    dated this week (a solution hint, never a constraint).
    """

    attendance: dict[str, dict[str, str]]
    tracks: dict[str, str] = field(default_factory=dict)
    schedule: WeekSchedule = field(default_factory=WeekSchedule)


def _day_name(text: str) -> str | None:
    lowered = {d.lower(): d for d in DAY_NAMES}
    return lowered.get(str(text).strip().lower()[:3])


def match_previous(scenario: Scenario, schedule: Schedule) -> PreviousWeek:
    """Match last week's schedule to this week's scenario (see the module docstring)."""
    s = scenario
    clients = {c.client_id for c in s.clients}
    therapists = {t.therapist_id for t in s.therapists}
    assignments = schedule.assignments.fillna("").astype(str)
    sessions = schedule.sessions.fillna("").astype(str)

    unknown_clients = sorted(set(assignments["client_id"]) - clients - {""})
    if unknown_clients:
        log.warning(
            "previous schedule: %d client(s) not in this week's scenario ignored: %s",
            len(unknown_clients),
            ", ".join(unknown_clients),
        )
    unknown_therapists = sorted(set(sessions["therapist_id"]) - therapists - {""})
    if unknown_therapists:
        log.warning(
            "previous schedule: sessions of therapist(s) not in this week's scenario ignored "
            "for the hint: %s",
            ", ".join(unknown_therapists),
        )

    known = assignments[assignments["client_id"].isin(clients)].copy()
    known["day"] = [_day_name(d) or "" for d in known["day"]]
    known = known[known["day"] != ""]
    previous_attendance = attendance(
        zip(known["client_id"], known["day"], known["block"], strict=True)
    )

    tracks: dict[str, str] = {}
    group_session_ids = set(
        sessions.loc[
            [
                t in s.session_types and s.session_types[t].is_group
                for t in sessions["session_type"]
            ],
            "session_id",
        ]
    )
    track_of_session = dict(zip(sessions["session_id"], sessions["track"], strict=True))
    for cid, sid in sorted(zip(known["client_id"], known["session_id"], strict=True)):
        if sid in group_session_ids and track_of_session.get(sid):
            tracks.setdefault(cid, track_of_session[sid])

    open_days = set(s.open_days())

    def usable(row: dict[str, Any]) -> bool:  # sessions at no slot: see WeekSchedule.from_rows
        return (
            row["day"] in open_days
            and row["session_type"] in s.session_types
            and row["therapist_id"] in therapists
        )

    hint_sessions: list[dict[str, Any]] = []
    for record in sessions.to_dict("records"):
        row = {str(key): value for key, value in record.items()}
        row["day"] = _day_name(row["day"]) or ""
        if usable(row):
            row["date"] = s.date_of(row["day"]).isoformat()
            hint_sessions.append(row)
    usable_ids = {row["session_id"] for row in hint_sessions}
    hint_assignments = [
        {str(key): value for key, value in row.items()}
        for row in known.to_dict("records")
        if row["session_id"] in usable_ids
    ]
    return PreviousWeek(
        attendance=previous_attendance,
        tracks=tracks,
        schedule=WeekSchedule.from_rows(s, hint_assignments, hint_sessions),
    )


def _described(session: Session, room: bool) -> str:
    """``Wed AM 09:00 group_therapy T1 R1``: a client's session in a changes.csv cell."""
    text = f"{session.day} {session.block} {format_time(session.start)} {session.session_type}"
    text += f" {session.therapist_id}"
    return f"{text} {session.room_id}" if room and session.room_id else text


def session_rows(
    scenario: Scenario, before: WeekSchedule, after: WeekSchedule, days: Iterable[str]
) -> list[tuple[str, str, str, str]]:
    """Per client and re-planned day (``days``) on which the client keeps the block, each
    session that changed: ``what`` names the changes, joined by ``+`` (``slot``: another
    slot of the block, ``therapist``, ``room``), or is ``session`` (a session of that type
    more or fewer that day; the empty side is ``from`` or ``to``). Compared per session
    type, in slot order."""
    wanted = set(days)
    room = scenario.rooms is not None

    def by_client_day(schedule: WeekSchedule) -> dict[tuple[str, str], list[Session]]:
        out: dict[tuple[str, str], list[Session]] = defaultdict(list)
        for cid, x in schedule.assignments():
            if x.day in wanted:
                out[(cid, x.day)].append(x)
        return out

    old, new = by_client_day(before), by_client_day(after)
    rows: list[tuple[str, str, str, str]] = []
    for cid, day in sorted(old, key=lambda key: (key[0], day_index(key[1]))):
        mine, now = old[(cid, day)], new.get((cid, day), [])
        if not now or {x.block for x in mine} != {x.block for x in now}:
            continue  # the day or block changed: a day-level row says so
        for type_id in sorted({x.session_type for x in mine} | {x.session_type for x in now}):
            was = sorted((x for x in mine if x.session_type == type_id), key=lambda x: x.start)
            is_ = sorted((x for x in now if x.session_type == type_id), key=lambda x: x.start)
            for a, b in zip(was, is_, strict=False):
                what = [
                    name
                    for name, differs in (
                        ("slot", a.start != b.start),
                        ("therapist", a.therapist_id != b.therapist_id),
                        ("room", room and a.room_id != b.room_id),
                    )
                    if differs
                ]
                if what:
                    rows.append((cid, "+".join(what), _described(a, room), _described(b, room)))
            rows.extend((cid, "session", _described(a, room), "") for a in was[len(is_) :])
            rows.extend((cid, "session", "", _described(b, room)) for b in is_[len(was) :])
    return rows


def session_changes(
    scenario: Scenario, before: WeekSchedule, after: WeekSchedule, days: Iterable[str]
) -> int:
    """Sessions of continuing clients on the re-planned ``days`` whose slot has no session of
    the same type, therapist and room for that client any more (SPEC §7 goal 3 of a
    re-planned week, after the days and blocks)."""
    wanted = set(days)
    known = {c.client_id for c in scenario.clients}

    def key(cid: str, x: Session) -> tuple[str, ...]:
        return (cid, x.day, x.block, str(x.slot_idx), x.session_type, x.therapist_id, x.room_id)

    now = {key(cid, x) for cid, x in after.assignments()}
    return sum(
        1
        for cid, x in before.assignments()
        if x.day in wanted and cid in known and key(cid, x) not in now
    )


def goal_values(
    scenario: Scenario,
    schedule: WeekSchedule,
    previous: PreviousWeek,
    secondary: Mapping[str, int],
    replanned: Iterable[str] | None = None,
) -> dict[str, int]:
    """Each goal of SPEC §7's order (:mod:`.goals`) recomputed from the schedule:
    ``continuing`` and ``served`` (priorities), ``changes``, ``session_changes`` (with the
    ``replanned`` days of a week re-planned from a date) and ``secondary`` (the weighted
    other terms, ``secondary`` as :func:`secondary_terms` counts them)."""
    scheduled = schedule.client_ids()
    weights = scenario.weights.model_dump()
    values = {
        "continuing": served(scenario, scheduled & set(previous.attendance)),
        "served": served(scenario, scheduled),
        "changes": secondary.get("changes", 0),
        "secondary": sum(
            weights[name] * value for name, value in secondary.items() if name != "changes"
        ),
    }
    if replanned is not None:
        values["session_changes"] = session_changes(
            scenario, previous.schedule, schedule, replanned
        )
    return values


def changes_table(
    scenario: Scenario,
    schedule: WeekSchedule,
    previous: PreviousWeek,
    replanned: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every change of a continuing client since last week: ``client_id, what, from, to``.

    ``what`` is ``block`` (same day, another block), ``day`` (a day dropped or added; the
    empty side is ``from`` or ``to``), ``track`` (another cohort) or ``scheduled`` (served
    last week, not this week). With the ``replanned`` days of a week re-planned from a date,
    also each session of those days that changed (:func:`session_rows`), so the
    coordinator knows whom to call.
    """
    now = schedule.attendance()
    track_now: dict[str, str] = {}
    track_of = {c.client_id: c.track for c in scenario.clients}
    for cid in now:
        track_now[cid] = track_of[cid]
    rows: list[tuple[str, str, str, str]] = []
    for cid in sorted(previous.attendance):
        before = previous.attendance[cid]
        after = now.get(cid, {})
        if not after:
            days = ", ".join(f"{d} {before[d]}" for d in sorted(before, key=day_index))
            rows.append((cid, "scheduled", days, "not scheduled"))
        for day, was, is_now in day_changes(before, after):
            if was and is_now:
                rows.append((cid, "block", f"{day} {was}", f"{day} {is_now}"))
            else:
                rows.append(
                    (cid, "day", f"{day} {was}" if was else "", f"{day} {is_now}" if is_now else "")
                )
        if cid in previous.tracks and cid in track_now and previous.tracks[cid] != track_now[cid]:
            rows.append((cid, "track", previous.tracks[cid], track_now[cid]))
    if replanned is not None:
        rows.extend(session_rows(scenario, previous.schedule, schedule, replanned))
        rows.sort(key=lambda row: row[0])  # stable: each client's rows together, days first
    return pd.DataFrame(rows, columns=CHANGES_COLUMNS)
