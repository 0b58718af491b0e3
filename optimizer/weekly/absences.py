"""The days clients must miss so that a week under way can be completed (SPEC §7).

When a week re-planned from a date has no schedule at all, some clients who attended
before the date cannot complete the plan's week any more: the therapist who called in sick
was the only one free to lead their track that evening, say. SPEC §3 has no half-scheduled
clients and a client who has attended cannot be unscheduled, so only the scenario can say
that they miss those days: the clients' ``away`` dates, with which the plan is prorated
(SPEC §2: with ``d`` days left below the plan's ``min_days``, the client comes on all ``d``
and the session minimums shrink to ``floor(m * d / min_days)``). This module finds what
to say, in one model of the week:

1. the past kept as it happened for everyone, only the kept clients scheduled (whether
   they can complete does not depend on the others), this week's schedule as the hint;
2. each kept client holds either the plan or one of the plan prorated to the days they
   came plus ``j`` later ones (``j`` below what completes it): exactly one, by a literal
   (``IOPModel(alternatives=...)``);
3. maximised: the priority of the clients who complete the plan, then the later days the
   others keep. Each other client is proposed ``away`` on the later days they do not come
   and on the earlier ones they did not come (so ``d`` is what they keep);
4. the week with those dates added is solved (hinted with that week) and the proposal is
   given only if it has a schedule.

With one search worker every solve here is deterministic (a deterministic limit), so the
same input names the same clients and dates; with several, the search may name others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from ortools.sat.python import cp_model

from ..errors import Issue, ScenarioError
from ..model.candidates import Candidates, build_candidates
from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..result import SolveStatus
from ..scenario import Requirement, Scenario, requirement
from ..schedule import WeekSchedule
from ..search.control import SearchControl
from ..windows import is_away
from .goals import GoalSearch
from .previous import PreviousWeek
from .replan import FROM_OPTION, DiagnosisBudget, KeptPast, keep_past, unfinishable

Absences = dict[str, tuple[dt.date, ...]]
"""Per client id, the dates to add to the client's ``away``."""

_FOUND = (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _model(
    candidates: Candidates,
    past: KeptPast,
    schedule: WeekSchedule,
    alternatives: Mapping[str, list[Requirement]] | None = None,
) -> IOPModel:
    """The week's model with the past kept and only the kept clients scheduled: whether
    they can complete the week does not depend on the others, who need not be (unless a
    pin may need them). ``alternatives``: per kept client, their plan prorated to fewer
    days, which the model may hold instead of the plan."""
    scenario = candidates.scenario
    iop = IOPModel(candidates, alternatives=alternatives)
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
    else:
        kept = past.client_ids()
        for cid, var in iop.scheduled_vars.items():
            if cid not in kept:
                iop.model.add(var == 0)
    keep_past(iop, past)
    # the week's schedule as the hint: right but for the sessions the change broke
    hint_schedule(iop, _of_clients(scenario, schedule, past.client_ids()))
    return iop


def _of_clients(scenario: Scenario, schedule: WeekSchedule, clients: set[str]) -> WeekSchedule:
    """``schedule``'s sessions with only ``clients`` in them, each on dates they are not
    away."""
    away = {c.client_id: c.away for c in scenario.clients if c.client_id in clients}

    def present(cid: str, date: str) -> bool:
        return cid in away and not is_away(away[cid], dt.date.fromisoformat(date))

    sessions = (
        replace(x, clients=tuple(c for c in x.clients if present(c, x.date)))
        for x in schedule.sessions
    )
    return WeekSchedule(tuple(x for x in sessions if x.clients))


def _prorated(
    scenario: Scenario, past: KeptPast, missed_before: Absences
) -> dict[str, list[tuple[Requirement, int]]]:
    """Per kept client, their plan prorated to each number of days below its ``min_days``
    that they could still reach: the days they came plus ``j`` later ones (the others
    ``away``), with ``j``."""
    remaining = _remaining_dates(scenario, past)
    kept_days = {cid: len(days) for cid, days in _kept_days(past).items()}
    prorated: dict[str, list[tuple[Requirement, int]]] = {}
    for client in scenario.clients:
        cid = client.client_id
        if cid not in kept_days:
            continue
        before = missed_before.get(cid, ())
        for j in range(len(remaining) + 1):
            away = (*client.away, *_spans((*before, *remaining[j:])))
            req = requirement(scenario, client.updated(away=away))
            if req.prorated and req.days_in_program == kept_days[cid] + j:
                prorated.setdefault(cid, []).append((req, j))
    return prorated


def _fewest_days_missed(
    candidates: Candidates, past: KeptPast, schedule: WeekSchedule, budget: DiagnosisBudget
) -> tuple[Absences, dict[str, int]] | None:
    """A week in which as much kept priority as possible completes the plan, and the other
    kept clients keep as many later days as they can under their plan prorated to them:
    the ``away`` dates of those clients (the days they do not come), and that week's values
    by variable name; None when none was found within the budget. The past is kept as it
    happened for everyone."""
    scenario = candidates.scenario
    before = _missed_before(scenario, past)
    options = _prorated(scenario, past, before)
    iop = _model(candidates, past, schedule, {c: [r for r, _ in o] for c, o in options.items()})
    priority = {c.client_id: c.priority for c in scenario.clients}
    weight = 1 + sum(max(j for _, j in o) for o in options.values())
    completing = sum(priority[cid] * lits[0] for cid, lits in iop.plan_literals.items())
    later = sum(
        j * lit
        for cid, lits in iop.plan_literals.items()
        for lit, (_, j) in zip(lits[1:], options[cid], strict=True)
    )
    iop.model.maximize(weight * completing + later)
    status, solver = budget.solve(iop.model, share=0.5)
    if status not in _FOUND:
        return None
    remaining = _remaining_dates(scenario, past)
    comes: dict[str, set[dt.date]] = {}
    for (cid, day, _block), var in iop.attend_vars.items():
        if day not in past.days and solver.boolean_value(var):
            comes.setdefault(cid, set()).add(scenario.date_of(day))
    absences = {
        cid: tuple(
            sorted({*before.get(cid, ()), *(d for d in remaining if d not in comes.get(cid, ()))})
        )
        for cid, lits in iop.plan_literals.items()
        if not solver.boolean_value(lits[0])
    }
    names = (v.name for v in iop.model.proto.variables)
    return absences, dict(zip(names, solver.response_proto.solution, strict=True))


def _kept_days(past: KeptPast) -> dict[str, set[str]]:
    """Per kept client, the days before the re-planned date they came."""
    kept: dict[str, set[str]] = {}
    for session in past.schedule.sessions:
        for cid in session.clients:
            kept.setdefault(cid, set()).add(session.day)
    return kept


def _missed_before(scenario: Scenario, past: KeptPast) -> Absences:
    """Per kept client, the dates before the re-planned one they did not come (true
    already; ``away`` on them, the plan is prorated to the days that are left)."""
    return {
        cid: tuple(scenario.date_of(d) for d in scenario.days if d in past.days - days)
        for cid, days in _kept_days(past).items()
    }


def _spans(dates: tuple[dt.date, ...]) -> tuple[tuple[dt.date, dt.date], ...]:
    """``dates`` as ``away`` spans, consecutive dates in one (``2026-12-15..2026-12-18``)."""
    spans: list[tuple[dt.date, dt.date]] = []
    for date in sorted(set(dates)):
        if spans and date == spans[-1][1] + dt.timedelta(days=1):
            spans[-1] = (spans[-1][0], date)
        else:
            spans.append((date, date))
    return tuple(spans)


def _remaining_dates(scenario: Scenario, past: KeptPast) -> tuple[dt.date, ...]:
    return tuple(scenario.date_of(day) for day in scenario.days if day not in past.days)


def with_absences(scenario: Scenario, absences: Mapping[str, tuple[dt.date, ...]]) -> Scenario:
    """``scenario`` with each client's ``absences`` added to their ``away`` dates."""
    clients = tuple(
        c.updated(away=(*c.away, *_spans(absences[c.client_id]))) if c.client_id in absences else c
        for c in scenario.clients
    )
    return scenario.updated(clients=clients)


def _completes(
    scenario: Scenario,
    absences: Mapping[str, tuple[dt.date, ...]],
    past: KeptPast,
    schedule: WeekSchedule,
    budget: DiagnosisBudget,
    hint: Mapping[str, int],
) -> bool:
    """Whether the re-planned week of ``scenario`` with ``absences`` has a schedule (every
    kept client completing it); ``hint``: values by variable name (a week found so far)."""
    if budget.left <= 0:
        return False
    try:
        iop = _model(build_candidates(with_absences(scenario, absences)), past, schedule)
    except ScenarioError:  # dates the scenario refuses, or kept sessions it cannot hold
        return False
    if hint:
        iop.model.clear_hints()
        for index, var in enumerate(iop.model.proto.variables):
            if var.name in hint:
                iop.model.add_hint(iop.model.get_int_var_from_proto_index(index), hint[var.name])
    iop.model.clear_objective()
    status, _ = budget.solve(iop.model)
    return status in _FOUND


def missed_days(
    candidates: Candidates,
    past: KeptPast,
    schedule: WeekSchedule,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
) -> Absences | None:
    """The ``away`` dates to add, per client, with which the week re-planned from
    ``past.from_date`` can be completed (``schedule``: the week's schedule being
    re-planned); None when none were found within ``params.diagnosis_seconds``."""
    budget = DiagnosisBudget(control, seed, workers)
    try:
        found = _fewest_days_missed(candidates, past, schedule, budget)
    except ScenarioError:  # a kept session the model cannot hold
        return None
    if found is None or not found[0]:
        return None
    absences, solution = found
    scenario = candidates.scenario
    return absences if _completes(scenario, absences, past, schedule, budget, solution) else None


class UnfinishableWeekError(ScenarioError):
    """A week re-planned from a date that cannot be completed by everyone who attended
    before it (SPEC §3: no half-scheduled clients), or for which no such schedule was found
    within the time limit while one exists with some of them away. ``absences`` (per client
    id, the dates to add to the client's ``away``) lets it be completed, checked by a
    solve; None when none were found (only for a week proven impossible). An app may offer
    them: ``with_absences(scenario, error.absences)``."""

    def __init__(self, issues: list[Issue], absences: Absences | None) -> None:
        super().__init__(issues)
        self.absences = absences


def raise_if_unfinished(
    candidates: Candidates,
    past: KeptPast,
    last_week: PreviousWeek,
    control: SearchControl,
    seed: int,
    search: GoalSearch,
) -> None:
    """After the goal search of a re-planned week that found no schedule at all (and had
    no first schedule): raise :class:`UnfinishableWeekError` when the week has none
    (INFEASIBLE), or when none was found in time but the ``away`` dates of a few clients
    give one (checked); else return (no schedule within the time limit)."""
    status = search.outcomes[0].status if search.outcomes else SolveStatus.UNKNOWN
    if control.stopped or status not in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN):
        return
    error = unfinishable_error(
        candidates, past, last_week, control, seed, proven=status == SolveStatus.INFEASIBLE
    )
    if error is not None:
        raise error


def unfinishable_error(
    candidates: Candidates,
    past: KeptPast,
    last_week: PreviousWeek,
    control: SearchControl,
    seed: int = 0,
    proven: bool = True,
) -> UnfinishableWeekError | None:
    """The input error of a re-planned week that has no schedule (SPEC §3: never
    half-scheduled; ``proven``, else none was found within the time limit): as few clients
    as found who cannot complete the week and the ``away`` dates with which it can be
    completed (checked), else (only when ``proven``) the clients of the conflicts found."""
    workers = 1 if control.deterministic else control.params.default_workers()
    absences = missed_days(candidates, past, last_week.schedule, control, seed, workers)
    where = f"{FROM_OPTION} {past.from_date}"
    if absences:
        dates = "; ".join(
            f"{cid} {', '.join(d.isoformat() for d in days)}" for cid, days in absences.items()
        )
        named = f"{len(absences)} client(s) ({', '.join(absences)})"
        problem = (
            f"{named} who attended before {past.from_date} cannot complete the week under "
            "this scenario: they miss days this week"
            if proven
            else f"no schedule in which everyone who attended before {past.from_date} "
            f"completes the week was found within the time limit; one exists if {named} "
            "miss days this week"
        )
        issue = Issue(
            f"{where}: clients.csv, away",
            f"{problem}, and a scheduled client needs the plan's days and sessions (SPEC §3)",
            f"add those dates to their away column ({dates}): the week can then be "
            "completed (checked), with their plans prorated; then run the same command "
            "again. Or loosen what stops them (a therapist's away dates or weekly cap)",
        )
        return UnfinishableWeekError([issue], absences)
    if not proven:
        return None
    who = unfinishable(candidates, past, control, seed)
    named = f" ({', '.join(who)})" if who else ""
    issue = Issue(
        where,
        f"clients who attended before {past.from_date}{named} cannot complete the "
        "week under this scenario (a scheduled client needs the plan's days and sessions, "
        "and theirs no longer fit)",
        "loosen what stops them (a therapist's away dates or weekly cap, the plan), or "
        "re-plan from an earlier date",
    )
    return UnfinishableWeekError([issue], None)
