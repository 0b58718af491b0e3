"""Clinical and billing rules (SPEC §2, §3 rule 10): virtual blocks and hour minimums.

Tiny weeks where one rule binds, each with its answer derived by hand in a comment. Every
week starts from ``week()``: Monday to Friday from 2026-12-14, an in-person block ``AM`` of
three 50-minute slots (150 min = 2.5 h a day), group type ``gt`` (2..12 clients), an
individual type ``ind``, plan ``P`` (1 day, one ``gt``), clients C1 and C2 (track SUD) and
therapist T1 (gt, ind). Each case changes only what its rule needs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_valid

from optimizer import Issue, Result, Scenario, ScenarioError, SolveStatus, load_scenario, solve
from optimizer.cells import Block
from optimizer.compliance import compliance_counts
from optimizer.explain import explain
from optimizer.model.candidates import attendable, build_candidates
from optimizer.scenario import hours_text, requirement

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MON = "2026-12-14"
AM = ["09:00-09:50", "10:00-10:50", "11:00-11:50"]
EVE = ["18:00-18:50", "19:00-19:50", "20:00-20:50"]
WORKS_DAYS = "Mon-Fri 09:00-17:30"  # a day job that ends 30 minutes before 18:00


def clients(ids: str, plan: str = "P", **fields: Any) -> list[dict[str, Any]]:
    """Client rows (track SUD) for space-separated ids, all with the same fields."""
    return [{"client_id": cid, "track": "SUD", "plan": plan, **fields} for cid in ids.split()]


def plan(min_days: int = 1, max_days: int = 1, **fields: Any) -> dict[str, Any]:
    return {"min_days": min_days, "max_days": max_days, "sessions": {"gt": 1}, **fields}


def week(**changes: Any) -> dict[str, Any]:
    """Scenario data of the base week with top-level keys replaced."""
    data: dict[str, Any] = {
        "name": "clinical",
        "week_start": MON,
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "blocks": {"AM": AM},
        "session_types": {
            "gt": {"kind": "group", "min_size": 2, "max_size": 12},
            "ind": {"kind": "individual"},
        },
        "plans": {"P": plan()},
        "clients": clients("C1 C2"),
        "therapists": [{"therapist_id": "T1", "skills": "gt;ind"}],
    }
    data.update(changes)
    return data


def run(data: dict[str, Any]) -> Result:
    """Solve a tiny week (it must be proven optimal) and check every rule of the result."""
    result = solve(Scenario.from_data(data), time_limit=10, workers=1, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    with tempfile.TemporaryDirectory() as folder:
        assert_valid(result, Path(folder) / "out")
    return result


def reasons(result: Result) -> dict[str, str]:
    return dict(zip(result.unscheduled["client_id"], result.unscheduled["reason"], strict=True))


def days_and_blocks(result: Result, client_id: str) -> set[tuple[str, str]]:
    rows = result.assignments[result.assignments["client_id"] == client_id]
    return set(zip(rows["day"], rows["block"], strict=True))


# ---- the scenario: telehealth cells, block mappings, hour fields ---------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("yes", True, id="yes"),
        pytest.param("YES", True, id="upper-case"),
        pytest.param(" No ", False, id="spaces-around"),
        pytest.param("true", True, id="true"),
        pytest.param("False", False, id="false"),
        pytest.param("1", True, id="one-as-text"),
        pytest.param("0", False, id="zero-as-text"),
        pytest.param(1, True, id="one-from-json"),
        pytest.param(1.0, True, id="one-from-a-spreadsheet"),
        pytest.param(True, True, id="yaml-boolean"),
        pytest.param("", False, id="empty-means-no"),
    ],
)
def test_telehealth_cell_accepted(cell: Any, expected: bool) -> None:
    scenario = Scenario.from_data(week(clients=clients("C1", telehealth=cell)))
    assert scenario.clients[0].telehealth is expected


def test_telehealth_defaults_to_no() -> None:
    assert Scenario.from_data(week()).clients[0].telehealth is False


def test_virtual_block_round_trips_through_data() -> None:
    data = week(blocks={"AM": AM, "EVE-V": {"slots": EVE, "telehealth": "yes"}})
    scenario = Scenario.from_data(data)
    assert scenario.is_virtual("EVE-V") and not scenario.is_virtual("AM")
    assert scenario.blocks["EVE-V"] == Block(((1080, 1130), (1140, 1190), (1200, 1250)), True)
    assert scenario.to_data()["blocks"] == {
        "AM": AM,
        "EVE-V": {"slots": EVE, "telehealth": True},
    }
    assert Scenario.from_data(scenario.to_data()) == scenario
    # a mapping without telehealth (or with no) is an ordinary in-person block
    plain = Scenario.from_data(week(blocks={"AM": {"slots": AM, "telehealth": "no"}}))
    assert not plain.is_virtual("AM") and plain.to_data()["blocks"] == {"AM": AM}


@pytest.mark.parametrize(
    ("changes", "where", "says"),
    [
        pytest.param(
            {"clients": clients("C1", telehealth="y")},
            "clients[0].telehealth",
            "expected yes or no, got 'y'; write yes or no",
            id="telehealth-abbreviated",
        ),
        pytest.param(
            {"clients": clients("C1", telehealth="maybe")},
            "clients[0].telehealth",
            "expected yes or no, got 'maybe'",
            id="telehealth-not-yes-or-no",
        ),
        pytest.param(
            {"clients": clients("C1", telehealth=2)},
            "clients[0].telehealth",
            "expected yes or no, got 2",
            id="telehealth-number-not-0-or-1",
        ),
        pytest.param(
            {"blocks": {"AM": {"slot": AM, "telehealth": True}}},
            "blocks.AM",
            "unknown key 'slot' (did you mean 'slots'?)",
            id="block-mapping-misspelled-slots",
        ),
        pytest.param(
            {"blocks": {"AM": {"telehealth": True}}},
            "blocks.AM",
            "a block written as a mapping needs its slots",
            id="block-mapping-without-slots",
        ),
        pytest.param(
            {"blocks": {"AM": {"slots": AM, "telehealth": "video"}}},
            "blocks.AM",
            "expected yes or no, got 'video'",
            id="block-telehealth-not-yes-or-no",
        ),
        pytest.param(
            {"blocks": {"AM": {"slots": ["09:00-09:5x"], "telehealth": True}}},
            "blocks.AM[0]",
            "'09:5x' is not a time",
            id="virtual-block-bad-slot",
        ),
        pytest.param(
            # the longest block, AM, gives 3 x 50 min = 2.5 h
            {"plans": {"P": plan(min_hours_per_day=3)}},
            "plans.P.min_hours_per_day",
            "plan P needs 3 h a day but the longest block, AM (3 slots), gives 2.5 h",
            id="daily-hours-beyond-the-longest-block",
        ),
        pytest.param(
            # 3 days of at most 2.5 h give 7.5 h < 9 h
            {"plans": {"P": plan(3, 3, min_hours_per_week=9)}},
            "plans.P.min_hours_per_week",
            "plan P needs 9 h a week but the longest block, AM (3 slots), gives 2.5 h, so its "
            "max_days 3 give at most 7.5 h",
            id="weekly-hours-beyond-max-days",
        ),
        pytest.param(
            {"plans": {"P": plan(min_hours_per_week=-1)}},
            "plans.P.min_hours_per_week",
            "greater than or equal to 0",
            id="negative-hours",
        ),
        pytest.param(
            {"plans": {"P": plan(min_hours_per_day="three")}},
            "plans.P.min_hours_per_day",
            "valid number",
            id="hours-not-a-number",
        ),
        pytest.param(
            {
                "blocks": {"AM": AM, "EVE-V": {"slots": EVE, "telehealth": True}},
                "rooms": [{"room_id": "R1", "capacity": 12}],
                "pins": [
                    {
                        "kind": "group_session",
                        "session_type": "gt",
                        "day": "Mon",
                        "block": "EVE-V",
                        "start": "18:00",
                        "room_id": "R1",
                    }
                ],
            },
            "pins[0].room_id",
            "block EVE-V is virtual (telehealth): its sessions have no room",
            id="pin-needs-a-room-in-a-virtual-block",
        ),
    ],
)
def test_invalid_clinical_input(changes: dict[str, Any], where: str, says: str) -> None:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_data(week(**changes))
    issues: list[Issue] = info.value.issues
    assert any(i.where == where and says in str(i) for i in issues), issues


def test_hours_reachable_exactly_are_valid() -> None:
    # 3 days of 2.5 h give exactly 7.5 h, and 2.5 h a day is exactly one AM block
    Scenario.from_data(week(plans={"P": plan(3, 3, min_hours_per_week=7.5, min_hours_per_day=2.5)}))


def test_hours_text() -> None:
    assert [hours_text(m) for m in (540, 450, 100, 0)] == ["9 h", "7.5 h", "1.67 h", "0 h"]


# ---- proration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("admit", "week_minutes", "days"),
    [
        # Mon-Fri: 5 days in the program >= min_days 3: 9 h = 540 min, not prorated
        pytest.param(None, 540, (3, 5), id="whole-week"),
        # admitted Thu: d = 2 < 3: 9 h * 2/3 = 6 h = 360 min, days 2..2
        pytest.param("2026-12-17", 360, (2, 2), id="admitted-thursday"),
        # admitted Fri: d = 1: 9 h * 1/3 = 3 h = 180 min
        pytest.param("2026-12-18", 180, (1, 1), id="admitted-friday"),
    ],
)
def test_weekly_hours_prorated_daily_hours_not(
    admit: str | None, week_minutes: int, days: tuple[int, int]
) -> None:
    data = week(
        blocks={"AM": AM, "LONG": ["13:00-13:50", "14:00-14:50", "15:00-15:50", "16:00-16:50"]},
        plans={"P": plan(3, 5, min_hours_per_week=9, min_hours_per_day=2.5)},
        clients=clients("C1", admit_date=admit),
    )
    scenario = Scenario.from_data(data)
    req = requirement(scenario, scenario.clients[0])
    assert (req.min_minutes_per_week, (req.min_days, req.max_days)) == (week_minutes, days)
    assert req.min_minutes_per_day == 150  # 2.5 h, whatever the week
    assert req.prorated is (admit is not None)


def test_prorated_hours_round_up_to_a_whole_minute() -> None:
    # admitted Thu: 7 h * 2/3 = 280 min exactly; 7.1 h * 2/3 = 284 min exactly;
    # 7.01 h * 2/3 = 280.4 min -> 281
    for hours, minutes in ((7, 280), (7.1, 284), (7.01, 281)):
        data = week(
            plans={"P": plan(3, 5, min_hours_per_week=hours)},
            clients=clients("C1", admit_date="2026-12-17"),
        )
        scenario = Scenario.from_data(data)
        assert requirement(scenario, scenario.clients[0]).min_minutes_per_week == minutes


# ---- candidates: who can attend what -------------------------------------------------------


def test_attendable_pairs_know_telehealth_commute_and_daily_hours() -> None:
    # Blocks: AM (2.5 h, in person), EVE-V (2.5 h, virtual), SHORT (2 slots, 1.67 h).
    # C1 (telehealth, works until 17:30, commute 60): AM clashes with work; EVE-V is
    # virtual, so the 30-minute gap to 18:00 is enough. C2 (no telehealth): only AM and
    # SHORT fit its windows, but SHORT misses the 2.5-hour day. C3 (no telehealth, works
    # days): nothing.
    data = week(
        days=["Mon"],
        blocks={
            "AM": AM,
            "SHORT": ["13:00-13:50", "14:00-14:50"],
            "EVE-V": {"slots": EVE, "telehealth": True},
        },
        rules={"commute_minutes": 60},
        plans={"P": plan(min_hours_per_day=2.5)},
        clients=[
            *clients("C1", telehealth="yes", busy=WORKS_DAYS),
            *clients("C2", available="Mon 08:00-17:00"),
            *clients("C3", busy=WORKS_DAYS),
        ],
    )
    scenario = Scenario.from_data(data)
    pairs = {
        c.client_id: attendable(scenario, c, requirement(scenario, c)) for c in scenario.clients
    }
    assert pairs == {"C1": [("Mon", "EVE-V")], "C2": [("Mon", "AM")], "C3": []}


# ---- solving: the rule binds -----------------------------------------------------------------


def test_hours_make_a_3_to_5_day_client_attend_4_days() -> None:
    # Plan 3-5 days, 9.5 h a week; the only block gives 2.5 h a day: 3 days give 7.5 h,
    # 4 days 10 h, so both clients attend at least 4 days (objective 2 = bound). Among the
    # schedules serving both, fewer group sessions (weight 1) prefers 4 days to 5.
    result = run(week(plans={"P": plan(3, 5, min_hours_per_week=9.5)}, clients=clients("C1 C2")))
    assert result.objective == result.best_bound == 2
    for cid in ("C1", "C2"):
        assert len(days_and_blocks(result, cid)) == 4
    # without the hours, the same week takes 3 days
    without = run(week(plans={"P": plan(3, 5)}, clients=clients("C1 C2")))
    assert {len(days_and_blocks(without, cid)) for cid in ("C1", "C2")} == {3}


def test_hours_beyond_the_client_s_days_leave_them_out() -> None:
    # 9.5 h need 4 days of 2.5 h; C3 can come only Mon-Wed (3 days, 7.5 h): C1 and C2 are
    # scheduled (objective 2), C3 is not, and the model knows before solving.
    data = week(
        plans={"P": plan(3, 5, min_hours_per_week=9.5)},
        clients=[*clients("C1 C2"), *clients("C3", available="Mon-Wed 08:00-17:00")],
    )
    result = run(data)
    assert result.objective == result.best_bound == 2
    assert reasons(result) == {
        "C3": "plan P needs 9.5 h a week; the blocks the client can attend give at most 7.5 h "
        "(AM Mon-Wed)"
    }
    assert build_candidates(result.scenario).attendable["C3"] == []


def test_weekly_hours_beyond_max_days_of_the_client_s_blocks() -> None:
    # Plan 3 days, 7.5 h a week (3 x AM). C3 works mornings: only S (one 50-minute slot)
    # fits, every day; 3 days of S give 2.5 h.
    data = week(
        blocks={"AM": AM, "S": ["13:00-13:50"]},
        plans={"P": plan(3, 3, min_hours_per_week=7.5)},
        clients=[*clients("C1 C2"), *clients("C3", available="Mon-Fri 12:00-17:00")],
    )
    result = run(data)
    assert result.objective == 2
    assert reasons(result) == {
        "C3": "plan P needs 7.5 h a week; the blocks the client can attend give at most 2.5 h "
        "in 3 days (S Mon-Fri)"
    }


def test_two_slot_block_fits_the_sessions_but_not_the_daily_hours() -> None:
    # Plan: 1 day, 2 gt sessions, 2.5 h a day. SHORT (2 x 50 min = 1.67 h) holds the two
    # sessions, and both clients prefer it, but only AM (2.5 h) gives the day's hours: both
    # attend AM (objective 2); without the daily hours they take SHORT (their preference).
    def data(**hours: Any) -> dict[str, Any]:
        return week(
            days=["Mon"],
            blocks={"AM": AM, "SHORT": ["13:00-13:50", "14:00-14:50"]},
            plans={"P": {"min_days": 1, "max_days": 1, "sessions": {"gt": 2}, **hours}},
            clients=clients("C1 C2", preferred_block="SHORT"),
        )

    result = run(data(min_hours_per_day=2.5))
    assert result.objective == 2
    assert set(result.assignments["block"]) == {"AM"}
    assert set(run(data()).assignments["block"]) == {"SHORT"}


def test_client_who_can_come_only_to_the_short_block_is_told_the_daily_hours() -> None:
    # C3 can come only in the afternoon: SHORT (1.67 h) fits, AM does not.
    data = week(
        days=["Mon"],
        blocks={"AM": AM, "SHORT": ["13:00-13:50", "14:00-14:50"]},
        plans={"P": plan(min_hours_per_day=2.5)},
        clients=[*clients("C1 C2"), *clients("C3", available="Mon 12:00-17:00")],
    )
    result = run(data)
    assert result.objective == 2
    assert reasons(result) == {
        "C3": "plan P needs 2.5 h on every attended day, but the blocks the client can attend "
        "are shorter (SHORT 1.67 h)"
    }


def test_prorated_hours_pick_the_longer_block_on_a_partial_week() -> None:
    # Plan 5 days, 10 h a week; both clients admitted Thu: d = 2, so days 2..2 and
    # 10 h * 2/5 = 4 h. LONG (2 x 60 min) gives 2 h a day, ONE (1 x 60 min) 1 h. Only
    # LONG on Thu and Fri gives 4 h; they prefer ONE, which would give 2 h.
    data = week(
        blocks={"LONG": ["09:00-10:00", "10:00-11:00"], "ONE": ["13:00-14:00"]},
        plans={"P": {"min_days": 5, "max_days": 5, "sessions": {}, "min_hours_per_week": 10}},
        clients=clients("C1 C2", admit_date="2026-12-17", preferred_block="ONE"),
    )
    result = run(data)
    assert result.objective == 2
    for cid in ("C1", "C2"):
        assert days_and_blocks(result, cid) == {("Thu", "LONG"), ("Fri", "LONG")}


def test_client_without_telehealth_never_in_a_virtual_block() -> None:
    # AM in person, EVE-V virtual. C1, C2 (telehealth) work days: EVE-V. C3 (no telehealth)
    # also works days: EVE-V is closed to them and AM clashes with work, so C3 is out
    # (objective 2 = bound) even though an EVE-V group runs.
    data = week(
        days=["Mon"],
        blocks={"AM": AM, "EVE-V": {"slots": EVE, "telehealth": True}},
        clients=[
            *clients("C1 C2", telehealth="yes", busy=WORKS_DAYS),
            *clients("C3", busy=WORKS_DAYS),
        ],
    )
    result = run(data)
    assert result.objective == result.best_bound == 2
    assert reasons(result) == {
        "C3": "no block (AM, EVE-V) fits the client on any day this week (the program runs Mon "
        "only): Mon: only EVE-V fits the client's windows, but it is a virtual block and the "
        "client is not cleared for telehealth"
    }
    assert set(result.assignments["block"]) == {"EVE-V"}


def test_virtual_sessions_hold_no_room_and_ignore_the_commute() -> None:
    # Commute 60 min; C1 and C2 work until 17:30; the only room is open mornings. In person,
    # EVE would clash with the commute (and have no room): nobody is scheduled. Virtual,
    # both attend EVE (objective 2), their sessions hold no room, and the room's hours
    # do not matter.
    def data(telehealth: bool) -> dict[str, Any]:
        return week(
            days=["Mon"],
            blocks={"EVE": {"slots": EVE, "telehealth": telehealth}},
            rules={"commute_minutes": 60},
            clients=clients("C1 C2", telehealth="yes", busy=WORKS_DAYS),
            rooms=[{"room_id": "R1", "capacity": 12, "available": "Mon-Fri 08:00-12:00"}],
        )

    virtual = run(data(True))
    assert virtual.objective == 2
    assert len(virtual.sessions) == 3  # one group in each slot of EVE
    assert set(virtual.sessions["room_id"]) == {""}
    assert set(virtual.assignments["room_id"]) == {""}
    in_person = run(data(False))
    assert in_person.objective == 0


# ---- the example ---------------------------------------------------------------------------


def test_example_scenario() -> None:
    # scenarios/tiny-telehealth-hours/README.md derives every figure below.
    scenario = load_scenario(SCENARIOS / "tiny-telehealth-hours")
    result = solve(scenario, time_limit=20, workers=1, seed=0)
    assert (result.status, result.objective, result.best_bound) == (SolveStatus.OPTIMAL, 11, 11)
    with tempfile.TemporaryDirectory() as folder:
        assert_valid(result, Path(folder) / "out")
    assert reasons(result) == {
        "C09": "no block (AM, NOON, EVE-V) fits the client on any day this week: Mon-Fri: only "
        "EVE-V fits the client's windows, but it is a virtual block and the client is not "
        "cleared for telehealth",
        "C12": "plan IOP-ADULT needs 3 h on every attended day, but the blocks the client can "
        "attend are shorter (NOON 2 h)",
    }
    attended = {c.client_id: days_and_blocks(result, c.client_id) for c in scenario.clients}
    for cid in ("C01", "C02", "C03"):
        assert {b for _d, b in attended[cid]} == {"AM"} and 3 <= len(attended[cid]) <= 5
    assert {b for _d, b in attended["C04"]} == {"AM"} and len(attended["C04"]) >= 4
    assert attended["C13"] == {("Thu", "AM"), ("Fri", "AM")}
    for cid in ("C05", "C06", "C07", "C08"):
        assert {b for _d, b in attended[cid]} == {"EVE-V"} and len(attended[cid]) >= 3
    for cid in ("C10", "C11"):
        assert {b for _d, b in attended[cid]} == {"NOON"} and len(attended[cid]) == 3
    sessions = result.sessions
    assert set(sessions[sessions["block"] == "EVE-V"]["room_id"]) == {""}
    assert "" not in set(sessions[sessions["block"] != "EVE-V"]["room_id"])
    counts = compliance_counts(scenario, result.assignments)
    assert (counts["scheduled_clients"], counts["under_any_minimum"]) == (11, 0)
    assert result.summary["compliance"] == counts


# ---- explain ---------------------------------------------------------------------------------


def test_explain_offers_telehealth_to_a_client_only_virtual_blocks_fit() -> None:
    # As in test_client_without_telehealth_never_in_a_virtual_block: C3 works days and only
    # EVE-V fits; cleared for telehealth, C3 joins C1 and C2's groups (verified).
    data = week(
        days=["Mon"],
        blocks={"AM": AM, "EVE-V": {"slots": EVE, "telehealth": True}},
        clients=[
            *clients("C1 C2", telehealth="yes", busy=WORKS_DAYS),
            *clients("C3", busy=WORKS_DAYS),
        ],
    )
    result = run(data)
    story = explain(result.scenario, "C3", result, time_limit=10)
    assert [c.code for c in story.causes] == ["no-block-fits"]
    assert story.causes[0].details["lost"][0]["kind"] == "telehealth"
    first = story.suggestions[0]
    assert first.description == "the client was cleared for telehealth (virtual blocks fit on Mon)"
    assert [(c.field, c.old, c.new) for c in first.changes] == [("telehealth", False, True)]
    assert first.verified


def test_explain_opens_a_day_for_a_client_short_of_the_weekly_hours() -> None:
    # C3 can come Mon-Wed (7.5 h of the 9.5 h): one more morning (Thu or Fri) gives 10 h,
    # and both are verified; no other plan exists to offer.
    data = week(
        plans={"P": plan(3, 5, min_hours_per_week=9.5)},
        clients=[*clients("C1 C2"), *clients("C3", available="Mon-Wed 08:00-17:00")],
    )
    result = run(data)
    story = explain(result.scenario, "C3", result, time_limit=10)
    assert [c.code for c in story.causes] == ["too-few-hours-a-week"]
    assert [(s.description, s.verified) for s in story.suggestions] == [
        ("the client could attend AM on Thu (09:00-11:50, 2.5 h of sessions)", True),
        ("the client could attend AM on Fri (09:00-11:50, 2.5 h of sessions)", True),
    ]


def test_example_folder_reads_telehealth_cells_and_names_a_bad_one(tmp_path: Path) -> None:
    # clients.csv of the example writes telehealth as no, yes, Yes, TRUE, 1 and empty
    scenario = load_scenario(SCENARIOS / "tiny-telehealth-hours")
    cleared = sorted(c.client_id for c in scenario.clients if c.telehealth)
    assert cleared == ["C05", "C06", "C07", "C08"]
    assert scenario.is_virtual("EVE-V") and not scenario.is_virtual("AM")
    folder = tmp_path / "example"
    shutil.copytree(SCENARIOS / "tiny-telehealth-hours", folder)
    table = folder / "clients.csv"
    table.write_text(table.read_text().replace(",,,Yes\n", ",,,maybe\n"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    assert [(i.where, i.problem) for i in info.value.issues] == [
        ("clients.csv row 7, column telehealth", "expected yes or no, got 'maybe'")
    ]


def test_example_round_trips_through_the_workbook_template(tmp_path: Path) -> None:
    # the Excel input (optimizer.io.workbook): a virtual block is a {slots, telehealth}
    # cell, telehealth and the hour minimums come back as they were
    from optimizer.io.workbook import read_workbook, write_workbook_scenario

    scenario = load_scenario(SCENARIOS / "tiny-telehealth-hours")
    again = read_workbook(write_workbook_scenario(scenario, tmp_path / "week.xlsx"))
    assert again == scenario
    assert again.is_virtual("EVE-V") and again.plans["IOP-12"].min_hours_per_week == 12
