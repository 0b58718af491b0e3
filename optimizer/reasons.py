"""Why a client is unscheduled, in a coordinator's words: the static causes.

Static causes hold whatever the other clients do, so they are found from the scenario and the
candidates alone, before or after solving, in milliseconds: the client is not in the program
this week, cannot attend enough days (each lost day named with its reason), the primary
therapist or a therapist speaking the client's language never works while the client can
come, no qualified therapist or room exists, the cohort is too small for a group, or the
``avoid`` list excludes every group. Anything else is a capacity conflict with other clients,
which :mod:`optimizer.explain` finds with the solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .model.candidates import Candidates, most_week_minutes
from .scenario import Client, Requirement, Scenario, Therapist, hours_text
from .windows import (
    DAY_NAMES,
    attendable_pairs,
    can_work,
    client_can_attend,
    day_index,
    days_in_program,
    format_interval,
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


def _sorted_days(days: Iterable[str]) -> tuple[str, ...]:
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


def _lost_days(scenario: Scenario, client: Client) -> list[tuple[str, str, str]]:
    """Operating days the client cannot attend, as (day, kind, why); kinds: closed,
    before-admission, after-discharge, telehealth (only virtual blocks fit, and the client
    is not cleared for them), windows."""
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


def _lost_text(lost: list[tuple[str, str, str]]) -> str:
    """The lost days' reasons, days before admission or after discharge as one item."""
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
    parts.extend(w for _d, k, w in lost if k == "closed")
    # days that lose for the same reason are told once: "Mon-Fri: busy 08:00-17:45"
    same: dict[str, list[str]] = {}
    for day, kind, why in lost:
        if kind in ("telehealth", "windows"):
            same.setdefault(why.removeprefix(f"{day}: "), []).append(day)
    parts.extend(f"{days_text(days)}: {why}" for why, days in same.items())
    return "; ".join(parts)


def _day_causes(scenario: Scenario, candidates: Candidates, client: Client) -> list[Cause]:
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
        open_days = scenario.open_days()
        if open_days:
            parts.append(
                f"open days {scenario.date_of(open_days[0])} to {scenario.date_of(open_days[-1])}"
            )
        return [
            Cause(
                "not-in-program",
                f"not in the program this week ({'; '.join(parts) or 'no open day'}): "
                "no open program day between admission and discharge",
                days=_sorted_days(d for d, _k, _w in lost),
                dates=tuple(dates),
            )
        ]
    fitting = _sorted_days(d for d, _b in attendable_pairs(scenario, client))
    if len(fitting) >= req.min_days:
        return []
    why = _lost_text(lost)
    window_days = tuple(d for d, kind, _ in lost if kind in ("windows", "telehealth"))
    kinds = {kind for _d, kind, _w in lost}
    lost_dates = tuple(scenario.date_of(d).isoformat() for d, kind, _ in lost if kind == "closed")
    if "before-admission" in kinds and client.admit_date:
        lost_dates += (client.admit_date.isoformat(),)
    if "after-discharge" in kinds and client.discharge_date:
        lost_dates += (client.discharge_date.isoformat(),)
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
            days=_sorted_days(d for d, _k, _w in lost),
            dates=lost_dates,
            details={
                "needed": req.min_days,
                "attendable_days": list(fitting),
                "lost": [{"day": d, "kind": k, "why": w} for d, k, w in lost],
            },
        )
    ]


def _hour_causes(
    scenario: Scenario, client: Client, req: Requirement, pairs: Sequence[tuple[str, str]]
) -> list[Cause]:
    """The plan's hours out of reach: every block the client can attend (on enough days) is
    shorter than the daily hours, or the longest of them on ``max_days`` days give less than
    the weekly hours (SPEC §3 rule 10)."""
    plan = client.plan
    per_day = req.min_minutes_per_day
    long_pairs = [(d, b) for d, b in pairs if scenario.block_minutes(b) >= per_day]
    long_days = _sorted_days(d for d, _b in long_pairs)
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
            f"({_pairs_text(long_pairs)})",
            blocks=tuple(dict.fromkeys(b for _d, b in long_pairs)),
            days=long_days,
            details={"min_minutes_per_week": req.min_minutes_per_week, "most_minutes": most},
        )
    ]


def _slots_of(
    scenario: Scenario, pairs: Iterable[tuple[str, str]]
) -> list[tuple[str, str, int, int]]:
    return [
        (day, block, start, end) for day, block in pairs for start, end in scenario.blocks[block]
    ]


def _pairs_text(pairs: Sequence[tuple[str, str]]) -> str:
    by_block: dict[str, list[str]] = {}
    for day, block in pairs:
        by_block.setdefault(block, []).append(day)
    return "; ".join(f"{block} {days_text(days)}" for block, days in by_block.items())


def _rooms_free(
    scenario: Scenario, type_id: str, day: str, block: str, start: int, end: int
) -> bool:
    if scenario.rooms is None or scenario.is_virtual(block):  # video: no room needed
        return True
    return any(
        (not r.serves or type_id in r.serves) and can_work(r.available, (), day, start, end)
        for r in scenario.rooms
    )


def _individual_causes(
    scenario: Scenario, client: Client, pairs: list[tuple[str, str]], type_id: str
) -> list[Cause]:
    slots = _slots_of(scenario, pairs)
    where = _pairs_text(pairs)
    therapists = {t.therapist_id: t for t in scenario.therapists}

    def works(tid: str) -> bool:
        t = therapists[tid]
        return any(
            can_work(t.available, t.busy, d, s, e) and _rooms_free(scenario, type_id, d, b, s, e)
            for d, b, s, e in slots
        )

    lang = client.language.lower() if client.language else None
    if client.primary_therapist:
        tid = client.primary_therapist
        t = therapists[tid]
        if type_id not in t.skills:
            problem = f"does not deliver {type_id} (skills: {', '.join(t.skills)})"
        elif lang and lang not in t.spoken_languages:
            return [
                Cause(
                    "no-language-therapist",
                    f"the client's individual sessions must be in '{client.language}', but "
                    f"primary therapist {tid} speaks only {', '.join(t.spoken_languages)}",
                    therapist_ids=(tid,),
                    session_types=(type_id,),
                    details={"language": client.language},
                )
            ]
        elif not works(tid):
            hours = "; ".join(
                f"{DAY_NAMES[d]} {format_interval((s, e))}" for d, s, e in t.available
            )
            problem = (
                f"never works while the client can attend ({where}); "
                f"{tid} works {hours or 'any time'}"
            )
            if t.busy:
                away = "; ".join(f"{DAY_NAMES[d]} {format_interval((s, e))}" for d, s, e in t.busy)
                problem += f", away {away}"
        else:
            return []
        return [
            Cause(
                "primary-unavailable",
                f"needs {type_id} with primary therapist {tid}, who {problem}",
                therapist_ids=(tid,),
                blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
                days=_sorted_days(d for d, _b in pairs),
                session_types=(type_id,),
            )
        ]
    skilled = [t.therapist_id for t in scenario.therapists if type_id in t.skills]
    if lang:
        speakers = [tid for tid in skilled if lang in therapists[tid].spoken_languages]
        if not any(works(tid) for tid in speakers):
            who = (
                f"the {type_id} therapists who speak it ({ids_text(speakers)}) never work "
                f"while the client can attend ({where})"
                if speakers
                else f"no {type_id} therapist speaks it"
            )
            return [
                Cause(
                    "no-language-therapist",
                    f"the client's individual sessions must be in '{client.language}', but {who}",
                    therapist_ids=tuple(speakers),
                    blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
                    session_types=(type_id,),
                    details={"language": client.language},
                )
            ]
    if not any(works(tid) for tid in skilled):
        staff_free = any(
            can_work(therapists[tid].available, therapists[tid].busy, d, s, e)
            for tid in skilled
            for d, _b, s, e in slots
        )
        what = (
            f"no room serving {type_id} is available"
            if staff_free
            else f"no therapist with the {type_id} skill ({ids_text(skilled) or 'none'}) works"
        )
        return [
            Cause(
                "no-qualified-staff",
                f"needs {type_id} but {what} while the client can attend ({where})",
                therapist_ids=tuple(skilled),
                blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
                session_types=(type_id,),
            )
        ]
    return []


def _mates(
    scenario: Scenario,
    candidates: Candidates,
    client: Client,
    pairs: list[tuple[str, str]],
    type_id: str,
) -> dict[tuple[str, str], list[str]]:
    """Per (day, block) the client can attend, the other clients of their track who can
    come then and may join ``type_id`` groups."""
    cohort = {
        c.client_id
        for c in scenario.clients
        if c.track == client.track
        and c.client_id != client.client_id
        and candidates.attendable.get(c.client_id)
        and candidates.requirements[c.client_id].max_sessions[type_id] != 0
    }
    return {
        (day, block): sorted(
            other
            for other in cohort
            if (day, block) in set(map(tuple, candidates.attendable[other]))
        )
        for day, block in pairs
    }


def _no_group_leader(
    scenario: Scenario,
    client: Client,
    type_id: str,
    qualified: list[Therapist],
    pairs: list[tuple[str, str]],
) -> Cause:
    """No therapist who may lead the client's groups of ``type_id`` works when they can come."""
    skilled = [t.therapist_id for t in scenario.therapists if type_id in t.skills]
    others = sorted(set(skilled) - {t.therapist_id for t in qualified})
    return Cause(
        "no-qualified-staff",
        f"needs {type_id} groups but no therapist who leads {client.track} {type_id} "
        f"groups ({ids_text([t.therapist_id for t in qualified]) or 'none'}"
        + (f"; {ids_text(others)} lead other tracks only" if others else "")
        + f") works while the client can attend ({_pairs_text(pairs)})",
        therapist_ids=tuple(t.therapist_id for t in qualified),
        blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
        session_types=(type_id,),
        track=client.track,
    )


def _group_causes(
    scenario: Scenario,
    candidates: Candidates,
    client: Client,
    pairs: list[tuple[str, str]],
    type_id: str,
) -> list[Cause]:
    cid = client.client_id
    stype = scenario.session_types[type_id]
    where = _pairs_text(pairs)
    blocks = tuple(dict.fromkeys(b for _d, b in pairs))
    mates = _mates(scenario, candidates, client, pairs, type_id)
    if all(len(m) + 1 < stype.min_size for m in mates.values()):
        together = sorted({o for m in mates.values() for o in m})
        return [
            Cause(
                "cohort-too-small",
                f"{type_id} groups need at least {stype.min_size} clients of one track, but "
                f"track {client.track} has "
                + (
                    f"only {ids_text(together)} besides the client"
                    if together
                    else "no other client"
                )
                + f" who can come when the client can ({where})",
                client_ids=tuple(together),
                blocks=blocks,
                session_types=(type_id,),
                track=client.track,
                details={"min_size": stype.min_size, "cohort_size": len(together) + 1},
            )
        ]
    qualified = [
        t
        for t in scenario.therapists
        if type_id in t.skills and (not t.tracks or client.track in t.tracks)
    ]
    slots = [
        (d, b, s, e)
        for d, b, s, e in _slots_of(scenario, pairs)
        if len(mates[(d, b)]) + 1 >= stype.min_size
    ]
    staffed = [
        (d, b, s, e)
        for d, b, s, e in slots
        if any(can_work(t.available, t.busy, d, s, e) for t in qualified)
    ]
    if not staffed:
        return [_no_group_leader(scenario, client, type_id, qualified, pairs)]
    if scenario.rooms is not None and not any(
        scenario.is_virtual(b)
        or any(
            (not r.serves or type_id in r.serves)
            and r.capacity >= stype.min_size
            and can_work(r.available, (), d, s, e)
            for r in scenario.rooms
        )
        for d, b, s, e in staffed
    ):
        return [
            Cause(
                "no-qualified-staff",
                f"needs {type_id} groups but no room serving {type_id} for at least "
                f"{stype.min_size} is available while the client can attend ({where})",
                room_ids=tuple(r.room_id for r in scenario.rooms),
                blocks=blocks,
                session_types=(type_id,),
                track=client.track,
            )
        ]
    avoided = set(client.avoid) | {c.client_id for c in scenario.clients if cid in c.avoid}
    if avoided and all(
        len([o for o in mates[(d, b)] if o not in avoided]) + 1 < stype.min_size
        for d, b, _s, _e in staffed
    ):
        involved = sorted(avoided & {o for m in mates.values() for o in m})
        return [
            Cause(
                "avoid-excludes-all",
                f"{type_id} groups need at least {stype.min_size} clients, and every "
                f"{client.track} client who can come when the client can ({where}) is on the "
                f"avoid list ({ids_text(involved)})",
                client_ids=tuple(involved),
                blocks=blocks,
                session_types=(type_id,),
                track=client.track,
            )
        ]
    return []


def static_causes(scenario: Scenario, candidates: Candidates, client: Client) -> list[Cause]:
    """Every cause that keeps ``client`` out whatever the other clients do ([] = none)."""
    causes = _day_causes(scenario, candidates, client)
    if causes and causes[0].code in ("not-in-program", "no-block-fits"):
        return causes
    req = candidates.requirements[client.client_id]
    pairs = attendable_pairs(scenario, client)
    if not causes:
        causes = _hour_causes(scenario, client, req, pairs)
        # the sessions' causes where the client could spend a whole day, if anywhere
        pairs = [p for p in pairs if scenario.block_minutes(p[1]) >= req.min_minutes_per_day]
        if not pairs:
            return causes
    for type_id, least in req.min_sessions.items():
        if not least:
            continue
        if scenario.session_types[type_id].is_group:
            causes.extend(_group_causes(scenario, candidates, client, pairs, type_id))
        else:
            causes.extend(_individual_causes(scenario, client, pairs, type_id))
    seen: set[tuple[str, str]] = set()
    unique = []
    for cause in causes:  # one cause per code and message (several types share a cohort)
        key = (cause.code, cause.message.split(" groups need", 1)[-1])
        if key not in seen:
            seen.add(key)
            unique.append(cause)
    return unique


def static_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str | None:
    """The static causes as one sentence, or None when there is none."""
    causes = static_causes(scenario, candidates, client)
    if not causes:
        return None
    return "; also ".join(c.message for c in causes[:2])


def capacity_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str:
    """The reason of a client who could be scheduled alone but lost to others this week."""
    pairs = candidates.attendable[client.client_id]
    return (
        f"not enough capacity this week: the client can attend {_pairs_text(pairs)}, but the "
        f"{client.track} groups, therapists and rooms then went to the scheduled clients "
        "(the explain command names the limits and the changes that would fit them in)"
    )


def unscheduled_reasons(
    scenario: Scenario, candidates: Candidates, scheduled: set[str]
) -> dict[str, str]:
    """A reason for every client not in ``scheduled``."""
    reasons = {}
    for client in scenario.clients:
        if client.client_id in scheduled:
            continue
        reason = static_reason(scenario, candidates, client)
        reasons[client.client_id] = reason or capacity_reason(scenario, candidates, client)
    return reasons
