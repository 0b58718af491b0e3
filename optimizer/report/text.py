"""The result of a solve as the lines a terminal shows after it (counts, terms, changes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..timezones import program_timezone

if TYPE_CHECKING:
    from ..result import Result, SecondarySearch

_STOPPED_BY = {
    "no-improvement": "stopped when a round found nothing better",
    "time-limit": "stopped by the time limit",
    "interrupted": "interrupted",
}


def summary_text(result: Result, out: Path | None = None) -> str:
    """Status, served clients, objective and bound, seconds; with another schedule to keep,
    each goal of SPEC §7's order (value, bound, status); the secondary terms (value,
    weight, weighted cost, unit); changes since last week; the unscheduled client ids; the
    time zone of the calendars; and the folder written (``out``). Ids only, never names."""
    total = len(result.scenario.clients)
    lines = [
        f"status {result.status.value}: served {result.scheduled_clients} of {total} clients "
        f"(objective {result.objective}, bound {result.best_bound}) in {result.solve_seconds:.1f}s"
    ]
    if result.goals:
        lines.append("goals, in order (each held while the next is optimised):")
        lines.append(f"  {'goal':<16} {'value':>6} {'bound':>6}  {'status':<8}  unit")
        for goal in result.goals:
            value = "-" if goal["value"] is None else goal["value"]
            bound = "-" if goal["bound"] is None else goal["bound"]
            lines.append(
                f"  {goal['goal']:<16} {value:>6} {bound:>6}  {goal['status']:<8}  {goal['unit']}"
            )
    if result.secondary:
        search = result.secondary_search
        lines.append(
            "objective terms (after the primary; lower is better"
            + ("):" if search.status != "NOT_RUN" else "; not optimised: the primary was not "
               "proven in time):")
        )  # fmt: skip
        lines.append(f"  {'term':<28} {'value':>6} {'weight':>6} {'cost':>6}  unit")
        for name, term in result.objective_terms().items():
            lines.append(
                f"  {name:<28} {term['value']:>6} {term['weight']:>6} {term['weighted']:>6}"
                f"  {term['unit']}"
            )
        if search.status != "NOT_RUN":
            lines.append(
                f"  {'total':<28} {'':>6} {'':>6} {search.objective:>6}  {phase_two_text(search)}"
            )
    if result.changes is not None:
        moved = result.changes["client_id"].nunique()
        lines.append(
            f"changes since last week: {len(result.changes)} for {moved} client(s) (changes.csv)"
        )
    if len(result.unscheduled):
        lines.append(
            f"unscheduled: {', '.join(result.unscheduled['client_id'])} "
            "(reasons in unscheduled.csv)"
        )
    lines.append(f"calendar times in {program_timezone(result.scenario).describe()}")
    if out is not None:
        lines.append(f"wrote {out}")
    return "\n".join(lines)


def phase_two_text(search: SecondarySearch) -> str:
    """How far phase 2 got, e.g. ``proven the least`` or ``unproven: bound 214 (gap 5.3%),
    stopped when a round found nothing better``."""
    if search.status == "OPTIMAL":
        return "proven the least"
    bound = "" if search.bound is None else f" bound {search.bound} (gap {search.gap:.1%}),"
    return f"unproven:{bound} {_STOPPED_BY.get(search.stopped_by or '', 'not run')}"
