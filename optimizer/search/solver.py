"""``make_solver``: the one place a CP-SAT solver is configured.

Every CP-SAT run of the package asks here for its solver, by the role the run plays in the
search; the numbers come from :class:`~optimizer.search.params.SearchParams`.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any

from ortools.sat.python import cp_model

from .params import SearchParams

SMALLEST_LIMIT = 0.01
"""Seconds (or deterministic units): CP-SAT takes a limit of 0 as "no time at all", and a
stage whose budget rounds down to nothing still gets this much."""


class Role(Enum):
    """What a CP-SAT run does in the search; each role has its own parameters."""

    WHOLE_WEEK = "whole week"
    """Phases 1 and 2 on the whole week's model: every worker; with one worker the whole
    portfolio interleaved on one thread, stopped by a deterministic limit."""
    STAGE = "stage"
    """A small model seeded by a hint (one track of the track-by-track search, last week
    kept): one light presolve pass, at most one worker per core."""
    HINT = "hint"
    """Completing a hint on a model whose schedule variables are fixed: one worker."""
    CORES = "cores"
    """A feasibility check under assumptions for the core bound: one worker, since cores
    come from one search's conflict analysis."""
    CHECK = "check"
    """A feasibility check of an explanation: one worker, presolve on or off."""
    PLACE = "place"
    """One client placed into a fixed week (:mod:`optimizer.weekly`): a model of that
    client alone, solved again per option while they wait; one worker, a light presolve."""
    EXISTS = "exists"
    """Whether any schedule includes one client (unscheduled reasons): one worker and a
    deterministic limit, so that ``unscheduled.csv`` is the same on every run."""


def make_solver(
    params: SearchParams,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    *,
    role: Role = Role.WHOLE_WEEK,
    log_search: bool = False,
    deterministic: bool = False,
    presolve: bool = True,
    core_worker: bool = False,
) -> cp_model.CpSolver:
    """A CP-SAT solver for one run of ``role``, limited to ``time_limit`` seconds.

    ``workers`` counts for the whole week and stages only (the other roles use one).
    ``deterministic`` also limits a stage to ``params.deterministic_units_per_second`` units
    per second (reproducible runs on one worker; the whole week does so whenever it has one
    worker, and the hint completion always). ``presolve`` switches CP-SAT's presolve off for
    ``Role.CHECK`` (presolve loses the hint on those models; without it a hinted check
    starts from the schedule and repairs it). Our own signal handling stops a search, so
    CP-SAT never catches SIGINT itself. ``core_worker`` (the whole week with 2 or 3
    workers): CP-SAT's core-based subsolver takes the first full-problem thread, which
    CP-SAT gives it only from 4 workers on (see ``SearchParams.oversubscribed_core``).
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.random_seed = seed
    p.catch_sigint_signal = False
    units = params.deterministic_units_per_second
    if role is Role.WHOLE_WEEK:
        _whole_week(p, params, time_limit, workers, log_search, core_worker)
    elif role is Role.STAGE:
        # A stage is small: more threads than cores would only take turns on them.
        p.num_workers = max(1, min(workers, os.cpu_count() or 1))
        p.max_time_in_seconds = max(params.min_run_seconds, time_limit)
        p.interleave_search = workers == 1  # neighbourhood search on one worker, reproducibly
        p.max_presolve_iterations = params.stage_presolve_iterations
        p.cp_model_probing_level = params.stage_probing_level
        if deterministic:
            p.max_deterministic_time = max(SMALLEST_LIMIT, units * time_limit)
    elif role is Role.HINT:
        p.num_workers = 1
        p.max_time_in_seconds = max(params.min_run_seconds, time_limit)
        p.max_deterministic_time = max(SMALLEST_LIMIT, units * time_limit)
    elif role is Role.PLACE:
        # Probing, symmetry and the LP cost more than the search of a one-client model.
        p.num_workers = 1
        p.max_time_in_seconds = max(SMALLEST_LIMIT, time_limit)
        p.max_deterministic_time = max(SMALLEST_LIMIT, units * time_limit)
        p.max_presolve_iterations = params.stage_presolve_iterations
        p.cp_model_probing_level = params.stage_probing_level
        p.symmetry_level = params.place_symmetry_level
        p.linearization_level = params.place_linearization_level
    elif role is Role.EXISTS:
        p.num_workers = 1
        p.max_deterministic_time = max(SMALLEST_LIMIT, units * time_limit)
        # the wall clock is a safety net only: an answer must not depend on the machine
        p.max_time_in_seconds = max(SMALLEST_LIMIT, params.wall_safety_factor * time_limit)
    elif role is Role.CORES:
        p.num_workers = 1
        p.max_time_in_seconds = max(SMALLEST_LIMIT, time_limit)
    else:
        p.num_workers = 1
        p.max_time_in_seconds = max(params.min_run_seconds, time_limit)
        p.cp_model_presolve = presolve
        p.linearization_level = params.linearization_level
    return solver


def _whole_week(
    p: Any,
    params: SearchParams,
    time_limit: float,
    workers: int,
    log_search: bool,
    core_worker: bool,
) -> None:
    """The parameters ``p`` of a whole-week run (see :func:`make_solver`)."""
    p.max_time_in_seconds = max(SMALLEST_LIMIT, time_limit)
    p.num_workers = workers
    p.log_search_progress = log_search
    p.linearization_level = params.linearization_level
    if core_worker and 1 < workers < 4:
        p.subsolvers.extend(["core", "default_lp"][: workers - 1])
        p.num_full_subsolvers = workers - 1
    if workers > 1:
        p.max_presolve_iterations = params.parallel_presolve_iterations
        p.cp_model_probing_level = params.parallel_probing_level
    else:
        # One worker alone runs no LNS; interleaving runs the whole portfolio on one
        # thread, deterministically.
        p.interleave_search = True
        p.max_deterministic_time = max(
            SMALLEST_LIMIT, params.deterministic_units_per_second * time_limit
        )
