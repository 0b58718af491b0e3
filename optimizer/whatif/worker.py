"""Solving one variant: what runs in a worker process (plain data in, plain data out).

Both executors (:mod:`optimizer.whatif.executors`) run :func:`solve_variant` on a
:class:`VariantTask`, which holds the resolved scenario as plain data so that it pickles
cleanly to another process or machine; the calling process writes the folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..result import Result
from ..scenario import Scenario
from ..solve import solve
from ..windows import parse_time


@dataclass(frozen=True)
class VariantTask:
    """Everything a worker needs to solve one variant; pickles cleanly.

    ``time_limit`` is in seconds; ``workers`` CP-SAT search workers.
    """

    name: str
    scenario_data: dict[str, Any]
    time_limit: float
    workers: int
    seed: int


@dataclass
class VariantOutcome:
    """A worker's answer: the comparison row and, when solved, the result tables."""

    row: dict[str, Any]
    result: Result | None = None
    """The :class:`~optimizer.result.Result` (or ``None`` when no schedule was found)."""


def solve_variant(task: VariantTask) -> VariantOutcome:
    """Solve one resolved variant; never raises for a solver outcome (the row says why)."""
    scenario = Scenario.from_data(task.scenario_data)
    result = solve(scenario, time_limit=task.time_limit, workers=task.workers, seed=task.seed)
    row = result_row(task.name, result)
    return VariantOutcome(row=row, result=result if result.has_schedule else None)


def result_row(name: str, result: Result) -> dict[str, Any]:
    """The comparison row of a solved variant (delta_scheduled is filled in later).

    ``therapist_hours`` is the sum of session durations in hours (one therapist a session);
    ``solve_seconds`` the wall time of the solve in the worker, from its start (not from
    the submission of the task); ``time_limit`` (seconds) and ``workers`` as solved.
    """
    minutes = sum(
        parse_time(end) - parse_time(start)
        for start, end in zip(result.sessions["start"], result.sessions["end"], strict=True)
    )
    error = ""
    if not result.has_schedule:
        limit = result.parameters.get("time_limit")
        error = f"{result.status.value}: no schedule found within the time limit ({limit} s)"
    return {
        "variant": name,
        "status": result.status.value,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "scheduled_clients": result.scheduled_clients if result.has_schedule else None,
        "unscheduled_clients": result.unscheduled_clients if result.has_schedule else None,
        "sessions": len(result.sessions) if result.has_schedule else None,
        "therapist_hours": round(minutes / 60, 2) if result.has_schedule else None,
        "solve_seconds": round(result.solve_seconds, 2),
        "time_limit": result.parameters.get("time_limit"),
        "workers": result.parameters.get("workers"),
        "clients": len(result.scenario.clients),
        "error": error,
    }
