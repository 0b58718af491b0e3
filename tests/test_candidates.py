"""What can happen this week (optimizer/model/candidates.py), on a week small enough to
derive every candidate by hand."""

from __future__ import annotations

import pytest

from optimizer import Scenario
from optimizer.model.candidates import Reservations, attendable, build_candidates
from optimizer.scenario import requirement
from optimizer.schedule import Session

DATA = {
    "name": "candidates",
    "week_start": "2026-12-14",
    "days": ["Mon", "Tue"],
    "blocks": {"AM": ["09:00-09:50", "10:00-10:50"], "EVE": ["18:00-18:50"]},
    "rules": {"commute_minutes": 30},
    "session_types": {
        "group_therapy": {"kind": "group", "min_size": 2, "max_size": 3},
        "individual": {"kind": "individual"},
    },
    "plans": {
        "P1": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1}},
        "P2": {"min_days": 2, "max_days": 2, "sessions": {"group_therapy": 2}},
        "IND": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1, "individual": 1}},
    },
    "clients": [
        {"client_id": "C1", "track": "SUD", "plan": "P1", "available": "Mon-Tue 08:00-12:00"},
        {"client_id": "C2", "track": "SUD", "plan": "P1", "busy": "Mon 10:30-11:00"},
        {"client_id": "C3", "track": "MH", "plan": "P1", "discharge_date": "2026-12-14"},
        {"client_id": "C4", "track": "SUD", "plan": "P2", "available": "Mon 08:00-20:00"},
        {"client_id": "C5", "track": "SUD", "plan": "P1"},
        {"client_id": "C6", "track": "SUD", "plan": "P1"},
        {
            "client_id": "C7",
            "track": "MH",
            "plan": "IND",
            "language": "es",
            "available": "Tue 08:00-12:00",
        },
    ],  # fmt: skip
    "therapists": [
        {
            "therapist_id": "T1",
            "skills": "group_therapy;individual",
            "tracks": "SUD",
            "available": "Mon-Tue 08:00-17:00",
            "languages": "en",
        },
        {
            "therapist_id": "T2",
            "skills": "group_therapy;individual",
            "languages": "en;es",
            "max_sessions_per_week": 5,
        },
    ],  # fmt: skip
    "rooms": [
        {"room_id": "R1", "capacity": 2},
        {"room_id": "R2", "capacity": 3},
        {"room_id": "R3", "capacity": 1, "serves": "individual"},
    ],
}
SCENARIO = Scenario.from_data(DATA)
CANDIDATES = build_candidates(SCENARIO)


@pytest.mark.parametrize(
    ("client_id", "pairs"),
    [
        ("C1", [("Mon", "AM"), ("Tue", "AM")]),  # available mornings only
        # busy Mon 10:30-11:00: AM (09:00-10:50) overlaps it; EVE starts 7 h later
        ("C2", [("Mon", "EVE"), ("Tue", "AM"), ("Tue", "EVE")]),
        ("C3", [("Mon", "AM"), ("Mon", "EVE")]),  # discharged on Monday
        ("C4", []),  # the plan needs 2 days, the client can come on Monday only
        ("C5", [("Mon", "AM"), ("Mon", "EVE"), ("Tue", "AM"), ("Tue", "EVE")]),
        ("C7", [("Tue", "AM")]),
    ],
)
def test_attendable_pairs(client_id: str, pairs: list[tuple[str, str]]) -> None:
    assert CANDIDATES.attendable[client_id] == pairs
    client = next(c for c in SCENARIO.clients if c.client_id == client_id)
    assert attendable(SCENARIO, client, requirement(SCENARIO, client)) == pairs


def test_group_contexts() -> None:
    # A context needs 2 clients of one track who can come (MH never has 2), a therapist
    # free then (T1 leads SUD only and works until 17:00, so EVE has T2 alone) and a room
    # of at least 2 places. Copies: min(therapists, clients // 2, rooms); Tue AM has four
    # SUD clients (C1, C2, C5, C6), two therapists and two rooms: two copies. The largest
    # copy: max_size 3 and the largest room 3.
    got = [
        (g.day, g.block, g.slot_idx, g.track, g.clients, g.therapists, g.rooms, g.copies,
         g.max_size)
        for g in CANDIDATES.groups
    ]  # fmt: skip
    both, rooms = ("T1", "T2"), ("R1", "R2")
    assert got == [
        ("Mon", "AM", 0, "SUD", ("C1", "C5", "C6"), both, rooms, 1, 3),
        ("Mon", "AM", 1, "SUD", ("C1", "C5", "C6"), both, rooms, 1, 3),
        ("Mon", "EVE", 0, "SUD", ("C2", "C5", "C6"), ("T2",), rooms, 1, 3),
        ("Tue", "AM", 0, "SUD", ("C1", "C2", "C5", "C6"), both, rooms, 2, 3),
        ("Tue", "AM", 1, "SUD", ("C1", "C2", "C5", "C6"), both, rooms, 2, 3),
        ("Tue", "EVE", 0, "SUD", ("C2", "C5", "C6"), ("T2",), rooms, 1, 3),
    ]


def test_individual_options_need_a_therapist_speaking_the_language() -> None:
    # C7 (Spanish) can come Tue AM: both slots, with T2 only (T1 speaks English); any room
    # that serves individual sessions will do.
    assert [(o.client_id, o.day, o.block, o.slot_idx, o.therapists)
            for o in CANDIDATES.individuals] == [
        ("C7", "Tue", "AM", 0, ("T2",)), ("C7", "Tue", "AM", 1, ("T2",)),
    ]  # fmt: skip
    assert CANDIDATES.individual_rooms[("Tue", "AM", 0, "individual")] == ("R1", "R2", "R3")


def test_reservations_take_therapist_time_rooms_and_caps() -> None:
    # T2 and R2 are taken on Tue 09:00-09:50 by another stage's session: Tue AM slot 1 keeps
    # T1 and R1 (one copy, at most R1's 2 places); T2 has 4 of its 5 weekly sessions left.
    taken = Session.create(SCENARIO, "Tue", "AM", 0, "group_therapy", "MH", "T2", "R2", ["X"])
    reserved = Reservations()
    reserved.reserve([taken])
    candidates = build_candidates(SCENARIO, reserved)
    slot = next(g for g in candidates.groups if (g.day, g.block, g.slot_idx) == ("Tue", "AM", 0))
    assert (slot.therapists, slot.rooms, slot.copies, slot.max_size) == (("T1",), ("R1",), 1, 2)
    assert candidates.week_cap["T2"] == 4
    assert candidates.day_cap[("T2", "Tue")] is None  # no daily cap


def test_identical_rooms_are_counted_as_one_class() -> None:
    # R4 and R5 have the same capacity, types and hours: the model counts them together.
    rooms = DATA["rooms"] + [{"room_id": "R4", "capacity": 3}, {"room_id": "R5", "capacity": 3}]
    candidates = build_candidates(Scenario.from_data({**DATA, "rooms": rooms}))
    assert candidates.room_members == {
        "R1": ("R1",), "R2": ("R2", "R4", "R5"), "R3": ("R3",),
    }  # fmt: skip
