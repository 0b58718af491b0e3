"""The linear-programming bound of an over-subscribed week, solved beside phase 1.

On many over-subscribed weeks CP-SAT's own LP does not reach its optimum within the time
limit (the 200-client over-subscribed week: bound 220 after 60 s, 209 after 300 s; 90-client
weeks in odd block shapes: 79-102 after 30 s), while the same relaxation solved once by an
interior-point method is 177 (44-84 on those weeks, in seconds). :class:`LinearBound` hands the
whole model's linear relaxation to HiGHS in a background thread (the solver releases the
GIL, so phase 1 goes on meanwhile) and, when it finishes, turns its dual solution into an
upper bound on the primary objective.

Why the bound is valid whatever the solver's tolerances: for *any* row multipliers ``y``
the Lagrangian ``y.r + sum_j min over [lb_j, ub_j] of (c - A'y)_j x_j`` is at most the LP's
optimum (every variable of the model is bounded), hence at most the integer optimum. The
bound is that sum computed here from HiGHS's duals, not the solver's reported objective, so
an inexact or early dual only makes it weaker, never wrong. Constraints with enforcement
literals are left out of the relaxation (a relaxation of a relaxation: still a bound).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from ..model.cpmodel import IOPModel
from .params import SearchParams

if TYPE_CHECKING:
    import highspy

log = logging.getLogger(__name__)

INF = math.inf
"""HiGHS's infinity (``highspy.kHighsInf`` is the float infinity)."""

_HUGE = 1e12
"""A variable bound beyond this counts as unbounded (no model variable comes near)."""


class LinearRelaxation:
    """The rows of a CP-SAT model without enforcement literals, as an LP for HiGHS
    (``minimize -primary``: the priority of each client's ``scheduled`` variable)."""

    def __init__(self, iop: IOPModel) -> None:
        proto = iop.model.proto
        bounds = np.array([(v.domain[0], v.domain[len(v.domain) - 1]) for v in proto.variables])
        self.lower, self.upper = bounds[:, 0].astype(float), bounds[:, 1].astype(float)
        self.cost = np.zeros(len(self.lower))
        for client in iop.scenario.clients:
            self.cost[iop.scheduled_vars[client.client_id].index] -= client.priority
        starts, index, value, row_lower, row_upper = [0], [], [], [], []

        def row(literals: list[int], lo: float, hi: float, coeffs: list[int] | None = None) -> None:
            # a negative literal -k-1 stands for 1 - x_k: its 1 moves to the row's sides
            for i, ref in enumerate(literals):
                coeff = 1 if coeffs is None else coeffs[i]
                if ref < 0:
                    index.append(-ref - 1)
                    value.append(-coeff)
                    lo, hi = lo - coeff, hi - coeff
                else:
                    index.append(ref)
                    value.append(coeff)
            starts.append(len(index))
            row_lower.append(lo)
            row_upper.append(hi)

        for ct in proto.constraints:
            if len(ct.enforcement_literal):
                continue
            if ct.has_linear():
                domain = list(ct.linear.domain)
                lo = domain[0] if domain[0] > -_HUGE else -INF
                hi = domain[-1] if domain[-1] < _HUGE else INF
                row(list(ct.linear.vars), lo, hi, list(ct.linear.coeffs))
            elif ct.has_bool_or():
                row(list(ct.bool_or.literals), 1, INF)
            elif ct.has_at_most_one():
                row(list(ct.at_most_one.literals), -INF, 1)
            elif ct.has_exactly_one():
                row(list(ct.exactly_one.literals), 1, 1)
            elif ct.has_bool_and():
                for ref in ct.bool_and.literals:
                    row([ref], 1, 1)
            # any other constraint is left out: the LP stays a relaxation
        self.starts = np.array(starts, dtype=np.int32)
        self.index = np.array(index, dtype=np.int32)
        self.value = np.array(value, dtype=float)
        self.row_lower = np.array(row_lower, dtype=float)
        self.row_upper = np.array(row_upper, dtype=float)

    def highs_lp(self) -> highspy.HighsLp:
        import highspy  # on first use: a solve that needs no LP bound never loads HiGHS

        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.row_lower)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cost, self.lower, self.upper
        lp.row_lower_, lp.row_upper_ = self.row_lower, self.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = self.starts, self.index
        lp.a_matrix_.value_ = self.value
        lp.sense_ = highspy.ObjSense.kMinimize
        return lp

    def upper_bound(self, row_duals: np.ndarray) -> int | None:
        """The primary objective's upper bound that the multipliers ``row_duals`` prove
        (the Lagrangian of the module docstring, rounded down); None when they prove none
        (a multiplier on a side that is infinite is taken as 0)."""
        y = np.array(row_duals, dtype=float)
        y[~np.isfinite(y)] = 0.0
        y[(y > 0) & ~np.isfinite(self.row_lower)] = 0.0
        y[(y < 0) & ~np.isfinite(self.row_upper)] = 0.0
        sides = np.where(y > 0, self.row_lower, self.row_upper)
        rows_part = float(np.dot(y[y != 0], sides[y != 0]))
        rows = np.repeat(np.arange(len(y)), np.diff(self.starts))
        reduced = self.cost.copy()
        np.subtract.at(reduced, self.index, self.value * y[rows])
        ends = np.where(reduced > 0, self.lower, self.upper)
        moving = reduced != 0
        if np.any(np.abs(ends[moving]) >= _HUGE):
            return None
        lowest = rows_part + float(np.dot(reduced[moving], ends[moving]))  # <= min of -primary
        return math.floor(-lowest + 1e-6) if math.isfinite(lowest) else None


class LinearBound:
    """The LP bound of ``iop``'s primary objective, solved by HiGHS (interior point, one
    thread) in a background thread for at most ``seconds``. Build it before the model
    changes again (its rows are read here, at once)."""

    def __init__(self, iop: IOPModel, seconds: float) -> None:
        started = time.perf_counter()
        self.relaxation = LinearRelaxation(iop)
        self.prepare_seconds = time.perf_counter() - started
        self.seconds: float | None = None
        """Seconds HiGHS took (None until it ends)."""
        self._bound: int | None = None
        self._primal: np.ndarray | None = None
        self._cancelled = threading.Event()
        import highspy
        from highspy import cb

        # highspy.Highs prints HiGHS's banner on stdout as it is made (its callbacks are
        # set while output is still on); the core class, output off first, prints nothing.
        self._highs = highspy._Highs()  # type: ignore[attr-defined]
        for option, value in (
            ("output_flag", False),
            ("solver", "ipm"),
            ("run_crossover", "off"),  # the duals of the interior point are enough
            ("threads", 1),
            ("time_limit", max(0.0, seconds)),
        ):
            self._highs.setOptionValue(option, value)
        self._highs.setCallback(self._interrupt, None)
        self._highs.startCallback(cb.HighsCallbackType.kCallbackIpmInterrupt)
        self._highs.passModel(self.relaxation.highs_lp())
        self._thread = threading.Thread(target=self._run, name="lp-bound", daemon=True)
        self._thread.start()

    def _interrupt(
        self, _kind: object, _message: str, _out: object, data_in: object, _user: object
    ) -> None:
        """HiGHS's interrupt callback: stop once :meth:`cancel` was called."""
        if data_in is not None and self._cancelled.is_set():
            data_in.user_interrupt = True  # type: ignore[attr-defined]

    def _run(self) -> None:
        try:
            self._bound = self._solve()
        except Exception:  # an optional bound: the solve goes on without it
            log.exception("LP bound: HiGHS failed")

    def _solve(self) -> int | None:
        """Run HiGHS; the bound its duals prove (None when it did not end optimal)."""
        import highspy

        started = time.perf_counter()
        self._highs.run()
        self.seconds = time.perf_counter() - started
        status = self._highs.getModelStatus()
        solution = self._highs.getSolution()
        if status != highspy.HighsModelStatus.kOptimal or not solution.dual_valid:
            log.info("LP bound: none (%s after %.1fs)", status, self.seconds)
            return None
        bound = self.relaxation.upper_bound(np.asarray(solution.row_dual))
        log.info("LP bound: %s (HiGHS %.1fs)", bound, self.seconds)
        if solution.value_valid:
            self._primal = np.asarray(solution.col_value)
        return bound

    def result(self, wait: float = 0.0) -> int | None:
        """The bound once HiGHS has finished (waiting at most ``wait`` seconds), else None."""
        self._thread.join(max(0.0, wait))
        return None if self.running() else self._bound

    def running(self) -> bool:
        """Whether HiGHS is still at work."""
        return self._thread.is_alive()

    def primal(self) -> np.ndarray | None:
        """The LP's solution, one value per model variable (by index), once HiGHS has
        ended optimal; None before that or otherwise. Not waited for."""
        return None if self.running() else self._primal

    def cancel(self) -> None:
        """Stop HiGHS if it is still running (its thread then ends soon)."""
        self._cancelled.set()


def start_lp_bound(
    iop: IOPModel,
    params: SearchParams,
    workers: int,
    first_share: float | None,
    seconds: float,
    below: float | None = None,
) -> LinearBound | None:
    """A :class:`LinearBound` of ``iop`` started for ``seconds`` when the week is
    over-subscribed and not tiny: its first schedule serves ``first_share`` of the reachable
    priority, under ``params.lp_bound_below`` (None: there is no first schedule), its model has
    ``params.lp_bound_min_variables`` to ``params.lp_bound_max_variables`` variables and
    at least ``params.lp_bound_min_clients`` clients, and
    ``seconds`` are enough for it (``params.lp_bound_seconds_per_variable``); never with
    one worker (a reproducible solve's reported bound must not depend on the clock) nor
    with pins. None otherwise. ``below`` replaces ``params.lp_bound_below`` (the early
    start on the hand-style schedule: ``params.lp_bound_early_below``)."""
    variables = len(iop.model.proto.variables)
    if (
        workers == 1
        or iop.scenario.pins
        or first_share is None
        or first_share >= (params.lp_bound_below if below is None else below)
        or not params.lp_bound_min_variables <= variables <= params.lp_bound_max_variables
        or len(iop.scenario.clients) < params.lp_bound_min_clients
        or seconds < params.lp_bound_seconds_per_variable * variables
    ):
        return None
    try:
        return LinearBound(iop, seconds)
    except Exception:  # an optional bound (HiGHS missing or failing): solve without it
        log.exception("LP bound: not started")
        return None


def lp_bound_after(
    running: LinearBound | None,
    iop: IOPModel,
    params: SearchParams,
    workers: int,
    first_share: float | None,
    seconds: float,
) -> LinearBound | None:
    """The LP bound to run beside the search once the first schedule (serving
    ``first_share``) is known: one started early on the hand-style schedule is kept unless
    the first schedule serves ``params.lp_bound_below`` or more (then it is cancelled: the
    week is not over-subscribed after all); without one, :func:`start_lp_bound` decides."""
    if running is None:
        return start_lp_bound(iop, params, workers, first_share, seconds)
    if first_share is None or first_share >= params.lp_bound_below:
        running.cancel()
        return None
    return running
