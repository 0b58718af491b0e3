"""Pins (``pins.csv``; hard, see :mod:`optimizer.pins`): client pins bind scheduled clients
only, group pins always."""

from __future__ import annotations

from ..scenario import Pin
from ..windows import DAY_NAMES, parse_time
from .read import Session, Week, Where
from .report import Findings


def check_pins(week: Week, findings: Findings) -> None:
    """Every pin of the scenario is kept (numbered from 1 in the messages)."""
    for number, pin in enumerate(week.scenario.pins, start=1):
        _check_pin(week, number, pin, findings)


def _check_pin(week: Week, number: int, pin: Pin, findings: Findings) -> None:
    s = week.scenario
    day_idx = DAY_NAMES.index(pin.day) if pin.day else None
    start = None
    if pin.block in s.blocks:
        if pin.start:
            start = parse_time(pin.start)
        elif pin.slot and pin.slot <= len(s.blocks[pin.block]):
            start = s.blocks[pin.block][pin.slot - 1][0]

    def held(type_id: str | None, at: Where, session: Session | None) -> bool:
        return (
            type_id == pin.session_type
            and at.day_idx == day_idx
            and at.block == pin.block
            and at.start == start
            and pin.therapist_id in (None, session.therapist_id if session else None)
            and pin.room_id in (None, session.room_id if session else None)
        )

    if pin.kind == "group_session":
        kept = any(
            held(x.type_id, x.at, x) and pin.track in (None, x.track)
            for x in week.sessions.values()
        )
        ids: tuple[str, ...] = tuple(i for i in (pin.therapist_id, pin.room_id) if i)
    else:
        items = week.attendances.get(pin.client_id or "", [])
        if not items:
            return  # an unscheduled client: their pins bind nothing
        ids = (pin.client_id or "",)
        if pin.kind == "client_session":
            kept = any(held(a.type_id, a.at, week.sessions.get(a.session_id)) for a in items)
        elif pin.day is not None and pin.block is not None:
            kept = any(a.at.day_idx == day_idx and a.at.block == pin.block for a in items)
        elif pin.day is not None:
            kept = any(a.at.day_idx == day_idx for a in items)
        else:
            kept = all(a.at.block == pin.block for a in items)
    if not kept:
        what = ", ".join(
            f"{k} {v}" for k, v in pin.model_dump(exclude_none=True).items() if k != "kind"
        )
        findings.add("pin", ids, f"pin {number} ({pin.kind}: {what}) is not kept.")
