"""A first schedule that keeps last week: continuing clients on their days and blocks.

This is how a coordinator starts a week: everyone who continues keeps their routine, and the
new clients are fitted around them. With every continuing client's attendance fixed the
model only places sessions, so it solves fast; its schedule seeds the full search (a
solution hint), which may still move someone when that serves more clients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from ..scenario import Scenario
from ..terms import PreviousAttendance
from .candidates import build_candidates
from .cpmodel import IOPModel
from .extract import extract_schedule
from .warmstart import stage_solver

log = logging.getLogger(__name__)


def schedule_keeping(
    scenario: Scenario,
    previous: PreviousAttendance,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    run: Callable[[cp_model.CpSolver, cp_model.CpModel], int] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Assignments and sessions serving as many clients as possible while every continuing
    client who is scheduled attends exactly last week's (day, block) pairs.

    ``time_limit`` in seconds. Returns empty lists when no schedule is found in time.
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
    solver = stage_solver(workers, seed, time_limit)
    status = run(solver, m) if run else solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        log.info("keeping last week: no schedule in %.1fs", time_limit)
        return [], []
    rows_a, rows_s = extract_schedule(iop, solver)
    log.info(
        "keeping last week: serves %d of %d clients (%s)",
        len({r["client_id"] for r in rows_a}),
        len(scenario.clients),
        "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
    )
    return rows_a, rows_s
