"""The static causes of the client's sessions, and all the static causes of one client.

Part of the unscheduled reasons (:mod:`optimizer.reasons`): no qualified therapist or room
for an individual session, the primary or a language therapist never working in the
client's blocks, the cohort too small for a group or no leader for it, the ``avoid`` list
excluding every group; then the plan against the week's structure: too few staffed days,
too few or too many slots on the client's days, the therapists' weekly and daily limits
leaving too few sessions, a single therapist in every block. :func:`static_causes` puts
them together with the causes of :mod:`optimizer.causes_attendance`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .causes_attendance import (
    Cause,
    away_days,
    away_note,
    away_text,
    day_causes,
    days_text,
    hour_causes,
    ids_text,
    pairs_text,
    sorted_days,
)
from .model.candidates import Candidates
from .scenario import Client, Requirement, Scenario, Therapist
from .windows import (
    DAY_NAMES,
    attendable_pairs,
    can_work,
    day_index,
    format_interval,
    therapist_can_take,
)


def _slots_of(
    scenario: Scenario, pairs: Iterable[tuple[str, str]]
) -> list[tuple[str, str, int, int]]:
    return [
        (day, block, start, end) for day, block in pairs for start, end in scenario.blocks[block]
    ]


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
    where = pairs_text(pairs)
    therapists = {t.therapist_id: t for t in scenario.therapists}

    def works(tid: str) -> bool:
        t = therapists[tid]
        return any(
            therapist_can_take(scenario, t, d, s, e) and _rooms_free(scenario, type_id, d, b, s, e)
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
                busy = "; ".join(f"{DAY_NAMES[d]} {format_interval((s, e))}" for d, s, e in t.busy)
                problem += f", busy {busy}"
            away = away_days(scenario, t.away)
            if away:
                problem += f", {away_text(scenario, away)}"
        else:
            return []
        return [
            Cause(
                "primary-unavailable",
                f"needs {type_id} with primary therapist {tid}, who {problem}",
                therapist_ids=(tid,),
                blocks=tuple(dict.fromkeys(b for _d, b in pairs)),
                days=sorted_days(d for d, _b in pairs),
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
            therapist_can_take(scenario, therapists[tid], d, s, e)
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
                f"needs {type_id} but {what} while the client can attend ({where})"
                + (
                    ""
                    if staff_free
                    else away_note(
                        scenario, (therapists[tid] for tid in skilled), [d for d, _b in pairs]
                    )
                ),
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
        + f") works while the client can attend ({pairs_text(pairs)})"
        + away_note(scenario, qualified, [d for d, _b in pairs]),
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
    where = pairs_text(pairs)
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
        if any(therapist_can_take(scenario, t, d, s, e) for t in qualified)
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


def _staff_days_cause(
    scenario: Scenario, candidates: Candidates, client: Client, pairs: list[tuple[str, str]]
) -> list[Cause]:
    """Too few days on which some therapist who may run the client's sessions works every
    slot of a block the client can attend (leave, sick days, hours): the plan's days cannot
    be staffed."""
    req = candidates.requirements[client.client_id]
    types = [t for t in scenario.session_types if req.max_sessions[t] != 0]
    staff = [
        t for t in scenario.therapists if any(_can_hold(scenario, client, t, x) for x in types)
    ]
    staffed = sorted_days(
        day
        for day, block in pairs
        if all(
            any(therapist_can_take(scenario, t, day, start, end) for t in staff)
            for start, end in scenario.blocks[block]
        )
    )
    if len(staffed) >= req.min_days:
        return []
    lost = sorted_days(d for d, _b in pairs if d not in staffed)
    return [
        Cause(
            "too-few-staffed-days",
            f"plan {client.plan} needs {req.min_days} days but a therapist who may run the "
            f"client's sessions ({ids_text([t.therapist_id for t in staff]) or 'none'}) works "
            f"every slot of a block the client can attend on only {len(staffed)} "
            f"({days_text(staffed)}); not on {days_text(lost)}" + away_note(scenario, staff, lost),
            days=lost,
            therapist_ids=tuple(t.therapist_id for t in staff),
            details={"needed": req.min_days, "staffed_days": list(staffed)},
        )
    ]


# ---- structural impossibilities: the plan against the slots and the staff's limits -------


def _slot_counts(
    scenario: Scenario, pairs: Sequence[tuple[str, str]], most: bool = True
) -> dict[str, tuple[str, int]]:
    """Per day the client can attend, the block with the most slots (``most``, else the
    fewest) and their number."""
    best: dict[str, tuple[str, int]] = {}
    sign = 1 if most else -1
    for day, block in pairs:
        count = len(scenario.blocks[block])
        if day not in best or sign * count > sign * best[day][1]:
            best[day] = (block, count)
    return best


def _slot_causes(
    scenario: Scenario,
    candidates: Candidates,
    client: Client,
    req: Requirement,
    pairs: list[tuple[str, str]],
) -> list[Cause]:
    """The plan's sessions cannot fit the slots: more sessions than the client's blocks
    hold on the days the plan allows, or (every slot of an attended block needs a session,
    SPEC §3 rule 2) fewer allowed than the slots of the fewest days the plan needs, not
    counting groups that cannot run for want of clients of the track (the client would be
    alone)."""
    counts = _slot_counts(scenario, pairs)
    if not counts:
        return []
    by_size = sorted(counts.items(), key=lambda kv: (-kv[1][1], day_index(kv[0])))
    chosen = by_size[: req.max_days]
    most = sum(n for _d, (_b, n) in chosen)
    need = sum(req.min_sessions.values())
    prorated = " (prorated)" if req.prorated else ""
    if need > most:
        days = len(chosen)
        limit = (
            f"on the {req.max_days} days the plan allows"
            if len(counts) > req.max_days
            else f"on the {days} day{'s' if days > 1 else ''} the client can attend"
        )
        return [
            _slots_cause(
                "too-few-slots",
                f"plan {client.plan} needs {need} sessions a week{prorated}, one per slot, but "
                f"the blocks the client can attend hold at most {most} {limit} "
                f"({_slots_text(chosen)})",
                chosen,
                {"sessions_needed": need, "slots": most},
            )
        ]
    lonely = [  # group types the client may have that never gather enough of the track
        t
        for t, cap in req.max_sessions.items()
        if cap != 0
        and _is_group(scenario, t)
        and all(
            len(m) + 1 < scenario.session_types[t].min_size
            for m in _mates(scenario, candidates, client, pairs, t).values()
        )
    ]
    caps = [cap for t, cap in req.max_sessions.items() if t not in lonely]
    if any(cap is None for cap in caps):
        return []
    allowed = sum(cap or 0 for cap in caps)
    fewest = sorted(
        _slot_counts(scenario, pairs, most=False).items(),
        key=lambda kv: (kv[1][1], day_index(kv[0])),
    )[: req.min_days]
    least = sum(n for _d, (_b, n) in fewest)
    if allowed >= least or len(fewest) < req.min_days:
        return []
    alone = (
        f" (its {' and '.join(lonely)} groups cannot run: too few {client.track} clients can "
        "come when the client can)"
        if lonely
        else ""
    )
    return [
        _slots_cause(
            "too-many-slots",
            f"every slot of an attended block needs a session (a full half-day), but plan "
            f"{client.plan} allows at most {_plural(allowed, 'session')} a week{alone} and "
            f"its {_plural(req.min_days, 'day')} hold at least {_plural(least, 'slot')} "
            f"({_slots_text(fewest)})",
            fewest,
            {"sessions_allowed": allowed, "slots": least},
        )
    ]


def _slots_cause(
    code: str, message: str, days: Sequence[tuple[str, tuple[str, int]]], details: dict[str, int]
) -> Cause:
    """A cause of :func:`_slot_causes` about ``days`` (each with its block and slot count)."""
    return Cause(
        code,
        message,
        days=sorted_days(d for d, _ in days),
        blocks=tuple(dict.fromkeys(b for _d, (b, _n) in days)),
        details=dict(details),
    )


def _plural(count: int, noun: str) -> str:
    """``1 session``, ``2 sessions``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _slots_text(days: Sequence[tuple[str, tuple[str, int]]]) -> str:
    """``EVE 3 slots on Mon-Fri``: days grouped by block and slot count."""
    groups: dict[tuple[str, int], list[str]] = {}
    for day, (block, count) in days:
        groups.setdefault((block, count), []).append(day)
    return "; ".join(
        f"{block} {_plural(count, 'slot')} on {days_text(ds)}"
        for (block, count), ds in groups.items()
    )


def _can_hold(scenario: Scenario, client: Client, t: Therapist, type_id: str) -> bool:
    """Whether ``t`` may hold the client's ``type_id`` sessions, times aside: the skill; a
    group of the client's track; an individual with the client's primary therapist and in
    the client's language."""
    if type_id not in t.skills:
        return False
    if scenario.session_types[type_id].is_group:
        return not t.tracks or client.track in t.tracks
    if client.primary_therapist and t.therapist_id != client.primary_therapist:
        return False
    return not client.language or client.language.lower() in t.spoken_languages


def _most_sessions(
    scenario: Scenario, t: Therapist, pairs: Sequence[tuple[str, str]], max_days: int
) -> tuple[int, str]:
    """Most sessions ``t`` can hold for one client in a week (the client has one session
    a slot, on at most ``max_days`` days), and which limit binds, in words."""
    per_day: dict[str, int] = {}
    for day, block in pairs:
        free = sum(
            1 for s, e in scenario.blocks[block] if therapist_can_take(scenario, t, day, s, e)
        )
        per_day[day] = max(per_day.get(day, 0), free)
    daily = t.max_sessions_per_day
    capped = sorted(
        (min(n, daily) if daily is not None else n for n in per_day.values()), reverse=True
    )
    most = sum(capped[:max_days])
    why = "the slots they work while the client can attend"
    if daily is not None and daily < max(per_day.values(), default=0):
        why = f"daily limit {daily}"
    weekly = t.max_sessions_per_week
    if weekly is not None and weekly < most:
        most, why = weekly, f"weekly limit {weekly}"
    return most, why


def _staff_limit_causes(
    scenario: Scenario, client: Client, req: Requirement, pairs: Sequence[tuple[str, str]]
) -> list[Cause]:
    """The therapists who may hold the client's sessions cannot hold as many as the plan
    needs, by their weekly and daily limits: per session type (a primary therapist with a
    weekly limit of 0, the only leader of a track capped below the sessions a client of it
    needs), then all the client's sessions together (each session has its own therapist)."""
    causes: list[Cause] = []
    holders: dict[str, tuple[int, str]] = {}
    for type_id, need in req.min_sessions.items():
        if not need:
            continue
        able = [t for t in scenario.therapists if _can_hold(scenario, client, t, type_id)]
        limits = {t.therapist_id: _most_sessions(scenario, t, pairs, req.max_days) for t in able}
        holders.update(limits)
        most = sum(n for n, _why in limits.values())
        if not able or most >= need:
            continue  # nobody at all: told by the other static causes
        causes.append(
            Cause(
                "staff-limits",
                f"needs {_sessions_of(scenario, client, type_id, need)} a week, but "
                f"{_holders_text(scenario, client, type_id, limits)}",
                therapist_ids=tuple(limits),
                session_types=(type_id,),
                track=client.track if scenario.session_types[type_id].is_group else None,
                details={"needed": need, "most": most},
            )
        )
    need = sum(req.min_sessions.values())
    most = sum(n for n, _why in holders.values())
    if not causes and holders and most < need:
        causes.append(
            Cause(
                "staff-limits",
                f"needs {need} sessions a week (one per slot), but the therapists who may "
                f"hold them while the client can attend can hold at most {most} together "
                f"({_limits_text(holders)})",
                therapist_ids=tuple(holders),
                details={"needed": need, "most": most},
            )
        )
    return causes


def _sessions_of(scenario: Scenario, client: Client, type_id: str, count: int) -> str:
    """``3 SUD group_therapy group sessions``, ``1 individual session with primary
    therapist T2``."""
    if scenario.session_types[type_id].is_group:
        return _plural(count, f"{client.track} {type_id} group session")
    if client.primary_therapist:
        sessions = _plural(count, f"{type_id} session")
        return f"{sessions} with primary therapist {client.primary_therapist}"
    return _plural(count, f"{type_id} session")


def _holders_text(
    scenario: Scenario, client: Client, type_id: str, limits: dict[str, tuple[int, str]]
) -> str:
    if not scenario.session_types[type_id].is_group and client.primary_therapist:
        ((most, why),) = limits.values()
        return f"{client.primary_therapist} can hold at most {most} ({why})"
    if len(limits) == 1:
        ((tid, (most, why)),) = limits.items()
        return (
            f"the only therapist who may hold them while the client can attend, {tid}, can "
            f"hold at most {most} ({why})"
        )
    return (
        f"the therapists who may hold them while the client can attend can hold at most "
        f"{sum(n for n, _ in limits.values())} together ({_limits_text(limits)})"
    )


def _limits_text(limits: dict[str, tuple[int, str]]) -> str:
    return "; ".join(f"{tid} {most}: {why}" for tid, (most, why) in limits.items())


def _single_therapist_cause(
    scenario: Scenario,
    candidates: Candidates,
    client: Client,
    req: Requirement,
    pairs: Sequence[tuple[str, str]],
) -> list[Cause]:
    """No slot for the client's individual session: wherever one therapist could hold it,
    that therapist is the only one who could hold a session for the other clients of the
    block then, so the client would attend that block alone, every slot an individual
    session (a full half-day, SPEC §3 rule 2), which the plan does not allow."""
    individual = [t for t, n in req.min_sessions.items() if n and not _is_group(scenario, t)]
    if not individual:
        return []
    group_types = [t for t, st in scenario.session_types.items() if st.is_group]
    if any(
        scenario.session_types[t].min_size <= 1 and req.max_sessions[t] != 0 for t in group_types
    ):
        return []  # the client alone could take groups
    allowed = sum(
        cap if cap is not None else 10**6
        for t, cap in req.max_sessions.items()
        if not _is_group(scenario, t)
    )
    mates = [
        c for c in scenario.clients if c.track == client.track and c.client_id != client.client_id
    ]
    single: dict[tuple[str, str], str] = {}
    for day, block in pairs:
        if allowed >= len(scenario.blocks[block]):
            return []  # the client could fill this block alone with individual sessions
        for start, end in scenario.blocks[block]:
            holders = {
                t.therapist_id
                for t in scenario.therapists
                for type_id in individual
                if _can_hold(scenario, client, t, type_id)
                and therapist_can_take(scenario, t, day, start, end)
            }
            if not holders:
                continue
            others = _holders_for_others(scenario, candidates, mates, day, block, start, end)
            if len(holders) > 1 or not others <= holders:
                return []  # someone else can hold the others' sessions then
            single[(day, block)] = next(iter(holders))
    if not single:
        return []  # no therapist ever: told by the other static causes
    who = dict.fromkeys(single.values())
    where = pairs_text(list(single))
    return [
        Cause(
            "single-therapist",
            f"needs {', '.join(individual)} but whenever it could be held ({where}) "
            f"{ids_text(list(who))} is the only therapist there: while the client is in an "
            f"individual session the other {client.track} clients of the block would have no "
            f"session to be in, so the client would attend alone, every slot an individual "
            f"session, and plan {client.plan} allows {_plural(allowed, 'individual session')} "
            "a week",
            therapist_ids=tuple(who),
            blocks=tuple(dict.fromkeys(b for _d, b in single)),
            days=sorted_days(d for d, _b in single),
            session_types=tuple(individual),
            track=client.track,
        )
    ]


def _is_group(scenario: Scenario, type_id: str) -> bool:
    return scenario.session_types[type_id].is_group


def _holders_for_others(
    scenario: Scenario,
    candidates: Candidates,
    mates: Sequence[Client],
    day: str,
    block: str,
    start: int,
    end: int,
) -> set[str]:
    """Therapists who could hold a session, at that time, for a client of the track who can
    attend that block that day: a group of the track, or their own individual session."""
    present = [c for c in mates if (day, block) in candidates.attendable.get(c.client_id, ())]
    out: set[str] = set()
    for mate in present:
        req = candidates.requirements[mate.client_id]
        for t in scenario.therapists:
            if t.therapist_id in out or not therapist_can_take(scenario, t, day, start, end):
                continue
            if any(
                req.max_sessions[type_id] != 0 and _can_hold(scenario, mate, t, type_id)
                for type_id in scenario.session_types
            ):
                out.add(t.therapist_id)
    return out


def static_causes(scenario: Scenario, candidates: Candidates, client: Client) -> list[Cause]:
    """Every cause that keeps ``client`` out whatever the other clients do ([] = none)."""
    causes = day_causes(scenario, candidates, client)
    if causes and causes[0].code in ("not-in-program", "no-block-fits"):
        return causes
    if not causes:
        causes = _staff_days_cause(scenario, candidates, client, attendable_pairs(scenario, client))
    req = candidates.requirements[client.client_id]
    pairs = attendable_pairs(scenario, client)
    if not causes:
        causes = hour_causes(scenario, client, req, pairs)
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
    if not causes:  # the plan against the slots and the staff's limits
        causes = (
            _slot_causes(scenario, candidates, client, req, pairs)
            or _staff_limit_causes(scenario, client, req, pairs)
            or _single_therapist_cause(scenario, candidates, client, req, pairs)
        )
    seen: set[tuple[str, str]] = set()
    unique = []
    for cause in causes:  # one cause per code and message (several types share a cohort)
        key = (cause.code, cause.message.split(" groups need", 1)[-1])
        if key not in seen:
            seen.add(key)
            unique.append(cause)
    return unique
