"""Property tests: every schedule the solver writes passes the independent checker, and the
checker catches single edits of a valid schedule.

Scenarios are small and random: 1-3 blocks of 1-3 slots (clock times may overlap between
blocks), 1-7 operating days (Sat/Sun included), closed dates and admit/discharge dates,
2-3 session types (one individual), 1-2 plans, 2-3 tracks, 2-8 clients with random windows,
1-3 therapists with random skills, tracks, limits and languages, rooms or none, avoid pairs.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from conftest import assert_valid
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, Schedule, read_schedule, solve
from optimizer.check import Violation, check_schedule
from optimizer.windows import DAY_NAMES

WEEK_START = dt.date(2026, 12, 14)
# Each example solves a week (typically 20-200 ms); together the two tests take ~30 s.
SOLVED_WEEKS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
EDITED_WEEKS = settings(SOLVED_WEEKS, max_examples=60)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def windows(draw: st.DrawFn, busy: bool = False, max_entries: int = 2) -> str:
    """A window list text: 0..max_entries entries such as ``Sat-Mon 08:00-12:30``.

    Two lists in three are empty, so that most weeks can be served; ``available`` windows
    are long (2 to 14 hours), ``busy`` ones short (30 minutes to 3 hours).
    """
    if draw(st.sampled_from([True, True, False])):
        return ""
    entries = []
    for _ in range(draw(st.integers(1, max_entries))):
        first = draw(st.integers(0, 6))
        span = draw(st.sampled_from([0, 0, 1, 4, 6]))
        last = DAY_NAMES[(first + span) % 7]
        days = DAY_NAMES[first] if span == 0 else f"{DAY_NAMES[first]}-{last}"
        if busy:
            start = draw(st.integers(12, 40)) * 30
            end = min(24 * 60, start + draw(st.integers(1, 6)) * 30)
        else:
            start = draw(st.integers(12, 24)) * 30
            end = min(24 * 60, start + draw(st.integers(4, 28)) * 30)
        entries.append(f"{days} {_hhmm(start)}-{_hhmm(end)}")
    return "; ".join(entries)


@st.composite
def scenario_data(
    draw: st.DrawFn, max_clients: int = 8, max_therapists: int = 3
) -> dict[str, Any]:
    """Plain data of a small random scenario that passes validation."""
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    closed = draw(st.sets(st.integers(-2, 8), max_size=2))

    blocks: dict[str, list[str]] = {}
    for idx in range(draw(st.integers(1, 3))):
        start = draw(st.integers(16, 36)) * 30
        slots = []
        for _ in range(draw(st.integers(1, 3))):
            length = draw(st.sampled_from([30, 45, 50, 60]))
            slots.append(f"{_hhmm(start)}-{_hhmm(start + length)}")
            start += length + draw(st.sampled_from([0, 10]))
        blocks[f"B{idx}"] = slots
    min_slots = min(len(slots) for slots in blocks.values())

    session_types: dict[str, Any] = {"ind": {"kind": "individual"}}
    for idx in range(draw(st.integers(1, 2))):
        low = draw(st.sampled_from([1, 2, 2, 3]))
        session_types[f"g{idx}"] = {
            "kind": "group", "min_size": low, "max_size": low + draw(st.integers(0, 4)),
        }
    type_ids = list(session_types)

    plans: dict[str, Any] = {}
    for idx in range(draw(st.integers(1, 2))):
        min_days = draw(st.sampled_from([1, 1, 2, 3]))
        max_days = min(7, min_days + draw(st.integers(0, 2)))
        budget = min_days * min_slots  # mostly servable, yet the counts bind
        sessions: dict[str, int] = {}
        for type_id in type_ids:
            count = min(draw(st.integers(0, 2)), budget)
            budget -= count
            if count:
                sessions[type_id] = count
        max_sessions = {
            t: sessions.get(t, 0) + draw(st.integers(0, 2))
            for t in draw(st.sets(st.sampled_from(type_ids), max_size=2))
        }
        plans[f"P{idx}"] = {
            "min_days": min_days, "max_days": max_days, "sessions": sessions,
            "max_sessions": max_sessions,
        }

    tracks = ["SUD", "MH", "COD"][: draw(st.integers(2, 3))]
    therapist_ids = [f"T{idx}" for idx in range(draw(st.integers(1, max_therapists)))]
    therapists = []
    for tid in therapist_ids:
        therapists.append({
            "therapist_id": tid,
            "skills": draw(st.sampled_from([
                ";".join(type_ids), ";".join(type_ids),
                ";".join(draw(st.sets(st.sampled_from(type_ids), min_size=1))),
            ])),
            "available": draw(windows()),
            "busy": draw(windows(busy=True, max_entries=1)),
            "max_sessions_per_day": draw(st.sampled_from([None, None, 0, 1, 2, 4])),
            "max_sessions_per_week": draw(st.sampled_from([None, None, 0, 2, 5, 12])),
            "tracks": draw(st.sampled_from(["", "", *tracks, ";".join(tracks[:2])])),
            "languages": draw(st.sampled_from(["", "", "en;es", "ES", "en"])),
        })

    client_ids = [f"C{idx}" for idx in range(draw(st.integers(2, max_clients)))]
    clients = []
    for cid in client_ids:
        admit = draw(st.sampled_from([None, None, None, -3, 0, 1, 3, 7]))
        discharge = draw(st.sampled_from([None, None, None, -1, 2, 4, 6, 9]))
        if admit is not None and discharge is not None and discharge < admit:
            admit, discharge = discharge, admit
        others = [c for c in client_ids if c != cid]
        clients.append({
            "client_id": cid,
            "track": draw(st.sampled_from([tracks[0], tracks[0], *tracks])),
            "plan": draw(st.sampled_from(list(plans))),
            "available": draw(windows()),
            "busy": draw(windows(busy=True, max_entries=1)),
            "preferred_block": draw(st.sampled_from([None, *blocks])),
            "primary_therapist": draw(st.sampled_from([None] * 4 + therapist_ids)),
            "admit_date": None if admit is None else str(WEEK_START + dt.timedelta(days=admit)),
            "discharge_date": (
                None if discharge is None else str(WEEK_START + dt.timedelta(days=discharge))
            ),
            "avoid": ";".join(draw(st.sets(st.sampled_from(others), max_size=1))),
            "priority": draw(st.integers(1, 3)),
            "language": draw(st.sampled_from([None, None, None, None, "es", "En"])),
        })

    rooms = None
    if draw(st.booleans()):
        rooms = [
            {
                "room_id": f"R{idx}",
                "capacity": draw(st.integers(1, 6)),
                "serves": ";".join(draw(st.sets(st.sampled_from(type_ids), max_size=2))),
                "available": draw(windows()),
            }
            for idx in range(draw(st.integers(1, 3)))
        ]
        # Identical rooms, which the model counts per class and names after solving.
        for idx in range(draw(st.integers(0, 2))):
            twin = draw(st.sampled_from(rooms))
            rooms.append({**twin, "room_id": f"{twin['room_id']}x{idx}"})

    data: dict[str, Any] = {
        "name": "random week",
        "week_start": str(WEEK_START),
        "days": [DAY_NAMES[d] for d in days],
        "closed_dates": [str(WEEK_START + dt.timedelta(days=d)) for d in sorted(closed)],
        "blocks": blocks,
        "session_types": session_types,
        "plans": plans,
        "rules": {"commute_minutes": draw(st.sampled_from([0, 0, 15, 30]))},
        "clients": clients,
        "therapists": therapists,
    }
    if rooms is not None:
        data["rooms"] = rooms
    return data


def _solve_and_check(data: dict[str, Any]) -> tuple[Scenario, Schedule]:
    """Solve, write, re-read and check (every rule must hold); returns the read schedule."""
    scenario = Scenario.from_data(data)
    result = solve(scenario, time_limit=5, workers=1, seed=0)
    assume(result.has_schedule)
    event(f"{result.scheduled_clients} of {len(scenario.clients)} clients scheduled")
    with tempfile.TemporaryDirectory() as folder:
        assert_valid(result, Path(folder) / "out")
        return scenario, read_schedule(Path(folder) / "out")


@SOLVED_WEEKS
@given(scenario_data())
def test_every_solved_schedule_passes_the_checker(data: dict[str, Any]) -> None:
    _solve_and_check(data)


# ---------------------------------------------------------------------------------------
# Single edits of a solved schedule

Rows = list[dict[str, str]]


def _rows(frame: pd.DataFrame) -> Rows:
    return [dict(row) for row in frame.fillna("").astype(str).to_dict("records")]


def _schedule(assignments: Rows, sessions: Rows, unscheduled: Rows) -> Schedule:
    def frame(rows: Rows, like: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=list(like.columns), dtype=str)

    return Schedule(
        assignments=frame(assignments, pd.DataFrame(columns=_ASSIGNMENT_COLUMNS)),
        sessions=frame(sessions, pd.DataFrame(columns=_SESSION_COLUMNS)),
        unscheduled=frame(unscheduled, pd.DataFrame(columns=["client_id", "reason"])),
    )


_ASSIGNMENT_COLUMNS = [
    "client_id", "session_id", "session_type", "day", "date", "block", "start", "end",
    "therapist_id", "room_id",
]
_SESSION_COLUMNS = [
    "session_id", "session_type", "track", "day", "date", "block", "start", "end",
    "therapist_id", "room_id", "size",
]
_SHARED = ("session_type", "day", "date", "block", "start", "end", "therapist_id", "room_id")


class Edit:
    """A solved schedule as rows, copied so that each edit starts from the valid one."""

    def __init__(self, scenario: Scenario, schedule: Schedule) -> None:
        self.scenario = scenario
        self.assignments = _rows(schedule.assignments)
        self.sessions = _rows(schedule.sessions)
        self.unscheduled = _rows(schedule.unscheduled)

    def session(self, sid: str) -> dict[str, str]:
        return next(s for s in self.sessions if s["session_id"] == sid)

    def rows_of(self, session: dict[str, str]) -> list[dict[str, str]]:
        """The session's row and its assignment rows."""
        sid = session["session_id"]
        return [session, *(a for a in self.assignments if a["session_id"] == sid)]

    def overlap(self, a: dict[str, str], b: dict[str, str]) -> bool:
        return a["day"] == b["day"] and a["start"] < b["end"] and b["start"] < a["end"]

    def resize(self, sid: str, delta: int) -> None:
        session = self.session(sid)
        session["size"] = str(int(session["size"]) + delta)

    def move(self, row: dict[str, str], target: dict[str, str]) -> None:
        """Move one assignment row into another session, consistently in both files."""
        self.resize(row["session_id"], -1)
        row.update({"session_id": target["session_id"], **{c: target[c] for c in _SHARED}})
        self.resize(target["session_id"], +1)

    def check(self, scenario: Scenario | None = None) -> list[Violation]:
        schedule = _schedule(self.assignments, self.sessions, self.unscheduled)
        return [
            v for v in check_schedule(scenario or self.scenario, schedule) if v.severity == "error"
        ]


Choose = Callable[[list[Any]], Any]


def _caught(errors: list[Violation], rule: str, *ids: str) -> bool:
    return any(v.rule == rule and set(ids) <= set(v.ids) for v in errors)


def _multi_slot_rows(edit: Edit) -> list[dict[str, str]]:
    blocks = edit.scenario.blocks
    return [a for a in edit.assignments if len(blocks[a["block"]]) > 1]


def mutate_move_client(edit: Edit, choose: Choose) -> tuple[str, tuple[str, ...]] | None:
    """Move a client to a session in another slot of the same block and day."""
    row = choose(_multi_slot_rows(edit) or [None])
    if row is None:
        return None
    targets = [
        s for s in edit.sessions
        if (s["day"], s["block"]) == (row["day"], row["block"]) and s["start"] != row["start"]
    ]
    if not targets:
        return None
    edit.move(row, choose(targets))
    return "client-block", (row["client_id"],)


def mutate_therapist(edit: Edit, choose: Choose) -> tuple[str, tuple[str, ...]] | None:
    """Give a session a therapist who is busy then, else one without the skill, else nobody."""
    session = choose(edit.sessions)
    busy = sorted({
        other["therapist_id"] for other in edit.sessions
        if other is not session and edit.overlap(session, other)
        and other["therapist_id"] != session["therapist_id"]
    })
    if busy:
        therapist, rule = choose(busy), "therapist-overlap"
    else:
        unskilled = [
            t.therapist_id for t in edit.scenario.therapists
            if session["session_type"] not in t.skills
        ]
        therapist, rule = (choose(unskilled), "therapist-skill") if unskilled else (
            "T-nobody", "unknown-therapist"
        )
    for row in edit.rows_of(session):
        row["therapist_id"] = therapist
    return rule, (session["session_id"], therapist)


def mutate_overfill_room(
    edit: Edit, choose: Choose
) -> tuple[str, tuple[str, ...], Scenario] | None:
    """Shrink the room of a session with 2+ clients below its size (the scenario changes)."""
    if edit.scenario.rooms is None:
        return None
    full = [s for s in edit.sessions if int(s["size"]) >= 2]
    if not full:
        return None
    session = choose(full)
    rooms = []
    for room in edit.scenario.rooms:
        data = room.model_dump(mode="json")
        if room.room_id == session["room_id"]:
            data["capacity"] = int(session["size"]) - 1
        rooms.append(data)
    smaller = edit.scenario.replace(rooms=rooms)
    return "room-capacity", (session["session_id"], session["room_id"]), smaller


def mutate_drop_slot(edit: Edit, choose: Choose) -> tuple[str, tuple[str, ...]] | None:
    """Remove one assignment of a client whose block has several slots."""
    row = choose(_multi_slot_rows(edit) or [None])
    if row is None:
        return None
    edit.assignments.remove(row)
    edit.resize(row["session_id"], -1)
    return "client-block", (row["client_id"],)


def mutate_split_block(edit: Edit, choose: Choose) -> tuple[str, tuple[str, ...]] | None:
    """Put one of a client's slots in another block of the same day (a new session)."""
    rows = _multi_slot_rows(edit)  # the client keeps another slot of the old block
    if len(edit.scenario.blocks) < 2 or not rows:
        return None
    row = choose(rows)
    block = choose(sorted(b for b in edit.scenario.blocks if b != row["block"]))
    start, end = edit.scenario.blocks[block][0]
    old = edit.session(row["session_id"])
    new = {
        **old, "session_id": "SPLIT", "block": block, "start": _hhmm(start), "end": _hhmm(end),
        "size": "0",
    }
    edit.sessions.append(new)
    edit.move(row, new)
    return "client-block", (row["client_id"],)


def mutate_day(edit: Edit, choose: Choose) -> tuple[str, tuple[str, ...]] | None:
    """Move a session to a day the program is closed on the calendar (or misdate it)."""
    session = choose(edit.sessions)
    idle = [d for d in DAY_NAMES if d not in edit.scenario.days]
    if idle:
        day = choose(idle)
        date = str(WEEK_START + dt.timedelta(days=DAY_NAMES.index(day)))
        changes, rule = {"day": day, "date": date}, "unknown-day"
    else:
        wrong = str(dt.date.fromisoformat(session["date"]) + dt.timedelta(days=1))
        changes, rule = {"date": wrong}, "bad-date"
    for row in edit.rows_of(session):
        row.update(changes)
    return rule, (session["session_id"],)


MUTATIONS = [
    mutate_move_client, mutate_therapist, mutate_overfill_room, mutate_drop_slot,
    mutate_split_block, mutate_day,
]


@EDITED_WEEKS
@given(scenario_data(), st.data())
def test_single_edits_of_a_solved_schedule_are_caught(
    data: dict[str, Any], picks: st.DataObject
) -> None:
    scenario, schedule = _solve_and_check(data)
    assume(len(schedule.assignments) > 0)
    assert_edits_caught(scenario, schedule, MUTATIONS, picks)


def assert_edits_caught(
    scenario: Scenario, schedule: Schedule, mutations: list[Any], picks: st.DataObject
) -> None:
    """Apply each mutation to a fresh copy of the valid schedule; the checker must report
    the rule and ids the mutation names."""

    def choose(options: list[Any]) -> Any:
        return picks.draw(st.sampled_from(options))

    for mutate in mutations:
        edit = Edit(scenario, schedule)
        outcome = mutate(edit, choose)
        if outcome is None:
            continue
        event(f"applied {mutate.__name__}")
        rule, ids, *changed = outcome
        errors = edit.check(changed[0] if changed else None)
        assert _caught(errors, rule, *ids), (
            f"{mutate.__name__}: expected [{rule}] {ids}, got:\n" + "\n".join(map(str, errors))
        )


# ---------------------------------------------------------------------------------------
# The checker's own window semantics agree with the model's (two derivations of SPEC §2)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 40), st.integers(1, 12)), max_size=4
    ),
    st.integers(0, 2), st.integers(0, 40), st.integers(1, 12), st.sampled_from([0, 0, 5, 30]),
)
def test_window_semantics_agree_with_the_model(
    raw: list[tuple[int, int, int]], day_idx: int, start: int, length: int, gap: int
) -> None:
    from optimizer.check.semantics import busy_conflict as _busy_conflict
    from optimizer.check.semantics import within as _within
    from optimizer.windows import clear_of_busy, inside_available

    # Coarse 15-minute grid so that touching and nested windows are common.
    windows = tuple(sorted({(d, s * 15, (s + n) * 15) for d, s, n in raw}))
    begin, end = start * 15, (start + length) * 15
    assert _within(windows, day_idx, begin, end) == inside_available(windows, day_idx, begin, end)
    assert (_busy_conflict(windows, day_idx, begin, end, gap) is None) == clear_of_busy(
        windows, day_idx, begin, end, gap
    )
