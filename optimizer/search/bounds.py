"""An upper bound on the primary objective from disjoint infeasible cores.

The LP relaxation cannot see that, say, three evening cohorts need three therapists at
once; CP-SAT's conflict analysis can. Asking "can every client be scheduled?" with one
assumption per client returns, when the answer is no, a *core*: a set of clients that cannot
all be scheduled together, so at least one of them (the cheapest, by priority) is lost.
Removing the core and asking again gives disjoint cores whose costs add up: the primary
objective is at most the total priority minus the sum of the cores' cheapest priorities.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..model.candidates import Candidates
from ..model.cpmodel import IOPModel
from ..result import has_solution
from .control import SearchControl
from .solver import Role, make_solver

log = logging.getLogger(__name__)


@dataclass
class CoreBound:
    """Result of :func:`core_upper_bound`."""

    upper_bound: int
    cores: list[list[str]] = field(default_factory=list)
    complete: bool = False
    """True when the remaining clients were shown schedulable together (the bound is tight
    for the clients outside the cores)."""


def reachable(candidates: Candidates) -> int:
    """Priority-weighted clients who can attend at all: the trivial upper bound."""
    return sum(
        c.priority for c in candidates.scenario.clients if candidates.attendable[c.client_id]
    )


def core_upper_bound(
    candidates: Candidates, time_limit: float, control: SearchControl, seed: int = 0
) -> CoreBound:
    """Disjoint-core upper bound on the priority-weighted number of scheduled clients.

    ``time_limit`` in seconds for all the feasibility checks together (one worker each),
    counted like the rest of the solve by ``control`` (deterministically on one worker).
    """
    scenario = candidates.scenario
    priority = {c.client_id: c.priority for c in scenario.clients}
    free = [c.client_id for c in scenario.clients if candidates.attendable[c.client_id]]
    bound = CoreBound(upper_bound=reachable(candidates))
    budget_end = control.seconds_left() - time_limit
    while free:
        remaining = control.seconds_left() - budget_end
        if remaining <= control.params.min_run_seconds:
            break
        iop = IOPModel(candidates)
        assumed = {iop.scheduled_vars[cid].index: cid for cid in free}
        iop.model.add_assumptions([iop.scheduled_vars[cid] for cid in free])
        solver = make_solver(control.params, remaining, seed=seed, role=Role.CORES)
        status = control.run(solver, iop.model)
        if status == cp_model.INFEASIBLE:
            core = [assumed[idx] for idx in solver.sufficient_assumptions_for_infeasibility()]
            if not core:
                break
            bound.cores.append(sorted(core))
            bound.upper_bound -= min(priority[cid] for cid in core)
            log.info("core of %d clients: bound now %d", len(core), bound.upper_bound)
            free = [cid for cid in free if cid not in set(core)]
        else:
            bound.complete = has_solution(status)
            break
    return bound
