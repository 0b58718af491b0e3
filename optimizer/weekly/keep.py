"""A first schedule that keeps last week: continuing clients on their days and blocks.

This is how a coordinator starts a week: everyone who continues keeps their routine, and the
new clients are fitted around them. Each continuing client may attend only last week's
(day, block) pairs (all of them when the plan allows, a subset for a client who now has
fewer days), so the model mostly places sessions and solves fast; its schedule seeds the
goal search (:mod:`.goals`), which may still move someone when that serves more clients.
"""

from __future__ import annotations

import logging

from ortools.sat.python import cp_model

from ..model.candidates import Candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..result import has_solution
from ..schedule import WeekSchedule
from ..search.control import SearchControl
from ..search.solver import Role, make_solver
from ..terms import PreviousAttendance
from .replan import KeptPast, keep_past

log = logging.getLogger(__name__)


def schedule_keeping(
    candidates: Candidates,
    previous: PreviousAttendance,
    time_limit: float,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
    past: KeptPast | None = None,
) -> WeekSchedule:
    """The schedule serving as many clients as possible (then keeping as many of last
    week's (day, block) pairs as possible) while every continuing client attends only last
    week's pairs; the scenario's pins and the ``past`` of a re-planned week hold.

    ``time_limit`` in seconds (the model is run through ``control``, which keeps the solve's
    overall budget). An empty schedule when none is found in time.
    """
    iop = IOPModel(candidates)
    scenario = candidates.scenario
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
    if past is not None:
        keep_past(iop, past)
    m = iop.model
    kept_pairs = []
    for (cid, day, block), var in iop.attend_vars.items():
        if cid in previous:
            if previous[cid].get(day) == block:
                kept_pairs.append(var)
            else:
                m.add(var == 0)
    # lexicographic: a client served outweighs every pair kept
    m.maximize(iop.primary * (len(kept_pairs) + 1) + sum(kept_pairs))
    solver = make_solver(control.params, time_limit, workers, seed, role=Role.STAGE)
    status = control.run(solver, m)
    if not has_solution(status):
        log.info("keeping last week: no schedule in %.1fs", time_limit)
        return WeekSchedule()
    schedule = extract_schedule(iop, solver)
    log.info(
        "keeping last week: serves %d of %d clients (%s)",
        len(schedule.client_ids()),
        len(scenario.clients),
        "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
    )
    return schedule
