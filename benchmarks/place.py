"""Placing one client (SPEC §7, issue 13) on a generated week, timed as an intake call.

The week (:mod:`benchmarks.generate`, a size and seed) is solved once and written as a
schedule folder, which is read back as ``place`` reads a coordinator's folder. New intakes
are clients of another seed's week of the same size (same tracks and plans), renamed
``N01``.. and without ``primary_therapist`` or ``avoid`` (they name that week's people);
only intakes who can attend some block are taken (one who cannot is answered before any
search). All of them are added to the scenario, and ``optimizer.place`` is timed for each
in turn, in this process, against the same solved week: the time an app or the service's
worker spends on the call, scenario and folder already read. Every option offered is
checked again here by the independent checker (outside the timing).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from optimizer import Scenario, check_schedule, read_schedule, solve
from optimizer.model.candidates import attendable
from optimizer.scenario import Client, requirement
from optimizer.weekly.place import place

from .generate import generate

PLACE_COLUMNS = [
    "size",
    "seed",
    "clients",
    "solve_status",
    "client_id",
    "track",
    "plan",
    "seconds",
    "cpu_seconds",
    "options",
    "moves_others",
    "without_moving",
    "fewest_moved",
    "best_penalty",
    "valid",
]
INTAKE_SEED_OFFSET = 1000
"""The intakes come from the week of seed ``seed + INTAKE_SEED_OFFSET``."""


def new_intakes(size: str, seed: int, count: int, week: dict[str, Any]) -> list[dict[str, Any]]:
    """``count`` new clients for the week ``week`` (plain data) who can attend some block."""
    scenario = Scenario.from_data(week)
    out: list[dict[str, Any]] = []
    for record in generate(size, seed + INTAKE_SEED_OFFSET)["clients"]:
        row = {k: v for k, v in record.items() if k not in ("primary_therapist", "avoid")}
        row["client_id"] = f"N{len(out) + 1:02d}"
        client = Client.model_validate(row)
        if attendable(scenario, client, requirement(scenario, client)):
            out.append(row)
        if len(out) == count:
            break
    return out


def run_place(
    size: str = "L",
    seed: int = 0,
    count: int = 10,
    time_limit: float = 60.0,
    workers: int = 2,
    top: int = 5,
    place_seconds: float = 10.0,
) -> list[dict[str, Any]]:
    """Solve the week once, then time ``place`` for ``count`` new intakes; one row each."""
    week = generate(size, seed)
    result = solve(Scenario.from_data(week), time_limit=time_limit, workers=workers, seed=seed)
    intakes = new_intakes(size, seed, count, week)
    scenario = Scenario.from_data({**week, "clients": [*week["clients"], *intakes]})
    rows = []
    with tempfile.TemporaryDirectory(prefix="place-bench-") as folder:
        written = result.write(Path(folder) / "week", report=False, xlsx=False, calendars=False)
        schedule = read_schedule(written)
        for intake in intakes:
            started, cpu = time.perf_counter(), time.process_time()
            cid = intake["client_id"]
            placement = place(scenario, schedule, cid, top, time_limit=place_seconds)
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - cpu
            valid = all(
                not any(v.severity == "error" for v in check_schedule(scenario, o.schedule))
                for o in placement.options
            )
            options = placement.options
            rows.append(
                {
                    "size": size,
                    "seed": seed,
                    "clients": len(week["clients"]),
                    "solve_status": result.status.value,
                    "client_id": intake["client_id"],
                    "track": intake["track"],
                    "plan": intake["plan"],
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(cpu_seconds, 3),
                    "options": len(options),
                    "moves_others": placement.moves_others,
                    "without_moving": placement.without_moving,
                    "fewest_moved": min((len(o.moves) for o in options), default=None),
                    "best_penalty": options[0].penalty if options else None,
                    "valid": valid,
                }
            )
    return rows


def place_section(rows: list[dict[str, Any]], meta: dict[str, Any]) -> list[str]:
    """Markdown: the intake calls one by one, and their median against the 1 s target."""
    if not rows:
        return []
    first = rows[0]
    seconds = [float(r["seconds"]) for r in rows]
    cpu = [float(r["cpu_seconds"]) for r in rows]
    fast = [float(r["seconds"]) for r in rows if r.get("without_moving") == "found"]
    median = statistics.median(seconds)
    out = [
        "",
        "## Placing one client (issue 13)",
        "",
        f"`{meta.get('command', 'python -m benchmarks.run place')}`: the {first['size']} week "
        f"of seed {first['seed']} ({first['clients']} clients) solved once "
        f"({first['solve_status']}), then `optimizer.place` timed for {len(rows)} new intakes "
        "(clients of another seed's week who can attend some block; see "
        "`benchmarks/place.py`), each against the same week, in one process, the scenario and "
        "the folder already read. Options: at most 5; every option was checked again by the "
        "independent checker. Load average (1, 5, 15 min) before: "
        f"{meta.get('load_before', '-')}, after: {meta.get('load_after', '-')} "
        f"({meta.get('date', '-')}, commit {meta.get('commit', '-')}).",
        "",
        "| client | track | plan | seconds | CPU seconds | options | moves others "
        "| fewest moved | best penalty | valid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['client_id']} | {r['track']} | {r['plan']} | {float(r['seconds']):.2f} | "
            f"{float(r['cpu_seconds']):.2f} | {r['options']} | {_yes(r['moves_others'])} | "
            f"{_dash(r.get('fewest_moved'))} | {_dash(r.get('best_penalty'))} | "
            f"{_yes(r['valid'])} |"
        )
    verdict = "met" if median < 1.0 else "**not met**"
    out += [
        "",
        f"- median of the {len(rows)} calls: {median:.2f} s (target: under 1 s per call; "
        f"{verdict} on this run); slowest {max(seconds):.2f} s",
        f"- median CPU time of a call (this process, CP-SAT's thread included): "
        f"{statistics.median(cpu):.2f} s; on a loaded machine the wall-clock time is longer "
        "by the time the call waits for a core",
    ]
    if fast:
        out.append(
            f"- calls answered without moving anyone ({len(fast)}): median "
            f"{statistics.median(fast):.2f} s"
        )
    moved = [float(r["seconds"]) for r in rows if r.get("moves_others") in (True, "True")]
    if moved:
        out.append(
            f"- calls that needed options moving others ({len(moved)}; that search is bounded "
            f"by place's time limit, {meta.get('place_seconds', 10):g} s): median "
            f"{statistics.median(moved):.2f} s"
        )
    return out


def _yes(value: Any) -> str:
    return "yes" if value in (True, "True", "true") else "no"


def _dash(value: Any) -> str:
    return "-" if value in (None, "") else str(value)
