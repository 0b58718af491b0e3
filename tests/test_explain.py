"""Why a client is unscheduled: one tiny hand-made week per cause, asserting code and ids.

The base week: Mon-Wed, an AM block (09:00-10:50) and an EVE block (18:00-19:50), two
50-minute slots each; plan P2 = 2 days with 3 group_therapy sessions and 1 individual
(2 days x 2 slots = 4 sessions). T1 can lead anything at any time.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SCENARIOS, make_scenario
from ortools.sat.python import cp_model

from cli import main
from optimizer import ModelInvalidError, Schedule, solve
from optimizer.explain import ExplainParams, UnknownClientError, explain
from optimizer.explain.edits import replaced
from optimizer.explain.fits import track_subproblem
from optimizer.model import IOPModel, build_candidates
from optimizer.reasons import static_causes, unscheduled_reasons
from optimizer.scenario import Scenario
from optimizer.schedule import WeekSchedule
from optimizer.search.params import SearchParams
from optimizer.search.solver import Role, make_solver

SLOTS = {"AM": ["09:00-09:50", "10:00-10:50"], "EVE": ["18:00-18:50", "19:00-19:50"]}
TYPES = {
    "group_therapy": {"kind": "group", "min_size": 2, "max_size": 12},
    "skills": {"kind": "group", "min_size": 2, "max_size": 12},
    "individual": {"kind": "individual"},
}
P2 = {"min_days": 2, "max_days": 2, "sessions": {"group_therapy": 3, "individual": 1}}
DAY_JOB = "Mon-Wed 08:00-17:00"


def week(*clients: dict, therapists: list[dict] | None = None, **overrides) -> Scenario:
    """The base week with clients C2, C3 (SUD, free any time) plus ``clients``."""
    others = [
        {"client_id": "C2", "track": "SUD", "plan": "P2"},
        {"client_id": "C3", "track": "SUD", "plan": "P2"},
    ]
    data = {
        "blocks": SLOTS,
        "session_types": TYPES,
        "plans": {"P2": P2, "P1": {**P2, "min_days": 1, "max_days": 1, "sessions": {}}},
        "rules": {"commute_minutes": 30},
        "clients": [*clients, *others],
        "therapists": therapists
        or [{"therapist_id": "T1", "skills": "group_therapy;skills;individual"}],
    }
    data.update(overrides)
    return make_scenario(**data)


def causes_of(scenario: Scenario, client_id: str = "C1"):
    client = next(c for c in scenario.clients if c.client_id == client_id)
    return static_causes(scenario, build_candidates(scenario), client)


def c1(**fields) -> dict:
    return {"client_id": "C1", "track": "SUD", "plan": "P2", **fields}


# ---- static causes: one scenario per cause -------------------------------------------


def test_closed_date_and_work_leave_too_few_days():
    # Wed 2026-12-16 is closed: 2 open days, so P2 (2 days) is not prorated; a job all
    # Tuesday leaves only Monday.
    s = week(c1(busy="Tue 00:00-24:00"), closed_dates=["2026-12-16"])
    [cause] = causes_of(s)
    assert cause.code == "too-few-days"
    assert cause.dates == ("2026-12-16",)
    assert cause.days == ("Tue", "Wed")
    assert "2026-12-16 is closed" in cause.message and "busy 00:00-24:00" in cause.message


def test_mid_week_admission_with_a_job_leaves_too_few_days():
    # Admitted Tue 2026-12-15: 2 days left (Tue, Wed), P2 needs 2; busy Wednesday evening
    # and day, so only Tuesday fits.
    s = week(c1(admit_date="2026-12-15", busy="Wed 08:00-21:00"))
    [cause] = causes_of(s)
    assert cause.code == "too-few-days"
    assert cause.dates == ("2026-12-15",) and cause.days == ("Mon", "Wed")
    assert "Mon is before admission 2026-12-15" in cause.message


def test_admission_after_the_week_is_not_in_program():
    [cause] = causes_of(week(c1(admit_date="2026-12-21")))
    assert cause.code == "not-in-program"
    assert cause.dates == ("2026-12-21",)


def test_discharge_before_the_week_is_not_in_program():
    [cause] = causes_of(week(c1(discharge_date="2026-12-11")))
    assert cause.code == "not-in-program"
    assert cause.dates == ("2026-12-11",)


def test_work_windows_leave_no_block():
    # Works 08:00-17:00 and 17:30-21:00 every day: AM is inside work, EVE inside the
    # second job; with a 30-minute commute nothing fits.
    [cause] = causes_of(week(c1(busy=f"{DAY_JOB}; Mon-Wed 17:30-21:00")))
    assert cause.code == "no-block-fits"
    assert cause.days == ("Mon", "Tue", "Wed")
    assert "plus 30-minute commute" in cause.message


def test_evening_client_whose_primary_therapist_works_days():
    therapists = [
        {"therapist_id": "T1", "skills": "group_therapy;individual"},
        {"therapist_id": "T2", "skills": "individual", "available": "Mon-Wed 08:00-16:00"},
    ]
    s = week(c1(busy=DAY_JOB, primary_therapist="T2"), therapists=therapists)
    [cause] = causes_of(s)
    assert cause.code == "primary-unavailable"
    assert cause.therapist_ids == ("T2",)
    assert cause.blocks == ("EVE",)
    assert "08:00-16:00" in cause.message


def test_one_person_cohort():
    [cause] = causes_of(week(c1(track="ADOL")))
    assert cause.code == "cohort-too-small"
    assert cause.track == "ADOL" and cause.client_ids == ()
    assert cause.details["min_size"] == 2


def test_no_therapist_speaks_the_language():
    [cause] = causes_of(week(c1(language="es")))
    assert cause.code == "no-language-therapist"
    assert cause.details["language"] == "es"


def test_no_qualified_therapist_for_a_session_type():
    plans = {"P2": P2, "PS": {"min_days": 2, "max_days": 2, "sessions": {"skills": 2}}}
    therapists = [
        {"therapist_id": "T1", "skills": "group_therapy;individual"},
        {"therapist_id": "T2", "skills": "skills", "available": "Mon-Wed 08:00-12:00"},
    ]
    s = week(
        c1(plan="PS", busy=DAY_JOB),
        c1(client_id="C4", plan="PS", busy=DAY_JOB),
        therapists=therapists,
        plans=plans,
    )
    cause = next(c for c in causes_of(s) if c.code == "no-qualified-staff")
    assert cause.session_types == ("skills",)
    assert cause.therapist_ids == ("T2",) and cause.blocks == ("EVE",)


def test_avoid_list_excludes_every_group():
    # C1 and C4 are the only MH clients; C1 avoids C4.
    s = week(c1(track="MH", avoid="C4"), c1(client_id="C4", track="MH"))
    [cause] = causes_of(s)
    assert cause.code == "avoid-excludes-all"
    assert cause.client_ids == ("C4",)
    [cause4] = causes_of(s, "C4")
    assert cause4.code == "avoid-excludes-all" and cause4.client_ids == ("C1",)


def test_no_static_cause_when_the_client_can_come():
    # Two therapists: while one holds a client's individual session, the other holds the
    # group of the rest (with T1 alone nobody can come: tests/test_reasons.py).
    both = "group_therapy;skills;individual"
    therapists = [{"therapist_id": "T1", "skills": both}, {"therapist_id": "T2", "skills": both}]
    assert causes_of(week(c1(), therapists=therapists)) == []


# ---- dynamic causes and verified suggestions -----------------------------------------

ONE_SLOT = {"AM": ["09:00-09:50"]}
INDIVIDUAL_ONLY = {"PI": {"min_days": 1, "max_days": 1, "sessions": {"individual": 1}}}


def competing_week() -> Scenario:
    """Two clients each need one individual session; T1's week allows only one."""
    return make_scenario(
        blocks=ONE_SLOT,
        plans=INDIVIDUAL_ONLY,
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "PI", "priority": 2},
            {"client_id": "C2", "track": "SUD", "plan": "PI"},
        ],
        therapists=[{"therapist_id": "T1", "skills": "individual", "max_sessions_per_week": 1}],
    )


@pytest.fixture(scope="module")
def competing():
    scenario = competing_week()
    result = solve(scenario, time_limit=5, workers=1)
    assert list(result.unscheduled["client_id"]) == ["C2"]  # C1 has the higher priority
    return scenario, result


def test_capacity_core_names_the_weekly_cap_and_the_competitor(competing):
    scenario, result = competing
    explanation = explain(scenario, "C2", result, time_limit=5)
    assert not explanation.scheduled
    assert "therapist-week/T1" in explanation.core
    assert explanation.core_minimal
    week_cap = next(c for c in explanation.causes if c.code == "therapist-week-limit")
    assert week_cap.therapist_ids == ("T1",)
    competitor = next(c for c in explanation.causes if c.code == "competing-clients")
    assert competitor.client_ids == ("C1",)
    assert "T1's week is at its limit (1 session)" in explanation.summary
    assert "the places go to C1 (kept scheduled)" in explanation.summary


def test_capacity_suggestion_is_verified_by_re_solving(competing):
    scenario, result = competing
    explanation = explain(scenario, "C2", result, time_limit=5)
    cap = next(s for s in explanation.suggestions if "weekly limit" in s.description)
    assert cap.verified and cap.status == "fits"
    assert cap.changes[0].to_dict() == {
        "table": "therapists",
        "id": "T1",
        "field": "max_sessions_per_week",
        "old": 1,
        "new": 2,
    }
    assert explanation.suggestions[0] is cap  # verified suggestions come first
    data = json.loads(explanation.to_json())
    assert data["suggestions"][0]["verified"] is True


def test_full_groups_are_named_with_track_block_and_day():
    # One Monday slot, groups of at most 2, one therapist: two of three SUD clients fit.
    scenario = make_scenario(
        days=["Mon"],
        blocks=ONE_SLOT,
        session_types={"group_therapy": {"kind": "group", "min_size": 2, "max_size": 2}},
        clients=[{"client_id": f"C{i}", "track": "SUD", "plan": "P1"} for i in (1, 2, 3)],
        therapists=[{"therapist_id": "T1", "skills": "group_therapy"}],
    )
    result = solve(scenario, time_limit=5, workers=1)
    [left_out] = list(result.unscheduled["client_id"])
    explanation = explain(scenario, left_out, result, time_limit=5)
    assert "group-size/SUD/Mon/AM" in explanation.core
    full = next(c for c in explanation.causes if c.code == "groups-full")
    assert full.message == "AM SUD groups are full on Mon (at most 2 clients)"
    bigger = next(s for s in explanation.suggestions if "larger" in s.description)
    assert bigger.verified
    assert [c.to_dict()["new"] for c in bigger.changes] == [3]


def test_primary_therapist_suggestions_are_verified():
    therapists = [
        {"therapist_id": "T1", "skills": "group_therapy;individual"},
        {"therapist_id": "T2", "skills": "individual", "available": "Mon-Wed 08:00-16:00"},
    ]
    s = week(
        c1(busy=DAY_JOB, primary_therapist="T2"),
        c1(client_id="C4", busy=DAY_JOB),
        therapists=therapists,
    )
    explanation = explain(s, "C1", time_limit=5)
    assert explanation.codes == ["primary-unavailable"]
    verified = [x.description for x in explanation.suggestions if x.verified]
    assert "primary therapist T2 worked EVE on Mon (18:00-19:50)" in verified
    # Without T2 in the evening, T1 alone cannot lead C1 and C4's group and see C1 alone.
    anyone = next(x for x in explanation.suggestions if "any qualified" in x.description)
    assert anyone.status == "does not fit" and not anyone.verified


def test_scheduled_client_and_unknown_client(competing):
    scenario, result = competing
    assert explain(scenario, "C1", result, time_limit=2).scheduled
    with pytest.raises(UnknownClientError, match="did you mean 'C2'"):
        explain(scenario, "c2", result)


def test_default_model_has_no_named_groups():
    candidates = build_candidates(competing_week())
    assert IOPModel(candidates).group_literals == {}
    named = IOPModel(candidates, named_groups=True)
    assert ("therapist-week", "T1") in named.group_literals


def test_params_reach_the_solver_and_an_invalid_model_is_a_model_invalid_error(
    competing, monkeypatch
):
    # Every check of explain gets its solver from make_solver with explain's SearchParams.
    # One CP-SAT rejects (linearization_level -1: MODEL_INVALID, which SearchParams itself
    # refuses as a negative value) must be told with the library's ModelInvalidError, not a
    # bare RuntimeError or an "unknown" answer.
    scenario, result = competing
    tuned = SearchParams(linearization_level=1, explain=ExplainParams(check_time=1.0))
    seen: list[tuple[SearchParams, Role]] = []

    def rejected_solver(params: SearchParams, *args: Any, **kwargs: Any) -> cp_model.CpSolver:
        seen.append((params, kwargs["role"]))
        solver = make_solver(params, *args, **kwargs)
        assert solver.parameters.linearization_level == 1  # from the params given to explain
        solver.parameters.linearization_level = -1
        return solver

    # (the package's name ``fits`` is the function: the module comes from importlib)
    monkeypatch.setattr(
        importlib.import_module("optimizer.explain.fits"), "make_solver", rejected_solver
    )
    with pytest.raises(ModelInvalidError):
        explain(scenario, "C2", result, time_limit=2, params=tuned)
    assert seen == [(tuned, Role.CHECK)]  # the first check raised


def test_validated_copies_reject_invalid_values():
    client = competing_week().clients[0]
    assert replaced(client, busy=((0, 60, 120),)).busy == ((0, 60, 120),)
    with pytest.raises(ValueError, match="priority"):
        replaced(client, priority=0)


def test_track_subproblem_drops_references_to_other_tracks():
    # Monday only. C1 and C2 (SUD) each need one individual session; C3 (MH) has one too. C1's
    # avoid list and a pin name C3: the SUD sub-problem holds neither (tracks never share a
    # group), and it is still a valid scenario.
    scenario = make_scenario(
        days=["Mon"],
        blocks=ONE_SLOT,
        plans=INDIVIDUAL_ONLY,
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "PI", "avoid": "C3"},
            {"client_id": "C2", "track": "SUD", "plan": "PI"},
            {"client_id": "C3", "track": "MH", "plan": "PI"},
        ],
        therapists=[
            {"therapist_id": "T1", "skills": "individual"},
            {"therapist_id": "T2", "skills": "individual"},
        ],
        pins=[{"kind": "client_block", "client_id": "C3", "day": "Mon", "block": "AM"}],
    )
    where = {
        "session_type": "individual",
        "day": "Mon",
        "date": "2026-12-14",
        "block": "AM",
        "start": "09:00",
        "end": "09:50",
        "room_id": "",
    }
    assignments = [
        {"client_id": "C1", "session_id": "S1", **where, "therapist_id": "T1"},
        {"client_id": "C3", "session_id": "S3", **where, "therapist_id": "T2"},
    ]
    sessions = [
        {"session_id": sid, "track": "", "size": "1", **where, "therapist_id": tid}
        for sid, tid in (("S1", "T1"), ("S3", "T2"))
    ]
    week = WeekSchedule.from_rows(scenario, assignments, sessions)
    sub, reserved, local = track_subproblem(scenario, "C2", ["C1", "C3"], week)
    assert [c.client_id for c in sub.clients] == ["C1", "C2"]
    assert sub.clients[0].avoid == () and sub.pins == ()
    assert local == {"C1", "C2"}
    assert [s.session_id for s in week.of_clients(local).sessions] == ["S1"]
    # C3's session (MH) is reserved: T2 is busy Mon 09:00-09:50, T1 is not.
    assert dict(reserved.therapist_busy) == {"T2": [("Mon", 540, 590)]}
    # One slot, two therapists, both taken (T1 by C1, T2 by C3): C2 comes in only if one of
    # them leaves, so the minimal core is both therapists' time plus both clients.
    schedule = Schedule(
        assignments=pd.DataFrame(assignments),
        sessions=pd.DataFrame(sessions),
        unscheduled=pd.DataFrame([{"client_id": "C2", "reason": "full"}]),
    )
    explanation = explain(scenario, "C2", schedule, time_limit=10)
    assert explanation.codes == ["therapist-busy", "competing-clients"]
    assert explanation.causes[1].client_ids == ("C1", "C3")
    assert {"therapist-time/T1/Mon/AM", "therapist-time/T2/Mon/AM"} <= set(explanation.core)


# ---- overlapping blocks: the cause names the block of the occupying sessions -----------

OVERLAPPING = {"ADOL": ["16:30-17:20", "17:30-18:20"], "EVE": ["18:00-18:50", "19:00-19:50"]}


def overlapping_week(**overrides) -> Scenario:
    """Monday only; ADOL's second slot (17:30-18:20) overlaps EVE's first (18:00-18:50).

    Every client needs two individual sessions on one day (a full block). A1 can come only
    in ADOL (busy from 18:30), E1 and E2 only in EVE (busy until 17:50). Two therapists, free
    all day. At 18:00 three sessions would run at once (A1's 17:30-18:20, E1's and E2's
    18:00-18:50) with two therapists: one client stays out, E2 (the lowest priority).
    """
    plan = {"min_days": 1, "max_days": 1, "sessions": {"individual": 2}}
    therapists = [{"therapist_id": t, "skills": "individual"} for t in ("T1", "T2")]
    return make_scenario(
        **{"therapists": therapists, **overrides},
        days=["Mon"],
        blocks=OVERLAPPING,
        session_types={"individual": {"kind": "individual"}},
        plans={"PI": plan},
        clients=[
            {
                "client_id": "A1",
                "track": "ADOL",
                "plan": "PI",
                "busy": "Mon 18:30-24:00",
                "priority": 2,
            },
            {
                "client_id": "E1",
                "track": "SUD",
                "plan": "PI",
                "busy": "Mon 00:00-17:50",
                "priority": 2,
            },
            {"client_id": "E2", "track": "SUD", "plan": "PI", "busy": "Mon 00:00-17:50"},
        ],
    )


def test_therapist_time_is_told_in_the_block_of_the_occupying_sessions():
    scenario = overlapping_week()
    result = solve(scenario, time_limit=10, workers=1)
    assert list(result.unscheduled["client_id"]) == ["E2"]
    at = {(r.client_id, r.start): r.therapist_id for r in result.assignments.itertuples()}
    in_adol, in_eve = at[("A1", "17:30")], at[("E1", "18:00")]  # T1 and T2 in some order
    explanation = explain(scenario, "E2", result, time_limit=10)
    # The clash is at 18:00, inside EVE, the only block E2 can attend: the core names EVE
    # for both therapists (not ADOL, the first block whose hours hold 18:00).
    assert {f"therapist-time/{t}/Mon/EVE" for t in ("T1", "T2")} <= set(explanation.core)
    assert not any("/ADOL" in name for name in explanation.core)
    busy = next(c for c in explanation.causes if c.code == "therapist-busy")
    assert f"{in_eve} is already in sessions in EVE on Mon" in busy.message
    assert (
        f"{in_adol} is already in sessions in ADOL on Mon (17:30-18:20, overlapping EVE)"
        in busy.message
    )
    assert set(busy.blocks) == {"ADOL", "EVE"}
    another = [
        s.description for s in explanation.suggestions if "another therapist" in s.description
    ]
    assert another and all("worked EVE on Mon" in text for text in another)


def test_room_time_is_told_in_the_block_of_the_occupying_sessions():
    # The same clash with three therapists and two rooms: now the rooms are what is short.
    therapists = [{"therapist_id": f"T{i}", "skills": "individual"} for i in (1, 2, 3)]
    rooms = [{"room_id": "R1", "capacity": 1}, {"room_id": "R2", "capacity": 1}]
    scenario = overlapping_week(therapists=therapists, rooms=rooms)
    result = solve(scenario, time_limit=10, workers=1)
    assert list(result.unscheduled["client_id"]) == ["E2"]
    at = {(r.client_id, r.start): r.room_id for r in result.assignments.itertuples()}
    in_adol, in_eve = at[("A1", "17:30")], at[("E1", "18:00")]
    explanation = explain(scenario, "E2", result, time_limit=10)
    assert {"room-time/R1/Mon/EVE", "room-time/R2/Mon/EVE"} <= set(explanation.core)
    rooms_busy = next(c for c in explanation.causes if c.code == "rooms-busy")
    assert f"room {in_eve} is taken during EVE on Mon" in rooms_busy.message
    assert (
        f"room {in_adol} is taken during ADOL on Mon (17:30-18:20, overlapping EVE)"
        in rooms_busy.message
    )


# ---- the example weeks ---------------------------------------------------------------


def _reasons(folder: str, unscheduled: list[str]) -> dict[str, str]:
    from optimizer import load_scenario

    scenario = load_scenario(SCENARIOS / folder)
    scheduled = {c.client_id for c in scenario.clients} - set(unscheduled)
    return unscheduled_reasons(scenario, build_candidates(scenario), scheduled)


def test_christmas_reasons_name_the_closed_friday_and_the_jobs():
    reasons = _reasons("westside-iop-christmas", ["C009", "C015", "C022", "C035"])
    for cid in ("C009", "C022", "C035"):
        assert reasons[cid].startswith("plan IOP-3 needs 3 days but the client can attend only 2")
        assert "Fri 2026-12-25 is closed" in reasons[cid]
        assert "busy 12:00-20:00 (plus 30-minute commute)" in reasons[cid]
    assert "needs 4 days (prorated to 4 open days in the program)" in reasons["C015"]
    assert "Wed: busy 00:00-24:00" in reasons["C015"]


def test_westside_reasons():
    reasons = _reasons("westside-iop", ["C015", "C029"])
    assert "needs 5 days but the client can attend only 4" in reasons["C015"]
    assert reasons["C029"].startswith("not enough capacity this week")
    assert "EVE Mon-Fri" in reasons["C029"]


# ---- command line --------------------------------------------------------------------


def test_cli_explain(tmp_path: Path):
    path = tmp_path / "week.json"
    path.write_text(json.dumps(competing_week().to_data()))
    runner = CliRunner()
    out = runner.invoke(main, ["explain", str(path), "C1", "--time-limit", "3"])
    assert out.exit_code == 0, out.output
    text = runner.invoke(main, ["explain", str(path), "C3"])
    assert text.exit_code == 2
    assert "unknown client 'C3'" in text.output
    solved = tmp_path / "out"
    assert (
        runner.invoke(
            main, ["solve", str(path), "--out", str(solved), "--workers", "1", "--time-limit", "5"]
        ).exit_code
        == 0
    )
    out = runner.invoke(
        main, ["explain", str(path), "C2", "--schedule", str(solved), "--json", "--time-limit", "5"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["client_id"] == "C2" and "therapist-week/T1" in data["core"]
    assert any(s["verified"] for s in data["suggestions"])


def test_evening_bottleneck_names_t01_weekly_limit():
    # scenarios/tiny-evening-bottleneck/README.md: C05 and C06 lose to T01's weekly limit.
    from optimizer import load_scenario

    scenario = load_scenario(SCENARIOS / "tiny-evening-bottleneck")
    result = solve(scenario, time_limit=10, workers=1)
    assert sorted(result.unscheduled["client_id"]) == ["C05", "C06"]
    explanation = explain(scenario, "C05", result, time_limit=10)
    assert "therapist-week/T01" in explanation.core
    assert "T01's week is at its limit (4 sessions)" in explanation.summary
    assert any(
        s.verified and "T01's weekly limit" in s.description for s in explanation.suggestions
    )
