"""Re-planning a week from a date (SPEC §7): the sessions before it have happened.

``solve(scenario, previous=schedule, from_date=date)`` repairs the rest of a week that is
under way (a therapist called in sick): every session of ``schedule`` dated before
``from_date`` is kept exactly as it is (session id, type, times, therapist, room and
clients), counts towards every weekly rule (days, session counts, therapist caps), and only
``from_date`` onwards is planned again.

The week's model keeps the past through constraints (:func:`keep_past`): a client's
attendance, the group contexts they join, the therapists leading them and the individual
sessions of the days before the date are fixed to what happened, so the weekly rules see
them; the model's own rows for those days are then replaced by the kept sessions verbatim
(:func:`with_past`), since copies of a group context are interchangeable in the model.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from ..cells import date_problem
from ..check import check_schedule, sessions_from_assignments
from ..errors import Issue, ScenarioError
from ..io.schedule import SCHEDULE_COLUMNS, Schedule
from ..model.candidates import Candidates
from ..model.cpmodel import IOPModel
from ..model.pinning import add_pins
from ..pins import resolve_pins
from ..scenario import Scenario
from ..schedule import WeekSchedule
from ..search.control import SearchControl
from ..search.solver import Role, make_solver
from ..windows import DAY_NAMES

FROM_OPTION = "--from"
"""How the re-planning date is named in messages (the CLI option; the library's
``from_date``)."""


@dataclass(frozen=True)
class KeptPast:
    """The sessions of a week under way dated before ``from_date``, kept as written."""

    from_date: dt.date
    days: frozenset[str]
    """The scenario's operating days before ``from_date`` (their sessions are kept)."""
    schedule: WeekSchedule

    @property
    def replanned(self) -> frozenset[str]:
        """The scenario's days from ``from_date`` on: planned again."""
        return frozenset(DAY_NAMES) - self.days

    def client_ids(self) -> set[str]:
        """Clients with a kept session: they are scheduled this week, whatever comes."""
        return self.schedule.client_ids()


def parse_from_date(text: str | dt.date) -> dt.date:
    """The re-planning date of ``text`` (``YYYY-MM-DD``); ScenarioError naming the option."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        problem, fix = date_problem(text)
        raise ScenarioError([Issue(f"{FROM_OPTION} {text}", problem, fix)]) from None


def replan_date(has_previous: bool, from_date: str | dt.date | None) -> dt.date | None:
    """The re-planning date (None without one); ScenarioError when it is given without
    the schedule it re-plans (``--previous``) or is not a date."""
    if from_date is None or from_date == "":
        return None
    if not has_previous:
        raise ScenarioError(
            [
                Issue(
                    f"{FROM_OPTION} {from_date}",
                    "re-plans a schedule, but none was given",
                    "give the week's schedule being re-planned with --previous DIR",
                )
            ]
        )
    return parse_from_date(from_date)


def _week_of(scenario: Scenario) -> tuple[dt.date, dt.date]:
    return scenario.week_start, scenario.week_start + dt.timedelta(days=6)


def _row_date(scenario: Scenario, row: dict[str, Any]) -> dt.date | None:
    """A schedule row's date (its ``date`` cell, else its day of the scenario's week)."""
    try:
        return dt.date.fromisoformat(str(row.get("date", "")).strip())
    except ValueError:
        try:
            return scenario.date_of(str(row.get("day", "")))
        except ValueError:
            return None


def check_replan_date(scenario: Scenario, from_date: dt.date) -> None:
    """ScenarioError when ``from_date`` is not a date of the scenario's week."""
    first, last = _week_of(scenario)
    if not first <= from_date <= last:
        raise ScenarioError(
            [
                Issue(
                    f"{FROM_OPTION} {from_date}",
                    f"is not a date of the scenario's week ({first} to {last})",
                    "give a date of that week: sessions before it are kept, the rest is "
                    "planned again",
                )
            ]
        )


def kept_past(scenario: Scenario, schedule: Schedule, from_date: dt.date) -> KeptPast:
    """The sessions of ``schedule`` (this week's, read with :func:`read_schedule`) dated
    before ``from_date``, checked against this scenario.

    Raises ScenarioError when ``from_date`` is not a date of the scenario's week, when
    ``schedule`` is another week's, or when a kept session breaks a rule of this scenario
    that a part of a week can break (the independent checker's verdict, naming them).
    """
    check_replan_date(scenario, from_date)
    first, last = _week_of(scenario)
    assignments = [
        {str(k): ("" if pd.isna(v) else str(v)) for k, v in row.items()}
        for row in schedule.assignments.to_dict("records")
    ]
    dates = {_row_date(scenario, row) for row in assignments}
    outside = sorted(d for d in dates if d is not None and not first <= d <= last)
    if outside:
        raise ScenarioError(
            [
                Issue(
                    "--previous",
                    f"the schedule has sessions dated {outside[0]} to {outside[-1]}, outside "
                    f"the scenario's week ({first} to {last})",
                    f"with {FROM_OPTION}, give the schedule of this week being re-planned "
                    "(last week's schedule is for planning a new week, without "
                    f"{FROM_OPTION})",
                )
            ]
        )
    before = [row for row in assignments if (_row_date(scenario, row) or last) < from_date]
    kept = Schedule(
        assignments=pd.DataFrame(before, columns=SCHEDULE_COLUMNS["assignments.csv"]),
        sessions=pd.DataFrame(columns=SCHEDULE_COLUMNS["sessions.csv"]),
        unscheduled=pd.DataFrame(columns=SCHEDULE_COLUMNS["unscheduled.csv"]),
    )
    broken = [v for v in check_schedule(scenario, kept, partial=True) if v.severity == "error"]
    if broken:
        raise ScenarioError(
            [
                Issue(
                    f"--previous, kept before {from_date}: {', '.join(v.ids)}",
                    f"[{v.rule}] {v.message}",
                    "those sessions have happened: correct the scenario where it contradicts "
                    f"them (e.g. an away date or a discharge before {from_date}), or re-plan "
                    "from an earlier date",
                )
                for v in broken
            ]
        )
    sessions = sessions_from_assignments(scenario, kept)
    rows = (
        [{str(k): str(v) for k, v in r.items()} for r in frame.to_dict("records")]
        for frame in (kept.assignments, sessions)
    )
    days = frozenset(d for d in scenario.days if scenario.date_of(d) < from_date)
    return KeptPast(from_date, days, WeekSchedule.from_rows(scenario, *rows))


_Fix = Callable[..., None]
"""``fix(var, happened, *client_ids)``: ``var`` is 1 when it happened, else 0."""

_GroupKey = tuple[str, str, int, str, str]
_IndividualKey = tuple[str, str, str, int, str]


def keep_past(
    iop: IOPModel, past: KeptPast, guards: Mapping[str, cp_model.IntVar] | None = None
) -> None:
    """Fix the model's days before the date to what happened: who attended which block,
    which group contexts they joined and who led them (as many copies as sessions ran),
    and the individual sessions; every client with a kept session is scheduled.

    ``guards`` (per client with a kept session, a literal): each client's part holds only
    if their literal is true, and a group's only if all its clients' are (assumptions on
    them name the clients whose week cannot be completed, :func:`unfinishable`).

    Raises ScenarioError naming the kept sessions the model cannot hold (a rule of this
    scenario they break that the checker's part-of-a-week judgement does not see, e.g. a
    client who can no longer reach the plan's days this week).
    """
    m = iop.model

    def fix(var: cp_model.IntVar, happened: bool, *client_ids: str) -> None:
        """``var`` is 1 when it happened (held by its clients' guards), else 0."""
        if not happened:
            m.add(var == 0)
        elif guards is None:
            m.add(var == 1)
        else:
            m.add(var == 1).only_enforce_if([guards[cid] for cid in sorted(set(client_ids))])

    attended, groups, individual = _past_sessions(iop.scenario, past)
    unheld = _keep_attendance(iop, past, attended, fix)
    unheld.extend(_keep_groups(iop, past, groups, fix, guards))
    unheld.extend(_keep_individuals(iop, past, individual, fix))
    if unheld:
        raise ScenarioError(
            [
                Issue(
                    f"--previous, kept before {past.from_date}",
                    problem,
                    "those sessions have happened: correct the scenario where it contradicts "
                    "them, or re-plan from an earlier date",
                )
                for problem in dict.fromkeys(unheld)
            ]
        )


def _past_sessions(
    s: Scenario, past: KeptPast
) -> tuple[
    set[tuple[str, str, str]],
    dict[_GroupKey, list[Any]],
    dict[_IndividualKey, tuple[str, str]],
]:
    """The kept sessions indexed: the (client, day, block) attended; the group sessions
    per (day, block, slot, track, type); per (client, day, block, slot, type) of an
    individual session, its (therapist, session id)."""
    track_of = {c.client_id: c.track for c in s.clients}
    attended: set[tuple[str, str, str]] = set()
    groups: dict[_GroupKey, list[Any]] = defaultdict(list)
    individual: dict[_IndividualKey, tuple[str, str]] = {}
    for session in past.schedule.sessions:
        for cid in session.clients:
            attended.add((cid, session.day, session.block))
        day, block, slot_idx, type_id = (
            session.day, session.block, session.slot_idx, session.session_type
        )  # fmt: skip
        if s.session_types[type_id].is_group:
            track = track_of[session.clients[0]] if session.clients else session.track
            groups[(day, block, slot_idx, track, type_id)].append(session)
        else:
            for cid in session.clients:
                individual[(cid, day, block, slot_idx, type_id)] = (
                    session.therapist_id, session.session_id
                )  # fmt: skip
    return attended, groups, individual


def _keep_attendance(
    iop: IOPModel, past: KeptPast, attended: set[tuple[str, str, str]], fix: _Fix
) -> list[str]:
    """Schedule every client with a kept session and fix attendance on the kept days; the
    problems of what cannot be held."""
    unheld: list[str] = []
    for cid in sorted(past.client_ids()):
        if not iop.candidates.attendable.get(cid):
            unheld.append(
                f"client {cid} attended before {past.from_date} but cannot be scheduled this "
                "week now (too few days left for the plan)"
            )
            continue
        fix(iop.scheduled_vars[cid], True, cid)
    for (cid, day, block), var in iop.attend_vars.items():
        if day in past.days:
            fix(var, (cid, day, block) in attended, cid)
    known_pairs = set(iop.attend_vars)
    unheld.extend(
        f"client {cid} attended {block} on {day}, which the client cannot attend now"
        for cid, day, block in sorted(attended)
        if (cid, day, block) not in known_pairs and cid in iop.scheduled_vars
    )
    return unheld


def _keep_groups(
    iop: IOPModel,
    past: KeptPast,
    groups: dict[_GroupKey, list[Any]],
    fix: _Fix,
    guards: Mapping[str, cp_model.IntVar] | None,
) -> list[str]:
    """Fix the group contexts of the kept days to who joined and led them and how many
    copies ran; the problems of what cannot be held."""
    m = iop.model
    unheld: list[str] = []
    held: set[_GroupKey] = set()
    for gv in iop.groups:
        ctx = gv.context
        if ctx.day not in past.days:
            continue
        context = (ctx.day, ctx.block, ctx.slot_idx, ctx.track, ctx.session_type)
        ran = groups.get(context, [])
        held.add(context)
        members = {cid for x in ran for cid in x.clients}
        leaders = {x.therapist_id for x in ran}
        for cid, var in gv.join_vars.items():
            fix(var, cid in members, cid)
        for tid, var in gv.lead_vars.items():
            fix(var, tid in leaders, *members)
        runs = m.add(sum(gv.run_vars) == len(ran))
        if guards is not None and members:
            runs.only_enforce_if([guards[cid] for cid in sorted(members)])
        for x in ran:
            missing = [cid for cid in x.clients if cid not in gv.join_vars]
            if x.therapist_id not in gv.lead_vars or missing or len(ran) > len(gv.run_vars):
                unheld.append(f"session {x.session_id} cannot run again as it did")
    unheld.extend(
        f"session {x.session_id} cannot run again as it did"
        for key, ran in sorted(groups.items())
        if key not in held
        for x in ran
    )
    return unheld


def _keep_individuals(
    iop: IOPModel,
    past: KeptPast,
    individual: dict[_IndividualKey, tuple[str, str]],
    fix: _Fix,
) -> list[str]:
    """Fix the individual options of the kept days to the therapist who held them (none
    where none ran); the problems of what cannot be held."""
    unheld: list[str] = []
    options: set[_IndividualKey] = set()
    for iv in iop.individuals:
        o = iv.option
        if o.day not in past.days:
            continue
        option = (o.client_id, o.day, o.block, o.slot_idx, o.session_type)
        options.add(option)
        kept_tid = individual.get(option, ("", ""))[0]
        for tid, var in iv.therapist_vars.items():
            fix(var, tid == kept_tid, o.client_id)
        if kept_tid and kept_tid not in iv.therapist_vars:
            unheld.append(f"session {individual[option][1]} cannot run again as it did")
    unheld.extend(
        f"session {sid} cannot run again as it did"
        for key, (_tid, sid) in sorted(individual.items())
        if key not in options
    )
    return unheld


class DiagnosisBudget:
    """The seconds of ``params.diagnosis_seconds`` shared by the solves of one diagnosis of a
    re-planned week that has no schedule: deterministic ones with one worker (the wall
    clock only as a safety net), so that the clients named do not depend on the load."""

    def __init__(self, control: SearchControl, seed: int, workers: int = 1) -> None:
        self.params = control.params
        self.left = self.params.diagnosis_seconds
        self.seed = seed
        self.workers = workers

    def solve(
        self, model: cp_model.CpModel, share: float = 1.0
    ) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        """Solve ``model`` in ``share`` of the seconds left."""
        seconds = max(self.params.min_run_seconds, share * self.left)
        one = self.workers == 1
        solver = make_solver(
            self.params, seconds, self.workers, self.seed, role=Role.STAGE, deterministic=one
        )
        if one:
            solver.parameters.max_time_in_seconds = seconds * self.params.wall_safety_factor
        status = solver.solve(model)
        used = solver.deterministic_time / self.params.deterministic_units_per_second
        self.left -= used if one else solver.wall_time
        return status, solver


def unfinishable(
    candidates: Candidates, past: KeptPast, control: SearchControl, seed: int = 0
) -> list[str]:
    """Clients with kept sessions whose week cannot be completed: the union of disjoint
    minimal sets of them that cannot all complete (from the solver's assumptions), found
    within ``params.diagnosis_seconds`` deterministic seconds ([] when none is)."""
    iop = IOPModel(candidates)
    if candidates.scenario.pins:
        add_pins(iop, resolve_pins(candidates.scenario))
    guards = {
        cid: iop.model.new_bool_var(f"completes[{cid}]")
        for cid in sorted(past.client_ids())
        if cid in iop.scheduled_vars
    }
    keep_past(iop, past, guards)
    budget = DiagnosisBudget(control, seed)
    by_index = {var.index: cid for cid, var in guards.items()}

    def core(clients: list[str]) -> list[str] | None:
        """The clients of a core among ``clients`` (None: they fit, or no answer in time)."""
        iop.model.clear_assumptions()
        iop.model.add_assumptions([guards[cid] for cid in clients])
        status, solver = budget.solve(iop.model)
        if status != cp_model.INFEASIBLE:
            return None
        return sorted(by_index[i] for i in solver.sufficient_assumptions_for_infeasibility())

    named: list[str] = []
    remaining = sorted(guards)
    while budget.left > 0 and (found := core(remaining)) is not None:
        for cid in list(found):  # shrink: drop each client the rest stay infeasible without
            if budget.left <= 0:
                break
            smaller = core([other for other in found if other != cid])
            if smaller is not None:
                found = smaller
        named.extend(found)  # a minimal core; the rest may hold another (disjoint) one
        remaining = [cid for cid in remaining if cid not in found]
    return sorted(named)


def with_past(past: KeptPast, schedule: WeekSchedule) -> WeekSchedule:
    """The kept sessions, as written, and ``schedule``'s sessions from the date on."""
    later = WeekSchedule(tuple(x for x in schedule.sessions if x.day not in past.days))
    return (past.schedule + later).sorted()
