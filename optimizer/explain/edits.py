"""Scenario changes: building them (as :class:`Change` rows a coordinator can read) and
applying them (always to a validated copy)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from ..scenario import Client, Scenario
from ..windows import (
    Window,
    client_can_attend,
    day_index,
    format_interval,
    format_windows,
    parse_windows,
)
from .result import Change

Row = TypeVar("Row", bound=BaseModel)


def replaced(row: Row, **changes: Any) -> Row:
    """A validated copy of a scenario row (client, therapist, pin) with ``changes``."""
    return type(row).model_validate({**row.model_dump(), **changes})


def apply_changes(scenario: Scenario, changes: Iterable[Change]) -> Scenario:
    """A validated copy of ``scenario`` with ``changes`` applied."""
    data = scenario.to_data()
    keys = {"clients": "client_id", "therapists": "therapist_id", "rooms": "room_id"}
    for change in changes:
        if change.table in ("plans", "session_types"):
            entry = data[change.table].setdefault(change.row_id, {})
            if change.field == "*":
                data[change.table][change.row_id] = change.new
            else:
                entry[change.field] = change.new
            continue
        rows = data.setdefault(change.table, [])
        if change.field == "*":
            rows.append(dict(change.new))
            continue
        for row in rows:
            if str(row[keys[change.table]]) == change.row_id:
                if change.new is None:
                    row.pop(change.field, None)
                else:
                    row[change.field] = change.new
    return Scenario.from_data(data)


def subtract_windows(busy: Sequence[Window], spans: Sequence[Window]) -> tuple[Window, ...]:
    """Busy windows minus ``spans`` (all ``(day_idx, start, end)``, minutes)."""
    out = list(busy)
    for d, s, e in spans:
        nxt = []
        for bd, bs, be in out:
            if bd != d or be <= s or e <= bs:
                nxt.append((bd, bs, be))
                continue
            if bs < s:
                nxt.append((bd, bs, s))
            if e < be:
                nxt.append((bd, e, be))
        out = nxt
    return tuple(sorted(out))


def client_attends_block(scenario: Scenario, client: Client, day: str, block: str) -> list[Change]:
    """Client windows changed so that the client can attend ``block`` on ``day`` (and, for a
    virtual block, the client cleared for telehealth; no commute to it)."""
    idx = day_index(day)
    start, end = scenario.block_span(block)
    virtual = scenario.is_virtual(block)
    commute = 0 if virtual else scenario.rules.commute_minutes
    busy = subtract_windows(client.busy, [(idx, start - commute, end + commute)])
    changes = []
    if virtual and not client.telehealth:
        changes.append(client_change(client, "telehealth", True))
    if busy != tuple(sorted(client.busy)):
        changes.append(
            Change(
                "clients",
                client.client_id,
                "busy",
                format_windows(client.busy),
                format_windows(busy),
            )
        )
    freed = replaced(client, busy=(), telehealth=True)
    if client.available and not client_can_attend(scenario, freed, day, block):
        available = tuple(sorted(set(client.available) | {(idx, start, end)}))
        changes.append(
            Change(
                "clients",
                client.client_id,
                "available",
                format_windows(client.available),
                format_windows(available),
            )
        )
    return changes


def change_minutes(changes: list[Change]) -> int:
    """How many minutes of a client's windows a change gives up (smaller = easier; other
    fields, such as a telehealth clearance, count nothing)."""
    total = 0
    for change in changes:
        if change.field not in ("busy", "available"):
            continue
        old = parse_windows(change.old or "")
        new = parse_windows(change.new or "")
        length = sum(e - s for _d, s, e in old) - sum(e - s for _d, s, e in new)
        total += abs(length)
    return total


def therapist_works(scenario: Scenario, tid: str, day: str, block: str) -> list[Change]:
    """Therapist ``tid``'s windows changed so that they work ``block`` on ``day``."""
    t = next(t for t in scenario.therapists if t.therapist_id == tid)
    idx = day_index(day)
    start, end = scenario.block_span(block)
    changes = []
    if t.available:
        available = tuple(sorted(set(t.available) | {(idx, start, end)}))
        changes.append(
            Change(
                "therapists",
                tid,
                "available",
                format_windows(t.available),
                format_windows(available),
            )
        )
    busy = subtract_windows(t.busy, [(idx, start, end)])
    if busy != tuple(sorted(t.busy)):
        changes.append(
            Change("therapists", tid, "busy", format_windows(t.busy), format_windows(busy))
        )
    return changes


def new_therapist_like(scenario: Scenario, tid: str, day: str, block: str) -> Change:
    """A new therapist ``NEW-<tid>`` with ``tid``'s skills, working ``block`` on ``day``."""
    t = next(t for t in scenario.therapists if t.therapist_id == tid)
    start, end = scenario.block_span(block)
    new_id = f"NEW-{tid}"
    row = {
        "therapist_id": new_id,
        "skills": ";".join(t.skills),
        "available": f"{day} {format_interval((start, end))}",
        "tracks": ";".join(t.tracks),
        "languages": ";".join(t.languages),
    }
    return Change("therapists", new_id, "*", None, row)


def client_change(client: Client, field_name: str, new: Any) -> Change:
    """The client's ``field_name`` becomes ``new`` (id lists written with ``;``)."""
    old = getattr(client, field_name)
    if isinstance(old, tuple):
        old = ";".join(old)
    return Change("clients", client.client_id, field_name, old, new)
