"""Issue 14: the LP bound of large over-subscribed weeks (optimizer.search.lpbound).

The bound is computed from HiGHS's duals by weak duality, so any multipliers give a valid
bound: tested with hand-derived optima, with random multipliers, and through ``solve``.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from conftest import make_scenario
from hypothesis import HealthCheck, given, settings
from test_decomposition import _optimum as optimum
from test_properties import scenario_data

from optimizer import Scenario, SolveStatus, solve
from optimizer.model import IOPModel, build_candidates
from optimizer.search.lpbound import LinearBound, LinearRelaxation
from optimizer.search.params import SearchParams

ALWAYS = SearchParams(
    lp_bound_below=2.0, lp_bound_min_variables=0, lp_bound_min_clients=0, quick_proof_variables=0
)
"""The LP bound on every week (the defaults keep it to large over-subscribed ones), and no
quick proof before it (the small weeks here would be proven before it starts)."""
SOLVE = importlib.import_module("optimizer.solve")
"""The module (``optimizer.solve`` is also the function's name in the package)."""


def _capped_week(priorities: list[int], caps: tuple[int, int], **overrides: Any) -> Scenario:
    """Five days; clients who each need three individual sessions (one a day, a one-slot
    block) from two therapists allowed ``caps`` sessions a week."""
    return make_scenario(
        days=["Mon", "Tue", "Wed", "Thu", "Fri"],
        blocks={"AM": ["09:00-09:50"]},
        plans={"P3": {"min_days": 3, "max_days": 3, "sessions": {"individual": 3}}},
        clients=[
            {"client_id": f"C{i}", "track": "SUD", "plan": "P3", "priority": p}
            for i, p in enumerate(priorities, 1)
        ],
        therapists=[
            {"therapist_id": "T1", "skills": "individual", "max_sessions_per_week": caps[0]},
            {"therapist_id": "T2", "skills": "individual", "max_sessions_per_week": caps[1]},
        ],
        **overrides,
    )


def _lp(scenario: Scenario) -> LinearBound:
    bound = LinearBound(IOPModel(build_candidates(scenario)), seconds=60)
    assert bound.result(wait=60) is not None
    return bound


def test_lp_bound_of_capped_therapists_is_derived_by_hand():
    # Priorities 3, 2, 1, each client 3 sessions; 4 + 3 sessions a week (ten one-a-day
    # places do not bind): the LP serves the first two and a third of the last,
    # 3 + 2 + 1/3, rounded down 5, which is the optimum (the first two); the total is 6.
    week = _capped_week([3, 2, 1], (4, 3))
    assert _lp(week).result() == 5
    assert optimum(build_candidates(week)) == 5
    # Caps 6 + 3: nine sessions, yet a therapist holds one a day, so T1 gives at most 5
    # and T2 3: eight places, 3 + 2 + 2/3, rounded down 5 again, and 5 is the optimum.
    week = _capped_week([3, 2, 1], (6, 3))
    assert _lp(week).result() == 5
    assert optimum(build_candidates(week)) == 5
    # Caps 5 + 4: nine places, all three fit (days loaded 2, 2, 2, 2, 1): the total.
    week = _capped_week([3, 2, 1], (5, 4))
    assert _lp(week).result() == 6
    assert optimum(build_candidates(week)) == 6


def test_zero_multipliers_give_the_total_priority():
    week = _capped_week([3, 2, 1], (4, 3))
    relaxation = LinearRelaxation(IOPModel(build_candidates(week)))
    assert relaxation.upper_bound(np.zeros(len(relaxation.row_lower))) == 6


@pytest.mark.parametrize("seed", range(3))
def test_any_multipliers_bound_the_optimum(seed):
    # Weak duality: whatever the multipliers (signs, sizes, rows with an infinite side),
    # the bound is never below the optimum; the LP's own duals give the tightest.
    from test_relaxations import _two_tracks_one_evening as _two_tracks

    week = _two_tracks()
    iop = IOPModel(build_candidates(week))
    best = optimum(build_candidates(week))
    relaxation = LinearRelaxation(iop)
    rng = np.random.default_rng(seed)
    for scale in (0.01, 0.3, 3.0):
        y = rng.normal(0, scale, len(relaxation.row_lower))
        bound = relaxation.upper_bound(y)
        assert bound is None or bound >= best
    lp = _lp(week).result()
    assert lp is not None and best <= lp <= sum(c.priority for c in week.clients)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(scenario_data())
def test_the_lp_bound_is_never_below_the_optimum(data: dict[str, Any]) -> None:
    # Random weeks (rooms, avoid pairs, languages, partial weeks...): the bound from
    # HiGHS's duals is at least the proven optimum, and at most the clients' total.
    week = Scenario.from_data(data)
    candidates = build_candidates(week)
    bound = _lp(week).result()
    assert bound is not None
    assert optimum(candidates) <= bound <= sum(c.priority for c in week.clients)


@pytest.fixture
def lp_waits(monkeypatch):
    """The search takes the LP bound only once HiGHS has ended; here it waits for it, so
    that what the search does with it does not depend on the machine's speed."""
    result = LinearBound.result
    monkeypatch.setattr(LinearBound, "result", lambda self, wait=0.0: result(self, wait=60))


def test_solve_reports_the_lp_bound(check_valid, lp_waits):
    week = _capped_week([3, 2, 1], (4, 3))
    result = solve(week, time_limit=20, workers=2, params=ALWAYS)
    assert result.parameters["lp_bound"] == 5
    assert result.status == SolveStatus.OPTIMAL and result.objective == result.best_bound == 5
    check_valid(result)


def test_the_lp_bound_proves_a_phase_one_cut_short(monkeypatch, check_valid, lp_waits):
    # Phase 1 made to end as if at its time limit, its bound one above the optimum: the
    # LP's bound (5) then proves the schedule optimal.
    real = SOLVE.maximise_served

    def cut_short(*args, **kwargs):
        found = real(*args, **kwargs)
        return replace(found, status=SolveStatus.FEASIBLE, best_bound=found.objective + 1)

    monkeypatch.setattr(SOLVE, "maximise_served", cut_short)
    week = _capped_week([3, 2, 1], (4, 3))
    result = solve(week, time_limit=20, workers=2, params=ALWAYS, prove_with_cores=False)
    assert result.objective == result.best_bound == result.parameters["lp_bound"] == 5
    assert result.status == SolveStatus.OPTIMAL and result.proof_seconds is not None
    check_valid(result)


def test_no_lp_bound_with_one_worker_or_on_a_week_that_fits():
    # One worker: the reported bound must not depend on the clock, so none is started.
    week = _capped_week([3, 2, 1], (4, 3))
    assert "lp_bound" not in solve(week, time_limit=10, workers=1, params=ALWAYS).parameters
    # A week whose first schedule serves everyone is not over-subscribed.
    fits = _capped_week([3, 2, 1], (5, 4))
    params = replace(ALWAYS, lp_bound_below=0.8)
    assert "lp_bound" not in solve(fits, time_limit=10, workers=2, params=params).parameters
    # A week of fewer clients than lp_bound_min_clients (3 < 4): CP-SAT proves it alone.
    few = replace(ALWAYS, lp_bound_min_clients=4)
    assert "lp_bound" not in solve(week, time_limit=10, workers=2, params=few).parameters
    # Too little time left for the LP to end: it is not started.
    slow = replace(ALWAYS, lp_bound_seconds_per_variable=1.0)
    assert "lp_bound" not in solve(week, time_limit=10, workers=2, params=slow).parameters


def test_a_failing_lp_bound_leaves_the_solve_alone(monkeypatch, check_valid):
    # An optional bound: HiGHS missing or failing must not cost the coordinator the week.
    lpbound = importlib.import_module("optimizer.search.lpbound")

    def broken(*_args, **_kwargs):
        raise RuntimeError("HiGHS unavailable")

    monkeypatch.setattr(lpbound, "LinearBound", broken)
    result = solve(_capped_week([3, 2, 1], (4, 3)), time_limit=10, workers=2, params=ALWAYS)
    assert "lp_bound" not in result.parameters
    assert result.status == SolveStatus.OPTIMAL and result.objective == 5
    check_valid(result)


@pytest.fixture
def started(monkeypatch) -> list[Any]:
    """Every LinearBound the solve starts, each recording whether it was cancelled."""
    lpbound = importlib.import_module("optimizer.search.lpbound")
    made: list[Any] = []

    class Spy(LinearBound):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.was_cancelled = False
            super().__init__(*args, **kwargs)
            made.append(self)

        def cancel(self) -> None:
            self.was_cancelled = True
            super().cancel()

    monkeypatch.setattr(lpbound, "LinearBound", Spy)
    return made


def test_the_lp_bound_started_early_is_kept_on_an_over_subscribed_week(
    check_valid, lp_waits, started
):
    # Started on the hand-style schedule (early share 2: always), before the track
    # search; the first schedule cannot serve everyone (5 of 6), so the same LP runs on:
    # one started, its bound (5) reported and proving the optimum.
    early = replace(ALWAYS, lp_bound_early_below=2.0)
    result = solve(_capped_week([3, 2, 1], (4, 3)), time_limit=20, workers=2, params=early)
    assert len(started) == 1
    assert result.parameters["lp_bound"] == 5
    assert result.status == SolveStatus.OPTIMAL and result.objective == result.best_bound == 5
    check_valid(result)


def test_the_lp_bound_started_early_is_cancelled_when_the_week_fits(check_valid, started):
    # Started early, but the first schedule serves everyone (share 1 >= lp_bound_below
    # 0.8): that LP is cancelled, none other started, and no LP bound is reported.
    early = replace(ALWAYS, lp_bound_early_below=2.0, lp_bound_below=0.8)
    result = solve(_capped_week([3, 2, 1], (5, 4)), time_limit=10, workers=2, params=early)
    assert [lp.was_cancelled for lp in started] == [True]
    assert "lp_bound" not in result.parameters
    assert result.status == SolveStatus.OPTIMAL and result.objective == 6
    check_valid(result)
