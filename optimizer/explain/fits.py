"""Feasibility checks: can a client be added to a schedule, the others staying scheduled?"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from ..model.candidates import Reservations, build_candidates
from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..result import SolveStatus, solve_status
from ..scenario import Scenario
from ..schedule import WeekSchedule
from ..search.params import SearchParams
from ..search.solver import Role, make_solver
from .edits import replaced


def feasibility(
    model: cp_model.CpModel, time_limit: float, params: SearchParams, presolve: bool = True
) -> tuple[SolveStatus, cp_model.CpSolver]:
    """Solve one feasibility check of ``explain`` (a ``Role.CHECK`` solver: one worker,
    seed 0, ``time_limit`` seconds). ``presolve=False`` for hinted checks: presolve loses
    the schedule's hint on these models; without it a hinted check starts from the schedule
    and repairs it, often in a fraction of a second. MODEL_INVALID raises
    :class:`~optimizer.result.ModelInvalidError`."""
    solver = make_solver(params, time_limit, role=Role.CHECK, presolve=presolve)
    return solve_status(int(solver.solve(model)), model), solver


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
    """Proto variable index -> hinted value (after :func:`hint_schedule`)."""
    hint = iop.model.proto.solution_hint
    return dict(zip(hint.vars, hint.values, strict=True))


def fits(
    scenario: Scenario,
    client_id: str,
    keep: Iterable[str],
    schedule: WeekSchedule | None,
    time_limit: float,
    params: SearchParams | None = None,
) -> str:
    """Can ``client_id`` be scheduled with every client of ``keep`` still scheduled?

    Tried in growing neighbourhoods of ``schedule`` (each its own model, so presolve
    removes what is fixed): only the client's track may move (the other tracks' sessions are
    reserved); then the client's track may move within its days and blocks while the others
    keep their sessions; then everyone may move.
    ``time_limit`` is in seconds of solving. Returns ``fits``, ``does not fit``, ``unknown``
    or ``does not fit without moving others`` (the last try ran out of time). ``params``:
    the shares of ``params.explain`` and the solver (default :class:`SearchParams`).
    """
    params = params or SearchParams()
    candidates = build_candidates(scenario)
    if not candidates.attendable.get(client_id):
        return "does not fit"
    kept = [cid for cid in keep if cid != client_id]
    if any(not candidates.attendable.get(cid) for cid in kept if cid in candidates.attendable):
        return "does not fit"  # the change makes a kept client unschedulable
    tries: list[tuple[str, float]] = [("everyone", 1.0)]
    outcome = "unknown"
    solving = 0.0
    if schedule is not None:
        started = time.perf_counter()
        local = fits_in_track(
            scenario, client_id, kept, schedule, params.explain.track_share * time_limit, params
        )
        solving += time.perf_counter() - started
        if local == "fits":
            return "fits"
        if local == "does not fit":
            outcome = "does not fit without moving others"
        tries[:0] = [("days", params.explain.days_share)]
    track = {c.client_id: c.track for c in scenario.clients}
    for fix, part in tries:
        remaining = time_limit - solving
        if remaining <= params.explain.fits_stop:
            break
        iop = IOPModel(candidates)
        m = iop.model
        m.add(iop.scheduled_vars[client_id] == 1)
        for cid in kept:
            if cid in iop.scheduled_vars:
                m.add(iop.scheduled_vars[cid] == 1)
        if schedule is not None:
            hint_schedule(iop, schedule)
        if fix != "everyone":
            values = hinted_values(iop)
            kept_set = set(kept)
            for cid, vars_ in client_vars(iop).items():
                if cid in kept_set and track[cid] != track[client_id]:
                    for var in vars_:
                        m.add(var == values.get(var.index, 0))
            if fix == "days":
                for (cid, _day, _block), var in iop.attend_vars.items():
                    if cid in kept_set:
                        m.add(var == values.get(var.index, 0))
        started = time.perf_counter()
        status, _solver = feasibility(m, remaining * part, params)
        solving += time.perf_counter() - started
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            return "fits"
        if status == SolveStatus.INFEASIBLE:
            if fix == "everyone":
                return "does not fit"
            outcome = "does not fit without moving others"
    return outcome


def track_subproblem(
    scenario: Scenario, client_id: str, kept: Sequence[str], schedule: WeekSchedule
) -> tuple[Scenario, Reservations, set[str]]:
    """The client's track alone: every other track's sessions of ``schedule`` are reserved.

    Returns the sub-scenario (the client, the kept clients of the track and the track's
    unscheduled clients, who come along free since they may fill a group's minimum), the
    reservations, and the ids of the client and the kept clients of the track (their
    sessions are ``schedule.of_clients(ids)``). Avoid lists and pins that name clients
    outside the sub-scenario are left out (tracks never share a group, and the other tracks'
    sessions are reserved).
    """
    track = {c.client_id: c.track for c in scenario.clients}
    mine = track[client_id]
    local_ids = {cid for cid in kept if track.get(cid) == mine} | {client_id}
    local_sessions = {s.session_id for s in schedule.of_clients(local_ids).sessions}
    reserved = Reservations()
    reserved.reserve(schedule.select(local_sessions, keep=False).sessions)
    scheduled = schedule.client_ids()
    clients = [
        c
        for c in scenario.clients
        if c.client_id in local_ids or (c.track == mine and c.client_id not in scheduled)
    ]
    present = {c.client_id for c in clients}
    sub = scenario.replace(
        clients=tuple(
            c
            if set(c.avoid) <= present
            else replaced(c, avoid=tuple(a for a in c.avoid if a in present))
            for c in clients
        ),
        pins=tuple(
            p for p in scenario.pins if p.client_id in (None, *present) and p.track in (None, mine)
        ),
    )
    return sub, reserved, local_ids


def fits_in_track(
    scenario: Scenario,
    client_id: str,
    kept: Sequence[str],
    schedule: WeekSchedule,
    limit: float,
    params: SearchParams,
) -> str:
    """The small neighbourhood: only the client's track may move. Every other track's
    sessions are reserved (therapist and room time, caps), as in the warm start, so the model
    holds one track; "fits" is a proof, "does not fit" says someone of another track must
    move (``limit`` in seconds of solving)."""
    sub, reserved, local_ids = track_subproblem(scenario, client_id, kept, schedule)
    candidates = build_candidates(sub, reserved)
    if any(not candidates.attendable.get(cid) for cid in local_ids):
        return "does not fit"
    iop = IOPModel(candidates)
    for cid in local_ids:
        iop.model.add(iop.scheduled_vars[cid] == 1)
    hint_schedule(iop, schedule.of_clients(local_ids))
    status, _solver = feasibility(iop.model, limit, params, presolve=False)
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return "fits"
    if status == SolveStatus.INFEASIBLE:
        return "does not fit"
    return "unknown"
