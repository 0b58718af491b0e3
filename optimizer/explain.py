"""Why a client is unscheduled, and what would let them in.

:func:`explain` tells one client's story in three steps:

1. **Static causes** (:mod:`optimizer.reasons`): what keeps the client out whatever the others
   do (not in the program, too few days, the primary therapist never available, ...).
2. **Dynamic causes**: a feasibility model with the client forced in, every client of the
   given schedule kept scheduled, single worker and no objective, where the relaxable
   constraint families are guarded by one enforcement literal per *named group* (a
   therapist's weekly cap, a therapist's daily cap on one day, a therapist's hours in one
   block of one day, group sizes of one track in one block and day, rooms, the client's own
   windows, "client X stays scheduled"). Assuming every literal gives an infeasible core;
   deleting literals while the rest stays infeasible shrinks it to a minimal set, which is
   phrased ("EVE SUD groups are full Mon-Thu; T03's week is at its limit (30 sessions)").
3. **Suggestions**: concrete scenario changes (the primary therapist works the client's
   block, the client could come one more block, a plan with fewer days, a higher cap, ...),
   each *verified* by building the changed scenario and solving it with the client forced in
   and the same clients kept scheduled.

Every solve is a single-worker feasibility check with a small time limit, so explaining a
client of a 60-client week takes seconds.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from .errors import Issue, OptimizerError, did_you_mean
from .model.candidates import Reservations, build_candidates, client_can_attend, staff_can_take
from .model.cpmodel import GroupName, IOPModel
from .model.hints import add_schedule_hint
from .reasons import Cause, attendable_pairs, days_text, ids_text, static_causes
from .scenario import Client, Scenario
from .windows import day_index, format_interval, format_windows, parse_time, parse_windows

log = logging.getLogger(__name__)

DEFAULT_EXPLAIN_TIME = 15.0
"""Seconds for the dynamic causes and the suggestions together (one worker)."""
CORE_SHARE = 0.3
"""Share of the time for the first core (the client forced in, every group enforced)."""
SHRINK_SHARE = 0.2
"""Share of the time for shrinking the core; the rest verifies suggestions."""
CHECK_TIME = 3.0
"""Seconds at most for one feasibility check."""
WHOLE_WEEK_CLIENTS = 50
"""Up to this many clients the first core is asked of the whole week, beyond it of the
client's track alone (the other tracks' sessions reserved)."""
SHRINK_CHECK_TIME = 0.5
"""Seconds at most for one deletion check while shrinking a core."""
MAX_SUGGESTIONS = 8
"""Suggestions tried (each one a model build and a solve) at most."""

Rows = list[dict[str, Any]]


class UnknownClientError(OptimizerError):
    """The client id is not in the scenario."""


# ---------------------------------------------------------------------------------------
# Results


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


# ---------------------------------------------------------------------------------------
# Schedules and scenario changes


def schedule_rows(schedule: Any) -> tuple[Rows, Rows] | None:
    """Assignment and session rows of a :class:`Result`, a :class:`Schedule` or a folder."""
    if schedule is None:
        return None
    if isinstance(schedule, (str, Path)):
        from .io import read_schedule

        schedule = read_schedule(Path(schedule))
    assignments = getattr(schedule, "assignments", None)
    sessions = getattr(schedule, "sessions", None)
    if assignments is None or sessions is None:
        raise TypeError("schedule must be a Result, a Schedule or a schedule folder")

    def records(frame: Any) -> Rows:
        rows = frame.to_dict("records")
        return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in rows]

    return records(assignments), records(sessions)


def apply_changes(scenario: Scenario, changes: Iterable[Change]) -> Scenario:
    """A validated copy of ``scenario`` with ``changes`` applied."""
    data = scenario.to_data()
    keys = {"clients": "client_id", "therapists": "therapist_id", "rooms": "room_id"}
    for change in changes:
        if change.table in ("plans", "session_types"):
            entry = data[change.table].setdefault(change.row_id, {})
            if change.field == "*":
                data[change.table][change.row_id] = change.new
            else:
                entry[change.field] = change.new
            continue
        rows = data.setdefault(change.table, [])
        if change.field == "*":
            rows.append(dict(change.new))
            continue
        for row in rows:
            if str(row[keys[change.table]]) == change.row_id:
                if change.new is None:
                    row.pop(change.field, None)
                else:
                    row[change.field] = change.new
    return Scenario.from_data(data)


# ---------------------------------------------------------------------------------------
# Feasibility checks


def _solver(time_limit: float, seed: int = 0, presolve: bool = True) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    # Presolve loses the schedule's hint on these models; without it a hinted check
    # starts from the schedule and repairs it, often in a fraction of a second.
    solver.parameters.cp_model_presolve = presolve
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    # The "a joined client needs a running group, a group needs a therapist" cuts let the LP
    # see a staffing shortage (e.g. three tracks, two therapists); without them a proof of
    # infeasibility takes minutes instead of seconds.
    solver.parameters.linearization_level = 2
    return solver


def client_vars(iop: IOPModel) -> dict[str, list[cp_model.IntVar]]:
    """Per client, the variables that say where the client is (days, groups, individuals)."""
    out: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (cid, _day, _block), var in iop.attend_vars.items():
        out[cid].append(var)
    for gv in iop.groups:
        for cid, var in gv.join_vars.items():
            out[cid].append(var)
        for cid, member_vars in gv.member_vars.items():
            out[cid].extend(member_vars)
    for iv in iop.individuals:
        out[iv.option.client_id].extend(iv.therapist_vars.values())
    return out


def hinted_values(iop: IOPModel) -> dict[int, int]:
    """Proto variable index -> hinted value (after :func:`add_schedule_hint`)."""
    hint = iop.model.proto.solution_hint
    return dict(zip(hint.vars, hint.values, strict=True))


def fits(
    scenario: Scenario,
    client_id: str,
    keep: Iterable[str],
    rows: tuple[Rows, Rows] | None,
    time_limit: float,
) -> str:
    """Can ``client_id`` be scheduled with every client of ``keep`` still scheduled?

    Tried in growing neighbourhoods of the schedule ``rows`` (each its own model, so presolve
    removes what is fixed): only the client's track may move (the other tracks' sessions are
    reserved); then the client's track may move within its days and blocks while the others
    keep their sessions; then everyone may move.
    ``time_limit`` is in seconds of solving. Returns ``fits``, ``does not fit``, ``unknown``
    or ``does not fit without moving others`` (the last try ran out of time).
    """
    candidates = build_candidates(scenario)
    if not candidates.attendable.get(client_id):
        return "does not fit"
    kept = [cid for cid in keep if cid != client_id]
    if any(not candidates.attendable.get(cid) for cid in kept if cid in candidates.attendable):
        return "does not fit"  # the change makes a kept client unschedulable
    tries: list[tuple[str, float]] = [("everyone", 1.0)]
    outcome = "unknown"
    solving = 0.0
    if rows is not None:
        started = time.perf_counter()
        local = _fits_in_track(scenario, client_id, kept, rows, 0.4 * time_limit)
        solving += time.perf_counter() - started
        if local == "fits":
            return "fits"
        if local == "does not fit":
            outcome = "does not fit without moving others"
        tries[:0] = [("days", 0.5)]
    track = {c.client_id: c.track for c in scenario.clients}
    for fix, part in tries:
        remaining = time_limit - solving
        if remaining <= 0.02:
            break
        iop = IOPModel(candidates)
        m = iop.model
        m.add(iop.scheduled_vars[client_id] == 1)
        for cid in kept:
            if cid in iop.scheduled_vars:
                m.add(iop.scheduled_vars[cid] == 1)
        if rows is not None:
            add_schedule_hint(iop, *rows)
        if fix != "everyone":
            values = hinted_values(iop)
            kept_set = set(kept)
            for cid, vars_ in client_vars(iop).items():
                if cid in kept_set and (fix == "all" or track[cid] != track[client_id]):
                    for var in vars_:
                        m.add(var == values.get(var.index, 0))
            if fix == "days":
                for (cid, _day, _block), var in iop.attend_vars.items():
                    if cid in kept_set:
                        m.add(var == values.get(var.index, 0))
        started = time.perf_counter()
        status = _solver(remaining * part).solve(m)
        solving += time.perf_counter() - started
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return "fits"
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(m.validate())
        if status == cp_model.INFEASIBLE:
            if fix == "everyone":
                return "does not fit"
            outcome = "does not fit without moving others"
    return outcome


def _track_subproblem(
    scenario: Scenario, client_id: str, kept: Sequence[str], rows: tuple[Rows, Rows]
) -> tuple[Scenario, Reservations, set[str], set[str]]:
    """The client's track alone: every other track's sessions of ``rows`` are reserved.

    Returns the sub-scenario (the client, the kept clients of the track and the track's
    unscheduled clients, who come along free since they may fill a group's minimum), the
    reservations, the ids of the client and the kept clients of the track, and the ids of
    their sessions.
    """
    track = {c.client_id: c.track for c in scenario.clients}
    mine = track[client_id]
    assignments, sessions = rows
    local_ids = {cid for cid in kept if track.get(cid) == mine} | {client_id}
    local_sessions = {r["session_id"] for r in assignments if r["client_id"] in local_ids}
    reserved = Reservations()
    reserved.add_sessions(r for r in sessions if r["session_id"] not in local_sessions)
    scheduled = {r["client_id"] for r in assignments}
    sub = scenario.model_copy(
        update={
            "clients": tuple(
                c
                for c in scenario.clients
                if c.client_id in local_ids or (c.track == mine and c.client_id not in scheduled)
            )
        }
    )
    return sub, reserved, local_ids, local_sessions


def _fits_in_track(
    scenario: Scenario, client_id: str, kept: Sequence[str], rows: tuple[Rows, Rows], limit: float
) -> str:
    """The small neighbourhood: only the client's track may move. Every other track's
    sessions are reserved (therapist and room time, caps), as in the warm start, so the model
    holds one track; "fits" is a proof, "does not fit" says someone of another track must
    move (``limit`` in seconds of solving)."""
    assignments, sessions = rows
    sub, reserved, local_ids, sessions_of_local = _track_subproblem(scenario, client_id, kept, rows)
    candidates = build_candidates(sub, reserved)
    if any(not candidates.attendable.get(cid) for cid in local_ids):
        return "does not fit"
    iop = IOPModel(candidates)
    for cid in local_ids:
        iop.model.add(iop.scheduled_vars[cid] == 1)
    add_schedule_hint(
        iop,
        [r for r in assignments if r["client_id"] in local_ids],
        [r for r in sessions if r["session_id"] in sessions_of_local],
    )
    status = _solver(limit, presolve=False).solve(iop.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "fits"
    if status == cp_model.INFEASIBLE:
        return "does not fit"
    return "unknown"


# ---------------------------------------------------------------------------------------
# Dynamic causes: the named-group model and its minimal core

_DELETE_ORDER = (
    "stay",
    "keep",
    "therapist-hours",
    "room-time",
    "room-capacity",
    "therapist-day",
    "therapist-time",
    "group-size",
    "therapist-week",
    "client-window",
)
"""Deletion tries groups in this order; groups tried last stay in the core more often, so
the explanation prefers resource limits and the client's windows over other clients."""


def _subtract(busy: tuple, spans: Sequence[tuple[int, int, int]]) -> tuple:
    """Busy windows minus ``spans`` (all ``(day_idx, start, end)``)."""
    out = list(busy)
    for d, s, e in spans:
        nxt = []
        for bd, bs, be in out:
            if bd != d or be <= s or e <= bs:
                nxt.append((bd, bs, be))
                continue
            if bs < s:
                nxt.append((bd, bs, s))
            if e < be:
                nxt.append((bd, e, be))
        out = nxt
    return tuple(sorted(out))


def _relaxed_scenario(scenario: Scenario, client: Client, client_windows: bool) -> Scenario:
    """Every therapist also working the client's own blocks (and, with ``client_windows``,
    the client without windows): the named model guards these extras with literals."""
    pairs = attendable_pairs(scenario, client)
    spans = [(day_index(d), *scenario.block_span(b)) for d, b in pairs]
    therapists = []
    for t in scenario.therapists:
        available = tuple(sorted(set(t.available) | set(spans))) if t.available else ()
        therapists.append(
            t.model_copy(update={"available": available, "busy": _subtract(t.busy, spans)})
        )
    clients = tuple(
        c.model_copy(update={"available": (), "busy": ()})
        if c.client_id == client.client_id and client_windows
        else c
        for c in scenario.clients
    )
    return scenario.model_copy(update={"therapists": tuple(therapists), "clients": clients})


class _CoreModel:
    """The named-group feasibility model of one client (built once, solved many times)."""

    def __init__(
        self,
        scenario: Scenario,
        client: Client,
        keep: Sequence[str],
        rows: Any,
        client_windows: bool = False,
        track_only: bool = False,
    ):
        """``track_only``: only the client's track is modelled; every other track's sessions
        of ``rows`` are reserved (a smaller model, for weeks where the whole is too slow)."""
        self.scenario = scenario
        self.client = client
        self.track_only = track_only
        reserved = None
        if track_only and rows is not None:
            assignments, sessions = rows
            scenario, reserved, local, mine = _track_subproblem(
                scenario, client.client_id, keep, rows
            )
            keep = [cid for cid in keep if cid in local]
            rows = (
                [r for r in assignments if r["client_id"] in local],
                [r for r in sessions if r["session_id"] in mine],
            )
        relaxed = _relaxed_scenario(scenario, client, client_windows)
        self.candidates = build_candidates(relaxed, reserved)
        iop = IOPModel(self.candidates, named_groups=True)
        self.iop = iop
        m = iop.model
        cid = client.client_id
        m.add(iop.scheduled_vars[cid] == 1)
        therapists = {t.therapist_id: t for t in scenario.therapists}
        events: list[tuple[str, str, str, int, int, cp_model.IntVar]] = []
        for gv in iop.groups:
            ctx = gv.context
            for tid, var in gv.lead_vars.items():
                events.append((tid, ctx.day, ctx.block, ctx.start, ctx.end, var))
        for iv in iop.individuals:
            o = iv.option
            for tid, var in iv.therapist_vars.items():
                events.append((tid, o.day, o.block, o.start, o.end, var))
        for tid, day, block, start, end, var in events:
            t = therapists[tid]
            if not staff_can_take(t.available, t.busy, day, start, end):
                m.add(var == 0).only_enforce_if(iop.literal(("therapist-hours", tid, day, block)))
        for (owner, day, block), var in iop.attend_vars.items():
            if owner == cid and not client_can_attend(scenario, client, day, block):
                m.add(var == 0).only_enforce_if(iop.literal(("client-window", cid, day, block)))
        for other in keep:
            if other != cid and self.candidates.attendable.get(other):
                m.add(iop.scheduled_vars[other] == 1).only_enforce_if(iop.literal(("keep", other)))
        if rows is not None:
            add_schedule_hint(iop, *rows)
            # "stay": a kept client keeps their sessions exactly; with every client staying,
            # the question is small (insert the client around the others) and quickly proven.
            values = hinted_values(iop)
            kept = set(keep) - {cid}
            for other, vars_ in client_vars(iop).items():
                if other in kept and self.candidates.attendable.get(other):
                    lit = iop.literal(("stay", other))
                    for var in vars_:
                        m.add(var == values.get(var.index, 0)).only_enforce_if(lit)
        order = {kind: idx for idx, kind in enumerate(_DELETE_ORDER)}
        self.names: list[GroupName] = sorted(
            iop.group_literals, key=lambda n: (order.get(n[0], len(order)), n)
        )
        self.checks = 0

    def check(
        self, enforced: Sequence[GroupName], time_limit: float, presolve: bool = False
    ) -> tuple[str, list[GroupName], cp_model.CpSolver]:
        """Solve with ``enforced`` assumed; the others are free (relaxed)."""
        m = self.iop.model
        m.clear_assumptions()
        lits = [self.iop.group_literals[n] for n in enforced]
        m.add_assumptions(lits)
        solver = _solver(time_limit, presolve=presolve)
        status = solver.solve(m)
        self.checks += 1
        if status == cp_model.INFEASIBLE:
            by_index = {self.iop.group_literals[n].index: n for n in enforced}
            core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
            return "does not fit", [n for n in enforced if n in set(core)], solver
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return "fits", [], solver
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(m.validate())
        return "unknown", [], solver

    def _prefer_keep(self, core: list[GroupName], deadline: float) -> list[GroupName]:
        """Swap "X keeps their sessions" for the weaker "X stays scheduled" where the core
        stays infeasible: the story is then about places, not about one arrangement."""
        for name in [n for n in core if n[0] == "stay"]:
            keep = ("keep", name[1])
            remaining = deadline - time.perf_counter()
            if keep not in self.iop.group_literals or keep in core or remaining <= 0.05:
                continue
            trial = [keep if n == name else n for n in core]
            status, _smaller, _ = self.check(trial, min(SHRINK_CHECK_TIME, remaining))
            if status == "does not fit":
                core = trial
        return core

    def shrink(self, core: list[GroupName], deadline: float) -> tuple[list[GroupName], bool]:
        """Deletion (in halving chunks) to a minimal core; False when time ran out first."""
        chunk = max(1, len(core) // 2)
        minimal = True
        while True:
            idx = 0
            while idx < len(core):
                remaining = deadline - time.perf_counter()
                if remaining <= 0.05:
                    return core, False
                trial = core[:idx] + core[idx + chunk :]
                status, smaller, _ = self.check(trial, min(SHRINK_CHECK_TIME, remaining))
                if status == "does not fit":
                    core = smaller or trial
                else:
                    if status == "unknown" and chunk == 1:
                        minimal = False  # kept without proof that it is needed
                    idx += chunk
            if chunk == 1:
                return self._prefer_keep(core, deadline), minimal
            chunk = max(1, chunk // 2)


def _dynamic_causes(
    scenario: Scenario, client: Client, names: Sequence[GroupName], cm: _CoreModel
) -> list[Cause]:
    """Phrase a core: one cause per kind of named group, with the ids and days."""
    by_kind: dict[str, list[GroupName]] = defaultdict(list)
    for name in names:
        by_kind[name[0]].append(name)
    therapists = {t.therapist_id: t for t in scenario.therapists}
    causes: list[Cause] = []

    def grouped(items: list[GroupName], key_idx: Sequence[int]) -> dict[tuple, list[str]]:
        """Days (name[2]) grouped by the other key parts."""
        out: dict[tuple, list[str]] = defaultdict(list)
        for n in items:
            out[tuple(n[i] for i in key_idx)].append(n[2] if len(n) > 2 else "")
        return out

    def flat(items: list[GroupName]) -> tuple[str, ...]:
        return tuple(["/".join(n) for n in items])

    if "group-size" in by_kind:
        items = by_kind["group-size"]
        parts = []
        for (track, block), days in grouped(items, (1, 3)).items():
            sizes = sorted(
                {
                    gv.context.max_size
                    for gv in cm.iop.groups
                    if gv.context.track == track and gv.context.block == block
                }
            )
            parts.append(
                f"{block} {track} groups are full on {days_text(days)} "
                f"(at most {'/'.join(map(str, sizes))} clients)"
            )
        causes.append(
            Cause(
                "groups-full",
                "; ".join(parts),
                days=tuple(sorted({n[2] for n in items}, key=day_index)),
                blocks=tuple(dict.fromkeys(n[3] for n in items)),
                track=items[0][1],
                constraints=flat(items),
            )
        )
    if "therapist-week" in by_kind:
        items = by_kind["therapist-week"]
        parts = [
            f"{n[1]}'s week is at its limit ({_sessions(therapists[n[1]].max_sessions_per_week)})"
            for n in items
        ]
        causes.append(
            Cause(
                "therapist-week-limit",
                "; ".join(parts),
                therapist_ids=tuple(n[1] for n in items),
                constraints=flat(items),
            )
        )
    if "therapist-day" in by_kind:
        items = by_kind["therapist-day"]
        parts = [
            f"{tid} is at the daily limit ({_sessions(therapists[tid].max_sessions_per_day)}) "
            f"on {days_text(days)}"
            for (tid,), days in grouped(items, (1,)).items()
        ]
        causes.append(
            Cause(
                "therapist-day-limit",
                "; ".join(parts),
                therapist_ids=tuple(dict.fromkeys(n[1] for n in items)),
                days=tuple(sorted({n[2] for n in items}, key=day_index)),
                constraints=flat(items),
            )
        )
    if "therapist-time" in by_kind:
        items = by_kind["therapist-time"]
        parts = [
            f"{ids_text(tids)} {'is' if len(tids) == 1 else 'are'} already in sessions "
            f"in {block} on {days}"
            for (block, days), tids in _owners_by_block_days(items).items()
        ]
        causes.append(
            Cause(
                "therapist-busy",
                "; ".join(parts),
                therapist_ids=tuple(dict.fromkeys(n[1] for n in items)),
                days=tuple(sorted({n[2] for n in items}, key=day_index)),
                blocks=tuple(dict.fromkeys(n[3] for n in items)),
                constraints=flat(items),
            )
        )
    if "therapist-hours" in by_kind:
        items = by_kind["therapist-hours"]
        parts = [
            f"{ids_text(tids)} {'does' if len(tids) == 1 else 'do'} not work {block} on {days}"
            for (block, days), tids in _owners_by_block_days(items).items()
        ]
        causes.append(
            Cause(
                "therapist-hours",
                "; ".join(parts),
                therapist_ids=tuple(dict.fromkeys(n[1] for n in items)),
                days=tuple(sorted({n[2] for n in items}, key=day_index)),
                blocks=tuple(dict.fromkeys(n[3] for n in items)),
                constraints=flat(items),
            )
        )
    for kind, code, verb in (
        ("room-time", "rooms-busy", "is taken during"),
        ("room-capacity", "rooms-too-small", ""),
    ):
        if kind not in by_kind:
            continue
        items = by_kind[kind]
        if kind == "room-time":
            parts = [
                f"room {rid} {verb} {block} on {days_text(days)}"
                for (rid, block), days in grouped(items, (1, 3)).items()
            ]
        else:
            parts = [
                f"no free room is large enough for a bigger group in {block} on {days_text(days)}"
                for (block,), days in ((k, v) for k, v in _by_block(items).items())
            ]
        causes.append(
            Cause(
                code,
                "; ".join(parts),
                room_ids=tuple(dict.fromkeys(n[1] for n in items if kind == "room-time")),
                constraints=flat(items),
            )
        )
    if "client-window" in by_kind:
        items = by_kind["client-window"]
        blocked = grouped(items, (3,))
        parts = []
        for (block,), days in blocked.items():
            why = sorted({_window_why(scenario, client, d, block) for d in days})
            parts.append(f"{block} on {days_text(days)} ({'; '.join(why)})")
        causes.append(
            Cause(
                "client-windows",
                "the client cannot attend " + "; ".join(parts),
                days=tuple(sorted({n[2] for n in items}, key=day_index)),
                blocks=tuple(dict.fromkeys(n[3] for n in items)),
                constraints=flat(items),
            )
        )
    if "keep" in by_kind or "stay" in by_kind:
        items = by_kind["keep"] + by_kind["stay"]
        kept = sorted({n[1] for n in by_kind["keep"]})
        staying = sorted({n[1] for n in by_kind["stay"]} - set(kept))
        parts = []
        if kept:
            parts.append(f"{ids_text(kept)} (kept scheduled)")
        if staying:
            parts.append(f"{ids_text(staying)} (in their current sessions)")
        causes.append(
            Cause(
                "competing-clients",
                f"the places go to {' and '.join(parts)}",
                client_ids=tuple(sorted({n[1] for n in items})),
                constraints=flat(items),
            )
        )
    return causes


def _sessions(count: int | None) -> str:
    return f"{count} session" + ("" if count == 1 else "s")


def _owners_by_block_days(items: list[GroupName]) -> dict[tuple[str, str], list[str]]:
    """``(kind, owner, day, block)`` names as (block, days text) -> owners."""
    days: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in items:
        days[(n[1], n[3])].append(n[2])
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (owner, block), owner_days in days.items():
        out[(block, days_text(owner_days))].append(owner)
    return out


def _by_block(items: list[GroupName]) -> dict[tuple[str], list[str]]:
    out: dict[tuple[str], list[str]] = defaultdict(list)
    for n in items:
        out[(n[2],)].append(n[1])
    return out


def _window_why(scenario: Scenario, client: Client, day: str, block: str) -> str:
    idx = day_index(day)
    start, end = scenario.block_span(block)
    commute = scenario.rules.commute_minutes
    if client.available and not any(
        lo <= start and end <= hi
        for d, lo, hi in client.available
        if d == idx  # merged check is in windows; this is for the message only
    ):
        return "outside their available hours"
    clashes = [
        format_interval((s, e))
        for d, s, e in client.busy
        if d == idx and e + commute > start and end + commute > s
    ]
    if clashes:
        text = "busy " + ", ".join(clashes)
        return text + (f" plus {commute}-minute commute" if commute else "")
    return "outside their windows"


# ---------------------------------------------------------------------------------------
# Suggestions


def _windows_text(windows: Iterable[tuple[int, int, int]]) -> str:
    return format_windows(windows)


def _client_attends_block(scenario: Scenario, client: Client, day: str, block: str) -> list[Change]:
    """Client windows changed so that the client can attend ``block`` on ``day``."""
    idx = day_index(day)
    start, end = scenario.block_span(block)
    commute = scenario.rules.commute_minutes
    busy = _subtract(client.busy, [(idx, start - commute, end + commute)])
    changes = []
    if busy != tuple(sorted(client.busy)):
        changes.append(
            Change(
                "clients",
                client.client_id,
                "busy",
                _windows_text(client.busy),
                _windows_text(busy),
            )
        )
    if client.available and not client_can_attend(
        scenario, client.model_copy(update={"busy": ()}), day, block
    ):
        available = tuple(sorted(set(client.available) | {(idx, start, end)}))
        changes.append(
            Change(
                "clients",
                client.client_id,
                "available",
                _windows_text(client.available),
                _windows_text(available),
            )
        )
    return changes


def _change_minutes(changes: list[Change]) -> int:
    """How many minutes of a client's windows a change gives up (smaller = easier)."""
    total = 0
    for change in changes:
        old = parse_windows(change.old or "")
        new = parse_windows(change.new or "")
        length = sum(e - s for _d, s, e in old) - sum(e - s for _d, s, e in new)
        total += abs(length)
    return total


def _therapist_works(scenario: Scenario, tid: str, day: str, block: str) -> list[Change]:
    t = next(t for t in scenario.therapists if t.therapist_id == tid)
    idx = day_index(day)
    start, end = scenario.block_span(block)
    changes = []
    if t.available:
        available = tuple(sorted(set(t.available) | {(idx, start, end)}))
        changes.append(
            Change(
                "therapists",
                tid,
                "available",
                _windows_text(t.available),
                _windows_text(available),
            )
        )
    busy = _subtract(t.busy, [(idx, start, end)])
    if busy != tuple(sorted(t.busy)):
        changes.append(
            Change("therapists", tid, "busy", _windows_text(t.busy), _windows_text(busy))
        )
    return changes


def _new_therapist_like(scenario: Scenario, tid: str, day: str, block: str) -> Change:
    t = next(t for t in scenario.therapists if t.therapist_id == tid)
    start, end = scenario.block_span(block)
    new_id = f"NEW-{tid}"
    row = {
        "therapist_id": new_id,
        "skills": ";".join(t.skills),
        "available": f"{day} {format_interval((start, end))}",
        "tracks": ";".join(t.tracks),
        "languages": ";".join(t.languages),
    }
    return Change("therapists", new_id, "*", None, row)


def _plan_alternatives(scenario: Scenario, client: Client, most_days: int | None) -> list[str]:
    """Other plans asking less of the client (fewer days or sessions), closest first."""
    current = scenario.plans[client.plan]
    total = sum(current.sessions.values())
    # Plans the client's cohort uses (an adult is not offered the adolescent plan).
    in_track = {c.plan for c in scenario.clients if c.track == client.track} - {client.plan}
    options = []
    for plan_id, plan in scenario.plans.items():
        if plan_id == client.plan or (in_track and plan_id not in in_track):
            continue
        if most_days is not None and plan.min_days > most_days:
            continue
        lighter = plan.min_days <= current.min_days and all(
            plan.sessions.get(t, 0) <= n for t, n in current.sessions.items()
        )
        if not lighter:
            continue
        options.append(
            (total - sum(plan.sessions.values()), current.min_days - plan.min_days, plan_id)
        )
    return [plan_id for *_k, plan_id in sorted(options)]


def _client_change(client: Client, field_name: str, new: Any) -> Change:
    old = getattr(client, field_name)
    if isinstance(old, tuple):
        old = ";".join(old)
    return Change("clients", client.client_id, field_name, old, new)


def _static_suggestions(
    scenario: Scenario, client: Client, causes: list[Cause]
) -> list[Suggestion]:
    out: list[Suggestion] = []
    pairs = attendable_pairs(scenario, client)
    for cause in causes:
        if cause.code in ("too-few-days", "no-block-fits"):
            lost = [x for x in cause.details.get("lost", []) if x["kind"] == "windows"]
            for item in lost[:3]:
                day = item["day"]
                options = [
                    (_change_minutes(changes), block, changes)
                    for block in scenario.blocks
                    if (changes := _client_attends_block(scenario, client, day, block))
                ]
                if not options:
                    continue
                _cost, block, changes = min(options, key=lambda o: o[0])
                out.append(
                    Suggestion(
                        f"the client could attend {block} on {day} "
                        f"({format_interval(scenario.block_span(block))}; now "
                        f"{item['why'].split(': ', 1)[-1]})",
                        changes,
                        rank=10,
                    )
                )
            fitting = len(set(d for d, _b in pairs))
            for plan_id in _plan_alternatives(scenario, client, fitting)[:2]:
                out.append(
                    Suggestion(
                        f"plan {plan_id} instead of {client.plan}",
                        [_client_change(client, "plan", plan_id)],
                        rank=30,
                    )
                )
        elif cause.code == "primary-unavailable":
            tid = client.primary_therapist or ""
            for day, block in pairs[:3]:
                out.append(
                    Suggestion(
                        f"primary therapist {tid} worked {block} on {day} "
                        f"({format_interval(scenario.block_span(block))})",
                        _therapist_works(scenario, tid, day, block),
                        rank=20,
                    )
                )
            out.append(
                Suggestion(
                    f"individual sessions with any qualified therapist, not only {tid}",
                    [_client_change(client, "primary_therapist", None)],
                    rank=40,
                )
            )
        elif cause.code == "no-language-therapist":
            for tid in cause.therapist_ids[:2]:
                for day, block in pairs[:2]:
                    out.append(
                        Suggestion(
                            f"{tid} (speaks {client.language}) worked {block} on {day}",
                            _therapist_works(scenario, tid, day, block),
                            rank=20,
                        )
                    )
        elif cause.code == "no-qualified-staff" and cause.therapist_ids:
            for tid in cause.therapist_ids[:2]:
                for day, block in pairs[:2]:
                    out.append(
                        Suggestion(
                            f"{tid} worked {block} on {day}",
                            _therapist_works(scenario, tid, day, block),
                            rank=20,
                        )
                    )
        elif cause.code == "cohort-too-small":
            type_id = cause.session_types[0]
            stype = scenario.session_types[type_id]
            size = cause.details.get("cohort_size", 1)
            if size >= 1 and size < stype.min_size:
                out.append(
                    Suggestion(
                        f"{type_id} groups could run with {size} client(s) "
                        f"(min_size {stype.min_size} -> {size})",
                        [
                            Change(
                                "session_types",
                                type_id,
                                "min_size",
                                stype.min_size,
                                size,
                            )
                        ],
                        rank=50,
                    )
                )
            tracks = sorted({c.track for c in scenario.clients} - {client.track})
            for track in tracks[:2]:
                out.append(
                    Suggestion(
                        f"the client joined track {track} instead of {client.track}",
                        [_client_change(client, "track", track)],
                        rank=45,
                    )
                )
        elif cause.code == "avoid-excludes-all":
            out.append(
                Suggestion(
                    f"the client's avoid list dropped {ids_text(list(cause.client_ids))}",
                    [_client_change(client, "avoid", "")]
                    + [
                        Change(
                            "clients",
                            c.client_id,
                            "avoid",
                            ";".join(c.avoid),
                            ";".join(a for a in c.avoid if a != client.client_id),
                        )
                        for c in scenario.clients
                        if client.client_id in c.avoid
                    ],
                    rank=40,
                )
            )
    return out


def _core_suggestions(
    scenario: Scenario, client: Client, cm: _CoreModel, core: list[GroupName], deadline: float
) -> list[Suggestion]:
    """Relax each core group alone (all others enforced) in the named model; where the
    client then fits, read how much was needed and turn it into a scenario change."""
    out: list[Suggestion] = []
    therapists = {t.therapist_id: t for t in scenario.therapists}
    per_kind: dict[str, int] = defaultdict(int)
    req = cm.candidates.requirements[client.client_id]
    client_sessions = sum(req.min_sessions.values())
    for name in core:
        kind = name[0]
        if kind in ("keep", "stay") or per_kind[kind] >= 2:
            continue
        per_kind[kind] += 1
        remaining = deadline - time.perf_counter()
        if remaining <= 0.2:
            break
        # A quick look with only this group relaxed tells how much of it the client needs.
        enforced = [n for n in cm.names if n != name]
        status, _core, solver = cm.check(enforced, min(SHRINK_CHECK_TIME, remaining))
        solved = status == "fits"
        if kind == "therapist-week":
            tid = name[1]
            cap = therapists[tid].max_sessions_per_week or 0
            used = cap + client_sessions
            if solved:
                used = sum(
                    solver.value(var)
                    for gv in cm.iop.groups
                    for t, var in gv.lead_vars.items()
                    if t == tid
                ) + sum(
                    solver.value(var)
                    for iv in cm.iop.individuals
                    for t, var in iv.therapist_vars.items()
                    if t == tid
                )
            out.append(
                Suggestion(
                    f"{tid}'s weekly limit were {max(used, cap + 1)} instead of {cap}",
                    [Change("therapists", tid, "max_sessions_per_week", cap, max(used, cap + 1))],
                    rank=25,
                )
            )
        elif kind == "therapist-day":
            tid, day = name[1], name[2]
            cap = therapists[tid].max_sessions_per_day or 0
            out.append(
                Suggestion(
                    f"{tid}'s daily limit were {cap + 1} instead of {cap} (needed on {day})",
                    [Change("therapists", tid, "max_sessions_per_day", cap, cap + 1)],
                    rank=25,
                )
            )
        elif kind == "therapist-hours":
            tid, day, block = name[1], name[2], name[3]
            out.append(
                Suggestion(
                    f"{tid} worked {block} on {day} "
                    f"({format_interval(scenario.block_span(block))})",
                    _therapist_works(scenario, tid, day, block),
                    rank=15 if per_kind[kind] == 1 else 32,
                )
            )
        elif kind == "therapist-time":
            tid, day, block = name[1], name[2], name[3]
            out.append(
                Suggestion(
                    f"another therapist with {tid}'s skills worked {block} on {day}",
                    [_new_therapist_like(scenario, tid, day, block)],
                    rank=35,
                )
            )
        elif kind == "group-size":
            track, day, block = name[1], name[2], name[3]
            bigger: dict[str, int] = {}
            for gv in cm.iop.groups:
                ctx = gv.context
                if (ctx.track, ctx.day, ctx.block) != (track, day, block):
                    continue
                for size_var in gv.size_vars:
                    size = solver.value(size_var) if solved else ctx.max_size + 1
                    if size > ctx.max_size:
                        bigger[ctx.session_type] = max(bigger.get(ctx.session_type, 0), size)
            changes = [
                Change(
                    "session_types",
                    type_id,
                    "max_size",
                    scenario.session_types[type_id].max_size,
                    size,
                )
                for type_id, size in sorted(bigger.items())
            ]
            if changes:
                what = ", ".join(f"{c.row_id} {c.old} -> {c.new}" for c in changes)
                out.append(
                    Suggestion(
                        f"groups could be one client larger ({what}; needed in {block} "
                        f"{track} on {day})",
                        changes,
                        rank=50,
                    )
                )
        elif kind == "client-window":
            day, block = name[2], name[3]
            changes = _client_attends_block(scenario, client, day, block)
            if changes:
                out.append(
                    Suggestion(
                        f"the client could attend {block} on {day} "
                        f"(now {_window_why(scenario, client, day, block)})",
                        changes,
                        rank=10,
                    )
                )
        elif kind in ("room-time", "room-capacity"):
            day, block = (name[2], name[3]) if kind == "room-time" else (name[1], name[2])
            biggest = max((r.capacity for r in scenario.rooms or ()), default=1)
            start, end = scenario.block_span(block)
            row = {
                "room_id": "NEW-ROOM",
                "capacity": biggest,
                "available": f"{day} {format_interval((start, end))}",
            }
            out.append(
                Suggestion(
                    f"another room (capacity {biggest}) were free in {block} on {day}",
                    [Change("rooms", "NEW-ROOM", "*", None, row)],
                    rank=35,
                )
            )
    return out


def _generic_suggestions(scenario: Scenario, client: Client) -> list[Suggestion]:
    out = [
        Suggestion(
            f"plan {plan_id} instead of {client.plan}",
            [_client_change(client, "plan", plan_id)],
            rank=12,  # quick to verify (one client changes) and often enough
        )
        for plan_id in _plan_alternatives(scenario, client, None)[:2]
    ]
    if client.primary_therapist:
        out.append(
            Suggestion(
                f"individual sessions with any qualified therapist, not only "
                f"{client.primary_therapist}",
                [_client_change(client, "primary_therapist", None)],
                rank=40,
            )
        )
    return out


def _verify(
    scenario: Scenario,
    client_id: str,
    suggestions: list[Suggestion],
    keep: Sequence[str],
    rows: tuple[Rows, Rows] | None,
    deadline: float,
) -> None:
    """Re-solve each suggestion's changed scenario (smallest changes first) until the
    deadline; the time left is shared among the suggestions still to try."""
    seen: set[str] = set()
    pending = []
    for sug in sorted(suggestions, key=lambda s: s.rank):
        key = json.dumps([c.to_dict() for c in sug.changes], sort_keys=True, default=str)
        if sug.changes and key not in seen:
            seen.add(key)
            pending.append(sug)
    pending = pending[:MAX_SUGGESTIONS]
    for idx, sug in enumerate(pending):
        remaining = deadline - time.perf_counter()
        if remaining <= 0.2:
            break
        share = max(CHECK_TIME, 0.8 * remaining / (len(pending) - idx))
        started = time.perf_counter()
        try:
            changed = apply_changes(scenario, sug.changes)
        except OptimizerError as error:
            sug.status = f"invalid change: {error.issues[0]}"
            continue
        # Part of the share goes to building models: solving gets two thirds of it.
        sug.status = fits(changed, client_id, keep, rows, min(share, remaining) * 2 / 3)
        sug.verified = sug.status == "fits"
        sug.seconds = time.perf_counter() - started


# ---------------------------------------------------------------------------------------
# The door


def explain(
    scenario: Scenario,
    client_id: str,
    schedule: Any = None,
    time_limit: float = DEFAULT_EXPLAIN_TIME,
    *,
    solve_time_limit: float = 20.0,
) -> Explanation:
    """Why ``client_id`` is unscheduled and what would let them in.

    ``schedule`` (a :class:`~optimizer.Result`, a :class:`~optimizer.Schedule` or a schedule
    folder) gives the clients to keep scheduled; without it, when no static cause applies, a
    schedule is solved first (``solve_time_limit`` seconds). ``time_limit`` (seconds, one
    worker) bounds the core and the verified suggestions. Raises
    :class:`UnknownClientError` for an id that is not in the scenario.
    """
    started = time.perf_counter()
    clients = {c.client_id: c for c in scenario.clients}
    if client_id not in clients:
        raise UnknownClientError(
            [
                Issue(
                    "client_id",
                    f"unknown client '{client_id}'{did_you_mean(client_id, clients)}",
                    "use a client_id of the clients table",
                )
            ]
        )
    client = clients[client_id]
    deadline = started + time_limit
    candidates = build_candidates(scenario)
    causes = static_causes(scenario, candidates, client)
    if causes:
        result = Explanation(
            client_id,
            False,
            f"cannot be scheduled this week whatever the other clients do: {causes[0].message}",
            causes=causes,
        )
        if causes[0].code != "not-in-program":
            result.suggestions = _static_suggestions(scenario, client, causes)
            rows = schedule_rows(schedule)
            keep = sorted({r["client_id"] for r in rows[0]} - {client_id}) if rows else []
            _verify(scenario, client_id, result.suggestions, keep, rows, deadline)
            result.suggestions = _ordered(result.suggestions)
        result.seconds = time.perf_counter() - started
        return result

    rows = schedule_rows(schedule)
    if rows is None:
        from .solve import solve

        log.info("no schedule given: solving one (%.0fs)", solve_time_limit)
        res = solve(scenario, time_limit=solve_time_limit, prove_with_cores=False)
        rows = schedule_rows(res)
        deadline = time.perf_counter() + time_limit
    assert rows is not None
    scheduled = {r["client_id"] for r in rows[0]}
    if client_id in scheduled:
        result = Explanation(client_id, True, "scheduled in this schedule")
        result.seconds = time.perf_counter() - started
        return result
    keep = sorted(scheduled)
    # A schedule cut short by its time limit may have room left: insertion checks first.
    quick = _fits_in_track(scenario, client_id, keep, rows, min(CHECK_TIME, 0.15 * time_limit))
    if quick == "fits":
        explanation = Explanation(
            client_id,
            False,
            "can be added to this schedule without unscheduling anyone (verified, possibly "
            "together with other unscheduled clients of the track): the schedule was not "
            "optimal; re-solve with a longer time limit",
            causes=[
                Cause("schedule-not-optimal", "the client fits next to every scheduled client")
            ],
        )
        explanation.seconds = time.perf_counter() - started
        return explanation
    # The whole week gives the best story; its proofs get slow beyond about 50 clients,
    # where the client's track alone (other tracks' sessions reserved) comes first.
    first_check = max(CHECK_TIME, CORE_SHARE * time_limit)
    order = [False, True] if len(scenario.clients) <= WHOLE_WEEK_CLIENTS else [True, False]
    for track_only in order:
        cm = _CoreModel(scenario, client, keep, rows, track_only=track_only)
        status, core, _ = cm.check(cm.names, min(first_check, deadline - time.perf_counter()))
        if status != "unknown" or deadline - time.perf_counter() < 1.0:
            break
        log.info("core undecided (track_only=%s): trying the other model", track_only)
    explanation = Explanation(client_id, False, "")
    if status == "fits":
        explanation.summary = (
            "can be added to this schedule without unscheduling anyone (the schedule was "
            "not optimal: re-solve with a longer time limit)"
        )
        explanation.seconds = time.perf_counter() - started
        return explanation
    if status == "unknown":
        explanation.summary = "the solver could not decide in the time limit"
        explanation.causes = [
            Cause("undecided", "no answer within the time limit; try a longer --time-limit")
        ]
    elif not core and cm.track_only:
        explanation.causes = [_other_tracks_cause(scenario, client, candidates, rows)]
        explanation.summary = (
            "cannot be added while the other tracks keep their sessions: "
            + explanation.causes[0].message
        )
    elif not core:
        explanation.summary = (
            "cannot be scheduled even with every staff, room and group-size limit relaxed"
        )
        explanation.causes = [
            Cause(
                "structural",
                "no combination of the client's groups and individual sessions fits the "
                "program's blocks, tracks and plans",
            )
        ]
    else:
        shrink_until = started + (CORE_SHARE + SHRINK_SHARE) * time_limit
        core, minimal = cm.shrink(core, max(shrink_until, time.perf_counter() + 0.5))
        explanation.core = ["/".join(n) for n in core]
        explanation.core_minimal = minimal
        explanation.causes = _dynamic_causes(scenario, client, core, cm)
        if cm.track_only:
            explanation.causes.append(_other_tracks_cause(scenario, client, candidates, rows))
        explanation.summary = "cannot be added without unscheduling another client: " + "; ".join(
            c.message for c in explanation.causes
        )
        explanation.suggestions = _core_suggestions(scenario, client, cm, core, deadline)
    explanation.suggestions += _generic_suggestions(scenario, client)
    _verify(scenario, client_id, explanation.suggestions, keep, rows, deadline)
    explanation.suggestions = _ordered(explanation.suggestions)
    explanation.seconds = time.perf_counter() - started
    log.info("explained %s in %.2fs (%d checks)", client_id, explanation.seconds, cm.checks)
    return explanation


def _other_tracks_cause(
    scenario: Scenario, client: Client, candidates: Any, rows: tuple[Rows, Rows]
) -> Cause:
    """Which therapists the other tracks' sessions hold in the client's blocks."""
    track = {c.client_id: c.track for c in scenario.clients}
    assignments, sessions = rows
    session_track = {r["session_id"]: track.get(r["client_id"], "") for r in assignments}
    pairs = candidates.attendable[client.client_id]
    held: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in sessions:
        if session_track.get(row["session_id"]) in ("", client.track):
            continue
        for day, block in pairs:
            start, end = scenario.block_span(block)
            overlaps = parse_time(row["start"]) < end and start < parse_time(row["end"])
            if row["day"] == day and overlaps:
                held[(block, row["therapist_id"])].add(day)
    by_block: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (block, tid), days in sorted(held.items()):
        by_block[(block, days_text(days))].append(tid)
    parts = [f"{ids_text(tids)} in {block} on {days}" for (block, days), tids in by_block.items()]
    return Cause(
        "other-tracks",
        "other tracks' sessions hold "
        + ("; ".join(parts) if parts else "the rooms")
        + f" (the {client.track} track alone was analysed)",
        therapist_ids=tuple(sorted({tid for _b, tid in held})),
        blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
        track=client.track,
    )


def _ordered(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Verified first, then by size of the change (rank), then as generated."""
    return sorted(suggestions, key=lambda s: (not s.verified, s.status == "not tried", s.rank))


def explain_all(
    scenario: Scenario, schedule: Any, client_ids: Iterable[str] | None = None, **kwargs: Any
) -> dict[str, Explanation]:
    """:func:`explain` for every unscheduled client of ``schedule`` (or ``client_ids``)."""
    rows = schedule_rows(schedule)
    assert rows is not None
    scheduled = {r["client_id"] for r in rows[0]}
    ids = client_ids or [c.client_id for c in scenario.clients if c.client_id not in scheduled]
    return {cid: explain(scenario, cid, schedule, **kwargs) for cid in ids}
