"""Read a CP-SAT solution back as a week schedule.

Copies of a group context are interchangeable, so therapists and ordinary clients are dealt
to the running copies here, in a fixed order, which keeps the output deterministic.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from ..schedule import Session, WeekSchedule
from ..windows import day_index
from .cpmodel import IOPModel


def _deal_pinned(
    pins: list[tuple[str | None, str | None, str | None]],
    running: list[int],
    leaders: list[str],
    placed: dict[int, list[str]],
    room_of: dict[int, str],
    size_of: dict[int, int],
    joined: set[str],
) -> dict[int, str]:
    """Leaders of the running copies of one context, honouring pins.

    Copies are interchangeable for their leaders, so a pinned therapist takes the copy with
    the pinned room or the pinned client; a pinned client without an ``avoid`` partner (not
    yet in ``placed``) joins the pinned therapist's copy. Clients placed here are also
    listed in ``placed[-1]`` so the caller deals them only once.
    """
    leader_of: dict[int, str] = {}
    wanted: list[tuple[str, str]] = []  # (client, therapist) still to place
    rooms: dict[str, set[str]] = defaultdict(set)  # per pinned leader, rooms pinned
    clients: dict[str, list[str]] = defaultdict(list)  # and clients pinned
    for cid, tid, rid in pins:
        if tid is None or tid not in leaders:
            continue
        if rid:
            rooms[tid].add(rid)
        if cid is not None and cid in joined:
            clients[tid].append(cid)
            wanted.append((cid, tid))
    for tid in dict.fromkeys(tid for _c, tid, _r in pins if tid in rooms or tid in clients):
        # The copy in a pinned room, else the one holding most of the pinned clients
        # already placed, else the one with room for most of them and the fewest others
        # (copies are interchangeable for their leaders).
        mine = set(clients[tid])
        scored = [
            (
                room_of[k] in rooms[tid],
                len(mine & set(placed[k])),
                min(size_of[k] - len(placed[k]), len(mine)),
                -abs(size_of[k] - len(placed[k]) - len(mine)),
                -n,
                k,
            )
            for n, k in enumerate(running)
            if k not in leader_of
        ]
        best = max(scored, default=None)
        if best is not None and (best[0] or best[1] or mine):
            leader_of[best[-1]] = tid
    free = iter(sorted(set(leaders) - set(leader_of.values())))
    for k in running:
        if k not in leader_of:
            leader_of[k] = next(free)
    copy_of = {tid: k for k, tid in leader_of.items()}
    for cid, tid in wanted:
        target = copy_of.get(tid)
        if (
            target is not None
            and all(cid not in members for members in placed.values())
            and len(placed[target]) < size_of[target]
        ):
            placed[target].append(cid)
            placed[-1].append(cid)
    return leader_of


def extract_schedule(
    iop: IOPModel, solver: cp_model.CpSolver, rooms_like: WeekSchedule | None = None
) -> WeekSchedule:
    """The schedule of the solver's current solution, sessions in the canonical order.

    ``rooms_like`` (another schedule of the week, e.g. the one re-planned): among
    interchangeable rooms, a session takes the room of its counterpart there when it is
    free (see :func:`room_wishes`)."""
    sessions = _group_sessions(iop, solver) + _individual_sessions(iop, solver, rooms_like)
    sessions.sort(key=Session.order)
    wishes = room_wishes(sessions, rooms_like) if rooms_like is not None else None
    return WeekSchedule(assign_rooms(sessions, iop.room_members, wishes))


def _group_sessions(iop: IOPModel, solver: cp_model.CpSolver) -> list[Session]:
    """The group sessions of the solver's solution, copy by copy, in the model's order."""
    scenario = iop.scenario
    sessions: list[Session] = []
    for idx, gv in enumerate(iop.groups):
        ctx = gv.context
        running = [k for k, var in enumerate(gv.run_vars) if solver.value(var)]
        if not running:
            continue
        leaders = sorted(t for t, var in gv.lead_vars.items() if solver.value(var))
        joined = [cid for cid, var in gv.join_vars.items() if solver.value(var)]
        placed: dict[int, list[str]] = defaultdict(list)
        for cid, member_vars in gv.member_vars.items():
            for k, var in enumerate(member_vars):
                if solver.value(var):
                    placed[k].append(cid)
        room_of = {
            k: next((r for r, var in gv.room_vars[k].items() if solver.value(var)), "")
            for k in running
        }
        size_of = {k: solver.value(gv.size_vars[k]) for k in running}
        leader_of = _deal_pinned(
            iop.copy_pins.get(idx, []), running, leaders, placed, room_of, size_of, set(joined)
        )
        others = iter(
            sorted(cid for cid in joined if cid not in gv.member_vars and cid not in placed[-1])
        )
        for k in running:
            members = placed[k] + [next(others) for _ in range(size_of[k] - len(placed[k]))]
            sessions.append(
                Session.create(
                    scenario,
                    ctx.day,
                    ctx.block,
                    ctx.slot_idx,
                    ctx.session_type,
                    ctx.track,
                    leader_of[k],
                    room_of[k],
                    sorted(members),
                )
            )
    return sessions


def _individual_sessions(
    iop: IOPModel, solver: cp_model.CpSolver, rooms_like: WeekSchedule | None
) -> list[Session]:
    """The individual sessions of the solver's solution, each in a room of its class (the
    room the client had in ``rooms_like`` at that time, when it is left)."""
    scenario = iop.scenario
    sessions: list[Session] = []
    individual_rooms = {
        key: [r for r, var in sorted(rooms.items()) for _ in range(solver.value(var))]
        for key, rooms in iop.individual_room_vars.items()
    }
    room_before: dict[tuple[str, int, str], str] = {}  # (day, start, client) -> room class
    for cid, x in rooms_like.assignments() if rooms_like is not None else ():
        if x.room_id:
            room_before[(x.day, x.start, cid)] = iop.room_rep.get(x.room_id, x.room_id)
    by_key: dict[tuple[str, str, int, str], list[tuple[str, str]]] = defaultdict(list)
    for iv in iop.individuals:
        o = iv.option
        for therapist, var in iv.therapist_vars.items():
            if solver.value(var):
                by_key[(o.day, o.block, o.slot_idx, o.session_type)].append(
                    (therapist, o.client_id)
                )
    for key, pairs in by_key.items():
        rooms = list(individual_rooms.get(key, []))
        start = scenario.blocks[key[1]][key[2]][0]
        for therapist, cid in sorted(pairs):  # the room the client had then, when it is left
            wished = room_before.get((key[0], start, cid))
            room = wished if wished in rooms else (rooms[0] if rooms else "")
            if room:
                rooms.remove(room)
            sessions.append(
                Session.create(scenario, key[0], key[1], key[2], key[3], "", therapist, room, [cid])
            )
    return sessions


def room_wishes(sessions: Sequence[Session], other: WeekSchedule) -> dict[int, str]:
    """Per index of ``sessions``, the room of its counterpart in ``other``: the session at
    the same day and start sharing most clients with it (ties: the same therapist, then
    the first in ``other``'s order)."""
    at: dict[tuple[str, int], list[Session]] = defaultdict(list)
    for x in other.sessions:
        at[(x.day, x.start)].append(x)
    wishes = {}
    for idx, session in enumerate(sessions):
        mine = set(session.clients)
        scored = [
            (len(mine & set(x.clients)), x.therapist_id == session.therapist_id, -n, x.room_id)
            for n, x in enumerate(at.get((session.day, session.start), []))
        ]
        best = max(scored, default=None)
        if best is not None and (best[0] or best[1]) and best[3]:
            wishes[idx] = best[3]
    return wishes


def assign_rooms(
    sessions: Sequence[Session],
    room_members: Mapping[str, tuple[str, ...]],
    wishes: Mapping[int, str] | None = None,
) -> tuple[Session, ...]:
    """Name the rooms of sessions whose ``room_id`` is a class of interchangeable rooms.

    The model keeps, at every start time, at most as many sessions in a class as it has
    rooms; sessions are intervals, so taking them by start time and giving each a room of
    its class that is free again needs no more rooms than that (interval graphs are
    perfect): the room ``wishes`` names for it (by index) when that one is free, else the
    first free one. Returns the sessions in their order, those of a class with a named room.
    """
    wishes = wishes or {}
    free_at: dict[tuple[str, str], int] = {}  # (day, room) -> minute it is free again
    named: dict[int, Session] = {}
    classes = {rep for rep, members in room_members.items() if len(members) > 1}
    in_class = [idx for idx, s in enumerate(sessions) if s.room_id in classes]
    # A wish counts only for a room of the session's class; a session without one takes a
    # free room no session starting then wishes, so that it does not take another's.
    wish = {
        idx: wishes[idx]
        for idx in in_class
        if wishes.get(idx) in room_members[sessions[idx].room_id]
    }
    wished_at: dict[tuple[str, int], set[str]] = defaultdict(set)
    for idx, wanted in wish.items():
        wished_at[(sessions[idx].day, sessions[idx].start)].add(wanted)
    in_class.sort(  # at each start time, sessions with a wish choose first
        key=lambda i: (
            day_index(sessions[i].day),
            sessions[i].start,
            i not in wish,
            sessions[i].session_id,
        )
    )
    for idx in in_class:
        session = sessions[idx]
        free = [
            r
            for r in room_members[session.room_id]
            if free_at.get((session.day, r), 0) <= session.start
        ]
        unwished = [r for r in free if r not in wished_at[(session.day, session.start)]]
        room = wish[idx] if wish.get(idx) in free else next(iter(unwished or free), None)
        if room is None:  # the model's per-start-time counts make this impossible
            raise RuntimeError(f"room class {session.room_id} overbooked at {session.session_id}")
        free_at[(session.day, room)] = session.end
        named[idx] = dataclasses.replace(session, room_id=room)
    return tuple(named.get(idx, s) for idx, s in enumerate(sessions))
