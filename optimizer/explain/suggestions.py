"""Suggestions: scenario changes that may let the client in (from the static causes, from the
core, generic ones), each *verified* by solving the changed scenario with the client forced
in and the same clients kept scheduled."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..errors import OptimizerError
from ..model.cpmodel import GroupName
from ..reasons import Cause, ids_text
from ..scenario import Client, Scenario, hours_text, requirement
from ..schedule import WeekSchedule
from ..search.params import SearchParams
from ..windows import attendable_pairs, days_in_program, format_interval
from .causes import window_why
from .cores import CoreModel
from .edits import (
    apply_changes,
    change_minutes,
    client_attends_block,
    client_change,
    new_therapist_like,
    therapist_works,
)
from .fits import fits
from .result import Change, Suggestion


def plan_alternatives(scenario: Scenario, client: Client, most_days: int | None) -> list[str]:
    """Other plans asking less of the client (fewer days, sessions or hours), closest
    first."""
    current = scenario.plans[client.plan]
    total = sum(current.sessions.values())
    # Plans the client's cohort uses (an adult is not offered the adolescent plan).
    in_track = {c.plan for c in scenario.clients if c.track == client.track} - {client.plan}
    options = []
    for plan_id, plan in scenario.plans.items():
        if plan_id == client.plan or (in_track and plan_id not in in_track):
            continue
        if most_days is not None and plan.min_days > most_days:
            continue
        lighter = (
            plan.min_days <= current.min_days
            and all(plan.sessions.get(t, 0) <= n for t, n in current.sessions.items())
            and (plan.min_hours_per_week or 0) <= (current.min_hours_per_week or 0)
            and (plan.min_hours_per_day or 0) <= (current.min_hours_per_day or 0)
        )
        if not lighter:
            continue
        options.append(
            (total - sum(plan.sessions.values()), current.min_days - plan.min_days, plan_id)
        )
    return [plan_id for *_k, plan_id in sorted(options)]


def _other_plan(client: Client, plan_id: str, rank: int) -> Suggestion:
    return Suggestion(
        f"plan {plan_id} instead of {client.plan}",
        [client_change(client, "plan", plan_id)],
        rank=rank,
    )


def _any_therapist(client: Client) -> Suggestion:
    return Suggestion(
        f"individual sessions with any qualified therapist, not only {client.primary_therapist}",
        [client_change(client, "primary_therapist", None)],
        rank=40,
    )


# ---- from the static causes ---------------------------------------------------------


def static_suggestions(
    scenario: Scenario,
    client: Client,
    causes: list[Cause],
    params: SearchParams,
) -> list[Suggestion]:
    """Changes that answer each static cause (windows, plans, therapists, sizes, tracks)."""
    out: list[Suggestion] = []
    pairs = attendable_pairs(scenario, client)
    for cause in causes:
        if cause.code in ("too-few-days", "no-block-fits"):
            out += _open_days(scenario, client, cause, pairs, params)
        elif cause.code in ("too-few-hours-a-day", "too-few-hours-a-week"):
            out += _more_hours(scenario, client, params)
        elif cause.code == "primary-unavailable":
            tid = client.primary_therapist or ""
            for day, block in pairs[: params.explain.primary_blocks]:
                out.append(
                    Suggestion(
                        f"primary therapist {tid} worked {block} on {day} "
                        f"({format_interval(scenario.block_span(block))})",
                        therapist_works(scenario, tid, day, block),
                        rank=20,
                    )
                )
            out.append(_any_therapist(client))
        elif cause.code == "no-language-therapist" or (
            cause.code == "no-qualified-staff" and cause.therapist_ids
        ):
            speaks = f" (speaks {client.language})" if cause.code == "no-language-therapist" else ""
            for tid in cause.therapist_ids[: params.explain.alternatives]:
                for day, block in pairs[: params.explain.alternatives]:
                    out.append(
                        Suggestion(
                            f"{tid}{speaks} worked {block} on {day}",
                            therapist_works(scenario, tid, day, block),
                            rank=20,
                        )
                    )
        elif cause.code == "too-few-staffed-days":
            most = len(cause.details.get("staffed_days", []))
            for plan_id in plan_alternatives(scenario, client, most)[: params.explain.alternatives]:
                out.append(_other_plan(client, plan_id, rank=30))
        elif cause.code == "cohort-too-small":
            out += _cohort(scenario, client, cause, params)
        elif cause.code == "avoid-excludes-all":
            out.append(
                Suggestion(
                    f"the client's avoid list dropped {ids_text(list(cause.client_ids))}",
                    [client_change(client, "avoid", "")]
                    + [
                        Change(
                            "clients",
                            c.client_id,
                            "avoid",
                            ";".join(c.avoid),
                            ";".join(a for a in c.avoid if a != client.client_id),
                        )
                        for c in scenario.clients
                        if client.client_id in c.avoid
                    ],
                    rank=40,
                )
            )
    return out


def _open_days(
    scenario: Scenario,
    client: Client,
    cause: Cause,
    pairs: Sequence[tuple[str, str]],
    params: SearchParams,
) -> list[Suggestion]:
    """Too few days: the client's windows opened on a lost day, the client cleared for
    telehealth when only virtual blocks fit, or a lighter plan."""
    out = []
    virtual_only = [x["day"] for x in cause.details.get("lost", []) if x["kind"] == "telehealth"]
    if virtual_only:
        out.append(
            Suggestion(
                f"the client was cleared for telehealth (virtual blocks fit on "
                f"{', '.join(virtual_only)})",
                [client_change(client, "telehealth", True)],
                rank=5,
            )
        )
    lost = [x for x in cause.details.get("lost", []) if x["kind"] == "windows"]
    for item in lost[: params.explain.days_to_open]:
        day = item["day"]
        options = [
            (change_minutes(changes), block, changes)
            for block in scenario.blocks
            if (changes := client_attends_block(scenario, client, day, block))
        ]
        if not options:
            continue
        _cost, block, changes = min(options, key=lambda o: o[0])
        out.append(
            Suggestion(
                f"the client could attend {block} on {day} "
                f"({format_interval(scenario.block_span(block))}; now "
                f"{item['why'].split(': ', 1)[-1]})",
                changes,
                rank=10,
            )
        )
    fitting = len(set(d for d, _b in pairs))
    for plan_id in plan_alternatives(scenario, client, fitting)[: params.explain.alternatives]:
        out.append(_other_plan(client, plan_id, rank=30))
    return out


def _more_hours(scenario: Scenario, client: Client, params: SearchParams) -> list[Suggestion]:
    """The plan's hours out of reach: the client's windows opened for a block long enough
    for the day, on a day the client cannot come to one now (cheapest first), or a plan
    asking fewer hours."""
    req = requirement(scenario, client)
    long_enough = [
        b for b in scenario.blocks if scenario.block_minutes(b) >= req.min_minutes_per_day
    ]
    now = {d for d, b in attendable_pairs(scenario, client) if b in long_enough}
    options = []
    for day in days_in_program(scenario, client):
        if day in now:
            continue
        found = [
            (change_minutes(changes), block, changes)
            for block in long_enough
            if (changes := client_attends_block(scenario, client, day, block))
        ]
        if found:
            options.append((day, *min(found, key=lambda o: o[0])))
    options.sort(key=lambda o: o[1])
    out = [
        Suggestion(
            f"the client could attend {block} on {day} "
            f"({format_interval(scenario.block_span(block))}, "
            f"{hours_text(scenario.block_minutes(block))} of sessions)",
            changes,
            rank=10,
        )
        for day, _cost, block, changes in options[: params.explain.days_to_open]
    ]
    for plan_id in plan_alternatives(scenario, client, None)[: params.explain.alternatives]:
        out.append(_other_plan(client, plan_id, rank=30))
    return out


def _cohort(
    scenario: Scenario, client: Client, cause: Cause, params: SearchParams
) -> list[Suggestion]:
    """A cohort too small for a group: smaller groups, or another track."""
    out = []
    type_id = cause.session_types[0]
    stype = scenario.session_types[type_id]
    size = cause.details.get("cohort_size", 1)
    if size >= 1 and size < stype.min_size:
        out.append(
            Suggestion(
                f"{type_id} groups could run with {size} client(s) "
                f"(min_size {stype.min_size} -> {size})",
                [Change("session_types", type_id, "min_size", stype.min_size, size)],
                rank=50,
            )
        )
    tracks = sorted({c.track for c in scenario.clients} - {client.track})
    for track in tracks[: params.explain.alternatives]:
        out.append(
            Suggestion(
                f"the client joined track {track} instead of {client.track}",
                [client_change(client, "track", track)],
                rank=45,
            )
        )
    return out


# ---- from the core ------------------------------------------------------------------


def core_suggestions(
    scenario: Scenario,
    client: Client,
    cm: CoreModel,
    core: list[GroupName],
    deadline: float,
    params: SearchParams,
) -> list[Suggestion]:
    """Relax each core group alone (all others enforced) in the named model; where the
    client then fits, read how much was needed and turn it into a scenario change."""
    out: list[Suggestion] = []
    per_kind: dict[str, int] = defaultdict(int)
    for name in core:
        kind = name[0]
        if kind in ("keep", "stay") or per_kind[kind] >= params.explain.per_core_kind:
            continue
        per_kind[kind] += 1
        remaining = deadline - time.perf_counter()
        if remaining <= params.explain.suggestion_stop:
            break
        # A quick look with only this group relaxed tells how much of it the client needs.
        enforced = [n for n in cm.names if n != name]
        status, _core, solver = cm.check(enforced, min(params.explain.shrink_check_time, remaining))
        read = _FROM_CORE.get(kind)
        suggestion = (
            read(
                _Relaxed(scenario, client, cm, name, solver if status == "fits" else None),
                per_kind[kind],
            )
            if read
            else None
        )
        if suggestion is not None:
            out.append(suggestion)
    return out


@dataclass(frozen=True)
class _Relaxed:
    """One core group relaxed alone; ``solver`` holds a solution when the client fitted."""

    scenario: Scenario
    client: Client
    cm: CoreModel
    name: GroupName
    solver: cp_model.CpSolver | None


def _week_cap(r: _Relaxed, nth: int) -> Suggestion:
    tid = r.name[1]
    therapist = next(t for t in r.scenario.therapists if t.therapist_id == tid)
    cap = therapist.max_sessions_per_week or 0
    req = r.cm.candidates.requirements[r.client.client_id]
    used = cap + sum(req.min_sessions.values())
    if r.solver is not None:
        solver = r.solver
        used = sum(
            solver.value(var)
            for gv in r.cm.iop.groups
            for t, var in gv.lead_vars.items()
            if t == tid
        ) + sum(
            solver.value(var)
            for iv in r.cm.iop.individuals
            for t, var in iv.therapist_vars.items()
            if t == tid
        )
    new = max(used, cap + 1)
    return Suggestion(
        f"{tid}'s weekly limit were {new} instead of {cap}",
        [Change("therapists", tid, "max_sessions_per_week", cap, new)],
        rank=25,
    )


def _day_cap(r: _Relaxed, nth: int) -> Suggestion:
    tid, day = r.name[1], r.name[2]
    therapist = next(t for t in r.scenario.therapists if t.therapist_id == tid)
    cap = therapist.max_sessions_per_day or 0
    return Suggestion(
        f"{tid}'s daily limit were {cap + 1} instead of {cap} (needed on {day})",
        [Change("therapists", tid, "max_sessions_per_day", cap, cap + 1)],
        rank=25,
    )


def _hours(r: _Relaxed, nth: int) -> Suggestion:
    tid, day, block = r.name[1], r.name[2], r.name[3]
    return Suggestion(
        f"{tid} worked {block} on {day} ({format_interval(r.scenario.block_span(block))})",
        therapist_works(r.scenario, tid, day, block),
        rank=15 if nth == 1 else 32,
    )


def _another_therapist(r: _Relaxed, nth: int) -> Suggestion:
    tid, day, block = r.name[1], r.name[2], r.name[3]
    return Suggestion(
        f"another therapist with {tid}'s skills worked {block} on {day}",
        [new_therapist_like(r.scenario, tid, day, block)],
        rank=35,
    )


def _larger_groups(r: _Relaxed, nth: int) -> Suggestion | None:
    track, day, block = r.name[1], r.name[2], r.name[3]
    bigger: dict[str, int] = {}
    for gv in r.cm.iop.groups:
        ctx = gv.context
        if (ctx.track, ctx.day, ctx.block) != (track, day, block):
            continue
        for size_var in gv.size_vars:
            size = r.solver.value(size_var) if r.solver is not None else ctx.max_size + 1
            if size > ctx.max_size:
                bigger[ctx.session_type] = max(bigger.get(ctx.session_type, 0), size)
    changes = [
        Change(
            "session_types", type_id, "max_size", r.scenario.session_types[type_id].max_size, size
        )
        for type_id, size in sorted(bigger.items())
    ]
    if not changes:
        return None
    what = ", ".join(f"{c.row_id} {c.old} -> {c.new}" for c in changes)
    return Suggestion(
        f"groups could be one client larger ({what}; needed in {block} {track} on {day})",
        changes,
        rank=50,
    )


def _client_window(r: _Relaxed, nth: int) -> Suggestion | None:
    day, block = r.name[2], r.name[3]
    changes = client_attends_block(r.scenario, r.client, day, block)
    if not changes:
        return None
    return Suggestion(
        f"the client could attend {block} on {day} "
        f"(now {window_why(r.scenario, r.client, day, block)})",
        changes,
        rank=10,
    )


def _another_room(r: _Relaxed, nth: int) -> Suggestion:
    kind = r.name[0]
    day, block = (r.name[2], r.name[3]) if kind == "room-time" else (r.name[1], r.name[2])
    biggest = max((room.capacity for room in r.scenario.rooms or ()), default=1)
    start, end = r.scenario.block_span(block)
    row = {
        "room_id": "NEW-ROOM",
        "capacity": biggest,
        "available": f"{day} {format_interval((start, end))}",
    }
    return Suggestion(
        f"another room (capacity {biggest}) were free in {block} on {day}",
        [Change("rooms", "NEW-ROOM", "*", None, row)],
        rank=35,
    )


_FROM_CORE: dict[str, Callable[[_Relaxed, int], Suggestion | None]] = {
    "therapist-week": _week_cap,
    "therapist-day": _day_cap,
    "therapist-hours": _hours,
    "therapist-time": _another_therapist,
    "group-size": _larger_groups,
    "client-window": _client_window,
    "room-time": _another_room,
    "room-capacity": _another_room,
}
"""Per kind of core group, the change that relaxes it (``nth``: the how-many-th of its kind)."""


# ---- generic, and verification --------------------------------------------------------


def generic_suggestions(
    scenario: Scenario, client: Client, params: SearchParams
) -> list[Suggestion]:
    """Lighter plans, and individual sessions with any qualified therapist."""
    out = [
        _other_plan(client, plan_id, rank=12)  # quick to verify (one client) and often enough
        for plan_id in plan_alternatives(scenario, client, None)[: params.explain.alternatives]
    ]
    if client.primary_therapist:
        out.append(_any_therapist(client))
    return out


def verify(
    scenario: Scenario,
    client_id: str,
    suggestions: list[Suggestion],
    keep: Sequence[str],
    schedule: WeekSchedule | None,
    deadline: float,
    params: SearchParams,
) -> None:
    """Re-solve each suggestion's changed scenario (smallest changes first) until the
    deadline; the time left is shared among the suggestions still to try."""
    seen: set[str] = set()
    pending = []
    for sug in sorted(suggestions, key=lambda s: s.rank):
        key = json.dumps([c.to_dict() for c in sug.changes], sort_keys=True, default=str)
        if sug.changes and key not in seen:
            seen.add(key)
            pending.append(sug)
    pending = pending[: params.explain.max_suggestions]
    for idx, sug in enumerate(pending):
        remaining = deadline - time.perf_counter()
        if remaining <= params.explain.suggestion_stop:
            break
        share = max(
            params.explain.check_time,
            params.explain.verify_share * remaining / (len(pending) - idx),
        )
        started = time.perf_counter()
        try:
            changed = apply_changes(scenario, sug.changes)
        except OptimizerError as error:
            sug.status = f"invalid change: {error.issues[0]}"
            continue
        # Part of the share goes to building models: solving gets the rest.
        solving = min(share, remaining) * params.explain.verify_solve_share
        sug.status = fits(changed, client_id, keep, schedule, solving, params)
        sug.verified = sug.status == "fits"
        sug.seconds = time.perf_counter() - started


def ordered(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Verified first, then by size of the change (rank), then as generated."""
    return sorted(suggestions, key=lambda s: (not s.verified, s.status == "not tried", s.rank))
