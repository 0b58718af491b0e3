"""Turn a week schedule into a CP-SAT solution hint for a model of the same week.

Used for warm starts (the hand-style schedule bettered track by track, last week kept) and
for phase 2 starting from a given schedule. Sessions that the model has no variable for are
skipped: a hint is advice, never a constraint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from ..schedule import Session, WeekSchedule
from .cpmodel import IOPModel


def hint_schedule(iop: IOPModel, schedule: WeekSchedule) -> None:
    """Hint every variable of ``iop`` from ``schedule``: 1 where the schedule uses it, else 0
    (replacing any earlier hint)."""
    scenario = iop.scenario
    track_of = {c.client_id: c.track for c in scenario.clients}
    values: dict[int, int] = {}  # proto variable index -> value

    def put(var: Any, value: int) -> None:
        values[var.index] = value

    scheduled = schedule.client_ids()
    for cid, var in iop.scheduled_vars.items():
        put(var, int(cid in scheduled))
    attended = {(cid, s.day, s.block) for cid, s in schedule.assignments()}
    for key, var in iop.attend_vars.items():
        put(var, int(key in attended))

    group_sessions: dict[tuple[str, str, int, str, str], list[Session]] = defaultdict(list)
    individual: dict[tuple[str, str, str, int, str], Session] = {}
    for s in schedule.sessions:
        if scenario.session_types[s.session_type].is_group:
            track = track_of[s.clients[0]] if s.clients else s.track
            group_sessions[(s.day, s.block, s.slot_idx, track, s.session_type)].append(s)
        elif s.clients:
            individual[(s.clients[0], s.day, s.block, s.slot_idx, s.session_type)] = s

    for gv in iop.groups:
        ctx = gv.context
        copies = sorted(
            group_sessions.get((ctx.day, ctx.block, ctx.slot_idx, ctx.track, ctx.session_type), []),
            key=lambda s: (-s.size, s.session_id),
        )[: len(gv.run_vars)]
        joined = {cid for s in copies for cid in s.clients}
        for cid, var in gv.join_vars.items():
            put(var, int(cid in joined))
        leaders = {s.therapist_id for s in copies}
        for tid, var in gv.lead_vars.items():
            put(var, int(tid in leaders))
        for k in range(len(gv.run_vars)):
            copy = copies[k] if k < len(copies) else None
            members = copy.clients if copy else ()
            put(gv.run_vars[k], int(copy is not None))
            put(gv.size_vars[k], len(members))
            room = iop.room_rep.get(copy.room_id) if copy else None
            for rid, var in gv.room_vars[k].items():
                put(var, int(room == rid))
            for cid, member_vars in gv.member_vars.items():
                put(member_vars[k], int(cid in members))

    rooms_used: dict[tuple[str, str, int, str], Counter[str]] = defaultdict(Counter)
    for iv in iop.individuals:
        o = iv.option
        given = individual.get((o.client_id, o.day, o.block, o.slot_idx, o.session_type))
        for tid, var in iv.therapist_vars.items():
            put(var, int(given is not None and given.therapist_id == tid))
        if given is not None and given.room_id:
            room = iop.room_rep.get(given.room_id, given.room_id)
            rooms_used[(o.day, o.block, o.slot_idx, o.session_type)][room] += 1
    for room_key, rooms in iop.individual_room_vars.items():
        for rid, var in rooms.items():
            put(var, rooms_used[room_key][rid])

    iop.model.clear_hints()
    for index in sorted(values):
        iop.model.add_hint(iop.model.get_int_var_from_proto_index(index), values[index])
