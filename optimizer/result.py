"""What a solve returns: :class:`SolveStatus`, :class:`Progress` and :class:`Result`.

``status``, ``objective`` and ``best_bound`` always describe phase 1, the primary objective
(SPEC §4: the priority-weighted number of scheduled clients).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from .compliance import compliance_counts
from .io.write import write_result
from .report import ReportOptions
from .scenario import Scenario
from .schedule import gap_percent, served
from .terms import TERM_UNITS
from .timezones import program_timezone
from .version import __version__


class SolveStatus(StrEnum):
    """Status of the primary objective (SPEC §5), plus the library-only error states."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    INVALID_INPUT = "INVALID_INPUT"
    """The scenario could not be read or validated (batch rows, never a written folder)."""


class ModelInvalidError(RuntimeError):
    """CP-SAT rejected the model: a bug in this package, never the user's input."""


_CP_STATUS: dict[cp_model.CpSolverStatus, SolveStatus] = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}
"""Every CP-SAT status but MODEL_INVALID, which is a bug of this package (an exception)."""


def solve_status(cp_status: int, model: cp_model.CpModel) -> SolveStatus:
    """The :class:`SolveStatus` of a CP-SAT status, each mapped explicitly; MODEL_INVALID
    raises :class:`ModelInvalidError` with CP-SAT's reason (a bug, never a status)."""
    status = cp_model.CpSolverStatus(cp_status)
    if status == cp_model.MODEL_INVALID:
        raise ModelInvalidError(model.validate())
    return _CP_STATUS[status]


def has_solution(cp_status: int) -> bool:
    """True when a CP-SAT run ended with a solution (OPTIMAL or FEASIBLE)."""
    return cp_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@dataclass(frozen=True)
class Progress:
    """One improvement seen during the search (for live progress displays).

    ``elapsed_seconds`` since the solve started; ``phase`` 1 (clients served) or 2
    (secondary penalty); ``objective`` and ``best_bound`` of that phase.
    """

    elapsed_seconds: float
    objective: float
    best_bound: float
    phase: int


@dataclass(frozen=True)
class SecondarySearch:
    """Where phase 2 (the secondary terms, SPEC §4) ended: ``summary.json``
    ``secondary_search``.

    ``status`` is ``OPTIMAL`` (no schedule serving as many has a lower weighted secondary
    penalty), ``FEASIBLE`` (unproven) or ``NOT_RUN`` (the primary objective was not proven
    in time, or the schedule returned is not phase 2's); ``objective`` is the weighted
    penalty of the schedule returned (the sum of ``objective_terms``' ``weighted``),
    ``bound`` the proven least penalty, ``stopped_by`` why phase 2 ended (``proven``,
    ``no-improvement``, ``time-limit``, ``interrupted``; None when it did not run).
    """

    status: str = "NOT_RUN"
    objective: int | None = None
    bound: int | None = None
    stopped_by: str | None = None

    @property
    def gap(self) -> float | None:
        """``(objective - bound) / objective`` as a fraction to four decimals: the measure
        of :func:`~optimizer.schedule.gap_percent`; 0 when proven, and when the penalty
        recomputed from the schedule is at or below the solver's bound; None without a
        bound."""
        if self.objective is not None and self.bound is not None and self.objective <= self.bound:
            return 0.0
        gap = gap_percent(self.objective, self.bound)
        return None if gap is None else round(gap / 100, 4)

    def to_dict(self) -> dict[str, Any]:
        """The ``summary.json`` form: status, objective, bound, gap and stopped_by."""
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "stopped_by": self.stopped_by,
        }


@dataclass
class Result:
    """The outcome of :func:`~optimizer.solve.solve`: status, objective, bound, timings (in
    seconds from the call's start) and the schedule as SPEC §5 tables."""

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
    proof_seconds: float | None = None
    """When the primary objective was proven optimal (None when it was not)."""
    goals: list[dict[str, Any]] | None = None
    """With another schedule to keep (``previous``): each goal of SPEC §7's order, in order,
    with its value (recomputed from the schedule), bound and status (summary.json
    ``goals``)."""
    secondary_search: SecondarySearch = field(default_factory=SecondarySearch)
    """Where phase 2 ended: its status, penalty, bound and why it stopped."""

    @property
    def has_schedule(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def scheduled_clients(self) -> int:
        return int(self.assignments["client_id"].nunique()) if len(self.assignments) else 0

    @property
    def unscheduled_clients(self) -> int:
        return len(self.unscheduled)

    def gap_percent(self) -> float | None:
        """How far the objective may be from the optimum, in percent of the bound (0 when
        proven, None without a schedule; see :func:`optimizer.schedule.gap_percent`)."""
        return gap_percent(self.objective, self.best_bound)

    def served_objective(self) -> int:
        """The primary objective recomputed from the schedule itself (sum of priorities)."""
        return served(self.scenario, self.assignments["client_id"])

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

    @property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (plain JSON data: ``json.dumps(result.summary)``
        works), computed afresh at each access."""
        zone = program_timezone(self.scenario)  # the scenario's, else this machine's
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
            "timezone": zone.name,
            "timezone_source": zone.source,
            "secondary": dict(self.secondary),
            "secondary_search": self.secondary_search.to_dict(),
            "weights": self.scenario.weights.model_dump(),
            "objective_terms": self.objective_terms(),
            "compliance": compliance_counts(self.scenario, self.assignments),
            "parameters": dict(self.parameters),
            "goals": [dict(goal) for goal in self.goals] if self.goals is not None else None,
            "versions": {
                "iop-optimizer": __version__,
                "ortools": version("ortools"),
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
        csv_bom: bool = False,
    ) -> Path:
        """Write the SPEC §5 folder (atomically: a failed write leaves no partial folder).

        Besides the CSVs and summary.json: ``report`` writes report.html, ``xlsx``
        schedule.xlsx, ``calendars`` calendars/<therapist_id>.ics (and, with
        ``client_calendars``, one per client). ``names`` shows client names in the page and
        the workbook (protected health information: only when explicitly asked for).
        ``csv_bom`` starts the CSVs with a UTF-8 byte-order mark for Excel on Windows.
        """
        options = ReportOptions(report, xlsx, calendars, names, client_calendars, csv_bom)
        return write_result(self, Path(out_dir), options)
