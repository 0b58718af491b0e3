"""``solve()``: the one door into the solver, and the ``Result`` it returns.

The objective is lexicographic (SPEC §4): phase 1 maximises the priority-weighted number of
scheduled clients; only when that is proven optimal does phase 2 fix it and minimise the
weighted secondary penalties. ``status``, ``objective`` and ``best_bound`` always describe
phase 1, the primary objective.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from . import __version__
from .io.schedule import SCHEDULE_COLUMNS
from .model import IOPModel, build_candidates
from .model.bounds import core_upper_bound
from .model.extract import extract_schedule
from .model.hints import add_schedule_hint
from .model.warmstart import schedule_by_track
from .reasons import unscheduled_reasons
from .scenario import Scenario

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 60.0
"""Seconds; a coordinator re-runs often, and 60 s proves optimality on typical weeks."""

ASSIGNMENT_COLUMNS = SCHEDULE_COLUMNS["assignments.csv"]
SESSION_COLUMNS = SCHEDULE_COLUMNS["sessions.csv"]
UNSCHEDULED_COLUMNS = SCHEDULE_COLUMNS["unscheduled.csv"]


class SolveStatus(StrEnum):
    """Status of the primary objective (SPEC §5), plus the library-only error states."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    INVALID_INPUT = "INVALID_INPUT"
    """The scenario could not be read or validated (batch rows, never a written folder)."""


_CP_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


class ModelInvalidError(RuntimeError):
    """CP-SAT rejected the model: a bug in this package, never the user's input."""


def default_workers() -> int:
    """Search workers: every core the machine has, at most 8 (2 on a 2-core laptop)."""
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class Progress:
    """One improvement seen during the search (for live progress displays)."""

    elapsed_seconds: float
    objective: float
    best_bound: float
    phase: int


@dataclass
class Result:
    """The outcome of :func:`solve`: status, objective, bound, timings and the schedule."""

    scenario: Scenario = field(repr=False)
    status: SolveStatus
    objective: int | None
    best_bound: int | None
    solve_seconds: float
    build_seconds: float
    assignments: pd.DataFrame = field(repr=False)
    sessions: pd.DataFrame = field(repr=False)
    unscheduled: pd.DataFrame = field(repr=False)
    secondary: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def has_schedule(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def scheduled_clients(self) -> int:
        return int(self.assignments["client_id"].nunique()) if len(self.assignments) else 0

    @property
    def unscheduled_clients(self) -> int:
        return len(self.unscheduled)

    def served_objective(self) -> int:
        """The primary objective recomputed from the schedule itself (sum of priorities)."""
        priority = {c.client_id: c.priority for c in self.scenario.clients}
        return sum(priority[cid] for cid in set(self.assignments["client_id"]))

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        return {
            "scenario": self.scenario.name,
            "status": self.status.value,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "scheduled_clients": self.scheduled_clients,
            "unscheduled_clients": self.unscheduled_clients,
            "clients": len(self.scenario.clients),
            "sessions": len(self.sessions),
            "solve_seconds": round(self.solve_seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "interrupted": self.interrupted,
            "secondary": dict(self.secondary),
            "weights": self.scenario.weights.model_dump(),
            "parameters": dict(self.parameters),
            "versions": {
                "iop-optimizer": __version__,
                "ortools": _ortools_version(),
                "python": platform.python_version(),
            },
        }

    def write(self, out_dir: str | Path) -> Path:
        """Write the SPEC §5 folder (atomically: a failed write leaves no partial folder)."""
        from .io.write import write_result

        return write_result(self, Path(out_dir))


def _ortools_version() -> str:
    from ortools import __version__ as version

    return str(version)


class _SignalStop:
    """Turn SIGINT/SIGTERM into ``stop_search`` while a solve runs in a worker thread."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.solver: cp_model.CpSolver | None = None
        self.stopped = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalStop:
        if self.enabled:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        log.info("signal %s received: stopping the search", signum)
        self.stopped = True
        if self.solver is not None:
            self.solver.stop_search()

    def run(self, solver: cp_model.CpSolver, model: cp_model.CpModel, callback: Any) -> int:
        if self.stopped:
            return int(cp_model.UNKNOWN)
        if not self.enabled:
            return int(solver.solve(model, callback))
        self.solver = solver
        outcome: list[int] = []
        worker = threading.Thread(target=lambda: outcome.append(int(solver.solve(model, callback))))
        worker.start()
        while worker.is_alive():
            worker.join(0.05)  # short waits let Python run the signal handler
        self.solver = None
        return outcome[0]


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[Progress], None], phase: int, started: float) -> None:
        super().__init__()
        self._report = report
        self._phase = phase
        self._started = started

    def on_solution_callback(self) -> None:
        self._report(
            Progress(
                elapsed_seconds=time.perf_counter() - self._started,
                objective=self.objective_value,
                best_bound=self.best_objective_bound,
                phase=self._phase,
            )
        )


WARM_START_SHARE = 0.2
"""Share of the time limit the track-by-track warm start may use (at most 10 s)."""
CORE_SHARE = 0.3
"""Share of the time left after the warm start kept for the core-based proof."""
DETERMINISTIC_SHARE = 0.4
"""With one worker, the search stops after this many deterministic time units per second
of time limit (about 0.5 units pass per wall second on a 2-core laptop), so a run that ends
by its limit still ends at the same point of the same search."""


def _solver(time_limit: float, workers: int, seed: int, log_search: bool) -> cp_model.CpSolver:
    """A CP-SAT solver with every parameter this package sets, in one place."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.01, time_limit)
    params.num_workers = workers
    params.random_seed = seed
    params.log_search_progress = log_search
    params.catch_sigint_signal = False  # our own handler stops the search and keeps the result
    params.linearization_level = 2  # the group-needs-a-therapist cuts are clauses
    if workers == 1:
        # One worker alone runs no LNS; interleaving runs the whole portfolio on one thread,
        # deterministically, and a deterministic limit keeps time-limited runs reproducible.
        params.interleave_search = True
        params.max_deterministic_time = max(0.01, DETERMINISTIC_SHARE * time_limit)
    return solver


def solve(
    scenario: Scenario,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int | None = None,
    seed: int = 0,
    *,
    progress: Callable[[Progress], None] | None = None,
    handle_signals: bool = False,
    log_search: bool = False,
    warm_start: bool = True,
    prove_with_cores: bool = True,
) -> Result:
    """Solve one week: the schedule that serves the most clients, then best on secondary goals.

    ``time_limit`` is in seconds for the whole call. ``workers`` defaults to
    :func:`default_workers`; ``workers=1`` with a fixed ``seed`` gives the same schedule on
    every run (the search is interleaved on one thread and stopped by a deterministic limit).
    ``progress`` receives each improving solution. With ``handle_signals`` (the CLI), SIGINT
    and SIGTERM stop the search and the best schedule so far is returned with
    ``interrupted=True`` and status FEASIBLE. ``warm_start`` seeds the search with a
    track-by-track schedule. ``prove_with_cores`` spends the last part of the time limit,
    when the search has not proven its schedule optimal, on a disjoint-core upper bound.
    """
    started = time.perf_counter()
    workers = workers or default_workers()
    candidates = build_candidates(scenario)
    iop = IOPModel(candidates)
    build_seconds = time.perf_counter() - started
    log.info(
        "model built in %.2fs: %d variables, %d constraints",
        build_seconds,
        len(iop.model.proto.variables),
        len(iop.model.proto.constraints),
    )
    parameters = {
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "warm_start": warm_start,
    }

    with _SignalStop(handle_signals) as stopper:
        if warm_start:
            budget = min(10.0, WARM_START_SHARE * time_limit)
            rows_a, rows_s = schedule_by_track(scenario, budget, seed, workers)
            add_schedule_hint(iop, rows_a, rows_s)
        iop.model.maximize(iop.primary)
        remaining = time_limit - (time.perf_counter() - started)
        search_time = remaining * (1 - CORE_SHARE) if prove_with_cores else remaining
        solver = _solver(search_time, workers, seed, log_search)
        callback = _ProgressCallback(progress, 1, started) if progress else None
        cp_status = stopper.run(solver, iop.model, callback)
        if cp_status == cp_model.MODEL_INVALID:
            raise ModelInvalidError(iop.model.validate())
        status = _CP_STATUS[cp_status]
        final = solver
        objective = best_bound = None
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            objective = round(solver.objective_value)
            best_bound = math.floor(solver.best_objective_bound + 1e-6)
        remaining = time_limit - (time.perf_counter() - started)
        if (
            prove_with_cores
            and status == SolveStatus.FEASIBLE
            and objective is not None
            and best_bound is not None
            and objective < best_bound
            and remaining > 0.5
            and not stopper.stopped
        ):
            cores = core_upper_bound(candidates, remaining, seed)
            best_bound = min(best_bound, cores.upper_bound)
            if objective >= best_bound:
                status = SolveStatus.OPTIMAL
            parameters["cores"] = len(cores.cores)
        remaining = time_limit - (time.perf_counter() - started)
        if status == SolveStatus.OPTIMAL and remaining > 0.05 and not stopper.stopped:
            second = _improve_secondary(
                iop,
                solver,
                objective,
                remaining,
                workers,
                seed,
                log_search,
                progress,
                started,
                stopper,
            )
            if second is not None:
                final = second
        interrupted = stopper.stopped
    if interrupted and status == SolveStatus.OPTIMAL:
        status = SolveStatus.FEASIBLE  # the run as a whole did not finish (SPEC §6, exit 130)

    assignments: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    if objective is not None:
        assignments, sessions = extract_schedule(iop, final)
    assignments_df = pd.DataFrame(assignments, columns=ASSIGNMENT_COLUMNS)
    sessions_df = pd.DataFrame(sessions, columns=SESSION_COLUMNS)
    scheduled = set(assignments_df["client_id"])
    reasons = unscheduled_reasons(scenario, candidates, scheduled) if objective is not None else {}
    unscheduled_df = pd.DataFrame(
        [(c.client_id, reasons[c.client_id]) for c in scenario.clients if c.client_id in reasons],
        columns=UNSCHEDULED_COLUMNS,
    )
    result = Result(
        scenario=scenario,
        status=status,
        objective=objective,
        best_bound=best_bound,
        solve_seconds=time.perf_counter() - started,
        build_seconds=build_seconds,
        assignments=assignments_df,
        sessions=sessions_df,
        unscheduled=unscheduled_df,
        secondary=secondary_terms(scenario, assignments_df, sessions_df)
        if objective is not None
        else {},
        interrupted=interrupted,
        parameters=parameters,
    )
    if objective is not None and result.served_objective() != objective:
        raise AssertionError(
            f"solver objective {objective} != schedule's served priority "
            f"{result.served_objective()}"
        )
    log.info(
        "status %s: %d of %d clients scheduled (objective %s, bound %s) in %.2fs",
        status.value,
        result.scheduled_clients,
        len(scenario.clients),
        objective,
        best_bound,
        result.solve_seconds,
    )
    return result


def secondary_terms(
    scenario: Scenario, assignments: pd.DataFrame, sessions: pd.DataFrame
) -> dict[str, int]:
    """The secondary penalties (SPEC §4) of a schedule, recomputed from its rows.

    ``preferred_block``: client-days outside the client's preferred block; ``same_block``:
    blocks a client uses beyond one; ``group_sessions``: group sessions that run.
    """
    preferred = {c.client_id: c.preferred_block for c in scenario.clients}
    days = assignments[["client_id", "day", "block"]].drop_duplicates()
    off = sum(
        1
        for cid, block in zip(days["client_id"], days["block"], strict=True)
        if preferred[cid] not in (None, block)
    )
    blocks_per_client = days.groupby("client_id")["block"].nunique()
    groups = sum(
        1 for type_id in sessions["session_type"] if scenario.session_types[type_id].is_group
    )
    return {
        "preferred_block": int(off),
        "same_block": int((blocks_per_client - 1).clip(lower=0).sum()),
        "group_sessions": int(groups),
    }


def _improve_secondary(
    iop: IOPModel,
    first: cp_model.CpSolver,
    objective: int,
    remaining: float,
    workers: int,
    seed: int,
    log_search: bool,
    progress: Callable[[Progress], None] | None,
    started: float,
    stopper: _SignalStop,
) -> cp_model.CpSolver | None:
    """Phase 2: keep the proven primary optimum, minimise the weighted secondary penalty."""
    model = iop.model
    model.clear_hints()
    for var_idx in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(var_idx)
        model.add_hint(var, first.value(var))
    model.add(iop.primary >= objective)
    model.minimize(iop.secondary)
    solver = _solver(remaining, workers, seed, log_search)
    callback = _ProgressCallback(progress, 2, started) if progress else None
    cp_status = stopper.run(solver, model, callback)
    if cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver
    return None
