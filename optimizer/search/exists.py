"""Whether any schedule of the week includes a client: the check behind "not enough capacity".

Tracks never share a group session, so the other tracks' clients can only take therapists,
rooms and caps away from a client: a schedule with the client exists exactly when one
exists for the client's track alone, the client in, every other client of the track free
to come or not (they may fill a group's minimum). One model per track, solved once per
client under the assumption that the client is scheduled; one worker, a deterministic limit,
so the answer is the same on every run. The hand-style schedule of the track, with the
client placed first, answers most YES at once, before CP-SAT is asked; every other client
that schedule includes is a YES too, so one hand-style schedule usually answers for many of
a track's unscheduled clients.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum

from ..model.candidates import build_candidates
from ..model.cpmodel import IOPModel
from ..result import solve_status
from ..scenario import Client, Scenario
from .greedy import solve_greedy
from .params import SearchParams
from .solver import Role, make_solver

log = logging.getLogger(__name__)


class Exists(StrEnum):
    """The answer of :meth:`ScheduleExists.check`."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"
    """Undecided within the check's time (or its budget was spent)."""


class ScheduleExists:
    """Answers "can any schedule of ``scenario`` include this client?", client by client.

    Each check may use ``params.exists_check_seconds`` and all of them together
    ``params.exists_budget_seconds`` (deterministic seconds, as the one-worker search
    counts them); once the budget is spent the answer is UNKNOWN. Pins are left out (a
    relaxation: NO stays a proof).
    """

    def __init__(self, scenario: Scenario, params: SearchParams, asked: Iterable[str] = ()) -> None:
        self.scenario = scenario
        self.params = params
        self.asked = frozenset(asked)
        """The clients whose checks are to come: the hand-style schedules place them before
        the others, so that one schedule answers for as many of them as it can."""
        self.spent = 0.0
        """Deterministic seconds used by the checks so far."""
        self._tracks: dict[str, Scenario] = {}
        self._models: dict[str, IOPModel] = {}
        self._included: set[str] = set()
        """Clients some valid schedule found so far includes (each a proven YES)."""

    def check(self, client_id: str) -> Exists:
        """Whether a schedule with ``client_id`` in it exists (see the class docstring)."""
        params = self.params
        if client_id in self._included:
            log.debug("schedule with %s exists: an earlier check's schedule has one", client_id)
            return Exists.YES
        left = params.exists_budget_seconds - self.spent
        if left <= params.min_run_seconds:
            return Exists.UNKNOWN
        track = next(c.track for c in self.scenario.clients if c.client_id == client_id)
        if self._by_hand(track, client_id):
            log.debug("schedule with %s exists: the hand-style schedule has one", client_id)
            return Exists.YES
        iop = self._model(track)
        if client_id not in iop.scheduled_vars:
            return Exists.NO
        model = iop.model
        model.clear_assumptions()
        model.add_assumptions([iop.scheduled_vars[client_id]])
        solver = make_solver(params, min(params.exists_check_seconds, left), role=Role.EXISTS)
        status = solve_status(int(solver.solve(model)), model)
        self.spent += solver.deterministic_time / params.deterministic_units_per_second
        answer = {
            "OPTIMAL": Exists.YES,
            "FEASIBLE": Exists.YES,
            "INFEASIBLE": Exists.NO,
        }.get(status.value, Exists.UNKNOWN)
        if answer == Exists.YES:
            self._included |= {c for c, v in iop.scheduled_vars.items() if solver.value(v)}
        log.debug("schedule with %s exists: %s", client_id, answer.value)
        return answer

    def _track(self, track: str) -> Scenario:
        """The week with the clients of one track only (and no pins)."""
        if track not in self._tracks:
            mine = {c.client_id for c in self.scenario.clients if c.track == track}
            self._tracks[track] = self.scenario.replace(
                clients=tuple(
                    c.model_copy(update={"avoid": tuple(a for a in c.avoid if a in mine)})
                    for c in self.scenario.clients
                    if c.client_id in mine
                ),
                pins=(),
            )
        return self._tracks[track]

    def _by_hand(self, track: str, client_id: str) -> bool:
        """Whether the hand-style schedule of the track alone, the client placed first (a
        priority above all), then the other asked clients no schedule has included yet,
        includes the client: a valid schedule, so a proof of YES (for every client it
        includes, remembered for their checks)."""
        sub = self._track(track)
        step = max(c.priority for c in sub.clients) + 1

        def priority(client: Client) -> int:
            if client.client_id == client_id:
                return client.priority + 2 * step
            if client.client_id in self.asked and client.client_id not in self._included:
                return client.priority + step
            return client.priority

        sub = sub.replace(
            clients=tuple(c.model_copy(update={"priority": priority(c)}) for c in sub.clients)
        )
        self._included |= solve_greedy(sub, self.params).schedule.client_ids()
        return client_id in self._included

    def _model(self, track: str) -> IOPModel:
        """The feasibility model of one track alone (built once)."""
        if track not in self._models:
            self._models[track] = IOPModel(build_candidates(self._track(track)))
        return self._models[track]
