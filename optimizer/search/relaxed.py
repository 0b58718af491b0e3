"""The merged-types relaxation as a stage of the whole week's search (issue 14).

Before phase 1 of an over-subscribed week (or with ``SearchParams.relaxation``): the week
with its group types merged (:mod:`optimizer.model.relax`) is solved for a share of the time;
its bound holds for the real week, and its attendance (who comes on which day and block),
imposed on the real week, is repaired into a schedule that often serves more than the warm
start (docs/benchmarks.md, issue 14).
"""

from __future__ import annotations

import logging

from ortools.sat.python import cp_model

from ..model.candidates import Candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..model.relax import merge_group_types, restrict_attendance, solve_merged
from ..schedule import WeekSchedule
from .control import SearchControl
from .solver import Role, make_solver

log = logging.getLogger(__name__)


def relax_and_repair(
    candidates: Candidates,
    control: SearchControl,
    best: WeekSchedule,
    *,
    workers: int,
    seed: int,
    log_search: bool = False,
    core_worker: bool = False,
) -> tuple[WeekSchedule, int | None]:
    """Relaxations first (group types merged; without rooms, then with them when
    ``params.relaxation_rooms``), each within ``params.relaxation_share`` of the time left;
    the real week restricted to each one's attendance (``params.repair_share`` of the time
    left) gives a schedule. Returns the best of those and ``best``, and the lowest bound
    (None: no relaxation finished with one). ``core_worker``: see :func:`make_solver`."""
    params = control.params
    scenario = candidates.scenario
    served = best.served(scenario)
    bound: int | None = None
    levels = [False, True] if scenario.rooms is not None and params.relaxation_rooms else [False]
    for position, rooms in enumerate(levels):
        merged = merge_group_types(candidates, rooms=rooms)
        if merged is None or control.seconds_left() <= params.min_core_seconds:
            break
        budget = params.relaxation_share / (len(levels) - position) * control.seconds_left()
        solver = make_solver(
            params, budget, workers, seed, log_search=log_search, core_worker=core_worker
        )
        relaxed = solve_merged(merged, solver, control.run, best, cuts=params.relaxation_cuts)
        if relaxed.upper_bound is None:
            continue
        bound = relaxed.upper_bound if bound is None else min(bound, relaxed.upper_bound)
        log.info(
            "merged-types relaxation %s rooms: bound %d%s, its schedule serves %s (best %d)",
            "with" if rooms else "without",
            relaxed.upper_bound,
            " (proven)" if relaxed.proven else "",
            relaxed.objective,
            served,
        )
        if relaxed.objective is not None and relaxed.objective > served:
            restricted = IOPModel(candidates)
            restrict_attendance(restricted, relaxed)
            restricted.model.maximize(restricted.primary)
            solver = make_solver(
                params,
                params.repair_share * control.seconds_left(),
                workers,
                seed,
                role=Role.STAGE,
                deterministic=workers == 1,
            )
            if control.run(solver, restricted.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                repaired = extract_schedule(restricted, solver)
                log.info("the real week on that attendance serves %d", repaired.served(scenario))
                if repaired.served(scenario) > served:
                    best, served = repaired, repaired.served(scenario)
        if bound is not None and served >= bound:
            break
    return best, bound
