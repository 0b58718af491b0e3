"""The days clients must miss so that a week under way can be completed (SPEC §7).

When a week re-planned from a date has no schedule at all, some clients who attended
before the date cannot complete the plan's week any more: the therapist who called in sick
was the only one free to lead their track that evening, say. SPEC §3 has no half-scheduled
clients and a client who has attended cannot be unscheduled, so only the scenario can say
that they miss those days: the clients' ``away`` dates, with which the plan is prorated
(SPEC §2). This module finds what to say:

1. as few clients (by priority) as a search finds who cannot complete the week: one model
   of the week with only the kept clients scheduled, each one's past under a literal, the
   kept priority maximised, this week's schedule as the hint; only clients whose kept
   sessions alone meet their plan prorated to the days they came may be left out (a kept
   individual session beyond the prorated plan's rules a client out); asked again with
   its answer applied while that answer is not enough;
2. for each of them, the dates from the re-planned one on on which their sessions were
   lost (its therapist away that date or gone, or its room gone), else every date of
   their schedule from the re-planned one on;
3. the week with those ``away`` dates added, checked to have a schedule (else the same with
   every date from the re-planned one on, else nothing is proposed).

With one search worker every solve here is deterministic (a deterministic limit), so the
same input names the same clients and dates; with several, the search may name others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import replace

from ortools.sat.python import cp_model

from ..errors import Issue, ScenarioError
from ..model.candidates import build_candidates
from ..model.cpmodel import IOPModel
from ..model.hints import hint_schedule
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..scenario import Scenario, requirement
from ..schedule import WeekSchedule
from ..search.control import SearchControl
from ..search.solver import Role, make_solver
from .previous import PreviousWeek
from .replan import FROM_OPTION, KeptPast, keep_past, unfinishable

log = logging.getLogger(__name__)

Absences = dict[str, tuple[dt.date, ...]]
"""Per client id, the dates to add to the client's ``away``."""

_FOUND = (cp_model.OPTIMAL, cp_model.FEASIBLE)


class _Budget:
    """Deterministic seconds shared by the solves of one diagnosis."""

    def __init__(self, control: SearchControl, seed: int, workers: int = 1) -> None:
        self.params = control.params
        self.left = self.params.diagnosis_seconds
        self.seed = seed
        self.workers = workers

    def solve(
        self, model: cp_model.CpModel, share: float = 1.0, core: bool = False
    ) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        """Solve ``model`` in ``share`` of the seconds left."""
        seconds = max(self.params.min_run_seconds, share * self.left)
        one = self.workers == 1
        solver = make_solver(
            self.params, seconds, self.workers, self.seed, role=Role.STAGE, deterministic=one
        )
        if one:
            solver.parameters.max_time_in_seconds = seconds * self.params.wall_safety_factor
        solver.parameters.optimize_with_core = core
        status = solver.solve(model)
        used = solver.deterministic_time / self.params.deterministic_units_per_second
        self.left -= used if one else solver.wall_time
        return status, solver


def _model(scenario: Scenario, past: KeptPast, schedule: WeekSchedule) -> IOPModel:
    """The week's model with only the kept clients scheduled: whether they can complete
    the week does not depend on the others, who need not be (unless a pin may need them)."""
    iop = IOPModel(build_candidates(scenario))
    if scenario.pins:
        add_pins(iop, resolve_pins(scenario))
    else:
        kept = past.client_ids()
        for cid, var in iop.scheduled_vars.items():
            if cid not in kept:
                iop.model.add(var == 0)
    # the week's schedule as the hint: right but for the sessions the change broke
    hint_schedule(iop, _of_clients(scenario, schedule, past.client_ids()))
    return iop


def _of_clients(scenario: Scenario, schedule: WeekSchedule, clients: set[str]) -> WeekSchedule:
    """``schedule``'s sessions with only ``clients`` in them, each on dates they are not
    away."""
    away = {c.client_id: c.away for c in scenario.clients if c.client_id in clients}

    def present(cid: str, date: str) -> bool:
        return cid in away and not _on(dt.date.fromisoformat(date), away[cid])

    sessions = (
        replace(x, clients=tuple(c for c in x.clients if present(c, x.date)))
        for x in schedule.sessions
    )
    return WeekSchedule(tuple(x for x in sessions if x.clients))


def cannot_complete(
    scenario: Scenario,
    past: KeptPast,
    schedule: WeekSchedule,
    budget: _Budget,
    excusable: set[str],
) -> list[str] | None:
    """The kept clients left out of a week in which as much kept priority as possible
    completes, only ``excusable`` ones left out (None: no answer within the budget)."""
    iop = _model(scenario, past, schedule)
    guards = {
        cid: iop.model.new_bool_var(f"completes[{cid}]")
        for cid in sorted(past.client_ids())
        if cid in iop.scheduled_vars
    }
    for cid, guard in guards.items():
        if cid not in excusable:
            iop.model.add(guard == 1)
    keep_past(iop, past, guards)
    priority = {c.client_id: c.priority for c in scenario.clients}
    iop.model.maximize(sum(priority[cid] * guard for cid, guard in guards.items()))
    status, solver = budget.solve(iop.model, share=0.5)
    if status not in _FOUND:
        return None
    left_out = {cid for cid, guard in guards.items() if not solver.boolean_value(guard)}
    # a kept client the model cannot even schedule any more is left out as well
    return sorted(left_out | (past.client_ids() - set(guards)))


def _lost_dates(scenario: Scenario, schedule: WeekSchedule, past: KeptPast) -> Absences:
    """Per client, the re-planned dates of ``schedule`` on which one of the client's
    sessions lost its therapist or room (gone from the scenario or away that date)."""
    therapists = {t.therapist_id: t for t in scenario.therapists}
    rooms = {r.room_id for r in scenario.rooms or ()}
    lost: dict[str, set[dt.date]] = {}
    for session in schedule.sessions:
        if session.day in past.days:
            continue
        date = dt.date.fromisoformat(session.date)
        therapist = therapists.get(session.therapist_id)
        gone = therapist is None or _on(date, therapist.away)
        gone = gone or bool(session.room_id and session.room_id not in rooms)
        if gone:
            for cid in session.clients:
                lost.setdefault(cid, set()).add(date)
    return {cid: tuple(sorted(dates)) for cid, dates in lost.items()}


def _on(date: dt.date, spans: tuple[tuple[dt.date, dt.date], ...]) -> bool:
    return any(first <= date <= last for first, last in spans)


def _missed_before(scenario: Scenario, past: KeptPast) -> Absences:
    """Per kept client, the dates before the re-planned one without a kept session."""
    kept: dict[str, set[str]] = {}
    for session in past.schedule.sessions:
        for cid in session.clients:
            kept.setdefault(cid, set()).add(session.day)
    return {
        cid: tuple(scenario.date_of(d) for d in scenario.days if d in past.days - days)
        for cid, days in kept.items()
    }


def can_miss_the_rest(
    scenario: Scenario, past: KeptPast, rest: Mapping[str, tuple[dt.date, ...]]
) -> set[str]:
    """The kept clients whose kept sessions alone meet their plan prorated to the days they
    attended, when they are away on ``rest[client]`` (so they may miss the rest of the week:
    a kept individual session beyond the prorated plan's, say, rules that out)."""
    counts: dict[str, dict[str, int]] = {}
    minutes: dict[str, int] = {}
    days: dict[str, set[str]] = {}
    for x in past.schedule.sessions:
        for cid in x.clients:
            counts.setdefault(cid, {})
            counts[cid][x.session_type] = counts[cid].get(x.session_type, 0) + 1
            minutes[cid] = minutes.get(cid, 0) + x.end - x.start
            days.setdefault(cid, set()).add(x.day)
    excusable: set[str] = set()
    for client in scenario.clients:
        cid = client.client_id
        if cid not in counts:
            continue
        req = requirement(scenario, client.updated(away=(*client.away, *_spans(rest[cid]))))
        kept = counts[cid]
        if (
            req.min_days <= len(days[cid]) <= req.max_days
            and minutes[cid] >= req.min_minutes_per_week
            and all(kept.get(t, 0) >= m for t, m in req.min_sessions.items())
            and all(m is None or kept.get(t, 0) <= m for t, m in req.max_sessions.items())
        ):
            excusable.add(cid)
    return excusable


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


def _short_dates(scenario: Scenario, past: KeptPast) -> tuple[dt.date, ...]:
    """The re-planned dates on which some therapist is away (the sick day), else all."""
    remaining = _remaining_dates(scenario, past)
    short = tuple(d for d in remaining if any(_on(d, t.away) for t in scenario.therapists))
    return short or remaining


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
    budget: _Budget,
) -> bool:
    """Whether the re-planned week of ``scenario`` with ``absences`` has a schedule (every
    kept client completing it)."""
    if budget.left <= 0:
        return False
    try:
        iop = _model(with_absences(scenario, absences), past, schedule)
        if not all(iop.candidates.attendable.get(cid) for cid in past.client_ids()):
            return False
        keep_past(iop, past)
    except ScenarioError:  # dates the scenario refuses, or kept sessions it cannot hold
        return False
    iop.model.clear_objective()
    status, _ = budget.solve(iop.model)
    return status in _FOUND


def missed_days(
    scenario: Scenario,
    past: KeptPast,
    schedule: WeekSchedule,
    control: SearchControl,
    seed: int = 0,
    workers: int = 1,
) -> Absences | None:
    """The ``away`` dates to add, per client, with which the week re-planned from
    ``past.from_date`` can be completed (``schedule``: the week's schedule being
    re-planned); None when none were found within ``params.diagnosis_seconds``."""
    budget = _Budget(control, seed, workers)
    before = _missed_before(scenario, past)
    remaining = _remaining_dates(scenario, past)
    short = _short_dates(scenario, past)
    lost = _lost_dates(scenario, schedule, past)

    def missing(cid: str, later: tuple[dt.date, ...]) -> tuple[dt.date, ...]:
        """Away on ``later`` and on the days before the date the client did not attend
        (true already: so the plan is prorated to the days left)."""
        return tuple(sorted({*before.get(cid, ()), *later}))

    excusable = can_miss_the_rest(
        scenario, past, {cid: missing(cid, remaining) for cid in past.client_ids()}
    )
    absences: Absences = {}
    while budget.left > 0:
        # The model leaving a client out also frees the groups they were in before the
        # date, so its answer may be short of clients: ask again with its answer applied.
        try:
            stuck = cannot_complete(
                with_absences(scenario, absences), past, schedule, budget, excusable
            )
        except ScenarioError:
            return None
        new = [cid for cid in stuck or () if absences.get(cid) != missing(cid, remaining)]
        if not new:
            return None
        for proposal in (
            {**absences, **{cid: missing(cid, lost.get(cid) or short) for cid in new}},
            {**absences, **{cid: missing(cid, remaining) for cid in new}},
        ):
            if _completes(scenario, proposal, past, schedule, budget):
                return proposal
        absences = proposal
    return None


class UnfinishableWeekError(ScenarioError):
    """A week re-planned from a date that cannot be completed by everyone who attended
    before it (SPEC §3: no half-scheduled clients). ``absences`` (per client id, the dates
    to add to the client's ``away``) lets it be completed, checked by a solve; None when
    none were found. An app may offer them: ``with_absences(scenario, error.absences)``."""

    def __init__(self, issues: list[Issue], absences: Absences | None) -> None:
        super().__init__(issues)
        self.absences = absences


def unfinishable_error(
    scenario: Scenario,
    past: KeptPast,
    last_week: PreviousWeek,
    control: SearchControl,
    seed: int = 0,
) -> UnfinishableWeekError:
    """The input error of a re-planned week that has no schedule (SPEC §3: never
    half-scheduled): as few clients as found who cannot complete the week and the ``away`` dates
    with which it can be completed (checked), else the clients of the conflicts found."""
    workers = 1 if control.deterministic else control.params.default_workers()
    absences = missed_days(scenario, past, last_week.schedule, control, seed, workers)
    where = f"{FROM_OPTION} {past.from_date}"
    if absences:
        dates = "; ".join(
            f"{cid} {', '.join(d.isoformat() for d in days)}" for cid, days in absences.items()
        )
        issue = Issue(
            f"{where}: clients.csv, away",
            f"{len(absences)} client(s) who attended before {past.from_date} cannot "
            f"complete the week under this scenario ({', '.join(absences)}): they miss "
            "days this week, and a scheduled client needs the plan's days and sessions "
            "(SPEC §3)",
            f"add those dates to their away column ({dates}): the week can then be "
            "completed (checked), with their plans prorated; then run the same command "
            "again. Or loosen what stops them (a therapist's away dates or weekly cap)",
        )
        return UnfinishableWeekError([issue], absences)
    who = unfinishable(build_candidates(scenario), past, control, seed)
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
