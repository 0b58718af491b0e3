"""Pins (:mod:`optimizer.pins`) as hard constraints of an :class:`IOPModel`.

A client pin holds when the client is scheduled (``var == scheduled``), so a client whose
pin cannot be met is unscheduled rather than half-scheduled. A group-session pin always
holds. Which copy of a group context a therapist leads is decided at extraction, so pins
that tie a therapist to a client or a room of a context are recorded in ``iop.copy_pins``
for :func:`optimizer.model.extract.extract_schedule`.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from ..errors import Issue, ScenarioError
from ..pins import ResolvedPin
from .cpmodel import GroupVars, IOPModel


def add_pins(iop: IOPModel, pins: list[ResolvedPin]) -> None:
    """Add every pin to the model; raise ScenarioError for a group pin that cannot run."""
    m = iop.model
    track_of = {c.client_id: c.track for c in iop.scenario.clients}
    contexts: dict[tuple[str, str, int, str, str], tuple[int, GroupVars]] = {
        (gv.context.day, gv.context.block, gv.context.slot_idx, gv.context.track,
         gv.context.session_type): (idx, gv)
        for idx, gv in enumerate(iop.groups)
    }  # fmt: skip
    issues: list[Issue] = []
    for pin in pins:
        if pin.kind == "group_session":
            if not _add_group_pin(iop, pin, contexts):
                issues.append(
                    Issue(
                        f"pins row {pin.row_idx + 1} ({pin.describe()})",
                        "no group of this type can run then with this therapist and room "
                        "(no client of the track can attend, or the therapist or room is "
                        "not available)",
                        "move or remove the pin",
                    )
                )
            continue
        cid = pin.client_id or ""
        scheduled = iop.scheduled_vars.get(cid)
        if scheduled is None:
            continue  # a sub-problem without this client
        if pin.kind == "client_block":
            _add_client_block_pin(iop, pin, scheduled)
            continue
        assert pin.session_type and pin.day and pin.block and pin.slot_idx is not None
        if iop.scenario.session_types[pin.session_type].is_group:
            found = contexts.get(
                (pin.day, pin.block, pin.slot_idx, track_of[cid], pin.session_type)
            )
            join = found[1].join_vars.get(cid) if found else None
            if found is None or join is None:
                m.add(scheduled == 0)
                continue
            idx, gv = found
            m.add(join == scheduled)
            if pin.therapist_id is not None:
                lead = gv.lead_vars.get(pin.therapist_id)
                if lead is None:
                    m.add(scheduled == 0)
                    continue
                m.add_implication(join, lead)
            if pin.room_id is not None:
                room_vars = [rooms[pin.room_id] for rooms in gv.room_vars if pin.room_id in rooms]
                if not room_vars:
                    m.add(scheduled == 0)
                    continue
                m.add(sum(room_vars) >= 1).only_enforce_if(join)
            iop.copy_pins.setdefault(idx, []).append((cid, pin.therapist_id, pin.room_id))
        else:
            chosen = [
                var
                for iv in iop.individuals
                if (iv.option.client_id, iv.option.day, iv.option.block, iv.option.slot_idx)
                == (cid, pin.day, pin.block, pin.slot_idx)
                and iv.option.session_type == pin.session_type
                for tid, var in iv.therapist_vars.items()
                if pin.therapist_id in (None, tid)
            ]
            m.add(sum(chosen) == scheduled)
    if issues:
        raise ScenarioError(issues)


def _add_client_block_pin(iop: IOPModel, pin: ResolvedPin, scheduled: cp_model.IntVar) -> None:
    m = iop.model
    mine = {
        (day, block): var
        for (cid, day, block), var in iop.attend_vars.items()
        if cid == pin.client_id
    }
    if pin.day is not None and pin.block is not None:
        var = mine.get((pin.day, pin.block))
        m.add(scheduled == 0 if var is None else var == scheduled)
    elif pin.day is not None:
        m.add(sum(var for (day, _b), var in mine.items() if day == pin.day) == scheduled)
    else:
        for (_day, block), var in mine.items():
            if block != pin.block:
                m.add(var == 0)


def _add_group_pin(
    iop: IOPModel,
    pin: ResolvedPin,
    contexts: dict[tuple[str, str, int, str, str], tuple[int, GroupVars]],
) -> bool:
    """A group session runs at the pinned time (one context of a matching track)."""
    m = iop.model
    here_vars = []
    for (day, block, slot_idx, track, type_id), (idx, gv) in sorted(contexts.items()):
        if (day, block, slot_idx, type_id) != (pin.day, pin.block, pin.slot_idx, pin.session_type):
            continue
        if pin.track not in (None, track):
            continue
        if pin.therapist_id is not None and pin.therapist_id not in gv.lead_vars:
            continue
        if pin.room_id is not None and pin.room_id not in gv.context.rooms:
            continue
        here = m.new_bool_var(f"pinned_here[{pin.row_idx},{idx}]")
        m.add_implication(here, gv.run_vars[0])
        if pin.therapist_id is not None:
            m.add_implication(here, gv.lead_vars[pin.therapist_id])
        if pin.room_id is not None:
            m.add(sum(rooms[pin.room_id] for rooms in gv.room_vars) >= 1).only_enforce_if(here)
        here_vars.append(here)
        iop.copy_pins.setdefault(idx, []).append((None, pin.therapist_id, pin.room_id))
    if not here_vars:
        return False
    m.add_exactly_one(here_vars)
    return True
