"""``solve()``: the one door into the solver, a short pipeline of search stages.

The objective is lexicographic (SPEC §4): phase 1 maximises the priority-weighted number of
scheduled clients; only when that is proven optimal does phase 2 fix it and minimise the
weighted secondary penalties. The stages, in order:

1. build the week's model (:mod:`optimizer.model`), with its pins;
2. a first schedule as the model's hint: the hand-style schedule
   (:mod:`optimizer.search.greedy`) bettered one track at a time
   (:mod:`optimizer.search.tracks`);
3. phase 1 on the whole week, then (when unproven) a search near the LP's solution
   (:mod:`optimizer.search.lpsupport`) or the disjoint-core bound
   (:mod:`optimizer.search.bounds`), then phase 2 (:mod:`optimizer.search.phases`);
4. the result: the best schedule found, its reasons, terms and changes.

A week whose model would take too long even to build skips 1-3: it is solved one track at a
time. A week planned from another schedule (``previous``: last week's, or this week's
re-planned from a date) is solved by SPEC §7's goal order instead (:mod:`optimizer.weekly`):
that schedule kept as far as it goes is the first schedule, then each goal in turn. Every
number steering the stages is a field of :class:`~optimizer.search.params.SearchParams`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from .io.schedule import Schedule
from .model.candidates import Candidates, build_candidates, estimated_variables
from .model.cpmodel import IOPModel
from .model.cuts import add_capacity_cuts
from .model.dominance import add_dominance, dominance_pairs, remove_constraints, respect_dominance
from .model.extract import extract_schedule
from .model.hints import hint_schedule
from .model.pinning import add_pins
from .pins import resolve_pins
from .reasons import unscheduled_reasons
from .result import Progress, Result, SolveStatus
from .scenario import Scenario
from .schedule import UNSCHEDULED_COLUMNS, WeekSchedule
from .search.bounds import core_upper_bound, reachable
from .search.control import SearchControl, StopToken
from .search.greedy import solve_greedy
from .search.lpbound import LinearBound, lp_bound_after, start_lp_bound
from .search.lpsupport import search_near_lp, wait_for_primal
from .search.params import SearchParams
from .search.phases import SecondaryStop, improve_secondary, maximise_served, secondary_search
from .search.relaxed import relax_and_repair
from .search.tracks import improve_by_track
from .terms import secondary_terms
from .weekly.absences import raise_if_unfinished
from .weekly.goals import (
    Goal,
    GoalSearch,
    goal_order,
    optimise_goals,
    ranked,
    session_changes_goal,
)
from .weekly.keep import continuity_rank, schedule_keeping
from .weekly.previous import PreviousWeek, changes_table, goal_values, match_previous
from .weekly.replan import KeptPast, keep_past, kept_past, replan_date
from .weekly.undo import finish_replan

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 60.0
"""Seconds; a coordinator re-runs often, and 60 s proves optimality on typical weeks."""


@dataclass(frozen=True)
class _Week:
    """One call of :func:`solve`: the week, its candidates and how to search it."""

    scenario: Scenario
    candidates: Candidates
    last_week: PreviousWeek | None
    past: KeptPast | None
    """With a re-planning date: the sessions before it, kept."""
    params: SearchParams
    time_limit: float
    workers: int
    seed: int
    started: float
    progress: Callable[[Progress], None] | None
    log_search: bool
    warm_start: bool
    prove_with_cores: bool
    stop: StopToken
    """Set by another thread (or a signal, through :class:`SearchControl`): stop."""
    reports: dict[str, Any] = field(default_factory=dict)
    """What the optional stages of issue 14 report in ``Result.parameters``."""

    @property
    def first_schedule_is_valid(self) -> bool:
        """Whether a schedule of the hand-style, track-by-track or last-week-kept stages is
        a valid answer: they know no pins, so only in a week without pins."""
        return not self.scenario.pins


@dataclass(frozen=True)
class _Start:
    """The first schedule (empty when there is none) and the priority it serves."""

    schedule: WeekSchedule
    served: int
    bound: int | None = None
    """A proven upper bound of the primary objective from a stage before phase 1 (the
    merged-types relaxation), None when none ran."""
    oversubscribed: bool = False
    """Whether :func:`_oversubscribed` found the week over-subscribed by this schedule."""
    lp_bound: LinearBound | None = None
    """The linear relaxation solving beside the search (:func:`start_lp_bound`)."""


@dataclass(frozen=True)
class _Outcome:
    """Where the search stands after a stage: the primary objective's status, value and
    bound; the solver holding the best solution (or, at the end, the schedule itself); when
    the primary objective was proven optimal (seconds from the start); and what the
    stages report in ``Result.parameters``."""

    status: SolveStatus
    objective: int | None
    best_bound: int | None
    solver: cp_model.CpSolver | None = None
    schedule: WeekSchedule = field(default_factory=WeekSchedule)
    proof_seconds: float | None = None
    interrupted: bool = False
    cores: int | None = None
    """Disjoint cores found by the core bound (None: not tried)."""
    secondary_stop: SecondaryStop | None = None
    """Why phase 2 ended (None: not tried, or it found no schedule)."""
    secondary_bound: int | None = None
    """Phase 2's proven least weighted secondary penalty (None: none known)."""
    fell_back: bool = False
    """The first schedule is returned: the search stopped before reaching it."""
    goals: GoalSearch | None = None
    """With another schedule to keep: how far each goal of SPEC §7's order got."""

    def proven(self, elapsed: float) -> _Outcome:
        """The same outcome, proven optimal (since ``elapsed`` seconds from the start, unless
        it was proven before)."""
        if self.proof_seconds is not None:
            return self
        return replace(self, status=SolveStatus.OPTIMAL, proof_seconds=elapsed)

    def bounded(self, bound: int, elapsed: float) -> _Outcome:
        """The outcome with another proven upper bound of the primary objective: the lower
        of the two kept, and proven optimal (at ``elapsed``) when the schedule reaches it."""
        if self.best_bound is not None and self.best_bound <= bound:
            return self
        outcome = replace(self, best_bound=bound)
        if outcome.objective is not None and outcome.objective >= bound:
            return outcome.proven(elapsed)
        return outcome


def solve(
    scenario: Scenario,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int | None = None,
    seed: int = 0,
    *,
    progress: Callable[[Progress], None] | None = None,
    stop: StopToken | None = None,
    handle_signals: bool = False,
    log_search: bool = False,
    warm_start: bool = True,
    prove_with_cores: bool = True,
    weights: Mapping[str, int] | None = None,
    previous: Schedule | None = None,
    from_date: dt.date | str | None = None,
    params: SearchParams | None = None,
) -> Result:
    """Solve one week: the schedule that serves the most clients, then best on secondary goals.

    ``time_limit`` is in seconds for the whole call. ``workers`` defaults to every core
    within ``params.min_workers`` and ``params.max_workers``; ``workers=1`` with a fixed
    ``seed`` gives the same schedule on every run (the search is interleaved on one thread
    and stopped by a deterministic limit). ``progress`` receives each improving solution,
    in the solver's thread; an exception it raises stops the solve and is raised by this
    call, unchanged. ``stop`` is a :class:`StopToken` another thread may set: every stage
    stops and the best schedule so far is returned with ``interrupted=True`` and status
    FEASIBLE. With ``handle_signals`` (the CLI), SIGINT and SIGTERM do the same.
    ``warm_start`` seeds the search with the hand-style schedule bettered track by track.
    ``prove_with_cores`` spends the last part of the time limit, when the search has not
    proven its schedule optimal, on a disjoint-core upper bound.
    ``weights`` overrides the scenario's secondary weights by name (ScenarioError for an
    unknown name). ``previous`` is last week's schedule (:func:`read_schedule`): the goals
    become SPEC §7's order (:mod:`optimizer.weekly.goals`: continuing clients stay
    scheduled, then the clients served, then the fewest changes of continuing clients' days
    and blocks, then the other terms), the search starts from last week kept, and
    ``Result.changes`` lists what changed. ``from_date`` (a date of the week, ISO text or a
    date; needs ``previous``, then this week's schedule) re-plans a week under way: the
    sessions of ``previous`` before it are kept exactly and count towards the weekly rules
    (:mod:`optimizer.weekly.replan`); ScenarioError when they break a rule of ``scenario``.
    ``params`` are the search's tuning numbers (default :class:`SearchParams`).
    """
    started = time.perf_counter()
    params = params or SearchParams()
    scenario = scenario.with_weights(weights)
    when = replan_date(previous is not None, from_date)
    week = _Week(
        stop=stop or StopToken(),
        scenario=scenario,
        candidates=build_candidates(scenario),
        last_week=match_previous(scenario, previous) if previous is not None else None,
        past=kept_past(scenario, previous, when) if previous is not None and when else None,
        params=params,
        time_limit=time_limit,
        workers=workers or params.default_workers(),
        seed=seed,
        started=started,
        progress=progress,
        log_search=log_search,
        warm_start=warm_start,
        prove_with_cores=prove_with_cores,
    )
    if _too_large_for_one_model(week):
        return _solve_track_by_track(week, handle_signals)
    if week.last_week is not None:
        return _solve_keeping(week, handle_signals)
    iop = _build_model(week)
    build_seconds = time.perf_counter() - started
    with _control(week, handle_signals) as control:
        start, dominance, outcome = _search_primary(week, iop, control)
        remove_constraints(iop, dominance)  # they hold for the primary objective only
        outcome = _improve_secondary(week, iop, control, outcome)
    if control.stopped:  # the run as a whole did not finish (SPEC §6): not proven
        outcome = replace(outcome, interrupted=True)
        if outcome.status == SolveStatus.OPTIMAL:
            outcome = replace(outcome, status=SolveStatus.FEASIBLE, proof_seconds=None)
    outcome = _final_schedule(week, iop, outcome, start)
    return _result(week, outcome, build_seconds, _parameters(week, outcome, control))


# ---- the stages ----------------------------------------------------------------------------


def _control(week: _Week, handle_signals: bool) -> SearchControl:
    """The time keeper and stop button of the week's search stages (the result and a
    re-plan's post-pass, :mod:`optimizer.weekly.undo`, keep their shares of the limit)."""
    params = week.params
    kept = params.result_share + (params.replan_undo_share if week.past is not None else 0.0)
    return SearchControl(
        params,
        week.time_limit * (1 - kept),
        deterministic=week.workers == 1,
        handle_signals=handle_signals,
        started=week.started,
        stop=week.stop,
    )


def _too_large_for_one_model(week: _Week) -> bool:
    """Whether building the whole week's model would take more than
    ``params.build_share`` of the time limit (then the week is solved track by track, which
    needs the warm start and knows neither pins nor last week)."""
    estimate = estimated_variables(week.candidates) * week.params.build_seconds_per_variable
    return (
        week.warm_start
        and week.first_schedule_is_valid
        and week.last_week is None
        and estimate > week.params.build_share * week.time_limit
    )


def _build_model(week: _Week) -> IOPModel:
    """The whole week's CP-SAT model with its pins (and last week for the changes term, and
    the kept past of a re-planned week)."""
    iop = IOPModel(week.candidates, previous=week.last_week.attendance if week.last_week else None)
    if week.scenario.pins:
        add_pins(iop, resolve_pins(week.scenario))
    if week.past is not None:
        keep_past(iop, week.past)
    if week.params.capacity_cuts:
        week.reports["capacity_cuts"] = add_capacity_cuts(iop)
    log.info(
        "model built in %.2fs: %d variables, %d constraints",
        time.perf_counter() - week.started,
        len(iop.model.proto.variables),
        len(iop.model.proto.constraints),
    )
    return iop


def _search_primary(
    week: _Week, iop: IOPModel, control: SearchControl
) -> tuple[_Start, list[int], _Outcome]:
    """Phase 1 and what comes before it: the quick proof of a small week, else the first
    schedule, the stages of issue 14, phase 1 itself and the core bound. Returns the first
    schedule, the dominance constraints to remove before phase 2, and the outcome."""
    start, dominance = _Start(WeekSchedule(), 0), list[int]()
    outcome = _quick_proof(week, iop, control)
    if outcome is None:
        start = _first_schedule(week, iop, control)
        share, seconds = _first_share(week, start.schedule), control.seconds_left()
        lp_bound = lp_bound_after(start.lp_bound, iop, week.params, week.workers, share, seconds)
        start = replace(start, lp_bound=lp_bound)
        try:
            start, dominance = _bound_primary(week, iop, control, start)
            outcome = _maximise_served(week, iop, control, start)
            outcome = _with_lp_bound(week, control, start, outcome)
            outcome = _near_lp(week, iop, control, start, outcome)
            outcome = _prove_with_cores(week, control, outcome)
            outcome = _with_lp_bound(week, control, start, outcome)
        finally:
            if start.lp_bound is not None:
                start.lp_bound.cancel()
    return start, dominance, outcome


def _quick_proof(week: _Week, iop: IOPModel, control: SearchControl) -> _Outcome | None:
    """A small week's phase 1 tried first, without the warm start, for at most
    ``params.quick_proof_seconds`` (and a tenth of the time limit): the outcome when it
    proves its schedule optimal, None otherwise (then the warm start and phase 1 follow as
    usual). On a week of a dozen clients the hand-style schedule and the track search take
    longer than CP-SAT needs to prove the whole week."""
    params = week.params
    if not week.warm_start or len(iop.model.proto.variables) > params.quick_proof_variables:
        return None
    found = maximise_served(
        iop,
        min(params.quick_proof_seconds, 0.1 * week.time_limit),
        control,
        week.workers,
        week.seed,
        progress=week.progress,
        log_search=week.log_search,
    )
    week.reports["quick_proof"] = found.status == SolveStatus.OPTIMAL
    if found.status != SolveStatus.OPTIMAL:
        return None
    log.info("proven optimal before any warm start: objective %d", found.objective)
    outcome = _Outcome(found.status, found.objective, found.best_bound, found.solver)
    return outcome.proven(control.elapsed())


def _first_schedule(week: _Week, iop: IOPModel, control: SearchControl) -> _Start:
    """Hint the model with a first schedule: the hand-style schedule bettered one track at
    a time (each track alone is a small model). When the hand-style schedule serves under
    ``params.lp_bound_early_below``, the LP bound starts before the track search."""
    params = week.params
    budget = min(params.warm_start_max_seconds, params.warm_start_share * week.time_limit)
    schedule, early = WeekSchedule(), None
    if week.warm_start:
        by_hand = solve_greedy(week.scenario, params, week.stop).schedule
        share, left = _first_share(week, by_hand), control.seconds_left()
        early = start_lp_bound(iop, params, week.workers, share, left, params.lp_bound_early_below)
        try:
            schedule = improve_by_track(
                week.scenario, by_hand, budget, control, week.seed, week.workers, week.candidates
            )
        except BaseException:
            if early is not None:
                early.cancel()
            raise
        hint_schedule(iop, schedule)
    return _Start(schedule, schedule.served(week.scenario), lp_bound=early)


def _bound_primary(
    week: _Week, iop: IOPModel, control: SearchControl, start: _Start
) -> tuple[_Start, list[int]]:
    """The stages of issue 14 before phase 1 (``params.dominance``; ``params.relaxation``,
    or on its own on an over-subscribed week; not with pins or last week, which they do not
    know): dominance constraints (returned, to be removed before phase 2) and the
    merged-types relaxation's bound and repaired schedule (the start returned, hinted)."""
    params = week.params
    if week.scenario.pins or week.last_week is not None:
        return start, []
    pairs = dominance_pairs(week.candidates) if params.dominance else []
    added = add_dominance(iop, pairs)
    if params.dominance:
        week.reports["dominance_pairs"] = len(pairs)
    schedule = respect_dominance(start.schedule, pairs)
    bound = None
    oversubscribed = not params.relaxation and _oversubscribed(week, start)
    if params.relaxation or oversubscribed:
        schedule, bound = _relaxation(
            week, iop, control, schedule, _core_worker(week, oversubscribed)
        )
    if schedule != start.schedule:
        hint_schedule(iop, schedule)
        start = replace(start, schedule=schedule, served=schedule.served(week.scenario))
    return replace(start, bound=bound, oversubscribed=oversubscribed), added


def _with_lp_bound(
    week: _Week, control: SearchControl, start: _Start, outcome: _Outcome
) -> _Outcome:
    """``outcome`` with the LP bound folded in once it has ended (proven optimal if the
    schedule reaches it); ``lp_bound`` reports it (null while it runs)."""
    if start.lp_bound is None:
        return outcome
    bound = week.reports["lp_bound"] = start.lp_bound.result()
    return outcome if bound is None else outcome.bounded(bound, control.elapsed())


def _oversubscribed(week: _Week, start: _Start) -> bool:
    """Whether the week is over-subscribed enough for the relaxation to pay
    (``params.relaxation_below``, ``params.relaxation_max_clients``): its first schedule
    serves less than that share of what the clients who can attend at all would give."""
    params = week.params
    share = _first_share(week, start.schedule)
    if share is None or len(week.scenario.clients) > params.relaxation_max_clients:
        return False
    week.reports["first_share"] = round(share, 3)
    return share < params.relaxation_below


def _first_share(week: _Week, schedule: WeekSchedule) -> float | None:
    """The share of the reachable priority (clients who can attend at all) a first
    ``schedule`` serves; None without one."""
    if schedule.is_empty:
        return None
    return schedule.served(week.scenario) / max(1, reachable(week.candidates))


def _core_worker(week: _Week, oversubscribed: bool) -> bool:
    """Whether CP-SAT's core subsolver should take a full thread of phase 1 and of the
    relaxation: ``params.oversubscribed_core`` on a week :func:`_oversubscribed` found
    over-subscribed."""
    return week.params.oversubscribed_core and oversubscribed


def _relaxation(
    week: _Week, iop: IOPModel, control: SearchControl, best: WeekSchedule, core_worker: bool
) -> tuple[WeekSchedule, int | None]:
    """The merged-types relaxation and its repaired schedule
    (:func:`~optimizer.search.relaxed.relax_and_repair`); its bound, when it found one, is
    added to ``iop`` (``primary <= bound``). Returns the better schedule and the bound."""
    best, bound = relax_and_repair(
        week.candidates,
        control,
        best,
        workers=week.workers,
        seed=week.seed,
        log_search=week.log_search,
        core_worker=core_worker,
    )
    week.reports["relaxed_bound"] = bound
    if bound is not None:
        iop.model.add(iop.primary <= bound)
    return best, bound


def _maximise_served(week: _Week, iop: IOPModel, control: SearchControl, start: _Start) -> _Outcome:
    """Phase 1 on the whole week, leaving time for the core bound."""
    if not start.schedule.is_empty:
        log.info(
            "searching the whole week from a schedule serving %d of %d clients",
            len(start.schedule.client_ids()),
            len(week.scenario.clients),
        )
    params = week.params
    remaining = control.seconds_left()
    search_time = remaining * (1 - params.core_share) if week.prove_with_cores else remaining
    found = maximise_served(
        iop,
        search_time,
        control,
        week.workers,
        week.seed,
        progress=week.progress,
        log_search=week.log_search,
        core_worker=_core_worker(week, start.oversubscribed),
    )
    bound = found.best_bound
    if start.bound is not None:  # CP-SAT may stop before its presolve has seen primary <= it
        bound = start.bound if bound is None else min(bound, start.bound)
    outcome = _Outcome(found.status, found.objective, bound, found.solver)
    proven = found.status == SolveStatus.OPTIMAL or (
        found.objective is not None and bound is not None and found.objective >= bound
    )
    return outcome.proven(control.elapsed()) if proven else outcome


def _near_lp(
    week: _Week, iop: IOPModel, control: SearchControl, start: _Start, outcome: _Outcome
) -> _Outcome:
    """Unproven, the LP ended: phase 1 near its solution, taken when it serves more."""
    if (
        not week.params.lp_support
        or outcome.status != SolveStatus.FEASIBLE
        or outcome.solver is None
        or outcome.objective is None
        or (primal := wait_for_primal(start.lp_bound, control)) is None
        or control.seconds_left() <= week.params.min_run_seconds
    ):
        return outcome
    found = search_near_lp(
        iop,
        primal,
        outcome.solver,
        control.seconds_left(),
        control,
        week.workers,
        week.seed,
        progress=week.progress,
        week_bound=outcome.best_bound,
        log_search=week.log_search,
    )
    week.reports["lp_support"] = {"before": outcome.objective, "after": found.objective}
    if found.objective is None or found.objective <= outcome.objective:
        return outcome
    outcome = replace(outcome, objective=found.objective, solver=found.solver)
    if outcome.best_bound is not None and found.objective >= outcome.best_bound:
        return outcome.proven(control.elapsed())
    return outcome


def _prove_with_cores(week: _Week, control: SearchControl, outcome: _Outcome) -> _Outcome:
    """When phase 1 found a schedule but no proof, and time is left: the disjoint-core
    bound, which may prove it optimal."""
    remaining = control.seconds_left()
    objective, bound = outcome.objective, outcome.best_bound
    if (
        not week.prove_with_cores
        or outcome.status != SolveStatus.FEASIBLE
        or objective is None
        or bound is None
        or objective >= bound
        or remaining <= week.params.min_core_seconds
        or control.stopped
    ):
        return outcome
    cores = core_upper_bound(week.candidates, remaining, control, week.seed)
    outcome = replace(outcome, cores=len(cores.cores))
    return outcome.bounded(cores.upper_bound, control.elapsed())


def _improve_secondary(
    week: _Week, iop: IOPModel, control: SearchControl, outcome: _Outcome
) -> _Outcome:
    """Phase 2, once phase 1 is proven optimal."""
    if (
        outcome.objective is None
        or outcome.solver is None
        or outcome.status != SolveStatus.OPTIMAL
        or control.seconds_left() <= week.params.min_run_seconds
        or control.stopped
    ):
        return outcome
    second = improve_secondary(
        iop,
        outcome.solver,
        outcome.objective,
        control,
        week.workers,
        week.seed,
        progress=week.progress,
        log_search=week.log_search,
    )
    if second.solver is None:  # phase 1's schedule stays, unimproved
        return replace(outcome, secondary_stop=second.stopped_by, secondary_bound=second.bound)
    objective = round(second.solver.value(iop.primary))  # never below phase 1's
    outcome = replace(
        outcome,
        solver=second.solver,
        objective=objective,
        secondary_stop=second.stopped_by,
        secondary_bound=second.bound,
    )
    if outcome.best_bound is not None and objective >= outcome.best_bound:
        return outcome.proven(control.elapsed())
    return outcome


def _final_schedule(week: _Week, iop: IOPModel, outcome: _Outcome, start: _Start) -> _Outcome:
    """The schedule to return: the search's, or the first schedule when the search stopped
    before reaching it (a very large week) or found none at all (stopped early). The first
    schedule counts only where it is valid (without pins)."""
    if outcome.objective is not None and outcome.solver is not None:
        outcome = replace(outcome, schedule=extract_schedule(iop, outcome.solver))
    if start.schedule.is_empty or not week.first_schedule_is_valid:
        return outcome
    if outcome.objective is not None and start.served > outcome.objective:
        return replace(
            outcome,
            schedule=start.schedule,
            objective=start.served,
            status=SolveStatus.FEASIBLE,
            proof_seconds=None,
            fell_back=True,
            secondary_stop=None,
            secondary_bound=None,
        )
    if outcome.objective is None:
        return replace(
            outcome,
            schedule=start.schedule,
            objective=start.served,
            best_bound=min(b for b in (reachable(week.candidates), start.bound) if b is not None),
            status=SolveStatus.FEASIBLE,
        )
    return outcome


def _parameters(week: _Week, outcome: _Outcome, control: SearchControl) -> dict[str, Any]:
    """``Result.parameters`` (summary.json): the settings and what the stages report."""
    parameters: dict[str, Any] = {
        "time_limit": week.time_limit,
        "workers": week.workers,
        "seed": week.seed,
        "warm_start": week.warm_start,
    }
    if outcome.cores is not None:
        parameters["cores"] = outcome.cores
    parameters.update(week.reports)
    if week.workers == 1:
        parameters.update(control.reproducibility())
    return parameters


def _solve_keeping(week: _Week, handle_signals: bool) -> Result:
    """With another schedule to keep (SPEC §7): the first schedule keeps it (continuing
    clients on a subset of their days and blocks, new clients around them, the past of a
    re-planned week as it was), then the goals one after the other from it."""
    assert week.last_week is not None
    iop = _build_model(week)
    build_seconds = time.perf_counter() - week.started
    params = week.params
    with _control(week, handle_signals) as control:
        budget = params.keep_share * week.time_limit
        start = schedule_keeping(
            week.candidates,
            week.last_week,
            budget,
            control,
            week.seed,
            week.workers,
            past=week.past,
            continuing_first=week.scenario.rules.continuing_first,
        )
        start = _better_by_hand(week, start)
        replanned = week.past.replanned if week.past is not None else None
        goals = _keeping_goals(week, iop, replanned)
        first = start if not start.is_empty else week.last_week.schedule
        first_values = _keeping_values(week, start, replanned) if not start.is_empty else {}
        log.info("first schedule: %s", first_values)
        search = optimise_goals(
            iop,
            goals,
            first,
            first_values,
            control,
            week.workers,
            week.seed,
            progress=week.progress,
            log_search=week.log_search,
            equal_shares=week.past is not None and params.replan_equal_goal_shares,
        )
    if week.past is not None and search.solver is None and start.is_empty:
        raise_if_unfinished(week.candidates, week.past, week.last_week, control, week.seed, search)
    outcome = _keeping_outcome(week, iop, search, start, first_values, replanned)
    if week.past is not None and not outcome.schedule.is_empty:
        left = control.wall_left() + params.replan_undo_share * week.time_limit
        schedule, week.reports["replan_undo"] = finish_replan(
            week.scenario, week.past, week.last_week, outcome.schedule, params, left
        )
        outcome = replace(outcome, schedule=schedule)
    if outcome.status == SolveStatus.OPTIMAL:
        outcome = outcome.proven(control.elapsed())
    if control.stopped:
        outcome = replace(outcome, interrupted=True, proof_seconds=None)
        if outcome.status == SolveStatus.OPTIMAL:
            outcome = replace(outcome, status=SolveStatus.FEASIBLE)
    return _result(week, outcome, build_seconds, _parameters(week, outcome, control))


def _keeping_goals(week: _Week, iop: IOPModel, replanned: frozenset[str] | None) -> list[Goal]:
    """SPEC §7's goal order for ``iop`` keeping last week (with the sessions of the
    ``replanned`` days kept, when re-planning from a date)."""
    last_week = week.last_week
    assert last_week is not None
    changed_sessions = (
        (lambda: session_changes_goal(iop, last_week.schedule, replanned))
        if replanned is not None
        else None
    )
    return goal_order(iop, last_week, week.scenario.rules.continuing_first, changed_sessions)


def _keeping_values(
    week: _Week, schedule: WeekSchedule, replanned: frozenset[str] | None
) -> dict[str, int]:
    """The schedule's value of each goal of :func:`_keeping_goals`."""
    assert week.last_week is not None
    return goal_values(
        week.scenario,
        schedule,
        week.last_week,
        secondary_terms(week.scenario, schedule, week.last_week.attendance),
        replanned,
    )


def _keeping_outcome(
    week: _Week,
    iop: IOPModel,
    search: GoalSearch,
    start: WeekSchedule,
    first_values: Mapping[str, int],
    replanned: frozenset[str] | None,
) -> _Outcome:
    """Where the goal ``search`` from the first schedule ``start`` (its goal values
    ``first_values``, {} when empty) stands: its schedule, else the first one, else none."""
    served_goal = search.outcome("served")
    if served_goal is not None and served_goal.value is not None:
        schedule = _searched_schedule(week, iop, search, start, first_values, replanned)
        status = SolveStatus.OPTIMAL if search.proven else SolveStatus.FEASIBLE
        return _Outcome(
            status,
            schedule.served(week.scenario),  # a goal held unsearched may leave it higher
            served_goal.bound if served_goal.bound is not None else reachable(week.candidates),
            schedule=schedule,
            goals=search,
            secondary_stop=search.secondary.stopped_by if search.secondary else None,
            secondary_bound=search.secondary.bound if search.secondary else None,
        )
    if not start.is_empty:  # no goal reached a schedule in time: the first one is valid
        return _Outcome(
            SolveStatus.FEASIBLE,
            start.served(week.scenario),
            reachable(week.candidates),
            schedule=start,
            goals=search,
            fell_back=True,
        )
    return _Outcome(SolveStatus.UNKNOWN, None, None, goals=search)


def _searched_schedule(
    week: _Week,
    iop: IOPModel,
    search: GoalSearch,
    start: WeekSchedule,
    first_values: Mapping[str, int],
    replanned: frozenset[str] | None,
) -> WeekSchedule:
    """The schedule the goal search reached (``start`` when every goal so far was proven by
    it, or when re-planning and the goals found none better than the repaired ``start``)."""
    assert week.last_week is not None
    schedule = (  # no solver: every goal so far was proven by the first schedule
        extract_schedule(iop, search.solver, rooms_like=week.last_week.schedule)
        if search.solver is not None
        else start
    )
    if week.past is not None and first_values and schedule is not start:
        # The model counts a kept session optimistically when a group runs in several
        # copies (extraction may deal the client elsewhere): re-planning, the repaired
        # first schedule stays when the goals found none better on the schedules.
        values = _keeping_values(week, schedule, replanned)
        if ranked(search.outcomes, first_values) <= ranked(search.outcomes, values):
            log.info("re-planning: the goals found no better schedule than the repair")
            schedule = start
    return schedule


def _better_by_hand(week: _Week, start: WeekSchedule) -> WeekSchedule:
    """The hand-style schedule instead of last week kept when it serves more continuing
    clients, or as many and more clients (last week kept may have found little in its time
    on a large week): the goals then start from the better one, and the changes goal moves
    people back. Only where the hand-style schedule is valid: no pins, no kept past."""
    assert week.last_week is not None
    if not week.warm_start or week.scenario.pins or week.past is not None:
        return start
    by_hand = solve_greedy(week.scenario, week.params, week.stop).schedule
    previous, first = week.last_week.attendance, week.scenario.rules.continuing_first
    if continuity_rank(week.scenario, by_hand, previous, first) > continuity_rank(
        week.scenario, start, previous, first
    ):
        log.info("the hand-style schedule serves more than last week kept: starting from it")
        return by_hand
    return start


def _solve_track_by_track(week: _Week, handle_signals: bool) -> Result:
    """Weeks whose whole model would not even be built within the time limit (about 1,000
    clients): the hand-style schedule, bettered track by track in the time left, each
    track's model being small."""
    log.info(
        "the model of this week would take longer to build than the time limit allows: "
        "starting from the hand-style schedule and improving it one track at a time"
    )
    by_hand = solve_greedy(week.scenario, week.params, week.stop)
    with _control(week, handle_signals) as control:
        schedule = improve_by_track(
            week.scenario,
            by_hand.schedule,
            week.params.large_week_share * control.seconds_left(),
            control,
            week.seed,
            week.workers,
            candidates=week.candidates,
            pairs=True,
        )
    objective = schedule.served(week.scenario)
    outcome = _Outcome(
        SolveStatus.FEASIBLE,
        objective,
        reachable(week.candidates),
        schedule=schedule,
        interrupted=control.stopped,
    )
    if outcome.best_bound is not None and objective >= outcome.best_bound and not control.stopped:
        outcome = outcome.proven(control.elapsed())
    parameters = {
        "time_limit": week.time_limit,
        "workers": week.workers,
        "seed": week.seed,
        "warm_start": True,
        "method": "hand-made, improved track by track (week too large for one model)",
    }
    if week.workers == 1:
        parameters.update(control.reproducibility())
    return _result(week, outcome, 0.0, parameters)


def _result(
    week: _Week, outcome: _Outcome, build_seconds: float, parameters: dict[str, Any]
) -> Result:
    """The Result of a solve from the schedule reached (reasons, terms and changes are
    recomputed from it, and the solver's objective is checked against it)."""
    scenario, schedule, last_week = week.scenario, outcome.schedule, week.last_week
    solved = outcome.objective is not None
    assignments, sessions = schedule.to_frames()
    reasons = (
        unscheduled_reasons(
            scenario,
            week.candidates,
            schedule.client_ids(),
            week.params.for_result(week.time_limit),
            check=not week.stop.stopped,
        )
        if solved
        else {}
    )
    unscheduled = pd.DataFrame(
        [(c.client_id, reasons[c.client_id]) for c in scenario.clients if c.client_id in reasons],
        columns=UNSCHEDULED_COLUMNS,
    )
    secondary: dict[str, int] = {}
    if solved:
        secondary = secondary_terms(scenario, schedule, last_week.attendance if last_week else None)
        if last_week is None:
            secondary.pop("changes")
    replanned = week.past.replanned if week.past is not None else None
    goals = None
    if outcome.goals is not None and last_week is not None and solved:
        values = goal_values(scenario, schedule, last_week, secondary, replanned)
        goals = [o.to_dict(values[o.name]) for o in outcome.goals.outcomes]
    result = Result(
        scenario=scenario,
        status=outcome.status,
        objective=outcome.objective,
        best_bound=outcome.best_bound,
        solve_seconds=time.perf_counter() - week.started,
        build_seconds=build_seconds,
        assignments=assignments,
        sessions=sessions,
        unscheduled=unscheduled,
        secondary=secondary,
        changes=changes_table(scenario, schedule, last_week, replanned)
        if last_week and solved
        else None,
        goals=goals,
        interrupted=outcome.interrupted,
        parameters=parameters,
        proof_seconds=outcome.proof_seconds,
        secondary_search=secondary_search(
            scenario, secondary, outcome.secondary_stop, outcome.secondary_bound
        ),
    )
    if solved and result.served_objective() != outcome.objective:
        raise AssertionError(
            f"solver objective {outcome.objective} != schedule's served priority "
            f"{result.served_objective()}"
        )
    log.info(
        "status %s: %d of %d clients scheduled (objective %s, bound %s) in %.2fs",
        outcome.status.value,
        result.scheduled_clients,
        len(scenario.clients),
        outcome.objective,
        outcome.best_bound,
        result.solve_seconds,
    )
    return result
