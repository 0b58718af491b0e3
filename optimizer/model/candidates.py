"""What can happen this week: the combinations the CP-SAT model needs variables for.

Everything that can be decided before solving is decided here (which blocks a client can
attend, which therapists and rooms can take which slot), so the model only gets variables
for combinations that can really occur.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..scenario import Client, Requirement, Scenario, requirement
from ..schedule import Session
from ..windows import attendable_pairs, can_work, day_index, therapist_can_take

SlotKey = tuple[str, str, int]
"""``(day, block, slot_idx)``: one slot of one block on one day."""


@dataclass(frozen=True)
class GroupContext:
    """Where group sessions of one type and track may run: one slot of one block and day."""

    day: str
    block: str
    slot_idx: int
    track: str
    session_type: str
    start: int
    end: int
    clients: tuple[str, ...]
    therapists: tuple[str, ...]
    rooms: tuple[str, ...]
    copies: int
    """Most group sessions that can run here at once."""
    max_size: int
    """Largest size one copy can have (session type and room capacities)."""


@dataclass(frozen=True)
class IndividualOption:
    """One client's possible individual session of one type in one slot."""

    client_id: str
    day: str
    block: str
    slot_idx: int
    session_type: str
    start: int
    end: int
    therapists: tuple[str, ...]


@dataclass
class Reservations:
    """Therapist and room time already taken, e.g. by an earlier stage of a decomposition.

    Intervals are ``(day, start_minute, end_minute)``; counts feed the session caps.
    """

    therapist_busy: dict[str, list[tuple[str, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    room_busy: dict[str, list[tuple[str, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    therapist_day_count: Counter[tuple[str, str]] = field(default_factory=Counter)
    therapist_week_count: Counter[str] = field(default_factory=Counter)

    def reserve(self, sessions: Iterable[Session]) -> None:
        """Reserve the therapist and room (and a place in the therapist's caps) of every
        session."""
        for session in sessions:
            self._reserve(
                session.therapist_id, session.room_id, session.day, session.start, session.end
            )

    def _reserve(self, therapist_id: str, room_id: str, day: str, start: int, end: int) -> None:
        span = (day, start, end)
        self.therapist_busy[therapist_id].append(span)
        self.therapist_day_count[(therapist_id, day)] += 1
        self.therapist_week_count[therapist_id] += 1
        if room_id:
            self.room_busy[room_id].append(span)

    def free(self, owner_busy: list[tuple[str, int, int]], day: str, start: int, end: int) -> bool:
        return not any(d == day and s < end and start < e for d, s, e in owner_busy)


@dataclass
class Candidates:
    """Everything the model is built from, derived once from the scenario."""

    scenario: Scenario
    requirements: dict[str, Requirement]
    attendable: dict[str, list[tuple[str, str]]]
    """Per client, the (day, block) pairs the client can attend."""
    groups: list[GroupContext]
    individuals: list[IndividualOption]
    individual_rooms: dict[tuple[str, str, int, str], tuple[str, ...]]
    """Per (day, block, slot_idx, individual type) of an in-person block, rooms that can host
    one (virtual blocks need none)."""
    slot_times: dict[SlotKey, tuple[int, int]] = field(default_factory=dict)
    day_cap: dict[tuple[str, str], int | None] = field(default_factory=dict)
    """Sessions a therapist may still take on a day (None = no limit)."""
    week_cap: dict[str, int | None] = field(default_factory=dict)
    """Sessions a therapist may still take this week (None = no limit)."""
    room_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Interchangeable rooms: per class, named by its first room id, the rooms in it (same
    capacity, same session types, free in the same slots, not named by a pin). The model
    counts rooms per class; :func:`assign_rooms` names them after solving."""


def room_class(room_members: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Per room id, the id that names its class (see ``Candidates.room_members``)."""
    return {room: rep for rep, members in room_members.items() for room in members}


def attendable(scenario: Scenario, client: Client, req: Requirement) -> list[tuple[str, str]]:
    """(day, block) pairs the client can attend this week under their plan ``req``.

    Pairs the client's windows allow (:func:`attendable_pairs`: days in the program,
    windows, commute, telehealth) whose block gives the plan's daily hours (a client
    attending a block has a session in every slot, so a day's session minutes are the
    block's); none at all when they leave fewer days than the plan needs or cannot reach its
    weekly hours: such a client cannot be scheduled.
    """
    if req.min_days == 0:
        return []
    pairs = [
        (day, block)
        for day, block in attendable_pairs(scenario, client)
        if scenario.block_minutes(block) >= req.min_minutes_per_day
    ]
    if len({day for day, _block in pairs}) < req.min_days:
        return []
    if most_week_minutes(scenario, pairs, req.max_days) < req.min_minutes_per_week:
        return []
    return pairs


def most_week_minutes(scenario: Scenario, pairs: Iterable[tuple[str, str]], days: int) -> int:
    """Most session minutes a client can have in a week of at most ``days`` days attending
    only ``pairs`` (day, block): the longest block of each day, the best days first."""
    longest: dict[str, int] = {}
    for day, block in pairs:
        longest[day] = max(longest.get(day, 0), scenario.block_minutes(block))
    return sum(sorted(longest.values(), reverse=True)[:days])


def build_candidates(
    scenario: Scenario,
    reserved: Reservations | None = None,
    only_pairs: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> Candidates:
    """Filter every (client, day, block), group context and individual option that can occur.

    ``reserved`` removes therapist and room time (and cap) already used elsewhere;
    ``only_pairs`` limits some clients to some (day, block) pairs (e.g. last week's).
    """
    s = scenario
    reserved = reserved or Reservations()
    requirements = {c.client_id: requirement(s, c) for c in s.clients}
    slot_times: dict[SlotKey, tuple[int, int]] = {
        (day, block, idx): slot
        for day in s.open_days()
        for block, slots in s.blocks.items()
        for idx, slot in enumerate(slots)
    }
    pairs = {c.client_id: attendable(s, c, requirements[c.client_id]) for c in s.clients}
    for cid, allowed in (only_pairs or {}).items():
        if cid in pairs:
            kept = set(allowed)
            pairs[cid] = [pair for pair in pairs[cid] if pair in kept]
    day_cap, week_cap = _caps_left(s, reserved)
    therapist_slots = {
        t.therapist_id: {
            key
            for key, (start, end) in slot_times.items()
            if therapist_can_take(s, t, key[0], start, end)
            and reserved.free(reserved.therapist_busy.get(t.therapist_id, []), key[0], start, end)
            and day_cap[(t.therapist_id, key[0])] != 0
            and week_cap[t.therapist_id] != 0
        }
        for t in s.therapists
    }
    room_slots = {
        r.room_id: {
            key
            for key, (start, end) in slot_times.items()
            if can_work(r.available, (), key[0], start, end)
            and reserved.free(reserved.room_busy.get(r.room_id, []), key[0], start, end)
        }
        for r in s.rooms or ()
    }
    free = _FreeSlots(therapist_slots, room_slots)
    individuals, individual_rooms = _individual_options(s, requirements, pairs, free)
    return Candidates(
        scenario=s,
        requirements=requirements,
        attendable=pairs,
        groups=_group_contexts(s, requirements, pairs, free),
        individuals=individuals,
        individual_rooms=individual_rooms,
        slot_times=slot_times,
        day_cap=day_cap,
        week_cap=week_cap,
        room_members=_room_classes(s, room_slots),
    )


@dataclass(frozen=True)
class _FreeSlots:
    """Per therapist and per room, the slots they can take (hours, reservations, caps)."""

    therapists: dict[str, set[SlotKey]]
    rooms: dict[str, set[SlotKey]]


def _caps_left(
    scenario: Scenario, reserved: Reservations
) -> tuple[dict[tuple[str, str], int | None], dict[str, int | None]]:
    """Sessions each therapist may still take per (therapist, day) and per week (None = no
    limit): the caps minus what ``reserved`` already uses."""
    day_cap: dict[tuple[str, str], int | None] = {}
    week_cap: dict[str, int | None] = {}
    for t in scenario.therapists:
        tid = t.therapist_id
        week_cap[tid] = (
            None
            if t.max_sessions_per_week is None
            else max(0, t.max_sessions_per_week - reserved.therapist_week_count[tid])
        )
        for day in scenario.open_days():
            day_cap[(tid, day)] = (
                None
                if t.max_sessions_per_day is None
                else max(0, t.max_sessions_per_day - reserved.therapist_day_count[(tid, day)])
            )
    return day_cap, week_cap


def _group_contexts(
    s: Scenario,
    requirements: Mapping[str, Requirement],
    pairs: Mapping[str, list[tuple[str, str]]],
    free: _FreeSlots,
) -> list[GroupContext]:
    """Every (day, block, slot, track, group type) where a group can run: its clients, the
    therapists and rooms free then, how many copies can run at once and their largest size."""
    groups: list[GroupContext] = []
    group_types = [t for t, st in s.session_types.items() if st.is_group]
    by_block: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for client in s.clients:
        for day, block in pairs[client.client_id]:
            by_block[(day, block)][client.track].append(client.client_id)
    capacity = {r.room_id: r.capacity for r in s.rooms or ()}
    for (day, block), tracks in sorted(
        by_block.items(), key=lambda kv: (day_index(kv[0][0]), kv[0][1])
    ):
        for slot_idx, (start, end) in enumerate(s.blocks[block]):
            key = (day, block, slot_idx)
            for track, type_id in itertools.product(sorted(tracks), group_types):
                stype = s.session_types[type_id]
                members = tuple(
                    cid for cid in tracks[track] if requirements[cid].max_sessions[type_id] != 0
                )
                therapists = tuple(
                    t.therapist_id
                    for t in s.therapists
                    if type_id in t.skills
                    and (not t.tracks or track in t.tracks)
                    and key in free.therapists[t.therapist_id]
                )
                rooms: tuple[str, ...] = ()
                max_size = stype.max_size or 1
                copies = min(len(therapists), len(members) // stype.min_size)
                if s.rooms is not None and not s.is_virtual(block):  # video: no room
                    rooms = tuple(
                        r.room_id
                        for r in s.rooms
                        if (not r.serves or type_id in r.serves)
                        and key in free.rooms[r.room_id]
                        and r.capacity >= stype.min_size
                    )
                    copies = min(copies, len(rooms))
                    max_size = min(max_size, max((capacity[r] for r in rooms), default=0))
                if copies > 0:
                    groups.append(
                        GroupContext(
                            day, block, slot_idx, track, type_id, start, end,
                            members, therapists, rooms, copies, max_size,
                        )
                    )  # fmt: skip
    return groups


def _individual_options(
    s: Scenario,
    requirements: Mapping[str, Requirement],
    pairs: Mapping[str, list[tuple[str, str]]],
    free: _FreeSlots,
) -> tuple[list[IndividualOption], dict[tuple[str, str, int, str], tuple[str, ...]]]:
    """Every client's possible individual sessions (a slot and the therapists who may take
    it: skill, primary therapist, language), and per (day, block, slot, type) the rooms
    that can host one."""
    individuals: list[IndividualOption] = []
    individual_rooms: dict[tuple[str, str, int, str], tuple[str, ...]] = {}
    individual_types = [t for t, st in s.session_types.items() if not st.is_group]
    for client in s.clients:
        req = requirements[client.client_id]
        for type_id in individual_types:
            if not req.max_sessions[type_id]:
                continue
            for day, block in pairs[client.client_id]:
                for slot_idx, (start, end) in enumerate(s.blocks[block]):
                    key = (day, block, slot_idx)
                    therapists = tuple(
                        t.therapist_id
                        for t in s.therapists
                        if type_id in t.skills
                        and key in free.therapists[t.therapist_id]
                        and client.primary_therapist in (None, t.therapist_id)
                        and (
                            client.language is None or client.language.lower() in t.spoken_languages
                        )
                    )
                    if s.rooms is not None and not s.is_virtual(block):
                        room_key = (day, block, slot_idx, type_id)
                        if room_key not in individual_rooms:
                            individual_rooms[room_key] = tuple(
                                r.room_id
                                for r in s.rooms
                                if (not r.serves or type_id in r.serves)
                                and key in free.rooms[r.room_id]
                            )
                        if not individual_rooms[room_key]:
                            continue
                    if therapists:
                        individuals.append(
                            IndividualOption(
                                client.client_id, day, block, slot_idx, type_id, start, end,
                                therapists,
                            )
                        )  # fmt: skip
    return individuals, individual_rooms


def _room_classes(
    scenario: Scenario, room_slots: Mapping[str, set[SlotKey]]
) -> dict[str, tuple[str, ...]]:
    """Rooms that no rule tells apart: same capacity and types served, free in the same
    slots (availability and reservations), and not named by a pin. Any schedule that uses
    one of them can swap it for another, so the model only counts how many are in use."""
    pinned = {pin.room_id for pin in scenario.pins if pin.room_id}
    classes: dict[Any, list[str]] = defaultdict(list)
    for room in scenario.rooms or ():
        key: Any = (
            ("pinned", room.room_id)
            if room.room_id in pinned
            else (room.capacity, frozenset(room.serves), frozenset(room_slots[room.room_id]))
        )
        classes[key].append(room.room_id)
    return {members[0]: tuple(members) for members in classes.values()}


def estimated_variables(candidates: Candidates) -> int:
    """About how many CP-SAT variables :class:`IOPModel` will create (for a size guard)."""
    rep = room_class(candidates.room_members)
    groups = sum(
        ctx.copies * (2 + len({rep[r] for r in ctx.rooms})) + len(ctx.clients) + len(ctx.therapists)
        for ctx in candidates.groups
    )
    individuals = sum(len(option.therapists) for option in candidates.individuals)
    attend = sum(len(pairs) for pairs in candidates.attendable.values())
    return groups + individuals + attend
