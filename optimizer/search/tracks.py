"""A better first schedule by decomposition: one track at a time, the others held fixed.

Tracks never share a group, so a week splits into one small problem per track that only
compete for therapists and rooms. Starting from the hand-style schedule, each track that
leaves someone out is solved again alone with every other track's sessions reserved (about
a second for 15 clients); the union stays a valid schedule of the whole week. It seeds the
whole model's search (a solution hint), which then proves or improves it; weeks too large
for one model are searched this way alone.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from ..model.candidates import Candidates, Reservations, build_candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..model.hints import hint_schedule
from ..result import has_solution
from ..scenario import Client, Room, Scenario, Therapist
from ..schedule import WeekSchedule
from .control import SearchControl
from .params import SearchParams
from .solver import Role, make_solver

log = logging.getLogger(__name__)


def improve_by_track(
    scenario: Scenario,
    schedule: WeekSchedule,
    time_limit: float,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
    candidates: Candidates | None = None,
    pairs: bool = False,
) -> WeekSchedule:
    """Better a valid schedule one track at a time, everything else held where it is.

    A large-neighbourhood search whose neighbourhoods are tracks: each track that leaves
    someone out is solved again alone (its current schedule as the hint), with every other
    track's sessions reserved; the result replaces the track's sessions only when it serves
    more. Rounds repeat while they improve and time is left; with ``pairs``, when no single
    track gains, each short track is solved together with a track it shares therapists with
    (slower: a pair is a larger model). Each subproblem is the size of one track, so weeks
    too large for one model (1,000 clients) are searched piece by piece.

    ``time_limit`` in seconds, counted in deterministic units when ``control`` is
    deterministic (then every run splits the budget alike and stops each stage at the same
    point: the same schedule each time). Every stage runs through ``control``, which a
    signal can stop; the schedule so far is then returned. ``candidates`` of the whole week
    saves building them again.
    """
    search = _TrackSearch(scenario, schedule, control, seed, workers, candidates)
    started = time.perf_counter()
    deterministic = control.deterministic and workers == 1

    def remaining() -> float:
        return time_limit - (search.spent if deterministic else time.perf_counter() - started)

    return search.run(remaining, pairs)


class _TrackSearch:
    """The state of :func:`improve_by_track`: the schedule so far, and how to better it."""

    def __init__(
        self,
        scenario: Scenario,
        schedule: WeekSchedule,
        control: SearchControl,
        seed: int,
        workers: int,
        candidates: Candidates | None,
    ) -> None:
        self.scenario = scenario
        self.schedule = schedule
        self.control = control
        self.params: SearchParams = control.params
        self.seed = seed
        self.workers = workers
        self.deterministic = control.deterministic and workers == 1
        self.spent = 0.0
        """Seconds of budget the stages used (deterministic units turned into seconds)."""
        self.track_of = {c.client_id: c.track for c in scenario.clients}
        candidates = candidates or build_candidates(scenario)
        self.reachable: dict[str, int] = defaultdict(int)
        """Per track, the summed priority of its clients who can attend at all."""
        for c in scenario.clients:
            if candidates.attendable[c.client_id]:
                self.reachable[c.track] += c.priority

    def of_tracks(self, tracks: tuple[str, ...]) -> tuple[WeekSchedule, WeekSchedule]:
        """The sessions of these tracks' clients, and all the others."""
        ids = {
            s.session_id
            for s in self.schedule.sessions
            if any(self.track_of[cid] in tracks for cid in s.clients)
        }
        return self.schedule.select(ids), self.schedule.select(ids, keep=False)

    def served(self, schedule: WeekSchedule) -> int:
        return schedule.served(self.scenario)

    def better(self, tracks: tuple[str, ...], budget: float) -> bool:
        """Solve these tracks again, the rest reserved; keep the result if it serves more."""
        mine, others = self.of_tracks(tracks)
        reserved = Reservations()
        reserved.reserve(others.sessions)
        iop = IOPModel(build_candidates(self._stage_scenario(tracks, mine, others), reserved))
        hint_schedule(iop, mine)
        iop.model.maximize(iop.primary)
        solver = make_solver(
            self.params,
            budget,
            self.workers,
            self.seed,
            role=Role.STAGE,
            deterministic=self.deterministic,
        )
        status = self.control.run(solver, iop.model)
        if self.deterministic and not self.control.stopped:
            self.spent += solver.deterministic_time / self.params.deterministic_units_per_second
        name = "+".join(tracks)
        if not has_solution(status):
            log.debug("track search: %s found no schedule in %.1fs", name, budget)
            return False
        log.debug(
            "track search: %s %s, %d of %d (bound %d)",
            name,
            cp_model.CpSolverStatus(status).name,
            round(solver.objective_value),
            self.served(mine),
            round(solver.best_objective_bound),
        )
        if round(solver.objective_value) <= self.served(mine):
            return False
        found = extract_schedule(iop, solver)
        self.schedule = others + found
        log.info(
            "track search: %s serve %d more (%d of %d)",
            name,
            self.served(found) - self.served(mine),
            self.served(found),
            sum(self.reachable[t] for t in tracks),
        )
        return True

    def _stage_scenario(
        self, tracks: tuple[str, ...], mine: WeekSchedule, others: WeekSchedule
    ) -> Scenario:
        """The week of these tracks' clients alone, with the therapists and rooms its stage
        may use. A stage knows no pins (its schedule is a hint; solve() keeps the pins), and
        an ``avoid`` entry naming a client of another track cannot matter (tracks never
        share a group), so it is left out."""
        s = self.scenario
        kept = {c.client_id for c in s.clients if c.track in tracks}
        clients = tuple(
            c if set(c.avoid) <= kept else c.updated(avoid=tuple(a for a in c.avoid if a in kept))
            for c in s.clients
            if c.client_id in kept
        )
        rooms = s.rooms
        if rooms is not None and len(rooms) > self.params.rooms_per_stage:
            rooms = _stage_rooms(rooms, self.params.rooms_per_stage, mine, others)
        therapists = s.therapists
        if len(therapists) > self.params.therapists_per_stage:
            therapists = _stage_therapists(therapists, tracks, clients, mine)
        return s.updated(clients=clients, therapists=therapists, rooms=rooms, pins=())

    def run(self, remaining: Callable[[], float], pairs: bool) -> WeekSchedule:
        """Rounds of stages while they gain and time is left; the schedule reached."""
        # Single tracks while that helps; then each short track with a track it shares
        # therapists with (one can give way to the other); back to singles after a gain.
        partners = _partners(self.scenario) if pairs else {}
        in_pairs = False
        while True:
            short = {
                t: self.reachable[t] - self.served(self.of_tracks((t,))[0])
                for t in sorted(self.reachable)
            }
            todo = sorted((t for t, gap in short.items() if gap > 0), key=lambda t: (-short[t], t))
            hoods: list[tuple[str, ...]] = [(t,) for t in todo]
            if in_pairs:
                hoods = [(t, u) for t in todo for u in partners.get(t, ())]
            improved = False
            for position, hood in enumerate(hoods):
                left = remaining()
                if left <= self.params.min_run_seconds or self.control.stopped:
                    return self.schedule
                improved |= self.better(hood, left / (len(hoods) - position))
            if improved:
                in_pairs = False
            elif in_pairs or not hoods or not pairs:
                return self.schedule
            else:
                in_pairs = True


def _stage_rooms(
    rooms: tuple[Room, ...], most: int, mine: WeekSchedule, others: WeekSchedule
) -> tuple[Room, ...]:
    """The rooms one stage may use when the week has many: those its tracks use now, then
    the least booked others, up to ``most`` (a neighbourhood, not a rule: every schedule
    found is valid, and a room left out may be used in a later stage)."""
    used = {s.room_id for s in mine.sessions if s.room_id}
    booked: dict[str, int] = defaultdict(int)
    for session in others.sessions:
        if session.room_id:
            booked[session.room_id] += 1
    spare = sorted(
        (r for r in rooms if r.room_id not in used),
        key=lambda r: (booked[r.room_id], -r.capacity, r.room_id),
    )
    keep = used | {r.room_id for r in spare[: max(0, most - len(used))]}
    return tuple(r for r in rooms if r.room_id in keep)


def _stage_therapists(
    therapists: tuple[Therapist, ...],
    tracks: tuple[str, ...],
    clients: tuple[Client, ...],
    mine: WeekSchedule,
) -> tuple[Therapist, ...]:
    """The therapists one stage may use when the week has many: those who may lead its
    tracks' groups, its clients' primary therapists and those in its sessions now. Anyone
    may hold an individual session, so without this a one-track stage of a 1,000-client
    week has a variable per client, slot and every therapist of every site."""
    keep = {s.therapist_id for s in mine.sessions}
    keep |= {c.primary_therapist for c in clients if c.primary_therapist}
    keep |= {
        t.therapist_id
        for t in therapists
        if not t.tracks or any(track in t.tracks for track in tracks)
    }
    return tuple(t for t in therapists if t.therapist_id in keep)


def _partners(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Per track, the other tracks whose groups some therapist can lead too, most shared
    therapists first (the tracks that compete with it)."""
    tracks = sorted({c.track for c in scenario.clients})
    can_lead = {
        t.therapist_id: {tr for tr in tracks if not t.tracks or tr in t.tracks}
        for t in scenario.therapists
    }
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for led in can_lead.values():
        for a in led:
            for b in led:
                if a != b:
                    shared[(a, b)] += 1
    return {
        a: tuple(sorted((b for b in tracks if shared[(a, b)]), key=lambda b: (-shared[(a, b)], b)))
        for a in tracks
    }
