"""Why a client is unscheduled, in a coordinator's words (first version: static causes).

Static causes are found from the candidates alone (days, windows, staff that can never
serve the client); anything else is a capacity conflict with other clients this week.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model.candidates import Candidates, client_can_attend
from .scenario import Client, Scenario, days_in_program
from .windows import day_index


def _days_text(days: Iterable[str]) -> str:
    days = sorted(set(days), key=day_index)
    return ", ".join(days) if days else "none"


def static_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str | None:
    """A reason that holds whatever the other clients do, or None."""
    cid = client.client_id
    req = candidates.requirements[cid]
    plan = client.plan
    present = days_in_program(scenario, client)
    if not present:
        parts = []
        if client.admit_date:
            parts.append(f"admitted {client.admit_date}")
        if client.discharge_date:
            parts.append(f"discharged {client.discharge_date}")
        closed = [d.isoformat() for d in scenario.closed_dates]
        detail = "; ".join(parts) or "no open program day"
        if closed:
            detail += f"; closed {', '.join(closed)}"
        return (
            f"not in the program this week ({detail}): no open day between admission and discharge"
        )
    fitting = {
        day
        for day in present
        if any(client_can_attend(scenario, client, day, b) for b in scenario.blocks)
    }
    if len(fitting) < req.min_days:
        unfit = [d for d in present if d not in fitting]
        why = (
            "no block fits their availability, work schedule and "
            f"{scenario.rules.commute_minutes}-minute "
            f"commute on {_days_text(unfit)}"
            if unfit
            else "not enough open days this week"
        )
        extra = ""
        if len(present) < len(scenario.open_days()):
            extra = f"; in the program on {_days_text(present)} only"
        return (
            f"plan {plan} needs {req.min_days} days but the client can attend only "
            f"{len(fitting)} this week ({_days_text(fitting)}): {why}{extra}"
        )
    for type_id, least in req.min_sessions.items():
        if not least:
            continue
        if scenario.session_types[type_id].is_group:
            can = any(cid in g.clients and g.session_type == type_id for g in candidates.groups)
            if not can:
                return (
                    f"no {type_id} group for track {client.track} can run in the client's blocks "
                    "(no qualified therapist or room is available then)"
                )
        else:
            options = [
                o
                for o in candidates.individuals
                if o.client_id == cid and o.session_type == type_id
            ]
            if not options:
                who = (
                    f"primary therapist {client.primary_therapist}"
                    if client.primary_therapist
                    else "a therapist with the skill"
                    + (f" who speaks '{client.language}'" if client.language else "")
                )
                return (
                    f"needs {least} {type_id} session(s) but {who} is never available "
                    "(with a free room) in the blocks the client can attend"
                )
    same_track = sum(
        1
        for c in scenario.clients
        if c.track == client.track and candidates.attendable[c.client_id]
    )
    group_min = min(
        (st.min_size for st in scenario.session_types.values() if st.is_group), default=1
    )
    if same_track < group_min:
        return (
            f"track {client.track} has {same_track} client(s) this week, fewer than the "
            f"smallest group size {group_min}"
        )
    return None


def unscheduled_reasons(
    scenario: Scenario, candidates: Candidates, scheduled: set[str]
) -> dict[str, str]:
    """A reason for every client not in ``scheduled``."""
    reasons = {}
    for client in scenario.clients:
        if client.client_id in scheduled:
            continue
        reason = static_reason(scenario, candidates, client)
        if reason is None:
            blocks = sorted({b for _d, b in candidates.attendable[client.client_id]})
            reason = (
                f"not enough capacity this week: the {client.track} groups, therapists and rooms "
                f"in the blocks the client can attend ({', '.join(blocks)}) are taken by other "
                "clients"
            )
        reasons[client.client_id] = reason
    return reasons
