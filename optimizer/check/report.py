"""The checker's findings: rule codes, violations, the report and its text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

RULES: dict[str, str] = {
    # malformed rows
    "unknown-client": "client id not in the scenario",
    "unknown-therapist": "therapist id not in the scenario",
    "therapist-missing": "session without a therapist",
    "unknown-room": "room id not in the scenario",
    "unknown-session-type": "session type not in the scenario",
    "unknown-day": "not an operating day",
    "bad-date": "date does not match the day",
    "unknown-block": "block not in the scenario",
    "bad-time": "start/end are not a slot of the block",
    "session-id-missing": "assignment row without a session_id",
    "duplicate-assignment": "client twice in one session",
    "duplicate-unscheduled": "client listed twice as unscheduled",
    "unscheduled-reason": "unscheduled client without a reason",
    "session-mismatch": "assignment rows of one session disagree",
    # SPEC §3
    "plan-days": "rule 1: days per week",
    "client-block": "rule 2: one full block per attended day",
    "session-count": "rule 3: weekly sessions per type",
    "availability": "rule 4: client can attend the block that day",
    "group-size": "rule 5: group size",
    "track-mix": "rule 5: group mixes tracks",
    "avoid-pair": "rule 5: clients who avoid each other share a group",
    "therapist-track": "rule 5: therapist does not lead this track",
    "individual-size": "rule 6: individual session with several clients",
    "primary-therapist": "rule 6: not with the primary therapist",
    "language": "rule 6: therapist does not speak the client's language",
    "therapist-skill": "rule 7: therapist lacks the skill",
    "therapist-availability": "rule 7: therapist not available",
    "therapist-overlap": "rule 7: therapist double-booked",
    "therapist-daily-cap": "rule 7: therapist over the daily limit",
    "therapist-weekly-cap": "rule 7: therapist over the weekly limit",
    "room-missing": "rule 8: session without a room",
    "room-unexpected": "room given but the scenario has no rooms",
    "room-serves": "rule 8: room does not serve the session type",
    "room-capacity": "rule 8: room too small",
    "room-availability": "rule 8: room not available",
    "room-overlap": "rule 8: room double-booked",
    "client-overlap": "rule 9: client double-booked",
    "hours-day": "rule 10: a day short of the plan's daily hours",
    "hours-week": "rule 10: a week short of the plan's weekly hours",
    "telehealth": "rule 10: virtual block without telehealth clearance",
    "virtual-room": "rule 8: a room on a session of a virtual block",
    "unscheduled-partial": "client both unscheduled and scheduled",
    "client-missing": "client neither scheduled nor unscheduled",
    "pin": "a pin (pins.csv) is not kept",
    "past-changed": "a session before the re-planning date differs from the previous schedule",
    # sessions.csv and summary.json (warnings)
    "sessions-csv": "sessions.csv disagrees with assignments.csv",
    "summary-field": "summary.json lacks a field",
    "summary-status": "summary.json status unknown",
    "summary-objective": "summary.json objective disagrees with the files",
    "summary-counts": "summary.json counts disagree with the files",
}
"""Every rule code with its one-line title, in report order (see :mod:`optimizer.check`)."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable ``rule`` code, the ids involved and a one-sentence message.

    Messages carry ids only, never client names. ``severity`` is ``"error"`` for a broken
    SPEC §3 rule or a malformed row, ``"warning"`` for a summary.json disagreement.
    """

    rule: str
    ids: tuple[str, ...]
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        who = f" {', '.join(self.ids)}:" if self.ids else ""
        return f"[{self.rule}]{who} {self.message}"


class CheckReport(list[Violation]):
    """The violations of one check, plus the counts the verdict line reports."""

    def __init__(
        self, violations: Iterable[Violation] = (), scheduled_clients: int = 0, sessions: int = 0
    ) -> None:
        super().__init__(violations)
        self.scheduled_clients = scheduled_clients
        self.sessions = sessions


class Findings:
    """The violations found so far, in the order the rule families found them."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, rule: str, ids: Iterable[str], message: str, severity: str = "error") -> None:
        """Record one violation; empty ids are left out."""
        self.violations.append(Violation(rule, tuple(i for i in ids if i), message, severity))

    def report(self, scheduled_clients: int, sessions: int) -> CheckReport:
        """Errors first, then by rule in the order of :data:`RULES`, then as found."""
        order = {rule: idx for idx, rule in enumerate(RULES)}
        ranked = sorted(
            enumerate(self.violations),
            key=lambda item: (
                item[1].severity != "error",
                order.get(item[1].rule, len(order)),
                item[0],
            ),
        )
        return CheckReport(
            (v for _, v in ranked), scheduled_clients=scheduled_clients, sessions=sessions
        )


def plural(count: int, word: str) -> str:
    """``1 client``, ``2 clients``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def format_violations(violations: list[Violation]) -> str:
    """Violations grouped by rule, then a one-line verdict (``OK: ...`` or ``BROKEN: ...``)."""
    lines: list[str] = []
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_rule[violation.rule].append(violation)
    for rule, items in by_rule.items():
        kind = "warning" if all(v.severity == "warning" for v in items) else "error"
        lines.append(f"{rule} ({plural(len(items), kind)}): {RULES.get(rule, rule)}")
        lines.extend(f"  {v}" for v in items)
    errors = [v for v in violations if v.severity == "error"]
    warnings = [v for v in violations if v.severity != "error"]
    about = sorted(
        {"sessions.csv" if v.rule == "sessions-csv" else "summary.json" for v in warnings}
    )
    tail = f"; {plural(len(warnings), 'warning')} about {' and '.join(about)}" if warnings else ""
    if errors:
        rules = len({v.rule for v in errors})
        verdict = f"BROKEN: {plural(len(errors), 'violation')} of {plural(rules, 'rule')}{tail}"
    else:
        counts = ""
        if isinstance(violations, CheckReport):
            counts = (
                f" ({plural(violations.scheduled_clients, 'client')} scheduled, "
                f"{plural(violations.sessions, 'session')})"
            )
        verdict = f"OK: no rule is broken{counts}{tail}"
    if lines:
        lines.append("")
    lines.append(verdict)
    return "\n".join(lines)
