"""Causes in words: a minimal core phrased for a coordinator, and the causes found without a
core (the client's windows, the other tracks' sessions). The causes that hold whatever the
other clients do (static causes) come from :mod:`optimizer.reasons`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model.candidates import Candidates
from ..model.cpmodel import GroupName, IOPModel, clock_block
from ..reasons import Cause, days_text, ids_text
from ..scenario import Client, Scenario
from ..schedule import Session, WeekSchedule
from ..windows import day_index, format_interval


@dataclass(frozen=True)
class _Core:
    """What a core is phrased with: the week, the client, the named model, the schedule."""

    scenario: Scenario
    client: Client
    iop: IOPModel
    schedule: WeekSchedule | None


def _grouped(items: list[GroupName], key_idx: Sequence[int]) -> dict[tuple[str, ...], list[str]]:
    """Days (name[2]) grouped by the other key parts."""
    out: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for n in items:
        out[tuple(n[i] for i in key_idx)].append(n[2] if len(n) > 2 else "")
    return out


def _flat(items: list[GroupName]) -> tuple[str, ...]:
    return tuple(["/".join(n) for n in items])


def _days(items: list[GroupName]) -> tuple[str, ...]:
    """The days (name[2]) of ``items`` in week order."""
    return tuple(sorted({n[2] for n in items}, key=day_index))


def _blocks(items: list[GroupName]) -> tuple[str, ...]:
    """The blocks (name[3]) of ``items`` in first-seen order."""
    return tuple(dict.fromkeys(n[3] for n in items))


def _sessions(count: int | None) -> str:
    return f"{count} session" + ("" if count == 1 else "s")


Where = tuple[str, str]
"""Where an owner is told to be: a block, and a note (empty, or the clock times)."""


def _owners_by_where(
    items: list[GroupName], wheres: Callable[[GroupName], list[Where]]
) -> dict[tuple[Where, str], list[str]]:
    """``(kind, owner, day, block)`` names as (where, days text) -> owners."""
    days: dict[tuple[str, Where], list[str]] = defaultdict(list)
    for n in items:
        for where in wheres(n):
            days[(n[1], where)].append(n[2])
    out: dict[tuple[Where, str], list[str]] = defaultdict(list)
    for (owner, where), owner_days in days.items():
        out[(where, days_text(owner_days))].append(owner)
    return out


def _named_block(name: GroupName) -> list[Where]:
    return [(name[3], "")]


def _occupying(core: _Core, owner_of: Callable[[Session], str], name: GroupName) -> list[Where]:
    """Where the schedule has the owner of a clock-time group ``(kind, owner, day, block)``
    (``owner_of``: a session's therapist or room): the block of each of its
    sessions that holds a clock point the group is told in, with the clock times when that
    is another block whose hours overlap; the group's own block when the schedule has none
    there (the core then holds a rearrangement, not the schedule's sessions)."""
    _kind, owner, day, block = name
    s = core.scenario
    points = {
        start
        for slots in s.blocks.values()
        for start, _end in slots
        if clock_block(s, start) == block
    }
    spans: dict[str, set[str]] = defaultdict(set)
    for session in core.schedule.sessions if core.schedule else ():
        if owner_of(session) != owner or session.day != day:
            continue
        start, end = session.start, session.end
        if any(start <= point < end for point in points):
            spans[session.block].add(format_interval((start, end)))
    if not spans:
        return _named_block(name)
    return [
        (held, "" if held == block else f" ({', '.join(sorted(times))}, overlapping {block})")
        for held, times in sorted(spans.items(), key=lambda item: (item[0] != block, item[0]))
    ]


def _groups_full(core: _Core, items: list[GroupName]) -> Cause:
    parts = []
    for (track, block), days in _grouped(items, (1, 3)).items():
        sizes = sorted(
            {
                gv.context.max_size
                for gv in core.iop.groups
                if gv.context.track == track and gv.context.block == block
            }
        )
        parts.append(
            f"{block} {track} groups are full on {days_text(days)} "
            f"(at most {'/'.join(map(str, sizes))} clients)"
        )
    return Cause(
        "groups-full",
        "; ".join(parts),
        days=_days(items),
        blocks=_blocks(items),
        track=items[0][1],
        constraints=_flat(items),
    )


def _week_limit(core: _Core, items: list[GroupName]) -> Cause:
    therapists = {t.therapist_id: t for t in core.scenario.therapists}
    parts = [
        f"{n[1]}'s week is at its limit ({_sessions(therapists[n[1]].max_sessions_per_week)})"
        for n in items
    ]
    return Cause(
        "therapist-week-limit",
        "; ".join(parts),
        therapist_ids=tuple(n[1] for n in items),
        constraints=_flat(items),
    )


def _day_limit(core: _Core, items: list[GroupName]) -> Cause:
    therapists = {t.therapist_id: t for t in core.scenario.therapists}
    parts = [
        f"{tid} is at the daily limit ({_sessions(therapists[tid].max_sessions_per_day)}) "
        f"on {days_text(days)}"
        for (tid,), days in _grouped(items, (1,)).items()
    ]
    return Cause(
        "therapist-day-limit",
        "; ".join(parts),
        therapist_ids=tuple(dict.fromkeys(n[1] for n in items)),
        days=_days(items),
        constraints=_flat(items),
    )


def _therapists_per_where(
    code: str,
    verbs: tuple[str, str],
    items: list[GroupName],
    wheres: Callable[[GroupName], list[Where]],
) -> Cause:
    """``(kind, therapist, day, block)`` names told per block and days: ``T1 and T2 <verb>
    <block> on <days>`` (``verbs``: for one therapist, for several)."""
    grouped = _owners_by_where(items, wheres)
    parts = [
        f"{ids_text(tids)} {verbs[0] if len(tids) == 1 else verbs[1]} {block} on {days}{note}"
        for ((block, note), days), tids in grouped.items()
    ]
    return Cause(
        code,
        "; ".join(parts),
        therapist_ids=tuple(dict.fromkeys(n[1] for n in items)),
        days=_days(items),
        blocks=tuple(dict.fromkeys(block for (block, _note), _days_text in grouped)),
        constraints=_flat(items),
    )


def _therapist_busy(core: _Core, items: list[GroupName]) -> Cause:
    """Told in the block of the sessions that hold the therapists (see :func:`_occupying`)."""
    return _therapists_per_where(
        "therapist-busy",
        ("is already in sessions in", "are already in sessions in"),
        items,
        lambda name: _occupying(core, lambda s: s.therapist_id, name),
    )


def _therapist_hours(core: _Core, items: list[GroupName]) -> Cause:
    return _therapists_per_where(
        "therapist-hours", ("does not work", "do not work"), items, _named_block
    )


def _rooms_busy(core: _Core, items: list[GroupName]) -> Cause:
    """Told in the block of the sessions that hold the rooms (see :func:`_occupying`)."""
    parts = [
        f"room {rid} is taken during {block} on {days}{note}"
        for ((block, note), days), rids in _owners_by_where(
            items, lambda name: _occupying(core, lambda s: s.room_id, name)
        ).items()
        for rid in rids
    ]
    return Cause(
        "rooms-busy",
        "; ".join(parts),
        room_ids=tuple(dict.fromkeys(n[1] for n in items)),
        constraints=_flat(items),
    )


def _rooms_too_small(core: _Core, items: list[GroupName]) -> Cause:
    """``("room-capacity", day, block)`` names."""
    by_block: dict[str, list[str]] = defaultdict(list)
    for n in items:
        by_block[n[2]].append(n[1])
    parts = [
        f"no free room is large enough for a bigger group in {block} on {days_text(days)}"
        for block, days in by_block.items()
    ]
    return Cause("rooms-too-small", "; ".join(parts), room_ids=(), constraints=_flat(items))


def _client_windows(core: _Core, items: list[GroupName]) -> Cause:
    parts = []
    for (block,), days in _grouped(items, (3,)).items():
        why = sorted({window_why(core.scenario, core.client, d, block) for d in days})
        parts.append(f"{block} on {days_text(days)} ({'; '.join(why)})")
    return Cause(
        "client-windows",
        "the client cannot attend " + "; ".join(parts),
        days=_days(items),
        blocks=_blocks(items),
        constraints=_flat(items),
    )


def _competing(keeps: list[GroupName], stays: list[GroupName]) -> Cause:
    kept = sorted({n[1] for n in keeps})
    staying = sorted({n[1] for n in stays} - set(kept))
    parts = []
    if kept:
        parts.append(f"{ids_text(kept)} (kept scheduled)")
    if staying:
        parts.append(f"{ids_text(staying)} (in their current sessions)")
    items = keeps + stays
    return Cause(
        "competing-clients",
        f"the places go to {' and '.join(parts)}",
        client_ids=tuple(sorted({n[1] for n in items})),
        constraints=_flat(items),
    )


Phrase = Callable[[_Core, list[GroupName]], Cause]

_PHRASES: tuple[tuple[str, Phrase], ...] = (
    ("group-size", _groups_full),
    ("therapist-week", _week_limit),
    ("therapist-day", _day_limit),
    ("therapist-time", _therapist_busy),
    ("therapist-hours", _therapist_hours),
    ("room-time", _rooms_busy),
    ("room-capacity", _rooms_too_small),
    ("client-window", _client_windows),
)
"""Each kind of named group and its phrasing, in the order the causes are told."""


def dynamic_causes(
    scenario: Scenario,
    client: Client,
    names: Sequence[GroupName],
    iop: IOPModel,
    schedule: WeekSchedule | None,
) -> list[Cause]:
    """Phrase a core: one cause per kind of named group, with the ids and days; the clients
    who hold the places last. ``schedule`` tells where the therapists and rooms of
    clock-time groups are."""
    by_kind: dict[str, list[GroupName]] = defaultdict(list)
    for name in names:
        by_kind[name[0]].append(name)
    core = _Core(scenario, client, iop, schedule)
    causes = [phrase(core, by_kind[kind]) for kind, phrase in _PHRASES if kind in by_kind]
    if "keep" in by_kind or "stay" in by_kind:
        causes.append(_competing(by_kind["keep"], by_kind["stay"]))
    return causes


def window_why(scenario: Scenario, client: Client, day: str, block: str) -> str:
    """Why the client's windows keep them out of ``block`` on ``day``, in a few words."""
    idx = day_index(day)
    start, end = scenario.block_span(block)
    virtual = scenario.is_virtual(block)
    if virtual and not client.telehealth:
        return "a virtual block, and the client is not cleared for telehealth"
    commute = 0 if virtual else scenario.rules.commute_minutes
    if client.available and not any(
        lo <= start and end <= hi
        for d, lo, hi in client.available
        if d == idx  # merged check is in windows; this is for the message only
    ):
        return "outside their available hours"
    clashes = [
        format_interval((s, e))
        for d, s, e in client.busy
        if d == idx and e + commute > start and end + commute > s
    ]
    if clashes:
        text = "busy " + ", ".join(clashes)
        return text + (f" plus {commute}-minute commute" if commute else "")
    return "outside their windows"


def other_tracks_cause(
    scenario: Scenario, client: Client, candidates: Candidates, schedule: WeekSchedule
) -> Cause:
    """Which therapists the other tracks' sessions hold in the client's blocks."""
    track = {c.client_id: c.track for c in scenario.clients}
    pairs = candidates.attendable[client.client_id]
    held: dict[tuple[str, str], set[str]] = defaultdict(set)
    for session in schedule.sessions:
        # A session's track is its clients' (an individual session has no track column).
        if session.clients and track.get(session.clients[0], "") in ("", client.track):
            continue
        for day, block in pairs:
            start, end = scenario.block_span(block)
            overlaps = session.start < end and start < session.end
            if session.day == day and overlaps:
                held[(block, session.therapist_id)].add(day)
    by_block: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (block, tid), days in sorted(held.items()):
        by_block[(block, days_text(days))].append(tid)
    parts = [f"{ids_text(tids)} in {block} on {days}" for (block, days), tids in by_block.items()]
    return Cause(
        "other-tracks",
        "other tracks' sessions hold "
        + ("; ".join(parts) if parts else "the rooms")
        + f" (the {client.track} track alone was analysed)",
        therapist_ids=tuple(sorted({tid for _b, tid in held})),
        blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
        track=client.track,
    )
