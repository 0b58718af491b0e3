"""Seeded synthetic weeks of a Los Angeles IOP, for benchmarks.

``generate(size, seed)`` returns the plain data of a scenario (tables as lists of records),
ready for :meth:`optimizer.Scenario.from_data`; the same size and seed always give the same
week. Sizes: S 20, M 60, L 200, XL 1,000 clients (or any integer); two more families
(issue 14): ``O40``, ``O60``, ``O200`` (any ``O<n>``) are *over-subscribed* weeks of that
many clients (``OVERSUBSCRIBED``: far more clients than the staff can serve), ``OB<n>`` the
same over-subscription in the small weeks' odd block shapes (evening only, four-slot blocks,
an afternoon block: ``odd_blocks``, the seed picks the shape), and ``SW`` are *small weeks*
of 8-30 clients whose size, block shape and staffing the seed draws (``small_week``).

What makes the weeks realistic (see /work/shared/DOMAIN.md):

* work schedules of LA clients: day jobs that only leave the evening, late day jobs that
  leave nothing (unservable, as in real life), part-time mornings or afternoons, swing and
  night shifts, retail with two long weekdays, unemployed; adolescents in school until
  15:00 (after-school or evening block), some with practice twice a week;
* tracks SUD, MH, COD and a small adolescent track ADOL-SUD; plans like the Westside example
  (IOP-5, IOP-3, STEP-DOWN, ADOL-3); a few priorities, primary therapists, Spanish speakers,
  avoid pairs and mid-week admissions (prorated);
* therapists on day, late and split shifts with daily and weekly caps, licensed clinicians
  and counselors (psychoeducation and skills only), an adolescent specialist per site;
  staffed from the expected demand of each shift times a factor below one, so that about
  85-95% of the clients can be served and the evening is the bottleneck;
* rooms (group rooms, some evening-only, and small individual rooms), or none
  (``rooms=False``).

:func:`with_virtual_track` turns a generated week into one with a telehealth evening track
(SPEC §2): a virtual block ``EVE-V`` at the evening's hours, clients cleared for telehealth
(most of those whose day job leaves only the evening or nothing), part-time evening
clinicians working from home, and plans with hour minimums (9 h a week for step-down, which
then needs 4 of its 3-5 days; 2.5 h a day).

Large programs are several *sites* of about 200 clients: each site has its own tracks
(``SUD-2``, ...) and its own therapists (who lead only their site's groups); rooms are one
pool. L and XL also open an afternoon block.

Command line: ``python -m benchmarks.generate --size M --seed 0 --out DIR`` writes a
scenario folder (``scenario.yaml`` and CSV tables) that ``cli.py solve`` reads;
``--virtual-track`` adds the telehealth evening track (as does the size ``M-V``).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
import yaml

SIZES: dict[str, int] = {"S": 20, "M": 60, "L": 200, "XL": 1000}
CLIENTS_PER_SITE = 200
WEEK_START = "2026-12-14"  # a Monday
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]

BLOCKS: dict[str, list[str]] = {
    "AM": ["09:00-09:50", "10:00-10:50", "11:00-11:50"],
    "PM": ["13:00-13:50", "14:00-14:50", "15:00-15:50"],  # L and XL only
    "ADOL": ["15:30-16:20", "16:30-17:20", "17:30-18:20"],  # after school; overlaps EVE
    "EVE": ["18:00-18:50", "19:00-19:50", "20:00-20:50"],
}
FOUR_SLOTS: dict[str, list[str]] = {
    "AM": [*BLOCKS["AM"], "12:00-12:50"],
    "PM": [*BLOCKS["PM"], "16:00-16:50"],
    "ADOL": [*BLOCKS["ADOL"], "18:30-19:20"],
    # 45-minute sessions: four still end by 21:00, when the late shift leaves.
    "EVE": ["17:45-18:30", "18:35-19:20", "19:25-20:10", "20:15-21:00"],
}
"""Blocks of four slots (small weeks of that shape)."""
SESSION_TYPES: dict[str, dict[str, Any]] = {
    "group_therapy": {"kind": "group", "min_size": 2, "max_size": 12},
    "psychoeducation": {"kind": "group", "min_size": 2, "max_size": 15},
    "skills": {"kind": "group", "min_size": 2, "max_size": 12},
    "individual": {"kind": "individual"},
}
PLANS: dict[str, dict[str, Any]] = {
    "IOP-5": {
        "min_days": 5,
        "max_days": 5,
        "sessions": {"group_therapy": 5, "psychoeducation": 5, "skills": 4, "individual": 1},
    },
    "IOP-3": {
        "min_days": 3,
        "max_days": 3,
        "sessions": {"group_therapy": 3, "psychoeducation": 3, "skills": 2, "individual": 1},
    },
    "STEP-DOWN": {
        "min_days": 3,
        "max_days": 5,
        "sessions": {"group_therapy": 3, "skills": 2, "individual": 1},
    },
    "ADOL-3": {
        "min_days": 3,
        "max_days": 3,
        "sessions": {"group_therapy": 3, "psychoeducation": 2, "skills": 3, "individual": 1},
    },
}
ADULT_PLANS = (("IOP-3", 0.45), ("IOP-5", 0.20), ("STEP-DOWN", 0.35))
ADULT_TRACKS = (("SUD", 0.45), ("MH", 0.30), ("COD", 0.25))
ADOLESCENT_SHARE = 0.10


@dataclass(frozen=True)
class Profile:
    """A kind of work or school schedule: busy windows and the blocks it leaves open."""

    name: str
    weight: float
    busy: tuple[str, ...]
    """Alternative busy texts (one is drawn per client)."""
    fits: tuple[str, ...]
    """Blocks the client can attend on a normal day (for preferences and staffing)."""


ADULT_PROFILES: tuple[Profile, ...] = (
    Profile(
        "day job",
        0.45,
        (
            "Mon-Fri 07:00-16:00",
            "Mon-Fri 08:00-17:00",
            "Mon-Fri 08:30-17:00",
            "Mon-Fri 09:00-17:30",
        ),
        ("EVE",),
    ),
    Profile("late day job", 0.02, ("Mon-Fri 09:30-18:00", "Mon-Fri 10:00-19:00"), ()),
    Profile(
        "part-time mornings", 0.08, ("Mon-Fri 06:00-11:30", "Mon-Fri 07:00-12:00"), ("PM", "EVE")
    ),
    Profile("part-time afternoons", 0.06, ("Mon-Fri 13:00-18:00", "Mon-Fri 12:45-17:45"), ("AM",)),
    Profile(
        "part-time days",
        0.08,
        ("Tue,Thu 08:00-19:00", "Mon,Wed,Fri 08:00-17:00"),
        ("AM", "PM", "EVE"),
    ),
    Profile("swing shift", 0.06, ("Mon-Fri 14:00-22:30", "Mon-Fri 13:30-22:00"), ("AM",)),
    Profile(
        "night shift",
        0.05,
        ("Mon-Fri 22:00-24:00; Tue-Sat 00:00-06:30",),
        ("AM", "PM", "EVE"),
    ),
    Profile("unemployed", 0.15, ("",), ("AM", "PM", "EVE")),
    Profile("retail", 0.05, ("Wed,Fri 11:00-19:30; Sat,Sun 09:00-18:00",), ("AM", "PM", "EVE")),
)
ADOLESCENT_PROFILES: tuple[Profile, ...] = (
    Profile("school", 0.75, ("Mon-Fri 07:30-15:00",), ("ADOL", "EVE")),
    Profile("school and practice", 0.25, ("Mon-Fri 07:30-15:00; Tue,Thu 15:00-17:00",), ("EVE",)),
)

DAY_SHIFTS = ("Mon-Fri 08:30-17:00", "Mon-Fri 08:00-16:30")
LATE_SHIFTS = ("Mon-Fri 12:00-21:00", "Mon-Fri 13:00-21:00", "Mon-Thu 12:30-21:00; Fri 12:00-19:00")
SPLIT_SHIFT = "Mon,Wed,Fri 08:30-13:00; Tue,Thu 14:00-21:00"
ALL_SKILLS = "group_therapy;psychoeducation;skills;individual"
COUNSELOR_SKILLS = "psychoeducation;skills"

SLOTS_PER_WEEK = {"IOP-5": 15, "IOP-3": 9, "STEP-DOWN": 9, "ADOL-3": 9}
FILL = 8.0
"""Clients per group session that a coordinator reaches on average (for staffing)."""


def size_of(size: str | int) -> int:
    """Number of clients of a size name (S, M, L, XL) or of an integer."""
    if isinstance(size, int):
        return size
    if size.upper() in SIZES:
        return SIZES[size.upper()]
    return int(size)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...] | list[Any]) -> Any:
    items = [item for item, _ in weighted]
    weights = [weight for _, weight in weighted]
    return rng.choices(items, weights=weights, k=1)[0]


@dataclass(frozen=True)
class Shape:
    """The knobs of one generated week; the defaults give the S/M/L/XL weeks (85-95% of the
    clients servable, the evening the bottleneck)."""

    blocks: tuple[str, ...] | None = None
    """Blocks of the week (names of ``BLOCKS``); default AM, ADOL, EVE, and PM from 150
    clients."""
    slots: int = 3
    """Slots per block: 3 (``BLOCKS``) or 4 (``FOUR_SLOTS``)."""
    adolescent_share: float = ADOLESCENT_SHARE
    spanish_share: float = 0.15
    """Clients whose individual sessions need a Spanish-speaking therapist."""
    working_share: float | None = None
    """Weight of the adult "day job" profile (evening only); default its weight in
    ``ADULT_PROFILES``."""
    staff: tuple[float, float] = (0.85, 0.95)
    """Range of the share of expected demand the day and late shifts are staffed for."""
    late_staff: tuple[float, float] | None = None
    """Its own range for the late (evening) shift; default the same draw as ``staff``."""
    late_floor: int = 2
    """Fewest late-shift therapists of a site."""
    adolescent_staff: float = 0.8
    """Share of the after-school demand the adolescent specialists are staffed for."""
    rooms: tuple[float, float] = (0.9, 1.05)
    """Range of the group rooms per expected group session at the busiest block."""
    one_bilingual: bool = False
    """Exactly one Spanish-speaking therapist (a licensed late-shift clinician), instead of
    about 30% of them."""


OVERSUBSCRIBED = Shape(
    staff=(0.5, 0.65),
    adolescent_share=0.18,
    spanish_share=0.22,
    working_share=1.2,
    late_staff=(0.2, 0.3),
    late_floor=1,
    adolescent_staff=0.3,
    rooms=(0.5, 0.6),
    one_bilingual=True,
)
"""The over-subscribed family (``O40``, ``O60``, ``O200``): the shapes that put real programs
on a waitlist at once: more working clients (day jobs: evening only) and too few evening
clinicians for them, a larger adolescent cohort after school with a third of the
specialists it needs, one bilingual therapist for every Spanish speaker's individual
session, group rooms short at the evening peak, and day staff short too. The demand this
gives (total priority over the best schedule and bound found) is measured in
docs/benchmarks.md."""


def family(size: str | int) -> tuple[str, int | None]:
    """``(family, clients)`` of a size token: ``("base", n)`` for S/M/L/XL or a number,
    ``("over", n)`` for ``O<n>``, ``("odd", n)`` for ``OB<n>``, ``("small", None)`` for
    ``SW`` (the seed draws the size)."""
    if isinstance(size, str):
        token = size.upper()
        if token == "SW":
            return "small", None
        if token.startswith("OB") and token[2:].isdigit():
            return "odd", int(token[2:])
        if token.startswith("O") and token[1:].isdigit():
            return "over", int(token[1:])
    return "base", size_of(size)


SMALL_SHAPES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("AM", "EVE"), 3),
    (("AM", "ADOL", "EVE"), 3),
    (("EVE",), 3),
    (("AM", "PM", "EVE"), 3),
    (("AM", "EVE"), 4),
    (("PM", "ADOL", "EVE"), 3),
)
"""Block shapes of the small-week family (blocks, slots per block)."""


def small_week(seed: int) -> tuple[int, Shape]:
    """Clients and shape of small week ``seed`` (the ``SW`` family, 8-30 clients): the
    size is drawn, the block shape cycles through ``SMALL_SHAPES``, and every third round
    of shapes is staffed like the over-subscribed family (seeds 12-17, 30-35, ...)."""
    rng = random.Random(f"small-{seed}")
    n_clients = rng.randint(8, 30)
    blocks, slots = SMALL_SHAPES[seed % len(SMALL_SHAPES)]
    base = OVERSUBSCRIBED if (seed // len(SMALL_SHAPES)) % 3 == 2 else Shape()
    return n_clients, replace(base, blocks=blocks, slots=slots)


def odd_blocks(seed: int) -> Shape:
    """The over-subscribed staffing in the block shape ``SMALL_SHAPES[seed % 6]`` (the
    ``OB<n>`` family): weeks whose blocks the benchmark's other families never have, so a
    stage tuned on ``O<n>`` is checked on shapes it was not tuned on."""
    blocks, slots = SMALL_SHAPES[seed % len(SMALL_SHAPES)]
    return replace(OVERSUBSCRIBED, blocks=blocks, slots=slots)


def generate(size: str | int, seed: int = 0, rooms: bool = True) -> dict[str, Any]:
    """The plain data of one synthetic week (SPEC §2), ``size`` clients, seeded by ``seed``.

    ``size`` is S, M, L, XL or a number (the base family), ``O<n>`` (``n`` clients of the
    over-subscribed family), ``OB<n>`` (the same in odd block shapes) or ``SW`` (a small
    week whose size and shape the seed draws). A size may name a variant after a dash:
    ``M-V`` is the ``M`` week with a telehealth evening track (:data:`FAMILIES`), so the
    benchmark runner takes it like any size."""
    base, _, variant = str(size).partition("-")
    if variant:
        if variant.upper() not in FAMILIES:
            raise ValueError(
                f"unknown family '{variant}' in size '{size}' (known: {list(FAMILIES)})"
            )
        return FAMILIES[variant.upper()](generate(base, seed, rooms), seed)
    kind, n_clients = family(size)
    if kind == "over":
        assert n_clients is not None
        return generate_week(n_clients, seed, rooms, OVERSUBSCRIBED, f"over-{n_clients}", size)
    if kind == "odd":
        assert n_clients is not None
        return generate_week(n_clients, seed, rooms, odd_blocks(seed), f"odd-{n_clients}", size)
    if kind == "small":
        n_clients, shape = small_week(seed)
        return generate_week(n_clients, seed, rooms, shape, f"small-{n_clients}", size)
    assert n_clients is not None
    return generate_week(n_clients, seed, rooms, Shape(), None, size)


def generate_week(
    n_clients: int,
    seed: int,
    rooms: bool,
    shape: Shape,
    stream: str | None,
    label: str | int,
) -> dict[str, Any]:
    """One week of ``n_clients`` shaped by ``shape``; ``stream`` names the random stream
    (None: the base family's, so that S/M/L/XL weeks stay what they were)."""
    rng = random.Random(n_clients * 1_000_003 + seed if stream is None else f"{stream}-{seed}")
    n_sites = max(1, round(n_clients / CLIENTS_PER_SITE))
    use_pm = n_clients >= 150
    names = shape.blocks or tuple(b for b in BLOCKS if use_pm or b != "PM")
    blocks = {b: (BLOCKS if shape.slots == 3 else FOUR_SLOTS)[b] for b in BLOCKS if b in names}
    adult_profiles = ADULT_PROFILES
    if shape.working_share is not None:
        adult_profiles = tuple(
            replace(p, weight=shape.working_share) if p.name == "day job" else p
            for p in ADULT_PROFILES
        )

    clients: list[dict[str, Any]] = []
    therapists: list[dict[str, Any]] = []
    fits_of: dict[str, tuple[str, ...]] = {}
    site_of_client: list[int] = [i * n_sites // n_clients for i in range(n_clients)]
    for idx in range(n_clients):
        site = site_of_client[idx]
        suffix = f"-{site + 1}" if n_sites > 1 else ""
        adolescent = rng.random() < shape.adolescent_share
        profiles = ADOLESCENT_PROFILES if adolescent else adult_profiles
        profile = _pick(rng, tuple((p, p.weight) for p in profiles))
        fits = tuple(b for b in profile.fits if b in blocks)
        track = ("ADOL-SUD" if adolescent else _pick(rng, ADULT_TRACKS)) + suffix
        plan = "ADOL-3" if adolescent else _pick(rng, ADULT_PLANS)
        client_id = f"C{idx + 1:04d}"
        fits_of[client_id] = fits
        roll = rng.random()
        clients.append(
            {
                "client_id": client_id,
                "track": track,
                "plan": plan,
                "available": "",
                "busy": rng.choice(profile.busy),
                "preferred_block": rng.choice(fits) if fits and rng.random() < 0.25 else "",
                "primary_therapist": "",
                "admit_date": "2026-12-16" if roll < 0.05 else "",
                "discharge_date": "2026-12-17" if 0.05 <= roll < 0.08 else "",
                "avoid": "",
                "priority": 3 if rng.random() < 0.03 else (2 if rng.random() < 0.10 else 1),
                "language": "es" if rng.random() < shape.spanish_share else "",
                "_site": site,
                "_profile": profile.name,
            }
        )

    for site in range(n_sites):
        mine = [c for c in clients if c["_site"] == site]
        therapists.extend(_site_therapists(rng, site, n_sites, mine, fits_of, use_pm, shape))
    if shape.one_bilingual:
        _one_bilingual(therapists)

    _add_primary_therapists(rng, clients, therapists, fits_of)
    _add_avoid_pairs(rng, clients)

    data: dict[str, Any] = {
        "name": f"Synthetic IOP {label}, seed {seed}",
        "week_start": WEEK_START,
        "days": list(DAYS),
        "closed_dates": [],
        "blocks": blocks,
        "session_types": SESSION_TYPES,
        "plans": PLANS,
        "rules": {"commute_minutes": 30},
        "clients": [{k: v for k, v in c.items() if not k.startswith("_")} for c in clients],
        "therapists": [{k: v for k, v in t.items() if not k.startswith("_")} for t in therapists],
    }
    if rooms:
        data["rooms"] = _rooms(rng, clients, fits_of, shape)
    return data


HOURS: dict[str, dict[str, float]] = {
    "IOP-5": {"min_hours_per_week": 12.5, "min_hours_per_day": 2.5},
    "IOP-3": {"min_hours_per_week": 7.5, "min_hours_per_day": 2.5},
    "STEP-DOWN": {"min_hours_per_week": 9, "min_hours_per_day": 2.5},
    "ADOL-3": {"min_hours_per_week": 6, "min_hours_per_day": 2},
}
"""Hour minimums of the virtual-track weeks: three 50-minute sessions are 2.5 h a day, so a
3-5 day step-down plan of 9 h a week needs 4 days."""
TELEHEALTH_SHARE = {"day job": 0.6, "late day job": 0.9, "adolescent": 0.2, "other": 0.3}
"""Share of clients cleared for telehealth, by what their week looks like."""
VIRTUAL_SHIFT = "Mon-Fri 17:30-21:00"


def with_virtual_track(data: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """A copy of a generated week (:func:`generate`) with a telehealth evening track.

    Adds the virtual block ``EVE-V`` (the evening's slots, ``telehealth: true``), a
    ``telehealth`` column (yes for about :data:`TELEHEALTH_SHARE` of the clients by
    profile, judged from their busy windows), one part-time evening clinician working from
    home per three evening therapists of each group of tracks, and the hour minimums of
    :data:`HOURS`. The same week and seed always give the same result.
    """
    rng = random.Random(len(data["clients"]) * 7_919 + seed)
    out = dict(data)
    out["name"] = f"{data['name']}, virtual evening track"
    out["blocks"] = {**data["blocks"], "EVE-V": {"slots": list(BLOCKS["EVE"]), "telehealth": True}}
    out["plans"] = {plan: {**spec, **HOURS[plan]} for plan, spec in data["plans"].items()}
    busy_of = {
        busy: profile.name
        for profile in ADULT_PROFILES
        if profile.name in TELEHEALTH_SHARE
        for busy in profile.busy
    }
    clients = []
    for client in data["clients"]:
        kind = (
            "adolescent"
            if client["track"].startswith("ADOL")
            else busy_of.get(client["busy"], "other")
        )
        cleared = rng.random() < TELEHEALTH_SHARE[kind]
        row = {**client, "telehealth": "yes" if cleared else "no"}
        if cleared and kind != "adolescent" and rng.random() < 0.3:
            row["preferred_block"] = "EVE-V"
        clients.append(row)
    out["clients"] = clients
    therapists = list(data["therapists"])
    late: dict[str, list[dict[str, Any]]] = {}
    for therapist in data["therapists"]:
        adolescent = therapist["tracks"].startswith("ADOL")
        if therapist["available"].endswith("21:00") and not adolescent:
            late.setdefault(therapist["tracks"], []).append(therapist)
    for tracks, members in late.items():
        for _ in range(max(1, math.ceil(len(members) / 3))):
            therapists.append(
                {
                    **members[0],
                    "therapist_id": f"V{len(therapists) + 1:03d}",
                    "skills": ALL_SKILLS,
                    "available": VIRTUAL_SHIFT,
                    "busy": "",
                    "max_sessions_per_day": 3,
                    "max_sessions_per_week": 15,
                    "tracks": tracks,
                    "languages": "en;es" if rng.random() < 0.3 else "en",
                }
            )
    out["therapists"] = therapists
    return out


FAMILIES: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    "V": with_virtual_track,
}
"""Variants of a generated week, by the suffix of its size name (``M-V``)."""


def _demand(clients: list[dict[str, Any]], fits_of: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """Expected simultaneous sessions per slot of each block, from where clients can go."""
    per_track: dict[tuple[str, str], float] = {}
    individual: dict[str, float] = {}
    for c in clients:
        fits = fits_of[c["client_id"]]
        if not fits:
            continue
        share = 1.0 / len(fits)
        for block in fits:
            weight = share * SLOTS_PER_WEEK[c["plan"]] / 15.0  # client-slots per slot
            key = (block, c["track"])
            per_track[key] = per_track.get(key, 0.0) + weight
            individual[block] = individual.get(block, 0.0) + share / 15.0
    demand: dict[str, float] = {}
    for (block, _track), load in per_track.items():
        # every track present in a slot needs at least one group of its own
        groups = max(1.0, load / FILL) if load >= 0.4 else load
        demand[block] = demand.get(block, 0.0) + groups
    for block, load in individual.items():
        demand[block] = demand.get(block, 0.0) + load
    return demand


def _site_therapists(
    rng: random.Random,
    site: int,
    n_sites: int,
    clients: list[dict[str, Any]],
    fits_of: dict[str, tuple[str, ...]],
    use_pm: bool,
    shape: Shape,
) -> list[dict[str, Any]]:
    """Day, late and split-shift therapists of one site, sized below demand by ``shape``."""
    site_tracks = sorted({c["track"] for c in clients})
    adult_tracks = [t for t in site_tracks if not t.startswith("ADOL")]
    adol_tracks = [t for t in site_tracks if t.startswith("ADOL")]
    adults = [c for c in clients if not c["track"].startswith("ADOL")]
    demand = _demand(adults, fits_of)
    adol_demand = _demand([c for c in clients if c["track"].startswith("ADOL")], fits_of)
    factor = rng.uniform(*shape.staff)
    late = rng.uniform(*shape.late_staff) if shape.late_staff else factor
    n_late = max(shape.late_floor, math.ceil(demand.get("EVE", 0.0) * late))
    n_day = max(1, math.ceil(max(demand.get("AM", 0.0), demand.get("PM", 0.0)) * factor))
    adol_load = adol_demand.get("ADOL", 0.0) + adol_demand.get("EVE", 0.0)
    n_adol = max(1, math.ceil(adol_load * shape.adolescent_staff))
    prefix = f"T{site + 1}" if n_sites > 1 else "T"
    out: list[dict[str, Any]] = []

    def add(available: str, skills: str, tracks: list[str], per_day: int, per_week: int) -> None:
        out.append(
            {
                "therapist_id": f"{prefix}{len(out) + 1:02d}",
                "skills": skills,
                "available": available,
                "busy": "Fri 12:00-21:00" if rng.random() < 0.1 else "",
                "max_sessions_per_day": per_day,
                "max_sessions_per_week": per_week,
                "tracks": ";".join(tracks) if n_sites > 1 or tracks != site_tracks else "",
                "languages": "en;es" if rng.random() < 0.3 else "en",
                "_site": site,
            }
        )

    for idx in range(n_day):
        skills = ALL_SKILLS if idx % 3 != 2 else COUNSELOR_SKILLS
        add(rng.choice(DAY_SHIFTS), skills, adult_tracks, 7, rng.choice((25, 28, 30)))
    for idx in range(n_late):
        skills = ALL_SKILLS if idx % 4 != 3 else COUNSELOR_SKILLS
        add(rng.choice(LATE_SHIFTS), skills, adult_tracks, 6, rng.choice((22, 24, 25)))
    add(SPLIT_SHIFT, ALL_SKILLS, adult_tracks, 6, 20)
    for _ in range(n_adol if adol_tracks else 0):
        add("Mon-Fri 14:00-21:00", ALL_SKILLS, adol_tracks, 6, 25)
    if use_pm:
        for idx in range(max(1, math.ceil(demand.get("PM", 0.0) * factor * 0.5))):
            skills = ALL_SKILLS if idx % 2 == 0 else COUNSELOR_SKILLS
            add("Mon-Fri 12:00-18:00", skills, adult_tracks, 5, 22)
    return out


def _one_bilingual(therapists: list[dict[str, Any]]) -> None:
    """Only one therapist speaks Spanish: the first licensed clinician on a late shift (or
    the first licensed one), so every Spanish speaker's individual session is with her."""
    licensed = [t for t in therapists if "individual" in t["skills"]]
    late = [t for t in licensed if t["available"] in LATE_SHIFTS]
    chosen = (late or licensed or therapists)[0]
    for t in therapists:
        t["languages"] = "en;es" if t is chosen else "en"


def _add_primary_therapists(
    rng: random.Random,
    clients: list[dict[str, Any]],
    therapists: list[dict[str, Any]],
    fits_of: dict[str, tuple[str, ...]],
) -> None:
    """About a quarter of the clients keep a primary therapist who works when they come."""
    hours = {
        "AM": (9 * 60, 12 * 60),
        "PM": (13 * 60, 16 * 60),
        "ADOL": (15 * 60 + 30, 18 * 60),
        "EVE": (18 * 60, 21 * 60),
    }
    for client in clients:
        fits = fits_of[client["client_id"]]
        if not fits or rng.random() >= 0.25:
            continue
        block = rng.choice(fits)
        start, end = hours[block]
        options = [
            t
            for t in therapists
            if t["_site"] == client["_site"]
            and "individual" in t["skills"]
            and _covers(t["available"], start, end)
            and (not client["language"] or "es" in t["languages"])
        ]
        if options:
            client["primary_therapist"] = rng.choice(options)["therapist_id"]


def _covers(available: str, start: int, end: int) -> bool:
    """Does a Mon-Fri shift text cover [start, end) on Mondays (the common case)?"""
    for entry in available.split(";"):
        days, span = entry.strip().split(" ")
        if not days.startswith("Mon"):
            continue
        first, last = span.split("-")
        lo = int(first[:2]) * 60 + int(first[3:])
        hi = int(last[:2]) * 60 + int(last[3:])
        if lo <= start and end <= hi:
            return True
    return False


def _add_avoid_pairs(rng: random.Random, clients: list[dict[str, Any]]) -> None:
    """About one avoid pair per 25 clients, within one track (others never meet anyway)."""
    by_track: dict[str, list[dict[str, Any]]] = {}
    for client in clients:
        by_track.setdefault(client["track"], []).append(client)
    tracks = sorted(t for t, members in by_track.items() if len(members) >= 4)
    for _ in range(len(clients) // 25 if tracks else 0):
        first, second = rng.sample(by_track[rng.choice(tracks)], 2)
        if second["client_id"] not in first["avoid"].split(";"):
            ids = [i for i in first["avoid"].split(";") if i] + [second["client_id"]]
            first["avoid"] = ";".join(ids)


def _rooms(
    rng: random.Random,
    clients: list[dict[str, Any]],
    fits_of: dict[str, tuple[str, ...]],
    shape: Shape,
) -> list[dict[str, Any]]:
    """Group rooms for the busiest block (some leased for evenings only) and small offices."""
    demand = _demand(clients, fits_of)
    peak = max(demand.values(), default=1.0)
    n_group = max(2, math.ceil(peak * rng.uniform(*shape.rooms)))
    n_small = max(1, math.ceil(len(clients) / 40))
    rooms = []
    for idx in range(n_group):
        evening_only = idx >= n_group - max(1, n_group // 5)
        rooms.append(
            {
                "room_id": f"R{idx + 1:03d}",
                "capacity": rng.choice((10, 12, 12, 14, 15)),
                "serves": "",
                "available": "Mon-Fri 13:00-21:30" if evening_only else "",
            }
        )
    for idx in range(n_small):
        rooms.append(
            {
                "room_id": f"I{idx + 1:03d}",
                "capacity": 2,
                "serves": "individual",
                "available": "",
            }
        )
    return rooms


def write_folder(data: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``data`` as a scenario folder: ``scenario.yaml`` plus CSV tables."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    header = {k: v for k, v in data.items() if k not in ("clients", "therapists", "rooms")}
    for table in ("clients", "therapists", "rooms"):
        rows = data.get(table)
        if rows is None:
            continue
        header[table] = f"{table}.csv"
        with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(header, sort_keys=False, default_flow_style=None), encoding="utf-8"
    )
    return folder


@click.command()
@click.option(
    "--size", default="M", show_default=True, help="S, M, L, XL, a client count, O<n> or SW"
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--rooms/--no-rooms", default=True, show_default=True)
@click.option("--virtual-track", is_flag=True, help="add a telehealth evening track")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
def main(size: str, seed: int, rooms: bool, virtual_track: bool, out_dir: str) -> None:
    """Write one synthetic week as a scenario folder."""
    data = generate(size, seed, rooms)
    if virtual_track:
        data = with_virtual_track(data, seed)
    folder = write_folder(data, out_dir)
    click.echo(f"wrote {folder}")


if __name__ == "__main__":
    main()
