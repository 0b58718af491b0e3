"""The textbook CP-SAT formulation: a straightforward first attempt, kept as a baseline.

* one boolean per client and (day, block) they can attend, one per client scheduled;
* every group is duplicated per (day, block, slot, track, type) into ``K`` explicit copies
  (``K`` = as many as the qualified therapists or the clients could fill), each with a
  ``run`` boolean, one membership boolean per eligible client, one boolean per qualified
  therapist and one per suitable room;
* every individual session is one boolean per client x slot x therapist, plus one per room;
* therapist and room clock-time conflicts as at-most-one over the sessions covering each
  start time, daily and weekly caps as sums; no room in a virtual block; the plan's weekly
  hours as a sum of block minutes;
* objective: the priority-weighted number of scheduled clients (the primary objective only).

No candidate aggregation, no symmetry breaking between copies, no hints, no cuts. Only the
filters any first attempt has (a client's windows, a therapist's skills and hours) are
applied. It reads the scenario through :mod:`optimizer.scenario` and never the product's
model.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.model.candidates import attendable
from optimizer.scenario import Scenario, requirement
from optimizer.schedule import Session, WeekSchedule
from optimizer.windows import can_work

STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.UNKNOWN: "UNKNOWN",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
}


@dataclass
class _Copy:
    day: str
    block: str
    slot_idx: int
    track: str
    session_type: str
    run_var: cp_model.IntVar
    member_vars: dict[str, cp_model.IntVar]
    lead_vars: dict[str, cp_model.IntVar]
    room_vars: dict[str, cp_model.IntVar]


@dataclass
class _Individual:
    client_id: str
    day: str
    block: str
    slot_idx: int
    session_type: str
    therapist_vars: dict[str, cp_model.IntVar]
    room_vars: dict[str, cp_model.IntVar]


@dataclass
class TextbookResult:
    """Outcome of :func:`solve_textbook` (times in seconds from the call's start)."""

    status: str
    objective: int | None
    best_bound: int | None
    build_seconds: float
    total_seconds: float
    first_seconds: float | None
    best_seconds: float | None
    variables: int
    constraints: int
    schedule: WeekSchedule = field(default_factory=WeekSchedule)


class _Recorder(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.first: float | None = None
        self.best: float | None = None
        self.best_value = -math.inf

    def on_solution_callback(self) -> None:
        now = time.perf_counter() - self.started
        if self.first is None:
            self.first = now
        if self.objective_value > self.best_value + 1e-9:
            self.best_value = self.objective_value
            self.best = now


class TextbookModel:
    """The textbook model of one week (see the module docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.model = cp_model.CpModel()
        self.scheduled_vars: dict[str, cp_model.IntVar] = {}
        self.attend_vars: dict[tuple[str, str, str], cp_model.IntVar] = {}
        self.copies: list[_Copy] = []
        self.individuals: list[_Individual] = []
        self._build()

    def _build(self) -> None:
        s = self.scenario
        m = self.model
        reqs = self.reqs = {c.client_id: requirement(s, c) for c in s.clients}
        client_of_id = {c.client_id: c for c in s.clients}
        for client in s.clients:
            cid = client.client_id
            self.scheduled_vars[cid] = m.new_bool_var(f"y[{cid}]")
            if not attendable(s, client, reqs[cid]):  # e.g. not in the program this week
                m.add(self.scheduled_vars[cid] == 0)
            for day, block in attendable(s, client, reqs[cid]):
                var = m.new_bool_var(f"x[{cid},{day},{block}]")
                self.attend_vars[(cid, day, block)] = var
                m.add_implication(var, self.scheduled_vars[cid])

        self.free = {
            (t.therapist_id, day, block, idx): can_work(t.available, t.busy, day, start, end)
            for t in s.therapists
            for day in s.open_days()
            for block, slots in s.blocks.items()
            for idx, (start, end) in enumerate(slots)
        }
        self.room_free = {
            (r.room_id, day, block, idx): can_work(r.available, (), day, start, end)
            for r in s.rooms or ()
            for day in s.open_days()
            for block, slots in s.blocks.items()
            for idx, (start, end) in enumerate(slots)
        }
        tracks = sorted({c.track for c in s.clients})
        self._present: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for cid, day, block in self.attend_vars:
            self._present[(day, block, client_of_id[cid].track)].append(cid)
        client_of = {c.client_id: c for c in s.clients}
        self.slot_terms: dict[tuple[str, str, str, int], list[cp_model.IntVar]] = defaultdict(list)
        """Per (client, day, block, slot), the variables that put the client there."""
        self.type_terms: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        """Per (client, session type), the variables of the client's sessions of it."""

        for day in s.open_days():
            for block, slots in s.blocks.items():
                for slot_idx in range(len(slots)):
                    for track in tracks:
                        for type_id, stype in s.session_types.items():
                            if not stype.is_group:
                                continue
                            self._add_copies(day, block, slot_idx, track, type_id)

        self._add_individuals()
        self._add_client_rules()
        # Rule 5: avoid pairs never in one copy.
        for copy in self.copies:
            for cid, var in copy.member_vars.items():
                for other in client_of[cid].avoid:
                    if other in copy.member_vars:
                        m.add(var + copy.member_vars[other] <= 1)
        self._add_staff_rules()
        m.maximize(sum(c.priority * self.scheduled_vars[c.client_id] for c in s.clients))

    def _add_individuals(self) -> None:
        """Individual sessions: a variable per client, slot and qualified therapist."""
        s, m = self.scenario, self.model
        reqs, free, room_free = self.reqs, self.free, self.room_free
        slot_terms, type_terms = self.slot_terms, self.type_terms
        for client in s.clients:
            cid = client.client_id
            for type_id, stype in s.session_types.items():
                if stype.is_group or not reqs[cid].max_sessions[type_id]:
                    continue
                for day, block in attendable(s, client, reqs[cid]):
                    for slot_idx in range(len(s.blocks[block])):
                        name = f"{cid},{day},{block},{slot_idx},{type_id}"
                        therapists = {
                            t.therapist_id: m.new_bool_var(f"it[{name},{t.therapist_id}]")
                            for t in s.therapists
                            if type_id in t.skills
                            and free[(t.therapist_id, day, block, slot_idx)]
                            and client.primary_therapist in (None, t.therapist_id)
                            and (
                                client.language is None
                                or client.language.lower() in t.spoken_languages
                            )
                        }
                        if not therapists:
                            continue
                        in_person = s.rooms is not None and not s.is_virtual(block)
                        rooms = {
                            r.room_id: m.new_bool_var(f"ir[{name},{r.room_id}]")
                            for r in (s.rooms or () if in_person else ())
                            if (not r.serves or type_id in r.serves)
                            and room_free[(r.room_id, day, block, slot_idx)]
                        }
                        if in_person:
                            m.add(sum(rooms.values()) == sum(therapists.values()))
                        self.individuals.append(
                            _Individual(cid, day, block, slot_idx, type_id, therapists, rooms)
                        )
                        slot_terms[(cid, day, block, slot_idx)].extend(therapists.values())
                        type_terms[(cid, type_id)].extend(therapists.values())

    def _add_client_rules(self) -> None:
        """Rules 1-3: full blocks, one block a day, the plan's days and session counts."""
        s, m = self.scenario, self.model
        reqs, slot_terms, type_terms = self.reqs, self.slot_terms, self.type_terms
        # Rule 2: exactly one session in every slot of an attended block.
        for (cid, day, block), attend in self.attend_vars.items():
            for slot_idx in range(len(s.blocks[block])):
                m.add(sum(slot_terms.get((cid, day, block, slot_idx), [])) == attend)
        # Rules 1 and 3: one block a day, days and session counts of the plan.
        per_day: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for (cid, day, _block), var in self.attend_vars.items():
            per_day[(cid, day)].append(var)
        minutes: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (cid, _day, block), var in self.attend_vars.items():
            minutes[cid].append((s.block_minutes(block), var))
        per_client: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for (cid, _day), vars_ in per_day.items():
            m.add(sum(vars_) <= 1)
            per_client[cid].extend(vars_)
        for client in s.clients:
            cid = client.client_id
            req = reqs[cid]
            y = self.scheduled_vars[cid]
            days = sum(per_client[cid])
            m.add(days >= req.min_days * y)
            m.add(days <= req.max_days * y)
            if req.min_minutes_per_week:  # rule 10: a day's minutes are its block's
                week = sum(length * var for length, var in minutes[cid])
                m.add(week >= req.min_minutes_per_week * y)
            for type_id in s.session_types:
                count = sum(type_terms.get((cid, type_id), []))
                if req.min_sessions[type_id]:
                    m.add(count >= req.min_sessions[type_id] * y)
                most = req.max_sessions[type_id]
                if most is not None:
                    m.add(count <= most * y)

    def _add_copies(
        self,
        day: str,
        block: str,
        slot_idx: int,
        track: str,
        type_id: str,
    ) -> None:
        s, m = self.scenario, self.model
        reqs, free, room_free = self.reqs, self.free, self.room_free
        slot_terms, type_terms = self.slot_terms, self.type_terms
        stype = s.session_types[type_id]
        members = [
            cid
            for cid in self._present[(day, block, track)]
            if reqs[cid].max_sessions[type_id] != 0
        ]
        therapists = [
            t.therapist_id
            for t in s.therapists
            if type_id in t.skills
            and (not t.tracks or track in t.tracks)
            and free[(t.therapist_id, day, block, slot_idx)]
        ]
        copies = min(len(therapists), len(members) // stype.min_size)
        in_person = s.rooms is not None and not s.is_virtual(block)
        for k in range(copies):
            name = f"{day},{block},{slot_idx},{track},{type_id},{k}"
            run = m.new_bool_var(f"run[{name}]")
            member_vars = {cid: m.new_bool_var(f"g[{cid},{name}]") for cid in members}
            lead_vars = {t: m.new_bool_var(f"lead[{t},{name}]") for t in therapists}
            room_vars = {
                r.room_id: m.new_bool_var(f"room[{r.room_id},{name}]")
                for r in (s.rooms or () if in_person else ())
                if (not r.serves or type_id in r.serves)
                and room_free[(r.room_id, day, block, slot_idx)]
            }
            size = sum(member_vars.values())
            for var in member_vars.values():
                m.add_implication(var, run)
            m.add(size >= stype.min_size * run)
            m.add(size <= (stype.max_size or 1) * run)
            m.add(sum(lead_vars.values()) == run)
            if in_person:
                capacity = {r.room_id: r.capacity for r in s.rooms or ()}
                m.add(sum(room_vars.values()) == run)
                m.add(size <= sum(capacity[r] * var for r, var in room_vars.items()))
            for cid, var in member_vars.items():
                slot_terms[(cid, day, block, slot_idx)].append(var)
                type_terms[(cid, type_id)].append(var)
            self.copies.append(
                _Copy(day, block, slot_idx, track, type_id, run, member_vars, lead_vars, room_vars)
            )

    def _add_staff_rules(self) -> None:
        """Rules 7-8: no therapist or room in two overlapping sessions; therapist caps."""
        s = self.scenario
        m = self.model
        therapist_events: dict[str, list[tuple[str, int, int, cp_model.IntVar]]] = defaultdict(list)
        room_events: dict[str, list[tuple[str, int, int, cp_model.IntVar]]] = defaultdict(list)
        for copy in self.copies:
            start, end = s.blocks[copy.block][copy.slot_idx]
            for t, var in copy.lead_vars.items():
                therapist_events[t].append((copy.day, start, end, var))
            for r, var in copy.room_vars.items():
                room_events[r].append((copy.day, start, end, var))
        for ind in self.individuals:
            start, end = s.blocks[ind.block][ind.slot_idx]
            for t, var in ind.therapist_vars.items():
                therapist_events[t].append((ind.day, start, end, var))
            for r, var in ind.room_vars.items():
                room_events[r].append((ind.day, start, end, var))
        for events in (therapist_events, room_events):
            for mine in events.values():
                by_day: dict[str, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
                for day, start, end, var in mine:
                    by_day[day].append((start, end, var))
                for items in by_day.values():
                    for point in sorted({start for start, _e, _v in items}):
                        covering = [v for st, en, v in items if st <= point < en]
                        if len(covering) > 1:
                            m.add_at_most_one(covering)
        for therapist in s.therapists:
            mine = therapist_events.get(therapist.therapist_id, [])
            if therapist.max_sessions_per_week is not None and mine:
                m.add(sum(var for *_, var in mine) <= therapist.max_sessions_per_week)
            if therapist.max_sessions_per_day is not None:
                for day in s.open_days():
                    vars_ = [var for d, _s, _e, var in mine if d == day]
                    if vars_:
                        m.add(sum(vars_) <= therapist.max_sessions_per_day)

    def schedule(self, solver: cp_model.CpSolver) -> WeekSchedule:
        """The schedule of the solver's solution."""
        s = self.scenario
        out = []
        for copy in self.copies:
            if not solver.value(copy.run_var):
                continue
            therapist = next(t for t, v in copy.lead_vars.items() if solver.value(v))
            room = next((r for r, v in copy.room_vars.items() if solver.value(v)), "")
            members = [cid for cid, v in copy.member_vars.items() if solver.value(v)]
            out.append(
                Session.create(
                    s,
                    copy.day,
                    copy.block,
                    copy.slot_idx,
                    copy.session_type,
                    copy.track,
                    therapist,
                    room,
                    members,
                )
            )
        for ind in self.individuals:
            for t, var in ind.therapist_vars.items():
                if solver.value(var):
                    room = next((r for r, v in ind.room_vars.items() if solver.value(v)), "")
                    out.append(
                        Session.create(
                            s,
                            ind.day,
                            ind.block,
                            ind.slot_idx,
                            ind.session_type,
                            "",
                            t,
                            room,
                            [ind.client_id],
                        )
                    )
        return WeekSchedule(tuple(session for session in out if session.clients))


def solve_textbook(
    scenario: Scenario, time_limit: float = 60.0, workers: int = 2, seed: int = 0
) -> TextbookResult:
    """Build and solve the textbook model; ``time_limit`` (seconds) covers build and search."""
    started = time.perf_counter()
    tm = TextbookModel(scenario)
    build_seconds = time.perf_counter() - started
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - build_seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    recorder = _Recorder(started)
    status = solver.solve(tm.model, recorder)
    result = TextbookResult(
        status=STATUS[status],
        objective=None,
        best_bound=None,
        build_seconds=build_seconds,
        total_seconds=time.perf_counter() - started,
        first_seconds=recorder.first,
        best_seconds=recorder.best,
        variables=len(tm.model.proto.variables),
        constraints=len(tm.model.proto.constraints),
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.objective = round(solver.objective_value)
        result.best_bound = math.floor(solver.best_objective_bound + 1e-6)
        result.schedule = tm.schedule(solver)
    return result
