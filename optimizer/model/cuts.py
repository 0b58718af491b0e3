"""Redundant capacity constraints: what a set of therapists can lead, summed.

The model says each therapist is in at most one session at a time and within their caps;
that "three evening cohorts need three leaders at 18:00 and only two can lead them" then
follows only through a chain of per-therapist variables, which the search must rediscover
in every branch. These constraints state it in one line each: for a set ``S`` of
therapists, the group copies that only therapists of ``S`` can lead, plus the individual
sessions held by therapists of ``S``, are at most ``|S|`` at any instant, and at most the
sum of their caps per day and per week. Every one is implied by the model (each copy needs
its own leader from ``S``), so the optimum is unchanged.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .cpmodel import IOPModel


def add_capacity_cuts(iop: IOPModel) -> int:
    """Add the capacity constraints for every set of therapists that can lead some group
    context (and the set of all therapists); returns how many were added."""
    candidates = iop.candidates
    sets = {frozenset(gv.context.therapists) for gv in iop.groups if gv.context.therapists}
    everyone = frozenset(t.therapist_id for t in iop.scenario.therapists)
    sets.add(everyone)
    # Per day: (start, end, leaders, term) for every copy and every individual session.
    events: dict[str, list[tuple[int, int, frozenset[str], cp_model.LinearExprT]]] = (
        defaultdict(list)
    )
    for gv in iop.groups:
        ctx = gv.context
        leaders = frozenset(ctx.therapists)
        for run in gv.run_vars:
            events[ctx.day].append((ctx.start, ctx.end, leaders, run))
    for iv in iop.individuals:
        o = iv.option
        for tid, var in iv.therapist_vars.items():
            events[o.day].append((o.start, o.end, frozenset((tid,)), var))
    added = 0
    for therapists in sorted(sets, key=sorted):
        week: list[cp_model.LinearExprT] = []
        week_leaders: set[str] = set()
        for day, items in sorted(events.items()):
            mine = [(s, e, leaders, term) for s, e, leaders, term in items if leaders <= therapists]
            week.extend(term for *_, term in mine)
            day_leaders = set().union(*(leaders for *_, leaders, _term in mine))
            week_leaders |= day_leaders
            # At every instant, one session per therapist who could hold one of them.
            for point in sorted({s for s, *_ in mine}):
                covering = [(leaders, term) for s, e, leaders, term in mine if s <= point < e]
                able = set().union(*(leaders for leaders, _term in covering))
                if len(covering) > len(able):
                    iop.model.add(sum(term for _l, term in covering) <= len(able))
                    added += 1
            added += _cap(iop, [term for *_, term in mine],
                          [candidates.day_cap.get((t, day)) for t in day_leaders])
        added += _cap(iop, week, [candidates.week_cap.get(t) for t in week_leaders])
    return added


def _cap(iop: IOPModel, terms: list[cp_model.LinearExprT], caps: list[int | None]) -> int:
    """``sum(terms) <= sum(caps)`` when every cap is set and it can bind."""
    if None in caps or len(terms) <= sum(c for c in caps if c is not None):
        return 0
    iop.model.add(sum(terms) <= sum(c for c in caps if c is not None))
    return 1
