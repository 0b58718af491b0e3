"""What :func:`~optimizer.weekly.place.place` returns: the options, as data, JSON and text.

Every value is an id, a day, a time or a count: client data stays out of what is printed
(no names; a moved client appears by id, as in every output).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..errors import OptimizerError
from ..io.schedule import Schedule
from ..result import Result, SolveStatus
from ..scenario import Scenario
from ..schedule import Session, WeekSchedule, served
from ..terms import secondary_terms


class PlaceInputError(OptimizerError):
    """The client cannot be placed as asked: not in the scenario, already scheduled, or the
    schedule it is placed into breaks rules of its own."""


class PlacedSession(BaseModel):
    """One session of an option, as its ``sessions.csv`` row says after the option (``size``
    counts the placed client); ``new`` when the option opens it."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    session_type: str
    track: str
    day: str
    date: str
    block: str
    start: str
    end: str
    therapist_id: str
    room_id: str
    size: int
    new: bool

    @classmethod
    def of(cls, session: Session, new: bool) -> PlacedSession:
        return cls(**session.row(), new=new)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    def text(self) -> str:
        """E.g. ``Mon AM 09:00-09:50 group_therapy: joins Mon-AM-1-T03 (T03, room R2, 8
        clients)``."""
        room = f", room {self.room_id}" if self.room_id else ""
        if self.track:
            how = "new group" if self.new else f"joins {self.session_id}"
            who = f"({self.therapist_id}{room}, {self.size} client{'s' if self.size != 1 else ''})"
        else:
            how, who = "new session", f"with {self.therapist_id}{room}"
        when = f"{self.day} {self.block} {self.start}-{self.end}"
        return f"{when} {self.session_type}: {how} {who}"


class Move(BaseModel):
    """Another client whose sessions an option changes: the sessions they leave and join."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    leaves: tuple[PlacedSession, ...]
    joins: tuple[PlacedSession, ...]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def text(self) -> str:
        def brief(s: PlacedSession) -> str:
            return f"{s.day} {s.block} {s.start} {s.session_type} ({s.therapist_id})"

        return (
            f"{self.client_id} leaves {', '.join(brief(s) for s in self.leaves)}; "
            f"joins {', '.join(brief(s) for s in self.joins)}"
        )


@dataclass(frozen=True)
class TableEdit:
    """An option as an edit of the schedule's tables (SPEC §5 rows, cells as text): remove
    these (client, session) assignments and sessions, add these assignment rows, and add or
    replace (by ``session_id``) these session rows."""

    assignments_removed: tuple[tuple[str, str], ...]
    assignments_added: tuple[Mapping[str, str], ...]
    sessions_removed: tuple[str, ...]
    sessions_upserted: tuple[Mapping[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignments_removed": [
                {"client_id": cid, "session_id": sid} for cid, sid in self.assignments_removed
            ],
            "assignments_added": [dict(row) for row in self.assignments_added],
            "sessions_removed": list(self.sessions_removed),
            "sessions_upserted": [dict(row) for row in self.sessions_upserted],
        }


@dataclass(frozen=True)
class PlaceOption:
    """One way to fit the client in: their days, blocks and sessions, what it does to the
    secondary objective, and whom else it moves (nobody, unless no option leaves everyone
    in place). Every option was judged valid by the independent checker.

    ``penalty`` is the change of SPEC §4's weighted secondary objective (lower is better;
    negative when the week gets better, e.g. a small group filled), ``terms`` the change of
    each unweighted term, both recomputed from the schedule rows by :mod:`optimizer.terms`.
    """

    rank: int
    client_id: str
    attendance: tuple[tuple[str, str], ...]
    """(day, block) pairs the client attends, in week order."""
    sessions: tuple[PlacedSession, ...]
    penalty: int
    terms: Mapping[str, int]
    moves: tuple[Move, ...]
    edit: TableEdit
    schedule: Schedule = field(repr=False, compare=False)
    """The schedule with this option applied (the checker judged it)."""

    @property
    def days(self) -> tuple[str, ...]:
        return tuple(day for day, _block in self.attendance)

    def attendance_text(self) -> str:
        """E.g. ``Mon, Wed, Fri in AM`` or ``Mon AM, Tue EVE, Thu AM``."""
        blocks = {block for _day, block in self.attendance}
        if len(blocks) == 1:
            return f"{', '.join(self.days)} in {next(iter(blocks))}"
        return ", ".join(f"{day} {block}" for day, block in self.attendance)

    def terms_text(self) -> str:
        changed = [f"{name} {value:+d}" for name, value in self.terms.items() if value]
        return f"secondary objective {self.penalty:+d}" + (
            f" ({', '.join(changed)})" if changed else ""
        )

    def to_dict(self) -> dict[str, Any]:
        dates = {s.day: s.date for s in self.sessions}
        return {
            "rank": self.rank,
            "days": [
                {"day": day, "date": dates.get(day, ""), "block": block}
                for day, block in self.attendance
            ],
            "sessions": [s.to_dict() for s in self.sessions],
            "penalty": self.penalty,
            "terms": dict(self.terms),
            "moves": [m.to_dict() for m in self.moves],
            "checked": "OK: no rule is broken",
            "edit": self.edit.to_dict(),
        }

    def text(self) -> str:
        head = f"Option {self.rank}: {self.attendance_text()} · {self.terms_text()}"
        lines = [head]
        if self.moves:
            count = len(self.moves)
            lines.append(f"  moves {count} other client{'s' if count != 1 else ''}:")
            lines += [f"    {m.text()}" for m in self.moves]
        lines += [f"  {s.text()}" for s in self.sessions]
        return "\n".join(lines)


@dataclass(frozen=True)
class Placement:
    """The answer of :func:`~optimizer.weekly.place.place` for one client.

    ``options`` are best first; ``moves_others`` says they move other clients (no option
    leaves everyone in place: ``without_moving`` says whether that is proven, ``none``, or
    only not found in time, ``unknown``; ``found`` when options leave everyone in place).
    ``message`` is the sentence a coordinator reads first; ``seconds`` the call's time.
    """

    scenario: Scenario = field(repr=False)
    client_id: str
    options: tuple[PlaceOption, ...]
    moves_others: bool
    without_moving: str
    message: str
    seconds: float

    @property
    def found(self) -> bool:
        """True when there is at least one option (of either kind)."""
        return bool(self.options)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "found": self.found,
            "moves_others": self.moves_others,
            "without_moving": self.without_moving,
            "message": self.message,
            "options": [o.to_dict() for o in self.options],
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        """The options as a coordinator reads them (ids only)."""
        parts = [self.message]
        parts += [option.text() for option in self.options]
        return "\n\n".join(parts)

    def result(self, option: int = 1) -> Result:
        """The schedule with option number ``option`` (1 = the best) applied, as a
        :class:`Result` that writes the SPEC §5 folder. ``status`` is FEASIBLE (the
        schedule is valid; that no other serves more is not proven) and ``best_bound``
        unknown; ``parameters`` say which client and option were placed."""
        if not 1 <= option <= len(self.options):
            raise ValueError(f"there is no option {option} (the placement has {len(self.options)})")
        chosen = self.options[option - 1]
        tables = chosen.schedule
        week = WeekSchedule.from_rows(
            self.scenario, _records(tables.assignments), _records(tables.sessions)
        )
        secondary = secondary_terms(self.scenario, week)
        secondary.pop("changes")
        return Result(
            scenario=self.scenario,
            status=SolveStatus.FEASIBLE,
            objective=served(self.scenario, tables.assignments["client_id"]),
            best_bound=None,
            solve_seconds=self.seconds,
            build_seconds=0.0,
            assignments=tables.assignments,
            sessions=tables.sessions,
            unscheduled=tables.unscheduled,
            secondary=secondary,
            parameters={
                "placed": {
                    "client_id": self.client_id,
                    "option": option,
                    "moves": [m.client_id for m in chosen.moves],
                },
            },
        )

    def write(self, out_dir: str | Path, option: int = 1, **report: bool) -> Path:
        """Write the SPEC §5 folder with option number ``option`` applied (atomically, like
        :meth:`Result.write`, which takes the same ``report`` switches)."""
        return self.result(option).write(out_dir, **report)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")  # type: ignore[return-value]
