"""Redundant capacity constraints: what a set of therapists (or rooms) can hold, summed.

The model says each therapist is in at most one session at a time and within their caps;
that "three evening cohorts need three leaders at 18:00 and only two can lead them" then
follows only through a chain of per-therapist variables, which the search must rediscover
in every branch. These constraints state it in one line each: for a set ``S`` of
therapists, the group copies that only therapists of ``S`` can lead, plus the individual
sessions held by therapists of ``S``, are at most ``|S|`` at any instant, and at most the
sum of their caps per day and per week. The same holds for a set of room classes and the
copies only they can host. Every one is implied by the model (each copy needs its own
leader from ``S`` and its own room), so the optimum is unchanged.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .cpmodel import IOPModel, instants

Event = tuple[int, int, frozenset[str], cp_model.LinearExprT, int]
"""A session that may run: start and end minute, the owners (therapists or room classes)
one of which it needs, its variable, and the largest value that variable can take."""


def add_capacity_cuts(iop: IOPModel) -> int:
    """Add the capacity constraints (see the module docstring) for every set of therapists
    that can lead some group context, every set of room classes that can host one, and the
    sets of all therapists and all room classes; returns how many were added."""
    candidates = iop.candidates
    therapist_events: dict[str, list[Event]] = defaultdict(list)
    room_events: dict[str, list[Event]] = defaultdict(list)
    for gv in iop.groups:
        ctx = gv.context
        leaders = frozenset(ctx.therapists)
        for k, run in enumerate(gv.run_vars):
            therapist_events[ctx.day].append((ctx.start, ctx.end, leaders, run, 1))
            if gv.room_vars[k]:
                hosts = frozenset(gv.room_vars[k])
                room_events[ctx.day].append((ctx.start, ctx.end, hosts, run, 1))
    for iv in iop.individuals:
        o = iv.option
        for tid, var in iv.therapist_vars.items():
            therapist_events[o.day].append((o.start, o.end, frozenset((tid,)), var, 1))
    size = {rep: len(members) for rep, members in iop.room_members.items()}
    for (day, block, slot_idx, _type), counts in iop.individual_room_vars.items():
        start, end = iop.scenario.blocks[block][slot_idx]
        for rep, var in counts.items():
            room_events[day].append((start, end, frozenset((rep,)), var, size[rep]))

    therapist_sets = {frozenset(gv.context.therapists) for gv in iop.groups}
    therapist_sets.add(frozenset(t.therapist_id for t in iop.scenario.therapists))
    one = dict.fromkeys((t.therapist_id for t in iop.scenario.therapists), 1)
    added = 0
    for therapists in sorted(therapist_sets - {frozenset()}, key=sorted):
        week: list[cp_model.LinearExprT] = []
        week_leaders: set[str] = set()
        for day, items in sorted(therapist_events.items()):
            mine = [item for item in items if item[2] <= therapists]
            added += _instant_cuts(iop, mine, one)
            day_leaders = set().union(*(owners for _s, _e, owners, _t, _m in mine))
            week_leaders |= day_leaders
            week.extend(term for _s, _e, _o, term, _m in mine)
            added += _cap(
                iop,
                [term for _s, _e, _o, term, _m in mine],
                [candidates.day_cap.get((t, day)) for t in day_leaders],
            )
        added += _cap(iop, week, [candidates.week_cap.get(t) for t in week_leaders])
    room_sets = {owners for items in room_events.values() for _s, _e, owners, _t, _m in items}
    room_sets.add(frozenset(size))
    for classes in sorted(room_sets - {frozenset()}, key=sorted):
        for _day, items in sorted(room_events.items()):
            added += _instant_cuts(iop, [item for item in items if item[2] <= classes], size)
    return added


def _instant_cuts(iop: IOPModel, events: list[Event], capacity: dict[str, int]) -> int:
    """At every start time, the sessions covering it use at most the capacity of the owners
    that could hold one of them."""
    added = 0
    for _point, covering in instants((s, e, (o, t, m)) for s, e, o, t, m in events):
        able = set().union(*(owners for owners, _t, _m in covering))
        room = sum(capacity[o] for o in able)
        if sum(most for _o, _t, most in covering) > room:
            iop.model.add(sum(term for _o, term, _m in covering) <= room)
            added += 1
    return added


def _cap(iop: IOPModel, terms: list[cp_model.LinearExprT], caps: list[int | None]) -> int:
    """``sum(terms) <= sum(caps)`` when every cap is set and it can bind."""
    if None in caps or len(terms) <= sum(c for c in caps if c is not None):
        return 0
    iop.model.add(sum(terms) <= sum(c for c in caps if c is not None))
    return 1
