"""Turn a schedule (SPEC §5 rows) into a CP-SAT solution hint for a model of the same week.

Used for warm starts (a decomposition's schedule) and, later, last week's schedule. Rows that
the model has no variable for are skipped: a hint is advice, never a constraint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from .cpmodel import IOPModel


def add_schedule_hint(
    iop: IOPModel, assignments: Iterable[Mapping[str, Any]], sessions: Iterable[Mapping[str, Any]]
) -> None:
    """Hint every variable of ``iop`` from a schedule: 1 where the schedule uses it, else 0."""
    scenario = iop.scenario
    slot_of = {
        (block, f"{start // 60:02d}:{start % 60:02d}"): idx
        for block, slots in scenario.blocks.items()
        for idx, (start, _end) in enumerate(slots)
    }
    members: dict[str, list[str]] = defaultdict(list)
    for row in assignments:
        members[row["session_id"]].append(row["client_id"])
    track_of = {c.client_id: c.track for c in scenario.clients}

    values: dict[int, int] = {}  # proto variable index -> value

    def put(var: Any, value: int) -> None:
        values[var.index] = value

    scheduled = {cid for ids in members.values() for cid in ids}
    for cid, var in iop.scheduled_vars.items():
        put(var, int(cid in scheduled))
    attended: set[tuple[str, str, str]] = set()
    group_sessions: dict[tuple[str, str, int, str, str], list[Mapping[str, Any]]] = defaultdict(
        list
    )
    individual: dict[tuple[str, str, str, int, str], Mapping[str, Any]] = {}
    for row in sessions:
        slot_idx = slot_of.get((row["block"], row["start"]))
        if slot_idx is None:
            continue
        ids = members.get(row["session_id"], [])
        for cid in ids:
            attended.add((cid, row["day"], row["block"]))
        if scenario.session_types[row["session_type"]].is_group:
            track = track_of[ids[0]] if ids else row.get("track", "")
            group_sessions[(row["day"], row["block"], slot_idx, track, row["session_type"])].append(
                row
            )
        elif ids:
            individual[(ids[0], row["day"], row["block"], slot_idx, row["session_type"])] = row
    for key, var in iop.attend_vars.items():
        put(var, int(key in attended))

    for gv in iop.groups:
        ctx = gv.context
        rows = sorted(
            group_sessions.get((ctx.day, ctx.block, ctx.slot_idx, ctx.track, ctx.session_type), []),
            key=lambda r: (-len(members.get(r["session_id"], [])), r["session_id"]),
        )[: len(gv.run_vars)]
        joined = {cid for r in rows for cid in members.get(r["session_id"], [])}
        for cid, var in gv.join_vars.items():
            put(var, int(cid in joined))
        leaders = {r["therapist_id"] for r in rows}
        for tid, var in gv.lead_vars.items():
            put(var, int(tid in leaders))
        for k in range(len(gv.run_vars)):
            copy = rows[k] if k < len(rows) else None
            ids = members.get(copy["session_id"], []) if copy else []
            put(gv.run_vars[k], int(copy is not None))
            put(gv.size_vars[k], len(ids))
            room = iop.room_rep.get(copy.get("room_id") or "") if copy else None
            for rid, var in gv.room_vars[k].items():
                put(var, int(room == rid))
            for cid, member_vars in gv.member_vars.items():
                put(member_vars[k], int(cid in ids))

    rooms_used: dict[tuple[str, str, int, str], Counter[str]] = defaultdict(Counter)
    for iv in iop.individuals:
        o = iv.option
        given = individual.get((o.client_id, o.day, o.block, o.slot_idx, o.session_type))
        for tid, var in iv.therapist_vars.items():
            put(var, int(given is not None and given["therapist_id"] == tid))
        if given is not None and given.get("room_id"):
            room = iop.room_rep.get(given["room_id"], given["room_id"])
            rooms_used[(o.day, o.block, o.slot_idx, o.session_type)][room] += 1
    for room_key, rooms in iop.individual_room_vars.items():
        for rid, var in rooms.items():
            put(var, rooms_used[room_key][rid])

    iop.model.clear_hints()
    for index in sorted(values):
        iop.model.add_hint(iop.model.get_int_var_from_proto_index(index), values[index])
