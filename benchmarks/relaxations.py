"""Upper bounds on a week's primary objective from outside the product (issue 14).

How far is the optimum of an over-subscribed week from what the product finds? CP-SAT's own
bound on those weeks stays far above every schedule found (O60 seed 0: 50 against 42 at
30 s), so the benchmark's "demand / capacity" column spans a wide range. Three relaxations,
each valid for any schedule of the week, measured here (not used by the product: all take
minutes where the product has seconds; docs/benchmarks.md, issue 14):

* ``partition``: clients split by the set of blocks they can attend (evening only, mornings
  only, ...); each part alone, with every therapist and room and with groups of one
  allowed (in the whole week a client of another part may be what brings a group to its
  minimum), is a smaller week whose optimum (or proven bound) bounds what that part can
  get in the whole week, so the sum of the parts' bounds bounds the week.
* ``tracks``: a Dantzig-Wolfe decomposition by track. Groups never mix tracks, so with
  rooms relaxed the tracks share only therapists (who is where at each start time, daily
  and weekly caps). Each track's week is a subproblem; a master LP over the track weeks
  found so far (GLOP) prices the shared therapist time; each round solves every track's
  week against those prices (CP-SAT) and adds it as a column. For any prices ``pi`` the
  Lagrangian value ``sum over tracks of max(priority - pi * use) + pi * capacity`` bounds
  the week; the best value over the rounds is reported.
* ``slots``: the week without session types (a client's group sessions counted together),
  rooms, or which therapist leads which group, solved by an LP-based branch-and-bound (SCIP,
  bundled with OR-Tools). Per (client, day, block) attendance; per client and slot an
  individual session or a place in a group of the track; per group context its copies
  (members between the minimum and the maximum size per copy); per therapist and slot
  whether they are busy (clock conflicts, day and week caps); each slot's sessions matched
  to busy therapists by Hall's condition: for every union ``U`` of the qualified sets of the
  slot's sessions, the sessions whose set lies in ``U`` at most the busy therapists of
  ``U``. Every schedule of the week is a solution with the same primary value. The bound is
  the MIP solver's own dual bound, rounded down (not recomputed).

    python -m benchmarks.relaxations partition O60:0 --seconds 20 --tracks-seconds 150
    python -m benchmarks.relaxations tracks O60:0 --seconds 180 [--method subgradient]
    python -m benchmarks.relaxations slots O60:0 --seconds 150
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from optimizer.model import build_candidates
from optimizer.model.cpmodel import IOPModel
from optimizer.scenario import Scenario

SCALE = 1000
"""Prices are given to CP-SAT in thousandths of a priority point (rounded down, so that the
subproblem's bound stays an upper bound of the exact Lagrangian subproblem)."""

Resource = tuple[Any, ...]
"""('at', therapist, day, minute) capacity 1, ('day', therapist, day), ('week', therapist)."""


@dataclass
class Bound:
    """A relaxation's outcome on one week."""

    upper_bound: int
    seconds: float
    parts: list[dict[str, Any]] = field(default_factory=list)
    """Per part (partition) or per round (tracks): what it gave."""


def load_week(instance: str) -> Scenario:
    """``SIZE:SEED`` of :func:`benchmarks.generate.generate` (e.g. ``O60:0``), a scenario
    folder or file, or ``WHATIF.yaml:VARIANT`` (one variant of a what-if file)."""
    from optimizer import load_scenario
    from optimizer.whatif.file import load_whatif

    from .generate import generate

    path, _, variant = instance.partition(".yaml:")
    if variant:
        whatif = load_whatif(path + ".yaml")
        return whatif.resolve(next(v for v in whatif.variants if v.name == variant))
    if Path(instance).exists():
        return load_scenario(instance)
    size, _, seed = instance.partition(":")
    return Scenario.model_validate(generate(size, int(seed or 0)))


def _solve(iop: IOPModel, seconds: float, workers: int) -> tuple[cp_model.CpSolver, str]:
    """Solve ``iop``'s model; the solver and the status's name."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(iop.model)
    return solver, solver.status_name(status)


def _with_clients(scenario: Scenario, ids: set[str]) -> Scenario:
    """The week with only the clients ``ids``."""
    clients = tuple(c for c in scenario.clients if c.client_id in ids)
    return scenario.model_copy(update={"clients": clients})


def _alone(scenario: Scenario, ids: set[str]) -> Scenario:
    """The week of the clients ``ids`` alone, every group type's minimum size 1: in any
    schedule of the whole week, those clients' sessions (groups cut down to their members
    among ``ids``) are a schedule of this week, since a group they share with other clients
    may hold just one of them once the others are taken out."""
    session_types = {
        name: st.model_copy(update={"min_size": 1}) if st.is_group else st
        for name, st in scenario.session_types.items()
    }
    return _with_clients(scenario, ids).model_copy(update={"session_types": session_types})


def partition_bound(
    scenario: Scenario, seconds: float, workers: int, tracks_seconds: float = 0.0
) -> Bound:
    """Sum over the parts (clients by the blocks they can attend) of each part's bound,
    each part alone with groups of one allowed (:func:`_alone`: clients of other parts may
    fill a group's minimum in the whole week); a part left unproven gets, with
    ``tracks_seconds``, the lower of its bound and its decomposition by track's
    (subgradient prices, 3 s per track and round)."""
    start = time.perf_counter()
    candidates = build_candidates(scenario)
    parts: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for client in scenario.clients:
        attends = sorted({block for _day, block in candidates.attendable[client.client_id]})
        if attends:
            parts[tuple(attends)].add(client.client_id)
    total, rows = 0, []
    for blocks, ids in sorted(parts.items()):
        part = _alone(scenario, ids)
        iop = IOPModel(build_candidates(part))
        iop.model.maximize(iop.primary)
        solver, status = _solve(iop, seconds, workers)
        bound = math.floor(solver.best_objective_bound + 1e-6)
        if status not in ("OPTIMAL", "FEASIBLE"):  # cut short: CP-SAT's bound is unset
            bound = sum(c.priority for c in part.clients)
        row = {
            "blocks": "+".join(blocks),
            "clients": len(ids),
            "status": status,
            "objective": round(solver.objective_value),
            "bound": bound,
        }
        if status != "OPTIMAL" and tracks_seconds > 0:
            by_track = track_bound(part, tracks_seconds, workers, 3.0, method="subgradient")
            row["track_bound"] = by_track.upper_bound
            bound = min(bound, by_track.upper_bound)
        total += bound
        rows.append(row)
    return Bound(total, time.perf_counter() - start, rows)


@dataclass
class _Track:
    iop: IOPModel
    uses: list[tuple[list[Resource], cp_model.IntVar]]
    """Per therapist variable of the track's model, the shared resources it takes."""


def _tracks(scenario: Scenario) -> tuple[dict[str, _Track], dict[Resource, int]]:
    """Each track's week (rooms relaxed) and the therapist resources they share."""
    relaxed = scenario.model_copy(update={"rooms": None})
    events: dict[str, list[tuple[str, str, int, int, cp_model.IntVar]]] = {}
    models: dict[str, IOPModel] = {}
    for track in sorted({c.track for c in scenario.clients}):
        ids = {c.client_id for c in scenario.clients if c.track == track}
        iop = models[track] = IOPModel(build_candidates(_with_clients(relaxed, ids)))
        events[track] = [
            (tid, day, s, e, var)
            for tid, items in iop.therapist_events().items()
            for day, s, e, var in items
        ]
    starts: dict[tuple[str, str], set[int]] = defaultdict(set)
    for items in events.values():
        for tid, day, s, _e, _v in items:
            starts[(tid, day)].add(s)
    capacity: dict[Resource, int] = {}
    if starts:  # then some track has a model; every track's holds the same caps left
        caps = next(iter(models.values())).candidates
        for (tid, day), points in starts.items():
            capacity.update({("at", tid, day, p): 1 for p in points})
            day_cap, week_cap = caps.day_cap.get((tid, day)), caps.week_cap.get(tid)
            if day_cap is not None:
                capacity[("day", tid, day)] = day_cap
            if week_cap is not None:
                capacity[("week", tid)] = week_cap

    def taken(tid: str, day: str, s: int, e: int) -> list[Resource]:
        out: list[Resource] = [("at", tid, day, p) for p in starts[(tid, day)] if s <= p < e]
        return out + [k for k in (("day", tid, day), ("week", tid)) if k in capacity]

    tracks = {
        track: _Track(models[track], [(taken(*item[:4]), item[4]) for item in items])
        for track, items in events.items()
    }
    return tracks, capacity


def track_bound(
    scenario: Scenario,
    seconds: float,
    workers: int,
    pricing_seconds: float = 5.0,
    on_round: Callable[[dict[str, Any]], None] | None = None,
    method: str = "columns",
) -> Bound:
    """The decomposition by track (module docstring): the best Lagrangian bound within
    ``seconds``, its prices from the master LP (``method="columns"``) or by subgradient
    steps (``"subgradient"``)."""
    start = time.perf_counter()
    tracks, capacity = _tracks(scenario)
    if method == "subgradient":
        return _subgradient(tracks, capacity, scenario, seconds, workers, pricing_seconds, on_round)
    rounds = _Rounds(start, seconds, sum(c.priority for c in scenario.clients), on_round)
    columns: dict[str, list[tuple[int, Counter[Resource]]]] = {t: [(0, Counter())] for t in tracks}
    while rounds.time_left() > 0:
        master, prices, convexity = _master(columns, capacity)
        value, found = rounds.price(tracks, prices, capacity, pricing_seconds, workers)
        added = 0
        for name, column in found.items():
            reduced = column[0] - sum(prices.get(k, 0.0) * n for k, n in column[1].items())
            if reduced - convexity[name] > 1e-6:
                columns[name].append(column)
                added += 1
        rounds.record(value, master=round(master, 3), columns=added)
        if not added or master >= rounds.best:
            break
    return rounds.bound()


@dataclass
class _Rounds:
    """The rounds of a decomposition by track: time, the best Lagrangian bound, the rows."""

    start: float
    seconds: float
    best: int
    """The best bound so far (at first the total priority)."""
    on_round: Callable[[dict[str, Any]], None] | None
    rows: list[dict[str, Any]] = field(default_factory=list)

    def time_left(self) -> float:
        return self.seconds - (time.perf_counter() - self.start)

    def price(
        self,
        tracks: dict[str, _Track],
        prices: dict[Resource, float],
        capacity: dict[Resource, int],
        pricing_seconds: float,
        workers: int,
    ) -> tuple[float, dict[str, tuple[int, Counter[Resource]]]]:
        """Every track's week against ``prices``: the Lagrangian value (infinite when some
        track was cut short: no bound this round) and each track's best week found."""
        value = sum(prices.get(k, 0.0) * cap for k, cap in capacity.items())
        found = {}
        for name, track in tracks.items():
            limit = min(pricing_seconds, max(self.time_left(), 0.1))
            bound, column = _price(track, prices, limit, workers)
            value += bound
            if column is not None:
                found[name] = column
        return value, found

    def record(self, value: float, **extra: Any) -> None:
        """A round's Lagrangian value (a bound when finite) and what else it reports."""
        if math.isfinite(value):
            self.best = min(self.best, math.floor(value + 1e-6))
        row = {
            "round": len(self.rows),
            "seconds": round(time.perf_counter() - self.start, 1),
            **extra,
            "lagrangian": round(value, 3),
            "best": self.best,
        }
        self.rows.append(row)
        if self.on_round:
            self.on_round(row)

    def bound(self) -> Bound:
        return Bound(self.best, time.perf_counter() - self.start, self.rows)


def _subgradient(
    tracks: dict[str, _Track],
    capacity: dict[Resource, int],
    scenario: Scenario,
    seconds: float,
    workers: int,
    pricing_seconds: float,
    on_round: Callable[[dict[str, Any]], None] | None,
) -> Bound:
    """Prices by subgradient steps: each round, every track's week against the prices; a
    price rises where the tracks together overuse its resource and falls (not below 0)
    where they leave it free. The step starts at half a priority point per session over
    (a third of it for daily caps, a tenth for weekly ones) and shrinks by 10% a round,
    until ``seconds`` or until it is below a thousandth."""
    rounds = _Rounds(
        time.perf_counter(), seconds, sum(c.priority for c in scenario.clients), on_round
    )
    prices: dict[Resource, float] = dict.fromkeys(capacity, 0.0)
    share = {"at": 1.0, "day": 1 / 3, "week": 1 / 10}
    step = 0.5
    while rounds.time_left() > 0:
        value, found = rounds.price(tracks, prices, capacity, pricing_seconds, workers)
        used: Counter[Resource] = Counter()
        for _value, use in found.values():
            used.update(use)
        over = sum(max(0, used[k] - cap) for k, cap in capacity.items())
        for key, cap in capacity.items():
            prices[key] = max(0.0, prices[key] + step * share[key[0]] * (used[key] - cap))
        step *= 0.9
        rounds.record(value, over=over)
        if step < 1e-3:  # about 60 rounds: the prices no longer move
            break
    return rounds.bound()


def _master(
    columns: dict[str, list[tuple[int, Counter[Resource]]]], capacity: dict[Resource, int]
) -> tuple[float, dict[Resource, float], dict[str, float]]:
    """The master LP over the columns: its value, the resources' prices (duals) and each
    track's convexity dual."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    weights = {
        t: [lp.NumVar(0, 1, f"w[{t},{i}]") for i in range(len(cols))] for t, cols in columns.items()
    }
    convexity = {t: lp.Add(sum(ws) == 1) for t, ws in weights.items()}
    rows = {}
    for key, cap in capacity.items():
        terms = [
            weights[t][i] * use[key]
            for t, cols in columns.items()
            for i, (_value, use) in enumerate(cols)
            if use[key]
        ]
        if terms:
            rows[key] = lp.Add(sum(terms) <= cap)
    lp.Maximize(
        sum(
            weights[t][i] * value
            for t, cols in columns.items()
            for i, (value, _use) in enumerate(cols)
        )
    )
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("the master LP is always feasible (the empty track weeks)")
    prices = {key: row.dual_value() for key, row in rows.items()}
    return lp.Objective().Value(), prices, {t: c.dual_value() for t, c in convexity.items()}


def _price(
    track: _Track, prices: dict[Resource, float], seconds: float, workers: int
) -> tuple[float, tuple[int, Counter[Resource]] | None]:
    """The track's week against the prices: an upper bound on its best priority minus the
    price of its therapist time (infinite when the search was cut short before finding a
    week), and its best week as a column (None: none found)."""
    costs = []
    for resources, var in track.uses:
        cost = math.floor(SCALE * sum(prices.get(k, 0.0) for k in resources))
        if cost > 0:
            costs.append(cost * var)
    iop = track.iop
    iop.model.maximize(SCALE * iop.primary - sum(costs))
    solver, status = _solve(iop, seconds, workers)
    if status not in ("OPTIMAL", "FEASIBLE"):
        # cut short before any schedule: CP-SAT's objective bound is then not one
        return math.inf, None
    bound = solver.best_objective_bound / SCALE
    use: Counter[Resource] = Counter()
    for resources, var in track.uses:
        if solver.value(var):
            use.update(resources)
    return bound, (round(solver.value(iop.primary)), use)


# ---- the slots relaxation ------------------------------------------------------------


@dataclass
class _SlotWeek:
    """The slots relaxation's variables that link its parts (see the module docstring)."""

    mip: Any
    scheduled: dict[str, Any] = field(default_factory=dict)
    attend: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    individual: dict[tuple[str, str, str, int], Any] = field(default_factory=dict)
    copies: list[Any] = field(default_factory=list)
    demand: dict[tuple[str, str, int], list[tuple[frozenset[str], Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Per slot, the sessions that need a therapist: (who may take them, how many)."""


def _slot_clients(week: _SlotWeek, candidates: Any) -> None:
    """Attendance, a session in every slot of an attended block (an individual one or a place
    in a group of the track), the clients' weekly rules."""
    mip, s = week.mip, candidates.scenario
    track = {c.client_id: c.track for c in s.clients}
    for cid, pairs in candidates.attendable.items():
        if pairs:
            week.scheduled[cid] = mip.BoolVar(f"s[{cid}]")
            for day, block in pairs:
                week.attend[cid, day, block] = mip.BoolVar(f"a[{cid},{day},{block}]")
    qualified: dict[tuple[str, str, str, int], set[str]] = defaultdict(set)
    for o in candidates.individuals:
        if (o.client_id, o.day, o.block) in week.attend:
            qualified[(o.client_id, o.day, o.block, o.slot_idx)].update(o.therapists)
    for key, who in qualified.items():
        week.individual[key] = var = mip.BoolVar(f"i[{','.join(map(str, key))}]")
        mip.Add(var <= week.attend[key[:3]])
        week.demand[key[1:]].append((frozenset(who), var))
    contexts: dict[tuple[str, str, int, str], list[int]] = defaultdict(list)
    for i, g in enumerate(candidates.groups):
        contexts[(g.day, g.block, g.slot_idx, g.track)].append(i)
        week.copies.append(mip.IntVar(0, g.copies, f"k[{i}]"))
        week.demand[(g.day, g.block, g.slot_idx)].append((frozenset(g.therapists), week.copies[i]))
    places: dict[tuple[str, str, int, str], list[Any]] = defaultdict(list)
    group_count: dict[str, list[Any]] = defaultdict(list)
    for (cid, day, block), attend in week.attend.items():
        for slot in range(len(s.blocks[block])):
            alone = week.individual.get((cid, day, block, slot))
            key = (day, block, slot, track[cid])
            mine = [i for i in contexts.get(key, []) if cid in candidates.groups[i].clients]
            if not mine:
                mip.Add(attend <= (alone if alone is not None else 0))
                continue
            place = mip.BoolVar(f"g[{cid},{day},{block},{slot}]")
            mip.Add(place + (alone if alone is not None else 0) == attend)
            mip.Add(sum(week.copies[i] for i in mine) >= place)
            places[key].append(place)
            group_count[cid].append(place)
    for key, members in places.items():
        groups = [candidates.groups[i] for i in contexts[key]]
        copies = [week.copies[i] for i in contexts[key]]
        mip.Add(sum(members) <= sum(g.max_size * k for g, k in zip(groups, copies, strict=True)))
        minimum = [s.session_types[g.session_type].min_size for g in groups]
        mip.Add(sum(members) >= sum(m * k for m, k in zip(minimum, copies, strict=True)))
    _slot_client_rules(week, candidates, group_count)


def _slot_client_rules(week: _SlotWeek, candidates: Any, group_count: dict[str, list[Any]]) -> None:
    """Days (one block a day), weekly hours, group sessions and individual sessions in all."""
    mip, s = week.mip, candidates.scenario
    by_day: dict[tuple[str, str], list[Any]] = defaultdict(list)
    minutes: dict[str, list[Any]] = defaultdict(list)
    for (cid, day, block), var in week.attend.items():
        by_day[(cid, day)].append(var)
        minutes[cid].append(s.block_minutes(block) * var)
    alone: dict[str, list[Any]] = defaultdict(list)
    for key, var in week.individual.items():
        alone[key[0]].append(var)
    days: dict[str, list[Any]] = defaultdict(list)
    for (cid, _day), vars_ in by_day.items():
        mip.Add(sum(vars_) <= 1)
        days[cid].extend(vars_)
    group_types = [t for t, st in s.session_types.items() if st.is_group]
    alone_types = [t for t, st in s.session_types.items() if not st.is_group]
    for cid, on in week.scheduled.items():
        req = candidates.requirements[cid]
        mip.Add(sum(days[cid]) >= req.min_days * on)
        mip.Add(sum(days[cid]) <= req.max_days * on)
        mip.Add(sum(minutes[cid]) >= req.min_minutes_per_week * on)
        mip.Add(sum(group_count[cid]) >= sum(req.min_sessions[t] for t in group_types) * on)
        mip.Add(sum(alone[cid]) >= sum(req.min_sessions[t] for t in alone_types) * on)
        most = [req.max_sessions[t] for t in alone_types]
        if all(m is not None for m in most):
            mip.Add(sum(alone[cid]) <= sum(m for m in most if m is not None) * on)


def _slot_staff(week: _SlotWeek, candidates: Any) -> None:
    """Each slot's sessions matched to busy therapists (Hall's condition), clock conflicts,
    day and week caps."""
    mip = week.mip
    busy: dict[tuple[str, tuple[str, str, int]], Any] = {}
    for slot, sessions in week.demand.items():
        for who, _count in sessions:
            for tid in who:
                if (tid, slot) not in busy:
                    busy[(tid, slot)] = mip.BoolVar(f"b[{tid},{','.join(map(str, slot))}]")
        sets = sorted({who for who, _count in sessions}, key=sorted)
        unions = set(sets) | {frozenset().union(*sets)}
        if len(sets) <= 12:  # every union; beyond, each set and all of them (still a bound)
            for r in range(2, len(sets)):
                unions.update(frozenset().union(*c) for c in itertools.combinations(sets, r))
        for union in unions:
            needed = [count for who, count in sessions if who <= union]
            mip.Add(sum(needed) <= sum(busy[(tid, slot)] for tid in union))
    spans: dict[tuple[str, str], list[tuple[int, int, Any]]] = defaultdict(list)
    for (tid, slot), var in busy.items():
        start, end = candidates.slot_times[slot]
        spans[(tid, slot[0])].append((start, end, var))
    week_load: dict[str, list[Any]] = defaultdict(list)
    for (tid, day), items in spans.items():
        for start, _end, _var in items:
            covering = [v for s0, e0, v in items if s0 <= start < e0]
            if len(covering) > 1:
                mip.Add(sum(covering) <= 1)
        cap = candidates.day_cap.get((tid, day))
        if cap is not None:
            mip.Add(sum(v for _s, _e, v in items) <= cap)
        week_load[tid].extend(v for _s, _e, v in items)
    for tid, load in week_load.items():
        cap = candidates.week_cap.get(tid)
        if cap is not None:
            mip.Add(sum(load) <= cap)


def slot_bound(scenario: Scenario, seconds: float = 150.0, solver: str = "SCIP") -> Bound:
    """The slots relaxation (module docstring) solved by ``solver`` (a ``pywraplp`` MIP
    solver: SCIP, one thread) for at most ``seconds``: its bound rounded down, and the
    relaxation's best solution value and size as ``parts``."""
    started = time.perf_counter()
    candidates = build_candidates(scenario)
    mip = pywraplp.Solver.CreateSolver(solver)
    if mip is None:
        raise RuntimeError(f"this OR-Tools has no {solver} solver")
    week = _SlotWeek(mip)
    _slot_clients(week, candidates)
    _slot_staff(week, candidates)
    priority = {c.client_id: c.priority for c in scenario.clients}
    mip.Maximize(sum(priority[cid] * var for cid, var in week.scheduled.items()))
    mip.SetTimeLimit(max(1, int(seconds * 1000)))
    status = mip.Solve()
    solved = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    best = mip.Objective().BestBound() if solved else sum(priority[c] for c in week.scheduled)
    part = {
        "status": {pywraplp.Solver.OPTIMAL: "OPTIMAL", pywraplp.Solver.FEASIBLE: "FEASIBLE"}.get(
            status, "NO_SOLUTION"
        ),
        "relaxation_value": round(mip.Objective().Value()) if solved else None,
        "variables": mip.NumVariables(),
        "constraints": mip.NumConstraints(),
    }
    return Bound(math.floor(best + 1e-6), time.perf_counter() - started, [part])


@click.group()
def main() -> None:
    """Upper bounds on a week's primary objective (see the module docstring)."""


@main.command("partition")
@click.argument("instance")
@click.option("--seconds", default=20.0, show_default=True, help="per part")
@click.option("--workers", default=4, show_default=True)
@click.option(
    "--tracks-seconds",
    default=0.0,
    show_default=True,
    help="for each part left unproven, the decomposition by track (subgradient) this long",
)
def partition_command(instance: str, seconds: float, workers: int, tracks_seconds: float) -> None:
    """Sum of the bounds of the clients' parts (by the blocks they can attend)."""
    result = partition_bound(load_week(instance), seconds, workers, tracks_seconds)
    for row in result.parts:
        click.echo(" ".join(f"{k}={v}" for k, v in row.items()))
    click.echo(f"{instance} partition bound {result.upper_bound} in {result.seconds:.1f} s")


@main.command("tracks")
@click.argument("instance")
@click.option("--seconds", default=180.0, show_default=True)
@click.option("--pricing-seconds", default=5.0, show_default=True)
@click.option("--workers", default=4, show_default=True)
@click.option("--method", type=click.Choice(["columns", "subgradient"]), default="columns")
def tracks_command(
    instance: str, seconds: float, pricing_seconds: float, workers: int, method: str
) -> None:
    """Best Lagrangian bound of the decomposition by track."""

    def show(row: dict[str, Any]) -> None:
        click.echo(" ".join(f"{k}={v}" for k, v in row.items()))

    result = track_bound(load_week(instance), seconds, workers, pricing_seconds, show, method)
    click.echo(f"{instance} track bound {result.upper_bound} in {result.seconds:.1f} s")


@main.command("slots")
@click.argument("instance")
@click.option("--seconds", default=150.0, show_default=True)
@click.option("--solver", default="SCIP", show_default=True, help="a pywraplp MIP solver")
def slots_command(instance: str, seconds: float, solver: str) -> None:
    """The slots relaxation's bound (SCIP by default)."""
    result = slot_bound(load_week(instance), seconds, solver)
    for row in result.parts:
        click.echo(" ".join(f"{k}={v}" for k, v in row.items()))
    click.echo(f"{instance} slot bound {result.upper_bound} in {result.seconds:.1f} s")


if __name__ == "__main__":
    main()
