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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model
from pydantic import ValidationError

from . import __version__, terms
from .errors import Issue, ScenarioError, did_you_mean
from .io.schedule import SCHEDULE_COLUMNS, Schedule
from .model import IOPModel, build_candidates
from .model.bounds import core_upper_bound
from .model.candidates import Candidates, estimated_variables
from .model.cuts import add_capacity_cuts
from .model.dominance import add_dominance, dominance_pairs, remove_constraints, respect_dominance
from .model.extract import extract_schedule
from .model.greedy import solve_greedy
from .model.hints import add_schedule_hint
from .model.keep import schedule_keeping
from .model.pinning import add_pins
from .model.relax import merge_group_types, restrict_attendance, solve_merged
from .model.warmstart import improve_by_track
from .pins import resolve_pins
from .previous import changes_table, match_previous
from .reasons import unscheduled_reasons
from .scenario import Scenario, Weights, issues_from_validation_error
from .terms import TERM_UNITS, PreviousAttendance
from .windows import day_index

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


_CP_STATUS: dict[Any, SolveStatus] = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


class ModelInvalidError(RuntimeError):
    """CP-SAT rejected the model: a bug in this package, never the user's input."""


MIN_SEARCH_WORKERS = 4
"""Fewest CP-SAT workers a default solve uses, even on fewer cores: with 2 workers CP-SAT
runs one full-problem subsolver and one thread of neighbourhood searches, with 4 it
diversifies; on 2 cores 4 workers proved all five benchmark M weeks where 2 proved four
(docs/benchmarks.md, "Solver parameters"). The small stages of the track-by-track search
use at most one worker per core (``model.warmstart.stage_solver``)."""


def default_workers() -> int:
    """Search workers: every core the machine has, at most 8, at least 4."""
    return max(MIN_SEARCH_WORKERS, min(os.cpu_count() or 1, 8))


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
    changes: pd.DataFrame | None = field(default=None, repr=False)
    """With last week's schedule: every change of a continuing client (changes.csv)."""

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

    def objective_terms(self) -> dict[str, dict[str, Any]]:
        """Every secondary term: its value (recomputed from the schedule), weight, product
        and unit; ``changes`` only when last week's schedule was given."""
        weights = self.scenario.weights.model_dump()
        return {
            name: {
                "value": value,
                "weight": weights[name],
                "weighted": value * weights[name],
                "unit": TERM_UNITS[name],
            }
            for name, value in self.secondary.items()
        }

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
            "objective_terms": self.objective_terms(),
            "parameters": dict(self.parameters),
            "versions": {
                "iop-optimizer": __version__,
                "ortools": _ortools_version(),
                "python": platform.python_version(),
            },
        }

    def write(
        self,
        out_dir: str | Path,
        *,
        report: bool = True,
        xlsx: bool = True,
        calendars: bool = True,
        names: bool = False,
        client_calendars: bool = False,
    ) -> Path:
        """Write the SPEC §5 folder (atomically: a failed write leaves no partial folder).

        Besides the CSVs and summary.json: ``report`` writes report.html, ``xlsx``
        schedule.xlsx, ``calendars`` calendars/<therapist_id>.ics (and, with
        ``client_calendars``, one per client). ``names`` shows client names in the page and
        the workbook (protected health information: only when explicitly asked for).
        """
        from .io.write import write_result
        from .report import ReportOptions

        options = ReportOptions(report, xlsx, calendars, names, client_calendars)
        return write_result(self, Path(out_dir), options)


def _ortools_version() -> str:
    from importlib.metadata import version

    return version("ortools")


class _SignalStop:
    """Turn SIGINT/SIGTERM into ``stop_search`` while a solve runs in a worker thread.

    Every CP-SAT run of a solve goes through :meth:`run`, which also keeps the time budget.
    With ``deterministic`` (one worker), time is counted in deterministic units (one
    second = ``DETERMINISTIC_SHARE`` units): every stage's limit and every "is there time
    left" decision then comes out the same on every run, and the wall clock only caps the
    whole call at ``time_limit`` seconds as a safety net.
    """

    def __init__(
        self,
        enabled: bool,
        time_limit: float = math.inf,
        started: float | None = None,
        deterministic: bool = False,
    ) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.solver: cp_model.CpSolver | None = None
        self.stopped = False
        self._previous: dict[int, Any] = {}
        self.time_limit = time_limit
        self.started = time.perf_counter() if started is None else started
        self.deterministic = deterministic
        self.deterministic_time = 0.0
        """Deterministic units used by the runs so far."""
        self.wall_clock_stopped = False
        """True when a run was stopped by the wall clock: not reproducible then."""

    def wall_left(self) -> float:
        """Seconds left on the wall clock: of the time limit, or of the safety net."""
        limit = self.time_limit * (WALL_SAFETY_FACTOR if self.deterministic else 1.0)
        return limit - (time.perf_counter() - self.started)

    def seconds_left(self) -> float:
        """Seconds left for the next stages: deterministic when ``deterministic``."""
        if self.deterministic:
            return self.time_limit - self.deterministic_time / DETERMINISTIC_SHARE
        return self.wall_left()

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

    def run(
        self, solver: cp_model.CpSolver, model: cp_model.CpModel, callback: Any = None
    ) -> int:
        """Solve, stoppable by SIGINT/SIGTERM; after a signal, return UNKNOWN at once."""
        if self.stopped:
            return int(cp_model.UNKNOWN)
        if self.deterministic:
            params = solver.parameters
            params.max_deterministic_time = max(
                0.01,
                min(params.max_deterministic_time, DETERMINISTIC_SHARE * self.seconds_left()),
            )
            params.max_time_in_seconds = max(0.01, self.wall_left())  # the safety net only
        try:
            if not self.enabled:
                return int(solver.solve(model, callback))
            self.solver = solver
            outcome: list[int] = []
            failure: list[BaseException] = []

            def work() -> None:
                try:
                    outcome.append(int(solver.solve(model, callback)))
                except BaseException as exc:  # re-raised in the calling thread
                    failure.append(exc)

            worker = threading.Thread(target=work, daemon=True)
            worker.start()
            while worker.is_alive():
                worker.join(0.05)  # short waits let Python run the signal handler
                if self.stopped:  # again: a signal may come before the search has begun
                    solver.stop_search()
            self.solver = None
            if failure:
                raise failure[0]
            return outcome[0]
        finally:
            self.deterministic_time += solver.deterministic_time
            if solver.wall_time >= 0.99 * solver.parameters.max_time_in_seconds:
                self.wall_clock_stopped = True
            log.debug(
                "CP-SAT run: %.2fs wall, %.2f deterministic units (limits %.2fs, %.2f)",
                solver.wall_time,
                solver.deterministic_time,
                solver.parameters.max_time_in_seconds,
                solver.parameters.max_deterministic_time,
            )


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


CONTINUITY_SHARE = 0.4
"""With last week's schedule: share of the time left after the hint kept for phase 2."""
WARM_START_SHARE = 0.2
"""Share of the time limit the track-by-track search from the hand-style schedule may use
(at most 10 s) before the whole week's model starts from its result."""
BUILD_SECONDS_PER_VARIABLE = 50e-6
"""Measured cost of building one model variable (benchmarks: 189 s for 3.8 M variables)."""
BUILD_SHARE = 0.5
"""A model whose estimated build time exceeds this share of the time limit is not built:
the week is solved one track at a time instead (see ``_large_week_result``)."""
LARGE_WEEK_SHARE = 0.9
"""Share of the time left that the track-by-track search of a large week may use (the
rest covers building each track's model after its budget was computed, and the result)."""
CORE_SHARE = 0.3
"""Share of the time left after the warm start kept for the core-based proof."""
WALL_SAFETY_FACTOR = 10.0
"""With one worker, the wall clock stops a solve only after this many times its time limit
(a safety net: on a busy machine deterministic units pass slowly, and a run stopped by the
wall clock is no longer reproducible; summary.json then says ``reproducible: false``)."""
DETERMINISTIC_SHARE = 0.4
"""With one worker, the search stops after this many deterministic time units per second
of time limit (about 0.5 units pass per wall second on a 2-core laptop), so a run that ends
by its limit still ends at the same point of the same search."""


@dataclass
class Experiment:
    """Issue 14 research switches (a prototype: the benchmark runner sets them per run;
    they become search parameters once the solve pipeline has them)."""

    dominance: bool = False
    """Phase 1 only: ``scheduled[a] >= scheduled[b]`` when ``a`` can take ``b``'s place."""
    phase1_params: dict[str, Any] = field(default_factory=dict)
    """CP-SAT parameters set on the phase-1 solver only."""
    core_bound: bool = True
    """The disjoint-core bound after an unproven phase 1."""
    core_share: float | None = None
    """Overrides ``CORE_SHARE``."""
    relax: bool = False
    """Before phase 1: the merged-types relaxation (bound and attendance), then the real
    week restricted to that attendance (``model.relax``)."""
    full_presolve_below: int = 0
    """Models with fewer variables keep CP-SAT's full presolve (probing, 3 passes)."""
    relax_cuts: bool = False
    """Capacity cuts (``model.cuts``) in the relaxation."""
    cuts: bool = False
    """Capacity cuts in the real week's model (every phase: they are implied)."""
    relax_rooms: bool = True
    """After the relaxation without rooms, the one with rooms (when it did not close)."""
    relax_share: float = 0.5
    """Share of the time left after the warm start for the relaxation."""
    repair_share: float = 0.15
    """Share of the time left after the relaxation for the restricted real week."""


EXPERIMENT = Experiment()


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
    if workers > 1:
        # One presolve pass without probing: on 60-client weeks the default three passes
        # spend seconds probing, which the parallel search (starting from the track-by-track
        # hint) does not need to prove; see docs/benchmarks.md, "Solver parameters". One
        # interleaved worker gains from the full presolve (westside-iop, 60 s, seed 0:
        # OPTIMAL 42 in 46 s with it, FEASIBLE 39 of bound 42 with one light pass).
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0
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
    weights: Mapping[str, int] | None = None,
    previous: Schedule | None = None,
) -> Result:
    """Solve one week: the schedule that serves the most clients, then best on secondary goals.

    ``time_limit`` is in seconds for the whole call. ``workers`` defaults to
    :func:`default_workers`; ``workers=1`` with a fixed ``seed`` gives the same schedule on
    every run (the search is interleaved on one thread and stopped by a deterministic limit).
    ``progress`` receives each improving solution. With ``handle_signals`` (the CLI), SIGINT
    and SIGTERM stop the search and the best schedule so far is returned with
    ``interrupted=True`` and status FEASIBLE. ``warm_start`` seeds the search with the
    hand-style schedule bettered track by track. ``prove_with_cores`` spends the last part
    of the time limit, when the search has not proven its schedule optimal, on a
    disjoint-core upper bound.
    ``weights`` overrides the scenario's secondary weights by name (ScenarioError for an
    unknown name). ``previous`` is last week's schedule (:func:`read_schedule`): continuing
    clients keep their days and blocks unless that blocks serving someone (the ``changes``
    term), the search starts from it, and ``Result.changes`` lists what changed.
    """
    started = time.perf_counter()
    workers = workers or default_workers()
    scenario = with_weights(scenario, weights)
    last_week = match_previous(scenario, previous) if previous is not None else None
    candidates = build_candidates(scenario)
    if (
        warm_start
        and not scenario.pins
        and last_week is None
        and estimated_variables(candidates) * BUILD_SECONDS_PER_VARIABLE > BUILD_SHARE * time_limit
    ):
        return _large_week_result(
            scenario, candidates, started, time_limit, workers, seed, handle_signals
        )
    iop = IOPModel(candidates, previous=last_week.attendance if last_week else None)
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
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

    warm_schedule: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    kept: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None  # last week kept
    with _SignalStop(handle_signals, time_limit, started, deterministic=workers == 1) as stopper:
        if last_week is not None:  # start from last week, new clients fitted around it
            warm_schedule = schedule_keeping(
                scenario,
                last_week.attendance,
                min(10.0, WARM_START_SHARE * time_limit),
                seed,
                workers,
                run=stopper.run,
            )
            kept = warm_schedule if warm_schedule[0] else None
            seed_rows = warm_schedule if warm_schedule[0] else last_week.hint_rows()
            add_schedule_hint(iop, *seed_rows)
        if warm_start and not warm_schedule[0]:
            # A hand-style schedule first (instant, valid), bettered one track at a time
            # when it leaves someone out (each track alone is a small model).
            # (improve_by_track returns at once when no track leaves anyone out.)
            by_hand = solve_greedy(scenario)
            warm_schedule = improve_by_track(
                scenario,
                by_hand.assignments,
                by_hand.sessions,
                min(10.0, WARM_START_SHARE * time_limit),
                seed,
                workers,
                run=stopper.run,
                deterministic_share=DETERMINISTIC_SHARE,
                candidates=candidates,
                stopped=lambda: stopper.stopped,
            )
            add_schedule_hint(iop, *warm_schedule)
        if EXPERIMENT.cuts:
            parameters["capacity_cuts"] = add_capacity_cuts(iop)
        dominance_constraints: list[int] = []
        if EXPERIMENT.dominance and not scenario.pins and last_week is None:
            pairs = dominance_pairs(candidates)
            dominance_constraints = add_dominance(iop, pairs)
            parameters["dominance_pairs"] = len(pairs)
            if warm_schedule[0]:
                warm_schedule = (respect_dominance(warm_schedule[0], pairs), warm_schedule[1])
                iop.model.clear_hints()
                add_schedule_hint(iop, *warm_schedule)
        if EXPERIMENT.relax and not scenario.pins and last_week is None:
            warm_schedule = _relaxation_stage(
                iop, candidates, warm_schedule, stopper, workers, seed, log_search, parameters
            )
            if EXPERIMENT.dominance and warm_schedule[0]:
                warm_schedule = (respect_dominance(warm_schedule[0], pairs), warm_schedule[1])
            iop.model.clear_hints()
            add_schedule_hint(iop, *warm_schedule)
        iop.model.maximize(iop.primary)
        if warm_schedule[0]:
            log.info(
                "searching the whole week from a schedule serving %d of %d clients",
                len({row["client_id"] for row in warm_schedule[0]}),
                len(scenario.clients),
            )
        remaining = stopper.seconds_left()
        prove_with_cores = prove_with_cores and EXPERIMENT.core_bound
        core_share = CORE_SHARE if EXPERIMENT.core_share is None else EXPERIMENT.core_share
        search_time = remaining * (1 - core_share) if prove_with_cores else remaining
        if last_week is not None:  # keep time to hold continuing clients in place (phase 2)
            search_time = remaining * (1 - CONTINUITY_SHARE)
        solver = _solver(search_time, workers, seed, log_search)
        if len(iop.model.proto.variables) < EXPERIMENT.full_presolve_below:
            solver.parameters.max_presolve_iterations = 3
            solver.parameters.cp_model_probing_level = 2
        for key, value in EXPERIMENT.phase1_params.items():
            setattr(solver.parameters, key, value)
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
        remaining = stopper.seconds_left()
        if (
            prove_with_cores
            and status == SolveStatus.FEASIBLE
            and objective is not None
            and best_bound is not None
            and objective < best_bound
            and remaining > 0.5
            and not stopper.stopped
            and last_week is None
        ):
            cores = core_upper_bound(candidates, remaining, seed, run=stopper.run)
            best_bound = min(best_bound, cores.upper_bound)
            if objective >= best_bound:
                status = SolveStatus.OPTIMAL
            parameters["cores"] = len(cores.cores)
        remaining = stopper.seconds_left()
        if status == SolveStatus.OPTIMAL and workers == 1:
            parameters["proof_units"] = round(stopper.deterministic_time, 3)
        # With last week's schedule, phase 2 also runs from an unproven phase 1 (keeping at
        # least as many clients): continuity is the point of such a run.
        if (
            (status == SolveStatus.OPTIMAL or (last_week is not None and objective is not None))
            and objective is not None
            and remaining > 0.05
            and not stopper.stopped
        ):
            remove_constraints(iop, dominance_constraints)
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
                start_from=kept  # it knows no pins: only without them
                if kept and not scenario.pins and _served(scenario, kept[0]) >= objective
                else None,
            )
            parameters["secondary_optimised"] = second is not None
            if second is not None:
                final = second
                objective = round(second.value(iop.primary))  # never below phase 1's
                if best_bound is not None and objective >= best_bound:
                    status = SolveStatus.OPTIMAL
        interrupted = stopper.stopped
        if workers == 1:
            parameters["deterministic_units"] = round(stopper.deterministic_time, 3)
            parameters["reproducible"] = not (stopper.wall_clock_stopped or interrupted)
    if interrupted and status == SolveStatus.OPTIMAL:
        status = SolveStatus.FEASIBLE  # the run as a whole did not finish (SPEC §6, exit 130)

    assignments: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    if objective is not None:
        assignments, sessions = extract_schedule(iop, final)
    if (
        objective is not None
        and not scenario.pins
        and warm_schedule[0]
        and _served(scenario, warm_schedule[0]) > objective
    ):
        # The search ran out of time before even reaching its hint (a very large week).
        assignments, sessions = _sorted_schedule(*warm_schedule)
        objective = _served(scenario, assignments)
        status = SolveStatus.FEASIBLE
        parameters["secondary_optimised"] = False
    elif objective is None and warm_schedule[0] and not scenario.pins:
        # Stopped (or out of time) before the search found a schedule: the warm start's is
        # valid (it knows no pins, hence not with pins), so it is the best found so far.
        assignments, sessions = _sorted_schedule(*warm_schedule)
        objective = _served(scenario, assignments)
        best_bound = _reachable(scenario, candidates)
        status = SolveStatus.FEASIBLE
    return _make_result(
        scenario, candidates, status, objective, best_bound, assignments, sessions,
        started, build_seconds, interrupted, parameters, last_week,
    )


def _relaxation_stage(
    iop: IOPModel,
    candidates: Candidates,
    warm_schedule: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    stopper: _SignalStop,
    workers: int,
    seed: int,
    log_search: bool,
    parameters: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Relaxations first (group types merged; without rooms, then with them): their best
    bound is added to ``iop`` (``primary <= bound``), and the real week restricted to each
    one's attendance gives a schedule; the best of those and ``warm_schedule`` is returned."""
    scenario = candidates.scenario
    best = warm_schedule
    served = _served(scenario, best[0]) if best[0] else 0
    bound: int | None = None
    levels = [False, True] if scenario.rooms is not None and EXPERIMENT.relax_rooms else [False]
    for position, rooms in enumerate(levels):
        merged = merge_group_types(candidates, rooms=rooms)
        if merged is None or stopper.seconds_left() < 0.5:
            break
        share = EXPERIMENT.relax_share / (len(levels) - position)
        budget = share * stopper.seconds_left()
        relaxed = solve_merged(
            merged,
            _solver(budget, workers, seed, log_search),
            stopper.run,
            best,
            cuts=EXPERIMENT.relax_cuts,
        )
        if relaxed.upper_bound is None:
            continue
        bound = relaxed.upper_bound if bound is None else min(bound, relaxed.upper_bound)
        log.info(
            "merged-types relaxation%s: bound %d%s, its schedule serves %s (best so far %d)",
            " with rooms" if rooms else " without rooms",
            relaxed.upper_bound,
            " (proven)" if relaxed.proven else "",
            relaxed.objective,
            served,
        )
        if relaxed.objective is not None and relaxed.objective > served:
            restricted = IOPModel(candidates)
            restrict_attendance(restricted, relaxed)
            restricted.model.maximize(restricted.primary)
            budget = EXPERIMENT.repair_share * stopper.seconds_left()
            solver = _solver(budget, workers, seed, log_search)
            if stopper.run(solver, restricted.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                rows = extract_schedule(restricted, solver)
                log.info(
                    "the real week on that attendance serves %d", _served(scenario, rows[0])
                )
                if _served(scenario, rows[0]) > served:
                    best, served = rows, _served(scenario, rows[0])
        if served >= bound:
            break
    parameters["relaxed_bound"] = bound
    if bound is not None:
        iop.model.add(iop.primary <= bound)
    return best


def _make_result(
    scenario: Scenario,
    candidates: Candidates,
    status: SolveStatus,
    objective: int | None,
    best_bound: int | None,
    assignments: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    started: float,
    build_seconds: float,
    interrupted: bool,
    parameters: dict[str, Any],
    last_week: Any,
) -> Result:
    """The Result of a solve from its schedule rows (reasons and terms recomputed)."""
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
        secondary=secondary_terms(
            scenario, assignments_df, sessions_df, last_week.attendance if last_week else None
        )
        if objective is not None
        else {},
        changes=changes_table(scenario, assignments_df, last_week)
        if last_week is not None and objective is not None
        else None,
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


def _large_week_result(
    scenario: Scenario,
    candidates: Candidates,
    started: float,
    time_limit: float,
    workers: int,
    seed: int,
    handle_signals: bool,
) -> Result:
    """Weeks whose whole model would not even be built within the time limit (about 1,000
    clients): the hand-style schedule, then bettered track by track in the time left
    (:func:`improve_by_track`), each track's model being small."""
    log.info(
        "the model of this week would take longer to build than the time limit allows: "
        "starting from the hand-style schedule and improving it one track at a time"
    )
    by_hand = solve_greedy(scenario)
    with _SignalStop(handle_signals, time_limit, started, deterministic=workers == 1) as stopper:
        assignments, sessions = improve_by_track(
            scenario,
            by_hand.assignments,
            by_hand.sessions,
            LARGE_WEEK_SHARE * stopper.seconds_left(),
            seed,
            workers,
            run=stopper.run,
            deterministic_share=DETERMINISTIC_SHARE,
            candidates=candidates,
            pairs=True,
            stopped=lambda: stopper.stopped,
        )
    assignments, sessions = _sorted_schedule(assignments, sessions)
    objective = _served(scenario, assignments)
    best_bound = _reachable(scenario, candidates)
    status = SolveStatus.OPTIMAL if objective >= best_bound else SolveStatus.FEASIBLE
    if stopper.stopped:
        status = SolveStatus.FEASIBLE
    parameters: dict[str, Any] = {
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "warm_start": True,
        "method": "hand-made, improved track by track (week too large for one model)",
    }
    if workers == 1:
        parameters["deterministic_units"] = round(stopper.deterministic_time, 3)
        parameters["reproducible"] = not (stopper.wall_clock_stopped or stopper.stopped)
    return _make_result(
        scenario, candidates, status, objective, best_bound, assignments, sessions,
        started, 0.0, stopper.stopped, parameters, None,
    )


def _sorted_schedule(
    assignments: list[dict[str, Any]], sessions: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows in the order :func:`extract_schedule` gives them (day, start, block, session)."""

    def order(row: dict[str, Any]) -> tuple[Any, ...]:
        return (day_index(row["day"]), row["start"], row["block"], row["session_id"])

    return (
        sorted(assignments, key=lambda row: (row["client_id"], *order(row))),
        sorted(sessions, key=order),
    )


def secondary_terms(
    scenario: Scenario,
    assignments: pd.DataFrame,
    sessions: pd.DataFrame,
    previous: PreviousAttendance | None = None,
) -> dict[str, int]:
    """The secondary penalties (SPEC §4) of a schedule, recomputed from its rows.

    Every term of :mod:`optimizer.terms` (``changes`` only when ``previous``, last week's
    attendance of continuing clients, is given).
    """
    values = terms.secondary_terms(scenario, assignments, sessions, previous)
    if previous is None:
        values.pop("changes")
    return values


def _complete_hint(
    model: cp_model.CpModel,
    time_limit: float,
    seed: int,
    run: Callable[[cp_model.CpSolver, cp_model.CpModel], int],
) -> None:
    """Extend a hint of the schedule variables to the secondary terms' auxiliaries.

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
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.max_deterministic_time = max(0.01, DETERMINISTIC_SHARE * time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    if run(solver, fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    model.clear_hints()
    for index in range(len(model.proto.variables)):
        model.add_hint(
            model.get_int_var_from_proto_index(index),
            solver.value(fixed.get_int_var_from_proto_index(index)),
        )


def _served(scenario: Scenario, assignments: list[dict[str, Any]]) -> int:
    """Priority-weighted clients served by schedule rows."""
    priority = {c.client_id: c.priority for c in scenario.clients}
    return sum(priority[cid] for cid in {row["client_id"] for row in assignments})


def _reachable(scenario: Scenario, candidates: Candidates) -> int:
    """Priority-weighted clients who can attend at all: the trivial upper bound."""
    return sum(c.priority for c in scenario.clients if candidates.attendable[c.client_id])


def with_weights(scenario: Scenario, weights: Mapping[str, int] | None) -> Scenario:
    """The scenario with some secondary weights replaced by name (validated)."""
    if not weights:
        return scenario
    known = list(Weights.model_fields)
    issues = [
        Issue(f"weight '{name}'", f"unknown objective term{did_you_mean(name, known)}",
              f"use one of: {', '.join(known)}")
        for name in weights
        if name not in known
    ]  # fmt: skip
    if issues:
        raise ScenarioError(issues)
    try:
        merged = Weights(**{**scenario.weights.model_dump(), **weights})
    except ValidationError as exc:
        raise ScenarioError(
            issues_from_validation_error(exc, lambda p: f"weight {p[-1]}")
        ) from None
    return scenario.model_copy(update={"weights": merged})


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
    start_from: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
) -> cp_model.CpSolver | None:
    """Phase 2: keep the proven primary optimum, minimise the weighted secondary penalty.

    The search starts from phase 1's solution, or from ``start_from`` (schedule rows that
    serve at least as much, e.g. last week kept).
    """
    model = iop.model
    solved_vars = len(model.proto.variables)
    iop.add_secondary_terms()
    model.clear_hints()
    if start_from is not None:
        add_schedule_hint(iop, *start_from)
    else:
        for var_idx in range(solved_vars):
            var = model.get_int_var_from_proto_index(var_idx)
            model.add_hint(var, first.value(var))
    model.add(iop.primary >= objective)
    model.minimize(iop.secondary)
    _complete_hint(model, min(2.0, 0.2 * remaining), seed, stopper.run)
    remaining = stopper.seconds_left()
    solver = _solver(remaining, workers, seed, log_search)
    callback = _ProgressCallback(progress, 2, started) if progress else None
    cp_status = stopper.run(solver, model, callback)
    if cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver
    return None
