"""The placement model: some clients fitted into a week whose other sessions stay as they are.

It is the week's own model (:class:`~optimizer.model.cpmodel.IOPModel`) over a sub-week of
just the clients being placed, with every other session reserved (its therapist's and room's
time and session caps, :class:`~optimizer.model.candidates.Reservations`), so every rule the
model and its candidates know holds for the placed clients too. What that model cannot know
on its own is the sessions that run already: a placed client may take a *seat* in a group
session of their track (a place left under its maximum size and its room's capacity, nobody
in it on either side's ``avoid`` list).

A seat enters the model as a group context of its own with no copies, the placed client's
join variable and its therapist as a leader that is always true: the model's rules for
slots, days and weekly counts take it like any group session, and the secondary terms see
who leads it (group continuity, individual by group leader), while its therapist and room,
reserved already, take no time or cap again (:meth:`PlacementModel.therapist_events`).

The objective is the change of SPEC §4's weighted secondary objective from the fixed week's:
the model's own terms over the placed clients, plus what only the fixed week knows (places
filled in sessions short of a comfortable size, the busiest therapist's load counting their
sessions already in the week).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..model.candidates import Candidates, GroupContext, Reservations, build_candidates
from ..model.cpmodel import GroupVars, IOPModel
from ..model.extract import extract_schedule
from ..model.pinning import add_pins
from ..pins import ResolvedPin, resolve_pins
from ..result import has_solution, solve_status
from ..scenario import Client, Scenario
from ..schedule import Session, WeekSchedule
from ..search.params import SearchParams
from ..search.solver import Role, make_solver
from ..terms import TERM_NAMES, comfortable_size, load_percent, therapist_capacity

TERMS_WITHOUT_PREVIOUS = tuple(name for name in TERM_NAMES if name != "changes")
"""The secondary terms a placement changes (``changes`` needs last week, which place has not)."""
LOAD_CEILING = 10_000
"""Percent: an upper bound of any therapist's load (a hand-edited week may exceed 100)."""


@dataclass(frozen=True)
class Seat:
    """A place for ``client_id`` in a group session that runs already (``session`` with the
    clients who stay in it)."""

    client_id: str
    session: Session


@dataclass(frozen=True)
class Fit:
    """One solution of the placement model: where the placed clients go.

    ``attendance`` holds (client, day, block) of every placed client; ``new_sessions`` the
    sessions opened for them; ``joins`` per session id of the fixed week the placed clients
    who join it; ``penalty`` the model's change of the weighted secondary objective.
    """

    attendance: tuple[tuple[str, str, str], ...]
    new_sessions: tuple[Session, ...]
    joins: Mapping[str, tuple[str, ...]]
    penalty: int

    def applied_to(self, fixed: WeekSchedule) -> WeekSchedule:
        """The fixed week with the placed clients in it (joined sessions keep their place,
        their members in order, the joining clients last; new sessions at the end)."""
        sessions = tuple(
            dataclasses.replace(s, clients=s.clients + self.joins[s.session_id])
            if s.session_id in self.joins
            else s
            for s in fixed.sessions
        )
        return WeekSchedule(sessions + self.new_sessions)


def group_track(scenario: Scenario, session: Session) -> str:
    """A group session's track: its ``track`` cell, or (a hand-edited row without one) the
    track of its first client."""
    if session.track or not session.clients:
        return session.track
    first = next((c for c in scenario.clients if c.client_id == session.clients[0]), None)
    return first.track if first else ""


def sub_week(scenario: Scenario, client_ids: Sequence[str]) -> Scenario:
    """The scenario with only these clients and no pins (the caller adds the placed clients'
    pins); ``avoid`` entries naming anyone else are left out: the members of the fixed
    sessions are kept apart by the seats offered (:func:`find_seats`)."""
    wanted = set(client_ids)
    clients = tuple(
        c if set(c.avoid) <= wanted else c.updated(avoid=tuple(a for a in c.avoid if a in wanted))
        for c in scenario.clients
        if c.client_id in wanted
    )
    return scenario.updated(clients=clients, pins=())


def avoided(scenario: Scenario) -> dict[str, set[str]]:
    """Per client, everyone they may not share a group with (``avoid`` in either direction)."""
    avoid: dict[str, set[str]] = defaultdict(set)
    for c in scenario.clients:
        for other in c.avoid:
            avoid[c.client_id].add(other)
            avoid[other].add(c.client_id)
    return avoid


def find_seats(
    scenario: Scenario, candidates: Candidates, fixed: WeekSchedule, placed: Sequence[Client]
) -> list[Seat]:
    """Every place a placed client may take in a group session of ``fixed``: in a block the
    client can attend that day, of their track and a type their plan allows, with room left
    (session type's ``max_size``, the room's capacity), and nobody in it whom the client
    avoids or who avoids the client."""
    avoid = avoided(scenario)
    by_block: dict[tuple[str, str], list[Session]] = defaultdict(list)
    for session in fixed.sessions:
        stype = scenario.session_types.get(session.session_type)
        if stype is not None and stype.is_group and session.clients:
            by_block[(session.day, session.block)].append(session)
    seats = []
    for client in placed:
        cid = client.client_id
        req = candidates.requirements[cid]
        for day, block in candidates.attendable[cid]:
            for session in by_block.get((day, block), []):
                if (
                    group_track(scenario, session) == client.track
                    and req.max_sessions.get(session.session_type) != 0
                    and not avoid[cid] & set(session.clients)
                    and session.size < places(scenario, session)
                ):
                    seats.append(Seat(cid, session))
    return seats


def places(scenario: Scenario, session: Session) -> int:
    """Most clients a group session may hold: its type's ``max_size`` and its room's
    capacity."""
    most = scenario.session_types[session.session_type].max_size or 1
    room = next((r for r in scenario.rooms or () if r.room_id == session.room_id), None)
    return min(most, room.capacity) if room else most


class PlacementModel(IOPModel):
    """The model of some clients placed into a fixed week (see the module docstring).

    Every placed client is scheduled; ``penalty`` is the change of the weighted secondary
    objective, ``penalty_terms`` its unweighted terms by name.
    """

    def __init__(
        self,
        scenario: Scenario,
        candidates: Candidates,
        fixed: WeekSchedule,
        seats: Sequence[Seat],
        pins: Sequence[ResolvedPin] = (),
        before: Mapping[str, Sequence[Session]] | None = None,
        capacities: Mapping[str, int] | None = None,
    ) -> None:
        """``scenario`` is the whole week (for the load of every therapist), ``candidates``
        those of the placed clients' sub-week with ``fixed`` reserved, ``pins`` the placed
        clients' pins. ``before`` holds, per placed client who was in the week (a client
        moved to make room), their sessions then: the model first keeps as many of them as
        it can (``changed`` counts those lost), and only then minimizes ``penalty``.
        ``capacities``: every therapist's :func:`therapist_capacity`, if known already."""
        self.week = scenario
        self.capacities = capacities or {
            t.therapist_id: therapist_capacity(scenario, t) for t in scenario.therapists
        }
        self.fixed = fixed
        self.seats = tuple(seats)
        self.seat_vars: list[tuple[Seat, cp_model.IntVar]] = []
        self._seat_groups: set[int] = set()
        # The model is built by IOPModel.__init__, which calls the overridden builders.
        self._leads: cp_model.IntVar | None = None
        self.last_status = "UNKNOWN"
        """The status of the last solve of :meth:`fits` (``INFEASIBLE``: no other fit)."""
        super().__init__(candidates)
        m = self.model
        for var in self.scheduled_vars.values():
            m.add(var == 1)
        self._add_seat_limits()
        self._add_client_pins(pins)
        self.penalty_terms = self._penalty_terms()
        self.penalty: cp_model.LinearExprT = sum(
            getattr(scenario.weights, name) * term for name, term in self.penalty_terms.items()
        )
        self.changed: cp_model.LinearExprT | None = self._sessions_lost(before) if before else None
        m.minimize(self.penalty if self.changed is None else self.changed)

    # ---- seats --------------------------------------------------------------------------

    def _add_group_variables(self) -> None:
        super()._add_group_variables()
        leads = self.model.new_constant(1)
        self._leads = leads
        for seat in self.seats:
            s = seat.session
            join = self.model.new_bool_var(f"seat[{seat.client_id},{s.session_id}]")
            context = GroupContext(
                s.day, s.block, s.slot_idx, s.track, s.session_type, s.start, s.end,
                (seat.client_id,), (s.therapist_id,), (), 0, 0,
            )  # fmt: skip
            self._seat_groups.add(len(self.groups))
            leaders = {s.therapist_id: leads}
            self.groups.append(GroupVars(context, {seat.client_id: join}, [], [], leaders, []))
            self.seat_vars.append((seat, join))

    def therapist_events(self) -> dict[str, list[tuple[str, int, int, cp_model.IntVar]]]:
        """The model's therapist events without the seats' leaders: their sessions run
        already (reserved), so joining one takes no therapist time or cap."""
        events = super().therapist_events()
        return {tid: [e for e in items if e[3] is not self._leads] for tid, items in events.items()}

    def _add_seat_limits(self) -> None:
        """Joins fit the places a session has left; a session that lost members (clients
        being placed again) is brought back to its minimum size; clients avoiding each
        other never join one session."""
        m = self.model
        avoid = avoided(self.scenario)
        by_session: dict[str, list[tuple[Seat, cp_model.IntVar]]] = defaultdict(list)
        for seat, var in self.seat_vars:
            by_session[seat.session.session_id].append((seat, var))
        for session in self.fixed.sessions:
            stype = self.week.session_types.get(session.session_type)
            if stype is None or not stype.is_group or not session.clients:
                continue
            joins = by_session.get(session.session_id, [])
            left = places(self.week, session) - session.size
            if len(joins) > left:
                m.add(sum(var for _seat, var in joins) <= left)
            if session.size < stype.min_size:
                m.add(sum(var for _seat, var in joins) >= stype.min_size - session.size)
            for a, (seat_a, var_a) in enumerate(joins):
                for seat_b, var_b in joins[a + 1 :]:
                    if seat_b.client_id in avoid[seat_a.client_id]:
                        m.add_bool_or([var_a.Not(), var_b.Not()])

    def _add_client_pins(self, pins: Sequence[ResolvedPin]) -> None:
        """The placed clients' pins: days and blocks, and individual sessions, as in the
        week's model; a pinned group session may be a seat or a group opened for them."""
        add_pins(
            self,
            [
                p
                for p in pins
                if p.kind == "client_block"
                or not self.week.session_types[p.session_type or ""].is_group
            ],
        )
        for pin in pins:
            if pin.kind != "client_session" or pin.client_id not in self.scheduled_vars:
                continue
            if not self.week.session_types[pin.session_type or ""].is_group:
                continue
            self.model.add(sum(self._pinned_choices(pin)) == 1)

    def _pinned_choices(self, pin: ResolvedPin) -> list[cp_model.IntVar]:
        """Literals, one of which is true when the client is in the pinned group session."""
        m = self.model
        where = (pin.day, pin.block, pin.slot_idx, pin.session_type)
        chosen = [
            var
            for seat, var in self.seat_vars
            if seat.client_id == pin.client_id
            and (seat.session.day, seat.session.block, seat.session.slot_idx,
                 seat.session.session_type) == where
            and pin.therapist_id in (None, seat.session.therapist_id)
            and pin.room_id in (None, seat.session.room_id)
        ]  # fmt: skip
        for idx, gv in enumerate(self.groups):
            ctx = gv.context
            join = gv.join_vars.get(pin.client_id or "")
            if idx in self._seat_groups or join is None:
                continue
            if (ctx.day, ctx.block, ctx.slot_idx, ctx.session_type) != where:
                continue
            if pin.therapist_id is not None and pin.therapist_id not in gv.lead_vars:
                continue
            here = m.new_bool_var(f"pinned_here[{pin.row_idx},{idx}]")
            m.add_implication(here, join)
            if pin.therapist_id is not None:
                m.add_implication(here, gv.lead_vars[pin.therapist_id])
                self.copy_pins.setdefault(idx, []).append((pin.client_id, pin.therapist_id, None))
            if pin.room_id is not None:
                rooms = [r[pin.room_id] for r in gv.room_vars if pin.room_id in r]
                m.add(sum(rooms) >= 1).only_enforce_if(here)
            chosen.append(here)
        return chosen

    def _sessions_lost(self, before: Mapping[str, Sequence[Session]]) -> cp_model.LinearExprT:
        """How many of their sessions before the moved clients do not get back: a group
        session they leave (a seat they do not take again) or an individual session that
        is no longer in the same slot with the same therapist."""
        seat_of = {(seat.client_id, seat.session.session_id): var for seat, var in self.seat_vars}
        individual_of = {
            (iv.option.client_id, iv.option.day, iv.option.block, iv.option.slot_idx,
             iv.option.session_type, tid): var
            for iv in self.individuals
            for tid, var in iv.therapist_vars.items()
        }  # fmt: skip
        lost: list[cp_model.LinearExprT] = []
        for cid, sessions in before.items():
            for s in sessions:
                kept = seat_of.get((cid, s.session_id))
                if kept is None:
                    key = (cid, s.day, s.block, s.slot_idx, s.session_type, s.therapist_id)
                    kept = individual_of.get(key)
                lost.append(1 if kept is None else 1 - kept)
        return sum(lost)

    # ---- the change of the secondary objective -------------------------------------------

    def _penalty_terms(self) -> dict[str, cp_model.LinearExprT]:
        weights = self.week.weights
        builders = {
            "preferred_block": self._term_preferred_block,
            "same_block": self._term_same_block,
            "group_sessions": self._term_group_sessions,
            "small_groups": self._small_groups_change,
            "group_continuity": self._term_group_continuity,
            "individual_by_group_leader": self._term_individual_by_group_leader,
            "therapist_load": self._load_change,
        }
        return {name: build() for name, build in builders.items() if getattr(weights, name) > 0}

    def _small_groups_change(self) -> cp_model.LinearExprT:
        """Places short of a comfortable size: those of new groups, and the change in the
        fixed sessions that placed clients join."""
        m = self.model
        change: list[cp_model.LinearExprT] = [self._term_small_groups()]
        joined: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for seat, var in self.seat_vars:
            joined[seat.session.session_id].append(var)
        for session in self.fixed.sessions:
            if session.session_id not in joined:
                continue
            comfortable = comfortable_size(self.week.session_types[session.session_type])
            if session.size >= comfortable:
                continue
            short = m.new_int_var(0, comfortable, f"short[{session.session_id}]")
            m.add(short >= comfortable - session.size - sum(joined[session.session_id]))
            change.append(short - (comfortable - session.size))
        return sum(change)

    def _load_change(self) -> cp_model.LinearExprT:
        """The busiest therapist's load (whole percent of capacity, rounded up), counting
        the fixed week's sessions, minus its value in the fixed week."""
        m = self.model
        counts = Counter(s.therapist_id for s in self.fixed.sessions)
        capacity = self.capacities
        before = max((load_percent(counts[t], c) for t, c in capacity.items()), default=0)
        load = m.new_int_var(before, max(LOAD_CEILING, before), "max_therapist_load")
        for tid, events in self.therapist_events().items():
            if events and capacity.get(tid):
                m.add(capacity[tid] * load >= 100 * (counts[tid] + sum(e[3] for e in events)))
        return load - before

    # ---- solutions ----------------------------------------------------------------------

    def fits(self, params: SearchParams, time_limit: float, seed: int = 0) -> Iterator[Fit]:
        """The best fits with different attendance, best first: after each, a constraint
        rules out its days and blocks and the model is solved again. ``last_status`` is the
        status of the solve that gave it (``OPTIMAL`` or ``FEASIBLE``); the iteration ends
        when no other fit exists (``INFEASIBLE``) or none was found within ``time_limit``
        seconds per solve (``UNKNOWN``)."""
        if self.changed is not None:
            # Lexicographic: as few moved sessions as possible, then the best penalty.
            solver = self._solve(params, time_limit, seed)
            if solver is None:
                return
            self.model.add(self.changed <= round(solver.objective_value))
            self.model.minimize(self.penalty)
            self.changed = None
        while (solver := self._solve(params, time_limit, seed)) is not None:
            yield self.fit_of(solver)
            # Rule out these days and blocks: some attended pair off, or another pair on.
            self.model.add_bool_or(
                [var.Not() if solver.value(var) else var for var in self.attend_vars.values()]
            )

    def _solve(
        self, params: SearchParams, time_limit: float, seed: int
    ) -> cp_model.CpSolver | None:
        """The solver after solving the model as it stands (None: no solution)."""
        solver = make_solver(params, time_limit, 1, seed, role=Role.PLACE)
        status = int(solver.solve(self.model))
        self.last_status = solve_status(status, self.model).value
        return solver if has_solution(status) else None

    def fit_of(self, solver: cp_model.CpSolver) -> Fit:
        """The placed clients' days, new sessions and joins in the solver's solution."""
        joins: dict[str, list[str]] = defaultdict(list)
        for seat, var in self.seat_vars:
            if solver.value(var):
                joins[seat.session.session_id].append(seat.client_id)
        return Fit(
            attendance=tuple(key for key, var in self.attend_vars.items() if solver.value(var)),
            new_sessions=extract_schedule(self, solver).sessions,
            joins={sid: tuple(sorted(cids)) for sid, cids in joins.items()},
            penalty=round(solver.value(self.penalty)),
        )


def placement_model(
    scenario: Scenario,
    placed: Sequence[str],
    fixed: WeekSchedule,
    before: Mapping[str, Sequence[Session]] | None = None,
    capacities: Mapping[str, int] | None = None,
) -> PlacementModel:
    """The placement model of ``placed`` (client ids of ``scenario``) into ``fixed``;
    ``before`` and ``capacities`` as in :class:`PlacementModel`."""
    sub = sub_week(scenario, placed)
    reserved = Reservations()
    reserved.reserve(fixed.sessions)
    candidates = build_candidates(sub, reserved)
    seats = find_seats(scenario, candidates, fixed, sub.clients)
    pins = [p for p in resolve_pins(scenario) if p.client_id in set(placed)]
    return PlacementModel(scenario, candidates, fixed, seats, pins, before, capacities)
