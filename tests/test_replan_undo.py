"""The post-pass of a re-planned week that takes back needless changes
(:mod:`optimizer.weekly.undo`).

Each week here is one day that matters (Tuesday, the re-planned day; Monday has no session),
one slot, and schedules written by hand: ``before`` is the week being re-planned, ``after``
what a search might have left. ``session_changes`` counts, per client, the Tuesday sessions
whose slot no longer has a session of the same type, therapist and room for them. Every
schedule, given and returned, passes the independent checker.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import assert_week_valid

from optimizer import Scenario
from optimizer.check import check_schedule
from optimizer.schedule import Session, WeekSchedule
from optimizer.weekly.previous import session_changes
from optimizer.weekly.undo import candidates, undo_changes

DAYS = ("Tue",)

Spec = tuple[str, str, str, tuple[str, ...]]
"""A Tuesday AM session by hand: (type, therapist, room, clients)."""


def clients(avoid: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Group clients A1-A3, B1, B2, N1-N3 (plan G); I1 and I2 (plan I; I2 sees T1 only);
    ``avoid``: client -> the client they avoid."""
    group = ("A1", "A2", "A3", "B1", "B2", "N1", "N2", "N3")
    return [
        *(
            {"client_id": c, "track": "SUD", "plan": "G", "avoid": (avoid or {}).get(c, "")}
            for c in group
        ),
        {"client_id": "I1", "track": "SUD", "plan": "I"},
        {"client_id": "I2", "track": "SUD", "plan": "I", "primary_therapist": "T1"},
    ]


def undo_week(**overrides: Any) -> Scenario:
    """Mon-Tue of the week of 2026-12-14, one AM slot; groups of 2..4 (plan G: one group
    session a week) and individual sessions (plan I: one a week); therapists T1-T3 lead
    both; rooms R1 and R2 hold 4, R3 holds 1."""
    data: dict[str, Any] = {
        "name": "undo",
        "week_start": "2026-12-14",
        "days": ["Mon", "Tue"],
        "blocks": {"AM": ["09:00-09:50"]},
        "session_types": {
            "group_therapy": {"kind": "group", "min_size": 2, "max_size": 4},
            "individual": {"kind": "individual"},
        },
        "plans": {
            "G": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1}},
            "I": {"min_days": 1, "max_days": 1, "sessions": {"individual": 1}},
        },
        "clients": clients(),
        "therapists": [
            {"therapist_id": t, "skills": "group_therapy;individual"} for t in ("T1", "T2", "T3")
        ],
        "rooms": [
            {"room_id": "R1", "capacity": 4},
            {"room_id": "R2", "capacity": 4},
            {"room_id": "R3", "capacity": 1},
        ],
    }
    data.update(overrides)
    return Scenario.from_data(data)


def schedule(scenario: Scenario, specs: list[Spec]) -> WeekSchedule:
    """The Tuesday AM sessions of ``specs`` (every other client of the week unscheduled)."""
    return WeekSchedule(
        tuple(
            Session.create(scenario, "Tue", "AM", 0, kind, "SUD", therapist, room, clients)
            for kind, therapist, room, clients in specs
        )
    )


def seats(week: WeekSchedule) -> set[Spec]:
    return {(x.session_type, x.therapist_id, x.room_id, x.clients) for x in week.sessions}


def test_a_needless_room_change_is_taken_back() -> None:
    # I1's individual session with T1 moved from R1 to R2 in the same slot: 1 session
    # change. Nothing else uses R1, so R1 is given back alone: 0 changes, one checker run
    # on the search's schedule and one on the edit.
    scenario = undo_week()
    before = schedule(scenario, [("individual", "T1", "R1", ("I1",))])
    after = schedule(scenario, [("individual", "T1", "R2", ("I1",))])
    assert_week_valid(scenario, before)
    assert_week_valid(scenario, after)
    assert candidates(before, after, DAYS) == {"Tue-AM-1-T1": ("T1", "R1")}
    undone = undo_changes(scenario, before, after, DAYS, max_checks=10)
    assert_week_valid(scenario, undone.schedule)
    assert seats(undone.schedule) == seats(before)
    assert (undone.changes_before, undone.changes_after) == (1, 0)
    assert (undone.releads, undone.regrouped, undone.checks) == (1, 0, 2)
    assert undone.stopped_by == "done"


GROUPS_BEFORE: list[Spec] = [
    ("group_therapy", "T1", "R1", ("A1", "A2")),
    ("group_therapy", "T2", "R2", ("B1", "B2")),
]
LEADERS_SWAPPED: list[Spec] = [
    ("group_therapy", "T2", "R1", ("A1", "A2")),
    ("group_therapy", "T1", "R2", ("B1", "B2")),
]


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(LEADERS_SWAPPED, id="leaders-swapped"),
        pytest.param(
            [
                ("group_therapy", "T1", "R2", ("A1", "A2")),
                ("group_therapy", "T2", "R1", ("B1", "B2")),
            ],
            id="rooms-swapped",
        ),
        pytest.param(
            [
                ("group_therapy", "T2", "R2", ("A1", "A2")),
                ("group_therapy", "T1", "R1", ("B1", "B2")),
            ],
            id="leaders-and-rooms-swapped",
        ),
    ],
)
def test_two_groups_that_swapped_get_their_leaders_and_rooms_back(after: list[Spec]) -> None:
    # The A pair's group had T1 in R1, the B pair's T2 in R2; the search swapped what each
    # row says: all 4 clients lost their session (4 changes). Giving one group back its
    # leader and room alone collides with the other (a therapist or room in two places),
    # so the two are restored together: 0 changes, in one checker run after the first.
    scenario = undo_week()
    before = schedule(scenario, GROUPS_BEFORE)
    searched = schedule(scenario, after)
    assert_week_valid(scenario, before)
    assert_week_valid(scenario, searched)
    assert session_changes(scenario, before, searched, DAYS) == 4
    undone = undo_changes(scenario, before, searched, DAYS, max_checks=10)
    assert_week_valid(scenario, undone.schedule)
    assert seats(undone.schedule) == seats(before)
    assert (undone.changes_before, undone.changes_after) == (4, 0)
    assert (undone.releads, undone.checks) == (4, 2)


def test_a_client_dealt_to_another_copy_goes_back_to_their_group() -> None:
    # The A trio's group had T1 in R1, the B pair's T2 in R2; the search dealt A3 to the B
    # copy of the same slot (1 change: A3's session has another leader and room). Moving A3
    # back restores it (0 changes); both groups stay within 2..4.
    scenario = undo_week()
    before = schedule(
        scenario,
        [
            ("group_therapy", "T1", "R1", ("A1", "A2", "A3")),
            ("group_therapy", "T2", "R2", ("B1", "B2")),
        ],
    )
    after = schedule(
        scenario,
        [
            ("group_therapy", "T1", "R1", ("A1", "A2")),
            ("group_therapy", "T2", "R2", ("B1", "B2", "A3")),
        ],
    )
    assert_week_valid(scenario, before)
    assert_week_valid(scenario, after)
    assert candidates(before, after, DAYS) == {}  # no session lost its leader or room
    undone = undo_changes(scenario, before, after, DAYS, max_checks=10)
    assert_week_valid(scenario, undone.schedule)
    assert seats(undone.schedule) == seats(before)
    assert (undone.changes_before, undone.changes_after) == (1, 0)
    assert (undone.releads, undone.regrouped) == (0, 1)


def test_two_groups_that_traded_members_trade_them_back() -> None:
    # The A pair's group (T1, R1) and the B pair's (T2, R2) traded A2 for B2: 2 changes
    # (A2 and B2 lost their leader and room). Moving B2 back alone would leave T1's group
    # with 1 client, below its minimum of 2 (refused: one checker run); the exchange of both
    # restores the week: 0 changes, after 3 checker runs in all (the search's schedule, the
    # refused move, the exchange).
    scenario = undo_week()
    before = schedule(scenario, GROUPS_BEFORE)
    after = schedule(
        scenario,
        [
            ("group_therapy", "T1", "R1", ("A1", "B2")),
            ("group_therapy", "T2", "R2", ("B1", "A2")),
        ],
    )
    assert_week_valid(scenario, after)
    undone = undo_changes(scenario, before, after, DAYS, max_checks=10)
    assert_week_valid(scenario, undone.schedule)
    assert seats(undone.schedule) == seats(before)
    assert (undone.changes_before, undone.changes_after) == (2, 0)
    assert (undone.regrouped, undone.checks) == (2, 3)


AWAY_T1 = [
    {"therapist_id": "T1", "skills": "group_therapy;individual", "away": "2026-12-15"},
    {"therapist_id": "T2", "skills": "group_therapy;individual"},
    {"therapist_id": "T3", "skills": "group_therapy;individual"},
]


@pytest.mark.parametrize(
    ("overrides", "before", "after", "tried", "changes", "rule", "checks"),
    [
        pytest.param(
            {},
            [("individual", "T1", "R1", ("I1",))],
            [
                ("individual", "T1", "R3", ("I1",)),
                ("group_therapy", "T2", "R1", ("N1", "N2", "N3")),
            ],
            [
                ("individual", "T1", "R1", ("I1",)),
                ("group_therapy", "T2", "R3", ("N1", "N2", "N3")),
            ],
            1,  # I1's session lost R1
            "room-capacity",  # swapped, the new trio would sit in R3, which holds 1
            2,  # the search's schedule, then the edit, refused
            id="room-taken-by-a-group-the-other-room-cannot-hold",
        ),
        pytest.param(
            {"therapists": AWAY_T1},
            [("group_therapy", "T1", "R1", ("A1", "A2"))],
            [("group_therapy", "T2", "R1", ("A1", "A2"))],
            [("group_therapy", "T1", "R1", ("A1", "A2"))],
            2,  # both clients lost T1
            "therapist-availability",  # T1 is away that Tuesday (the sick day)
            1,  # the search's schedule only: T1 cannot take it, so no checker run
            id="therapist-away",
        ),
        pytest.param(
            {},
            [("group_therapy", "T1", "R1", ("A1", "A2"))],
            [
                ("group_therapy", "T2", "R1", ("A1", "A2")),
                ("individual", "T1", "R2", ("I2",)),
            ],
            [
                ("group_therapy", "T1", "R1", ("A1", "A2")),
                ("individual", "T2", "R2", ("I2",)),
            ],
            2,  # both clients lost T1
            "primary-therapist",  # T1 is busy with I2, who may see T1 only
            2,
            id="therapist-busy-with-their-own-client",
        ),
        pytest.param(
            {"clients": clients(avoid={"A3": "N1"})},
            [
                ("group_therapy", "T1", "R1", ("A1", "A2", "A3")),
                ("group_therapy", "T2", "R2", ("B1", "B2")),
            ],
            [
                ("group_therapy", "T1", "R1", ("A1", "A2", "N1")),
                ("group_therapy", "T2", "R2", ("B1", "B2", "A3")),
            ],
            [
                ("group_therapy", "T1", "R1", ("A1", "A2", "N1", "A3")),
                ("group_therapy", "T2", "R2", ("B1", "B2")),
            ],
            1,  # A3 lost T1 and R1
            "avoid-pair",  # back in T1's group, A3 would sit with N1, whom they avoid
            2,
            id="group-holds-someone-to-avoid",
        ),
    ],
)
def test_a_change_the_rules_require_is_left(
    overrides: dict[str, Any],
    before: list[Spec],
    after: list[Spec],
    tried: list[Spec],
    changes: int,
    rule: str,
    checks: int,
) -> None:
    # ``tried``: the one edit the post-pass makes (alone when nothing is in the way, else
    # swapped with the session in the way, or the client moved back): it would lower the
    # changes, but the checker finds ``rule`` broken, so the search's schedule stays.
    scenario = undo_week(**overrides)
    last, searched, edit = (schedule(scenario, specs) for specs in (before, after, tried))
    assert_week_valid(scenario, searched)
    assert session_changes(scenario, last, searched, DAYS) == changes
    assert session_changes(scenario, last, edit, DAYS) < changes
    broken = check_schedule(scenario, edit.to_schedule(scenario))
    assert rule in {v.rule for v in broken if v.severity == "error"}
    undone = undo_changes(scenario, last, searched, DAYS, max_checks=10)
    assert undone.schedule == searched
    assert (undone.changes_before, undone.changes_after) == (changes, changes)
    assert undone.checks == checks


def test_edits_judged_together_are_split_when_one_breaks_a_rule() -> None:
    # Two needless changes: I1's individual session moved from R1 to R3 (R1 now holds a new
    # trio's group), the A pair's group from R2 to R4 (4 rooms here). Together 3 changes
    # (I1: 1, A1 and A2: 2). The pass takes both edits (I1 swapped back into R1 with the
    # trio sent to R3, and the A group back in R2) and the checker refuses the whole, since
    # R3 holds 1; the halves are judged alone: the swap is refused, the A group's room
    # given back. 1 change left (I1), in 4 checker runs (the search's schedule, both edits,
    # each half); the refused swap is not tried again.
    rooms = [{"room_id": r, "capacity": 1 if r == "R3" else 4} for r in ("R1", "R2", "R3", "R4")]
    scenario = undo_week(rooms=rooms)
    before = schedule(
        scenario,
        [("individual", "T1", "R1", ("I1",)), ("group_therapy", "T2", "R2", ("A1", "A2"))],
    )
    after = schedule(
        scenario,
        [
            ("individual", "T1", "R3", ("I1",)),
            ("group_therapy", "T3", "R1", ("N1", "N2", "N3")),
            ("group_therapy", "T2", "R4", ("A1", "A2")),
        ],
    )
    assert_week_valid(scenario, after)
    undone = undo_changes(scenario, before, after, DAYS, max_checks=10)
    assert_week_valid(scenario, undone.schedule)
    assert seats(undone.schedule) == {
        ("individual", "T1", "R3", ("I1",)),
        ("group_therapy", "T3", "R1", ("N1", "N2", "N3")),
        ("group_therapy", "T2", "R2", ("A1", "A2")),
    }
    assert (undone.changes_before, undone.changes_after) == (3, 1)
    assert (undone.releads, undone.checks) == (2, 4)


@pytest.mark.parametrize(
    ("limits", "stopped_by"),
    [
        ({"max_checks": 1}, "checks"),  # no checker run beyond the one on the search's
        ({"max_checks": 10, "seconds": 0.0}, "time"),  # the time limit is over already
    ],
)
def test_the_limits_are_kept(limits: dict[str, Any], stopped_by: str) -> None:
    # The swapped leaders of the groups test, with no edit allowed: nothing is tried, the
    # schedule is the search's (4 changes).
    scenario = undo_week()
    before, after = schedule(scenario, GROUPS_BEFORE), schedule(scenario, LEADERS_SWAPPED)
    undone = undo_changes(scenario, before, after, DAYS, **limits)
    assert undone.schedule == after
    assert (undone.changes_after, undone.checks, undone.stopped_by) == (4, 1, stopped_by)
