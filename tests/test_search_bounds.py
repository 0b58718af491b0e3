"""Issue 14: dominance between clients, the merged-types relaxation, and the rule that no
reported bound is ever below a schedule someone found on the same week."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import make_scenario
from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model
from test_decomposition import _optimum as optimum
from test_properties import scenario_data

from optimizer import Scenario
from optimizer.check import check_schedule
from optimizer.io.schedule import Schedule
from optimizer.model import IOPModel, build_candidates
from optimizer.model.candidates import Candidates
from optimizer.model.cuts import add_capacity_cuts
from optimizer.model.dominance import (
    add_dominance,
    dominance_pairs,
    remove_constraints,
    respect_dominance,
)
from optimizer.model.relax import merge_group_types
from optimizer.search.greedy import solve_greedy
from optimizer.search.params import SearchParams, SearchParamsError

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package
    sys.path.insert(0, str(ROOT))

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _optimum(candidates: Candidates, pairs: list[tuple[str, str]] | None = None) -> int:
    """The proven primary optimum, with the dominance ``pairs`` when given."""
    return optimum(candidates, (lambda iop: add_dominance(iop, pairs)) if pairs else None)


# ---- dominance ------------------------------------------------------------------------

EVENING = {"EVE": ["18:00-18:50", "19:00-19:50"]}
PLAN = {"P1": {"min_days": 2, "max_days": 2, "sessions": {"group_therapy": 3, "individual": 1}}}


def _week(clients: list[dict[str, Any]], **overrides: Any) -> Scenario:
    return make_scenario(
        blocks={"AM": ["09:00-09:50", "10:00-10:50"], **EVENING},
        plans=PLAN,
        clients=clients,
        therapists=[
            {"therapist_id": "T1", "skills": "group_therapy;individual"},
            {"therapist_id": "T2", "skills": "group_therapy;individual", "languages": "en;es"},
        ],
        **overrides,
    )


def test_dominance_chains_identical_clients_and_points_to_the_more_flexible() -> None:
    clients = [
        # C1-C3 only in the evening (work 8-17), identical: a chain C1 >= C2 >= C3.
        {"client_id": "C1", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"},
        {"client_id": "C2", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"},
        {"client_id": "C3", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"},
        # C4 can come morning or evening: it can take any evening client's place.
        {"client_id": "C4", "track": "SUD", "plan": "P1"},
        # C5: another track; C6 speaks Spanish (fewer individual therapists); C7 has an
        # avoid partner; C8 has priority 2 (dominates the evening ones, not the reverse).
        {"client_id": "C5", "track": "MH", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"},
        {"client_id": "C6", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00",
         "language": "es"},
        {"client_id": "C7", "track": "SUD", "plan": "P1", "avoid": "C9"},
        {"client_id": "C8", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00",
         "priority": 2},
        {"client_id": "C9", "track": "SUD", "plan": "P1"},
    ]
    pairs = set(dominance_pairs(build_candidates(_week(clients))))
    assert ("C1", "C2") in pairs and ("C2", "C3") in pairs  # the chain
    # Covering pairs between classes: C8 (same options, priority 2) and C4 (more options)
    # over the chain's first; the chain's last over C6 (Spanish: its individual sessions
    # only with T2, so C3 can take its place, not the reverse).
    assert ("C8", "C1") in pairs and ("C4", "C1") in pairs and ("C3", "C6") in pairs
    assert len(pairs) == 5  # C4 over C6 is implied through the chain, so not added
    assert not any("C5" in pair for pair in pairs)  # alone in its track
    assert not any({"C7", "C9"} & set(pair) for pair in pairs)  # an avoid pair


def test_dominance_removed_before_the_secondary_phase() -> None:
    clients = [
        {"client_id": f"C{n}", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"}
        for n in (1, 2, 3)
    ]
    candidates = build_candidates(_week(clients))
    iop = IOPModel(candidates)
    added = add_dominance(iop, dominance_pairs(candidates))
    assert len(added) == 2  # C1 >= C2 >= C3
    # Serving C2 and C3 (a group of two) without C1 breaks C1 >= C2; after removal it is
    # allowed again.
    iop.model.add(iop.scheduled_vars["C2"] + iop.scheduled_vars["C3"] == 2)
    iop.model.add(iop.scheduled_vars["C1"] == 0)
    solver = cp_model.CpSolver()
    assert solver.solve(iop.model) == cp_model.INFEASIBLE
    remove_constraints(iop, added)
    assert solver.solve(iop.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@PROPERTY
@given(scenario_data())
def test_dominance_keeps_the_optimum(data: dict[str, Any]) -> None:
    """Exact for the primary objective: the same optimum with and without the pairs."""
    candidates = build_candidates(Scenario.from_data(data))
    assert _optimum(candidates, dominance_pairs(candidates)) == _optimum(candidates)


@PROPERTY
@given(scenario_data())
def test_swapping_clients_along_dominance_keeps_a_schedule_valid(data: dict[str, Any]) -> None:
    scenario = Scenario.from_data(data)
    pairs = dominance_pairs(build_candidates(scenario))
    by_hand = solve_greedy(scenario, SearchParams())
    swapped = respect_dominance(by_hand.schedule, pairs)
    served = swapped.client_ids()
    assert all(a in served for a, b in pairs if b in served)
    assert swapped.served(scenario) >= by_hand.objective
    errors = [
        v for v in check_schedule(scenario, swapped.to_schedule(scenario)) if v.severity == "error"
    ]
    assert not errors, errors


# ---- capacity cuts ---------------------------------------------------------------------


@PROPERTY
@given(scenario_data())
def test_capacity_cuts_keep_the_optimum(data: dict[str, Any]) -> None:
    """Implied constraints: the same optimum with and without them."""
    candidates = build_candidates(Scenario.from_data(data))
    assert optimum(candidates, add_capacity_cuts) == optimum(candidates)


def test_capacity_cuts_say_two_evening_leaders_lead_two_cohorts() -> None:
    """Three cohorts (tracks) of two evening clients, each needing a group in both evening
    slots on Monday and Tuesday; two therapists lead at most two groups at a time, so two
    cohorts (4 clients) can be served. The cuts state "at most two copies at 18:00" (and at
    19:00) each day in one line; the optimum is the same."""
    scenario = make_scenario(
        days=["Mon", "Tue"],
        blocks=EVENING,
        plans={"P2": {"min_days": 2, "max_days": 2, "sessions": {"group_therapy": 4}}},
        clients=[
            {"client_id": f"{track}{n}", "track": track, "plan": "P2"}
            for track in ("A", "B", "C") for n in (1, 2)
        ],
        therapists=[{"therapist_id": t, "skills": "group_therapy"} for t in ("T1", "T2")],
    )
    candidates = build_candidates(scenario)
    assert add_capacity_cuts(IOPModel(candidates)) == 4  # 2 days x 2 instants
    assert optimum(candidates, add_capacity_cuts) == optimum(candidates) == 4


# ---- the merged-types relaxation ------------------------------------------------------

TWO_GROUP_TYPES = {
    "group_therapy": {"kind": "group", "min_size": 2, "max_size": 12},
    "skills": {"kind": "group", "min_size": 2, "max_size": 10},
    "individual": {"kind": "individual"},
}


@PROPERTY
@given(scenario_data())
def test_merged_types_bound_the_optimum_from_above(data: dict[str, Any]) -> None:
    candidates = build_candidates(Scenario.from_data(data))
    real = _optimum(candidates)
    for rooms in (True, False):
        merged = merge_group_types(candidates, rooms=rooms)
        if merged is not None:
            assert _optimum(merged.candidates) >= real


def test_merged_minimums_are_the_sum_of_the_prorated_ones() -> None:
    """Proration rounds each type down: a plan of 1 group therapy and 1 skills session in 2
    days asks a client present 1 day for floor(1/2) + floor(1/2) = 0 group sessions, while
    the merged plan (2 in 2 days) prorated would ask floor(2/2) = 1."""
    scenario = make_scenario(
        session_types=TWO_GROUP_TYPES,
        plans={"P1": {"min_days": 2, "max_days": 2,
                      "sessions": {"group_therapy": 1, "skills": 1}}},
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "P1", "admit_date": "2026-12-16"},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
    )
    merged = merge_group_types(build_candidates(scenario))
    assert merged is not None
    assert merged.candidates.requirements["C1"].min_sessions["group"] == 0
    assert merged.candidates.requirements["C2"].min_sessions["group"] == 2
    assert merged.merged_type == {"group_therapy": "group", "skills": "group",
                                  "individual": "individual"}


# ---- the over-subscribed trigger ---------------------------------------------------------


def _three_cohorts() -> Scenario:
    """Three evening cohorts (tracks) of two clients, each needing a group in both evening
    slots on Monday and Tuesday (two group types); two therapists lead at most two groups
    at a time, so two cohorts (4 of the 6 clients) can be served."""
    return make_scenario(
        days=["Mon", "Tue"],
        blocks=EVENING,
        session_types=TWO_GROUP_TYPES,
        plans={"P2": {"min_days": 2, "max_days": 2,
                      "sessions": {"group_therapy": 2, "skills": 2}}},
        clients=[
            {"client_id": f"{track}{n}", "track": track, "plan": "P2"}
            for track in ("A", "B", "C") for n in (1, 2)
        ],
        therapists=[{"therapist_id": t, "skills": "group_therapy;skills"} for t in ("T1", "T2")],
    )


def test_an_oversubscribed_week_runs_the_relaxation_on_its_own() -> None:
    """The first schedule serves at most 4 of the 6 (share below 0.8), so the default solve
    runs the merged-types relaxation, whose bound (4) proves the optimum; with the trigger
    off (``relaxation_below=0``) it does not run."""
    from optimizer import solve

    scenario = _three_cohorts()
    no_quick = SearchParams(quick_proof_variables=0)  # else phase 1 alone proves it first
    result = solve(scenario, time_limit=5, workers=1, params=no_quick)
    assert result.parameters["first_share"] <= 4 / 6 + 1e-3
    assert result.parameters["relaxed_bound"] == 4
    assert result.status.value == "OPTIMAL" and result.objective == result.best_bound == 4
    schedule = Schedule(result.assignments, result.sessions, result.unscheduled)
    assert not [v for v in check_schedule(scenario, schedule) if v.severity == "error"]
    off = solve(scenario, time_limit=5, workers=1,
                params=SearchParams(relaxation_below=0.0, quick_proof_variables=0))
    assert "relaxed_bound" not in off.parameters and off.objective == 4
    # With CP-SAT's core subsolver in the full-problem thread (2 workers): the same optimum.
    core = solve(scenario, time_limit=5, workers=2,
                 params=SearchParams(oversubscribed_core=True, quick_proof_variables=0))
    assert (core.status.value, core.objective, core.best_bound) == ("OPTIMAL", 4, 4)
    schedule = Schedule(core.assignments, core.sessions, core.unscheduled)
    assert not [v for v in check_schedule(scenario, schedule) if v.severity == "error"]


def test_a_week_that_fits_does_not_run_the_relaxation() -> None:
    clients = [
        {"client_id": f"C{n}", "track": "SUD", "plan": "P1", "busy": "Mon-Fri 08:00-17:00"}
        for n in (1, 2, 3)
    ]
    from optimizer import solve

    result = solve(_week(clients), time_limit=5, workers=1,
                   params=SearchParams(quick_proof_variables=0))
    assert result.parameters["first_share"] == 1.0
    assert "relaxed_bound" not in result.parameters
    assert result.objective == result.best_bound == 3


# ---- no bound below a known schedule ----------------------------------------------------


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenario_data())
def test_no_bound_is_below_a_schedule_found_on_the_same_week(data: dict[str, Any]) -> None:
    """The product's bound, with its defaults, with every issue-14 idea on (the relaxation
    with and without rooms) and with the relaxation on every week (``relax-repair``), is at
    least
    what any of them, the textbook model and the hand-style schedule serve; every schedule
    keeps every rule."""
    from benchmarks.run import IDEAS
    from benchmarks.textbook import solve_textbook
    from optimizer import solve

    scenario = Scenario.from_data(data)
    every_idea = SearchParams(**IDEAS["relax+dominance+cuts"], capacity_cuts=True)
    relax_repair = SearchParams(**IDEAS["relax-repair"])
    results = [solve(scenario, time_limit=3, workers=1, params=params)
               for params in (SearchParams(), every_idea, relax_repair)]
    textbook = solve_textbook(scenario, time_limit=3, workers=1)
    found = [solve_greedy(scenario, SearchParams()).objective]
    found += [r.objective for r in (*results, textbook) if r.objective is not None]
    for bound in (*(r.best_bound for r in results), textbook.best_bound):
        if bound is not None:
            assert bound >= max(found)
    for result in results:
        if result.objective is not None:
            schedule = Schedule(result.assignments, result.sessions, result.unscheduled)
            errors = [v for v in check_schedule(scenario, schedule) if v.severity == "error"]
            assert not errors, errors


def test_the_benchmark_report_flags_a_bound_below_a_known_schedule() -> None:
    from benchmarks.report import bound_violations

    rows = [
        {"size": "O60", "seed": 0, "method": "product", "objective": 50, "best_bound": 52},
        {"size": "O60", "seed": 0, "method": "textbook", "objective": 53, "best_bound": 60},
        {"size": "O60", "seed": 0, "method": "greedy", "objective": 40, "best_bound": None},
        {"size": "O60", "seed": 1, "method": "product", "objective": 50, "best_bound": 50},
    ]
    # 52 is below the textbook's 53: a bug; seed 1 is consistent.
    assert bound_violations(rows) == ["O60/0: product bound 52 < 53 (textbook)"]


@pytest.mark.parametrize("size", ["O40", "SW"])
def test_new_benchmark_families_are_seeded_and_valid(size: str) -> None:
    from benchmarks.generate import generate

    data = generate(size, seed=2)
    assert data == generate(size, seed=2)
    assert data != generate(size, seed=3)
    scenario = Scenario.from_data(data)
    if size == "O40":
        assert len(scenario.clients) == 40
        # one bilingual therapist, as in the family's description
        assert sum("es" in t.spoken_languages for t in scenario.therapists) == 1
    else:
        assert 8 <= len(scenario.clients) <= 30


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (True, True),  # a switch takes true or false
        (False, True),
        (1, False),  # not a number: 1 would read as "on" by accident of Python's bool
        ("yes", False),  # text is not a switch
    ],
)
def test_research_switches_are_true_or_false(value: object, ok: bool) -> None:
    if ok:
        assert SearchParams.from_mapping({"dominance": value}).dominance is value
    else:
        with pytest.raises(SearchParamsError, match="dominance"):
            SearchParams.from_mapping({"dominance": value})


def test_the_issue_14_run_is_a_section_of_the_report_with_its_command_and_load() -> None:
    from benchmarks.report import report

    week = {"seed": 0, "clients": 60, "total_priority": 70}
    o60 = [
        {**week, "size": "O60", "method": "product", "status": "FEASIBLE", "objective": 50,
         "best_bound": 55, "proof_seconds": None},
        {**week, "size": "O60", "method": "textbook", "status": "FEASIBLE", "objective": 48,
         "best_bound": 58, "proof_seconds": None},
    ]
    meta = {"command": "python -m benchmarks.run all --instances O60:1:30", "load_before": "9.1"}
    text = report([], {}, issue14=(o60, meta))
    assert "## Over-subscribed and small weeks (issue 14)" in text
    assert "`python -m benchmarks.run all --instances O60:1:30`" in text and "9.1" in text
    # demand over capacity between 70/55 and 70/50; the target not met: nothing proven
    assert "| O60 | 0 | 60 | 70 | 50 | 55 | 1.27-1.40 |" in text
    assert "0 of 1 proven, median never" in text and "**NOT met**" in text
