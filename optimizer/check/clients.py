"""Clients (SPEC §3 rules 1 to 4 and 9): days, full blocks, session counts, whether the
client can attend, double bookings; and that every client is scheduled or listed."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from ..scenario import Client
from ..windows import DAY_NAMES
from .read import Attendance, Week, overlapping_pairs
from .report import Findings, plural
from .semantics import away_on, busy_conflict, need, span, within


def check_clients(week: Week, findings: Findings, partial: bool = False) -> None:
    """Each client of the scenario: scheduled (and then every client rule) or unscheduled.
    ``partial``: the schedule is the part of a week so far (weekly minimums not judged)."""
    for client in week.scenario.clients:
        cid = client.client_id
        attended = week.attendances.get(cid, [])
        if not attended:
            if cid not in week.unscheduled and not partial:
                findings.add(
                    "client-missing",
                    (cid,),
                    "client has no session and is not listed in unscheduled.csv.",
                )
            continue
        if cid in week.unscheduled:
            findings.add(
                "unscheduled-partial",
                (cid,),
                f"client is listed as unscheduled ({week.unscheduled[cid]}) but has "
                f"{plural(len(attended), 'session')}.",
            )
        _check_plan(week, client, attended, findings, partial)
        _check_blocks(week, client, attended, findings)
        _check_overlaps(cid, attended, findings)


def _check_plan(
    week: Week, client: Client, attended: list[Attendance], findings: Findings, partial: bool
) -> None:
    """Rules 1 and 3: days per week and sessions per type, prorated for a partial week
    (only the maximums when the schedule is ``partial``: the week is not over)."""
    cid = client.client_id
    wanted_need = need(week.scenario, client)
    days = sorted({a.at.day_idx for a in attended if a.at.day_idx is not None})
    least_days = 0 if partial else wanted_need.min_days
    if not least_days <= len(days) <= wanted_need.max_days:
        if wanted_need.max_days == 0:
            wanted = "none (the client is not in the program on any open day this week)"
        elif wanted_need.min_days == wanted_need.max_days:
            wanted = str(wanted_need.min_days)
        else:
            wanted = f"{wanted_need.min_days} to {wanted_need.max_days}"
        note = (
            " after proration for a partial week"
            if wanted_need.prorated and wanted_need.max_days
            else ""
        )
        findings.add(
            "plan-days",
            (cid,),
            f"client attends {plural(len(days), 'day')} "
            f"({', '.join(DAY_NAMES[d] for d in days)}), plan {client.plan} asks {wanted}"
            f"{note}.",
        )
    counts = Counter(a.type_id for a in attended if a.type_id is not None)
    for type_id in week.scenario.session_types:
        have = counts[type_id]
        least, most = wanted_need.minimum[type_id], wanted_need.maximum[type_id]
        if have < least and not partial:
            findings.add(
                "session-count",
                (cid,),
                f"client has {plural(have, type_id + ' session')}, the plan asks at least {least}.",
            )
        elif most is not None and have > most:
            findings.add(
                "session-count",
                (cid,),
                f"client has {plural(have, type_id + ' session')}, the plan allows at most {most}.",
            )


def _check_blocks(
    week: Week, client: Client, attended: list[Attendance], findings: Findings
) -> None:
    """Rules 2 and 4: one block a day, every slot of it exactly once, attendable."""
    cid = client.client_id
    by_day: dict[int, list[Attendance]] = defaultdict(list)
    for a in attended:
        if a.at.day_idx is not None:
            by_day[a.at.day_idx].append(a)
    for day_idx, items in sorted(by_day.items()):
        day = DAY_NAMES[day_idx]
        blocks = sorted({a.at.block for a in items if a.at.block is not None})
        if len(blocks) > 1:
            findings.add(
                "client-block",
                (cid,),
                f"client attends {len(blocks)} blocks on {day} ({', '.join(blocks)}), "
                "at most one allowed.",
            )
        for block in blocks:
            slots = week.scenario.blocks[block]
            per_slot: dict[int, list[Attendance]] = defaultdict(list)
            for a in items:
                if a.at.block == block and a.at.slot_idx is not None:
                    per_slot[a.at.slot_idx].append(a)
            for slot_idx, slot in enumerate(slots):
                taken = per_slot.get(slot_idx, [])
                if not taken:
                    findings.add(
                        "client-block",
                        (cid,),
                        f"client attends {block} on {day} but has no session in slot "
                        f"{slot_idx + 1} ({span(*slot)}).",
                    )
                elif len(taken) > 1:
                    findings.add(
                        "client-block",
                        (cid, *(a.session_id for a in taken)),
                        f"client has {len(taken)} sessions in slot {slot_idx + 1} of "
                        f"{block} on {day} ({', '.join(a.where_text for a in taken)}).",
                    )
            _check_availability(week, client, day_idx, block, findings)


def _check_availability(
    week: Week, client: Client, day_idx: int, block: str, findings: Findings
) -> None:
    """Rule 4 for one attended (day, block); every reason it fails is reported."""
    s = week.scenario
    cid, day = client.client_id, DAY_NAMES[day_idx]
    date = s.week_start + dt.timedelta(days=day_idx)
    slots = s.blocks[block]
    start, end = slots[0][0], slots[-1][1]
    problems = []
    if day_idx not in week.operating:
        problems.append(f"{day} is not an operating day")
    elif date in week.closed:
        problems.append(f"{date} is a closed date")
    if client.admit_date is not None and date < client.admit_date:
        problems.append(f"the client is admitted on {client.admit_date}")
    if client.discharge_date is not None and date > client.discharge_date:
        problems.append(f"the client is discharged on {client.discharge_date}")
    if away_on(client.away, date):
        problems.append(f"the client is away on {date}")
    if not within(client.available, day_idx, start, end):
        problems.append(f"block {block} ({span(start, end)}) is outside the client's hours")
    gap = 0 if s.is_virtual(block) else s.rules.commute_minutes  # no commute to a video call
    busy = busy_conflict(client.busy, day_idx, start, end, gap)
    if busy is not None:
        problems.append(
            f"block {block} ({span(start, end)}) is within {gap} minutes of the client's "
            f"busy window {span(*busy)}"
            if gap
            else f"block {block} ({span(start, end)}) overlaps the client's busy window "
            f"{span(*busy)}"
        )
    for problem in problems:
        findings.add("availability", (cid,), f"client cannot attend {block} on {day}: {problem}.")


def _check_overlaps(cid: str, attended: list[Attendance], findings: Findings) -> None:
    """Rule 9: two sessions at overlapping clock times (one slot twice is rule 2's)."""
    for first, second in overlapping_pairs(attended):
        same_slot = (
            first.at.block is not None
            and first.at.slot_idx is not None
            and (first.at.block, first.at.slot_idx) == (second.at.block, second.at.slot_idx)
        )
        if not same_slot:
            findings.add(
                "client-overlap",
                (cid, first.session_id, second.session_id),
                f"client is in two overlapping sessions, {first.at.label()} and "
                f"{second.at.label()} ({first.where_text}, {second.where_text}).",
            )
