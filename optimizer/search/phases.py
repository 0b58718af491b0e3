"""The two phases of the whole-week search (SPEC §4's lexicographic objective).

Phase 1 maximises the priority-weighted number of scheduled clients; phase 2 holds that
number and minimises the weighted secondary penalty, starting from phase 1's solution (or a
given schedule) with a complete hint, so that CP-SAT takes it as its first solution.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ortools.sat.python import cp_model

from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..result import Progress, SecondarySearch, SolveStatus, has_solution, solve_status
from ..scenario import Scenario
from ..schedule import WeekSchedule
from .control import ProgressCallback, SearchControl
from .solver import Role, make_solver

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhaseOne:
    """The outcome of phase 1: status, objective and bound, and the solver holding the
    solution (its values are read by phase 2 and by extraction)."""

    status: SolveStatus
    objective: int | None
    best_bound: int | None
    solver: cp_model.CpSolver


def maximise_served(
    iop: IOPModel,
    time_limit: float,
    control: SearchControl,
    workers: int,
    seed: int,
    *,
    progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
    core_worker: bool = False,
) -> PhaseOne:
    """Phase 1: the schedule serving the most (priority-weighted) clients, within
    ``time_limit`` seconds, from the model's hint if it has one. ``progress`` receives each
    improving solution; ``core_worker``: see :func:`make_solver`."""
    iop.model.maximize(iop.primary)
    solver = make_solver(
        control.params, time_limit, workers, seed, log_search=log_search, core_worker=core_worker
    )
    callback = ProgressCallback(progress, 1, control.started) if progress else None
    status = solve_status(control.run(solver, iop.model, callback), iop.model)
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return PhaseOne(status, None, None, solver)
    objective = round(solver.objective_value)
    best_bound = math.floor(solver.best_objective_bound + 1e-6)
    return PhaseOne(status, objective, best_bound, solver)


class SecondaryStop(StrEnum):
    """Why phase 2 ended (``summary.json`` ``secondary_search.stopped_by``)."""

    PROVEN = "proven"
    """Its schedule has the least secondary penalty of all that serve as many."""
    NO_IMPROVEMENT = "no-improvement"
    """A whole round found nothing better (see :func:`improve_secondary`)."""
    TIME_LIMIT = "time-limit"
    """The time limit ended it while it was still improving."""
    INTERRUPTED = "interrupted"
    """A signal or a stop token ended it."""


@dataclass(frozen=True)
class PhaseTwo:
    """The outcome of phase 2: the solver holding its best solution (None when it found
    none), the proven lower bound of the weighted secondary penalty (None: none known), why
    it stopped, and its rounds."""

    solver: cp_model.CpSolver | None
    bound: int | None
    stopped_by: SecondaryStop
    rounds: int


def improve_secondary(
    iop: IOPModel,
    first: cp_model.CpSolver,
    objective: int,
    control: SearchControl,
    workers: int,
    seed: int,
    *,
    start_from: WeekSchedule | None = None,
    progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
) -> PhaseTwo:
    """Phase 2: keep at least ``objective`` served and minimise the weighted secondary
    penalty, in rounds, each from the best schedule so far.

    The search starts from phase 1's solution (``first``'s values), or from ``start_from``,
    a schedule that serves at least as much (e.g. last week kept). A round lasts
    ``max(params.secondary_stall_seconds, params.secondary_stall_share * time used so
    far)`` (the solve's whole time so far, in deterministic seconds on one worker, so that
    the rule stops a reproducible run at the same point every time). Phase 2 ends when a
    round proves its schedule optimal, when a whole round finds nothing better (it has
    stopped improving), or when the time ``control`` has left runs out.
    """
    params = control.params
    model = iop.model
    solved_vars = len(model.proto.variables)
    iop.add_secondary_terms()
    model.clear_hints()
    if start_from is not None:
        hint_schedule(iop, start_from)
    else:
        hint_solution(model, first, solved_vars)
    model.add(iop.primary >= objective)
    model.minimize(iop.secondary)
    hint_seconds = min(
        params.complete_hint_max_seconds, params.complete_hint_share * control.seconds_left()
    )
    complete_hint(model, hint_seconds, control, seed)
    watch = _Improvements(progress, control.started, hinted_objective(model))
    best: cp_model.CpSolver | None = None
    bound: int | None = None
    rounds = 0
    while True:
        left = control.seconds_left()
        if control.stopped:
            stopped_by = SecondaryStop.INTERRUPTED
            break
        if left <= params.min_run_seconds:
            stopped_by = SecondaryStop.TIME_LIMIT
            break
        length = max(
            params.secondary_stall_seconds, params.secondary_stall_share * control.used_seconds()
        )
        solver = make_solver(params, min(length, left), workers, seed, log_search=log_search)
        improvements = watch.improvements
        status = solve_status(control.run(solver, model, watch), model)
        rounds += 1
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            round_bound = math.ceil(solver.best_objective_bound - 1e-6)
            bound = round_bound if bound is None else max(bound, round_bound)
            if best is None or watch.improvements > improvements:
                best = solver
                hint_solution(model, solver, len(model.proto.variables))
        if best is not None and (
            status == SolveStatus.OPTIMAL or (bound is not None and bound >= watch.best)
        ):
            stopped_by = SecondaryStop.PROVEN
            break
        if control.stopped:
            stopped_by = SecondaryStop.INTERRUPTED
            break
        if length >= left:
            stopped_by = SecondaryStop.TIME_LIMIT
            break
        if watch.improvements == improvements:
            stopped_by = SecondaryStop.NO_IMPROVEMENT
            break
    log.info(
        "phase 2: %s after %d round(s), penalty %s (bound %s)",
        stopped_by.value,
        rounds,
        None if best is None else round(best.objective_value),
        bound,
    )
    return PhaseTwo(best, bound, stopped_by, rounds)


class _Improvements(ProgressCallback):
    """Counts phase 2's improving solutions across its rounds (a round starts from the
    best so far, which CP-SAT reports again) and reports each as a :class:`Progress`."""

    def __init__(
        self, report: Callable[[Progress], None] | None, started: float, start: float | None
    ) -> None:
        super().__init__(report, 2, started)
        self.best = math.inf if start is None else start
        """The weighted penalty of the best solution so far (the hint's at first)."""
        self.improvements = 0

    def on_solution_callback(self) -> None:
        value = self.objective_value
        if value >= self.best:
            return
        self.best = value
        self.improvements += 1
        self.emit(value)


def hint_solution(model: cp_model.CpModel, solver: cp_model.CpSolver, variables: int) -> None:
    """Hint ``model`` with the values ``solver`` found for its first ``variables``
    variables (those of the model it solved)."""
    model.clear_hints()
    for var_idx in range(variables):
        var = model.get_int_var_from_proto_index(var_idx)
        model.add_hint(var, solver.value(var))


def hinted_objective(model: cp_model.CpModel) -> float | None:
    """The objective value of ``model``'s hint when it hints every variable of the
    objective (None otherwise)."""
    objective = model.proto.objective
    hint = model.proto.solution_hint
    hinted = dict(zip(hint.vars, hint.values, strict=True))
    total = float(objective.offset)
    for ref, coeff in zip(objective.vars, objective.coeffs, strict=True):
        index = ref if ref >= 0 else -ref - 1
        if index not in hinted:
            return None
        total += coeff * (hinted[index] if ref >= 0 else -hinted[index])
    return total * (objective.scaling_factor or 1.0)


def complete_hint(
    model: cp_model.CpModel, time_limit: float, control: SearchControl, seed: int = 0
) -> None:
    """Extend a hint of the schedule variables to every other variable of ``model`` (the
    secondary terms' auxiliaries), within ``time_limit`` seconds.

    CP-SAT takes a complete, feasible hint as its first solution; a partial one it may
    only use as a search preference, and phase 2 would then start far from it.
    """
    hint = model.proto.solution_hint
    hinted = dict(zip(hint.vars, hint.values, strict=True))
    if len(hinted) == len(model.proto.variables):
        return
    fixed = model.clone()
    for index, value in hinted.items():
        fixed.add(fixed.get_int_var_from_proto_index(index) == value)
    solver = make_solver(control.params, time_limit, seed=seed, role=Role.HINT)
    if not has_solution(control.run(solver, fixed)):
        return
    model.clear_hints()
    for index in range(len(model.proto.variables)):
        model.add_hint(
            model.get_int_var_from_proto_index(index),
            solver.value(fixed.get_int_var_from_proto_index(index)),
        )


def secondary_search(
    scenario: Scenario,
    secondary: Mapping[str, int],
    stop: SecondaryStop | None,
    bound: int | None,
) -> SecondarySearch:
    """Where phase 2 ended (``stop``, ``bound``: None when it was not tried), with the
    weighted penalty of the schedule returned, recomputed from its ``secondary`` terms (the
    model's auxiliary variables may overstate an unproven solution's)."""
    if not secondary:
        return SecondarySearch()
    weights = scenario.weights.model_dump()
    penalty = sum(value * weights[name] for name, value in secondary.items())
    if stop is None:
        return SecondarySearch(objective=penalty)
    proven = stop is SecondaryStop.PROVEN or (bound is not None and penalty <= bound)
    return SecondarySearch(
        status="OPTIMAL" if proven else "FEASIBLE",
        objective=penalty,
        bound=bound,
        stopped_by=SecondaryStop.PROVEN.value if proven else stop.value,
    )
