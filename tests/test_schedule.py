"""The typed week schedule (optimizer/schedule.py): ids, order, served objective, tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import assert_week_valid, make_scenario

from optimizer.schedule import (
    Session,
    WeekSchedule,
    attendance,
    gap_percent,
    served,
    session_id,
)

CLIENTS = [
    {"client_id": "C1", "track": "SUD", "plan": "P1", "priority": 1},
    {"client_id": "C2", "track": "SUD", "plan": "P1", "priority": 2},
    {"client_id": "C3", "track": "SUD", "plan": "P1", "priority": 3},
]
SCENARIO = make_scenario(
    days=["Mon", "Tue"],
    clients=CLIENTS,
    therapists=[{"therapist_id": t, "skills": "group_therapy;individual"} for t in ("T1", "T2")],
)


def group(day: str, slot_idx: int, therapist: str, clients: tuple[str, ...]) -> Session:
    return Session.create(SCENARIO, day, "AM", slot_idx, "group_therapy", "SUD", therapist, "",
                          clients)  # fmt: skip


# C2 and C3 attend Mon AM (both slots, with T1), C1 is not scheduled: a valid week.
MONDAY = WeekSchedule((group("Mon", 1, "T1", ("C2", "C3")), group("Mon", 0, "T1", ("C3", "C2"))))


def test_session_id_names_day_block_slot_and_therapist() -> None:
    assert session_id("Mon", "AM", 0, "T1") == "Mon-AM-1-T1"  # slot numbers are 1-based


def test_a_session_is_created_with_its_times_and_date() -> None:
    session = group("Tue", 1, "T2", ("C1", "C2"))
    # AM's second slot is 10:00-10:50 = minutes 600-650; Tue of the week of Mon 2026-12-14.
    assert (session.session_id, session.start, session.end, session.date, session.size) == (
        "Tue-AM-2-T2", 600, 650, "2026-12-15", 2,
    )  # fmt: skip
    individual = Session.create(SCENARIO, "Tue", "AM", 0, "individual", "SUD", "T2", "", ["C1"])
    assert individual.track == ""  # only groups belong to a track


def test_served_counts_each_client_once_by_priority() -> None:
    # C2 (priority 2) and C3 (priority 3) are in two sessions each: 2 + 3 = 5.
    assert MONDAY.served(SCENARIO) == 5
    assert served(SCENARIO, ["C1", "C1", "C3"]) == 1 + 3
    assert WeekSchedule().served(SCENARIO) == 0
    assert WeekSchedule().is_empty and not MONDAY.is_empty


def test_the_schedule_is_valid_per_the_checker() -> None:
    assert_week_valid(SCENARIO, MONDAY)


def test_tables_come_in_the_canonical_order() -> None:
    week = MONDAY + WeekSchedule((group("Tue", 0, "T2", ("C1", "C2")),))
    assignments, sessions = week.to_frames()
    # Sessions by day, start, block, id; assignments by client, then the same.
    assert list(sessions["session_id"]) == ["Mon-AM-1-T1", "Mon-AM-2-T1", "Tue-AM-1-T2"]
    assert list(zip(assignments["client_id"], assignments["session_id"], strict=True)) == [
        ("C1", "Tue-AM-1-T2"),
        ("C2", "Mon-AM-1-T1"), ("C2", "Mon-AM-2-T1"), ("C2", "Tue-AM-1-T2"),
        ("C3", "Mon-AM-1-T1"), ("C3", "Mon-AM-2-T1"),
    ]  # fmt: skip
    assert list(sessions.iloc[0]) == [
        "Mon-AM-1-T1", "group_therapy", "SUD", "Mon", "2026-12-14", "AM", "09:00", "09:50",
        "T1", "", 2,
    ]  # fmt: skip
    assert week.sorted().sessions[0].session_id == "Mon-AM-1-T1"


def test_rows_read_back_give_the_same_schedule() -> None:
    assignments, sessions = MONDAY.to_frames()
    back = WeekSchedule.from_rows(
        SCENARIO, assignments.to_dict("records"), sessions.to_dict("records")
    )
    # Clients come in the assignment rows' order (by client id), sessions in the table's.
    assert back == WeekSchedule(
        (group("Mon", 0, "T1", ("C2", "C3")), group("Mon", 1, "T1", ("C2", "C3")))
    )


def test_rows_at_no_slot_of_the_week_are_left_out() -> None:
    assignments, sessions = MONDAY.to_frames()
    rows = sessions.to_dict("records")
    rows[1]["start"] = "10:15"  # a hand edit moved it off the grid
    back = WeekSchedule.from_rows(SCENARIO, assignments.to_dict("records"), rows)
    assert [s.session_id for s in back.sessions] == ["Mon-AM-1-T1"]


def test_select_and_add() -> None:
    first, second = MONDAY.sessions
    assert MONDAY.select({first.session_id}).sessions == (first,)
    assert MONDAY.select({first.session_id}, keep=False).sessions == (second,)
    assert MONDAY.select({first.session_id}) + MONDAY.select(set()) == WeekSchedule((first,))


def test_of_clients_keeps_their_sessions_with_only_them() -> None:
    tuesday = WeekSchedule((group("Tue", 0, "T2", ("C1", "C2")),))
    week = MONDAY + tuesday
    # C1 is only on Tuesday; C3 only on Monday (both slots); C2 is everywhere.
    assert week.of_clients({"C1"}) == WeekSchedule(
        (dataclasses.replace(tuesday.sessions[0], clients=("C1",)),)
    )
    assert [s.clients for s in week.of_clients({"C3"}).sessions] == [("C3",), ("C3",)]
    assert week.of_clients({"C1", "C2", "C3"}) == week
    assert week.of_clients(set()) == WeekSchedule()


def test_attendance_keeps_one_block_a_day() -> None:
    # A hand edit put C1 in two blocks on Mon: the first in alphabetical order counts.
    triples = [("C1", "Mon", "EVE"), ("C1", "Mon", "AM"), ("C1", "Tue", "EVE"), ("C2", "Mon", "AM")]
    assert attendance(triples) == {"C1": {"Mon": "AM", "Tue": "EVE"}, "C2": {"Mon": "AM"}}
    assert MONDAY.attendance() == {"C2": {"Mon": "AM"}, "C3": {"Mon": "AM"}}


def test_to_schedule_lists_everyone_else_as_unscheduled() -> None:
    schedule = MONDAY.to_schedule(SCENARIO, reason="left out")
    assert schedule.unscheduled.to_dict("records") == [{"client_id": "C1", "reason": "left out"}]


def test_a_session_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MONDAY.sessions[0].room_id = "R1"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [
        pytest.param(30, 40, 25.0, id="phase-1: (40 - 30) / 40"),
        pytest.param(40, 40, 0.0, id="proven"),
        pytest.param(12, 9, 25.0, id="phase-2 penalty: (12 - 9) / 12"),
        pytest.param(0, 0, 0.0, id="nobody can be served, proven: 0 / max(1, 0, 0)"),
        pytest.param(0, 0.5, 50.0, id="a bound below 1 divides by 1"),
        pytest.param(None, 40, None, id="no schedule"),
        pytest.param(float("nan"), 40, None, id="NaN cell"),
        pytest.param(pd.NA, pd.NA, None, id="NA cell"),
    ],
)
def test_gap_percent(objective: object, bound: object, gap: float | None) -> None:
    assert gap_percent(objective, bound) == gap
