"""A first schedule that keeps last week: continuing clients on their days and blocks.

This is how a coordinator starts a week: everyone who continues keeps their routine, and the
new clients are fitted around them. With every continuing client's attendance fixed the
model only places sessions, so it solves fast; its schedule seeds the full search (a
solution hint), which may still move someone when that serves more clients.
"""

from __future__ import annotations

import logging

from ortools.sat.python import cp_model

from ..model.candidates import build_candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..result import has_solution
from ..scenario import Scenario
from ..schedule import WeekSchedule
from ..terms import PreviousAttendance
from .control import SearchControl
from .solver import Role, make_solver

log = logging.getLogger(__name__)


def schedule_keeping(
    scenario: Scenario,
    previous: PreviousAttendance,
    time_limit: float,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
) -> WeekSchedule:
    """The schedule serving as many clients as possible while every continuing client who
    is scheduled attends exactly last week's (day, block) pairs.

    ``time_limit`` in seconds (the model is run through ``control``, which keeps the solve's
    overall budget). An empty schedule when none is found in time.
    """
    iop = IOPModel(build_candidates(scenario))
    m = iop.model
    for (cid, day, block), var in iop.attend_vars.items():
        if cid in previous:
            m.add(var == 0 if previous[cid].get(day) != block else var == iop.scheduled_vars[cid])
    for cid, days in previous.items():
        if cid not in iop.scheduled_vars:
            continue
        for day, block in days.items():
            if (cid, day, block) not in iop.attend_vars:
                m.add(iop.scheduled_vars[cid] == 0)  # last week's routine is impossible now
    m.maximize(iop.primary)
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
