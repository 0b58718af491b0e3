"""Last week's schedule as input: who continues, what they had, and what changed.

Last week's folder (SPEC §5, hand-edited or not, read with :func:`read_schedule`) is matched
to this week by day names, never dates. Clients and therapists that this week's scenario
does not know (discharged clients, staff who left) are ignored with a warning that carries
ids only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .io.schedule import Schedule
from .scenario import Scenario
from .schedule import WeekSchedule, attendance
from .terms import day_changes
from .windows import DAY_NAMES, day_index

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


def changes_table(
    scenario: Scenario, schedule: WeekSchedule, previous: PreviousWeek
) -> pd.DataFrame:
    """Every change of a continuing client since last week: ``client_id, what, from, to``.

    ``what`` is ``block`` (same day, another block), ``day`` (a day dropped or added; the
    empty side is ``from`` or ``to``), ``track`` (another cohort) or ``scheduled`` (served
    last week, not this week).
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
    return pd.DataFrame(rows, columns=CHANGES_COLUMNS)
