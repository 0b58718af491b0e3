"""A first schedule that keeps last week: continuing clients on their days and blocks.

This is how a coordinator starts a week: everyone who continues keeps their routine, and the
new clients are fitted around them. Each continuing client may attend only last week's
(day, block) pairs (all of them when the plan allows, a subset for a client who now has
fewer days), so the model mostly places sessions and solves fast; its schedule seeds the
goal search (:mod:`.goals`), which may still move someone when that serves more clients.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..model.candidates import Candidates, build_candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..model.hints import hint_schedule
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..result import has_solution
from ..scenario import Scenario
from ..schedule import Session, WeekSchedule, served
from ..search.control import SearchControl
from ..search.solver import Role, make_solver
from .goals import sessions_kept, sessions_missed
from .previous import PreviousWeek
from .replan import KeptPast, keep_past

log = logging.getLogger(__name__)


def schedule_keeping(
    candidates: Candidates,
    last_week: PreviousWeek,
    time_limit: float,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
    past: KeptPast | None = None,
    continuing_first: bool = True,
) -> WeekSchedule:
    """The schedule serving as many continuing clients as possible (with
    ``continuing_first``), then as many clients, then keeping as many of last week's (day,
    block) pairs as possible (and, re-planning from a date, as many of the sessions of the
    re-planned days), while continuing clients attend only last week's pairs; the
    scenario's pins and the ``past`` of a re-planned week hold. The search starts from last
    week's schedule.

    A continuing client whose plan now needs a day the routine lacks may attend any pair;
    so may, in a second round (from the first round's schedule), those the first round
    proved it could not keep at all (their group fell below its minimum size, say; taken when
    it serves more, or as many and is proven); and, in
    a third, the continuing clients of the tracks of clients still waiting, when the
    rounds before proved that the routines leave no room for them (its schedule is taken
    when it serves more). Re-planning from a date, the week repaired comes first
    (:func:`_repair`), and the rounds after it may also use its pairs (a touched client it
    moved to another day), so they start from it (the first of them with
    ``params.replan_round_share`` of the time left when the repair found a week: it rarely
    serves more, and the goals need the time). ``candidates`` are the week's (rebuilt
    here with the routines as the only pairs). ``time_limit`` in seconds for all rounds
    (run through ``control``, which keeps the solve's overall budget; a round proven early
    leaves the rest to the next). An empty schedule when none is found in time.
    """
    only = _routines(candidates, last_week.attendance)
    rounds = _Rounds(
        candidates, last_week, past, continuing_first, control, seed, workers,
        deadline=control.seconds_left() - time_limit,
    )  # fmt: skip
    repaired, start, budget = WeekSchedule(), last_week.schedule, time_limit
    if past is not None:
        repaired, whole = _repair(rounds, only, past)
        if whole:
            return repaired
        only, budget = _with_pairs(only, repaired), rounds.rest(1)
        if not repaired.is_empty:  # an improvement on the repaired week: the goals get the rest
            start, budget = repaired, budget * control.params.replan_round_share
    schedule, proven = rounds.run(only, start, budget)
    schedule, proven, only = _free_dropped(rounds, only, schedule, proven)
    schedule = _make_room(rounds, only, schedule, proven)
    if not repaired.is_empty and rounds.rank(repaired) >= rounds.rank(schedule):
        return repaired  # serves as many, moving only the touched clients
    return schedule


def _with_pairs(
    only: dict[str, list[tuple[str, str]]], schedule: WeekSchedule
) -> dict[str, list[tuple[str, str]]]:
    """``only`` with each client's (day, block) pairs of ``schedule`` added: the repaired
    week may have moved a touched client to another day, and the rounds after the repair
    start from it (held to the routine alone, it was no solution of theirs: on a sick day
    of the over-subscribed 200-client week the keeping round then found nothing in 20 s)."""
    attended = schedule.attendance()
    return {
        cid: sorted(set(days) | set(attended.get(cid, {}).items())) for cid, days in only.items()
    }


def _routines(
    candidates: Candidates, previous: Mapping[str, Mapping[str, str]]
) -> dict[str, list[tuple[str, str]]]:
    """Per continuing client whose plan the routine still serves, the (day, block) pairs of
    last week they can attend now."""
    only: dict[str, list[tuple[str, str]]] = {}
    for cid, days in previous.items():
        routine = set(days.items())
        still = [pair for pair in candidates.attendable.get(cid, []) if pair in routine]
        if len({day for day, _block in still}) >= candidates.requirements[cid].min_days:
            only[cid] = still  # else the plan needs a day the routine lacks: free to move
    return only


@dataclass(frozen=True)
class _Rounds:
    """What the rounds of :func:`schedule_keeping` share."""

    candidates: Candidates
    last_week: PreviousWeek
    past: KeptPast | None
    continuing_first: bool
    control: SearchControl
    seed: int
    workers: int
    deadline: float
    """``control.seconds_left()`` when all rounds must be done, in seconds."""

    def rest(self, rounds: int) -> float:
        """The round's share of what is left of ``time_limit`` (``rounds`` still to run)."""
        left = (self.control.seconds_left() - self.deadline) / rounds
        return max(self.control.params.min_run_seconds, left)

    def run(
        self,
        only: dict[str, list[tuple[str, str]]],
        hint: WeekSchedule,
        time_limit: float,
        repair: frozenset[str] | None = None,
    ) -> tuple[WeekSchedule, bool]:
        """One :func:`_keep_round` of ``time_limit`` seconds."""
        return _keep_round(
            self.candidates, only, self.last_week, self.past, self.continuing_first, hint,
            time_limit, self.control, self.seed, self.workers, repair=repair,
        )  # fmt: skip

    def rank(self, schedule: WeekSchedule) -> tuple[int, int]:
        """The schedule's :func:`continuity_rank`."""
        return continuity_rank(
            self.candidates.scenario, schedule, self.last_week.attendance,
            self.continuing_first,
        )  # fmt: skip


def _repair(
    rounds: _Rounds, only: dict[str, list[tuple[str, str]]], past: KeptPast
) -> tuple[WeekSchedule, bool]:
    """Re-planning: first the week repaired, every session the changes did not touch kept
    as it was; when that loses a client the week had, again with the clients who shared
    their track's blocks on the re-planned days free too. The best repaired week (empty:
    none found) and whether it serves every client who can attend (no round can serve
    more, so it is taken as it is)."""
    candidates, last_week = rounds.candidates, rounds.last_week
    best = _best_rank(candidates, last_week.attendance, rounds.continuing_first)
    broken = _broken(candidates, last_week.schedule, past.replanned)
    routines = {cid: pairs for cid, pairs in only.items() if cid not in broken}
    repaired = WeekSchedule()
    free: frozenset[str] = frozenset()
    for left in (3, 2):
        again, _proven = rounds.run(routines, last_week.schedule, rounds.rest(left), repair=free)
        rank = rounds.rank(again)
        if rank > rounds.rank(repaired):
            repaired = again
        if rank == best:
            log.info("re-planning: the repaired week serves every client who can attend")
            return repaired, True
        lost, around = _around_lost(candidates, last_week, past, repaired)
        if repaired.is_empty or around <= free:
            break
        log.info("re-planning: %d client(s) lost; %d around them free", len(lost), len(around))
        free |= around
    return repaired, False


def _broken(candidates: Candidates, before: WeekSchedule, days: frozenset[str]) -> set[str]:
    """Clients with a session on the re-planned ``days`` of ``before`` that this week can no
    longer hold as it was: no group context of its slot, track and type that the client may
    join and its therapist lead, or no individual option of its slot and type with its
    therapist (the sick therapist's clients). They are touched by the change, so the repair
    frees them from their routine too: a client whose group lost its only leader of the
    block may need another day (kept to the routine, the repair was infeasible and could
    not prove it: a sick day of the over-subscribed 200-client week ended with no first
    schedule)."""
    track = {c.client_id: c.track for c in candidates.scenario.clients}
    groups = {(g.day, g.block, g.slot_idx, g.track, g.session_type): g for g in candidates.groups}
    individuals = {
        (o.client_id, o.day, o.block, o.slot_idx, o.session_type): o for o in candidates.individuals
    }
    broken: set[str] = set()
    for cid, x in before.assignments():
        if x.day not in days or cid not in track:
            continue
        if candidates.scenario.session_types[x.session_type].is_group:
            ctx = groups.get((x.day, x.block, x.slot_idx, track[cid], x.session_type))
            held = ctx is not None and cid in ctx.clients and x.therapist_id in ctx.therapists
        else:
            option = individuals.get((cid, x.day, x.block, x.slot_idx, x.session_type))
            held = option is not None and x.therapist_id in option.therapists
        if not held:
            broken.add(cid)
    return broken


def _around_lost(
    candidates: Candidates, last_week: PreviousWeek, past: KeptPast, repaired: WeekSchedule
) -> tuple[list[str], frozenset[str]]:
    """The clients last week had whom ``repaired`` loses, and every continuing client who
    shared a (track, day, block) of theirs on the re-planned days."""
    previous = last_week.attendance
    track = {c.client_id: c.track for c in candidates.scenario.clients}
    lost = [
        cid
        for cid in sorted(last_week.schedule.client_ids())
        if candidates.attendable.get(cid) and cid not in repaired.client_ids()
    ]
    shared = {
        (track[cid], day, block)
        for cid in lost
        for day, block in previous.get(cid, {}).items()
        if day in past.replanned
    }
    around = frozenset(
        other
        for other, days in previous.items()
        if any((track.get(other), d, b) in shared for d, b in days.items())
    )
    return lost, around


def _free_dropped(
    rounds: _Rounds,
    only: dict[str, list[tuple[str, str]]],
    schedule: WeekSchedule,
    proven: bool,
) -> tuple[WeekSchedule, bool, dict[str, list[tuple[str, str]]]]:
    """The second round: the continuing clients the first round proved cannot keep their
    routine free to move (its schedule taken when it serves more, or as many and is
    proven). The schedule, whether proven, and the clients still held to their routine."""
    candidates = rounds.candidates
    dropped = [
        cid for cid in only if candidates.attendable.get(cid) and cid not in schedule.client_ids()
    ]
    if dropped and proven:  # they cannot keep their routine: free them
        log.info("keeping last week: %d continuing client(s) free to move", len(dropped))
        only = {cid: pairs for cid, pairs in only.items() if cid not in dropped}
        again, again_proven = rounds.run(only, schedule, rounds.rest(2))
        before = rounds.rank(schedule)
        after = rounds.rank(again)
        if after > before or (after == before and again_proven):
            schedule, proven = again, again_proven
    return schedule, proven, only


def _make_room(
    rounds: _Rounds,
    only: dict[str, list[tuple[str, str]]],
    schedule: WeekSchedule,
    proven: bool,
) -> WeekSchedule:
    """The third round: clients wait although the routines are kept as far as they go
    (``proven``), so their tracks' continuing clients may move (the fewest, for the most
    pairs kept) to make room; its schedule taken when it serves more."""
    candidates = rounds.candidates
    track = {c.client_id: c.track for c in candidates.scenario.clients}
    scheduled = schedule.client_ids()
    waiting = {
        track[cid] for cid, pairs in candidates.attendable.items() if pairs and cid not in scheduled
    }
    loose = {cid: pairs for cid, pairs in only.items() if track[cid] not in waiting}
    if proven and len(loose) < len(only):
        log.info(
            "keeping last week: continuing clients of %d track(s) free to make room",
            len(waiting),
        )
        again, _proven = rounds.run(loose, schedule, rounds.rest(1))
        if rounds.rank(again) > rounds.rank(schedule):
            schedule = again  # serves more (the fewest moved when proven)
    return schedule


def _keep_untouched(
    iop: IOPModel, kept: list[tuple[str, cp_model.IntVar | None]]
) -> dict[str, cp_model.IntVar]:
    """Keep every session of ``kept`` (:func:`~.goals.sessions_kept`) of each client none
    of whose sessions is broken (None), each client's under a literal assumed true; the
    literals, per client."""
    touched = {cid for cid, lit in kept if lit is None}
    guards: dict[str, cp_model.IntVar] = {}
    for cid, lit in kept:
        if cid in touched or lit is None:
            continue
        if cid not in guards:
            guards[cid] = iop.model.new_bool_var(f"untouched[{cid}]")
        iop.model.add(lit == 1).only_enforce_if(guards[cid])
    iop.model.add_assumptions([guards[cid] for cid in sorted(guards)])
    log.info("repairing the week: %d client(s) touched, the others kept", len(touched))
    return guards


def _keep_copies(
    iop: IOPModel, before: WeekSchedule, days: frozenset[str], guards: dict[str, cp_model.IntVar]
) -> None:
    """Where a group context of the re-planned ``days`` had only clients of ``guards``, its
    copies keep their sizes and classes of rooms (under those clients' literals): the model
    does not tie a leader to a copy, so extraction deals each leader the copy that fits
    their clients, which needs the copies as they were."""
    track_of = {c.client_id: c.track for c in iop.scenario.clients}
    contexts = {
        (g.context.day, g.context.block, g.context.slot_idx, g.context.track,
         g.context.session_type): g
        for g in iop.groups
    }  # fmt: skip
    ran: dict[tuple[str, str, int, str, str], list[Session]] = defaultdict(list)
    for x in before.sessions:
        if x.day in days and iop.scenario.session_types[x.session_type].is_group and x.clients:
            track = track_of.get(x.clients[0], x.track)
            ran[(x.day, x.block, x.slot_idx, track, x.session_type)].append(x)
    for key, sessions in sorted(ran.items()):
        gv = contexts.get(key)
        clients = sorted({cid for x in sessions for cid in x.clients})
        if gv is None or len(sessions) > len(gv.size_vars) or not set(clients) <= set(guards):
            continue
        enforce = [guards[cid] for cid in clients]
        shapes = sorted(
            ((len(x.clients), iop.room_rep.get(x.room_id, "")) for x in sessions),
            key=lambda shape: (-shape[0], shape[1]),
        )
        for k, size in enumerate(gv.size_vars):
            iop.model.add(size == (shapes[k][0] if k < len(shapes) else 0)).only_enforce_if(enforce)
            room = gv.room_vars[k].get(shapes[k][1]) if k < len(shapes) else None
            if room is not None:
                iop.model.add(room == 1).only_enforce_if(enforce)


def _conflict(
    iop: IOPModel,
    guards: dict[str, cp_model.IntVar],
    time_limit: float,
    control: SearchControl,
    seed: int,
) -> set[str]:
    """Clients of ``guards`` (those assumed now) whose kept sessions cannot all be kept
    together (a therapist's cap the absence tightened, say: they are touched too), from one
    worker's conflict analysis within ``time_limit`` deterministic seconds (empty when none
    is found in time)."""
    units = control.params.deterministic_units_per_second
    # One worker and deterministic units: the clients named do not depend on the load.
    solver = make_solver(control.params, time_limit, 1, seed, role=Role.CORES)
    solver.parameters.max_deterministic_time = max(time_limit, 0.0) * units
    solver.parameters.max_time_in_seconds = time_limit * control.params.wall_safety_factor
    check = iop.model.clone()
    check.clear_objective()  # the conflict analysis names far fewer clients without it
    if control.run(solver, check) != cp_model.INFEASIBLE:
        return set()
    by_index = {g.index: cid for cid, g in guards.items()}
    return {by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()}


def _best_rank(
    candidates: Candidates, previous: Mapping[str, object], continuing_first: bool
) -> tuple[int, int]:
    """The best :func:`continuity_rank` a schedule can have: every client who can attend at
    all served."""
    ids = {cid for cid, pairs in candidates.attendable.items() if pairs}
    return _rank(candidates.scenario, ids, previous, continuing_first)


def continuity_rank(
    scenario: Scenario,
    schedule: WeekSchedule,
    previous: Mapping[str, object],
    continuing_first: bool = True,
) -> tuple[int, int]:
    """How a first schedule ranks in the goal order's first two goals: the priority of the
    continuing clients (those of ``previous``) it serves (0 without ``continuing_first``),
    then of all the clients it serves; higher is better."""
    return _rank(scenario, schedule.client_ids(), previous, continuing_first)


def _rank(
    scenario: Scenario, ids: set[str], previous: Mapping[str, object], continuing_first: bool
) -> tuple[int, int]:
    continuing = ids & set(previous) if continuing_first else set()
    return served(scenario, continuing), served(scenario, ids)


def _keep_round(
    candidates: Candidates,
    only: dict[str, list[tuple[str, str]]],
    last_week: PreviousWeek,
    past: KeptPast | None,
    continuing_first: bool,
    hint: WeekSchedule,
    time_limit: float,
    control: SearchControl,
    seed: int,
    workers: int,
    repair: frozenset[str] | None = None,
) -> tuple[WeekSchedule, bool]:
    """One round of :func:`schedule_keeping`: the clients of ``only`` on those pairs; the
    schedule (empty: none found in time) and whether it is proven the best of the round.

    ``repair`` (re-planning from a date; clients free to move): every session of the
    re-planned days that the model can keep is kept for every other client none of whose
    sessions the changes broke; only the touched clients (and clients not in the schedule)
    are seated again."""
    scenario = candidates.scenario
    iop = IOPModel(build_candidates(scenario, only_pairs=only))
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
    if past is not None:
        keep_past(iop, past)
    if not hint.is_empty:
        hint_schedule(iop, hint)
    guards = _keep_objective(iop, scenario, last_week, past, continuing_first, repair)
    solver, status = _solve_repairing(iop, guards, time_limit, control, seed, workers)
    if not has_solution(status):
        log.info("keeping last week: no schedule in %.1fs", time_limit)
        return WeekSchedule(), False
    # Re-planning, the rooms of the schedule re-planned where the solution allows (rooms of
    # one class are interchangeable in the model).
    schedule = extract_schedule(
        iop, solver, rooms_like=last_week.schedule if past is not None else None
    )
    log.info(
        "keeping last week: serves %d of %d clients (%s)",
        len(schedule.client_ids()),
        len(scenario.clients),
        "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
    )
    return schedule, status == cp_model.OPTIMAL


def _keep_objective(
    iop: IOPModel,
    scenario: Scenario,
    last_week: PreviousWeek,
    past: KeptPast | None,
    continuing_first: bool,
    repair: frozenset[str] | None,
) -> dict[str, cp_model.IntVar]:
    """Maximise the clients served, then last week's (day, block) pairs kept (and,
    re-planning, the sessions of the re-planned days); repairing (:func:`_keep_round`'s
    ``repair``), keep the untouched clients' sessions. The untouched clients' literals."""
    previous = last_week.attendance
    kept_pairs = [
        var
        for (cid, day, block), var in iop.attend_vars.items()
        if previous.get(cid, {}).get(day) == block
    ]
    clients = _clients_served(iop, scenario, previous, continuing_first)
    missed: cp_model.LinearExprT = 0
    missed_most = 0
    guards: dict[str, cp_model.IntVar] = {}  # repairing: the untouched clients kept
    if past is not None:  # the sessions of the re-planned days too
        kept = sessions_kept(iop, last_week.schedule, past.replanned)
        missed = sessions_missed(kept)
        missed_most = sum(
            1 for _cid, x in last_week.schedule.assignments() if x.day in past.replanned
        )
        if repair is not None:
            guards = _keep_untouched(iop, [(c, x) for c, x in kept if c not in repair])
            _keep_copies(iop, last_week.schedule, past.replanned, guards)
    stability_most = len(kept_pairs) + missed_most
    iop.model.maximize(
        cp_model.LinearExpr.weighted_sum(
            [clients, sum(kept_pairs), missed], [stability_most + 1, 1, -1]
        )
    )
    return guards


def _clients_served(
    iop: IOPModel, scenario: Scenario, previous: Mapping[str, object], continuing_first: bool
) -> cp_model.LinearExprT:
    """The clients served, weighted by priority, a continuing client (with
    ``continuing_first``) above all the others together."""
    priority = {c.client_id: c.priority for c in scenario.clients}
    continuing = (
        {cid for cid in previous if cid in iop.scheduled_vars} if continuing_first else set()
    )
    # A continuing client outweighs every other client, a client every pair or session kept.
    newcomers = sum(p for cid, p in priority.items() if cid not in continuing)
    return cp_model.LinearExpr.weighted_sum(
        list(iop.scheduled_vars.values()),
        [priority[cid] * (newcomers + 1 if cid in continuing else 1) for cid in iop.scheduled_vars],
    )


def _with_kept(model: cp_model.CpModel, guards: dict[str, cp_model.IntVar]) -> cp_model.CpModel:
    """``model`` with the kept clients' literals fixed true instead of assumed: presolve
    then removes what they keep, so the round is a search over the touched clients only
    (under assumptions it stays the whole week's). The same variables, so a solution of
    it is one of ``model``."""
    if not guards:
        return model
    fixed = model.clone()
    fixed.clear_assumptions()
    for cid in sorted(guards):
        fixed.add(guards[cid] == 1)
    return fixed


def _solve_repairing(
    iop: IOPModel,
    guards: dict[str, cp_model.IntVar],
    time_limit: float,
    control: SearchControl,
    seed: int,
    workers: int,
) -> tuple[cp_model.CpSolver, int]:
    """Solve the round in ``time_limit`` seconds; repairing (``guards``), while it is
    infeasible, touch the clients of a conflict too and solve again. The solver and its
    status."""
    m = iop.model
    deadline = control.seconds_left() - time_limit
    while True:
        solver = make_solver(
            control.params,
            max(control.params.min_run_seconds, control.seconds_left() - deadline),
            workers,
            seed,
            role=Role.STAGE,
            deterministic=control.deterministic,  # else one worker runs to the solve's budget
        )
        status = control.run(solver, _with_kept(m, guards))
        if status != cp_model.INFEASIBLE or not guards or control.seconds_left() <= deadline:
            break
        # Repairing: some untouched clients' sessions cannot all stay. Those of a conflict
        # are touched too, the others stay kept (no repair when none is found in time).
        left = control.seconds_left() - deadline
        freed = _conflict(iop, guards, left * control.params.repair_conflict_share, control, seed)
        if not freed:
            break
        log.info("repairing the week: %d more client(s) touched", len(freed))
        guards = {cid: g for cid, g in guards.items() if cid not in freed}
        m.clear_assumptions()
        m.add_assumptions([guards[cid] for cid in sorted(guards)])
    return solver, status
