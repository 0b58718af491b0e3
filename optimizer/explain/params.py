"""Every tuning number of :func:`~optimizer.explain.explain` and its one CP-SAT solver.

Times are seconds of wall-clock time; shares are fractions of ``explain``'s ``time_limit``
unless said otherwise. The defaults are what the tests and the examples were tuned with.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

DEFAULT_EXPLAIN_TIME = 15.0
"""Seconds for the dynamic causes and the suggestions together (one worker)."""
DEFAULT_SOLVE_TIME = 20.0
"""Seconds to solve a schedule first when ``explain`` is given none."""


@dataclass(frozen=True)
class ExplainParams:
    """How ``explain`` spends its time, and how many suggestions it builds."""

    core_share: float = 0.3
    """Share of the time for the first core (the client forced in, every group enforced)."""
    shrink_share: float = 0.2
    """Share of the time for shrinking the core; the rest verifies suggestions."""
    shrink_at_least: float = 0.5
    """Seconds shrinking gets even when the first core used up its share."""
    check_time: float = 3.0
    """Seconds at most for one feasibility check (and at least for one suggestion's)."""
    quick_share: float = 0.15
    """Share of the time for the first insertion check (at most ``check_time``)."""
    whole_week_clients: int = 50
    """Up to this many clients the first core is asked of the whole week, beyond it of the
    client's track alone (the other tracks' sessions reserved)."""
    retry_at_least: float = 1.0
    """Seconds that must be left to try the other core model after an undecided first."""
    shrink_check_time: float = 0.5
    """Seconds at most for one deletion check while shrinking a core (and for the quick
    look that tells how much of one relaxed group a suggestion needs)."""
    shrink_stop: float = 0.05
    """Seconds left under which shrinking stops (the core is then not proven minimal)."""
    track_share: float = 0.4
    """Share of one ``fits`` check for the smallest neighbourhood (only the client's track
    moves)."""
    days_share: float = 0.5
    """Share of what is left of a ``fits`` check for the middle neighbourhood (the track
    moves within its days and blocks); the last one (everyone moves) gets the rest."""
    fits_stop: float = 0.02
    """Seconds left under which ``fits`` tries no further neighbourhood."""
    max_suggestions: int = 8
    """Suggestions verified (each one a model build and a solve) at most."""
    verify_share: float = 0.8
    """Share of the time left that is spread over the suggestions still to verify."""
    verify_solve_share: float = 2 / 3
    """Share of one suggestion's time for solving; the rest goes to building models."""
    suggestion_stop: float = 0.2
    """Seconds left under which no further suggestion is read from a core or verified."""
    days_to_open: int = 3
    """Days lost to the client's windows for which a window change is suggested."""
    primary_blocks: int = 3
    """(day, block) pairs the primary therapist is suggested to work."""
    alternatives: int = 2
    """Alternatives of one kind suggested: plans, tracks, therapists, and (day, block)
    pairs per therapist."""
    per_core_kind: int = 2
    """Groups of one kind of a core turned into suggestions."""
    min_solve_time: float = 0.05
    """Seconds at least that one solve is given (CP-SAT needs a positive limit)."""
    linearization_level: int = 2
    """CP-SAT's linearization: level 2 adds the "a joined client needs a running group, a
    group needs a therapist" cuts that let the LP see a staffing shortage (e.g. three
    tracks, two therapists); without them a proof of infeasibility takes minutes instead of
    seconds."""


DEFAULT_PARAMS = ExplainParams()


def feasibility_solver(
    time_limit: float, params: ExplainParams = DEFAULT_PARAMS, presolve: bool = True
) -> cp_model.CpSolver:
    """The one CP-SAT solver of ``explain``: one worker, seed 0, ``time_limit`` seconds.

    ``presolve=False`` for hinted checks: presolve loses the schedule's hint on these
    models; without it a hinted check starts from the schedule and repairs it, often in a
    fraction of a second.
    """
    solver = cp_model.CpSolver()
    solver.parameters.cp_model_presolve = presolve
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(params.min_solve_time, time_limit)
    solver.parameters.random_seed = 0
    solver.parameters.catch_sigint_signal = False
    solver.parameters.linearization_level = params.linearization_level
    return solver
