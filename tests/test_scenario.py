"""Scenario validation through ``Scenario.from_data``: every problem located by its key path."""

from __future__ import annotations

import copy
from typing import Any

import pydantic
import pytest

from optimizer import Issue, Scenario, ScenarioError
from optimizer.scenario import requirement

DELETE = object()


def base() -> dict[str, Any]:
    """A valid week: Mon-Fri, two blocks, two plans, three clients, two therapists, a room."""
    return {
        "name": "Validation week",
        "week_start": "2026-12-14",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "closed_dates": [],
        "blocks": {
            "AM": ["09:00-09:50", "10:00-10:50", "11:00-11:50"],
            "EVE": ["18:00-18:50", "19:00-19:50", "20:00-20:50"],
        },
        "session_types": {
            "group_therapy": {"kind": "group", "min_size": 2, "max_size": 12},
            "skills": {"kind": "group", "min_size": 2, "max_size": 12},
            "individual": {"kind": "individual"},
        },
        "plans": {
            "IOP-5": {
                "min_days": 5,
                "max_days": 5,
                "sessions": {"group_therapy": 5, "individual": 1},
            },
            "IOP-3": {"min_days": 3, "max_days": 3, "sessions": {"group_therapy": 3, "skills": 2}},
        },
        "clients": [
            {"client_id": "C1", "track": "SUD", "plan": "IOP-5", "busy": "Mon-Fri 12:00-17:00"},
            {"client_id": "C2", "track": "SUD", "plan": "IOP-3", "preferred_block": "EVE"},
            {"client_id": "C3", "track": "MH", "plan": "IOP-3", "primary_therapist": "T1"},
        ],
        "therapists": [
            {"therapist_id": "T1", "skills": "group_therapy;skills;individual"},
            {
                "therapist_id": "T2",
                "skills": "group_therapy;skills",
                "available": "Mon-Fri 08:00-21:00",
            },
        ],
        "rooms": [{"room_id": "R1", "capacity": 12}],
    }


def changed(*changes: tuple[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """``base()`` with values set (or removed with DELETE) at key paths."""
    data = base()
    for path, value in changes:
        parent: Any = data
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    return data


def issues_of(data: dict[str, Any]) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_data(data)
    return info.value.issues


def test_base_is_valid() -> None:
    scenario = Scenario.from_data(base())
    assert len(scenario.clients) == 3
    assert scenario.open_days() == ("Mon", "Tue", "Wed", "Thu", "Fri")


@pytest.mark.parametrize(
    ("data", "where", "says"),
    [
        pytest.param(
            changed((("clients", 0, "plan"), "IOP5")),
            "clients[0].plan",
            "unknown plan 'IOP5' (did you mean 'IOP-5'?)",
            id="unknown-plan-did-you-mean",
        ),
        pytest.param(
            changed((("clients", 1, "primary_therapist"), "T9")),
            "clients[1].primary_therapist",
            "unknown therapist 'T9'",
            id="unknown-primary-therapist",
        ),
        pytest.param(
            changed((("clients", 1, "preferred_block"), "PM")),
            "clients[1].preferred_block",
            "unknown block 'PM'",
            id="unknown-preferred-block",
        ),
        pytest.param(
            changed((("clients", 1, "avoid"), "C9")),
            "clients[1].avoid",
            "unknown client 'C9'",
            id="avoid-unknown-client",
        ),
        pytest.param(
            changed((("clients", 1, "avoid"), "C2")),
            "clients[1].avoid",
            "cannot avoid themselves",
            id="avoid-self",
        ),
        pytest.param(
            changed((("therapists", 1, "skills"), "group_therapy;skill")),
            "therapists[1].skills",
            "unknown session type 'skill' (did you mean 'skills'?)",
            id="unknown-type-in-skills",
        ),
        pytest.param(
            changed((("rooms", 0, "serves"), "individual;groups")),
            "rooms[0].serves",
            "unknown session type 'groups'",
            id="unknown-type-in-serves",
        ),
        pytest.param(
            changed((("plans", "IOP-3", "sessions", "psychoed"), 1)),
            "plans.IOP-3.sessions.psychoed",
            "unknown session type 'psychoed'",
            id="unknown-type-in-plan",
        ),
        pytest.param(
            changed((("plans", "IOP-3", "max_sessions"), {"individul": 1})),
            "plans.IOP-3.max_sessions.individul",
            "did you mean 'individual'?",
            id="unknown-type-in-plan-max",
        ),
        pytest.param(
            changed((("plans", "IOP-3", "max_sessions"), {"skills": 1})),
            "plans.IOP-3.max_sessions.skills",
            "maximum 1 is below the minimum 2",
            id="plan-max-below-min",
        ),
        # 3 days x 3 slots hold 9 sessions; 10 are asked for.
        pytest.param(
            changed((("plans", "IOP-3", "sessions", "skills"), 7)),
            "plans.IOP-3.sessions",
            "needs 10 sessions a week",
            id="plan-minimums-exceed-full-blocks",
        ),
        pytest.param(
            changed((("plans", "IOP-3", "min_days"), 4)),
            "plans.IOP-3",
            "min_days 4 is above max_days 3",
            id="plan-min-days-above-max",
        ),
        pytest.param(
            changed((("clients", 2, "client_id"), "C1")),
            "clients[0].client_id",
            "duplicate id 'C1'",
            id="duplicate-client-id",
        ),
        pytest.param(
            changed((("therapists", 1, "therapist_id"), "T1")),
            "therapists[1].therapist_id",
            "duplicate id 'T1'",
            id="duplicate-therapist-id",
        ),
        pytest.param(
            changed(
                (("rooms",), [{"room_id": "R1", "capacity": 2}, {"room_id": "R1", "capacity": 3}])
            ),
            "rooms[1].room_id",
            "duplicate id 'R1'",
            id="duplicate-room-id",
        ),
        pytest.param(
            changed((("blocks", "AM"), ["09:00-09:50", "09:30-10:20"])),
            "blocks.AM[1]",
            "starts before the previous slot 09:00-09:50 ends",
            id="overlapping-slots",
        ),
        pytest.param(
            changed((("blocks", "AM"), ["09:00-09:50", "10:00-10"])),
            "blocks.AM[1]",
            "'10' is not a time",
            id="malformed-slot",
        ),
        pytest.param(
            changed((("blocks", "AM"), ["09:00-09:50", "10:00-9:50"])),
            "blocks.AM[1]",
            "'10:00-9:50' ends before it starts; write each slot as 'HH:MM-HH:MM'",
            id="slot-ends-before-start",
        ),
        pytest.param(
            changed((("session_types", "skills", "min_size"), 13)),
            "session_types.skills",
            "min_size 13 is above max_size 12",
            id="min-size-above-max-size",
        ),
        pytest.param(
            changed((("session_types", "skills", "max_size"), DELETE)),
            "session_types.skills",
            "needs max_size",
            id="group-without-max-size",
        ),
        pytest.param(
            changed((("session_types", "skills", "kind"), "groups")),
            "session_types.skills.kind",
            "'group' or 'individual'",
            id="unknown-kind",
        ),
        pytest.param(
            changed((("clients", 0, "busy"), "Mon 9-5")),
            "clients[0].busy",
            "window 'Mon 9-5'",
            id="malformed-window",
        ),
        pytest.param(
            changed((("therapists", 1, "available"), "Funday 09:00-17:00")),
            "therapists[1].available",
            "'Funday' is not a day",
            id="window-unknown-day",
        ),
        pytest.param(
            changed((("clients", 0, "admit_date"), "2026-13-01")),
            "clients[0].admit_date",
            "'2026-13-01' is not a date",
            id="date-not-a-date",
        ),
        pytest.param(
            changed((("closed_dates",), ["Christmas"])),
            "closed_dates[0]",
            "'Christmas' is not a date",
            id="closed-date-not-a-date",
        ),
        pytest.param(
            changed(
                (("clients", 0, "admit_date"), "2026-12-16"),
                (("clients", 0, "discharge_date"), "2026-12-15"),
            ),
            "clients[0].discharge_date",
            "before admission",
            id="discharge-before-admission",
        ),
        pytest.param(
            changed((("week_start",), "2026-12-15")),
            "week_start",
            "2026-12-15 is a Tue; week_start must be a Monday",
            id="week-start-not-monday",
        ),
        pytest.param(
            changed((("days",), ["Mon", "Funday"])),
            "days[1]",
            "'Funday' is not a day",
            id="unknown-operating-day",
        ),
        pytest.param(
            changed((("days",), ["Mon", "mon"])),
            "days",
            "day Mon is listed twice",
            id="operating-day-twice",
        ),
        pytest.param(
            changed((("clients", 0, "track"), DELETE)),
            "clients[0].track",
            "is missing",
            id="missing-required-column",
        ),
        pytest.param(
            changed((("clients", 0, "priority"), 0)),
            "clients[0].priority",
            "greater than or equal to 1",
            id="priority-zero",
        ),
        pytest.param(
            changed((("therapists", 0, "max_sessions_per_day"), -1)),
            "therapists[0].max_sessions_per_day",
            "greater than or equal to 0",
            id="negative-cap",
        ),
        pytest.param(
            changed((("rooms", 0, "capacity"), "many")),
            "rooms[0].capacity",
            "many",
            id="capacity-not-a-number",
        ),
        pytest.param(
            changed((("rule",), {"commute_minutes": 30})),
            "rule",
            "unknown key 'rule' (did you mean 'rules'?)",
            id="misspelled-top-level-key",
        ),
        pytest.param(
            changed((("rules",), {"commute_minutes": -5})),
            "rules.commute_minutes",
            "greater than or equal to 0",
            id="negative-commute",
        ),
        pytest.param(
            changed((("week_start",), DELETE)),
            "week_start",
            "is missing",
            id="missing-week-start",
        ),
    ],
)
def test_invalid_scenario(data: dict[str, Any], where: str, says: str) -> None:
    issues = issues_of(data)
    assert any(i.where == where and says in str(i) for i in issues), issues


def test_every_bad_row_is_reported_in_one_pass() -> None:
    # Two rows with an unknown plan and one with an unknown therapist: three issues.
    issues = issues_of(
        changed(
            (("clients", 0, "plan"), "IOP5"),
            (("clients", 1, "plan"), "IOP2"),
            (("clients", 2, "primary_therapist"), "T9"),
        )
    )
    assert [i.where for i in issues] == [
        "clients[0].plan",
        "clients[1].plan",
        "clients[2].primary_therapist",
    ]


def test_every_malformed_cell_is_reported_in_one_pass() -> None:
    issues = issues_of(
        changed((("clients", 0, "busy"), "Mon 9-5"), (("clients", 2, "admit_date"), "soon"))
    )
    assert [i.where for i in issues] == ["clients[0].busy", "clients[2].admit_date"]


def test_malformed_cell_and_bad_reference_in_one_pass() -> None:
    issues = issues_of(
        changed((("clients", 0, "busy"), "Mon 9-5"), (("clients", 1, "plan"), "IOP2"))
    )
    assert {i.where for i in issues} == {"clients[0].busy", "clients[1].plan"}


def test_references_to_a_row_with_a_bad_cell_still_resolve() -> None:
    # C3's admit date and T1's cap are malformed, but C3 and T1 exist: C2 may avoid C3 and
    # C3 may name T1. Only the two cells, plus the real unknown therapist of C1, are reported.
    issues = issues_of(
        changed(
            (("clients", 2, "admit_date"), "soon"),
            (("therapists", 0, "max_sessions_per_day"), "many"),
            (("clients", 1, "avoid"), "C3"),
            (("clients", 0, "primary_therapist"), "T7"),
        )
    )
    assert [i.where for i in issues] == [
        "clients[2].admit_date",
        "therapists[0].max_sessions_per_day",
        "clients[0].primary_therapist",
    ]


def test_bad_required_cell_and_bad_reference_in_one_pass() -> None:
    # An empty plan cell (required) and an unknown block elsewhere: both in one pass.
    issues = issues_of(
        changed((("clients", 0, "plan"), ""), (("clients", 2, "preferred_block"), "PM"))
    )
    assert [i.where for i in issues] == ["clients[0].plan", "clients[2].preferred_block"]


def test_program_level_error_is_not_followed_by_false_references() -> None:
    # A malformed plan hides nothing else, but must not make clients of that plan "unknown".
    issues = issues_of(
        changed((("plans", "IOP-3", "min_days"), "three"), (("clients", 0, "busy"), "Mon 9-5"))
    )
    assert {i.where for i in issues} == {"plans.IOP-3.min_days", "clients[0].busy"}


@pytest.mark.parametrize(
    ("data", "where", "says"),
    [
        pytest.param(
            changed(
                (
                    ("clients",),
                    [{"client_id": f"C{k}", "track": "SUD", "plan": "IOP-3"} for k in range(5001)],
                )
            ),
            "clients",
            "at most 5000",
            id="too-many-clients",
        ),
        pytest.param(
            changed((("blocks", "AM"), ["09:00-09:00"])),
            "blocks.AM",
            "",
            id="zero-minute-slot",
        ),
        pytest.param(
            changed((("blocks", "AM"), ["09:00-09:02"])),
            "blocks.AM[0]",
            "lasts 2 minutes",
            id="two-minute-slot",
        ),
        pytest.param(
            changed((("session_types", "skills", "max_size"), 10**9)),
            "session_types.skills.max_size",
            "less than or equal to 1000",
            id="huge-group",
        ),
        pytest.param(
            changed((("clients", 0, "priority"), 10**30)),
            "clients[0].priority",
            "less than or equal to 1000000",
            id="huge-priority",
        ),
    ],
)
def test_sizes_beyond_sense(data: dict[str, Any], where: str, says: str) -> None:
    issues = issues_of(data)
    assert any(i.where.startswith(where) and says in str(i) for i in issues), issues
    assert all(len(str(i)) < 300 for i in issues), issues  # a sentence, not a data dump


def test_issue_text_names_place_problem_and_fix() -> None:
    (issue,) = issues_of(changed((("clients", 0, "plan"), "IOP5")))
    assert str(issue) == (
        "clients[0].plan: unknown plan 'IOP5' (did you mean 'IOP-5'?); use one of: IOP-5, IOP-3"
    )


def test_scenario_is_frozen() -> None:
    scenario = Scenario.from_data(base())
    with pytest.raises(pydantic.ValidationError):
        scenario.name = "other"  # type: ignore[misc]


def test_replace_validates_the_variant() -> None:
    scenario = Scenario.from_data(base())
    variant = scenario.replace(days=["Mon", "Tue", "Wed"])
    assert variant.days == ("Mon", "Tue", "Wed")
    assert scenario.days == ("Mon", "Tue", "Wed", "Thu", "Fri")
    with pytest.raises(ScenarioError, match="week_start"):
        scenario.replace(week_start="2026-12-15")


def test_to_data_round_trips() -> None:
    scenario = Scenario.from_data(base())
    assert Scenario.from_data(scenario.to_data()) == scenario


def test_cells_are_normalised() -> None:
    # Spreadsheet-style cells: ';' lists with spaces, blank optional cells, lowercase days.
    data = changed(
        (("clients", 0, "avoid"), " C2 ; C3 "),
        (("clients", 0, "priority"), ""),
        (("clients", 0, "language"), "  "),
        (("therapists", 0, "max_sessions_per_day"), ""),
        (("days",), ["mon", "TUE"]),
    )
    scenario = Scenario.from_data(data)
    client = scenario.clients[0]
    assert client.avoid == ("C2", "C3")
    assert client.priority == 1
    assert client.language is None
    assert scenario.therapists[0].max_sessions_per_day is None
    assert scenario.days == ("Mon", "Tue")


@pytest.mark.parametrize(
    ("admit", "discharge", "closed", "present", "days", "minimums"),
    [
        # IOP-3: 3 days, group_therapy 3, skills 2. A full week leaves the plan as it is.
        pytest.param(None, None, [], 5, 3, {"group_therapy": 3, "skills": 2}, id="full-week"),
        # Admitted Wed: d = 3 (Wed-Fri), not below min_days 3: no proration.
        pytest.param(
            "2026-12-16", None, [], 3, 3, {"group_therapy": 3, "skills": 2}, id="d-equals-min"
        ),
        # Admitted Thu: d = 2 -> days 2, floor(3*2/3) = 2, floor(2*2/3) = 1.
        pytest.param("2026-12-17", None, [], 2, 2, {"group_therapy": 2, "skills": 1}, id="d-2"),
        # Discharged Mon: d = 1 -> floor(3*1/3) = 1, floor(2*1/3) = 0.
        pytest.param(None, "2026-12-14", [], 1, 1, {"group_therapy": 1, "skills": 0}, id="d-1"),
        # Admitted Thu with Fri closed: d = 1.
        pytest.param(
            "2026-12-17", None, ["2026-12-18"], 1, 1, {"group_therapy": 1, "skills": 0}, id="closed"
        ),
        # A closed date outside the week is ignored: d = 2.
        pytest.param(
            "2026-12-17",
            None,
            ["2026-12-25"],
            2,
            2,
            {"group_therapy": 2, "skills": 1},
            id="closed-later",
        ),
        # Discharged before the week: d = 0, nothing to attend.
        pytest.param(None, "2026-12-11", [], 0, 0, {"group_therapy": 0, "skills": 0}, id="d-0"),
    ],
)
def test_proration(
    admit: str | None,
    discharge: str | None,
    closed: list[str],
    present: int,
    days: int,
    minimums: dict[str, int],
) -> None:
    client = {"client_id": "C2", "track": "SUD", "plan": "IOP-3"}
    if admit:
        client["admit_date"] = admit
    if discharge:
        client["discharge_date"] = discharge
    scenario = Scenario.from_data(changed((("clients",), [client]), (("closed_dates",), closed)))
    need = requirement(scenario, scenario.clients[0])
    assert need.days_in_program == present
    assert (need.min_days, need.max_days) == (days, days)
    assert {t: need.min_sessions[t] for t in minimums} == minimums


@pytest.mark.parametrize(
    ("path", "value", "says"),
    [
        pytest.param(("clients", 1, "preferred_block"), "eve", "(did you mean 'EVE'?)", id="block"),
        pytest.param(
            ("clients", 0, "primary_therapist"), "T-1", "(did you mean 'T1'?)", id="therapist"
        ),
        pytest.param(("clients", 0, "avoid"), "C-3", "(did you mean 'C3'?)", id="client"),
        pytest.param(("clients", 0, "plan"), "iop-3", "(did you mean 'IOP-3'?)", id="plan"),
        pytest.param(
            ("therapists", 0, "skills"), "individul", "(did you mean 'individual'?)", id="type"
        ),
        pytest.param(
            ("plans", "IOP-3", "min_dayz"), 3, "unknown key 'min_dayz' (did you mean", id="key"
        ),
    ],
)
def test_close_matches_are_suggested(path: tuple[str | int, ...], value: Any, says: str) -> None:
    issues = issues_of(changed((path, value)))
    assert any(says in i.problem for i in issues), issues
