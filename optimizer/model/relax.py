"""A relaxation that proves bounds fast: group session types merged into one.

Every schedule of a week is also a schedule of the same week in which all group session
types are one type "group": a client's weekly minimum of group sessions is the sum of the
per-type minimums (after proration), a therapist may lead it when qualified for some group
type, a room may host it when it serves some group type, and its size lies between the
smallest minimum and the largest maximum. So the best primary objective of the merged week
is an upper bound on the real one.

It is a much smaller search (a third of the group contexts, and no choice of which type
runs in which slot), and on over-subscribed weeks it is often exact: the shortage is which
cohorts get an evening leader, not which topic they discuss. Its optimal attendance (who
comes on which day and block) then guides the real model: restricted to that attendance,
the real week is a small search that either reaches the bound (proven optimal) or not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from ..scenario import Plan, Requirement, Room, SessionType, Therapist
from ..schedule import WeekSchedule
from .candidates import Candidates, build_candidates
from .cpmodel import IOPModel
from .cuts import add_capacity_cuts
from .dominance import add_dominance, dominance_pairs, respect_dominance
from .hints import hint_schedule

Runner = Callable[[cp_model.CpSolver, cp_model.CpModel], int]
"""Runs a solver on a model and returns its status (e.g. ``SearchControl.run``)."""

MERGED = "group"
"""Name of the merged group session type (when no real type has it)."""


@dataclass
class MergedWeek:
    """The merged week: its candidates, and which real type became which merged one."""

    candidates: Candidates
    merged_type: dict[str, str] = field(default_factory=dict)
    """Per real group type, the merged type it is part of (individual types map to
    themselves)."""

    def real_to_merged(self, schedule: WeekSchedule) -> WeekSchedule:
        """A schedule of the real week as one of the merged week."""
        return WeekSchedule(
            tuple(
                replace(s, session_type=self.merged_type[s.session_type]) for s in schedule.sessions
            )
        )


def merge_group_types(candidates: Candidates, rooms: bool = True) -> MergedWeek | None:
    """The week with all group session types merged into one (see the module docstring),
    and without rooms unless ``rooms`` (a further relaxation: faster, and exact unless
    rooms are short); None when the week has pins (they name real types and rooms)."""
    scenario = candidates.scenario
    group_types = [t for t, st in scenario.session_types.items() if st.is_group]
    if scenario.pins or not group_types:
        return None
    name = MERGED
    while name in scenario.session_types:
        name += "_"
    merged_type = {t: (name if t in group_types else t) for t in scenario.session_types}
    sizes = [scenario.session_types[t] for t in group_types]
    maxima = [st.max_size for st in sizes]
    group = SessionType(
        kind="group",
        min_size=min(st.min_size for st in sizes),
        max_size=None if any(m is None for m in maxima) else max(m for m in maxima if m),
    )
    session_types = {name: group} | {
        t: st for t, st in scenario.session_types.items() if t not in group_types
    }

    def merge_counts(counts: dict[str, int]) -> dict[str, int]:
        out = {t: n for t, n in counts.items() if t not in group_types}
        total = sum(n for t, n in counts.items() if t in group_types)
        if total:
            out[name] = total
        return out

    plans = {
        pid: Plan(
            min_days=plan.min_days,
            max_days=plan.max_days,
            sessions=merge_counts(dict(plan.sessions)),
            max_sessions=(
                merge_counts(dict(plan.max_sessions))
                if all(t in plan.max_sessions for t in group_types)
                else {t: n for t, n in plan.max_sessions.items() if t not in group_types}
            ),
        )
        for pid, plan in scenario.plans.items()
    }

    def merge_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(merged_type.get(t, t) for t in ids))

    therapists = tuple(
        Therapist.model_validate(t.model_dump() | {"skills": merge_ids(t.skills)})
        for t in scenario.therapists
    )
    relaxed = scenario.model_copy(
        update={
            "session_types": session_types,
            "plans": plans,
            "therapists": therapists,
            "rooms": None
            if scenario.rooms is None or not rooms
            else tuple(
                Room.model_validate(r.model_dump() | {"serves": merge_ids(r.serves)})
                for r in scenario.rooms
            ),
        }
    )
    merged = build_candidates(relaxed)
    # The real (prorated) requirements, summed: prorating the summed plan could round up.
    requirements = {
        cid: _merge_requirement(req, group_types, name)
        for cid, req in candidates.requirements.items()
    }
    return MergedWeek(replace(merged, requirements=requirements), merged_type)


def _merge_requirement(req: Requirement, group_types: list[str], name: str) -> Requirement:
    least = {t: n for t, n in req.min_sessions.items() if t not in group_types}
    least[name] = sum(req.min_sessions.get(t, 0) for t in group_types)
    most = {t: n for t, n in req.max_sessions.items() if t not in group_types}
    maxima = [req.max_sessions.get(t) for t in group_types]
    most[name] = None if any(m is None for m in maxima) else sum(m for m in maxima if m)
    return Requirement(
        min_days=req.min_days,
        max_days=req.max_days,
        min_sessions=least,
        max_sessions=most,
        days_in_program=req.days_in_program,
    )


@dataclass
class Relaxed:
    """Outcome of :func:`solve_merged`: the merged week's bound and best attendance."""

    upper_bound: int | None
    """Proven upper bound on the primary objective of the merged (hence the real) week."""
    objective: int | None
    """Primary objective of the merged week's best schedule (None: none found)."""
    proven: bool
    attendance: set[tuple[str, str, str]] = field(default_factory=set)
    """(client, day, block) of that schedule."""
    individual: set[tuple[str, str, str, int, str, str]] = field(default_factory=set)
    """(client, day, block, slot, type, therapist) of its individual sessions (their types
    are the real ones)."""


def solve_merged(
    merged: MergedWeek,
    solver: cp_model.CpSolver,
    run: Runner | None = None,
    hint: WeekSchedule | None = None,
    dominance: bool = True,
    cuts: bool = True,
) -> Relaxed:
    """Maximise the primary objective of the merged week (a schedule of the real week as
    ``hint``, its types mapped), run by ``run``; with ``dominance``, with the dominance
    constraints of :mod:`.dominance` (valid for the primary objective, which is all this
    search is for);
    with ``cuts``, with the capacity constraints of :mod:`.cuts`."""
    iop = IOPModel(merged.candidates)
    if cuts:
        add_capacity_cuts(iop)
    pairs = dominance_pairs(merged.candidates) if dominance else []
    add_dominance(iop, pairs)
    if hint is not None and not hint.is_empty:
        hint_schedule(iop, merged.real_to_merged(respect_dominance(hint, pairs)))
    iop.model.maximize(iop.primary)
    status = (run or _solve)(solver, iop.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Relaxed(None, None, False)
    return Relaxed(
        upper_bound=math.floor(solver.best_objective_bound + 1e-6),
        objective=round(solver.objective_value),
        proven=status == cp_model.OPTIMAL,
        attendance={key for key, var in iop.attend_vars.items() if solver.value(var)},
        individual={
            (o.client_id, o.day, o.block, o.slot_idx, o.session_type, tid)
            for iv in iop.individuals
            for o in (iv.option,)
            for tid, var in iv.therapist_vars.items()
            if solver.value(var)
        },
    )


def restrict_attendance(iop: IOPModel, relaxed: Relaxed) -> None:
    """Allow only the merged week's (client, day, block) attendances (a neighbourhood of the
    real week around its schedule), hinting them and its individual sessions."""
    served = {cid for cid, _day, _block in relaxed.attendance}
    for key, var in iop.attend_vars.items():
        if key not in relaxed.attendance:
            iop.model.add(var == 0)
        else:
            iop.model.add_hint(var, 1)
    for cid, var in iop.scheduled_vars.items():
        iop.model.add_hint(var, int(cid in served))
    for iv in iop.individuals:
        o = iv.option
        for tid, var in iv.therapist_vars.items():
            session = (o.client_id, o.day, o.block, o.slot_idx, o.session_type, tid)
            iop.model.add_hint(var, int(session in relaxed.individual))


def _solve(solver: cp_model.CpSolver, model: cp_model.CpModel) -> int:
    return int(solver.solve(model))
