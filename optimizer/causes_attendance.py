"""The static causes of the client's own week, and :class:`Cause` that every cause is.

Part of the unscheduled reasons (:mod:`optimizer.reasons`): the client is not in the
program this week, no block fits their windows, they cannot attend enough days (each lost
day named with its reason: away, windows, the primary therapist or a therapist speaking
their language not working) or enough hours a day or a week. Also the phrasing every cause
shares: days, ids, away dates and day-and-block pairs as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .model.candidates import Candidates, most_week_minutes
from .scenario import Client, Requirement, Scenario, Therapist, hours_text
from .windows import (
    DAY_NAMES,
    attendable_pairs,
    client_can_attend,
    day_index,
    days_in_program,
    format_date_spans,
    format_interval,
    is_away,
    merged_intervals,
)


@dataclass(frozen=True)
class Cause:
    """One reason a client cannot be scheduled, with the ids it involves.

    ``code`` is stable (an app may translate it); ``message`` is a sentence for a coordinator.
    """

    code: str
    message: str
    days: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    therapist_ids: tuple[str, ...] = ()
    client_ids: tuple[str, ...] = ()
    room_ids: tuple[str, ...] = ()
    session_types: tuple[str, ...] = ()
    track: str | None = None
    constraints: tuple[str, ...] = ()
    """Named constraint groups of the solver's core (dynamic causes only)."""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (tuples as lists, empty fields dropped except code and message)."""
        data = asdict(self)
        return {
            key: (list(value) if isinstance(value, tuple) else value)
            for key, value in data.items()
            if key in ("code", "message") or value not in ((), None, {})
        }


def days_text(days: Iterable[str]) -> str:
    """``Mon-Thu``, ``Mon, Wed`` or ``none``: days in week order, runs of 3+ as ranges."""
    idx = sorted({day_index(d) for d in days})
    parts: list[str] = []
    run: list[int] = []
    for i in idx + [99]:
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[r] for r in run)
        run = [i]
    return ", ".join(parts) if parts else "none"


def ids_text(ids: Sequence[str], most: int = 8) -> str:
    """``C01, C02 and C03``; long lists end in ``and N more``."""
    ids = list(ids)
    if len(ids) > most:
        return ", ".join(ids[:most]) + f" and {len(ids) - most} more"
    if len(ids) <= 1:
        return "".join(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1]


def sorted_days(days: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(days), key=day_index))


def _window_conflicts(scenario: Scenario, client: Client, day: str) -> str:
    """Why no block fits the client on ``day``: their available and busy windows that day."""
    idx = day_index(day)
    commute = scenario.rules.commute_minutes
    parts = []
    if client.available:
        spans = merged_intervals(client.available, idx)
        parts.append(
            "available only " + ", ".join(format_interval(s) for s in spans)
            if spans
            else "not available"
        )
    busy = [(s, e) for d, s, e in client.busy if d == idx]
    clashing = []
    for start, end in busy:
        for block in scenario.blocks:
            b_start, b_end = scenario.block_span(block)
            gap = 0 if scenario.is_virtual(block) else commute  # no commute to a video call
            if end + gap > b_start and b_end + gap > start:
                clashing.append(format_interval((start, end)))
                break
    if clashing:
        text = "busy " + ", ".join(dict.fromkeys(clashing))
        if commute:
            text += f" (plus {commute}-minute commute)"
        parts.append(text)
    return "; ".join(parts) or "no block fits"


def away_text(scenario: Scenario, days: Iterable[str]) -> str:
    """``away Tue-Thu (2026-12-15..2026-12-17)``: days of this week someone is away, with
    their dates (runs of consecutive dates as ranges)."""
    dates = sorted(scenario.date_of(d) for d in days)
    runs: list[list[dt.date]] = []
    for date in dates:
        if runs and (date - runs[-1][1]).days == 1:
            runs[-1][1] = date
        else:
            runs.append([date, date])
    return f"away {days_text(days)} ({format_date_spans((a, b) for a, b in runs)})"


def away_days(scenario: Scenario, away: Iterable[tuple[dt.date, dt.date]]) -> tuple[str, ...]:
    """Operating days of this week that lie in ``away`` (dates outside the week ignored)."""
    spans = tuple(away)
    return tuple(d for d in sorted_days(scenario.days) if is_away(spans, scenario.date_of(d)))


def away_note(scenario: Scenario, therapists: Iterable[Therapist], days: Iterable[str]) -> str:
    """``; T2 away Wed-Fri (2026-12-16..2026-12-18)`` for each therapist away on some of
    ``days``; empty when none is."""
    wanted = set(days)
    notes = []
    for t in therapists:
        away = [d for d in away_days(scenario, t.away) if d in wanted]
        if away:
            notes.append(f"{t.therapist_id} {away_text(scenario, away)}")
    return "".join(f"; {note}" for note in notes)


def _lost_days(scenario: Scenario, client: Client) -> list[tuple[str, str, str]]:
    """Operating days the client cannot attend, as (day, kind, why); kinds: closed,
    before-admission, after-discharge, away, telehealth (only virtual blocks fit, and the
    client is not cleared for them), windows."""
    lost = []
    closed = set(scenario.closed_dates)
    cleared = client.model_copy(update={"telehealth": True})
    for day in sorted(set(scenario.days), key=day_index):
        date = scenario.date_of(day)
        if date in closed:
            lost.append((day, "closed", f"{day} {date} is closed"))
        elif client.admit_date and date < client.admit_date:
            lost.append((day, "before-admission", f"{day} is before admission {client.admit_date}"))
        elif client.discharge_date and date > client.discharge_date:
            lost.append(
                (day, "after-discharge", f"{day} is after discharge {client.discharge_date}")
            )
        elif is_away(client.away, date):
            lost.append((day, "away", f"{day} {date} the client is away"))
        elif not any(client_can_attend(scenario, client, day, b) for b in scenario.blocks):
            virtual = [b for b in scenario.blocks if client_can_attend(scenario, cleared, day, b)]
            if virtual:
                lost.append((day, "telehealth", f"{day}: {_telehealth_text(virtual)}"))
            else:
                lost.append((day, "windows", f"{day}: {_window_conflicts(scenario, client, day)}"))
    return lost


def _telehealth_text(virtual: Sequence[str]) -> str:
    """Why a client not cleared for telehealth cannot use the ``virtual`` blocks that fit."""
    if len(virtual) == 1:
        fits, what = f"only {virtual[0]} fits", "it is a virtual block"
    else:
        fits, what = f"only {', '.join(virtual)} fit", "they are virtual blocks"
    return f"{fits} the client's windows, but {what} and the client is not cleared for telehealth"


def _lost_text(scenario: Scenario, lost: list[tuple[str, str, str]]) -> str:
    """The lost days' reasons; days before admission, after discharge or away as one item
    each."""
    parts = []
    for kind, label in (
        ("before-admission", "before admission"),
        ("after-discharge", "after discharge"),
    ):
        days = [d for d, k, _w in lost if k == kind]
        if days:
            date = next(w for d, k, w in lost if k == kind).rsplit(" ", 1)[-1]
            verb = "is" if len(days) == 1 else "are"
            parts.append(f"{days_text(days)} {verb} {label} {date}")
    away = [d for d, k, _w in lost if k == "away"]
    if away:
        parts.append(away_text(scenario, away))
    parts.extend(w for _d, k, w in lost if k == "closed")
    # days that lose for the same reason are told once: "Mon-Fri: busy 08:00-17:45"
    same: dict[str, list[str]] = {}
    for day, kind, why in lost:
        if kind in ("telehealth", "windows"):
            same.setdefault(why.removeprefix(f"{day}: "), []).append(day)
    parts.extend(f"{days_text(days)}: {why}" for why, days in same.items())
    return "; ".join(parts)


def day_causes(scenario: Scenario, candidates: Candidates, client: Client) -> list[Cause]:
    cid = client.client_id
    req = candidates.requirements[cid]
    present = days_in_program(scenario, client)
    lost = _lost_days(scenario, client)
    operating = (
        f" (the program runs {days_text(scenario.days)} only)"
        if len(set(scenario.days)) < 5
        else ""
    )
    if not present:
        dates = []
        parts = []
        if client.admit_date:
            dates.append(client.admit_date.isoformat())
            parts.append(f"admitted {client.admit_date}")
        if client.discharge_date:
            dates.append(client.discharge_date.isoformat())
            parts.append(f"discharged {client.discharge_date}")
        closed = [d for d, kind, _ in lost if kind == "closed"]
        if closed:
            closed_dates = [scenario.date_of(d).isoformat() for d in closed]
            dates.extend(closed_dates)
            parts.append(f"closed {', '.join(closed_dates)}")
        away = [d for d, kind, _ in lost if kind == "away"]
        if away:
            dates.extend(scenario.date_of(d).isoformat() for d in away)
            parts.append(away_text(scenario, away))
        open_days = scenario.open_days()
        if open_days:
            parts.append(
                f"open days {scenario.date_of(open_days[0])} to {scenario.date_of(open_days[-1])}"
            )
        return [
            Cause(
                "not-in-program",
                f"not in the program this week ({'; '.join(parts) or 'no open day'}): "
                "no open program day between admission and discharge"
                + (" on which the client is not away" if away else ""),
                days=sorted_days(d for d, _k, _w in lost),
                dates=tuple(dates),
            )
        ]
    fitting = sorted_days(d for d, _b in attendable_pairs(scenario, client))
    if len(fitting) >= req.min_days:
        return []
    why = _lost_text(scenario, lost)
    window_days = tuple(d for d, kind, _ in lost if kind in ("windows", "telehealth"))
    kinds = {kind for _d, kind, _w in lost}
    lost_dates = tuple(scenario.date_of(d).isoformat() for d, kind, _ in lost if kind == "closed")
    if "before-admission" in kinds and client.admit_date:
        lost_dates += (client.admit_date.isoformat(),)
    if "after-discharge" in kinds and client.discharge_date:
        lost_dates += (client.discharge_date.isoformat(),)
    lost_dates += tuple(scenario.date_of(d).isoformat() for d, kind, _ in lost if kind == "away")
    if not fitting:
        whose = "" if "telehealth" in kinds else "'s windows"
        return [
            Cause(
                "no-block-fits",
                f"no block ({', '.join(scenario.blocks)}) fits the client{whose} on any "
                f"day this week{operating}: {why}",
                days=window_days,
                dates=lost_dates,
                blocks=tuple(scenario.blocks),
                details={"lost": [{"day": d, "kind": k, "why": w} for d, k, w in lost]},
            )
        ]
    plan = client.plan
    prorated = (
        f" (prorated to {req.days_in_program} open days in the program)"
        if req.days_in_program < scenario.plans[plan].min_days
        else ""
    )
    return [
        Cause(
            "too-few-days",
            f"plan {plan} needs {req.min_days} days{prorated} but the client can attend only "
            f"{len(fitting)} ({days_text(fitting)}){operating}: {why}",
            days=sorted_days(d for d, _k, _w in lost),
            dates=lost_dates,
            details={
                "needed": req.min_days,
                "attendable_days": list(fitting),
                "lost": [{"day": d, "kind": k, "why": w} for d, k, w in lost],
            },
        )
    ]


def hour_causes(
    scenario: Scenario, client: Client, req: Requirement, pairs: Sequence[tuple[str, str]]
) -> list[Cause]:
    """The plan's hours out of reach: every block the client can attend (on enough days) is
    shorter than the daily hours, or the longest of them on ``max_days`` days give less than
    the weekly hours (SPEC §3 rule 10)."""
    plan = client.plan
    per_day = req.min_minutes_per_day
    long_pairs = [(d, b) for d, b in pairs if scenario.block_minutes(b) >= per_day]
    long_days = sorted_days(d for d, _b in long_pairs)
    if len(long_days) < req.min_days:
        blocks = dict.fromkeys(b for _d, b in pairs)
        short = [b for b in blocks if scenario.block_minutes(b) < per_day]
        gives = ", ".join(f"{b} {hours_text(scenario.block_minutes(b))}" for b in short)
        where = (
            f"; blocks long enough fit only on {days_text(long_days)}, and the plan needs "
            f"{req.min_days} days"
            if long_days
            else ""
        )
        return [
            Cause(
                "too-few-hours-a-day",
                f"plan {plan} needs {hours_text(per_day)} on every attended day, but the blocks "
                f"the client can attend are shorter ({gives}){where}",
                blocks=tuple(short),
                days=long_days,
                details={"min_minutes_per_day": per_day, "attendable_days": list(long_days)},
            )
        ]
    most = most_week_minutes(scenario, long_pairs, req.max_days)
    if most >= req.min_minutes_per_week:
        return []
    prorated = (
        f" (prorated to {req.days_in_program} open days in the program)" if req.prorated else ""
    )
    within = (
        f" in {req.max_days} day{'s' if req.max_days > 1 else ''}"
        if len(long_days) > req.max_days
        else ""
    )
    return [
        Cause(
            "too-few-hours-a-week",
            f"plan {plan} needs {hours_text(req.min_minutes_per_week)} a week{prorated}; the "
            f"blocks the client can attend give at most {hours_text(most)}{within} "
            f"({pairs_text(long_pairs)})",
            blocks=tuple(dict.fromkeys(b for _d, b in long_pairs)),
            days=long_days,
            details={"min_minutes_per_week": req.min_minutes_per_week, "most_minutes": most},
        )
    ]


def pairs_text(pairs: Sequence[tuple[str, str]]) -> str:
    by_block: dict[str, list[str]] = {}
    for day, block in pairs:
        by_block.setdefault(block, []).append(day)
    return "; ".join(f"{block} {days_text(days)}" for block, days in by_block.items())
