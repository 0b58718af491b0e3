"""The secondary objective terms (SPEC §4), defined once and recomputed from schedule rows.

Every term is a penalty (lower is better) counted in plain Python from the SPEC §5 rows, so
the values written to ``summary.json`` are the schedule's own, whatever the solver claims.
The CP-SAT model (:mod:`optimizer.model.cpmodel`) builds the same terms as expressions;
``Weights`` (in the scenario, or per call) says how much each unit costs.

=========================== ==============================================================
term                        one unit is
=========================== ==============================================================
preferred_block             a client-day outside the client's ``preferred_block``
same_block                  a block a client uses beyond the first (routine)
group_sessions              a group session that runs (staff hours)
small_groups                a place short of a comfortable size (``min_size + 2``, at most
                            ``max_size``) in a running group session
group_continuity            a facilitator beyond the first that a client meets in one group
                            session type over the week
individual_by_group_leader  an individual session, of a client without ``primary_therapist``,
                            with a therapist who leads none of that client's groups
therapist_load              one percent of the busiest therapist's weekly capacity
changes                     a day on which a continuing client's block differs from last
                            week (attending then and not now, or the other way, counts too)
=========================== ==============================================================
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from .errors import Issue, ScenarioError, did_you_mean
from .scenario import Scenario, SessionType, Therapist
from .schedule import WeekSchedule
from .windows import day_index, therapist_can_take

TERM_NAMES = (
    "preferred_block",
    "same_block",
    "group_sessions",
    "small_groups",
    "group_continuity",
    "individual_by_group_leader",
    "therapist_load",
    "changes",
)
TERM_UNITS = {
    "preferred_block": "client-days outside the preferred block",
    "same_block": "extra blocks per client",
    "group_sessions": "group sessions run",
    "small_groups": "places short of a comfortable group size",
    "group_continuity": "extra group facilitators per client",
    "individual_by_group_leader": "individual sessions not with one of the client's group leaders",
    "therapist_load": "busiest therapist's load, % of capacity",
    "changes": "days changed for continuing clients since last week",
}

PreviousAttendance = Mapping[str, Mapping[str, str]]
"""Last week's attendance of continuing clients: client_id -> day name -> block."""


def comfortable_size(stype: SessionType) -> int:
    """The size below which a group counts as near-empty: ``min_size + 2``, at most max."""
    return min(stype.max_size or stype.min_size, stype.min_size + 2)


def therapist_capacity(scenario: Scenario, therapist: Therapist) -> int:
    """Sessions a therapist can take this week: slots inside their hours (open days they
    are not away), capped per day and per week. Slots of overlapping blocks count separately."""
    total = 0
    for day in scenario.open_days():
        slots = sum(
            1
            for slots_ in scenario.blocks.values()
            for start, end in slots_
            if therapist_can_take(scenario, therapist, day, start, end)
        )
        if therapist.max_sessions_per_day is not None:
            slots = min(slots, therapist.max_sessions_per_day)
        total += slots
    if therapist.max_sessions_per_week is not None:
        total = min(total, therapist.max_sessions_per_week)
    return total


def load_percent(sessions: int, capacity: int) -> int:
    """Load as whole percent of capacity, rounded up (the model's integer bound)."""
    return math.ceil(100 * sessions / capacity) if capacity else 0


def day_changes(
    previous: Mapping[str, str], now: Mapping[str, str]
) -> list[tuple[str, str | None, str | None]]:
    """Days whose block differs between two weeks, as (day, block before, block now)."""
    days = sorted(set(previous) | set(now), key=day_index)
    return [(d, previous.get(d), now.get(d)) for d in days if previous.get(d) != now.get(d)]


def secondary_terms(
    scenario: Scenario,
    schedule: WeekSchedule,
    previous: PreviousAttendance | None = None,
    capacities: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Every secondary term (see the module table) of a schedule, from its sessions.

    ``changes`` counts only when ``previous`` (last week's attendance) is given, else it is 0.
    ``capacities``: :func:`therapist_capacity` of every therapist, when the caller computes
    the terms of many schedules of one week (they are most of the time taken here).
    """
    s = scenario
    preferred = {c.client_id: c.preferred_block for c in s.clients}
    attended = schedule.attendance()
    off = sum(
        1
        for cid, days in attended.items()
        for block in days.values()
        if preferred.get(cid) not in (None, block)
    )
    extra_blocks = sum(max(0, len(set(days.values())) - 1) for days in attended.values())

    group_sessions = [x for x in schedule.sessions if s.session_types[x.session_type].is_group]
    short = sum(
        max(0, comfortable_size(s.session_types[x.session_type]) - x.size) for x in group_sessions
    )

    facilitators: dict[tuple[str, str], set[str]] = defaultdict(set)
    leaders: dict[str, set[str]] = defaultdict(set)
    individual: list[tuple[str, str]] = []
    for cid, x in schedule.assignments():
        if s.session_types[x.session_type].is_group:
            facilitators[(cid, x.session_type)].add(x.therapist_id)
            leaders[cid].add(x.therapist_id)
        else:
            individual.append((cid, x.therapist_id))
    continuity = sum(len(tids) - 1 for tids in facilitators.values())
    primary = {c.client_id: c.primary_therapist for c in s.clients}
    not_led = sum(1 for cid, tid in individual if primary[cid] is None and tid not in leaders[cid])

    count = Counter(x.therapist_id for x in schedule.sessions)
    capacity = capacities or {t.therapist_id: therapist_capacity(s, t) for t in s.therapists}
    load = max(
        (load_percent(count[t.therapist_id], capacity[t.therapist_id]) for t in s.therapists),
        default=0,
    )

    changes = 0
    if previous is not None:
        changes = sum(
            len(day_changes(days, attended.get(cid, {})))
            for cid, days in previous.items()
            if cid in preferred
        )
    return {
        "preferred_block": int(off),
        "same_block": int(extra_blocks),
        "group_sessions": len(group_sessions),
        "small_groups": int(short),
        "group_continuity": int(continuity),
        "individual_by_group_leader": int(not_led),
        "therapist_load": int(load),
        "changes": int(changes),
    }


def parse_weight_overrides(items: Iterable[str]) -> dict[str, int]:
    """``NAME=VALUE`` texts (the CLI's ``--weight``) as a weights mapping.

    Raises ScenarioError for a malformed item, an unknown term (with a did-you-mean) or a
    value that is not a non-negative integer.
    """
    out: dict[str, int] = {}
    issues: list[Issue] = []
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep:
            issues.append(Issue(f"--weight {item}", "is not NAME=VALUE", "e.g. changes=20"))
        elif name not in TERM_NAMES:
            issues.append(
                Issue(
                    f"--weight {item}",
                    f"unknown objective term '{name}'{did_you_mean(name, TERM_NAMES)}",
                    f"use one of: {', '.join(TERM_NAMES)}",
                )
            )
        elif not value.strip().isdigit():
            issues.append(Issue(f"--weight {item}", f"'{value}' is not a non-negative integer", ""))
        else:
            out[name] = int(value)
    if issues:
        raise ScenarioError(issues)
    return out
