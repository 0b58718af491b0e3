"""``away`` dates (SPEC §2) for clients and therapists (issue 13).

A client's away days leave the week like days before admission (the plan is prorated on
the days left); a therapist's away days are days they take no session. Every layer honours
them: the model, the hand-style schedule, the checker (its own reading), the reasons in
unscheduled.csv and ``explain``. Each expected schedule is derived in a comment; every
schedule passes the independent checker.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from optimizer import Scenario, ScenarioError, cli, explain, load_scenario, read_schedule, solve
from optimizer.check import check_schedule
from optimizer.model.candidates import build_candidates
from optimizer.reasons import unscheduled_reasons
from optimizer.scenario import requirement
from optimizer.search.greedy import solve_greedy

FAST: dict[str, Any] = {"time_limit": 20, "workers": 1, "seed": 0}


def week(**overrides: Any) -> dict[str, Any]:
    """Mon-Fri 2026-12-14..18, one one-slot AM block, one group type, one therapist."""
    data: dict[str, Any] = {
        "name": "away",
        "week_start": "2026-12-14",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "blocks": {"AM": ["09:00-09:50"]},
        "session_types": {"group_therapy": {"kind": "group", "min_size": 1, "max_size": 12}},
        "plans": {
            "IOP-3": {"min_days": 3, "max_days": 3, "sessions": {"group_therapy": 3}},
            "IOP-5": {"min_days": 5, "max_days": 5, "sessions": {"group_therapy": 5}},
        },
        "clients": [],
        "therapists": [{"therapist_id": "T1", "skills": "group_therapy"}],
    }
    data.update(overrides)
    return data


def days_of(result: Any, client_id: str) -> list[str]:
    rows = result.assignments[result.assignments["client_id"] == client_id]
    return sorted(set(rows["day"]), key=["Mon", "Tue", "Wed", "Thu", "Fri"].index)


# ---- reading the column -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "spans"),
    [
        pytest.param("2026-12-16", [("2026-12-16", "2026-12-16")], id="one-date"),
        pytest.param(
            "2026-12-15..2026-12-17", [("2026-12-15", "2026-12-17")], id="inclusive-range"
        ),
        pytest.param(
            " 2026-12-18 ; 2026-12-14..2026-12-15 ;",
            [("2026-12-14", "2026-12-15"), ("2026-12-18", "2026-12-18")],
            id="list-sorted-spaces-and-empty-entry",
        ),
        pytest.param(
            ["2026-12-14", "2026-12-16..2026-12-17"],
            [("2026-12-14", "2026-12-14"), ("2026-12-16", "2026-12-17")],
            id="yaml-list",
        ),
        pytest.param("", [], id="empty-means-none"),
    ],
)
def test_away_cells_are_read(cell: Any, spans: list[tuple[str, str]]) -> None:
    data = week(clients=[{"client_id": "C1", "track": "S", "plan": "IOP-3", "away": cell}])
    client = Scenario.from_data(data).clients[0]
    assert [(a.isoformat(), b.isoformat()) for a, b in client.away] == spans
    # written back (to_data) and read again: the same dates
    again = Scenario.from_data(Scenario.from_data(data).to_data()).clients[0]
    assert again.away == client.away


@pytest.mark.parametrize(
    ("cell", "problem", "fix"),
    [
        pytest.param(
            "2026-12-18..2026-12-16",
            "the range '2026-12-18..2026-12-16' ends before it starts",
            "write the earlier date first: '2026-12-16..2026-12-18'",
            id="backwards-range",
        ),
        pytest.param("2026-12-16..", "has no last date", "ranges FIRST..LAST", id="open-range"),
        pytest.param("..2026-12-16", "has no first date", "ranges FIRST..LAST", id="no-start"),
        pytest.param(
            "16/12/2026", "'16/12/2026' is not a date", "ranges FIRST..LAST", id="not-iso"
        ),
        pytest.param(
            "2026-12-32", "December 2026 has days 01 to 31", "check the day", id="no-such-day"
        ),
        pytest.param("sick", "'sick' is not a date", "ranges FIRST..LAST", id="a-word"),
    ],
)
def test_bad_away_cells_name_the_file_row_and_column(
    tmp_path: Path, cell: str, problem: str, fix: str
) -> None:
    folder = tmp_path / "week"
    folder.mkdir()
    data = week()
    data.update(clients="clients.csv", therapists="therapists.csv")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(data))
    with (folder / "clients.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["client_id", "track", "plan"], ["C1", "S", "IOP-3"]])
    with (folder / "therapists.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["therapist_id", "skills", "away"],
                ["T1", "group_therapy", "2026-12-14"],
                ["T2", "group_therapy", cell],
            ]
        )
    with pytest.raises(ScenarioError) as error:
        load_scenario(folder)
    (issue,) = error.value.issues
    assert issue.where == "therapists.csv row 3, column away"
    assert problem in issue.problem and fix in issue.fix
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(cli.main, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "therapists.csv row 3, column away" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


# ---- clients: away days leave the week (prorated) -----------------------------------------


def test_client_away_days_prorate_the_plan(check_valid) -> None:
    # C1 (IOP-3) is away Tue-Thu: d = 2 days in the program (Mon, Fri) < min_days 3, so the
    # plan becomes 2 days and floor(3 * 2 / 3) = 2 group sessions: Mon and Fri.
    # C2 (IOP-5) is away Wed and on a date outside the week (ignored): d = 4, so 4 days and
    # floor(5 * 4 / 5) = 4 sessions: every day but Wed.
    data = week(
        clients=[
            {"client_id": "C1", "track": "S", "plan": "IOP-3", "away": "2026-12-15..2026-12-17"},
            {"client_id": "C2", "track": "S", "plan": "IOP-5", "away": "2026-12-16; 2027-01-04"},
        ]
    )
    scenario = Scenario.from_data(data)
    c1, c2 = scenario.clients
    assert requirement(scenario, c1).min_days == 2
    assert requirement(scenario, c1).min_sessions["group_therapy"] == 2
    assert requirement(scenario, c2).min_days == 4
    result = solve(scenario, **FAST)
    check_valid(result)
    assert result.status.value == "OPTIMAL" and result.objective == 2
    assert days_of(result, "C1") == ["Mon", "Fri"]
    assert days_of(result, "C2") == ["Mon", "Tue", "Thu", "Fri"]
    by_hand = solve_greedy(scenario).schedule.attendance()
    assert sorted(by_hand["C1"]) == ["Fri", "Mon"]
    assert sorted(by_hand["C2"]) == ["Fri", "Mon", "Thu", "Tue"]


def test_client_away_all_week_is_not_in_the_program(check_valid) -> None:
    # Away 2026-12-10..2026-12-20 covers Mon-Fri: d = 0, unscheduled with the dates named.
    data = week(
        clients=[
            {"client_id": "C1", "track": "S", "plan": "IOP-3", "away": "2026-12-10..2026-12-20"},
            {"client_id": "C2", "track": "S", "plan": "IOP-3"},
        ]
    )
    result = solve(Scenario.from_data(data), **FAST)
    check_valid(result)
    (reason,) = result.unscheduled.loc[result.unscheduled["client_id"] == "C1", "reason"]
    assert "not in the program this week" in reason
    assert "away Mon-Fri (2026-12-14..2026-12-18)" in reason


def test_client_away_with_windows_names_the_away_days(check_valid) -> None:
    # C1 (IOP-3) is away Tue-Thu (d = 2: Mon, Fri) and busy all Friday morning: only Mon
    # remains for a 2-day plan. The reason names both the away days and Friday's window.
    data = week(
        clients=[
            {
                "client_id": "C1",
                "track": "S",
                "plan": "IOP-3",
                "away": "2026-12-15..2026-12-17",
                "busy": "Fri 08:00-12:00",
            },
        ]
    )
    result = solve(Scenario.from_data(data), **FAST)
    check_valid(result)
    (reason,) = result.unscheduled["reason"]
    assert "needs 2 days (prorated to 2 open days in the program)" in reason
    assert "away Tue-Thu (2026-12-15..2026-12-17)" in reason
    assert "Fri: busy 08:00-12:00" in reason
    explanation = explain(Scenario.from_data(data), "C1", time_limit=5)
    assert not explanation.scheduled
    assert explanation.codes == ["too-few-days"]
    assert "away Tue-Thu (2026-12-15..2026-12-17)" in explanation.summary
    assert "2026-12-15" in explanation.causes[0].dates
    # the one suggestion that works: Friday's busy window moved off the block (verified)
    assert [s.description.split(" (")[0] for s in explanation.suggestions if s.verified] == [
        "the client could attend AM on Fri"
    ]


# ---- therapists: no session on their away dates -------------------------------------------


def test_therapist_away_takes_no_session_that_date(check_valid) -> None:
    # T1 is away Wed, T2 works every day: the IOP-5 client's Wed session is T2's, every
    # other day either may lead. With T2 away too on Wed, no one can run Wed and the
    # client (who needs all 5 days) cannot be scheduled: the reason names both absences.
    therapists = [
        {"therapist_id": "T1", "skills": "group_therapy", "away": "2026-12-16"},
        {"therapist_id": "T2", "skills": "group_therapy"},
    ]
    data = week(clients=[{"client_id": "C1", "track": "S", "plan": "IOP-5"}], therapists=therapists)
    result = solve(Scenario.from_data(data), **FAST)
    check_valid(result)
    assert result.objective == 1
    wednesday = result.sessions[result.sessions["day"] == "Wed"]
    assert list(wednesday["therapist_id"]) == ["T2"]
    scenario = Scenario.from_data(data)
    by_hand = solve_greedy(scenario).schedule
    assert all(x.therapist_id == "T2" for x in by_hand.sessions if x.day == "Wed")

    therapists[1]["away"] = "2026-12-16..2026-12-16"
    blocked = Scenario.from_data(week(clients=data["clients"], therapists=therapists))
    result = solve(blocked, **FAST)
    check_valid(result)
    assert result.objective == 0
    (reason,) = result.unscheduled["reason"]
    assert "plan IOP-5 needs 5 days" in reason
    assert "on only 4 (Mon, Tue, Thu, Fri); not on Wed" in reason
    assert "T1 away Wed (2026-12-16); T2 away Wed (2026-12-16)" in reason
    # explain tells the same cause and offers the lighter plan, verified: IOP-3 fits the
    # four staffed days.
    explanation = explain(blocked, "C1", time_limit=5)
    assert explanation.codes == ["too-few-staffed-days"]
    verified = [s.description for s in explanation.suggestions if s.verified]
    assert verified == ["plan IOP-3 instead of IOP-5"]


def test_primary_therapist_away_is_named() -> None:
    # C1's individual sessions must be with T1, who is away all week (Mon-Fri).
    data = week(
        session_types={"individual": {"kind": "individual"}},
        plans={"I1": {"min_days": 1, "max_days": 1, "sessions": {"individual": 1}}},
        clients=[{"client_id": "C1", "track": "S", "plan": "I1", "primary_therapist": "T1"}],
        therapists=[
            {"therapist_id": "T1", "skills": "individual", "away": "2026-12-14..2026-12-18"},
            {"therapist_id": "T2", "skills": "individual"},
        ],
    )
    scenario = Scenario.from_data(data)
    reasons = unscheduled_reasons(scenario, build_candidates(scenario), set())
    assert "primary therapist T1" in reasons["C1"]
    assert "away Mon-Fri (2026-12-14..2026-12-18)" in reasons["C1"]


# ---- the checker reads away itself --------------------------------------------------------


def test_checker_reports_sessions_on_away_dates(tmp_path: Path, check_valid) -> None:
    # A valid week (nobody away), then the scenario gains away dates the schedule ignores:
    # T1 away Mon (every session of Mon is T1's: the only therapist) and C1 away Tue.
    data = week(clients=[{"client_id": "C1", "track": "S", "plan": "IOP-5"}])
    folder = check_valid(solve(Scenario.from_data(data), **FAST))
    changed = week(
        clients=[{"client_id": "C1", "track": "S", "plan": "IOP-5", "away": "2026-12-15"}],
        therapists=[{"therapist_id": "T1", "skills": "group_therapy", "away": "2026-12-14"}],
    )
    found = check_schedule(Scenario.from_data(changed), read_schedule(folder))
    rules = {(v.rule, v.ids) for v in found if v.severity == "error"}
    assert ("therapist-availability", ("Mon-AM-1-T1", "T1")) in rules
    assert ("availability", ("C1",)) in rules
    # C1 away Tue: 4 days in the program, so the plan asks exactly 4 days, not 5 (a fifth
    # group session is allowed: group types have no weekly maximum).
    assert ("plan-days", ("C1",)) in rules
    assert len(rules) == 3
    messages = " ".join(v.message for v in found)
    assert "when the therapist is away" in messages
    assert "the client is away on 2026-12-15" in messages
    assert "plan IOP-5 asks 4 after proration" in messages
