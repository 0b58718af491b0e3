"""The search's parameters, its one solver factory and its time keeper (optimizer/search/)."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_scenario
from ortools.sat.python import cp_model

from optimizer import SearchParams, SearchParamsError, solve
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
                              "max_time_in_seconds": 10.0}),
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
