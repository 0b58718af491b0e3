"""Read a CP-SAT solution back as SPEC §5 rows (sessions and assignments).

Copies of a group context are interchangeable, so therapists and ordinary clients are dealt
to the running copies here, in a fixed order, which keeps the output deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from ..windows import day_index, format_time, parse_time
from .cpmodel import IOPModel


def session_id(day: str, block: str, slot_idx: int, therapist_id: str) -> str:
    """Stable id of a session: a therapist is in one session per slot of a day."""
    return f"{day}-{block}-{slot_idx + 1}-{therapist_id}"


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
    for cid, tid, rid in pins:
        if tid is None or tid not in leaders or tid in leader_of.values():
            if cid and tid and cid in joined:
                wanted.append((cid, tid))
            continue
        target = next((k for k in running if rid and room_of[k] == rid), None)
        if target is None and cid is not None:
            target = next((k for k in running if cid in placed[k]), None)
        if target is not None and target not in leader_of:
            leader_of[target] = tid
        elif cid is not None and cid in joined and rid is None:
            wanted.append((cid, tid))
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
    iop: IOPModel, solver: cp_model.CpSolver
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Assignments and sessions of the solver's current solution, sorted for stable output."""
    scenario = iop.scenario
    sessions: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []

    def add_session(
        day: str,
        block: str,
        slot_idx: int,
        type_id: str,
        track: str,
        therapist: str,
        room: str,
        members: list[str],
    ) -> None:
        start, end = scenario.blocks[block][slot_idx]
        common = {
            "session_id": session_id(day, block, slot_idx, therapist),
            "session_type": type_id,
            "day": day,
            "date": scenario.date_of(day).isoformat(),
            "block": block,
            "start": format_time(start),
            "end": format_time(end),
            "therapist_id": therapist,
            "room_id": room,
        }
        sessions.append({**common, "track": track, "size": len(members)})
        assignments.extend({"client_id": cid, **common} for cid in members)

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
            therapist = leader_of[k]
            size = size_of[k]
            members = placed[k] + [next(others) for _ in range(size - len(placed[k]))]
            room = room_of[k]
            add_session(
                ctx.day,
                ctx.block,
                ctx.slot_idx,
                ctx.session_type,
                ctx.track,
                therapist,
                room,
                sorted(members),
            )

    individual_rooms = {
        key: [r for r, var in sorted(rooms.items()) for _ in range(solver.value(var))]
        for key, rooms in iop.individual_room_vars.items()
    }
    by_key: dict[tuple[str, str, int, str], list[tuple[str, str]]] = defaultdict(list)
    for iv in iop.individuals:
        o = iv.option
        for therapist, var in iv.therapist_vars.items():
            if solver.value(var):
                by_key[(o.day, o.block, o.slot_idx, o.session_type)].append(
                    (therapist, o.client_id)
                )
    for key, pairs in by_key.items():
        rooms = individual_rooms.get(key, [])
        for idx, (therapist, cid) in enumerate(sorted(pairs)):
            room = rooms[idx] if rooms else ""
            add_session(key[0], key[1], key[2], key[3], "", therapist, room, [cid])

    def order(row: dict[str, Any]) -> tuple[Any, ...]:
        return (day_index(row["day"]), row["start"], row["block"], row["session_id"])

    sessions.sort(key=order)
    named = assign_rooms(sessions, iop.room_members)
    for row in assignments:
        row["room_id"] = named.get(row["session_id"], row["room_id"])
    assignments.sort(key=lambda row: (row["client_id"], *order(row)))
    return assignments, sessions


def assign_rooms(
    sessions: list[dict[str, Any]], room_members: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Name the rooms of sessions whose ``room_id`` is a class of interchangeable rooms.

    The model keeps, at every start time, at most as many sessions in a class as it has
    rooms; sessions are intervals, so taking them by start time and giving each the first
    room of its class that is free again needs no more rooms than that (interval graphs are
    perfect). Rows are updated in place; returns session id -> room id of the renamed ones.
    """
    free_at: dict[tuple[str, str], int] = {}  # (day, room) -> minute it is free again
    named: dict[str, str] = {}
    classes = {rep for rep, members in room_members.items() if len(members) > 1}
    rows = [row for row in sessions if row.get("room_id") in classes]
    rows.sort(key=lambda r: (day_index(r["day"]), parse_time(r["start"]), r["session_id"]))
    for row in rows:
        start, end = parse_time(row["start"]), parse_time(row["end"])
        room = next(
            (r for r in room_members[row["room_id"]] if free_at.get((row["day"], r), 0) <= start),
            None,
        )
        if room is None:  # the model's per-start-time counts make this impossible
            raise RuntimeError(f"room class {row['room_id']} overbooked at {row['session_id']}")
        free_at[(row["day"], room)] = end
        row["room_id"] = named[row["session_id"]] = room
    return named
