"""The search's time keeper and stop button: every CP-SAT run of a solve goes through it.

:class:`SearchControl` keeps the time budget of a whole solve across its stages, counts it in
deterministic units when the run must be reproducible (one worker), and turns a
:class:`StopToken` (set from another thread, or by SIGINT/SIGTERM) into CP-SAT's
``stop_search`` so that the best schedule so far is kept.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from ..result import Progress
from .params import SearchParams
from .solver import SMALLEST_LIMIT

log = logging.getLogger(__name__)


POLL_SECONDS = 0.05
"""How often a stoppable run looks at its stop token (the delay before a stop is obeyed)."""


class StopToken:
    """Stops a running :func:`~optimizer.solve` from another thread: ``token.stop()``.

    Pass it as ``solve(..., stop=token)``; from then on any thread (a web request, a button's
    handler) may call :meth:`stop`. The search stops within about ``POLL_SECONDS`` (every
    stage: the hand-style schedule, the track search, both phases, the core bound) and
    ``solve`` returns the best schedule so far with ``interrupted=True`` and status
    FEASIBLE, as after Ctrl-C. Building the model is not interrupted. A token stays
    stopped (it is not reused); it is thread-safe.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def stop(self) -> None:
        """Ask the solve to stop (from any thread; more calls change nothing)."""
        self._event.set()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._event.is_set()


class SearchControl:
    """The budget of one solve and its stop button (a context manager).

    With ``deterministic`` (one worker), time is counted in deterministic units
    (``params.deterministic_units_per_second`` per second of ``time_limit``): every stage's
    limit and every "is there time left" decision then comes out the same on every run,
    and the wall clock only caps the whole call at ``params.wall_safety_factor`` times the
    time limit, as a safety net. ``stop`` (a :class:`StopToken`) stops the running search
    and every later one when another thread sets it; with ``handle_signals`` (in the main
    thread only), SIGINT and SIGTERM set it.
    """

    def __init__(
        self,
        params: SearchParams,
        time_limit: float = math.inf,
        *,
        deterministic: bool = False,
        handle_signals: bool = False,
        started: float | None = None,
        stop: StopToken | None = None,
    ) -> None:
        self.params = params
        self.time_limit = time_limit
        """Seconds for the whole solve."""
        self.deterministic = deterministic
        self.enabled = handle_signals and threading.current_thread() is threading.main_thread()
        self.started = time.perf_counter() if started is None else started
        self.token = stop or StopToken()
        """Set by another thread or by a signal: the search stops."""
        self._stoppable = self.enabled or stop is not None
        self.deterministic_time = 0.0
        """Deterministic units used by the runs so far."""
        self.wall_clock_stopped = False
        """True when a run was stopped by the wall clock: not reproducible then."""
        self._previous: dict[int, Any] = {}

    @property
    def stopped(self) -> bool:
        """True once the stop token was set (by another thread or a signal)."""
        return self.token.stopped

    def elapsed(self) -> float:
        """Wall-clock seconds since the solve started."""
        return time.perf_counter() - self.started

    def wall_left(self) -> float:
        """Seconds left on the wall clock: of the time limit, or of the safety net."""
        factor = self.params.wall_safety_factor if self.deterministic else 1.0
        return self.time_limit * factor - self.elapsed()

    def seconds_left(self) -> float:
        """Seconds left for the next stages: deterministic ones when ``deterministic``."""
        if self.deterministic:
            return (
                self.time_limit
                - self.deterministic_time / self.params.deterministic_units_per_second
            )
        return self.wall_left()

    def used_seconds(self) -> float:
        """Seconds the solve has used so far: deterministic ones when ``deterministic``
        (the CP-SAT runs' units, in seconds of time limit), else wall-clock ones."""
        if self.deterministic:
            return self.deterministic_time / self.params.deterministic_units_per_second
        return self.elapsed()

    def __enter__(self) -> SearchControl:
        if self.enabled:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: object) -> None:
        log.info("signal %s received: stopping the search", signum)
        self.token.stop()

    def run(
        self,
        solver: cp_model.CpSolver,
        model: cp_model.CpModel,
        callback: ProgressCallback | None = None,
    ) -> int:
        """Solve within the budget, stoppable by the stop token; once it is set, UNKNOWN at
        once. An exception raised by the caller's ``progress`` function (in ``callback``)
        stops the search and is raised here, as it was raised."""
        if self.stopped:
            return int(cp_model.UNKNOWN)
        if self.deterministic:
            p = solver.parameters
            units = self.params.deterministic_units_per_second * self.seconds_left()
            p.max_deterministic_time = max(SMALLEST_LIMIT, min(p.max_deterministic_time, units))
            p.max_time_in_seconds = max(SMALLEST_LIMIT, self.wall_left())  # the safety net only
        if self._stoppable:
            status = self._run_stoppable(solver, model, callback)
        else:
            status = int(solver.solve(model, callback))
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
        if callback is not None and callback.error is not None:
            raise callback.error
        return status

    def _run_stoppable(
        self, solver: cp_model.CpSolver, model: cp_model.CpModel, callback: Any
    ) -> int:
        """Solve in a worker thread while this one watches the stop token (and, in the main
        thread, lets Python run the signal handler)."""
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
            worker.join(POLL_SECONDS)  # short waits let Python run the signal handler
            if self.stopped:  # again and again: a stop may come before the search has begun
                solver.stop_search()
        if failure:
            raise failure[0]
        return outcome[0]

    def reproducibility(self) -> dict[str, Any]:
        """For ``Result.parameters`` of a one-worker run: deterministic units used and
        whether the run is reproducible (not stopped by the wall clock or a signal)."""
        return {
            "deterministic_units": round(self.deterministic_time, 3),
            "reproducible": not (self.wall_clock_stopped or self.stopped),
        }


class ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution of a phase as a :class:`Progress` to the caller's
    ``report`` function (None: to nobody).

    When ``report`` raises, the search stops and :meth:`SearchControl.run` raises that
    exception (``error``) once CP-SAT has returned: the caller's own error, not a failure
    of the solver."""

    def __init__(
        self, report: Callable[[Progress], None] | None, phase: int, started: float
    ) -> None:
        super().__init__()
        self._report = report
        self._phase = phase
        self._started = started
        self.error: BaseException | None = None
        """What ``report`` raised (the search stopped then)."""

    def on_solution_callback(self) -> None:
        self.emit(self.objective_value)

    def emit(self, objective: float, bound: float | None = None) -> None:
        """Report one improvement, with ``bound`` (default: the solver's bound on its
        objective); nothing more once ``report`` has failed."""
        if self._report is None or self.error is not None:
            return
        try:
            self._report(
                Progress(
                    elapsed_seconds=time.perf_counter() - self._started,
                    objective=objective,
                    best_bound=self.best_objective_bound if bound is None else bound,
                    phase=self._phase,
                )
            )
        except BaseException as exc:  # the caller's: raised again by SearchControl.run
            self.error = exc
            self.stop_search()
