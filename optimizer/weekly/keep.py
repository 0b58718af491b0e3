"""A first schedule that keeps last week: continuing clients on their days and blocks.

This is how a coordinator starts a week: everyone who continues keeps their routine, and the
new clients are fitted around them. Each continuing client may attend only last week's
(day, block) pairs (all of them when the plan allows, a subset for a client who now has
fewer days), so the model mostly places sessions and solves fast; its schedule seeds the
goal search (:mod:`.goals`), which may still move someone when that serves more clients.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ortools.sat.python import cp_model

from ..model.candidates import Candidates, build_candidates
from ..model.cpmodel import IOPModel
from ..model.extract import extract_schedule
from ..model.hints import hint_schedule
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..result import has_solution
from ..scenario import Scenario
from ..schedule import WeekSchedule, served
from ..search.control import SearchControl
from ..search.solver import Role, make_solver
from .goals import session_changes_goal
from .previous import PreviousWeek
from .replan import KeptPast, keep_past

log = logging.getLogger(__name__)


def schedule_keeping(
    candidates: Candidates,
    last_week: PreviousWeek,
    time_limit: float,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
    past: KeptPast | None = None,
    continuing_first: bool = True,
) -> WeekSchedule:
    """The schedule serving as many continuing clients as possible (with
    ``continuing_first``), then as many clients, then keeping as many of last week's (day,
    block) pairs as possible (and, re-planning from a date, as many of the sessions of the
    re-planned days), while continuing clients attend only last week's pairs; the
    scenario's pins and the ``past`` of a re-planned week hold. The search starts from last
    week's schedule.

    A continuing client whose plan now needs a day the routine lacks may attend any pair;
    so may, in a second round (from the first round's schedule), those the first round
    proved it could not keep at all (their group fell below its minimum size, say; taken when
    it serves more, or as many and is proven); and, in
    a third, the continuing clients of the tracks of clients still waiting, when the
    rounds before proved that the routines leave no room for them (its schedule is taken
    when it serves more). ``candidates`` are the week's (rebuilt here with the routines as
    the only pairs). ``time_limit`` in seconds for all rounds (run through ``control``,
    which keeps the solve's overall budget; a round proven early leaves the rest to the
    next). An empty schedule when none is found in time.
    """
    previous = last_week.attendance
    scenario = candidates.scenario
    only: dict[str, list[tuple[str, str]]] = {}
    for cid, days in previous.items():
        routine = set(days.items())
        still = [pair for pair in candidates.attendable.get(cid, []) if pair in routine]
        if len({day for day, _block in still}) >= candidates.requirements[cid].min_days:
            only[cid] = still  # else the plan needs a day the routine lacks: free to move
    deadline = control.seconds_left() - time_limit

    def rest(rounds: int) -> float:
        """The round's share of what is left of ``time_limit`` (``rounds`` still to run)."""
        left = (control.seconds_left() - deadline) / rounds
        return max(control.params.min_run_seconds, left)

    schedule, proven = _keep_round(
        candidates, only, last_week, past, continuing_first, last_week.schedule,
        time_limit, control, seed, workers,
    )  # fmt: skip
    dropped = [
        cid for cid in only if candidates.attendable.get(cid) and cid not in schedule.client_ids()
    ]
    if dropped and proven:  # they cannot keep their routine: free them
        log.info("keeping last week: %d continuing client(s) free to move", len(dropped))
        only = {cid: pairs for cid, pairs in only.items() if cid not in dropped}
        again, again_proven = _keep_round(
            candidates, only, last_week, past, continuing_first, schedule, rest(2), control,
            seed, workers,
        )  # fmt: skip
        before = continuity_rank(scenario, schedule, previous, continuing_first)
        after = continuity_rank(scenario, again, previous, continuing_first)
        if after > before or (after == before and again_proven):
            schedule, proven = again, again_proven
    track = {c.client_id: c.track for c in scenario.clients}
    scheduled = schedule.client_ids()
    waiting = {
        track[cid] for cid, pairs in candidates.attendable.items() if pairs and cid not in scheduled
    }
    loose = {cid: pairs for cid, pairs in only.items() if track[cid] not in waiting}
    if proven and len(loose) < len(only):
        # Clients wait although the routines are kept as far as they go: their tracks'
        # continuing clients may move (the fewest, for the most pairs kept) to make room.
        log.info(
            "keeping last week: continuing clients of %d track(s) free to make room",
            len(waiting),
        )
        again, _proven = _keep_round(
            candidates, loose, last_week, past, continuing_first, schedule, rest(1), control,
            seed, workers,
        )  # fmt: skip
        if continuity_rank(scenario, again, previous, continuing_first) > continuity_rank(
            scenario, schedule, previous, continuing_first
        ):
            schedule = again  # serves more (the fewest moved when proven)
    return schedule


def continuity_rank(
    scenario: Scenario,
    schedule: WeekSchedule,
    previous: Mapping[str, object],
    continuing_first: bool = True,
) -> tuple[int, int]:
    """How a first schedule ranks in the goal order's first two goals: the priority of the
    continuing clients (those of ``previous``) it serves (0 without ``continuing_first``),
    then of all the clients it serves; higher is better."""
    ids = schedule.client_ids()
    continuing = ids & set(previous) if continuing_first else set()
    return served(scenario, continuing), served(scenario, ids)


def _keep_round(
    candidates: Candidates,
    only: dict[str, list[tuple[str, str]]],
    last_week: PreviousWeek,
    past: KeptPast | None,
    continuing_first: bool,
    hint: WeekSchedule,
    time_limit: float,
    control: SearchControl,
    seed: int,
    workers: int,
) -> tuple[WeekSchedule, bool]:
    """One round of :func:`schedule_keeping`: the clients of ``only`` on those pairs; the
    schedule (empty: none found in time) and whether it is proven the best of the round."""
    scenario = candidates.scenario
    previous = last_week.attendance
    iop = IOPModel(build_candidates(scenario, only_pairs=only))
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
    if past is not None:
        keep_past(iop, past)
    if not hint.is_empty:
        hint_schedule(iop, hint)
    m = iop.model
    kept_pairs = [
        var
        for (cid, day, block), var in iop.attend_vars.items()
        if previous.get(cid, {}).get(day) == block
    ]
    priority = {c.client_id: c.priority for c in scenario.clients}
    continuing = (
        {cid for cid in previous if cid in iop.scheduled_vars} if continuing_first else set()
    )
    # A continuing client outweighs every other client, a client every pair or session kept.
    newcomers = sum(p for cid, p in priority.items() if cid not in continuing)
    clients = cp_model.LinearExpr.weighted_sum(
        list(iop.scheduled_vars.values()),
        [priority[cid] * (newcomers + 1 if cid in continuing else 1) for cid in iop.scheduled_vars],
    )
    missed: cp_model.LinearExprT = 0
    missed_most = 0
    if past is not None:  # the sessions of the re-planned days too
        missed = session_changes_goal(iop, last_week.schedule, past.replanned)
        missed_most = sum(
            1 for _cid, x in last_week.schedule.assignments() if x.day in past.replanned
        )
    stability_most = len(kept_pairs) + missed_most
    m.maximize(
        cp_model.LinearExpr.weighted_sum(
            [clients, sum(kept_pairs), missed], [stability_most + 1, 1, -1]
        )
    )
    solver = make_solver(
        control.params,
        time_limit,
        workers,
        seed,
        role=Role.STAGE,
        deterministic=control.deterministic,  # else one worker runs to the solve's budget
    )
    status = control.run(solver, m)
    if not has_solution(status):
        log.info("keeping last week: no schedule in %.1fs", time_limit)
        return WeekSchedule(), False
    schedule = extract_schedule(iop, solver)
    log.info(
        "keeping last week: serves %d of %d clients (%s)",
        len(schedule.client_ids()),
        len(scenario.clients),
        "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE",
    )
    return schedule, status == cp_model.OPTIMAL
