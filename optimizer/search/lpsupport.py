"""A search near the LP's solution, after phase 1 on a large over-subscribed week.

On such a week (200 clients, about 60,000 variables) phase 1 works on the whole model, and
its schedules stay far below the LP bound (146-151 against 177 on the over-subscribed
200-client week of seed 0, 60 s). The LP bound of :mod:`optimizer.search.lpbound` solves
the relaxation beside phase 1 anyway, and its solution says where the clients go: on that
week 849 of the 1,560 (client, day, block) pairs have an LP value above 0.05. CP-SAT alone
on the model restricted to them (4 workers, no hint) found 150 in 30 s.

So after phase 1, when the LP has ended and the schedule is not proven, every pair that
neither the LP's solution (above ``SearchParams.lp_support_threshold``) nor the best
schedule uses is closed (``attend == 0``) and phase 1 runs again from the best schedule,
which is therefore still a solution. The constraints are then emptied, so phase 2 and
everything after see the whole week's model. Every schedule found is a schedule of the
whole week; the restricted search's bound is not a bound of the week and is never used.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from ..model.cpmodel import ClientDayBlock, IOPModel
from ..model.dominance import remove_constraints
from ..result import Progress
from .control import SearchControl
from .lpbound import LinearBound
from .phases import PhaseOne, hint_solution, maximise_served

_POLL_SECONDS = 0.2
"""How often :func:`wait_for_primal` looks for a stop while it waits."""


def wait_for_primal(lp: LinearBound | None, control: SearchControl) -> np.ndarray | None:
    """The LP's solution: at once when it has ended; while it still runs, waited for at
    most ``params.lp_support_wait_share`` of the time left (stopping on a stop request):
    on the weeks that have an LP the core bound, which runs when this search does not, has
    not improved a bound. None when there is no LP, it ended without a solution, or the
    wait ran out."""
    if lp is None:
        return None
    deadline = control.seconds_left() * (1 - control.params.lp_support_wait_share)
    while lp.running() and not control.stopped and control.seconds_left() > deadline:
        lp.result(wait=min(_POLL_SECONDS, control.seconds_left() - deadline))
    return None if control.stopped else lp.primal()


def close_outside_support(
    iop: IOPModel, primal: np.ndarray, kept: Collection[ClientDayBlock], threshold: float
) -> list[int]:
    """Add ``attend == 0`` for every (client, day, block) whose LP value is at most
    ``threshold`` and that is not in ``kept``; returns the constraints' indices (for
    :func:`optimizer.model.dominance.remove_constraints`)."""
    added = []
    for key, var in iop.attend_vars.items():
        if key not in kept and primal[var.index] <= threshold:
            added.append(iop.model.add_bool_and([var.Not()]).index)
    return added


def search_near_lp(
    iop: IOPModel,
    primal: np.ndarray,
    best: cp_model.CpSolver,
    time_limit: float,
    control: SearchControl,
    workers: int,
    seed: int,
    *,
    progress: Callable[[Progress], None] | None = None,
    week_bound: int | None = None,
    log_search: bool = False,
) -> PhaseOne:
    """Phase 1 again, for ``time_limit`` seconds, on the pairs the LP's solution ``primal``
    or the solution of ``best`` (hinted in full) uses; the whole model is restored after.
    ``progress`` is told ``week_bound``, the week's bound, not the restricted search's."""
    if progress is not None and week_bound is not None:
        report = progress

        def progress(step: Progress) -> None:
            report(replace(step, best_bound=max(step.best_bound, week_bound)))

    variables = len(iop.model.proto.variables)
    kept = {key for key, var in iop.attend_vars.items() if best.boolean_value(var)}
    added = close_outside_support(iop, primal, kept, control.params.lp_support_threshold)
    hint_solution(iop.model, best, variables)
    try:
        return maximise_served(
            iop, time_limit, control, workers, seed, progress=progress, log_search=log_search
        )
    finally:
        remove_constraints(iop, added)
