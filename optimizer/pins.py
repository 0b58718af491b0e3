"""Pins (``pins.csv``): what the coordinator promised, as hard constraints of the week.

Three kinds, one row each:

* ``client_block`` - a client attends ``block`` on ``day`` (``day`` empty: every attended
  day is in that block; ``block`` empty: the client attends some block that day);
* ``client_session`` - a client is in a ``session_type`` session at ``day``, ``block`` and
  ``start`` (or 1-based ``slot``), optionally with ``therapist_id`` (and, for a group,
  ``room_id``);
* ``group_session`` - a group session of ``session_type`` (optionally of ``track``) runs at
  ``day``, ``block`` and ``start``/``slot``, led by ``therapist_id`` and/or in ``room_id``.

A client pin holds whenever the client is scheduled (a client who cannot be served at all
stays unscheduled, never half-scheduled); a group-session pin always holds. This module
validates pins against the scenario (unknown ids with a did-you-mean, rows that contradict
each other, naming both rows) and resolves them for the model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Issue, did_you_mean
from .windows import format_time, parse_time

if TYPE_CHECKING:
    from .scenario import Client, Pin, Room, Scenario, Therapist

Locator = Callable[[tuple[str | int, ...]], str]


@dataclass(frozen=True)
class ResolvedPin:
    """A validated pin with its slot resolved to an index of its block (0-based)."""

    row_idx: int
    kind: str
    client_id: str | None
    session_type: str | None
    track: str | None
    day: str | None
    block: str | None
    slot_idx: int | None
    therapist_id: str | None
    room_id: str | None

    def describe(self) -> str:
        """A short text of what the pin fixes, ids only."""
        parts = [self.kind]
        for value in (self.client_id, self.session_type, self.track, self.day, self.block):
            if value:
                parts.append(value)
        if self.slot_idx is not None:
            parts.append(f"slot {self.slot_idx + 1}")
        if self.therapist_id:
            parts.append(f"with {self.therapist_id}")
        if self.room_id:
            parts.append(f"in {self.room_id}")
        return " ".join(parts)


_REQUIRED = {
    "client_block": ("client_id",),
    "client_session": ("client_id", "session_type", "day", "block"),
    "group_session": ("session_type", "day", "block"),
}


def _slot_index(scenario: Scenario, pin: Pin) -> tuple[int | None, str | None]:
    """The 0-based slot of a pin, or an error text."""
    slots = scenario.blocks.get(pin.block or "", ())
    idx: int | None = None
    if pin.start is not None:
        try:
            minute = parse_time(pin.start)
        except ValueError:
            return None, f"start '{pin.start}' is not a time HH:MM"
        starts = [s for s, _e in slots]
        if minute not in starts:
            known = ", ".join(format_time(s) for s in starts)
            return None, f"no slot of block {pin.block} starts at {pin.start} (slots start {known})"
        idx = starts.index(minute)
    if pin.slot is not None:
        if pin.slot > len(slots):
            return None, f"block {pin.block} has {len(slots)} slots, not {pin.slot}"
        if idx is not None and idx != pin.slot - 1:
            return None, f"slot {pin.slot} does not start at {pin.start}"
        idx = pin.slot - 1
    return idx, None


@dataclass(frozen=True)
class _Tables:
    """The scenario's lookups the checks of pins need, built once per scenario."""

    clients: dict[str, Client]
    therapists: dict[str, Therapist]
    rooms: dict[str, Room]
    tracks: list[str]
    track_of: dict[str, str]
    avoids: set[tuple[str, str]]
    """(a, b) when either client avoids the other."""

    @classmethod
    def of(cls, scenario: Scenario) -> _Tables:
        avoids = {(c.client_id, other) for c in scenario.clients for other in c.avoid}
        return cls(
            clients={c.client_id: c for c in scenario.clients},
            therapists={t.therapist_id: t for t in scenario.therapists},
            rooms={r.room_id: r for r in scenario.rooms or ()},
            tracks=sorted({c.track for c in scenario.clients}),
            track_of={c.client_id: c.track for c in scenario.clients},
            avoids=avoids | {(b, a) for a, b in avoids},
        )


Problem = tuple[str, str, str]
"""(column, problem, fix) of one pins row."""


def _one_pin_issues(scenario: Scenario, tables: _Tables, pin: Pin) -> list[Problem]:
    """Problems of one row on its own: its form and place, then its staff."""
    return _pin_place_issues(scenario, tables, pin) + _pin_staff_issues(scenario, tables, pin)


def _pin_place_issues(scenario: Scenario, tables: _Tables, pin: Pin) -> list[Problem]:
    """The columns a kind needs or forbids; the client, day, block, type and slot named."""
    s = scenario
    out: list[Problem] = []
    clients = tables.clients
    for column in _REQUIRED[pin.kind]:
        if getattr(pin, column) is None:
            out.append((column, f"a {pin.kind} pin needs a {column}", f"fill in {column}"))
    if pin.kind == "client_block" and pin.day is None and pin.block is None:
        out.append(("block", "a client_block pin needs a day or a block", "fill in day or block"))
    if pin.kind != "client_block" and pin.start is None and pin.slot is None:
        out.append(("start", f"a {pin.kind} pin needs a start (or slot)", "e.g. start 09:00"))
    if pin.kind == "group_session" and pin.client_id is not None:
        out.append(("client_id", "a group_session pin names no client", "use client_session"))
    client = clients.get(pin.client_id or "")
    if pin.client_id is not None and client is None:
        out.append(
            (
                "client_id",
                f"unknown client '{pin.client_id}'{did_you_mean(pin.client_id, clients)}",
                "use a client_id of the clients table",
            )
        )
    if pin.day is not None:
        if pin.day not in s.days:
            out.append(("day", f"{pin.day} is not an operating day", f"use one of {s.days}"))
        elif s.date_of(pin.day) in s.closed_dates:
            out.append(("day", f"{pin.day} ({s.date_of(pin.day)}) is closed", "pick an open day"))
    if pin.block is not None and pin.block not in s.blocks:
        out.append(
            (
                "block",
                f"unknown block '{pin.block}'{did_you_mean(pin.block, s.blocks)}",
                f"use one of: {', '.join(s.blocks)}",
            )
        )
    stype = s.session_types.get(pin.session_type or "")
    if pin.session_type is not None and stype is None:
        out.append(
            (
                "session_type",
                f"unknown session type '{pin.session_type}'"
                f"{did_you_mean(pin.session_type, s.session_types)}",
                f"use one of: {', '.join(s.session_types)}",
            )
        )
    if pin.kind == "group_session" and stype is not None and not stype.is_group:
        out.append(("session_type", f"'{pin.session_type}' is not a group type", "pin a group"))
    if pin.kind == "client_session" and stype is not None and not stype.is_group and pin.room_id:
        out.append(
            ("room_id", "rooms of individual sessions cannot be pinned", "leave room_id empty")
        )
    if pin.block in s.blocks and (pin.start is not None or pin.slot is not None):
        _idx, problem = _slot_index(s, pin)
        if problem:
            out.append(("start" if pin.start is not None else "slot", problem, "fix the time"))
    return out


def _pin_staff_issues(scenario: Scenario, tables: _Tables, pin: Pin) -> list[Problem]:
    """The track, therapist and room named, and whether they fit the pinned session."""
    out: list[Problem] = []
    therapists, rooms, tracks = tables.therapists, tables.rooms, tables.tracks
    client = tables.clients.get(pin.client_id or "")
    stype = scenario.session_types.get(pin.session_type or "")
    if pin.track is not None:
        if pin.kind != "group_session":
            out.append(("track", "only a group_session pin takes a track", "leave it empty"))
        elif pin.track not in tracks:
            out.append(
                (
                    "track",
                    f"unknown track '{pin.track}'{did_you_mean(pin.track, tracks)}",
                    "use a track of the clients table",
                )
            )
    if pin.kind == "client_block" and (pin.therapist_id or pin.room_id or pin.session_type):
        out.append(("kind", "a client_block pin fixes only day and block", "use client_session"))
    therapist = therapists.get(pin.therapist_id or "")
    if pin.therapist_id is not None:
        if therapist is None:
            out.append(
                (
                    "therapist_id",
                    f"unknown therapist '{pin.therapist_id}'"
                    f"{did_you_mean(pin.therapist_id, therapists)}",
                    "use a therapist_id of the therapists table",
                )
            )
        elif pin.session_type is not None and pin.session_type not in therapist.skills:
            out.append(
                (
                    "therapist_id",
                    f"therapist {pin.therapist_id} cannot deliver {pin.session_type}",
                    "pin a therapist with that skill",
                )
            )
        elif stype is not None and stype.is_group and therapist.tracks:
            track = client.track if client is not None else pin.track
            if track is not None and track not in therapist.tracks:
                out.append(
                    (
                        "therapist_id",
                        f"therapist {pin.therapist_id} does not lead {track} groups",
                        "pin a therapist of that track",
                    )
                )
    if pin.room_id is not None:
        room = rooms.get(pin.room_id)
        if pin.block is not None and scenario.is_virtual(pin.block):
            out.append(
                (
                    "room_id",
                    f"block {pin.block} is virtual (telehealth): its sessions have no room",
                    "leave room_id empty, or pin an in-person block",
                )
            )
        elif room is None:
            out.append(
                (
                    "room_id",
                    f"unknown room '{pin.room_id}'{did_you_mean(pin.room_id, rooms)}",
                    "use a room_id of the rooms table",
                )
            )
        elif pin.session_type and room.serves and pin.session_type not in room.serves:
            out.append(("room_id", f"room {pin.room_id} does not serve {pin.session_type}", ""))
    return out


def resolve_pins(scenario: Scenario) -> list[ResolvedPin]:
    """The scenario's pins with slots as indices (assumes they passed :func:`pin_issues`)."""
    out = []
    for idx, pin in enumerate(scenario.pins):
        slot_idx = _slot_index(scenario, pin)[0] if pin.block in scenario.blocks else None
        out.append(
            ResolvedPin(
                row_idx=idx,
                kind=pin.kind,
                client_id=pin.client_id,
                session_type=pin.session_type,
                track=pin.track,
                day=pin.day,
                block=pin.block,
                slot_idx=slot_idx,
                therapist_id=pin.therapist_id,
                room_id=pin.room_id,
            )
        )
    return out


def _contradiction(
    scenario: Scenario, tables: _Tables, a: ResolvedPin, b: ResolvedPin
) -> str | None:
    """Why two valid pins cannot both hold, or None."""
    s = scenario
    if a.client_id and a.client_id == b.client_id:
        same_day = a.day is None or b.day is None or a.day == b.day
        if same_day and a.block and b.block and a.block != b.block:
            day = a.day or b.day
            when = f" on {day}" if day else ""
            return f"client {a.client_id} is pinned to block {a.block} and to {b.block}{when}"
        if (
            a.kind == b.kind == "client_session"
            and (a.day, a.block, a.slot_idx) == (b.day, b.block, b.slot_idx)
            and (a.session_type, a.therapist_id, a.room_id)
            != (b.session_type, b.therapist_id, b.room_id)
        ):
            return f"client {a.client_id} is pinned to two different sessions in one slot"
    if a.kind == "client_block" or b.kind == "client_block" or a.day != b.day:
        return None
    assert a.block and b.block and a.day and a.slot_idx is not None and b.slot_idx is not None
    a_start, a_end = s.blocks[a.block][a.slot_idx]
    b_start, b_end = s.blocks[b.block][b.slot_idx]
    if not (a_start < b_end and b_start < a_end):
        return None

    def track(pin: ResolvedPin) -> str | None:
        return tables.track_of[pin.client_id] if pin.client_id else pin.track

    same_group = (
        a.session_type == b.session_type
        and s.session_types[a.session_type or ""].is_group
        and (a.block, a.slot_idx) == (b.block, b.slot_idx)
        and (track(a) is None or track(b) is None or track(a) == track(b))
    )
    for owner, noun in (("therapist_id", "therapist"), ("room_id", "room")):
        mine, theirs = getattr(a, owner), getattr(b, owner)
        if mine is None or mine != theirs:
            continue
        other = "room_id" if owner == "therapist_id" else "therapist_id"
        other_a, other_b = getattr(a, other), getattr(b, other)
        if not same_group or (other_a is not None and other_b is not None and other_a != other_b):
            return f"{noun} {mine} is pinned to two sessions at once on {a.day}"
        if a.client_id and b.client_id and (a.client_id, b.client_id) in tables.avoids:
            return f"clients {a.client_id} and {b.client_id} avoid each other but share a group"
    return None


def _pairs_to_check(pins: list[ResolvedPin]) -> list[tuple[int, int]]:
    """(earlier, later) positions of the pins that can contradict each other: those of one
    client, and those on one day naming one therapist or one room (:func:`_contradiction`
    finds nothing in any other pair). In the order of a check of every pair."""
    groups: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
    for idx, pin in enumerate(pins):
        if pin.client_id:
            groups[("client", pin.client_id)].append(idx)
        if pin.therapist_id:
            groups[("therapist", pin.day, pin.therapist_id)].append(idx)
        if pin.room_id:
            groups[("room", pin.day, pin.room_id)].append(idx)
    pairs = {
        (earlier, later)
        for members in groups.values()
        for j, later in enumerate(members)
        for earlier in members[:j]
    }
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def pin_issues(scenario: Scenario, locate: Locator) -> list[Issue]:
    """Every problem of the scenario's pins, located by ``locate`` (file row or key path).

    Rows are first checked one by one; only when each row is fine on its own are pairs
    checked, and a contradiction names both rows.
    """
    tables = _Tables.of(scenario)
    issues = [
        Issue(locate(("pins", idx, column)), problem, fix)
        for idx, pin in enumerate(scenario.pins)
        for column, problem, fix in _one_pin_issues(scenario, tables, pin)
    ]
    if issues:
        return issues
    pins = resolve_pins(scenario)
    for earlier_idx, later_idx in _pairs_to_check(pins):
        earlier, later = pins[earlier_idx], pins[later_idx]
        why = _contradiction(scenario, tables, earlier, later)
        if why:
            issues.append(
                Issue(
                    locate(("pins", later.row_idx)),
                    f"contradicts {locate(('pins', earlier.row_idx))}: {why}",
                    "remove or correct one of the two rows",
                )
            )
    return issues
