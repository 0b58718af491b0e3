"""Undoing the needless changes of a re-planned week (SPEC §7, goal ``session_changes``).

A week re-planned from a date (a therapist called in sick) should change as little as it
can for the clients the absence does not touch. The goal search ranks ``session_changes``
(sessions of continuing clients on the re-planned days that lost their type, therapist or
room) right after the days and blocks, but on a large week its time runs out with needless
edits left: an individual session moved to another room in the same slot, two groups of
one slot that swapped leaders. :func:`undo_changes` takes them back, deterministically,
after the search.

A session of a re-planned day is a *candidate* when its clients had their session of that
day, block, slot and type in the schedule being re-planned led by another therapist or held
in another room (the same clients: a needless room or leader change; some of them: a group
that was regrouped, judged by the session that held most of them). Each candidate is given
that therapist and room back alone; when another session at an overlapping time holds
them, the two are edited together (the other one given its own back when it is a
candidate, else what the first one frees: a swap back). Then group clients dealt to another
copy of their group's slot, type and track move back into the copy that has their therapist
and room (two copies that traded members trade them back together, so neither falls below
its minimum size). No edit changes a client's days, blocks, slots or session types, so the
goals ``continuing``, ``served`` and ``changes`` cannot move.

An edit stays only when the independent checker (:func:`~optimizer.check.check_schedule`)
finds no error in the whole week and ``session_changes`` strictly decreases; a therapist
away on the day (the sick one), a room taken by a third session that fits nowhere else or
a group someone avoids therefore keeps the search's choice. An edit whose therapist cannot
take its time (away, outside their hours) is not tried. A pass takes every edit that lowers
``session_changes`` and touches no session an earlier one changed, and the checker judges
them together (one run when all is well), else each half in turn down to single edits; a
single edit refused is not tried again. Passes repeat while one changes something (one edit
can free what another needs), up to ``max_checks`` checker runs (a count, not seconds:
``--workers 1 --seed N`` stays reproducible) and no later than ``seconds``. The secondary
terms (therapist load, group continuity, ...) may move either way.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..check import week_errors
from ..scenario import Scenario
from ..schedule import Session, WeekSchedule
from ..search.params import SearchParams
from ..windows import therapist_can_take
from .previous import PreviousWeek, session_changes
from .replan import KeptPast, with_past

log = logging.getLogger(__name__)

Edit = dict[str, Session | None]
"""Session id -> the session that replaces it (None: it goes)."""


@dataclass(frozen=True)
class Undone:
    """What :func:`undo_changes` did: the schedule; by how much it lowered
    ``session_changes`` by re-leading sessions (``releads``: therapists and rooms given
    back, alone or swapped) and by moving clients back into their group (``regrouped``);
    ``session_changes`` before and after; the checker runs, the wall seconds it took and
    why it stopped."""

    schedule: WeekSchedule
    releads: int = 0
    regrouped: int = 0
    changes_before: int = 0
    changes_after: int = 0
    checks: int = 0
    seconds: float = 0.0
    stopped_by: str = "done"
    """``done`` (no edit left to try), ``checks`` (the checker-run limit), ``time`` (the
    time limit) or ``invalid`` (the checker found an error in the search's schedule)."""

    @property
    def report(self) -> dict[str, Any]:
        """summary.json ``parameters.replan_undo``."""
        return {
            "session_changes_before": self.changes_before,
            "session_changes_after": self.changes_after,
            "by_releads": self.releads,
            "by_regrouping": self.regrouped,
            "checks": self.checks,
            "seconds": round(self.seconds, 3),
            "stopped_by": self.stopped_by,
        }


def candidates(
    before: WeekSchedule, after: WeekSchedule, days: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """Per session id of ``after`` on ``days`` whose clients had their session of that
    day, block, slot and type in ``before`` with another therapist or room: that session's
    (therapist id, room id) in ``before``. When the clients came from several sessions (a
    group regrouped), the one holding most of them (then the smallest session id); none when
    that one had this therapist and room."""
    wanted = set(days)
    last: dict[tuple[str, str, int, str], list[Session]] = defaultdict(list)
    for x in before.sessions:
        if x.day in wanted:
            last[(x.day, x.block, x.slot_idx, x.session_type)].append(x)
    out: dict[str, tuple[str, str]] = {}
    for x in after.sessions:
        mine = set(x.clients)
        shared = [
            (-len(mine.intersection(was.clients)), was.session_id, was)
            for was in last.get((x.day, x.block, x.slot_idx, x.session_type), [])
            if mine.intersection(was.clients)
        ]
        if x.day in wanted and shared:
            was = min(shared)[2]
            if (was.therapist_id, was.room_id) != (x.therapist_id, x.room_id):
                out[x.session_id] = (was.therapist_id, was.room_id)
    return out


def _overlap(a: Session, b: Session) -> bool:
    return a is not b and a.day == b.day and a.start < b.end and b.start < a.end


def _releads(
    scenario: Scenario,
    x: Session,
    target: tuple[str, str],
    sessions: Iterable[Session],
    wanted: Mapping[str, tuple[str, str]],
) -> list[Edit]:
    """The edits that give ``x`` its ``target`` (therapist, room) back: alone when no
    session at an overlapping time holds them, else with the one session that does (given
    its own target when it is a candidate of ``wanted``, and swapped: given what ``x``
    frees). None when two sessions hold them."""
    therapist, room = target
    blockers = [
        b
        for b in sessions
        if _overlap(x, b) and (b.therapist_id == therapist or (room and b.room_id == room))
    ]
    alone: Edit = {x.session_id: _relead(scenario, x, target)}
    if not blockers:
        return [alone]
    if len(blockers) > 1:
        return []
    b = blockers[0]
    swapped = (
        x.therapist_id if b.therapist_id == therapist else b.therapist_id,
        x.room_id if room and b.room_id == room else b.room_id,
    )
    targets = [wanted[b.session_id]] if b.session_id in wanted else []
    targets += [swapped] if swapped not in targets else []
    return [alone | {b.session_id: _relead(scenario, b, t)} for t in targets]


def _relead(scenario: Scenario, x: Session, target: tuple[str, str]) -> Session:
    """``x`` led by the target's therapist in its room (the session id follows the
    therapist)."""
    therapist, room = target
    return Session.create(
        scenario, x.day, x.block, x.slot_idx, x.session_type, x.track, therapist, room, x.clients
    )


def _regroupings(
    scenario: Scenario, had: Mapping[tuple[str, ...], tuple[str, str]], sessions: Iterable[Session]
) -> list[Edit]:
    """Group sessions of one slot, type and track, ``x`` and ``y``: the edits that move
    into ``y`` the clients of ``x`` who had ``y``'s therapist and room (``had``: per client,
    day, block, slot and type, the therapist and room before; ``x`` goes when it empties),
    and, when ``y`` holds clients of ``x``'s too, the exchange of both (two groups that
    traded members, each at its minimum size)."""
    copies: dict[tuple[str, ...], list[Session]] = defaultdict(list)
    for x in sessions:
        if scenario.session_types[x.session_type].is_group:
            copies[(x.day, x.block, str(x.slot_idx), x.session_type, x.track)].append(x)

    def movers(key: tuple[str, ...], x: Session, y: Session) -> tuple[str, ...]:
        back = (y.therapist_id, y.room_id)
        return tuple(c for c in x.clients if had.get((c, *key[:4])) == back)

    def without(x: Session, gone: tuple[str, ...], *joining: str) -> Session | None:
        clients = tuple(c for c in x.clients if c not in gone) + joining
        return replace(x, clients=clients) if clients else None

    edits: list[Edit] = []
    for key, group in sorted(copies.items()):
        for x in group:
            for y in group:
                there, back = (movers(key, x, y), movers(key, y, x)) if x is not y else ((), ())
                if there:
                    edits.append(
                        {x.session_id: without(x, there), y.session_id: without(y, (), *there)}
                    )
                if there and back and x.session_id < y.session_id:
                    edits.append(
                        {
                            x.session_id: without(x, there, *back),
                            y.session_id: without(y, back, *there),
                        }
                    )
    return edits


def _edited(schedule: WeekSchedule, edit: Edit) -> WeekSchedule:
    """``schedule`` with each session of ``edit`` replaced (dropped when None)."""
    sessions = []
    for x in schedule.sessions:
        new = edit.get(x.session_id, x)
        if new is not None:
            sessions.append(new)
    return WeekSchedule(tuple(sessions))


def _can_lead(scenario: Scenario, x: Session) -> bool:
    """Whether ``x``'s therapist can take its time (hours, busy windows, away dates)."""
    therapist = next(t for t in scenario.therapists if t.therapist_id == x.therapist_id)
    return therapist_can_take(scenario, therapist, x.day, x.start, x.end)


def _proposals(
    scenario: Scenario,
    before: WeekSchedule,
    current: WeekSchedule,
    days: frozenset[str],
    had: Mapping[tuple[str, ...], tuple[str, str]],
) -> list[tuple[str, Edit]]:
    """Every edit of a pass over ``current``, in a fixed order: the re-leads of the
    candidates (by session id), then the regroupings; each with its kind."""
    wanted = candidates(before, current, days)
    replanned = [x for x in current.sessions if x.day in days]
    by_id = {x.session_id: x for x in replanned}
    out = [
        ("relead", edit)
        for sid in sorted(wanted)
        for edit in _releads(scenario, by_id[sid], wanted[sid], replanned, wanted)
    ]
    return out + [("regroup", edit) for edit in _regroupings(scenario, had, replanned)]


def undo_changes(
    scenario: Scenario,
    before: WeekSchedule,
    after: WeekSchedule,
    days: Iterable[str],
    max_checks: int,
    seconds: float = math.inf,
) -> Undone:
    """``after`` (a whole re-planned week) with the needless therapist, room and group
    changes since ``before`` (the week being re-planned) on the re-planned ``days`` taken
    back (see the module docstring); at most ``max_checks`` runs of the checker, and no new
    edit tried after ``seconds`` of wall time (the time limit's rest; infinite by default).
    ``after`` is returned unchanged when the checker already finds an error in it."""
    started = time.perf_counter()
    days = frozenset(days)
    value = first = session_changes(scenario, before, after, days)
    if not value:
        return Undone(after, changes_before=first, changes_after=first)
    if week_errors(scenario, after):
        log.warning("re-plan undo: the schedule breaks a rule already; nothing undone")
        return Undone(after, 0, 0, first, first, 1, time.perf_counter() - started, "invalid")
    had: dict[tuple[str, ...], tuple[str, str]] = {
        (cid, x.day, x.block, str(x.slot_idx), x.session_type): (x.therapist_id, x.room_id)
        for cid, x in before.assignments()
        if x.day in days
    }
    undoing = _Undoing(scenario, before, days, had, after, value, max_checks, started + seconds)
    while not undoing.stop() and undoing.sweep():
        pass
    took = time.perf_counter() - started
    counts = undoing.counts
    log.info(
        "re-plan undo: session_changes %d -> %d (re-led %d, regrouped %d; %d checks, %.2fs)",
        first,
        undoing.value,
        counts["relead"],
        counts["regroup"],
        undoing.checks,
        took,
    )
    return Undone(
        undoing.current,
        counts["relead"],
        counts["regroup"],
        first,
        undoing.value,
        undoing.checks,
        took,
        undoing.stop() or "done",
    )


@dataclass
class _Undoing:
    """The state of :func:`undo_changes`: the schedule so far and its ``session_changes``,
    the checker runs, the edits the checker refused (never tried again) and the gains."""

    scenario: Scenario
    before: WeekSchedule
    days: frozenset[str]
    had: Mapping[tuple[str, ...], tuple[str, str]]
    current: WeekSchedule
    value: int
    max_checks: int
    deadline: float
    """``time.perf_counter()`` after which no edit is tried."""
    checks: int = 1
    rejected: set[frozenset[tuple[Session, Session | None]]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"relead": 0, "regroup": 0})

    def stop(self) -> str:
        """Why no more edit may be tried (``checks``, ``time``), else ``""``."""
        if self.checks >= self.max_checks:
            return "checks"
        return "time" if time.perf_counter() > self.deadline else ""

    def sweep(self) -> bool:
        """One pass over the edits of the current schedule: each that lowers
        ``session_changes`` and touches no session an earlier one of the pass changed is
        taken, and the checker judges them together (:meth:`_settle`). Whether anything
        changed (an edit taken, or one refused, which leaves others to try)."""
        base = {x.session_id: x for x in self.current.sessions}
        state, value = self.current, self.value
        items: list[_Item] = []
        for kind, edit in _proposals(self.scenario, self.before, self.current, self.days, self.had):
            live = {x.session_id: x for x in state.sessions}
            if any(live.get(sid) is not base[sid] for sid in edit):
                continue  # an earlier edit of this pass changed one of its sessions
            if not all(new is None or _can_lead(self.scenario, new) for new in edit.values()):
                continue  # the checker would refuse it (the sick therapist, say): no run
            signature = frozenset((base[sid], new) for sid, new in edit.items())
            trial = _edited(state, edit)
            trial_value = session_changes(self.scenario, self.before, trial, self.days)
            if trial_value < value and signature not in self.rejected:
                items.append(_Item(kind, edit, signature, value - trial_value))
                state, value = trial, trial_value
        refused = len(self.rejected)
        return self._settle(items) or len(self.rejected) > refused

    def _settle(self, items: list[_Item]) -> bool:
        """Take ``items`` (edits of distinct sessions, whose gains add up: each client is in
        one session of a slot) when the checker finds the week valid with all of them, else
        each half in turn; a single edit refused is not tried again. Whether any was taken."""
        if not items or self.stop():
            return False
        trial = self.current
        for item in items:
            trial = _edited(trial, item.edit)
        value = session_changes(self.scenario, self.before, trial, self.days)
        self.checks += 1
        if value < self.value and not week_errors(self.scenario, trial):
            self.current, self.value = trial, value
            for item in items:
                self.counts[item.kind] += item.gain
            return True
        if len(items) == 1:
            self.rejected.add(items[0].signature)
            return False
        first = self._settle(items[: len(items) // 2])
        second = self._settle(items[len(items) // 2 :])
        return first or second


@dataclass(frozen=True)
class _Item:
    """An edit of a sweep: its kind, the sessions it replaces, its signature (the sessions
    before and after, to refuse it once) and how much it lowers ``session_changes``."""

    kind: str
    edit: Edit
    signature: frozenset[tuple[Session, Session | None]]
    gain: int


def finish_replan(
    scenario: Scenario,
    past: KeptPast,
    previous: PreviousWeek,
    schedule: WeekSchedule,
    params: SearchParams,
    seconds: float,
) -> tuple[WeekSchedule, dict[str, Any]]:
    """The whole re-planned week: the kept ``past`` with the searched ``schedule`` of the
    re-planned days, its needless changes since ``previous`` undone (:func:`undo_changes`:
    at most ``params.replan_undo_checks`` checker runs, no edit tried after ``seconds``);
    also :attr:`Undone.report`."""
    undone = undo_changes(
        scenario,
        previous.schedule,
        with_past(past, schedule),
        past.replanned,
        params.replan_undo_checks,
        seconds,
    )
    return undone.schedule, undone.report
