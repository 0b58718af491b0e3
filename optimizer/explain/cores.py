"""Dynamic causes, the solver side: the named-group model of one client and its minimal core.

A feasibility model with the client forced in and every client of the given schedule kept
scheduled, where the relaxable constraint families are guarded by one enforcement literal
per *named group* (a therapist's weekly cap, a therapist's daily cap on one day, a
therapist's hours in one block of one day, group sizes of one track in one block and day,
rooms, the client's own windows, "client X stays scheduled"). Assuming every literal gives
an infeasible core; deleting literals while the rest stays infeasible shrinks it to a
minimal set (phrased by :mod:`.causes`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from ..model.candidates import Reservations, build_candidates
from ..model.cpmodel import GroupName, IOPModel
from ..model.hints import hint_schedule
from ..result import SolveStatus
from ..scenario import Client, Scenario
from ..schedule import WeekSchedule
from ..search.params import SearchParams
from ..windows import attendable_pairs, can_work, client_can_attend, day_index
from .edits import replaced, subtract_windows
from .fits import client_vars, feasibility, hinted_values, track_subproblem

DELETE_ORDER = (
    "stay",
    "keep",
    "therapist-hours",
    "room-time",
    "room-capacity",
    "therapist-day",
    "therapist-time",
    "group-size",
    "therapist-week",
    "client-window",
)
"""Deletion tries groups in this order; groups tried last stay in the core more often, so
the explanation prefers resource limits and the client's windows over other clients."""


def relaxed_scenario(scenario: Scenario, client: Client, client_windows: bool) -> Scenario:
    """Every therapist also working the client's own blocks (and, with ``client_windows``,
    the client without windows): the named model guards these extras with literals."""
    pairs = attendable_pairs(scenario, client)
    spans = [(day_index(d), *scenario.block_span(b)) for d, b in pairs]
    therapists = []
    for t in scenario.therapists:
        available = tuple(sorted(set(t.available) | set(spans))) if t.available else ()
        therapists.append(replaced(t, available=available, busy=subtract_windows(t.busy, spans)))
    clients = tuple(
        replaced(c, available=(), busy=())
        if c.client_id == client.client_id and client_windows
        else c
        for c in scenario.clients
    )
    return scenario.replace(therapists=tuple(therapists), clients=clients)


class CoreModel:
    """The named-group feasibility model of one client (built once, solved many times)."""

    def __init__(
        self,
        scenario: Scenario,
        client: Client,
        keep: Sequence[str],
        schedule: WeekSchedule | None,
        params: SearchParams,
        client_windows: bool = False,
        track_only: bool = False,
    ):
        """``track_only``: only the client's track is modelled; every other track's sessions
        of ``schedule`` are reserved (a smaller model, for weeks where the whole is too slow)."""
        self.scenario = scenario
        self.client = client
        self.track_only = track_only
        self.params = params
        reserved: Reservations | None = None
        if track_only and schedule is not None:
            scenario, reserved, local = track_subproblem(scenario, client.client_id, keep, schedule)
            keep = [cid for cid in keep if cid in local]
            schedule = schedule.of_clients(local)
        relaxed = relaxed_scenario(scenario, client, client_windows)
        self.candidates = build_candidates(relaxed, reserved)
        self.iop = IOPModel(self.candidates, named_groups=True)
        self.iop.model.add(self.iop.scheduled_vars[client.client_id] == 1)
        self._guard_relaxed(scenario, client)
        self._guard_others(client.client_id, keep, schedule)
        order = {kind: idx for idx, kind in enumerate(DELETE_ORDER)}
        self.names: list[GroupName] = sorted(
            self.iop.group_literals, key=lambda n: (order.get(n[0], len(order)), n)
        )
        self.checks = 0

    def _guard_relaxed(self, scenario: Scenario, client: Client) -> None:
        """The therapists' hours and the client's windows the relaxed scenario dropped, each
        guarded by its named literal."""
        iop, m = self.iop, self.iop.model
        therapists = {t.therapist_id: t for t in scenario.therapists}
        events: list[tuple[str, str, str, int, int, cp_model.IntVar]] = []
        for gv in iop.groups:
            ctx = gv.context
            for tid, var in gv.lead_vars.items():
                events.append((tid, ctx.day, ctx.block, ctx.start, ctx.end, var))
        for iv in iop.individuals:
            o = iv.option
            for tid, var in iv.therapist_vars.items():
                events.append((tid, o.day, o.block, o.start, o.end, var))
        for tid, day, block, start, end, var in events:
            t = therapists[tid]
            if not can_work(t.available, t.busy, day, start, end):
                m.add(var == 0).only_enforce_if(iop.literal(("therapist-hours", tid, day, block)))
        cid = client.client_id
        for (owner, day, block), var in iop.attend_vars.items():
            if owner == cid and not client_can_attend(scenario, client, day, block):
                m.add(var == 0).only_enforce_if(iop.literal(("client-window", cid, day, block)))

    def _guard_others(self, cid: str, keep: Sequence[str], schedule: WeekSchedule | None) -> None:
        """ "X stays scheduled" (``keep``) and "X keeps their sessions" (``stay``) literals."""
        iop, m = self.iop, self.iop.model
        for other in keep:
            if other != cid and self.candidates.attendable.get(other):
                m.add(iop.scheduled_vars[other] == 1).only_enforce_if(iop.literal(("keep", other)))
        if schedule is None:
            return
        hint_schedule(iop, schedule)
        # "stay": a kept client keeps their sessions exactly; with every client staying,
        # the question is small (insert the client around the others) and quickly proven.
        values = hinted_values(iop)
        kept = set(keep) - {cid}
        for other, vars_ in client_vars(iop).items():
            if other in kept and self.candidates.attendable.get(other):
                lit = iop.literal(("stay", other))
                for var in vars_:
                    m.add(var == values.get(var.index, 0)).only_enforce_if(lit)

    def check(
        self, enforced: Sequence[GroupName], time_limit: float, presolve: bool = False
    ) -> tuple[str, list[GroupName], cp_model.CpSolver]:
        """Solve with ``enforced`` assumed; the others are free (relaxed)."""
        m = self.iop.model
        m.clear_assumptions()
        lits = [self.iop.group_literals[n] for n in enforced]
        m.add_assumptions(lits)
        status, solver = feasibility(m, time_limit, self.params, presolve=presolve)
        self.checks += 1
        if status == SolveStatus.INFEASIBLE:
            by_index = {self.iop.group_literals[n].index: n for n in enforced}
            core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
            return "does not fit", [n for n in enforced if n in set(core)], solver
        if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
            return "fits", [], solver
        return "unknown", [], solver

    def _prefer_keep(self, core: list[GroupName], deadline: float) -> list[GroupName]:
        """Swap "X keeps their sessions" for the weaker "X stays scheduled" where the core
        stays infeasible: the story is then about places, not about one arrangement."""
        for name in [n for n in core if n[0] == "stay"]:
            keep = ("keep", name[1])
            remaining = deadline - time.perf_counter()
            if (
                keep not in self.iop.group_literals
                or keep in core
                or remaining <= self.params.explain.shrink_stop
            ):
                continue
            trial = [keep if n == name else n for n in core]
            limit = min(self.params.explain.shrink_check_time, remaining)
            status, _smaller, _ = self.check(trial, limit)
            if status == "does not fit":
                core = trial
        return core

    def shrink(self, core: list[GroupName], deadline: float) -> tuple[list[GroupName], bool]:
        """Deletion (in halving chunks) to a minimal core; False when time ran out first."""
        chunk = max(1, len(core) // 2)
        minimal = True
        while True:
            idx = 0
            while idx < len(core):
                remaining = deadline - time.perf_counter()
                if remaining <= self.params.explain.shrink_stop:
                    return core, False
                trial = core[:idx] + core[idx + chunk :]
                status, smaller, _ = self.check(
                    trial, min(self.params.explain.shrink_check_time, remaining)
                )
                if status == "does not fit":
                    core = smaller or trial
                else:
                    if status == "unknown" and chunk == 1:
                        minimal = False  # kept without proof that it is needed
                    idx += chunk
            if chunk == 1:
                return self._prefer_keep(core, deadline), minimal
            chunk = max(1, chunk // 2)
