"""Rolling weeks for benchmarks (issue 13): week 2 from week 1's solved schedule.

``next_week(data, attendance, seed, turnover)`` turns a generated week (``generate``) and who
attended what in it into the following week: a share ``turnover`` of the scheduled clients
is discharged (half gone, half leaving on Wednesday), as many new clients are admitted (half
from Monday, half from Wednesday), and as many continuing five-day clients step down to
three days; the staff stays. ``measure(size, seed, ...)`` solves both weeks (week 2 with week 1 as
``previous``), then a one-therapist sick day re-planned from that date, and reports:

* the share of continuing clients who kept their days and blocks (a step-down: a subset of
  last week's days, in the same blocks), and the number that could have kept them (each
  continuing client's week 1 routine is still attendable and the plan's days fit);
* for the sick day: the clients the absence touches (in the therapist's sessions from that
  date), the clients the re-plan moved (any row of ``changes.csv``), those of them the
  absence does not touch with what changed for them (``changes.csv`` ``what`` cells: rows
  per kind, and clients whose every change is of a room or therapist in the same slot), the
  re-plan's ``session_changes`` goal value and the seconds of its undo post-pass.

``--reuse-week2`` takes week 2 from ``--out`` too (with ``--reuse``), so versions of the
re-plan are compared on the same week 2 (week 2 is not reproducible with several workers).
``--sick-params FILE`` gives the sick-day re-plan search parameters (a TOML/JSON file of
:class:`SearchParams` fields): ``replan_undo_checks = 0`` and ``replan_undo_share = 0`` turn
the undo post-pass off, the re-plan as it was before it.

A sick day that leaves the week impossible to complete (``UnfinishableWeekError``) is a row
too: ``sick_proposed`` clients named with ``away`` dates (0: none), and with those dates
the re-plan's status and validity (``sick_with_absences``). ``--size`` also takes a family
of :mod:`benchmarks.generate` (``O60``, ``OB90``, ``SW``: the over-subscribed and odd-shape
weeks, e.g. ``--size OB90 --seeds 0-5 --turnover 0.075 --time-limit 20``).

Command line: ``python -m benchmarks.rolling --size 40 --seeds 0,1,2 --turnover 0.04``; the
issue's reproduction (a 40-client Mon-Sat week, 3 discharged and 3 admitted at the week's
start, default settings): ``python -m benchmarks.rolling --size 40 --turnover 0.075
--days Mon,Tue,Wed,Thu,Fri,Sat --no-midweek --no-step-down --no-sick-day``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from benchmarks.generate import generate
from optimizer import Scenario, UnfinishableWeekError, read_schedule, solve, with_absences
from optimizer.check import check_schedule
from optimizer.io.schedule import Schedule
from optimizer.result import Result
from optimizer.scenario import requirement
from optimizer.schedule import attendance
from optimizer.search.params import SearchParams
from optimizer.windows import client_can_attend, days_in_program

Attendance = Mapping[str, Mapping[str, str]]
"""Per client, day -> block attended."""


def _shift(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def next_week(
    data: dict[str, Any],
    attendance: Attendance,
    seed: int,
    turnover: float,
    *,
    midweek: bool = True,
    step_down: bool = True,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Week 2 of ``data`` (plain scenario data) after week 1's ``attendance``; also the
    events: client ids ``discharged`` (gone), ``leaving`` (discharged on Wednesday),
    ``admitted`` and ``stepped_down`` (IOP-5 to IOP-3). Without ``midweek`` every
    discharged client is gone and every new one admitted from Monday; without
    ``step_down`` nobody steps down (the issue's own reproduction: 3 of 40 discharged, 3
    admitted)."""
    rng = random.Random(seed * 7919 + 13)
    week = copy.deepcopy(data)
    start = dt.date.fromisoformat(str(data["week_start"])) + dt.timedelta(days=7)
    week["week_start"] = start.isoformat()
    week["name"] = f"{data['name']}, the week after"
    wednesday = (start + dt.timedelta(days=2)).isoformat()
    scheduled = sorted(attendance)
    count = max(1, round(turnover * len(scheduled)))
    leaving = rng.sample(scheduled, count)
    half = (count + 1) // 2 if midweek else count
    gone, leave_wed = sorted(leaving[:half]), sorted(leaving[half:])
    clients = []
    for client in week["clients"]:
        cid = client["client_id"]
        if cid in gone:
            continue
        if client.get("discharge_date") or client.get("admit_date"):
            # week 1's mid-week admissions are in now; week 1's discharges are gone
            if client.get("discharge_date"):
                continue
            client["admit_date"] = ""
        if cid in leave_wed:
            client["discharge_date"] = wednesday
        clients.append(client)
    five_day = [c for c in clients if c["plan"] == "IOP-5" and c["client_id"] in attendance]
    steps = min(count, len(five_day)) if step_down else 0
    stepped = sorted(c["client_id"] for c in rng.sample(five_day, steps))
    for client in clients:
        if client["client_id"] in stepped:
            client["plan"] = "IOP-3"
    pool = generate(len(data["clients"]), seed + 1000)["clients"]
    therapists = {t["therapist_id"] for t in week["therapists"]}
    admitted = []
    for idx, new in enumerate(rng.sample(pool, count)):
        row = dict(new)
        row["client_id"] = f"N{idx + 1:03d}"
        row["admit_date"] = week["week_start"] if idx % 2 == 0 or not midweek else wednesday
        row["discharge_date"] = ""
        row["avoid"] = ""
        if row.get("primary_therapist") not in therapists:
            row["primary_therapist"] = ""
        admitted.append(row["client_id"])
        clients.append(row)
    present = {c["client_id"] for c in clients}
    for client in clients:  # avoid lists name only clients of this week (else an input error)
        kept = [cid for cid in str(client.get("avoid") or "").split(";") if cid in present]
        client["avoid"] = ";".join(kept)
    week["clients"] = clients
    events = {
        "discharged": gone,
        "leaving": leave_wed,
        "admitted": admitted,
        "stepped_down": stepped,
    }
    return week, events


def can_keep(scenario: Scenario, client_id: str, before: Mapping[str, str]) -> bool:
    """Whether the client could attend last week's routine again: every (day, block) of it
    that is in the program this week is attendable, and the plan's days fit inside it."""
    client = next(c for c in scenario.clients if c.client_id == client_id)
    present = set(days_in_program(scenario, client))
    usable = [
        d for d, b in before.items() if d in present and client_can_attend(scenario, client, d, b)
    ]
    need = requirement(scenario, client)
    return len(usable) == len([d for d in before if d in present]) and (
        need.min_days <= len(usable)
    )


def kept(before: Mapping[str, str], after: Mapping[str, str], stepped_down: bool) -> bool:
    """Days and blocks kept: the same pairs (a step-down: a subset of them)."""
    if not after:
        return False
    if stepped_down:
        return all(before.get(d) == b for d, b in after.items())
    return dict(after) == dict(before)


def _valid(result: Result) -> bool:
    schedule = Schedule(result.assignments, result.sessions, result.unscheduled)
    report = check_schedule(result.scenario, schedule)
    return not [v for v in report if v.severity == "error"]


def _attendance(result: Result) -> dict[str, dict[str, str]]:
    rows = result.assignments
    return attendance(zip(rows["client_id"], rows["day"], rows["block"], strict=True))


def measure(
    size: int | str,
    seed: int,
    turnover: float,
    time_limit: float,
    workers: int | None,
    out: Path,
    weights: Mapping[str, int] | None = None,
    reuse: bool = False,
    no_sick_day: bool = False,
    reuse_week2: bool = False,
    sick_params: SearchParams | None = None,
    days: list[str] | None = None,
    midweek: bool = True,
    step_down: bool = True,
) -> dict[str, Any]:
    """Solve week 1, week 2 with week 1 as previous, and a sick day re-planned; the figures
    of the module docstring, one row. ``reuse``: take week 1 from ``out`` when it is there
    (to compare versions of week 2 on the same week 1), ``reuse_week2`` week 2 as well (to
    compare versions of the re-plan on the same week 2: only the sick-day figures).
    ``days``: the operating days (default the generator's Mon-Fri); ``midweek`` and
    ``step_down``: see :func:`next_week`."""
    data = generate(size, seed)
    if days:
        data["days"] = list(days)
    first = out / f"size{size}-seed{seed}-week1"
    if not (reuse and (first / "assignments.csv").exists()):
        week1 = solve(Scenario.from_data(data), time_limit=time_limit, workers=workers, seed=seed)
        week1.write(first, report=False, xlsx=False, calendars=False)
    rows = read_schedule(first).assignments.astype(str)
    attendance1 = attendance(zip(rows["client_id"], rows["day"], rows["block"], strict=True))
    data2, events = next_week(
        data, attendance1, seed, turnover, midweek=midweek, step_down=step_down
    )
    scenario2 = Scenario.from_data(data2)
    second = out / f"size{size}-seed{seed}-week2"
    if reuse_week2 and (second / "assignments.csv").exists():
        reused: dict[str, Any] = {"size": size, "seed": seed, "week2": "reused"}
        reused.update(
            _sick_day(scenario2, second, out, size, seed, time_limit, workers, sick_params)
        )
        return reused
    started = time.perf_counter()
    week2 = solve(
        scenario2,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        previous=read_schedule(first),
        weights=weights,
    )
    seconds2 = time.perf_counter() - started
    week2.write(second, report=False, xlsx=False, calendars=False)
    attendance2 = _attendance(week2)
    ids2 = {c.client_id for c in scenario2.clients}
    continuing = [cid for cid in attendance1 if cid in ids2]
    keepable = [cid for cid in continuing if can_keep(scenario2, cid, attendance1[cid])]
    stepped = set(events["stepped_down"])
    kept_ids = [
        cid
        for cid in continuing
        if kept(attendance1[cid], attendance2.get(cid, {}), cid in stepped)
    ]
    row: dict[str, Any] = {
        "size": size,
        "seed": seed,
        "clients_week2": len(scenario2.clients),
        "continuing": len(continuing),
        "keepable": len(keepable),
        "kept": len(kept_ids),
        "kept_of_keepable": len(set(kept_ids) & set(keepable)),
        "moved": len(continuing) - len(kept_ids),
        "days_changed": week2.secondary.get("changes"),
        "continuing_unscheduled": len([c for c in continuing if c not in attendance2]),
        "status": week2.status.value,
        "served": week2.scheduled_clients,
        "objective": week2.objective,
        "bound": week2.best_bound,
        "seconds": round(seconds2, 1),
        "valid": _valid(week2),
        "goals": week2.summary.get("goals"),
    }
    if not no_sick_day:
        row.update(_sick_day(scenario2, second, out, size, seed, time_limit, workers, sick_params))
    return row


def _sick_day(
    scenario2: Scenario,
    second: Path,
    out: Path,
    size: int | str,
    seed: int,
    time_limit: float,
    workers: int | None,
    params: SearchParams | None = None,
) -> dict[str, Any]:
    """A therapist of week 2 calls in sick on Wednesday (the one with most sessions that
    day, ties by id; week 2 read from its folder ``second``): the week re-planned from
    Wednesday."""
    week2 = read_schedule(second)
    sessions = week2.sessions.astype(str)
    wednesday = scenario2.date_of("Wed")
    on_wed = sessions[sessions["day"] == "Wed"]
    if on_wed.empty:
        return {}
    counts = on_wed.groupby("therapist_id").size().sort_index()
    sick = str(counts.idxmax())
    rows2 = week2.assignments.astype(str)
    touched = set(rows2[(rows2["day"] == "Wed") & (rows2["therapist_id"] == sick)]["client_id"])
    therapists = tuple(
        t.updated(away=((wednesday, wednesday),)) if t.therapist_id == sick else t
        for t in scenario2.therapists
    )
    scenario3 = scenario2.updated(therapists=therapists)

    def replan_from_wednesday(scenario: Scenario) -> Result:
        return solve(
            scenario,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            previous=week2,
            from_date=wednesday,
            params=params,
        )

    started = time.perf_counter()
    try:
        replan = replan_from_wednesday(scenario3)
    except UnfinishableWeekError as error:
        return _unfinishable(error, scenario3, replan_from_wednesday)
    seconds = time.perf_counter() - started
    replan.write(out / f"size{size}-seed{seed}-sick", report=False, xlsx=False, calendars=False)
    changes = replan.changes
    moved = set(changes["client_id"]) if changes is not None else set()
    untouched = changes[~changes["client_id"].isin(touched)] if changes is not None else None
    kinds: dict[str, int] = (
        {str(k): int(v) for k, v in untouched["what"].value_counts().sort_index().items()}
        if untouched is not None
        else {}
    )
    same_slot = {"room", "therapist", "therapist+room"}
    swaps = (
        untouched.groupby("client_id")["what"].agg(lambda w: set(w) <= same_slot).sum()
        if untouched is not None and len(untouched)
        else 0
    )
    goals = {g["goal"]: g["value"] for g in replan.goals or []}
    before = attendance(zip(rows2["client_id"], rows2["day"], rows2["block"], strict=True))
    return {
        "sick_therapist": sick,
        "sick_touched": len(touched),
        "sick_moved": len(moved),
        "sick_moved_untouched": len(moved - touched),
        "sick_untouched_rows": kinds,
        "sick_untouched_same_slot_only": int(swaps),
        "sick_session_changes": goals.get("session_changes"),
        "sick_undo": replan.parameters.get("replan_undo"),
        "sick_unscheduled": len(set(before) - set(_attendance(replan))),
        "sick_status": replan.status.value,
        "sick_seconds": round(seconds, 1),
        "sick_valid": _valid(replan),
    }


def _seeds(text: str) -> list[int]:
    """``0,1,2`` or ``0-5`` (or both: ``0-2,7``)."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def _unfinishable(
    error: UnfinishableWeekError, scenario: Scenario, replan: Callable[[Scenario], Result]
) -> dict[str, Any]:
    """The sick day's figures when the week cannot be completed (an input error): the
    clients named, and with the proposed ``away`` dates, the re-plan's status and validity."""
    row: dict[str, Any] = {
        "sick_error": "unfinishable",
        "sick_proposed": len(error.absences or {}),  # clients to mark away (0: no proposal)
    }
    if error.absences:
        result = replan(with_absences(scenario, error.absences))
        row["sick_with_absences"] = {
            "status": result.status.value,
            "objective": result.objective,
            "bound": result.best_bound,
            "valid": _valid(result),
        }
    return row


@click.command()
@click.option(
    "--size",
    default="40",
    show_default=True,
    help="Clients of week 1, or a family of benchmarks.generate (O60, OB90, SW).",
)
@click.option("--seeds", default="0", show_default=True, help="Seeds: 0,1,2 or 0-5.")
@click.option("--turnover", default=0.04, show_default=True, type=float)
@click.option("--time-limit", default=60.0, show_default=True, type=float)
@click.option("--workers", default=None, type=int)
@click.option("--out", "out_dir", default="out/rolling", show_default=True)
@click.option("--weight", "weight_items", multiple=True, metavar="NAME=VALUE")
@click.option("--reuse", is_flag=True, help="Take week 1 from --out when it is there.")
@click.option("--no-sick-day", is_flag=True, help="Only the two weeks.")
@click.option(
    "--reuse-week2", is_flag=True, help="With --reuse: take week 2 from --out too (sick day only)."
)
@click.option(
    "--sick-params",
    default="",
    help="Search-parameter file of the sick-day re-plan (e.g. replan_undo_checks = 0).",
)
@click.option("--days", default="", help="Operating days, e.g. Mon,Tue,Wed,Thu,Fri,Sat.")
@click.option(
    "--no-midweek", is_flag=True, help="Discharges and admissions all at the week's start."
)
@click.option("--no-step-down", is_flag=True, help="Nobody steps down.")
def main(
    size: str,
    seeds: str,
    turnover: float,
    time_limit: float,
    workers: int | None,
    out_dir: str,
    weight_items: tuple[str, ...],
    reuse: bool,
    no_sick_day: bool,
    reuse_week2: bool,
    sick_params: str,
    days: str,
    no_midweek: bool,
    no_step_down: bool,
) -> None:
    """Measure continuity on rolling weeks: one JSON line per seed."""
    from optimizer.terms import parse_weight_overrides

    weights = parse_weight_overrides(weight_items) or None
    out = Path(out_dir)
    for seed in _seeds(seeds):
        row = measure(
            int(size) if size.isdigit() else size,
            seed,
            turnover,
            time_limit,
            workers,
            out,
            weights,
            reuse,
            no_sick_day,
            reuse_week2,
            SearchParams.from_file(sick_params) if sick_params else None,
            days=[d.strip() for d in days.split(",") if d.strip()] or None,
            midweek=not no_midweek,
            step_down=not no_step_down,
        )
        click.echo(json.dumps(row))


if __name__ == "__main__":
    main()
