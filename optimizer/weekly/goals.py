"""The goal order of a week planned from another schedule (SPEC §7), solved one goal at a
time.

With last week's schedule (or this week's, re-planned from a date) the goals are, in order:

1. ``continuing``: the priority of the continuing clients scheduled (a continuing client is
   never unscheduled to make room for a new admission); dropped by
   ``rules: {continuing_first: false}``;
2. ``served``: SPEC §4's primary objective, the priority of all clients scheduled;
3. ``changes``: days on which a continuing client's block differs from the other schedule
   (its own goal: no efficiency term can outbid it; dropped by ``weights: {changes: 0}``);
   re-planning from a date adds ``session_changes`` here: sessions of continuing clients on
   the re-planned days whose type and therapist in that slot differ;
4. ``secondary``: the other weighted secondary terms of SPEC §4.

Each goal is solved with every earlier one held at the value it reached (``>=`` a maximum,
``<=`` a minimum), starting from the earlier goal's solution as a complete hint, so a later
goal can never cost an earlier one. ``status`` is OPTIMAL only when goals 1 and 2 are
proven.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ortools.sat.python import cp_model

from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..result import Progress, SolveStatus, solve_status
from ..schedule import WeekSchedule
from ..search.control import ProgressCallback, SearchControl
from ..search.phases import complete_hint
from ..search.solver import make_solver
from .previous import PreviousWeek

log = logging.getLogger(__name__)

GOAL_UNITS = {
    "continuing": "priority of continuing clients scheduled",
    "served": "priority of clients scheduled (the primary objective)",
    "changes": "days changed for continuing clients",
    "session_changes": "re-planned sessions of continuing clients with another type or therapist",
    "secondary": "weighted sum of the other secondary terms",
}
"""What one unit of each goal is (the summary and the printed table)."""

PROVEN_GOALS = ("continuing", "served")
"""Goals that must be proven for the status to be OPTIMAL (SPEC §7)."""


@dataclass(frozen=True)
class Goal:
    """One goal: a name of :data:`GOAL_UNITS`, maximised or minimised."""

    name: str
    sense: Literal["max", "min"]
    expression: cp_model.LinearExprT


@dataclass(frozen=True)
class GoalOutcome:
    """How far a goal got: its value and bound (None when not reached) and status."""

    name: str
    sense: Literal["max", "min"]
    value: int | None
    bound: int | None
    status: SolveStatus

    def to_dict(self) -> dict[str, Any]:
        """The summary.json form (``goals``)."""
        return {
            "goal": self.name,
            "sense": "maximise" if self.sense == "max" else "minimise",
            "value": self.value,
            "bound": self.bound,
            "status": self.status.value,
            "unit": GOAL_UNITS[self.name],
        }


def goal_order(
    iop: IOPModel,
    last_week: PreviousWeek,
    continuing_first: bool,
    session_changes: cp_model.LinearExprT | None = None,
) -> list[Goal]:
    """The goals of SPEC §7 for ``iop`` (a model built with ``last_week``'s attendance):
    continuing clients (unless ``continuing_first`` is off), clients served, changes (when
    their weight is not 0), ``session_changes`` (when given: re-planning from a date), the
    other secondary terms (when any weight is not 0). Builds the secondary terms."""
    priority = {c.client_id: c.priority for c in iop.scenario.clients}
    goals = []
    continuing = sorted(cid for cid in last_week.attendance if cid in iop.scheduled_vars)
    if continuing_first and continuing:
        expression = cp_model.LinearExpr.weighted_sum(
            [iop.scheduled_vars[cid] for cid in continuing], [priority[cid] for cid in continuing]
        )
        goals.append(Goal("continuing", "max", expression))
    goals.append(Goal("served", "max", iop.primary))
    iop.add_secondary_terms()
    weights = iop.scenario.weights
    if "changes" in iop.secondary_terms:
        goals.append(Goal("changes", "min", iop.secondary_terms["changes"]))
    if session_changes is not None:
        goals.append(Goal("session_changes", "min", session_changes))
    rest = [name for name in iop.secondary_terms if name != "changes"]
    if rest:
        expression = sum(getattr(weights, name) * iop.secondary_terms[name] for name in rest)
        goals.append(Goal("secondary", "min", expression))
    return goals


def session_changes_goal(
    iop: IOPModel, before: WeekSchedule, days: Iterable[str]
) -> cp_model.LinearExprT:
    """Sessions of continuing clients on the re-planned ``days`` that the model does not
    keep: the client in a session of the same type, slot and therapist. A group session
    counts as kept when the client joins its context and the therapist leads a copy there
    (extraction then deals the client to that therapist's copy when it can, through
    ``iop.copy_pins``, so the schedule's own count, :func:`~.previous.session_changes`, is
    what the summary reports)."""
    wanted = set(days)
    track_of = {c.client_id: c.track for c in iop.scenario.clients}
    contexts = {
        (g.context.day, g.context.block, g.context.slot_idx, g.context.track,
         g.context.session_type): (idx, g)
        for idx, g in enumerate(iop.groups)
    }  # fmt: skip
    options = {
        (iv.option.client_id, iv.option.day, iv.option.block, iv.option.slot_idx,
         iv.option.session_type): iv
        for iv in iop.individuals
    }  # fmt: skip
    m = iop.model
    missed: list[cp_model.LinearExprT] = []
    for cid, x in before.assignments():
        if x.day not in wanted or cid not in iop.scheduled_vars:
            continue
        if iop.scenario.session_types[x.session_type].is_group:
            found = contexts.get((x.day, x.block, x.slot_idx, track_of[cid], x.session_type))
            join = found[1].join_vars.get(cid) if found else None
            lead = found[1].lead_vars.get(x.therapist_id) if found else None
            if found is None or join is None or lead is None:
                missed.append(1)
                continue
            kept = m.new_bool_var(f"session_kept[{cid},{x.session_id}]")
            m.add_implication(kept, join)
            m.add_implication(kept, lead)
            iop.copy_pins.setdefault(found[0], []).append((cid, x.therapist_id, None))
            missed.append(1 - kept)
        else:
            option = options.get((cid, x.day, x.block, x.slot_idx, x.session_type))
            var = option.therapist_vars.get(x.therapist_id) if option else None
            missed.append(1 if var is None else 1 - var)
    return sum(missed)


@dataclass
class GoalSearch:
    """The outcome of :func:`optimise_goals`: the solver holding the last goal's solution
    (None when the first goal found none) and every goal's outcome, in order."""

    solver: cp_model.CpSolver | None
    outcomes: list[GoalOutcome]

    def outcome(self, name: str) -> GoalOutcome | None:
        return next((o for o in self.outcomes if o.name == name), None)

    @property
    def proven(self) -> bool:
        """Goals 1 and 2 (those present) are proven optimal."""
        wanted = [o for o in self.outcomes if o.name in PROVEN_GOALS]
        return bool(wanted) and all(o.status == SolveStatus.OPTIMAL for o in wanted)


def optimise_goals(
    iop: IOPModel,
    goals: Sequence[Goal],
    start: WeekSchedule,
    control: SearchControl,
    workers: int,
    seed: int,
    *,
    progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
) -> GoalSearch:
    """Solve ``goals`` one after the other (see the module docstring), the first from the
    ``start`` schedule's hint. Every goal but the last may take ``params.goal_share`` of the
    time left (it stops earlier once proven); the last takes the rest. A goal that finds no
    solution ends the search (later goals are reported UNKNOWN, unreached)."""
    params = control.params
    model = iop.model
    if not start.is_empty:
        hint_schedule(iop, start)
    search = GoalSearch(None, [])
    for idx, goal in enumerate(goals):
        last = idx == len(goals) - 1
        if search.solver is not None:  # the previous goal's solution as the hint
            model.clear_hints()
            for var_idx in range(len(model.proto.variables)):
                var = model.get_int_var_from_proto_index(var_idx)
                model.add_hint(var, search.solver.value(var))
        if goal.sense == "max":
            model.maximize(goal.expression)
        else:
            model.minimize(goal.expression)
        left = control.seconds_left()
        hint_seconds = min(params.complete_hint_max_seconds, params.complete_hint_share * left)
        complete_hint(model, hint_seconds, control, seed)
        budget = control.seconds_left() * (1.0 if last else params.goal_share)
        solver = make_solver(params, budget, workers, seed, log_search=log_search)
        phase = 1 if goal.sense == "max" else 2  # clients (weighted), or a penalty
        callback = ProgressCallback(progress, phase, control.started) if progress else None
        status = solve_status(control.run(solver, model, callback), model)
        if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            log.info("goal %s: no solution (%s)", goal.name, status.value)
            search.outcomes.append(GoalOutcome(goal.name, goal.sense, None, None, status))
            search.outcomes.extend(
                GoalOutcome(g.name, g.sense, None, None, SolveStatus.UNKNOWN)
                for g in goals[idx + 1 :]
            )
            return search
        value = round(solver.objective_value)
        bound = (
            math.floor(solver.best_objective_bound + 1e-6)
            if goal.sense == "max"
            else math.ceil(solver.best_objective_bound - 1e-6)
        )
        log.info("goal %s: %s %d (bound %d)", goal.name, status.value, value, bound)
        search.solver = solver
        search.outcomes.append(GoalOutcome(goal.name, goal.sense, value, bound, status))
        if goal.sense == "max":
            model.add(goal.expression >= value)
        else:
            model.add(goal.expression <= value)
    return search
