"""Who must move so that one more client fits: the fewest other clients of their track.

Used when no option leaves everyone in place. The client's track is solved again (the week's
own model, :class:`~optimizer.model.cpmodel.IOPModel`, over the client and every scheduled
client of the track; every other track's sessions reserved, as in the track-by-track
search), everyone in it scheduled, and a *keep* literal per scheduled client that holds
them to their days, blocks, group sessions (type, slot and leader) and individual sessions;
the model keeps as many as it can. The clients it lets go are the ones to move; the caller
then places them and the client into the week with everyone else fixed exactly (the
placement model), which also settles rooms, which the keep literals do not fix.

Tracks never share a group, so moving clients of other tracks frees only therapist or room
time; that neighbourhood is not searched (the answer then says so).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from ortools.sat.python import cp_model

from ..model.candidates import Reservations, build_candidates
from ..model.cpmodel import GroupVars, IOPModel
from ..model.hints import hint_schedule
from ..result import has_solution, solve_status
from ..scenario import Scenario
from ..schedule import Session, WeekSchedule
from ..search.params import SearchParams
from ..search.solver import Role, make_solver
from .seats import group_track, sub_week

log = logging.getLogger(__name__)


class ReleaseModel:
    """The client's track with a keep literal per scheduled client of it (see the module
    docstring). ``track_clients`` are those clients; ``last_status`` the status of the last
    solve of :meth:`releases`."""

    def __init__(self, scenario: Scenario, fixed: WeekSchedule, client_id: str) -> None:
        track_of = {c.client_id: c.track for c in scenario.clients}
        track = track_of[client_id]
        self.track = track
        self.track_clients = sorted(cid for cid in fixed.client_ids() if track_of.get(cid) == track)
        local = set(self.track_clients)
        mine = {s.session_id for s in fixed.sessions if local & set(s.clients)}
        reserved = Reservations()
        reserved.reserve(s for s in fixed.sessions if s.session_id not in mine)
        sub = sub_week(scenario, [client_id, *self.track_clients])
        self.iop = IOPModel(build_candidates(sub, reserved))
        m = self.iop.model
        for var in self.iop.scheduled_vars.values():
            m.add(var == 1)
        hint_schedule(self.iop, fixed.select(mine))
        self.keep_vars = {cid: m.new_bool_var(f"keep[{cid}]") for cid in self.track_clients}
        sessions_of: dict[str, list[Session]] = {cid: [] for cid in self.track_clients}
        for cid, session in fixed.assignments():
            if cid in sessions_of:
                sessions_of[cid].append(session)
        contexts = {
            (gv.context.day, gv.context.block, gv.context.slot_idx, gv.context.session_type): gv
            for gv in self.iop.groups
            if gv.context.track == track
        }
        for cid, sessions in sessions_of.items():
            self._add_keep(scenario, cid, sessions, contexts)
        m.maximize(sum(self.keep_vars.values()))
        self.last_status = "UNKNOWN"

    def _add_keep(
        self,
        scenario: Scenario,
        cid: str,
        sessions: Sequence[Session],
        contexts: dict[tuple[str, str, int, str], GroupVars],
    ) -> None:
        """``keep[cid]`` holds the client to their days and blocks and to each of their
        sessions (a group context with its leader, or an individual session's therapist);
        it is false when the model cannot express one of them."""
        m = self.iop.model
        keep = self.keep_vars[cid]
        attend = {
            (day, block): var for (c, day, block), var in self.iop.attend_vars.items() if c == cid
        }
        current = {(s.day, s.block) for s in sessions}
        needed: list[cp_model.IntVar | None] = []
        for session in sessions:
            stype = scenario.session_types.get(session.session_type)
            if stype is None or not stype.is_group:
                needed.append(self._individual_var(cid, session))
                continue
            where = (session.day, session.block, session.slot_idx, session.session_type)
            gv = contexts.get(where) if group_track(scenario, session) == self.track else None
            if gv is None:
                needed.append(None)
            else:
                needed += [gv.join_vars.get(cid), gv.lead_vars.get(session.therapist_id)]
        if not current <= attend.keys() or any(var is None for var in needed):
            m.add(keep == 0)  # their week is not one the model can hold (e.g. a hand edit)
            return
        for key, attend_var in attend.items():
            m.add(attend_var == int(key in current)).only_enforce_if(keep)
        for var in needed:
            if var is not None:
                m.add_implication(keep, var)

    def _individual_var(self, cid: str, session: Session) -> cp_model.IntVar | None:
        for iv in self.iop.individuals:
            o = iv.option
            if (o.client_id, o.day, o.block, o.slot_idx, o.session_type) == (
                cid, session.day, session.block, session.slot_idx, session.session_type,
            ):  # fmt: skip
                return iv.therapist_vars.get(session.therapist_id)
        return None

    def next_release(
        self, params: SearchParams, deadline: float, seed: int = 0
    ) -> frozenset[str] | None:
        """The fewest clients to let go that :meth:`rule_out` has not ruled out (None when
        there is no such set, ``last_status`` INFEASIBLE, or none was found before
        ``deadline``, a ``time.perf_counter()`` value)."""
        m = self.iop.model
        left = deadline - time.perf_counter()
        if left <= params.min_run_seconds:
            return None
        solver = make_solver(params, left, 1, seed, role=Role.STAGE, deterministic=True)
        status = int(solver.solve(m))
        self.last_status = solve_status(status, m).value
        if not has_solution(status):
            return None
        released = frozenset(c for c, var in self.keep_vars.items() if not solver.value(var))
        log.debug("to move: %d of %d (%s)", len(released), len(self.keep_vars), status)
        return released or None  # none: the track holds everyone, only the rooms stand in the way

    def rule_out(self, released: frozenset[str], with_supersets: bool) -> None:
        """Never let go exactly ``released`` again; ``with_supersets``: nor any set holding
        it (after an option that moves them, moving more is no better)."""
        if not released <= self.keep_vars.keys():
            return  # clients of other tracks: never a set this model lets go
        literals: list[cp_model.LiteralT] = [self.keep_vars[c] for c in sorted(released)]
        if not with_supersets:
            literals += [var.Not() for c, var in self.keep_vars.items() if c not in released]
        self.iop.model.add_bool_or(literals)
