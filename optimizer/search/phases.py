"""The two phases of the whole-week search (SPEC §4's lexicographic objective).

Phase 1 maximises the priority-weighted number of scheduled clients; phase 2 holds that
number and minimises the weighted secondary penalty, starting from phase 1's solution (or a
given schedule) with a complete hint, so that CP-SAT takes it as its first solution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..result import Progress, SolveStatus, has_solution, solve_status
from ..schedule import WeekSchedule
from .control import ProgressCallback, SearchControl
from .solver import Role, make_solver


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
) -> PhaseOne:
    """Phase 1: the schedule serving the most (priority-weighted) clients, within
    ``time_limit`` seconds, from the model's hint if it has one. ``progress`` receives each
    improving solution."""
    iop.model.maximize(iop.primary)
    solver = make_solver(control.params, time_limit, workers, seed, log_search=log_search)
    callback = ProgressCallback(progress, 1, control.started) if progress else None
    status = solve_status(control.run(solver, iop.model, callback), iop.model)
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return PhaseOne(status, None, None, solver)
    objective = round(solver.objective_value)
    best_bound = math.floor(solver.best_objective_bound + 1e-6)
    return PhaseOne(status, objective, best_bound, solver)


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
) -> cp_model.CpSolver | None:
    """Phase 2: keep at least ``objective`` served, minimise the weighted secondary penalty
    in the time ``control`` has left; the solver of the solution found, or None.

    The search starts from phase 1's solution (``first``'s values), or from ``start_from``,
    a schedule that serves at least as much (e.g. last week kept).
    """
    params = control.params
    model = iop.model
    solved_vars = len(model.proto.variables)
    iop.add_secondary_terms()
    model.clear_hints()
    if start_from is not None:
        hint_schedule(iop, start_from)
    else:
        for var_idx in range(solved_vars):
            var = model.get_int_var_from_proto_index(var_idx)
            model.add_hint(var, first.value(var))
    model.add(iop.primary >= objective)
    model.minimize(iop.secondary)
    hint_seconds = min(
        params.complete_hint_max_seconds, params.complete_hint_share * control.seconds_left()
    )
    complete_hint(model, hint_seconds, control, seed)
    solver = make_solver(params, control.seconds_left(), workers, seed, log_search=log_search)
    callback = ProgressCallback(progress, 2, control.started) if progress else None
    status = control.run(solver, model, callback)
    solve_status(status, model)  # MODEL_INVALID is a bug, never "no solution"
    return solver if has_solution(status) else None


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
