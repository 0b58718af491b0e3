"""Every tuning number of the search, named, documented and loadable from a file.

The defaults are what ``docs/benchmarks.md`` measured; ``python -m benchmarks.run sweep``
varies them. A :class:`SearchParams` is frozen: a variant is ``dataclasses.replace(params,
...)`` or a TOML/JSON file (:meth:`SearchParams.from_file`) naming only what it changes.
The numbers of :func:`~optimizer.explain.explain` are its nested section
:class:`ExplainParams` (``params.explain``; an ``[explain]`` table in a file).
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Issue, OptimizerError, did_you_mean


class SearchParamsError(OptimizerError):
    """A search-parameter file (or mapping) names an unknown parameter or a bad value."""


@dataclass(frozen=True)
class ExplainParams:
    """How :func:`~optimizer.explain.explain` spends its time, and how many suggestions it
    builds. Times are seconds of wall-clock time; shares are fractions of ``explain``'s
    ``time_limit`` unless said otherwise. Its solvers are ``Role.CHECK`` solvers of
    :func:`~optimizer.search.solver.make_solver` (one worker, seed 0, at least
    ``SearchParams.min_run_seconds``, ``SearchParams.linearization_level``)."""

    core_share: float = 0.3
    """Share of the time for the first core (the client forced in, every group enforced)."""
    shrink_share: float = 0.2
    """Share of the time for shrinking the core; the rest verifies suggestions."""
    shrink_at_least: float = 0.5
    """Seconds shrinking gets even when the first core used up its share."""
    check_time: float = 3.0
    """Seconds at most for one feasibility check (and at least for one suggestion's)."""
    quick_share: float = 0.15
    """Share of the time for the first insertion check (at most ``check_time``)."""
    whole_week_clients: int = 50
    """Up to this many clients the first core is asked of the whole week, beyond it of the
    client's track alone (the other tracks' sessions reserved)."""
    retry_at_least: float = 1.0
    """Seconds that must be left to try the other core model after an undecided first."""
    shrink_check_time: float = 0.5
    """Seconds at most for one deletion check while shrinking a core (and for the quick
    look that tells how much of one relaxed group a suggestion needs)."""
    shrink_stop: float = 0.05
    """Seconds left under which shrinking stops (the core is then not proven minimal)."""
    track_share: float = 0.4
    """Share of one ``fits`` check for the smallest neighbourhood (only the client's track
    moves)."""
    days_share: float = 0.5
    """Share of what is left of a ``fits`` check for the middle neighbourhood (the track
    moves within its days and blocks); the last one (everyone moves) gets the rest."""
    fits_stop: float = 0.02
    """Seconds left under which ``fits`` tries no further neighbourhood."""
    max_suggestions: int = 8
    """Suggestions verified (each one a model build and a solve) at most."""
    verify_share: float = 0.8
    """Share of the time left that is spread over the suggestions still to verify."""
    verify_solve_share: float = 2 / 3
    """Share of one suggestion's time for solving; the rest goes to building models."""
    suggestion_stop: float = 0.2
    """Seconds left under which no further suggestion is read from a core or verified."""
    days_to_open: int = 3
    """Days lost to the client's windows for which a window change is suggested."""
    primary_blocks: int = 3
    """(day, block) pairs the primary therapist is suggested to work."""
    alternatives: int = 2
    """Alternatives of one kind suggested: plans, tracks, therapists, and (day, block)
    pairs per therapist."""
    per_core_kind: int = 2
    """Groups of one kind of a core turned into suggestions."""

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class SearchParams:
    """The search's tuning numbers. Shares are fractions (0 to 1) of a time budget."""

    # ---- workers ----------------------------------------------------------------------
    min_workers: int = 4
    """Fewest CP-SAT workers a default solve uses, even on fewer cores: with 2 workers
    CP-SAT runs one full-problem subsolver and one thread of neighbourhood searches, with 4
    it diversifies; on 2 cores 4 workers proved all five benchmark M weeks where 2 proved
    four (docs/benchmarks.md, "Solver parameters")."""
    max_workers: int = 8
    """Most CP-SAT workers a default solve uses, however many cores there are (beyond 8 the
    portfolio repeats itself)."""

    # ---- time budget ------------------------------------------------------------------
    deterministic_units_per_second: float = 0.4
    """With one worker, the search stops after this many CP-SAT deterministic time units
    per second of time limit (about 0.5 units pass per wall second on a 2-core laptop), so
    a run that ends by its limit ends at the same point of the same search on every
    machine: ``--workers 1 --seed N`` is reproducible."""
    wall_safety_factor: float = 10.0
    """With one worker, the wall clock stops a solve only after this many times its time
    limit: a safety net, since on a busy machine deterministic units pass slowly and a run
    stopped by the wall clock is no longer reproducible (summary.json then says
    ``reproducible: false``)."""
    quick_proof_variables: int = 4_000
    """A week whose model has at most this many variables (the generated weeks of 8-12
    clients have 1,000-5,000, of 20-30 clients 4,000-9,000, of 60 clients about 24,000)
    first tries phase 1 alone, without the warm start, for ``quick_proof_seconds``: the
    smallest are proven before the hand-style schedule and the track search would have
    finished. Larger weeks gain from the warm start more than the try saves (measured on
    small weeks in docs/benchmarks.md, issue 14)."""
    quick_proof_seconds: float = 0.5
    """Most seconds of that first try (at most a tenth of the time limit); a week it does
    not prove goes on as usual, this much later."""
    warm_start_share: float = 0.2
    """Share of the time limit the first schedule may take (the hand-style schedule
    bettered track by track, or last week kept) before the whole week's model starts from
    it; at most ``warm_start_max_seconds``."""
    warm_start_max_seconds: float = 10.0
    """Seconds: the cap of ``warm_start_share`` (a long time limit is for the whole model)."""
    core_share: float = 0.3
    """Share of the time left after the first schedule kept for the disjoint-core bound,
    which proves what the main search could not (``prove_with_cores``)."""
    min_core_seconds: float = 0.5
    """Seconds: with less time left, the core bound is not tried (one core check of a
    60-client week takes about that long)."""
    keep_share: float = 0.5
    """With another schedule to keep (``--previous``): share of the time limit that last
    week kept (the first schedule, :mod:`optimizer.weekly.keep`) may take, in its rounds;
    a round proven early leaves its time to the goals. Larger than ``warm_start_share``:
    a schedule that keeps the routines and serves as many as it can is most of the work
    (the goals then start from it and often prove it at once), while the goal search
    rarely brings moved clients back in the time left on a loaded machine."""
    replan_undo_checks: int = 200
    """Re-planning a week from a date: most runs of the independent checker the post-pass
    that takes back needless therapist, room and group changes may make
    (:mod:`optimizer.weekly.undo`; a count, not seconds, so one worker stays reproducible).
    A 200-client week's sick day took 17-45 runs of about 0.07 s each."""
    replan_undo_share: float = 0.05
    """Re-planning a week from a date: share of the time limit kept from the search for
    that post-pass, besides ``result_share`` (it tries no edit once its share is over, so
    the result keeps its own): 3 s of a 60 s limit, where a 200-client week's sick day took
    1.4-2.9 s on 2 loaded cores."""
    repair_conflict_share: float = 0.75
    """Re-planning from a date (``--from``), the week repaired first keeps every session the
    changes did not touch; when those cannot all stay (a cap the absence tightened), share
    of the repair round's time left that finding the clients in conflict may take (one
    worker's conflict analysis under assumptions; they are then touched too)."""
    goal_share: float = 0.5
    """With another schedule to keep (``--previous``): share of the time left that each goal
    of the goal order but the last may take (continuing clients, clients served, changes;
    each stops as soon as it is proven, leaving its time to the next)."""
    replan_equal_goal_shares: bool = True
    """Re-planning from a date (``--from``): each goal but the last may take an equal share
    of the time left among the goals still to search, instead of ``goal_share``. The re-plan
    has one goal more (session changes, fourth), and halving left it a sixteenth of the
    goals' time while the first two, unprovable on an over-subscribed week, took three
    quarters: a sick day of a 90-client odd-shape week (OB90 seed 7) changed 54-190
    sessions of continuing clients in three of four runs at 60 s; with equal shares and
    ``replan_round_share``, 15-16 in four of five (docs/model.md). A week planned with
    ``--previous`` alone keeps ``goal_share``: there equal shares cost clients served (3 of
    6 over-subscribed weeks, 1-2 points)."""
    replan_round_share: float = 1 / 3
    """Re-planning from a date, when the repaired week (:mod:`optimizer.weekly.keep`) loses
    a client: share of the keeping time left that the round after it (routines kept,
    sessions free) may take; the rest goes to the goals. That round starts from the repaired
    week and rarely serves more (OB90 seed 7: 27 s of a 60-s re-plan, nothing gained). When
    the repair found no week at all, the round is the first schedule and takes all of it."""
    complete_hint_share: float = 0.2
    """Share of phase 2's time that may go to completing its hint (extending the schedule's
    values to the secondary terms' variables, so that CP-SAT starts from that solution);
    at most ``complete_hint_max_seconds``."""
    complete_hint_max_seconds: float = 2.0
    """Seconds: the cap of ``complete_hint_share`` (a feasible completion is found at once,
    or never)."""
    diagnosis_seconds: float = 10.0
    """Seconds (at most; deterministic ones with one worker, so the clients named do not
    depend on the machine's load) to find, when a week re-planned from a date has no
    schedule at all (an input error then), the clients who must miss days and the ``away``
    dates that let the week be completed (``weekly/absences.py``); when none are found, as
    many again to name the clients of the conflicts instead."""
    secondary_stall_seconds: float = 1.0
    """Seconds: the shortest round of phase 2 (secondary terms); phase 2 stops when a whole
    round finds no better schedule (see ``secondary_stall_share``). 1 s rather than 2 s:
    on weeks of 6 and 12 clients (default workers, idle 2 cores) phase 2 ended after 2.2
    and 3.5-3.7 s instead of 4.1-6.3 and 4.4-6.5 s, with penalties within the spread of
    repeated runs (67 vs 65-67; 228-230 vs 226-231); larger weeks are unchanged, since
    their rounds are set by the share."""
    secondary_stall_share: float = 0.5
    """A round of phase 2 lasts this share of the time the solve has used so far (at least
    ``secondary_stall_seconds``; deterministic seconds on one worker): phase 2 stops once it
    has found nothing better for that long, rather than run to the time limit on a gap
    that CP-SAT cannot close (docs/model.md; figures in the commit that set them)."""
    min_run_seconds: float = 0.05
    """Seconds: a stage with less time left is not started (a track of the track-by-track
    search, a core check, phase 2), and a stage solver or the hint completion is given at
    least this long."""

    # ---- unscheduled reasons -----------------------------------------------------------
    exists_check_seconds: float = 2.5
    """Deterministic seconds: the most one check may take of whether any schedule includes
    an unscheduled client (its track alone, the client in), before its reason may blame
    capacity; undecided, the reason says so instead. Most checks end at once (a schedule
    found, or none proven by presolve)."""
    exists_budget_seconds: float = 10.0
    """Deterministic seconds for all those checks of one solve together (a week with many
    unscheduled clients), and at most ``result_share`` of the time limit; checks beyond it
    are undecided."""
    result_share: float = 0.05
    """Share of the time limit the search leaves for the result (the unscheduled clients'
    reasons and their existence checks, the terms and changes), so that a solve which
    searches to its limit still returns within it."""

    # ---- weeks too large for one model ------------------------------------------------
    build_seconds_per_variable: float = 50e-6
    """Seconds to build one model variable (benchmarks: 189 s for 3.8 M variables), to
    estimate a model's build time before building it."""
    build_share: float = 0.5
    """A model whose estimated build time exceeds this share of the time limit is not
    built: the week is solved one track at a time instead."""
    large_week_share: float = 0.9
    """Share of the time left that the track-by-track search of such a week may use (the
    rest covers building each track's model after its budget was set, and the result)."""

    # ---- CP-SAT parameters ------------------------------------------------------------
    linearization_level: int = 2
    """CP-SAT ``linearization_level`` of the whole-week search (and explanations): the
    "a joined client needs a running group, a group needs a therapist" cuts are clauses,
    and only level 2 puts them in the LP, which then sees staffing shortages."""
    parallel_presolve_iterations: int = 1
    """CP-SAT ``max_presolve_iterations`` of the whole-week search with several workers:
    on 60-client weeks the default three passes spend seconds probing, which the parallel
    search (starting from the track-by-track hint) does not need to prove. One interleaved
    worker keeps CP-SAT's full presolve (westside-iop, 60 s, seed 0: OPTIMAL 42 in 46 s with
    it, FEASIBLE 39 of bound 42 with one light pass)."""
    parallel_probing_level: int = 0
    """CP-SAT ``cp_model_probing_level`` of the whole-week search with several workers (see
    ``parallel_presolve_iterations``)."""
    stage_presolve_iterations: int = 1
    """CP-SAT ``max_presolve_iterations`` of a stage (one track, last week kept): a stage
    has a few seconds, so one light pass lets the search, which starts from the hint,
    begin at once."""
    stage_probing_level: int = 0
    """CP-SAT ``cp_model_probing_level`` of a stage: full probing of a 90-client track can
    take all of its seconds."""

    place_linearization_level: int = 0
    """CP-SAT ``linearization_level`` of a placement model (one client into a fixed week):
    its search is a few hundred conflicts, and the LP only slows it (L week of the
    benchmarks: about 45 ms a solve instead of 90 ms at level 1)."""
    place_symmetry_level: int = 0
    """CP-SAT ``symmetry_level`` of a placement model: detecting the interchangeable
    therapists of one client's individual session costs more than it saves."""
    place_solve_seconds: float = 5.0
    """Seconds (and as many deterministic units as ``deterministic_units_per_second`` gives)
    one solve of a placement model may take: it is proven in milliseconds, so this is a
    safety net for a very loaded machine."""

    # ---- over-subscribed weeks (issue 14; docs/benchmarks.md measures each) ------------
    dominance: bool = False
    """Phase 1 only: ``scheduled[a] >= scheduled[b]`` for clients ``a`` that can always take
    ``b``'s place (``model.dominance``), so the search need not enumerate which of many
    interchangeable clients to drop; removed before phase 2."""
    relaxation: bool = False
    """Before phase 1: the merged-types relaxation (``model.relax``, all group types as one),
    whose optimum bounds the week's (added as ``primary <= bound``) and whose attendance,
    imposed on the real week, is repaired into a schedule (a better hint)."""
    relaxation_below: float = 0.8
    """Run the relaxation also when ``relaxation`` is off, on an *over-subscribed* week:
    one whose first schedule (the hand-style schedule bettered track by track) serves less
    than this share of the priority of the clients who can attend at all, and that has at
    most ``relaxation_max_clients`` clients. Measured (docs/benchmarks.md, issue 14): the
    generated M weeks start at 0.89-1.00, small weeks at 0.84-1.00, the over-subscribed O40
    and O60 weeks at 0.62-0.73. 0 never runs it on its own."""
    relaxation_max_clients: int = 120
    """Largest week the over-subscribed trigger (``relaxation_below``) runs the relaxation
    on: on the 200-client over-subscribed week its model did not finish in its share of
    60 s and phase 1 lost the time (144 served against 152 without it)."""
    oversubscribed_core: bool = False
    """On an over-subscribed week (``relaxation_below``) with 2 or 3 workers, CP-SAT's
    core-based subsolver takes the full-problem thread of phase 1 and of the relaxation
    (CP-SAT runs it only from 4 workers on): on those weeks its bound falls where the LP's
    stays at the trivial one (O60 seed 0, 20 s on 2 workers: 52 against 62)."""
    relaxation_share: float = 0.5
    """Share of the time left after the first schedule for the relaxation (split between
    the one without rooms and the one with them)."""
    repair_share: float = 0.5
    """Share of the time left after a relaxation for the real week restricted to its
    attendance."""
    relaxation_rooms: bool = False
    """After the relaxation without rooms, the one with rooms (when the first did not meet
    the best schedule)."""
    relaxation_cuts: bool = False
    """Capacity cuts (``model.cuts``) in the relaxation's model."""
    capacity_cuts: bool = False
    """Capacity cuts in the whole week's model (implied constraints: every phase)."""
    lp_bound_below: float = 0.8
    """Solve the whole model's linear relaxation beside phase 1 (HiGHS, one thread;
    :mod:`optimizer.search.lpbound`) on a week whose first schedule (the hand-style schedule
    bettered track by track) serves less than this share of what the clients who can attend
    at all would give, and whose model has
    between ``lp_bound_min_variables`` and ``lp_bound_max_variables`` variables; its bound
    joins CP-SAT's. Measured (docs/benchmarks.md, issue 14): on the 200-client
    over-subscribed week CP-SAT's bound is 220 after 60 s where the LP's is 177 (19 s of
    one core). 0 never runs it; nor does a one-worker (reproducible) solve, whose reported
    bound must not depend on the clock."""
    lp_bound_early_below: float = 0.6
    """Start that LP before the track search when the hand-style schedule alone serves
    less than this share of the reachable priority (the O200 weeks: 0.35-0.53; the M and
    M-V weeks, which the track search brings to 0.89-1.00: 0.68-0.76), so that it ends
    about 10 s sooner on 200 clients; cancelled when the bettered first schedule serves
    ``lp_bound_below`` or more."""
    lp_bound_min_variables: int = 5_000
    """Smaller models get no LP bound: CP-SAT's own LP converges on them at once (the small
    weeks, 8-30 clients). Between this and 30,000 variables the LP is sometimes no
    stronger than CP-SAT's bound (O40 and O60 weeks, 6,000-14,000 variables: 44-55 against
    CP-SAT's 42-54) and sometimes far stronger (90-client over-subscribed weeks in odd block
    shapes, 11,000-23,000 variables: 59-82 in 1.5-4 s of one core where CP-SAT's bound
    after 20 s was 77-105), at a few seconds of one core."""
    lp_bound_min_clients: int = 40
    """Weeks of fewer clients get no LP bound either: CP-SAT proves them in seconds, and the
    LP's thread only slows that proof (12 small weeks of 12-29 clients and 6,000-11,500
    variables: proofs summed 18.2 s with the LP, 13.4 s without, and one later than the
    textbook model's; docs/benchmarks.md, issue 14)."""
    lp_bound_max_variables: int = 100_000
    """Larger models get no LP bound: the interior point takes 19 s on 65,000 variables
    and would not end within a default solve far beyond that."""
    lp_bound_seconds_per_variable: float = 0.0006
    """The LP bound is started only when the time left is at least this many seconds per
    model variable: HiGHS took 14-19 s on the 56,000-65,000 variables of the O200 weeks
    alone and 38 s beside a 4-worker phase 1 on 2 cores (O200 seed 0), so on a shorter time
    limit it would take a core and never end."""
    lp_support: bool = True
    """After phase 1, when that LP has ended and the schedule is not proven, search again
    near the LP's solution in the time the core bound would have had
    (:mod:`optimizer.search.lpsupport`): every (client, day, block) that neither the LP's
    solution (above ``lp_support_threshold``) nor the best schedule uses is closed, and
    phase 1 runs on what is left from the best schedule."""
    lp_support_wait_share: float = 0.5
    """When phase 1 stops unproven while that LP still runs, the search waits for it at
    most this share of the time left (the LP of the 200-client over-subscribed week of
    seed 2 ended a few seconds after phase 1), then runs in the rest; 0 never waits."""
    lp_support_threshold: float = 0.05
    """The LP value above which a (client, day, block) stays open in that search (the
    interior point's solution is not a vertex: many values are tiny but not 0)."""

    # ---- the track-by-track search ----------------------------------------------------
    rooms_per_stage: int = 24
    """A stage of a week with more rooms sees only some of them (those its tracks use, then
    the least booked): every room is a variable per group copy, and 100 rooms make a
    one-track model too large."""
    therapists_per_stage: int = 40
    """A stage of a week with more therapists sees only those of its tracks (group
    leaders, primary therapists, those in its sessions now)."""

    # ---- the hand-style schedule ------------------------------------------------------
    greedy_day_combinations: int = 6
    """Day choices the hand-style schedule tries per block for a client before giving up
    on that block (a coordinator tries a few, not all)."""
    greedy_rounds: int = 3
    """Rounds of placing the clients not yet placed, after groups below their minimum size
    were dissolved (each round frees places the next can use)."""
    greedy_repair_rounds: int = 20
    """Most rounds of dropping the clients of a broken rule (per the independent checker)
    until the hand-style schedule is valid; in practice one or none is needed."""

    # ---- explanations -----------------------------------------------------------------
    explain: ExplainParams = field(default_factory=ExplainParams)
    """The numbers of ``explain`` (a section of their own: an ``[explain]`` table)."""

    def __post_init__(self) -> None:
        _validate(self)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], where: str = "search parameters"
    ) -> SearchParams:
        """Parameters named in ``data`` (the rest at their defaults), ``explain`` as a
        nested mapping; unknown names and values of the wrong type raise
        :class:`SearchParamsError` naming them."""
        return _from_mapping(cls, data, where)

    @classmethod
    def from_file(cls, path: str | Path) -> SearchParams:
        """Parameters from a TOML (``.toml``) or JSON file of ``name = value`` pairs; the
        rest at their defaults. Raises :class:`SearchParamsError` for an unreadable file,
        an unknown name or a bad value."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SearchParamsError(
                [Issue(str(path), f"cannot be read ({exc})", "write name = value pairs")]
            ) from None
        if not isinstance(data, dict):
            raise SearchParamsError([Issue(str(path), "is not a table of name = value", "")])
        return cls.from_mapping(data, str(path))

    def changed(self) -> dict[str, Any]:
        """The parameters that differ from the defaults (for summaries and benchmarks), a
        section as a nested mapping of its own changes: what :meth:`from_mapping` reads."""
        return _changed(self)

    def default_workers(self) -> int:
        """Search workers when none are given: every core, within ``min_workers`` and
        ``max_workers``."""
        return max(self.min_workers, min(os.cpu_count() or 1, self.max_workers))

    def for_result(self, time_limit: float) -> SearchParams:
        """These numbers for the result of a solve of ``time_limit`` seconds: the reasons'
        existence checks within the ``result_share`` of it that the search left."""
        budget = min(self.exists_budget_seconds, self.result_share * time_limit)
        return dataclasses.replace(self, exists_budget_seconds=budget)


Params = ExplainParams | SearchParams


def _from_mapping(cls: type[Any], data: Mapping[str, Any], where: str) -> Any:
    """An instance of ``cls`` (a parameter class) with the values named in ``data``; a
    field holding a section takes a nested mapping."""
    default = cls()
    fields = [f.name for f in dataclasses.fields(cls)]
    issues = []
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            issues.append(
                Issue(
                    f"{where}: {name}",
                    f"unknown search parameter{did_you_mean(name, fields)}",
                    f"use one of: {', '.join(fields)}",
                )
            )
            continue
        wanted = type(getattr(default, name))
        if dataclasses.is_dataclass(wanted):
            if not isinstance(value, Mapping):
                issues.append(Issue(f"{where}: {name}", f"{value!r} is not a table", ""))
                continue
            try:
                values[name] = _from_mapping(wanted, value, f"{where}: {name}")
            except SearchParamsError as exc:
                issues.extend(exc.issues)
            continue
        if wanted is bool:
            if not isinstance(value, bool):
                issues.append(Issue(f"{where}: {name}", f"{value!r} is not true or false", ""))
                continue
            values[name] = value
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (wanted is int and not isinstance(value, int))
        ):
            issues.append(Issue(f"{where}: {name}", f"{value!r} is not {_kind(wanted)}", ""))
            continue
        values[name] = wanted(value)
    if issues:
        raise SearchParamsError(issues)
    try:
        return cls(**values)
    except SearchParamsError as exc:
        raise SearchParamsError(
            [Issue(f"{where}: {i.where}", i.problem, i.fix) for i in exc.issues]
        ) from None


def _changed(params: Params) -> dict[str, Any]:
    default = type(params)()
    out: dict[str, Any] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if value == getattr(default, f.name):
            continue
        out[f.name] = _changed(value) if isinstance(value, ExplainParams) else value
    return out


def _kind(wanted: type) -> str:
    return "a whole number" if wanted is int else "a number"


def _validate(params: Params) -> None:
    issues = [Issue(name, problem) for name, problem in _problems(params)]
    if issues:
        raise SearchParamsError(issues)


def _problems(params: Params) -> list[tuple[str, str]]:
    """Values out of range, as (name, problem); a section is validated on its own."""
    out = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, ExplainParams):
            continue
        if f.name.endswith("_share") and not 0 <= value <= 1:
            out.append((f.name, f"{value} is not a share between 0 and 1"))
        elif not f.name.endswith("_share") and value < 0:
            out.append((f.name, f"{value} is negative"))
    if isinstance(params, SearchParams):
        if params.min_workers < 1:
            out.append(("min_workers", "at least one worker is needed"))
        if params.max_workers < params.min_workers:
            out.append(("max_workers", f"is below min_workers ({params.min_workers})"))
    return out
