"""The secondary terms recomputed from a schedule (optimizer/terms.py), derived by hand."""

from __future__ import annotations

from conftest import assert_week_valid

from optimizer import Scenario
from optimizer.schedule import Session, WeekSchedule
from optimizer.terms import load_percent, secondary_terms, therapist_capacity

SCENARIO = Scenario.from_data(
    {
        "name": "terms",
        "week_start": "2026-12-14",
        "days": ["Mon", "Tue"],
        "blocks": {"AM": ["09:00-09:50", "10:00-10:50"], "EVE": ["18:00-18:50", "19:00-19:50"]},
        "session_types": {
            "g": {"kind": "group", "min_size": 2, "max_size": 6},
            "ind": {"kind": "individual"},
        },
        "plans": {"P": {"min_days": 2, "max_days": 2, "sessions": {"g": 3, "ind": 1}}},
        "clients": [
            {"client_id": "C1", "track": "SUD", "plan": "P", "preferred_block": "AM"},
            {"client_id": "C2", "track": "SUD", "plan": "P", "preferred_block": "EVE"},
            {"client_id": "C3", "track": "SUD", "plan": "P", "primary_therapist": "T2"},
        ],
        "therapists": [
            {"therapist_id": "T1", "skills": "g;ind", "max_sessions_per_week": 4},
            {"therapist_id": "T2", "skills": "g;ind"},
            {"therapist_id": "T3", "skills": "ind"},
        ],
    }
)


def session(day: str, block: str, slot: int, type_id: str, tid: str, *cids: str) -> Session:
    return Session.create(SCENARIO, day, block, slot, type_id, "SUD", tid, "", cids)


# C1 and C2: Mon AM in two groups (T1, then T2); Tue EVE a group with T1, then an
# individual session each (C1 with T2, C2 with T3). C3 is not scheduled.
WEEK = WeekSchedule(
    (
        session("Mon", "AM", 0, "g", "T1", "C1", "C2"),
        session("Mon", "AM", 1, "g", "T2", "C1", "C2"),
        session("Tue", "EVE", 0, "g", "T1", "C1", "C2"),
        session("Tue", "EVE", 1, "ind", "T2", "C1"),
        session("Tue", "EVE", 1, "ind", "T3", "C2"),
    )
)


def test_the_week_is_valid() -> None:
    assert_week_valid(SCENARIO, WEEK)


def test_every_term_by_hand() -> None:
    # The previous week: C1 Mon AM, Tue AM; C2 Mon AM, Wed EVE; C9 has left the program.
    previous = {"C1": {"Mon": "AM", "Tue": "AM"}, "C2": {"Mon": "AM", "Wed": "EVE"}, "C9": {}}
    assert secondary_terms(SCENARIO, WEEK, previous) == {
        # C1 (prefers AM) is in EVE on Tue, C2 (prefers EVE) in AM on Mon.
        "preferred_block": 2,
        # Both use AM and EVE: one block beyond the first each.
        "same_block": 2,
        "group_sessions": 3,
        # A comfortable group has min_size + 2 = 4 (at most max_size 6): three groups of 2.
        "small_groups": 3 * 2,
        # Both meet T1 and T2 in their g groups: one facilitator beyond the first each.
        "group_continuity": 2,
        # C2's individual session is with T3, who leads none of C2's groups (C1's is with
        # T2, who does); C3 would not count (primary therapist), but is not scheduled.
        "individual_by_group_leader": 1,
        # T1: 2 sessions of a capacity of 4 (the weekly cap) = 50%; T2 2 of 8 slots, T3 1 of 8.
        "therapist_load": 50,
        # C1: Tue AM -> EVE; C2: Tue added, Wed dropped; C9 is not in this week.
        "changes": 1 + 2,
    }


def test_an_empty_week_costs_nothing() -> None:
    assert set(secondary_terms(SCENARIO, WeekSchedule()).values()) == {0}


def test_capacity_and_load() -> None:
    therapists = {t.therapist_id: t for t in SCENARIO.therapists}
    # 2 days x 4 slots = 8 slots; T1 is capped at 4 a week.
    assert therapist_capacity(SCENARIO, therapists["T2"]) == 8
    assert therapist_capacity(SCENARIO, therapists["T1"]) == 4
    assert load_percent(1, 8) == 13  # 12.5% rounded up
    assert load_percent(0, 0) == 0
