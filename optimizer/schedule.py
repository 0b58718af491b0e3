"""The typed week schedule every search stage passes: sessions, each with its clients.

SPEC §5 writes a schedule as two tables, ``sessions.csv`` (one row per session) and
``assignments.csv`` (one row per client and session, repeating the session's columns). Inside
the package a schedule is a :class:`WeekSchedule`: a tuple of :class:`Session` records, each
holding the ids of its clients, so the assignments are derived and cannot disagree with the
sessions. Defined once here: the session id, the canonical row order of the output, the
primary objective a schedule serves (and the gap to its bound), and the conversions to and
from the SPEC §5 tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from .io.schedule import SCHEDULE_COLUMNS, Schedule
from .windows import day_index, format_time

if TYPE_CHECKING:
    from .scenario import Scenario

ASSIGNMENT_COLUMNS = SCHEDULE_COLUMNS["assignments.csv"]
SESSION_COLUMNS = SCHEDULE_COLUMNS["sessions.csv"]
UNSCHEDULED_COLUMNS = SCHEDULE_COLUMNS["unscheduled.csv"]


def session_id(day: str, block: str, slot_idx: int, therapist_id: str) -> str:
    """Stable id of a session: a therapist is in one session per slot of a day, so
    ``<day>-<block>-<slot>-<therapist>`` (slot 1-based) is unique and names no client."""
    return f"{day}-{block}-{slot_idx + 1}-{therapist_id}"


def served(scenario: Scenario, client_ids: Iterable[str]) -> int:
    """The primary objective (SPEC §4): the summed priority of the clients scheduled.

    ``client_ids`` may repeat a client (one per session); each counts once.
    """
    priority = {c.client_id: c.priority for c in scenario.clients}
    return sum(priority[cid] for cid in set(client_ids))


def gap_percent(objective: Any, best_bound: Any) -> float | None:
    """How far ``objective`` may be from the optimum, in percent: ``|best_bound -
    objective|`` over the largest of ``|objective|``, ``|best_bound|`` and 1, so 0 for a
    proven objective, and the same measure for phase 2's penalties (bound below the
    objective). None when either is missing (None, NaN or pandas' NA).

    The one definition behind the progress line, the report's summary, the what-if
    comparison, :meth:`Result.gap_percent <optimizer.result.Result.gap_percent>` and phase
    2's ``secondary_search`` gap (it
    lives here, below ``result.py``, because the report, which ``result.py`` imports, uses
    it too).
    """
    if objective is None or best_bound is None or pd.isna(objective) or pd.isna(best_bound):
        return None
    objective, best_bound = float(objective), float(best_bound)
    return 100 * abs(best_bound - objective) / max(1.0, abs(objective), abs(best_bound))


@dataclass(frozen=True, slots=True)
class Session:
    """One session of a week: when and where it runs, who leads it, who attends.

    ``start`` and ``end`` are minutes after midnight; ``slot_idx`` is the 0-based slot of
    ``block``; ``track`` is empty for individual types and ``room_id`` when the scenario has
    no rooms; ``date`` is the ISO date of ``day`` in the scenario's week.
    """

    session_id: str
    session_type: str
    track: str
    day: str
    date: str
    block: str
    slot_idx: int
    start: int
    end: int
    therapist_id: str
    room_id: str
    clients: tuple[str, ...]

    @classmethod
    def create(
        cls,
        scenario: Scenario,
        day: str,
        block: str,
        slot_idx: int,
        session_type: str,
        track: str,
        therapist_id: str,
        room_id: str,
        clients: Iterable[str],
    ) -> Session:
        """A session of ``scenario``'s week with its id, times and date filled in (the
        track is dropped for an individual type)."""
        start, end = scenario.blocks[block][slot_idx]
        return cls(
            session_id=session_id(day, block, slot_idx, therapist_id),
            session_type=session_type,
            track=track if scenario.session_types[session_type].is_group else "",
            day=day,
            date=scenario.date_of(day).isoformat(),
            block=block,
            slot_idx=slot_idx,
            start=start,
            end=end,
            therapist_id=therapist_id,
            room_id=room_id,
            clients=tuple(clients),
        )

    @property
    def size(self) -> int:
        return len(self.clients)

    def order(self) -> tuple[int, int, str, str]:
        """The canonical order of sessions in the output: day, start, block, session id."""
        return (day_index(self.day), self.start, self.block, self.session_id)

    def row(self) -> dict[str, Any]:
        """The ``sessions.csv`` row (SPEC §5)."""
        cells = self._cells()
        return {column: cells[column] for column in SESSION_COLUMNS}

    def assignment_row(self, client_id: str) -> dict[str, Any]:
        """The ``assignments.csv`` row of one of its clients (SPEC §5)."""
        cells = self._cells(client_id=client_id)
        return {column: cells[column] for column in ASSIGNMENT_COLUMNS}

    def _cells(self, **extra: Any) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "session_type": self.session_type,
            "track": self.track,
            "day": self.day,
            "date": self.date,
            "block": self.block,
            "start": format_time(self.start),
            "end": format_time(self.end),
            "therapist_id": self.therapist_id,
            "room_id": self.room_id,
            "size": self.size,
            **extra,
        }


@dataclass(frozen=True)
class WeekSchedule:
    """The sessions of one week, in the order a stage built them (see :meth:`sorted`)."""

    sessions: tuple[Session, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when no client is in any session (a stage that found no schedule)."""
        return not any(s.clients for s in self.sessions)

    def assignments(self) -> Iterator[tuple[str, Session]]:
        """Every (client id, session) pair, session by session."""
        for session in self.sessions:
            for client_id in session.clients:
                yield client_id, session

    def client_ids(self) -> set[str]:
        """The clients scheduled."""
        return {cid for s in self.sessions for cid in s.clients}

    def served(self, scenario: Scenario) -> int:
        """The primary objective this schedule reaches (summed priority of its clients)."""
        return served(scenario, self.client_ids())

    def attendance(self) -> dict[str, dict[str, str]]:
        """Per client, the block attended on each day (see :func:`attendance`)."""
        return attendance((cid, s.day, s.block) for cid, s in self.assignments())

    def sorted(self) -> WeekSchedule:
        """The same schedule with its sessions in the canonical output order."""
        return WeekSchedule(tuple(sorted(self.sessions, key=Session.order)))

    def select(self, session_ids: set[str], keep: bool = True) -> WeekSchedule:
        """The sessions whose id is (``keep``) or is not in ``session_ids``."""
        return WeekSchedule(
            tuple(s for s in self.sessions if (s.session_id in session_ids) == keep)
        )

    def of_clients(self, client_ids: set[str]) -> WeekSchedule:
        """The sessions of the clients ``client_ids``, each holding only those clients."""
        out = []
        for s in self.sessions:
            clients = tuple(cid for cid in s.clients if cid in client_ids)
            if clients:
                out.append(replace(s, clients=clients))
        return WeekSchedule(tuple(out))

    def __add__(self, other: WeekSchedule) -> WeekSchedule:
        return WeekSchedule(self.sessions + other.sessions)

    # ---- the SPEC §5 tables -------------------------------------------------------------

    def to_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``assignments`` and ``sessions`` tables (SPEC §5 columns) in the canonical order:
        sessions by day, start, block and id; assignments by client, then the same."""
        ordered = sorted(self.sessions, key=Session.order)
        assignments = sorted(
            ((cid, s) for s in ordered for cid in s.clients),
            key=lambda pair: (pair[0], *pair[1].order()),
        )
        return (
            pd.DataFrame(
                [s.assignment_row(cid) for cid, s in assignments], columns=ASSIGNMENT_COLUMNS
            ),
            pd.DataFrame([s.row() for s in ordered], columns=SESSION_COLUMNS),
        )

    def to_schedule(
        self, scenario: Scenario, reason: str = "not scheduled by this method"
    ) -> Schedule:
        """A :class:`Schedule` (what the checker reads) listing every client without a
        session as unscheduled with ``reason``."""
        assignments, sessions = self.to_frames()
        scheduled = self.client_ids()
        unscheduled = [
            {"client_id": c.client_id, "reason": reason}
            for c in scenario.clients
            if c.client_id not in scheduled
        ]
        return Schedule(
            assignments=assignments,
            sessions=sessions,
            unscheduled=pd.DataFrame(unscheduled, columns=UNSCHEDULED_COLUMNS),
        )

    @classmethod
    def from_rows(
        cls,
        scenario: Scenario,
        assignments: Iterable[Mapping[str, Any]],
        sessions: Iterable[Mapping[str, Any]],
    ) -> WeekSchedule:
        """The sessions of SPEC §5 rows (text cells, e.g. read back from a folder) that start
        at a slot of the scenario's week; clients come from the assignment rows with the
        same session id. Rows at no slot are left out (a hand edit may have moved them);
        every other cell is taken as written."""
        slot_of = {
            (block, format_time(start)): (idx, start, end)
            for block, slots in scenario.blocks.items()
            for idx, (start, end) in enumerate(slots)
        }
        members: dict[str, list[str]] = defaultdict(list)
        for row in assignments:
            members[row["session_id"]].append(row["client_id"])
        out = []
        for row in sessions:
            slot = slot_of.get((row["block"], row["start"]))
            if slot is None:
                continue
            slot_idx, start, end = slot
            out.append(
                Session(
                    session_id=row["session_id"],
                    session_type=row["session_type"],
                    track=row.get("track") or "",
                    day=row["day"],
                    date=row.get("date") or "",
                    block=row["block"],
                    slot_idx=slot_idx,
                    start=start,
                    end=end,
                    therapist_id=row["therapist_id"],
                    room_id=row.get("room_id") or "",
                    clients=tuple(members.get(row["session_id"], ())),
                )
            )
        return cls(tuple(out))


def attendance(rows: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Per client, the block attended on each day, from (client, day, block) triples; a day
    with two blocks (only a hand edit makes one) keeps the first in alphabetical order."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for cid, day, block in sorted(set(rows)):
        out[cid].setdefault(day, block)
    return dict(out)
