"""The search's parameters, its one solver factory and its time keeper (optimizer/search/)."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, make_scenario
from ortools.sat.python import cp_model

from optimizer import SearchParams, SearchParamsError, load_scenario, solve
from optimizer.report.text import phase_two_text, summary_text
from optimizer.result import SecondarySearch
from optimizer.search.control import SearchControl
from optimizer.search.params import ExplainParams
from optimizer.search.solver import Role, make_solver


@pytest.mark.parametrize("section", [SearchParams, ExplainParams])
def test_every_parameter_is_documented(section: type) -> None:
    source = inspect.getsource(section)
    for field in dataclasses.fields(section):
        # A docstring right after the field's line says what it is, its unit and why.
        after = source.split(f"    {field.name}: ", 1)[1].split("\n", 2)[1]
        assert after.strip().startswith('"""'), field.name


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"warm_start_shares": 0.3}, "unknown search parameter (did you mean 'warm_start_share'?)"),
        ({"core_share": 1.5}, "1.5 is not a share between 0 and 1"),  # a share is 0..1
        ({"rooms_per_stage": -1}, "-1 is negative"),  # a count
        ({"greedy_rounds": 2.5}, "2.5 is not a whole number"),  # rounds are whole
        ({"min_workers": "four"}, "'four' is not a whole number"),
        ({"core_share": "half"}, "'half' is not a number"),
        ({"linearization_level": True}, "True is not a whole number"),  # not a flag
        ({"min_workers": 0}, "at least one worker is needed"),
        ({"min_workers": 6, "max_workers": 5}, "is below min_workers (6)"),
        # the explain section: a table of its own, checked alike and named with its path
        ({"explain": 3}, "explain: 3 is not a table"),
        ({"explain": {"check_tme": 1}}, "explain: check_tme: unknown search parameter (did you"),
        ({"explain": {"verify_share": 2}}, "explain: verify_share: 2.0 is not a share between"),
        ({"explain": {"max_suggestions": -1}}, "explain: max_suggestions: -1 is negative"),
    ],
)  # fmt: skip
def test_bad_parameters_are_named(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(SearchParamsError) as caught:
        SearchParams.from_mapping(data, "tuning.toml")
    assert problem in str(caught.value)
    assert "tuning.toml" in str(caught.value)


def test_parameters_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "tuning.toml"
    toml.write_text("core_share = 0.5\nwall_safety_factor = 4\n", encoding="utf-8")
    from_toml = SearchParams.from_file(toml)
    assert from_toml == SearchParams(core_share=0.5, wall_safety_factor=4.0)
    assert from_toml.changed() == {"core_share": 0.5, "wall_safety_factor": 4.0}
    as_json = tmp_path / "tuning.json"
    as_json.write_text(json.dumps(from_toml.changed()), encoding="utf-8")
    assert SearchParams.from_file(as_json) == from_toml
    # The explain section is a table; changed() names only what differs in it.
    toml.write_text("core_share = 0.5\n[explain]\ncheck_time = 1.5\n", encoding="utf-8")
    sectioned = SearchParams.from_file(toml)
    assert sectioned == SearchParams(core_share=0.5, explain=ExplainParams(check_time=1.5))
    assert sectioned.changed() == {"core_share": 0.5, "explain": {"check_time": 1.5}}
    as_json.write_text(json.dumps(sectioned.changed()), encoding="utf-8")
    assert SearchParams.from_file(as_json) == sectioned
    broken = tmp_path / "broken.toml"
    broken.write_text("core_share = = 1\n", encoding="utf-8")
    with pytest.raises(SearchParamsError, match="broken.toml: cannot be read"):
        SearchParams.from_file(broken)


def test_default_workers_stay_within_the_bounds() -> None:
    assert 4 <= SearchParams().default_workers() <= 8
    assert SearchParams(min_workers=1, max_workers=1).default_workers() == 1


@pytest.mark.parametrize(
    ("role", "workers", "expected"),
    [
        # The whole week with several workers: one light presolve pass, no probing.
        (Role.WHOLE_WEEK, 4, {"num_workers": 4, "max_presolve_iterations": 1,
                              "cp_model_probing_level": 0, "linearization_level": 2,
                              "max_time_in_seconds": 10.0, "interleave_search": False}),
        # One worker: the whole portfolio interleaved, 0.4 deterministic units a second.
        (Role.WHOLE_WEEK, 1, {"num_workers": 1, "interleave_search": True,
                              "max_deterministic_time": 4.0}),
        # A stage: at most one worker per core, light presolve.
        (Role.STAGE, 1, {"num_workers": 1, "interleave_search": True,
                         "max_presolve_iterations": 1, "cp_model_probing_level": 0}),
        (Role.HINT, 4, {"num_workers": 1, "max_deterministic_time": 4.0}),
        (Role.CORES, 4, {"num_workers": 1, "max_time_in_seconds": 10.0}),
        (Role.CHECK, 4, {"num_workers": 1, "linearization_level": 2}),
    ],
)  # fmt: skip
def test_make_solver_sets_each_roles_parameters(
    role: Role, workers: int, expected: dict[str, Any]
) -> None:
    solver = make_solver(SearchParams(), 10, workers, seed=7, role=role)
    params = solver.parameters
    assert {name: getattr(params, name) for name in expected} == expected
    assert (params.random_seed, params.catch_sigint_signal) == (7, False)


def test_make_solver_follows_the_params() -> None:
    tuned = SearchParams(linearization_level=1, parallel_presolve_iterations=3)
    solver = make_solver(tuned, 10, 4)
    assert (solver.parameters.linearization_level, solver.parameters.max_presolve_iterations) == (
        1,
        3,
    )
    assert not make_solver(tuned, 1, role=Role.CHECK, presolve=False).parameters.cp_model_presolve


@pytest.mark.parametrize(
    ("workers", "subsolvers"), [(1, []), (2, ["core"]), (3, ["core", "default_lp"]), (4, [])]
)
def test_the_core_worker_takes_a_full_thread_only_where_cp_sat_gives_it_none(
    workers: int, subsolvers: list[str]
) -> None:
    # CP-SAT runs its core subsolver from 4 workers on; with 2 or 3 the over-subscribed
    # setting names the full-problem threads, one being left for the neighbourhood search.
    params = make_solver(SearchParams(), 10, workers, core_worker=True).parameters
    assert list(params.subsolvers) == subsolvers
    assert params.num_full_subsolvers == (len(subsolvers) if subsolvers else 0)
    assert list(make_solver(SearchParams(), 10, workers).parameters.subsolvers) == []


def test_a_deterministic_budget_counts_units_not_seconds() -> None:
    # 10 s at 0.4 units a second: 4 units. A run may use what is left, and what it used
    # is gone for the next one, however long it took on the wall clock.
    params = SearchParams()
    control = SearchControl(params, 10, deterministic=True)
    assert control.seconds_left() == 10
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.maximize(x)
    solver = make_solver(params, 100, 1)  # asks for 40 units: the budget has 4
    assert control.run(solver, model) == cp_model.OPTIMAL
    assert solver.parameters.max_deterministic_time == pytest.approx(4.0)
    used = solver.deterministic_time
    assert control.seconds_left() == pytest.approx(10 - used / 0.4)
    assert control.reproducibility() == {
        "deterministic_units": round(used, 3),
        "reproducible": True,
    }


def test_solve_takes_its_params() -> None:
    # Two clients, one therapist, one group a day (derived in conftest.make_scenario): both
    # served however the search is tuned; the params are the ones given.
    scenario = make_scenario()
    result = solve(scenario, time_limit=10, workers=1, params=SearchParams(core_share=0.0))
    assert (result.status, result.objective) == ("OPTIMAL", 2)
    assert result.proof_seconds is not None and result.proof_seconds <= result.solve_seconds


def test_a_small_week_is_proven_before_any_warm_start(check_valid) -> None:
    # tests/data/six-clients (4 of 6 servable, see below): its model is far under
    # quick_proof_variables, and phase 1 alone proves 4 within the first try, so the
    # hand-style schedule and the track search never run. Without the try
    # (quick_proof_variables=0) the same optimum comes through the warm start.
    scenario = load_scenario(DATA / "six-clients")
    quick = solve(scenario, workers=1, seed=0, time_limit=20)
    check_valid(quick)
    assert quick.parameters["quick_proof"] is True
    assert (quick.status, quick.objective, quick.best_bound) == ("OPTIMAL", 4, 4)
    usual = solve(scenario, workers=1, seed=0, time_limit=20,
                  params=SearchParams(quick_proof_variables=0))
    check_valid(usual)
    assert "quick_proof" not in usual.parameters
    assert (usual.status, usual.objective) == ("OPTIMAL", 4)


# ---- phase 2: when it stops ---------------------------------------------------------------


def test_phase_two_of_a_small_week_stops_when_it_stops_improving(check_valid) -> None:
    # tests/data/six-clients (python -m benchmarks.generate --size 6 --seed 0): 4 of 6 are
    # served, proven at once (C0006 works nights, C0001 is admitted mid-week). Phase 2's
    # bound stays far below what it finds (the gap does not close), so it used to run to
    # the time limit: 60 s, all 24 deterministic units of one worker. Now a whole round
    # without a better schedule ends it, long before: the deterministic units say so.
    result = solve(load_scenario(DATA / "six-clients"), workers=1, seed=0)
    check_valid(result)
    assert (result.status, result.objective, result.best_bound) == ("OPTIMAL", 4, 4)
    search = result.secondary_search
    assert search.stopped_by in ("proven", "no-improvement")
    assert search.status in ("OPTIMAL", "FEASIBLE")
    assert result.parameters["reproducible"] is True
    assert result.parameters["deterministic_units"] < 0.25 * 60 * 0.4  # of 24 units
    assert search.objective == sum(t["weighted"] for t in result.objective_terms().values())
    assert search.bound is not None and search.bound <= search.objective
    assert result.summary["secondary_search"] == search.to_dict()


def test_phase_two_of_a_small_week_with_default_settings_is_not_stopped_by_the_limit(
    check_valid,
) -> None:
    # The same week with the defaults (every core, at least 4 workers, 60 s): rounds are
    # counted on the wall clock, and phase 2 ends by proof or by the no-improvement rule,
    # not by the time limit, which a week of six clients has no use for.
    result = solve(load_scenario(DATA / "six-clients"))
    check_valid(result)
    assert result.status == "OPTIMAL"
    assert result.secondary_search.stopped_by in ("proven", "no-improvement")
    assert not result.interrupted


def test_phase_two_proven_says_so() -> None:
    # Two clients, one therapist, one group a day (conftest.make_scenario): a model this
    # small is solved to proven optimality in phase 2 at once.
    result = solve(make_scenario(), time_limit=10, workers=1)
    search = result.secondary_search
    assert (search.status, search.stopped_by, search.gap) == ("OPTIMAL", "proven", 0.0)
    assert search.bound is not None and search.objective is not None
    assert search.bound >= search.objective
    assert "proven the least" in summary_text(result)


@pytest.mark.parametrize(
    ("search", "gap", "line"),
    [
        (SecondarySearch("OPTIMAL", 226, 226, "proven"), 0.0, "proven the least"),
        (
            SecondarySearch("FEASIBLE", 226, 214, "no-improvement"),
            0.0531,  # (226 - 214) / 226
            "unproven: bound 214 (gap 5.3%), stopped when a round found nothing better",
        ),
        (
            SecondarySearch("FEASIBLE", 400, 16, "time-limit"),
            0.96,  # (400 - 16) / 400
            "unproven: bound 16 (gap 96.0%), stopped by the time limit",
        ),
        (SecondarySearch("FEASIBLE", 300, None, "interrupted"), None, "unproven: interrupted"),
    ],
)
def test_phase_two_status_gap_and_line(
    search: SecondarySearch, gap: float | None, line: str
) -> None:
    assert search.gap == gap
    assert search.to_dict() == {
        "status": search.status,
        "objective": search.objective,
        "bound": search.bound,
        "gap": gap,
        "stopped_by": search.stopped_by,
    }
    assert phase_two_text(search) == line
