"""Hours and telehealth (SPEC §3 rule 10): a scheduled client's session time reaches the
plan's hours on every attended day and over the week (prorated), and only clients cleared
for telehealth attend a virtual block. (A room on a virtual session is judged where rooms
are read, :mod:`.read`.)"""

from __future__ import annotations

from collections import defaultdict

from ..scenario import Client, hours_text
from ..windows import DAY_NAMES
from .read import Attendance, Week
from .report import Findings
from .semantics import need


def check_hours(week: Week, findings: Findings, partial: bool = False) -> None:
    """Every scheduled client of the scenario against rule 10 (``partial``: the part of a
    week so far, the weekly hours not judged)."""
    for client in week.scenario.clients:
        attended = week.attendances.get(client.client_id, [])
        if attended:
            _check_telehealth(week, client, attended, findings)
            _check_minutes(week, client, attended, findings, partial)


def _check_telehealth(
    week: Week, client: Client, attended: list[Attendance], findings: Findings
) -> None:
    if client.telehealth:
        return
    virtual = {b for b in week.scenario.blocks if week.scenario.is_virtual(b)}
    days: dict[str, set[int]] = defaultdict(set)
    for a in attended:
        if a.at.block in virtual and a.at.day_idx is not None:
            days[a.at.block].add(a.at.day_idx)
    for block, day_idxs in sorted(days.items()):
        on = ", ".join(DAY_NAMES[d] for d in sorted(day_idxs))
        findings.add(
            "telehealth",
            (client.client_id,),
            f"client attends virtual block {block} ({on}) but is not cleared for telehealth "
            "(telehealth: no).",
        )


def _check_minutes(
    week: Week, client: Client, attended: list[Attendance], findings: Findings, partial: bool
) -> None:
    wanted = need(week.scenario, client)
    if not (wanted.day_minutes or wanted.week_minutes):
        return
    per_day: dict[int, int] = defaultdict(int)
    for a in attended:
        if a.at.timed:
            assert a.at.day_idx is not None and a.at.start is not None and a.at.end is not None
            per_day[a.at.day_idx] += max(0, a.at.end - a.at.start)
    cid, plan = client.client_id, client.plan
    for day_idx, minutes in sorted(per_day.items()):
        if minutes < wanted.day_minutes:
            findings.add(
                "hours-day",
                (cid,),
                f"client has {hours_text(minutes)} of sessions on {DAY_NAMES[day_idx]}, plan "
                f"{plan} asks at least {hours_text(wanted.day_minutes)} on every attended day.",
            )
    total = sum(per_day.values())
    if total < wanted.week_minutes and not partial:
        note = " after proration for a partial week" if wanted.prorated else ""
        findings.add(
            "hours-week",
            (cid,),
            f"client has {hours_text(total)} of sessions this week, plan {plan} asks at least "
            f"{hours_text(wanted.week_minutes)}{note}.",
        )
