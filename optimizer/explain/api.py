"""The door: :func:`explain` tells one client's story (static causes, or a minimal core and
its causes, then verified suggestions)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from ..errors import Issue, OptimizerError, did_you_mean
from ..io.schedule import read_schedule
from ..model.candidates import Candidates, build_candidates
from ..reasons import Cause, static_causes
from ..scenario import Client, Scenario
from ..schedule import WeekSchedule
from ..search.params import SearchParams
from ..solve import solve
from .causes import dynamic_causes, other_tracks_cause
from .cores import CoreModel
from .fits import fits_in_track
from .result import Explanation
from .suggestions import (
    core_suggestions,
    generic_suggestions,
    ordered,
    static_suggestions,
    verify,
)

log = logging.getLogger(__name__)

DEFAULT_EXPLAIN_TIME = 15.0
"""Seconds for the dynamic causes and the suggestions together (one worker)."""
DEFAULT_SOLVE_TIME = 20.0
"""Seconds to solve a schedule first when ``explain`` is given none."""


class UnknownClientError(OptimizerError):
    """The client id is not in the scenario."""


def week_schedule(scenario: Scenario, schedule: Any) -> WeekSchedule | None:
    """The :class:`WeekSchedule` of a :class:`Result`, a :class:`Schedule` or a schedule
    folder (sessions at no slot of ``scenario``'s week, which only a hand edit makes, are
    left out: see :meth:`WeekSchedule.from_rows`)."""
    if schedule is None:
        return None
    if isinstance(schedule, (str, Path)):
        schedule = read_schedule(Path(schedule))
    assignments = getattr(schedule, "assignments", None)
    sessions = getattr(schedule, "sessions", None)
    if assignments is None or sessions is None:
        raise TypeError("schedule must be a Result, a Schedule or a schedule folder")

    def records(frame: Any) -> list[dict[str, str]]:
        rows = frame.to_dict("records")
        return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in rows]

    return WeekSchedule.from_rows(scenario, records(assignments), records(sessions))


def explain(
    scenario: Scenario,
    client_id: str,
    schedule: Any = None,
    time_limit: float = DEFAULT_EXPLAIN_TIME,
    *,
    solve_time_limit: float = DEFAULT_SOLVE_TIME,
    params: SearchParams | None = None,
) -> Explanation:
    """Why ``client_id`` is unscheduled and what would let them in.

    ``schedule`` (a :class:`~optimizer.Result`, a :class:`~optimizer.Schedule` or a schedule
    folder) gives the clients to keep scheduled; without it, when no static cause applies, a
    schedule is solved first (``solve_time_limit`` seconds). ``time_limit`` (seconds, one
    worker) bounds the core and the verified suggestions; ``params.explain`` says how that
    time is shared (``params``: default :class:`SearchParams`, also the first solve's).
    Raises :class:`UnknownClientError` for an id that is not in the scenario.
    """
    started = time.perf_counter()
    params = params or SearchParams()
    clients = {c.client_id: c for c in scenario.clients}
    if client_id not in clients:
        raise UnknownClientError(
            [
                Issue(
                    "client_id",
                    f"unknown client '{client_id}'{did_you_mean(client_id, clients)}",
                    "use a client_id of the clients table",
                )
            ]
        )
    client = clients[client_id]
    deadline = started + time_limit
    candidates = build_candidates(scenario)
    causes = static_causes(scenario, candidates, client)
    if causes:
        result = _static_story(scenario, client, causes, schedule, deadline, params)
        result.seconds = time.perf_counter() - started
        return result

    week = week_schedule(scenario, schedule)
    if week is None:
        log.info("no schedule given: solving one (%.0fs)", solve_time_limit)
        res = solve(scenario, time_limit=solve_time_limit, prove_with_cores=False, params=params)
        week = week_schedule(scenario, res)
        deadline = time.perf_counter() + time_limit
    assert week is not None
    scheduled = week.client_ids()
    if client_id in scheduled:
        result = Explanation(client_id, True, "scheduled in this schedule")
        result.seconds = time.perf_counter() - started
        return result
    keep = sorted(scheduled)
    # A schedule cut short by its time limit may have room left: insertion checks first.
    quick_limit = min(params.explain.check_time, params.explain.quick_share * time_limit)
    if fits_in_track(scenario, client_id, keep, week, quick_limit, params) == "fits":
        explanation = Explanation(
            client_id,
            False,
            "can be added to this schedule without unscheduling anyone (verified, possibly "
            "together with other unscheduled clients of the track): the schedule was not "
            "optimal; re-solve with a longer time limit",
            causes=[
                Cause("schedule-not-optimal", "the client fits next to every scheduled client")
            ],
        )
        explanation.seconds = time.perf_counter() - started
        return explanation
    explanation = _core_story(
        scenario, client, candidates, keep, week, started, time_limit, deadline, params
    )
    explanation.seconds = time.perf_counter() - started
    return explanation


def _static_story(
    scenario: Scenario,
    client: Client,
    causes: list[Cause],
    schedule: Any,
    deadline: float,
    params: SearchParams,
) -> Explanation:
    """A client kept out whatever the others do: the causes and the changes that answer them."""
    client_id = client.client_id
    result = Explanation(
        client_id,
        False,
        f"cannot be scheduled this week whatever the other clients do: {causes[0].message}",
        causes=causes,
    )
    if causes[0].code != "not-in-program":
        result.suggestions = static_suggestions(scenario, client, causes, params)
        week = week_schedule(scenario, schedule)
        keep = sorted(week.client_ids() - {client_id}) if week else []
        verify(scenario, client_id, result.suggestions, keep, week, deadline, params)
        result.suggestions = ordered(result.suggestions)
    return result


def _core_story(
    scenario: Scenario,
    client: Client,
    candidates: Candidates,
    keep: list[str],
    week: WeekSchedule,
    started: float,
    time_limit: float,
    deadline: float,
    params: SearchParams,
) -> Explanation:
    """A client the others keep out: a minimal core, its causes and verified suggestions."""
    client_id = client.client_id
    # The whole week gives the best story; its proofs get slow beyond about 50 clients,
    # where the client's track alone (other tracks' sessions reserved) comes first.
    first_check = max(params.explain.check_time, params.explain.core_share * time_limit)
    whole_first = len(scenario.clients) <= params.explain.whole_week_clients
    for track_only in [False, True] if whole_first else [True, False]:
        cm = CoreModel(scenario, client, keep, week, params, track_only=track_only)
        status, core, _ = cm.check(cm.names, min(first_check, deadline - time.perf_counter()))
        if status != "unknown" or deadline - time.perf_counter() < params.explain.retry_at_least:
            break
        log.info("core undecided (track_only=%s): trying the other model", track_only)
    explanation = Explanation(client_id, False, "")
    if status == "fits":
        explanation.summary = (
            "can be added to this schedule without unscheduling anyone (the schedule was "
            "not optimal: re-solve with a longer time limit)"
        )
        return explanation
    if status == "unknown":
        explanation.summary = "the solver could not decide in the time limit"
        explanation.causes = [
            Cause("undecided", "no answer within the time limit; try a longer --time-limit")
        ]
    elif not core and cm.track_only:
        explanation.causes = [other_tracks_cause(scenario, client, candidates, week)]
        explanation.summary = (
            "cannot be added while the other tracks keep their sessions: "
            + explanation.causes[0].message
        )
    elif not core:
        explanation.summary = (
            "cannot be scheduled even with every staff, room and group-size limit relaxed"
        )
        explanation.causes = [
            Cause(
                "structural",
                "no combination of the client's groups and individual sessions fits the "
                "program's blocks, tracks and plans",
            )
        ]
    else:
        shrink_until = (
            started + (params.explain.core_share + params.explain.shrink_share) * time_limit
        )
        core, minimal = cm.shrink(
            core, max(shrink_until, time.perf_counter() + params.explain.shrink_at_least)
        )
        explanation.core = ["/".join(n) for n in core]
        explanation.core_minimal = minimal
        explanation.causes = dynamic_causes(scenario, client, core, cm.iop, week)
        if cm.track_only:
            explanation.causes.append(other_tracks_cause(scenario, client, candidates, week))
        explanation.summary = "cannot be added without unscheduling another client: " + "; ".join(
            c.message for c in explanation.causes
        )
        explanation.suggestions = core_suggestions(scenario, client, cm, core, deadline, params)
    explanation.suggestions += generic_suggestions(scenario, client, params)
    verify(scenario, client_id, explanation.suggestions, keep, week, deadline, params)
    explanation.suggestions = ordered(explanation.suggestions)
    log.info(
        "explained %s in %.2fs (%d checks)", client_id, time.perf_counter() - started, cm.checks
    )
    return explanation
