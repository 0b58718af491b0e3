"""The goal order of a week planned from another schedule (SPEC §7), solved one goal at a
time.

With last week's schedule (or this week's, re-planned from a date) the goals are, in order:

1. ``continuing``: the priority of the continuing clients scheduled (a continuing client is
   never unscheduled to make room for a new admission); dropped by
   ``rules: {continuing_first: false}``;
2. ``served``: SPEC §4's primary objective, the priority of all clients scheduled;
3. ``changes``: days on which a continuing client's block differs from the other schedule
   (its own goal: no efficiency term can outbid it; dropped by ``weights: {changes: 0}``);
   re-planning from a date adds ``session_changes`` next: sessions of continuing clients on
   the re-planned days whose slot no longer holds that type with that therapist and room;
4. ``secondary``: the other weighted secondary terms of SPEC §4 (searched as phase 2 is,
   :func:`~optimizer.search.phases.improve_secondary`: in rounds, stopped when proven or
   when a round finds nothing better; ``summary.json`` ``secondary_search`` tells how it
   ended).

Each goal is solved with every earlier one held at the value it reached (``>=`` a maximum,
``<=`` a minimum), starting from the earlier goal's solution as a complete hint, so a later
goal can never cost an earlier one. ``status`` is OPTIMAL only when goals 1 and 2 are
proven.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ortools.sat.python import cp_model

from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..result import Progress, SolveStatus, solve_status
from ..scenario import Weights
from ..schedule import WeekSchedule
from ..search.control import ProgressCallback, SearchControl
from ..search.phases import (
    PhaseTwo,
    SecondaryStop,
    complete_hint,
    hint_solution,
    improve_secondary,
)
from ..search.solver import make_solver
from ..windows import DAY_NAMES
from .previous import PreviousWeek

log = logging.getLogger(__name__)

GOAL_UNITS = {
    "continuing": "priority of continuing clients scheduled",
    "served": "priority of clients scheduled (the primary objective)",
    "changes": "days changed for continuing clients",
    "session_changes": "re-planned sessions of continuing clients with another type, "
    "therapist or room",
    "secondary": "weighted sum of the other secondary terms",
}
"""What one unit of each goal is (the summary and the printed table)."""

PROVEN_GOALS = ("continuing", "served")
"""Goals that must be proven for the status to be OPTIMAL (SPEC §7)."""


@dataclass(frozen=True)
class Goal:
    """One goal: a name of :data:`GOAL_UNITS`, maximised or minimised.

    ``tie_break`` (between 0 and ``tie_break_most``) is minimised among the goal's equal
    solutions while the goal is searched: ``expression`` is weighted ``tie_break_most + 1``
    against it, so it never costs the goal a unit (exactly lexicographic), but the search
    prefers, among solutions as good, those that are good for the next goal too.
    """

    name: str
    sense: Literal["max", "min"]
    expression: cp_model.LinearExprT | Callable[[], cp_model.LinearExprT]
    """The goal, or a function building it (its auxiliary variables) when its turn comes."""
    tie_break: cp_model.LinearExprT = 0
    tie_break_most: int = 0
    known_bound: int | None = None
    """A bound known without solving (clients who can attend at all; no change at all): a
    first schedule that reaches it needs no search for this goal."""

    def built(self) -> Goal:
        """The goal with its expression built (see :attr:`expression`)."""
        if callable(self.expression):
            return replace(self, expression=self.expression())
        return self

    def expr(self) -> cp_model.LinearExprT:
        """The expression of a built goal."""
        assert not callable(self.expression), "build the goal first"
        return self.expression

    def search_objective(self) -> cp_model.LinearExprT:
        """What the solver optimises for this (built) goal (the goal, then its tie-break)."""
        if not self.tie_break_most:
            return self.expr()
        scale = self.tie_break_most + 1
        sign = 1 if self.sense == "max" else -1
        return cp_model.LinearExpr.weighted_sum([self.expr(), self.tie_break], [sign * scale, -1])

    def goal_bound(self, search_bound: float) -> int:
        """The goal's own bound from the solver's bound on :meth:`search_objective`
        (maximised when the goal is; see the class docstring)."""
        if not self.tie_break_most:
            if self.sense == "max":
                return math.floor(search_bound + 1e-6)
            return math.ceil(search_bound - 1e-6)
        scale = self.tie_break_most + 1
        best = math.floor((search_bound + self.tie_break_most) / scale + 1e-9)
        return best if self.sense == "max" else -best


@dataclass(frozen=True)
class GoalOutcome:
    """How far a goal got: its value and bound (None when not reached) and status."""

    name: str
    sense: Literal["max", "min"]
    value: int | None
    bound: int | None
    status: SolveStatus

    def to_dict(self, value: int | None = None) -> dict[str, Any]:
        """The summary.json form (``goals``), with ``value`` recomputed from the schedule
        when given: a goal whose schedule is worse than the proven bound (the model counts a
        kept session optimistically when a group runs in several copies) is then FEASIBLE,
        not OPTIMAL."""
        value = self.value if value is None else value
        status = self.status
        worse = (
            value is not None
            and self.bound is not None
            and (value > self.bound if self.sense == "min" else value < self.bound)
        )
        if status == SolveStatus.OPTIMAL and worse:
            status = SolveStatus.FEASIBLE
        return {
            "goal": self.name,
            "sense": "maximise" if self.sense == "max" else "minimise",
            "value": value,
            "bound": self.bound,
            "status": status.value,
            "unit": GOAL_UNITS[self.name],
        }


def goal_order(
    iop: IOPModel,
    last_week: PreviousWeek,
    continuing_first: bool,
    session_changes: Callable[[], cp_model.LinearExprT] | None = None,
) -> list[Goal]:
    """The goals of SPEC §7 for ``iop`` (a model built with ``last_week``'s attendance):
    continuing clients (unless ``continuing_first`` is off), clients served, changes (when
    their weight is not 0), ``session_changes`` (when given: re-planning from a date), the
    other secondary terms (when any weight is not 0).

    A goal needing auxiliary variables (session changes, the other terms) is built when its
    turn comes (:attr:`Goal.expression` is then a function): the earlier goals' models stay
    as small as they can, and their hints complete."""
    priority = {c.client_id: c.priority for c in iop.scenario.clients}
    goals = []
    continuing = sorted(cid for cid in last_week.attendance if cid in iop.scheduled_vars)
    attendable = {cid for cid, pairs in iop.candidates.attendable.items() if pairs}
    if continuing_first and continuing:
        expression = cp_model.LinearExpr.weighted_sum(
            [iop.scheduled_vars[cid] for cid in continuing], [priority[cid] for cid in continuing]
        )
        best = sum(priority[cid] for cid in continuing if cid in attendable)
        goals.append(Goal("continuing", "max", expression, known_bound=best))
    weights = iop.scenario.weights
    everyone = sum(priority[cid] for cid in attendable)
    if not weights.changes:
        goals.append(Goal("served", "max", iop.primary, known_bound=everyone))
    else:  # served first, then (only among equal ones) as few changes as possible
        changes = iop.term("changes")  # no auxiliary variables
        most = len(DAY_NAMES) * len(continuing)
        goals.append(Goal("served", "max", iop.primary, changes, most, known_bound=everyone))
        goals.append(Goal("changes", "min", changes, known_bound=0))
    if session_changes is not None:
        goals.append(Goal("session_changes", "min", session_changes, known_bound=0))
    rest = [name for name in Weights.model_fields if name != "changes" and getattr(weights, name)]
    if rest:

        def others() -> cp_model.LinearExprT:
            iop.add_secondary_terms()
            return sum(getattr(weights, name) * iop.secondary_terms[name] for name in rest)

        goals.append(Goal("secondary", "min", others))
    return goals


def session_changes_goal(
    iop: IOPModel, before: WeekSchedule, days: Iterable[str]
) -> cp_model.LinearExprT:
    """Sessions of continuing clients on the re-planned ``days`` that the model does not
    keep (:func:`sessions_kept`): each counts 1, or 1 minus the literal keeping it.

    Extraction then deals the client to that therapist's copy and room where it can
    (``iop.copy_pins``, room wishes), so the schedule's own count
    (:func:`~.previous.session_changes`) is what the summary reports.
    """
    return sessions_missed(sessions_kept(iop, before, days))


def sessions_missed(kept: Iterable[tuple[str, cp_model.IntVar | None]]) -> cp_model.LinearExprT:
    """The sessions of :func:`sessions_kept` not kept (a session it cannot keep counts 1)."""
    return sum(1 if lit is None else 1 - lit for _cid, lit in kept)


def sessions_kept(
    iop: IOPModel, before: WeekSchedule, days: Iterable[str]
) -> list[tuple[str, cp_model.IntVar | None]]:
    """Each session of a continuing client on the re-planned ``days`` (in ``before``'s
    order): the client and a literal true when the model keeps it (the client in a session
    of the same type, slot, therapist and room), or None for a session the model cannot
    keep at all (its therapist is away, say: the change touches that client).

    A group session counts as kept when the client joins its context, the therapist leads a
    copy there and a copy is in that room (or its class of interchangeable rooms); an
    individual session when that therapist holds it and a room of that class hosts an
    individual session then.
    """
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
    literals: list[tuple[str, cp_model.IntVar | None]] = []
    for cid, x in before.assignments():
        if x.day not in wanted or cid not in iop.scheduled_vars:
            continue
        room = iop.room_rep.get(x.room_id) if x.room_id else None
        if iop.scenario.session_types[x.session_type].is_group:
            found = contexts.get((x.day, x.block, x.slot_idx, track_of[cid], x.session_type))
            join = found[1].join_vars.get(cid) if found else None
            lead = found[1].lead_vars.get(x.therapist_id) if found else None
            if found is None or join is None or lead is None:
                literals.append((cid, None))
                continue
            idx, gv = found
            kept = m.new_bool_var(f"session_kept[{cid},{x.session_id}]")
            m.add_implication(kept, join)
            m.add_implication(kept, lead)
            if room is not None:
                m.add(kept <= sum(rooms[room] for rooms in gv.room_vars if room in rooms))
            iop.copy_pins.setdefault(idx, []).append((cid, x.therapist_id, room))
        else:
            option = options.get((cid, x.day, x.block, x.slot_idx, x.session_type))
            var = option.therapist_vars.get(x.therapist_id) if option else None
            if var is None:
                literals.append((cid, None))
                continue
            rooms = iop.individual_room_vars.get((x.day, x.block, x.slot_idx, x.session_type), {})
            if room is None or not rooms:
                literals.append((cid, var))
                continue
            kept = m.new_bool_var(f"session_kept[{cid},{x.session_id}]")
            m.add_implication(kept, var)
            m.add(kept <= rooms[room] if room in rooms else kept == 0)
        literals.append((cid, kept))
    return literals


def ranked(goals: Sequence[GoalOutcome], values: Mapping[str, int]) -> tuple[int, ...]:
    """A schedule's goal ``values`` (:func:`~.previous.goal_values`) in the order of
    ``goals``, each signed so that lower is better: comparing two such tuples compares the
    schedules as the goal order does."""
    return tuple(values[g.name] * (-1 if g.sense == "max" else 1) for g in goals)


@dataclass
class GoalSearch:
    """The outcome of :func:`optimise_goals`: the solver holding the last goal's solution
    (None when the first goal found none), every goal's outcome, in order, and, when the
    other secondary terms were searched (phase 2's rounds), how that search ended."""

    solver: cp_model.CpSolver | None
    outcomes: list[GoalOutcome]
    secondary: PhaseTwo | None = None

    def outcome(self, name: str) -> GoalOutcome | None:
        return next((o for o in self.outcomes if o.name == name), None)

    @property
    def proven(self) -> bool:
        """Goals 1 and 2 (those present) are proven optimal."""
        wanted = [o for o in self.outcomes if o.name in PROVEN_GOALS]
        return bool(wanted) and all(o.status == SolveStatus.OPTIMAL for o in wanted)


class _GoalCallback(ProgressCallback):
    """Follows one goal's search: reports progress (the goal's value and bound) and stops
    the search as soon as the goal itself is proven (its tie-break need not be)."""

    def __init__(
        self,
        goal: Goal,
        solver: cp_model.CpSolver,
        progress: Callable[[Progress], None] | None,
        started: float,
    ) -> None:
        # phase 1 for clients, 2 for a penalty (the progress line's two kinds)
        super().__init__(progress, 1 if goal.sense == "max" else 2, started)
        self.goal = goal
        self.solver = solver
        self.best: int | None = None
        solver.best_bound_callback = self._on_bound

    def on_solution_callback(self) -> None:
        self.best = round(self.value(self.goal.expr()))
        self.emit(self.best, self.goal.goal_bound(self.best_objective_bound))
        self._stop_when_proven(self.best_objective_bound)

    def _on_bound(self, bound: float) -> None:
        self._stop_when_proven(bound)

    def _stop_when_proven(self, bound: float) -> None:
        if not self.goal.tie_break_most or self.best is None:
            return  # without a tie-break the solver stops by itself once proven
        if self.best == self.goal.goal_bound(bound):
            self.solver.stop_search()


def optimise_goals(
    iop: IOPModel,
    goals: Sequence[Goal],
    start: WeekSchedule,
    start_values: Mapping[str, int],
    control: SearchControl,
    workers: int,
    seed: int,
    *,
    progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
    equal_shares: bool = False,
) -> GoalSearch:
    """Solve ``goals`` one after the other (see the module docstring), the first from the
    ``start`` schedule's hint (its goal values are ``start_values``). Every goal but the
    last may take ``params.goal_share`` of the time left (with ``equal_shares``, one equal
    share among the goals still to search; it stops earlier once proven); the last takes
    the rest, and when it is the other secondary terms it is searched as phase 2 is, in
    rounds that stop once a round finds nothing better. While no goal was searched yet, a
    goal whose ``known_bound`` the start reaches is proven without a search. A goal whose
    search finds no solution in its time is held at its value where the search stands (the
    last solution's, or the start's) and the next goal goes on from there; when that value
    is unknown (or the goal is proven infeasible, or the search was stopped) the search
    ends, later goals reported UNKNOWN. A goal that finds no solution while there is none
    at all yet (no first schedule) first looks for any solution in the time left."""
    model = iop.model
    if not start.is_empty:
        hint_schedule(iop, start)
    search = GoalSearch(None, [])
    solved_vars = 0  # variables of the model search.solver ran on
    for idx, pending in enumerate(goals):
        if pending.name == "secondary" and idx == len(goals) - 1:
            _secondary_goal(
                iop, pending, search, start, control, workers, seed, progress, log_search
            )
            break
        unbuilt_vars = len(model.proto.variables)
        goal = pending.built()
        known_before = len(model.proto.variables) == unbuilt_vars  # no new variable
        last = idx == len(goals) - 1
        reached = start_values.get(goal.name)
        if (
            search.solver is None
            and not start.is_empty
            and goal.known_bound is not None
            and reached == goal.known_bound
        ):
            log.info("goal %s: %d, reached by the first schedule (proven)", goal.name, reached)
            _held_at(search, model, goal, reached, reached, SolveStatus.OPTIMAL)
            continue
        if search.solver is not None:  # the previous goal's solution as the hint
            hint_solution(model, search.solver, solved_vars)
        anew = search.solver is None and start_values.get(goal.name) is None and not last
        share = 1 / (len(goals) - idx) if equal_shares or last else control.params.goal_share
        solver, status, bounded = _solve_goal(
            model, goal, share, control, workers, seed, progress, log_search, anew
        )  # fmt: skip
        if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            held = _held_value(goal, status, search, start, start_values, known_before)
            log.info("goal %s: no better solution (%s), held at %s", goal.name, status.value, held)
            if held is None or control.stopped:
                search.outcomes.append(GoalOutcome(goal.name, goal.sense, None, None, status))
                search.outcomes.extend(
                    GoalOutcome(g.name, g.sense, None, None, SolveStatus.UNKNOWN)
                    for g in goals[idx + 1 :]
                )
                return search
            _held_at(search, model, goal, held, None, SolveStatus.FEASIBLE)
            continue
        value = _searched_value(search, goal, solver, status, bounded)
        if search.solver is None and not start.is_empty and start_values.get(goal.name) == value:
            # The first schedule is as good on every goal so far: it stays the schedule the
            # next goals start from (and the result when they find nothing better), not the
            # search's equal one, which may have moved anything the goal does not count.
            log.info("goal %s: the first schedule reaches it", goal.name)
        else:
            solved_vars = len(model.proto.variables)
            search.solver = solver
        _hold(model, goal, value)
    return search


def _hold(model: cp_model.CpModel, goal: Goal, value: int) -> None:
    """Hold ``goal`` at ``value`` or better for the goals after it."""
    model.add(goal.expr() >= value if goal.sense == "max" else goal.expr() <= value)


def _held_at(
    search: GoalSearch,
    model: cp_model.CpModel,
    goal: Goal,
    value: int,
    bound: int | None,
    status: SolveStatus,
) -> None:
    """Record ``goal``'s outcome without a solution of its own and hold it at ``value``."""
    search.outcomes.append(GoalOutcome(goal.name, goal.sense, value, bound, status))
    _hold(model, goal, value)


def _searched_value(
    search: GoalSearch,
    goal: Goal,
    solver: cp_model.CpSolver,
    status: SolveStatus,
    bounded: bool = True,
) -> int:
    """Record the outcome of ``goal``'s search that found a solution (OPTIMAL once the goal
    is proven, its tie-break need not be); the goal's value. ``bounded``: the solver's
    objective bound is the goal's (not when it only looked for any solution)."""
    value = round(solver.value(goal.expr()))
    bound = goal.goal_bound(solver.best_objective_bound) if bounded else None
    if status == SolveStatus.FEASIBLE and value == bound:  # proven, the tie-break not
        status = SolveStatus.OPTIMAL
    log.info("goal %s: %s %d (bound %s)", goal.name, status.value, value, bound)
    search.outcomes.append(GoalOutcome(goal.name, goal.sense, value, bound, status))
    return value


def _solve_goal(
    model: cp_model.CpModel,
    goal: Goal,
    share: float,
    control: SearchControl,
    workers: int,
    seed: int,
    progress: Callable[[Progress], None] | None,
    log_search: bool,
    anew: bool = False,
) -> tuple[cp_model.CpSolver, SolveStatus, bool]:
    """Search ``goal`` (its new variables' hint completed first) for ``share`` of the
    time left (1: all of it, the last goal); the solver, the
    search's status and whether the solver's bound is the goal's. ``anew``: there is no
    solution at all yet (the first schedule failed), so when this search finds none, one
    is sought without an objective (the search stops at the first: INFEASIBLE if there is
    none) and the goal searched from it in the time left (that solution, unbounded, when
    this finds nothing better)."""
    params = control.params
    if goal.sense == "max" or goal.tie_break_most:
        model.maximize(goal.search_objective())
    else:
        model.minimize(goal.search_objective())
    left = control.seconds_left()
    hint_seconds = min(params.complete_hint_max_seconds, params.complete_hint_share * left)
    complete_hint(model, hint_seconds, control, seed)  # the new goal's variables
    budget = control.seconds_left() * share
    solver = make_solver(params, budget, workers, seed, log_search=log_search)
    callback = _GoalCallback(goal, solver, progress, control.started)
    status = solve_status(control.run(solver, model, callback), model)
    if status != SolveStatus.UNKNOWN or not anew or share >= 1.0 or control.stopped:
        return solver, status, True
    log.info("goal %s: no solution in its share, any solution sought", goal.name)
    model.clear_objective()
    first = make_solver(params, control.seconds_left(), workers, seed)
    found = solve_status(control.run(first, model), model)
    if found not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return first, found, False
    hint_solution(model, first, len(model.proto.variables))
    better, status, _ = _solve_goal(model, goal, 1.0, control, workers, seed, progress, log_search)
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return better, status, True
    return first, SolveStatus.FEASIBLE, False


def _held_value(
    goal: Goal,
    status: SolveStatus,
    search: GoalSearch,
    start: WeekSchedule,
    start_values: Mapping[str, int],
    known_before: bool,
) -> int | None:
    """The goal's value where the search stands after a search of ``status`` that found
    nothing better: the last solution's, or the start's (None when unknown)."""
    held = None
    if status == SolveStatus.UNKNOWN and search.solver is not None and known_before:
        held = round(search.solver.value(goal.expr()))
    elif status == SolveStatus.UNKNOWN and search.solver is None and not start.is_empty:
        held = start_values.get(goal.name)
    return held


def _secondary_goal(
    iop: IOPModel,
    goal: Goal,
    search: GoalSearch,
    start: WeekSchedule,
    control: SearchControl,
    workers: int,
    seed: int,
    progress: Callable[[Progress], None] | None,
    log_search: bool,
) -> None:
    """The last goal, the other secondary terms, searched as phase 2 is (in rounds, until
    proven or a round finds nothing better: :func:`~optimizer.search.phases.improve_secondary`)
    from the earlier goals' solution (or the first schedule, when they needed no search),
    every earlier goal held. Phase 2 minimises every weighted term, ``changes`` included,
    which the ``changes`` goal already holds at its value."""
    served = search.outcome("served")
    if (
        served is None
        or served.value is None
        or control.stopped
        or control.seconds_left() <= control.params.min_run_seconds
    ):
        search.outcomes.append(GoalOutcome(goal.name, goal.sense, None, None, SolveStatus.UNKNOWN))
        return
    second = improve_secondary(
        iop,
        search.solver if search.solver is not None else cp_model.CpSolver(),
        served.value,
        control,
        workers,
        seed,
        start_from=start if search.solver is None else None,
        progress=progress,
        log_search=log_search,
    )
    search.secondary = second
    proven = second.stopped_by is SecondaryStop.PROVEN
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    if second.solver is None:  # nothing better than where the earlier goals left it
        search.outcomes.append(GoalOutcome(goal.name, goal.sense, None, None, status))
        return
    value = round(second.solver.value(goal.built().expr()))
    log.info("goal %s: %s %d (%s)", goal.name, status.value, value, second.stopped_by.value)
    search.solver = second.solver
    search.outcomes.append(
        GoalOutcome(goal.name, goal.sense, value, value if proven else None, status)
    )
