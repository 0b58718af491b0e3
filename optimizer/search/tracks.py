"""A better first schedule by decomposition: one track at a time, the others held fixed.

Tracks never share a group, so a week splits into one small problem per track that only
compete for therapists and rooms. Starting from the hand-style schedule, each track that
leaves someone out is solved again alone with every other track's sessions reserved (about
a second for 15 clients); the union stays a valid schedule of the whole week. It seeds the
whole model's search (a solution hint), which then proves or improves it; weeks too large
for one model are searched this way alone.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from ..scenario import Scenario
from .candidates import Candidates, Reservations, build_candidates
from .cpmodel import IOPModel
from .extract import extract_schedule
from .hints import add_schedule_hint

log = logging.getLogger(__name__)

ROOMS_PER_STAGE = 24
"""A stage of a week with more rooms than this sees only some of them (``_stage_rooms``):
every room is a variable per group copy, and 100 rooms make a one-track model too large."""

THERAPISTS_PER_STAGE = 40
"""A stage of a week with more therapists than this sees only those of its tracks
(``_stage_therapists``)."""

Runner = Callable[[cp_model.CpSolver, cp_model.CpModel], int]
"""Solves a model with a solver and returns the CP-SAT status."""


def solve_once(solver: cp_model.CpSolver, model: cp_model.CpModel) -> int:
    return int(solver.solve(model))


def stage_solver(
    workers: int, seed: int, budget: float, deterministic_share: float | None = None
) -> cp_model.CpSolver:
    """The solver of one stage of a decomposition, limited to ``budget`` seconds (and to
    ``deterministic_share`` units per second, for reproducible runs on one worker)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    # A stage is small: more threads than cores would only take turns on them.
    params.num_workers = max(1, min(workers, os.cpu_count() or 1))
    params.random_seed = seed
    params.catch_sigint_signal = False
    params.max_time_in_seconds = max(0.05, budget)
    params.interleave_search = workers == 1  # LNS on one worker, and reproducible
    # A stage has a few seconds: one light presolve pass, so that the search (which starts
    # from the hint) begins at once; full probing of a 90-client track can take them all.
    params.max_presolve_iterations = 1
    params.cp_model_probing_level = 0
    if deterministic_share is not None:
        params.max_deterministic_time = max(0.01, deterministic_share * budget)
    return solver


def improve_by_track(
    scenario: Scenario,
    assignments: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    run: Runner | None = None,
    deterministic_share: float | None = None,
    candidates: Candidates | None = None,
    pairs: bool = False,
    stopped: Callable[[], bool] = lambda: False,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Better a valid schedule one track at a time, everything else held where it is.

    A large-neighbourhood search whose neighbourhoods are tracks: each track that leaves
    someone out is solved again alone (its current schedule as the hint), with every other
    track's sessions reserved; the result replaces the track's rows only when it serves
    more. Rounds repeat while they improve and time is left; with ``pairs``, when no single
    track gains, each short track is solved together with a track it shares therapists with
    (slower: a pair is a larger model). Each subproblem is the size of
    one track, so weeks too large for one model (1,000 clients) are searched piece by piece.
    ``run`` solves one stage (default ``solver.solve``); the CLI passes one that a signal
    can stop. With one worker and a ``deterministic_share`` (deterministic units per
    second), time is counted in deterministic units instead of wall-clock seconds, so every
    run splits the budget alike and stops each stage at the same point: the same schedule
    each time. ``candidates`` of the whole week saves building them again. ``stopped`` is
    asked before each stage (the CLI's Ctrl-C): when true, the schedule so far is returned.
    """
    started = time.perf_counter()
    deterministic = deterministic_share is not None and workers == 1
    spent = 0.0
    priority = {c.client_id: c.priority for c in scenario.clients}
    track_of = {c.client_id: c.track for c in scenario.clients}
    candidates = candidates or build_candidates(scenario)
    reachable: dict[str, int] = defaultdict(int)
    for c in scenario.clients:
        if candidates.attendable[c.client_id]:
            reachable[c.track] += c.priority
    rows_a = list(assignments)
    rows_s = list(sessions)

    def rows_of(
        tracks: tuple[str, ...],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        mine_a = [r for r in rows_a if track_of[r["client_id"]] in tracks]
        ids = {r["session_id"] for r in mine_a}
        mine_s = [r for r in rows_s if r["session_id"] in ids]
        others = [r for r in rows_s if r["session_id"] not in ids]
        return mine_a, mine_s, others

    def served(rows: list[dict[str, Any]]) -> int:
        return sum(priority[cid] for cid in {r["client_id"] for r in rows})

    def better(tracks: tuple[str, ...], budget: float) -> bool:
        """Solve these tracks again, the rest reserved; keep the result if it serves more."""
        nonlocal rows_a, rows_s, spent
        mine_a, mine_s, others = rows_of(tracks)
        reserved = Reservations()
        reserved.add_sessions(others)
        update: dict[str, Any] = {
            "clients": tuple(c for c in scenario.clients if c.track in tracks)
        }
        if scenario.rooms is not None and len(scenario.rooms) > ROOMS_PER_STAGE:
            update["rooms"] = _stage_rooms(scenario, mine_s, others)
        if len(scenario.therapists) > THERAPISTS_PER_STAGE:
            update["therapists"] = _stage_therapists(scenario, tracks, update["clients"], mine_s)
        iop = IOPModel(build_candidates(scenario.model_copy(update=update), reserved))
        add_schedule_hint(iop, mine_a, mine_s)
        iop.model.maximize(iop.primary)
        share = deterministic_share if deterministic else None
        solver = stage_solver(workers, seed, budget, share)
        status = (run or solve_once)(solver, iop.model)
        if share is not None and not stopped():
            spent += solver.deterministic_time / share
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            log.debug("track search: %s found no schedule in %.1fs", "+".join(tracks), budget)
            return False
        log.debug(
            "track search: %s %s, %d of %d (bound %d)",
            "+".join(tracks),
            cp_model.CpSolverStatus(status).name,
            round(solver.objective_value),
            served(mine_a),
            round(solver.best_objective_bound),
        )
        if round(solver.objective_value) <= served(mine_a):
            return False
        new_a, new_s = extract_schedule(iop, solver)
        ids = {r["session_id"] for r in mine_s}
        rows_s = [r for r in rows_s if r["session_id"] not in ids] + new_s
        rows_a = [r for r in rows_a if r["session_id"] not in ids] + new_a
        log.info(
            "track search: %s serve %d more (%d of %d)",
            "+".join(tracks),
            served(new_a) - served(mine_a),
            served(new_a),
            sum(reachable[t] for t in tracks),
        )
        return True

    # Single tracks while that helps; then each short track with a track it shares
    # therapists with (one can give way to the other); back to singles after a gain.
    partners = _partners(scenario) if pairs else {}
    in_pairs = False
    while True:
        short = {t: reachable[t] - served(rows_of((t,))[0]) for t in sorted(reachable)}
        todo = sorted((t for t, gap in short.items() if gap > 0), key=lambda t: (-short[t], t))
        hoods: list[tuple[str, ...]] = [(t,) for t in todo]
        if in_pairs:
            hoods = [(t, u) for t in todo for u in partners.get(t, ())]
        improved = False
        for position, hood in enumerate(hoods):
            remaining = time_limit - (spent if deterministic else time.perf_counter() - started)
            if remaining <= 0.05 or stopped():
                return rows_a, rows_s
            improved |= better(hood, remaining / (len(hoods) - position))
        if improved:
            in_pairs = False
        elif in_pairs or not hoods or not pairs:
            return rows_a, rows_s
        else:
            in_pairs = True


def _stage_rooms(
    scenario: Scenario, mine: list[dict[str, Any]], others: list[dict[str, Any]]
) -> tuple[Any, ...]:
    """The rooms one stage may use when the week has many: those its tracks use now, then
    the least booked others, up to ``ROOMS_PER_STAGE`` (a neighbourhood, not a rule: every
    schedule found is valid, and a room left out may be used in a later stage)."""
    used = {r["room_id"] for r in mine if r.get("room_id")}
    booked: dict[str, int] = defaultdict(int)
    for row in others:
        if row.get("room_id"):
            booked[row["room_id"]] += 1
    rooms = scenario.rooms or ()
    spare = sorted(
        (r for r in rooms if r.room_id not in used),
        key=lambda r: (booked[r.room_id], -r.capacity, r.room_id),
    )
    keep = used | {r.room_id for r in spare[: max(0, ROOMS_PER_STAGE - len(used))]}
    return tuple(r for r in rooms if r.room_id in keep)


def _stage_therapists(
    scenario: Scenario,
    tracks: tuple[str, ...],
    clients: tuple[Any, ...],
    mine: list[dict[str, Any]],
) -> tuple[Any, ...]:
    """The therapists one stage may use when the week has many: those who may lead its
    tracks' groups, its clients' primary therapists and those in its sessions now. Anyone
    may hold an individual session, so without this a one-track stage of a 1,000-client
    week has a variable per client, slot and every therapist of every site."""
    keep = {row["therapist_id"] for row in mine}
    keep |= {c.primary_therapist for c in clients if c.primary_therapist}
    keep |= {
        t.therapist_id
        for t in scenario.therapists
        if not t.tracks or any(track in t.tracks for track in tracks)
    }
    return tuple(t for t in scenario.therapists if t.therapist_id in keep)


def _partners(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Per track, the other tracks whose groups some therapist can lead too, most shared
    therapists first (the tracks that compete with it)."""
    tracks = sorted({c.track for c in scenario.clients})
    can_lead = {
        t.therapist_id: {tr for tr in tracks if not t.tracks or tr in t.tracks}
        for t in scenario.therapists
    }
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for led in can_lead.values():
        for a in led:
            for b in led:
                if a != b:
                    shared[(a, b)] += 1
    return {
        a: tuple(sorted((b for b in tracks if shared[(a, b)]), key=lambda b: (-shared[(a, b)], b)))
        for a in tracks
    }
