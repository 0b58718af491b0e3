"""summary.json against the files (*warnings*: an edited folder's summary may be stale)."""

from __future__ import annotations

from typing import Any, TypeGuard

from .read import Week, records
from .report import Findings

SUMMARY_STATUSES = ("OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN")
SUMMARY_FIELDS = (
    "status",
    "objective",
    "best_bound",
    "scheduled_clients",
    "unscheduled_clients",
    "solve_seconds",
    "interrupted",
)


def _is_number(value: Any) -> TypeGuard[float]:
    """A JSON number (``true``/``false`` are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_summary(week: Week, findings: Findings) -> None:
    """Fields, status, objective (priorities of the scheduled clients) and counts; a missing
    summary.json is fine."""
    summary = week.schedule.summary
    if summary is None:
        return

    def warn(rule: str, message: str) -> None:
        findings.add(rule, (), f"summary.json: {message}", severity="warning")

    for name in SUMMARY_FIELDS:
        if name not in summary:
            warn("summary-field", f"field '{name}' is missing.")
    status = summary.get("status")
    if "status" in summary and status not in SUMMARY_STATUSES:
        warn(
            "summary-status",
            f"status {status!r} is not one of {', '.join(SUMMARY_STATUSES)}.",
        )
    scheduled = {cid for cid, items in week.attendances.items() if items and cid in week.clients}
    served = sum(week.clients[cid].priority for cid in scheduled)
    objective = summary.get("objective")
    if "objective" in summary:
        if not _is_number(objective):
            warn("summary-objective", f"objective {objective!r} is not a number.")
        elif objective != served:
            warn(
                "summary-objective",
                f"objective {objective} differs from the priorities of the scheduled "
                f"clients, {served}.",
            )
    bound = summary.get("best_bound")
    if _is_number(bound) and _is_number(objective) and bound < objective - 1e-6:
        warn("summary-objective", f"best_bound {bound} is below objective {objective}.")
    assigned = {r["client_id"] for r in records(week.schedule.assignments, ("client_id",))}
    files = {
        "scheduled_clients": len(assigned - {""}),
        "unscheduled_clients": len(records(week.schedule.unscheduled, ("client_id",))),
    }
    for name, actual in files.items():
        if name in summary and summary[name] != actual:
            warn("summary-counts", f"{name} is {summary[name]!r} but the files hold {actual}.")
