"""A first schedule by decomposition: one track at a time, each using what is left.

Tracks never share a group, so a week splits into one small problem per track that only
compete for therapists and rooms. Each is solved fast (about a second for 15 clients),
serving as many of its clients as possible; later tracks use what is left. The union is a
valid schedule of the whole week that seeds the full model's search (a solution hint); the
full model then proves or improves it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from ..scenario import Scenario
from .candidates import Reservations, build_candidates
from .cpmodel import IOPModel
from .extract import extract_schedule

log = logging.getLogger(__name__)

Runner = Callable[[cp_model.CpSolver, cp_model.CpModel], int]
"""Solves a model with a solver and returns the CP-SAT status."""


def solve_once(solver: cp_model.CpSolver, model: cp_model.CpModel) -> int:
    return int(solver.solve(model))


def track_order(scenario: Scenario) -> list[str]:
    """Tracks with most at stake first: total priority, then head count, then name."""
    weight: dict[str, int] = defaultdict(int)
    heads: dict[str, int] = defaultdict(int)
    for client in scenario.clients:
        weight[client.track] += client.priority
        heads[client.track] += 1
    return sorted(weight, key=lambda t: (-weight[t], -heads[t], t))


def schedule_by_track(
    scenario: Scenario,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    run: Runner | None = None,
    deterministic_share: float | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Assignments and sessions of a track-by-track schedule (valid, not necessarily optimal).

    ``time_limit`` (seconds) is shared by the tracks. ``run`` solves one stage (default
    ``solver.solve``); the CLI passes one that a signal can stop. With one worker and a
    ``deterministic_share`` (deterministic units per second), time is counted in
    deterministic units instead of wall-clock seconds, so every run splits the budget
    between the tracks alike and stops each at the same point: the same warm start each time.
    """
    started = time.perf_counter()
    deterministic = deterministic_share is not None and workers == 1
    spent = 0.0  # seconds of the budget used, counted in deterministic units when deterministic
    reserved = Reservations()
    assignments: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    tracks = track_order(scenario)
    for position, track in enumerate(tracks):
        remaining = time_limit - (spent if deterministic else time.perf_counter() - started)
        if remaining <= 0.05:
            break
        budget = remaining / (len(tracks) - position)
        sub = scenario.model_copy(
            update={"clients": tuple(c for c in scenario.clients if c.track == track)}
        )
        iop = IOPModel(build_candidates(sub, reserved))
        iop.model.maximize(iop.primary)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = workers
        params.random_seed = seed
        params.catch_sigint_signal = False
        params.max_time_in_seconds = max(0.05, budget)
        params.interleave_search = workers == 1  # LNS on one worker, and reproducible
        if deterministic and deterministic_share is not None:
            params.max_deterministic_time = max(0.01, deterministic_share * budget)
        status = (run or solve_once)(solver, iop.model)
        if deterministic and deterministic_share is not None:
            spent += solver.deterministic_time / deterministic_share
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            log.info("warm start: track %s found no schedule in %.1fs", track, budget)
            continue
        rows_a, rows_s = extract_schedule(iop, solver)
        assignments.extend(rows_a)
        sessions.extend(rows_s)
        reserved.add_sessions(rows_s)
        log.info(
            "warm start: track %s serves %d of %d clients (%s)",
            track,
            len({r["client_id"] for r in rows_a}),
            len(sub.clients),
            "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
        )
    return assignments, sessions
