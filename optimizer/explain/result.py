"""What :func:`~optimizer.explain.explain` returns: the explanation, its suggestions and
their scenario changes, as data, JSON and text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..reasons import Cause


@dataclass(frozen=True)
class Change:
    """One edit of the scenario: ``table`` row ``row_id`` gets ``field = new`` (was ``old``).

    ``field == "*"`` adds a whole row (``new`` is the row's data). Values are as in the
    scenario files (windows and id lists as text).
    """

    table: str
    row_id: str
    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "id": self.row_id,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


@dataclass
class Suggestion:
    """A change that may let the client in; ``verified`` when a re-solve fitted them."""

    description: str
    changes: list[Change]
    verified: bool = False
    status: str = "not tried"
    """``fits``, ``does not fit``, ``unknown`` (time limit) or ``not tried``."""
    seconds: float = 0.0
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "changes": [c.to_dict() for c in self.changes],
            "verified": self.verified,
            "status": self.status,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Explanation:
    """Why one client is (un)scheduled and what would let them in (JSON-ready)."""

    client_id: str
    scheduled: bool
    summary: str
    causes: list[Cause] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    core: list[str] = field(default_factory=list)
    """Named constraint groups of the minimal core (dynamic causes)."""
    core_minimal: bool = False
    seconds: float = 0.0

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.causes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "scheduled": self.scheduled,
            "summary": self.summary,
            "causes": [c.to_dict() for c in self.causes],
            "core": list(self.core),
            "core_minimal": self.core_minimal,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        """The full story for a coordinator, one line per cause and suggestion."""
        lines = [f"{self.client_id}: {self.summary}"]
        if self.causes and not (len(self.causes) == 1 and self.causes[0].message in self.summary):
            lines.append("why:")
            lines.extend(f"  - [{c.code}] {c.message}" for c in self.causes)
        fits = [s for s in self.suggestions if s.verified]
        if fits:
            lines.append("would fit if (each verified by re-solving):")
            lines.extend(f"  - {s.description}" for s in fits)
        tried = [s for s in self.suggestions if not s.verified and s.status != "not tried"]
        if tried:
            lines.append("tried, not enough on its own:")
            lines.extend(f"  - {s.description} ({s.status})" for s in tried)
        if not self.scheduled and not fits and tried:
            lines.append("no single change tried was enough.")
        lines.append(f"({self.seconds:.1f}s)")
        return "\n".join(lines)
