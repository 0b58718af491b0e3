"""Placing one client into a week (SPEC §7, optimizer/weekly/): tiny weeks derived by hand.

Every week here is written as a schedule folder and read back, as ``place`` reads a
coordinator's folder, and every option is judged by the independent checker again here.
Default weights: preferred_block 3, same_block 5, group_sessions 1, small_groups 2,
group_continuity 1, individual_by_group_leader 1, therapist_load 1. A group's comfortable
size is ``min(max_size, min_size + 2)``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from optimizer import Scenario, check_schedule, cli, read_schedule, solve
from optimizer.io.write import write_csv
from optimizer.schedule import Session, WeekSchedule
from optimizer.search.params import SearchParams
from optimizer.search.solver import Role, make_solver
from optimizer.weekly import PlaceInputError, place
from optimizer.weekly.placement import Placement, PlaceOption

SessionSpec = tuple[str, str, int, str, str, str, Sequence[str]]
"""(day, block, slot_idx, session type, track, therapist, clients) of a base session."""


def week(clients: list[dict[str, Any]], therapists: list[dict[str, Any]], **over: Any) -> Scenario:
    """Mon only, blocks AM and PM of two slots each; a group type of 2 to 3 clients and an
    individual type; plan P: one day with one group and one individual session."""
    data: dict[str, Any] = {
        "name": "place",
        "week_start": "2026-12-14",
        "days": ["Mon"],
        "blocks": {"AM": ["09:00-09:50", "10:00-10:50"], "PM": ["13:00-13:50", "14:00-14:50"]},
        "session_types": {
            "group": {"kind": "group", "min_size": 2, "max_size": 3},
            "one": {"kind": "individual"},
        },
        "plans": {"P": {"min_days": 1, "max_days": 1, "sessions": {"group": 1, "one": 1}}},
        "clients": clients,
        "therapists": therapists,
    }
    data.update(over)
    return Scenario.from_data(data)


def client(cid: str, **over: Any) -> dict[str, Any]:
    return {"client_id": cid, "track": "SUD", "plan": "P", **over}


def write_week(
    scenario: Scenario,
    specs: Sequence[SessionSpec],
    folder: Path,
    room_of: dict[str, str] | None = None,
) -> Path:
    """Write a hand-made week as a SPEC §5 folder (every client without a session listed
    as unscheduled; sessions in person in ``room_of`` their therapist's room) and check that
    it keeps every rule."""
    room_of = room_of or {}
    sessions = WeekSchedule(
        tuple(
            Session.create(
                scenario, day, block, slot, stype, track, tid,
                "" if scenario.is_virtual(block) else room_of.get(tid, ""), members,
            )
            for day, block, slot, stype, track, tid, members in specs
        )
    )  # fmt: skip
    tables = sessions.to_schedule(scenario, reason="waitlisted")
    folder.mkdir(parents=True)
    write_csv(tables.assignments, folder / "assignments.csv")
    write_csv(tables.sessions, folder / "sessions.csv")
    write_csv(tables.unscheduled, folder / "unscheduled.csv")
    assert not list(check_schedule(scenario, read_schedule(folder)))
    return folder


def rows(frame: pd.DataFrame) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in frame.itertuples(index=False, name=None)}


def assert_checked(scenario: Scenario, option: PlaceOption) -> None:
    violations = check_schedule(scenario, option.schedule)
    assert not list(violations), "\n".join(str(v) for v in violations)


# ---------------------------------------------------------------------------------------
# One AM block: C1 and C2 in T1's group (slot 1), then individual sessions with T1 and T2
# (slot 2). N fits only by joining the group (2 -> 3 of at most 3) and taking T3's free
# slot 2. Without T3 every therapist is busy in slot 2: no option at all.

AM_ONLY = {"AM": ["09:00-09:50", "10:00-10:50"]}
BASE_AM: list[SessionSpec] = [
    ("Mon", "AM", 0, "group", "SUD", "T1", ["C1", "C2"]),
    ("Mon", "AM", 1, "one", "", "T1", ["C1"]),
    ("Mon", "AM", 1, "one", "", "T2", ["C2"]),
]


def three_therapists() -> list[dict[str, Any]]:
    return [
        {"therapist_id": "T1", "skills": "group;one"},
        {"therapist_id": "T2", "skills": "one"},
        {"therapist_id": "T3", "skills": "one"},
    ]


def test_joining_a_group_leaves_every_other_row_as_it_was(tmp_path: Path) -> None:
    scenario = week([client("C1"), client("C2"), client("N")], three_therapists(), blocks=AM_ONLY)
    folder = write_week(scenario, BASE_AM, tmp_path / "week")
    before = read_schedule(folder)
    placement = place(scenario, before, "N")
    assert (placement.found, placement.moves_others, placement.without_moving) == (
        True,
        False,
        "found",
    )
    [option] = placement.options  # one day, one block: one option
    assert_checked(scenario, option)
    assert option.attendance == (("Mon", "AM"),)
    assert [(s.session_id, s.new, s.size) for s in option.sessions] == [
        ("Mon-AM-1-T1", False, 3),  # joins C1 and C2
        ("Mon-AM-2-T3", True, 1),  # a new individual session
    ]
    # Every other client's assignment rows are the same rows; N's are new.
    after = option.schedule
    assert rows(after.assignments) - rows(before.assignments) == {
        ("N", "Mon-AM-1-T1", "group", "Mon", "2026-12-14", "AM", "09:00", "09:50", "T1", ""),
        ("N", "Mon-AM-2-T3", "one", "Mon", "2026-12-14", "AM", "10:00", "10:50", "T3", ""),
    }
    assert rows(before.assignments) <= rows(after.assignments)
    # sessions.csv: the joined group's size goes from 2 to 3, one session is added.
    changed = rows(after.sessions) ^ rows(before.sessions)
    assert changed == {
        ("Mon-AM-1-T1", "group", "SUD", "Mon", "2026-12-14", "AM", "09:00", "09:50", "T1", "", "2"),
        ("Mon-AM-1-T1", "group", "SUD", "Mon", "2026-12-14", "AM", "09:00", "09:50", "T1", "", "3"),
        ("Mon-AM-2-T3", "one", "", "Mon", "2026-12-14", "AM", "10:00", "10:50", "T3", "", "1"),
    }
    assert list(after.unscheduled["client_id"]) == []
    # small_groups: the group of comfortable size 3 was one short, now none: -1 (x2);
    # N's individual is with T3, who leads none of N's groups: +1 (x1). T1 stays the
    # busiest at 100 %. Penalty -2 + 1 = -1.
    assert option.penalty == -1
    assert {k: v for k, v in option.terms.items() if v} == {
        "small_groups": -1,
        "individual_by_group_leader": 1,
    }


def test_the_edit_applied_to_the_rows_gives_the_option(tmp_path: Path) -> None:
    # What an app (or the page) does with an option: apply its edit to its own copy.
    scenario = week([client("C1"), client("C2"), client("N")], three_therapists(), blocks=AM_ONLY)
    before = read_schedule(write_week(scenario, BASE_AM, tmp_path / "week"))
    [option] = place(scenario, before, "N").options
    edit = option.to_dict()["edit"]
    gone = {(r["client_id"], r["session_id"]) for r in edit["assignments_removed"]}
    assignments = [
        r
        for r in before.assignments.to_dict("records")
        if (r["client_id"], r["session_id"]) not in gone
    ] + edit["assignments_added"]
    upserted = {r["session_id"]: r for r in edit["sessions_upserted"]}
    sessions = [
        upserted.pop(r["session_id"], r)
        for r in before.sessions.to_dict("records")
        if r["session_id"] not in edit["sessions_removed"]
    ] + list(upserted.values())
    assert rows(pd.DataFrame(assignments)) == rows(option.schedule.assignments)
    assert rows(pd.DataFrame(sessions)) == rows(option.schedule.sessions)


def test_no_option_without_moving_others_and_none_moving_them(tmp_path: Path) -> None:
    # Without T3, T1 and T2 are both busy in slot 2, and N cannot go anywhere else: no
    # option leaves everyone in place. Moving C1 or C2 does not help either: the three
    # need three individual sessions in slot 2 and there are two therapists.
    therapists = three_therapists()[:2]
    scenario = week([client("C1"), client("C2"), client("N")], therapists, blocks=AM_ONLY)
    before = read_schedule(write_week(scenario, BASE_AM, tmp_path / "week"))
    placement = place(scenario, before, "N", time_limit=30)
    assert placement.options == ()
    assert (placement.found, placement.without_moving) == (False, "none")
    assert "no option without moving others" in placement.message
    assert "does not help either" in placement.message


# ---------------------------------------------------------------------------------------
# Two blocks: the same arrangement in AM (C1, C2) and in PM (C3, C4), with T3 free. N
# prefers PM.


def two_block_week(**over: Any) -> tuple[Scenario, list[SessionSpec]]:
    clients = [client(c) for c in ("C1", "C2", "C3", "C4")]
    clients.append(client("N", preferred_block="PM"))
    specs: list[SessionSpec] = [
        *BASE_AM,
        ("Mon", "PM", 0, "group", "SUD", "T1", ["C3", "C4"]),
        ("Mon", "PM", 1, "one", "", "T1", ["C3"]),
        ("Mon", "PM", 1, "one", "", "T2", ["C4"]),
    ]
    return week(clients, three_therapists(), **over), specs


def test_options_are_ranked_by_the_secondary_objective(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Either block: join its group (small_groups -1, x2) and take T3 in slot 2
    # (individual_by_group_leader +1); AM also costs preferred_block +1 (x3). T1 has four
    # sessions in four slots (100 %), T3 then one: the load term does not change.
    # PM: -2 + 1 = -1; AM: 3 - 2 + 1 = +2.
    scenario, specs = two_block_week()
    before = read_schedule(write_week(scenario, specs, tmp_path / "week"))
    placement = place(scenario, before, "N")
    assert [(o.rank, o.attendance, o.penalty) for o in placement.options] == [
        (1, (("Mon", "PM"),), -1),
        (2, (("Mon", "AM"),), 2),
    ]
    assert placement.options[1].terms["preferred_block"] == 1
    for option in placement.options:
        assert_checked(scenario, option)
    assert [o.attendance for o in place(scenario, before, "N", top=1).options] == [(("Mon", "PM"),)]
    # The model ranked by the penalties the rows give (it warns when they differ).
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_pin_of_the_placed_client_is_kept(tmp_path: Path) -> None:
    # A promise made at intake: N comes in the morning. The PM option is then not offered.
    scenario, specs = two_block_week(
        pins=[{"kind": "client_block", "client_id": "N", "block": "AM"}]
    )
    before = read_schedule(write_week(scenario, specs, tmp_path / "week"))
    placement = place(scenario, before, "N")
    assert [(o.attendance, o.penalty) for o in placement.options] == [((("Mon", "AM"),), 2)]
    assert_checked(scenario, placement.options[0])


@pytest.mark.parametrize(
    ("who_avoids", "avoided"),
    [
        ("N", "C3"),  # N avoids C3, who is in the PM group
        ("C3", "N"),  # C3 avoids N: the same, from the other side
    ],
)
def test_a_group_with_someone_avoided_is_no_seat(
    tmp_path: Path, who_avoids: str, avoided: str
) -> None:
    scenario, specs = two_block_week()
    clients = tuple(
        c.updated(avoid=(avoided,)) if c.client_id == who_avoids else c for c in scenario.clients
    )
    scenario = scenario.updated(clients=clients)
    before = read_schedule(write_week(scenario, specs, tmp_path / "week"))
    assert [o.attendance for o in place(scenario, before, "N").options] == [(("Mon", "AM"),)]


def test_a_pinned_group_session_of_the_placed_client_is_kept(tmp_path: Path) -> None:
    # Promised at intake: N's first session is T1's group at 09:00. Only the AM option.
    pin = {"kind": "client_session", "client_id": "N", "session_type": "group", "day": "Mon",
           "block": "AM", "slot": 1, "therapist_id": "T1"}  # fmt: skip
    scenario, specs = two_block_week(pins=[pin])
    before = read_schedule(write_week(scenario, specs, tmp_path / "week"))
    [option] = place(scenario, before, "N").options
    assert option.attendance == (("Mon", "AM"),)
    assert option.sessions[0].session_id == "Mon-AM-1-T1"
    assert_checked(scenario, option)


# ---------------------------------------------------------------------------------------
# Rules of the week's model hold for a placement too: a virtual (telehealth) block only for
# clients cleared for it, no room there, and the plan's daily hours.


ROOM_OF = {"T1": "R1", "T2": "R2"}
"""The rooms of T1's and T2's sessions in person in :func:`telehealth_week`."""


def telehealth_week(cleared: bool, plan: str = "P") -> tuple[Scenario, list[SessionSpec]]:
    """AM in person (two 50-minute slots; rooms R1 for 3, R2 and R3 for one) and EVE-V by
    video (two 60-minute slots), both arranged as above; N (on ``plan``) prefers EVE-V.
    Plan Q is P with at least 2 hours of sessions a day."""
    clients = [client(c) for c in ("C1", "C2")] + [
        client(c, telehealth="yes") for c in ("C3", "C4")
    ]
    clients.append(
        client("N", plan=plan, preferred_block="EVE-V", telehealth="yes" if cleared else "no")
    )
    scenario = week(
        clients,
        three_therapists(),
        blocks={
            "AM": ["09:00-09:50", "10:00-10:50"],
            "EVE-V": {"slots": ["18:00-19:00", "19:00-20:00"], "telehealth": True},
        },
        rooms=[
            {"room_id": "R1", "capacity": 3},
            {"room_id": "R2", "capacity": 1},
            {"room_id": "R3", "capacity": 1},
        ],
        plans={
            "P": {"min_days": 1, "max_days": 1, "sessions": {"group": 1, "one": 1}},
            "Q": {
                "min_days": 1,
                "max_days": 1,
                "sessions": {"group": 1, "one": 1},
                "min_hours_per_day": 2,
            },
        },  # fmt: skip
    )
    specs: list[SessionSpec] = []
    for block, (a, b) in (("AM", ("C1", "C2")), ("EVE-V", ("C3", "C4"))):
        specs += [
            ("Mon", block, 0, "group", "SUD", "T1", [a, b]),
            ("Mon", block, 1, "one", "", "T1", [a]),
            ("Mon", block, 1, "one", "", "T2", [b]),
        ]
    return scenario, specs


@pytest.mark.parametrize(
    ("cleared", "offered"),
    [
        (True, [(("Mon", "EVE-V"), ""), (("Mon", "AM"), "R3")]),  # cleared: video first
        (False, [(("Mon", "AM"), "R3")]),  # not cleared for telehealth: in person only
    ],
)
def test_virtual_blocks_only_for_clients_cleared_for_telehealth(
    tmp_path: Path, cleared: bool, offered: list[tuple[tuple[str, str], str]]
) -> None:
    # As in the two-block week: EVE-V (preferred) -1, AM +2. N's new individual session
    # is in R3, the one room free in person at 10:00, and has no room by video.
    scenario, specs = telehealth_week(cleared)
    before = read_schedule(write_week(scenario, specs, tmp_path / "week", ROOM_OF))
    placement = place(scenario, before, "N")
    got = [(o.attendance[0], o.sessions[1].room_id) for o in placement.options]
    assert got == offered
    for option in placement.options:
        assert_checked(scenario, option)


def test_the_plans_daily_hours_leave_only_long_enough_blocks(tmp_path: Path) -> None:
    # Plan Q needs 2 h a day: AM gives 1 h 40 min, EVE-V 2 h. Cleared for telehealth, N
    # gets the EVE-V option only; not cleared, N can attend no block at all.
    scenario, specs = telehealth_week(True, plan="Q")
    before = read_schedule(write_week(scenario, specs, tmp_path / "cleared", ROOM_OF))
    assert [o.attendance for o in place(scenario, before, "N").options] == [(("Mon", "EVE-V"),)]
    scenario, specs = telehealth_week(False, plan="Q")
    before = read_schedule(write_week(scenario, specs, tmp_path / "not-cleared", ROOM_OF))
    placement = place(scenario, before, "N")
    assert (placement.options, placement.without_moving) == ((), "none")
    assert placement.message.startswith("N (SUD, plan Q) cannot attend any block this week")


# ---------------------------------------------------------------------------------------
# Joining versus opening: one slot, a drop-in group type of 1 to 2 clients (comfortable
# size 2), plan Q: one such session on one day; T1 and T2 lead it.


def drop_in_week(clients: list[str], available: dict[str, str] | None = None) -> Scenario:
    available = available or {}
    return week(
        [
            {"client_id": c, "track": "SUD", "plan": "Q", "available": available.get(c, "")}
            for c in clients
        ],
        [{"therapist_id": t, "skills": "drop"} for t in ("T1", "T2")],
        days=["Mon", "Tue"],
        blocks={"AM": ["09:00-09:50"]},
        session_types={"drop": {"kind": "group", "min_size": 1, "max_size": 2}},
        plans={"Q": {"min_days": 1, "max_days": 1, "sessions": {"drop": 1}}},
    )


MON_ONLY = "Mon 08:00-12:00"


def test_joining_a_group_beats_opening_one(tmp_path: Path) -> None:
    # N can come Monday only. Joining T1's group of one: small_groups 1 -> 0 (-2). Opening
    # a group with T2 instead would cost group_sessions +1 and small_groups +1 (+3): the
    # model picks the join (one day, one block: one option).
    scenario = drop_in_week(["C1", "N"], {"N": MON_ONLY})
    before = read_schedule(
        write_week(scenario, [("Mon", "AM", 0, "drop", "SUD", "T1", ["C1"])], tmp_path / "w")
    )
    [option] = place(scenario, before, "N").options
    assert [(s.session_id, s.new, s.size) for s in option.sessions] == [("Mon-AM-1-T1", False, 2)]
    assert (option.penalty, option.terms["small_groups"]) == (-2, -1)
    assert_checked(scenario, option)


def test_a_new_group_opens_when_the_one_running_is_full(tmp_path: Path) -> None:
    # C1 and C2 fill T1's group (2 of 2); T2 is free: N's group opens with T2, alone.
    # group_sessions +1, small_groups +1 (one short of 2): penalty 1 + 2 = 3. T1 is at
    # 100 % of its 2 slots already, so the load term does not change.
    scenario = drop_in_week(["C1", "C2", "N"], {"N": MON_ONLY})
    base = [("Mon", "AM", 0, "drop", "SUD", "T1", ["C1", "C2"])]
    before = read_schedule(write_week(scenario, base, tmp_path / "w"))
    [option] = place(scenario, before, "N").options
    assert [(s.session_id, s.new, s.size) for s in option.sessions] == [("Mon-AM-1-T2", True, 1)]
    assert option.penalty == 3
    assert {k: v for k, v in option.terms.items() if v} == {"group_sessions": 1, "small_groups": 1}
    assert_checked(scenario, option)


def test_when_nothing_fits_the_fewest_moved_clients_are_named(tmp_path: Path) -> None:
    # Only T1 now. T1's Monday group is full (C1, C2), N can come Monday only and T1 cannot
    # lead a second group at the same time: no option without moving others. C1 can come
    # Monday only too; C2 any day. Moving C2 to a Tuesday group of their own lets N take
    # C2's place: the one option, and it names C2.
    scenario = drop_in_week(["C1", "C2", "N"], {"N": MON_ONLY, "C1": MON_ONLY})
    scenario = scenario.updated(therapists=scenario.therapists[:1])
    base = [("Mon", "AM", 0, "drop", "SUD", "T1", ["C1", "C2"])]
    before = read_schedule(write_week(scenario, base, tmp_path / "w"))
    placement = place(scenario, before, "N", time_limit=30)
    assert (placement.found, placement.moves_others, placement.without_moving) == (
        True,
        True,
        "none",
    )
    assert placement.message.startswith("N (SUD, plan Q): no option without moving others.")
    [option] = placement.options
    assert_checked(scenario, option)
    [move] = option.moves
    assert move.client_id == "C2"
    assert [s.session_id for s in move.leaves] == ["Mon-AM-1-T1"]
    assert [(s.session_id, s.new) for s in move.joins] == [("Tue-AM-1-T1", True)]
    assert [(s.session_id, s.size) for s in option.sessions] == [("Mon-AM-1-T1", 2)]
    # C1's rows stay exactly as they were.
    c1 = option.schedule.assignments[option.schedule.assignments["client_id"] == "C1"]
    assert rows(c1) == {
        ("C1", "Mon-AM-1-T1", "drop", "Mon", "2026-12-14", "AM", "09:00", "09:50", "T1", "")
    }
    assert "C2 leaves Mon AM 09:00 drop (T1); joins Tue AM 09:00 drop (T1)" in option.text()


def test_an_app_places_into_the_result_of_a_solve_or_a_folder(tmp_path: Path) -> None:
    # The drop-in week without N: the solver puts C1 alone in a group (a drop-in group may
    # run with one) on Monday or Tuesday. N (Monday only) then has one option, one session
    # (C1's group or a new one), whether the week is a result of solve() or its folder.
    scenario = drop_in_week(["C1", "N"], {"N": MON_ONLY})
    without_n = scenario.updated(clients=scenario.clients[:1])
    result = solve(without_n, time_limit=10, workers=1, seed=0)
    assert result.scheduled_clients == 1
    folder = result.write(tmp_path / "week", report=False, xlsx=False, calendars=False)
    for schedule in (result, folder, str(folder)):
        placement = place(scenario, schedule, "N")
        assert [len(o.sessions) for o in placement.options] == [1]
        assert_checked(scenario, placement.options[0])


def test_when_nobody_alone_makes_room_the_track_model_names_two(tmp_path: Path) -> None:
    # Mon, Tue, Wed; only T1. Monday's group is full (C1, C2), so is Tuesday's (C3, C4).
    # N and C1 can come Monday only, C2 Monday or Tuesday, C3 Tuesday only, C4 Tuesday or
    # Wednesday. Nobody alone makes room (C2 has nowhere to go while Tuesday is full); C4
    # to a Wednesday group of their own and C2 into C4's Tuesday place does: two moved.
    days = {"N": "Mon 08:00-12:00", "C1": "Mon 08:00-12:00", "C2": "Mon,Tue 08:00-12:00",
            "C3": "Tue 08:00-12:00", "C4": "Tue,Wed 08:00-12:00"}  # fmt: skip
    scenario = drop_in_week(["C1", "C2", "C3", "C4", "N"], days)
    scenario = scenario.updated(days=("Mon", "Tue", "Wed"), therapists=scenario.therapists[:1])
    base = [
        ("Mon", "AM", 0, "drop", "SUD", "T1", ["C1", "C2"]),
        ("Tue", "AM", 0, "drop", "SUD", "T1", ["C3", "C4"]),
    ]
    before = read_schedule(write_week(scenario, base, tmp_path / "w"))
    placement = place(scenario, before, "N", time_limit=60)
    assert (placement.moves_others, placement.without_moving) == (True, "none")
    [option] = placement.options
    assert_checked(scenario, option)
    assert [
        (m.client_id, [s.day for s in m.leaves], [s.day for s in m.joins]) for m in option.moves
    ] == [
        ("C2", ["Mon"], ["Tue"]),
        ("C4", ["Tue"], ["Wed"]),
    ]
    assert [(s.session_id, s.size) for s in option.sessions] == [("Mon-AM-1-T1", 2)]


# ---------------------------------------------------------------------------------------
# Invalid input


@pytest.mark.parametrize(
    ("client_id", "problem"),
    [
        ("C1", "C1 is already scheduled (2 sessions in the schedule)"),  # nothing to place
        ("NN", "unknown client 'NN' (did you mean 'N'?)"),  # a typo of an id
        ("X9", "unknown client 'X9'"),  # not in the scenario at all
    ],
)
def test_a_client_who_cannot_be_placed_is_an_input_error(
    tmp_path: Path, client_id: str, problem: str
) -> None:
    scenario = week([client("C1"), client("C2"), client("N")], three_therapists(), blocks=AM_ONLY)
    before = read_schedule(write_week(scenario, BASE_AM, tmp_path / "week"))
    with pytest.raises(PlaceInputError) as caught:
        place(scenario, before, client_id)
    assert problem in str(caught.value)


def test_a_schedule_that_breaks_rules_is_an_input_error(tmp_path: Path) -> None:
    # A hand edit put C2 into T2's slot-2 session too: T2's individual session has two
    # clients. Without T3 no option exists, and the schedule itself is the reason.
    scenario = week(
        [client("C1"), client("C2"), client("N")], three_therapists()[:2], blocks=AM_ONLY
    )
    folder = write_week(scenario, BASE_AM, tmp_path / "week")
    broken = read_schedule(folder)
    extra = broken.assignments[broken.assignments["client_id"] == "C2"].iloc[[1]].copy()
    extra["client_id"] = "C1"
    broken.assignments = pd.concat([broken.assignments, extra], ignore_index=True)
    with pytest.raises(PlaceInputError, match="breaks .* rule"):
        place(scenario, broken, "N")


# ---------------------------------------------------------------------------------------
# The command


def cli_week(tmp_path: Path, therapists: list[dict[str, Any]]) -> tuple[Path, Path]:
    scenario = week([client("C1"), client("C2"), client("N")], therapists, blocks=AM_ONLY)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario.to_data()), encoding="utf-8")
    return path, write_week(scenario, BASE_AM, tmp_path / "week")


def test_place_command_prints_writes_and_exits_0(tmp_path: Path) -> None:
    scenario, folder = cli_week(tmp_path, three_therapists())
    out = tmp_path / "placed"
    ran = CliRunner().invoke(
        cli.main, ["place", str(scenario), str(folder), "N", "--out", str(out)]
    )
    assert ran.exit_code == 0, ran.output
    assert "1 option without moving anyone else" in ran.output
    assert "Mon AM 09:00-09:50 group: joins Mon-AM-1-T1 (T1, 3 clients)" in ran.output
    assert f"wrote {out} (option 1 applied)" in ran.output
    written = read_schedule(out)
    data = Scenario.from_data(json.loads(scenario.read_text(encoding="utf-8")))
    assert not list(check_schedule(data, written))  # no rule, no stale summary warning
    assert set(written.assignments["client_id"]) == {"C1", "C2", "N"}
    assert written.summary is not None
    assert written.summary["parameters"]["placed"] == {"client_id": "N", "option": 1, "moves": []}


def test_place_command_json(tmp_path: Path) -> None:
    scenario, folder = cli_week(tmp_path, three_therapists())
    ran = CliRunner().invoke(cli.main, ["place", str(scenario), str(folder), "N", "--json"])
    assert ran.exit_code == 0, ran.output
    data = json.loads(ran.output)
    assert (data["found"], data["moves_others"], len(data["options"])) == (True, False, 1)
    option = data["options"][0]
    assert option["days"] == [{"day": "Mon", "date": "2026-12-14", "block": "AM"}]
    assert [s["session_id"] for s in option["sessions"]] == ["Mon-AM-1-T1", "Mon-AM-2-T3"]
    assert option["penalty"] == -1


def test_place_command_exits_1_when_nothing_fits(tmp_path: Path) -> None:
    scenario, folder = cli_week(tmp_path, three_therapists()[:2])
    out = tmp_path / "placed"
    ran = CliRunner().invoke(
        cli.main, ["place", str(scenario), str(folder), "N", "--out", str(out)]
    )
    assert ran.exit_code == 1, ran.output
    assert "no option without moving others" in ran.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("client_id", "folder_name", "message"),
    [
        ("C1", "week", "C1 is already scheduled"),  # placing a scheduled client
        ("n", "week", "unknown client 'n' (did you mean 'N'?)"),  # ids are case-sensitive
        ("N", "missing", "is not a folder"),  # the schedule folder does not exist
        ("N", "empty", "assignments.csv: does not exist"),  # a folder without the files
    ],
)
def test_place_command_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, client_id: str, folder_name: str, message: str
) -> None:
    scenario, folder = cli_week(tmp_path, three_therapists())
    (tmp_path / "empty").mkdir()
    out = tmp_path / "placed"
    target = folder if folder_name == "week" else tmp_path / folder_name
    ran = CliRunner().invoke(
        cli.main, ["place", str(scenario), str(target), client_id, "--out", str(out)]
    )
    assert ran.exit_code == 2, ran.output
    assert message in ran.output
    assert "Traceback" not in ran.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------
# The solver and the answer as data


def test_placement_models_get_their_own_solver_role() -> None:
    # One worker, one light presolve pass, no probing, symmetry or LP (SearchParams).
    solver = make_solver(SearchParams(), 2.0, 4, seed=3, role=Role.PLACE)
    p = solver.parameters
    assert (p.num_workers, p.max_presolve_iterations, p.cp_model_probing_level) == (1, 1, 0)
    assert (p.symmetry_level, p.linearization_level, p.max_time_in_seconds) == (0, 0, 2.0)
    assert p.random_seed == 3


def test_the_answer_is_json_ready_and_names_no_one_by_name(tmp_path: Path) -> None:
    scenario, specs = two_block_week()
    named = scenario.updated(
        clients=tuple(c.updated(name=f"Person {c.client_id}") for c in scenario.clients)
    )
    before = read_schedule(write_week(named, specs, tmp_path / "week"))
    placement = place(named, before, "N")
    assert isinstance(placement, Placement)
    text = placement.text() + json.dumps(placement.to_dict())
    assert "Person" not in text
    assert json.loads(placement.to_json())["options"][0]["rank"] == 1
