"""The benchmark runner: every method on every instance, each run in its own process.

    python -m benchmarks.run all [--instances M:5:60,M-V:3:60,L:1:60,XL:1:120] [--methods ...]
    python -m benchmarks.run one --size M --seed 0 --method product --time-limit 60
    python -m benchmarks.run doc          # regenerate docs/benchmarks.md from results.csv
    python -m benchmarks.run sweep [--instances M:5:30]   # CP-SAT parameter variants
    python -m benchmarks.run build --size XL   # time only the product's model build

An *instance* is a generated week (:mod:`benchmarks.generate`, size and seed); ``SIZE:N:SECONDS``
runs seeds 0..N-1 of that size with that time limit. Methods: ``product`` (``optimizer.solve``),
``textbook`` (:mod:`benchmarks.textbook`), ``greedy`` (:mod:`benchmarks.greedy`). Each run is a
fresh subprocess, so peak memory (``ru_maxrss``) is its own; the parent also watches the
child's resident memory and kills it above ``--mem-limit-gb`` (status ``OUT_OF_MEMORY``) or
after twice the time limit plus a minute, the product's wall-clock safety factor times it on
one worker (status ``TIMEOUT``). ``product+IDEA`` is the product with the research switches
of ``IDEAS[IDEA]`` (issue 14: each idea measured beside the product's defaults).

Per run it records (times in seconds from the start of the method's call, after the scenario is
generated and validated): model build time, time to the first schedule, time to the best
schedule, time to the optimality proof of the primary objective, total time, objective (priority-
weighted scheduled clients), best bound, gap, status, peak memory, variables and constraints of
the CP-SAT model, and whether the schedule keeps every rule according to
:func:`optimizer.check.check_schedule`. Results go to ``benchmarks/results.csv`` and
``docs/benchmarks.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .report import fmt, report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT / "benchmarks" / "results.csv"
DEFAULT_DOC = ROOT / "docs" / "benchmarks.md"
DEFAULT_INSTANCES = "M:5:60,M-V:3:60,L:1:60,XL:1:120"
"""M-V: the M weeks with a telehealth evening track and hour minimums
(:func:`benchmarks.generate.with_virtual_track`)."""
DEFAULT_SWEEP_CSV = ROOT / "benchmarks" / "sweep.csv"
DEFAULT_PLACE_CSV = ROOT / "benchmarks" / "place.csv"
SWEEP_VARIANTS: dict[str, dict[str, Any]] = {
    # The product's own parameters (optimizer.search.params.SearchParams), then one change
    # each; "workers" is the run's worker count, every other key a SearchParams field.
    "product": {},
    "3 presolve passes (CP-SAT default)": {"parallel_presolve_iterations": 3},
    "linearization 1 (CP-SAT default)": {"linearization_level": 1},
    "probing in presolve (CP-SAT default)": {"parallel_probing_level": 2},
    "2 workers (one per core)": {"workers": 2},
}
"""Parameter variants of ``sweep``: each changes the product's :class:`SearchParams`."""
SWEEP_COLUMNS = ["variant", "params", "size", "seed", "time_limit", "workers", "status",
                 "objective", "best_bound", "best_seconds", "proof_seconds", "total_seconds",
                 "valid", "error"]
METHODS = ("product", "textbook", "greedy")
IDEAS: dict[str, dict[str, Any]] = {
    # Issue 14: one idea each (SearchParams fields), run as method "product+<name>".
    "dominance": {"dominance": True},
    # the first relaxation measured: without rooms then with them, 15% of the time left to
    # repair its attendance (the defaults were then relaxation_rooms=True, repair_share=0.15)
    "relax": {"relaxation": True, "relaxation_rooms": True, "repair_share": 0.15},
    "relax+dominance": {"relaxation": True, "dominance": True, "relaxation_rooms": True,
                        "repair_share": 0.15},
    "cuts": {"capacity_cuts": True},
    "relax+dominance+cuts": {"relaxation": True, "dominance": True, "relaxation_cuts": True,
                             "relaxation_rooms": True, "repair_share": 0.15},
    "nocore": {"core_share": 0.0},
    # the relaxation without rooms only, and a real week restricted to its attendance given
    # half the time left (not 15%): on O60 seed 0 that restricted week holds 44 > 40; now
    # the defaults, run on every week (the product runs it on over-subscribed weeks only)
    "relax-repair": {"relaxation": True},
    # the product before the over-subscribed trigger (relaxation_below): never the relaxation
    "no-relax": {"relaxation_below": 0.0},
    # CP-SAT's core subsolver on over-subscribed weeks when it would not run (2-3 workers)
    "core-worker": {"oversubscribed_core": True},
    # the product before the quick proof of small weeks (quick_proof_variables)
    "no-quick": {"quick_proof_variables": 0},
    # the quick proof tried on larger small weeks (the default tries it up to 4,000 variables)
    "quick-6000": {"quick_proof_variables": 6000},
    "quick-12000": {"quick_proof_variables": 12000},
    # the quick proof given a tenth of the time limit (1.5 s at 15 s) instead of 0.5 s
    "quick-tenth": {"quick_proof_seconds": 1e9},
    # the product without the search near the LP's solution (optimizer.search.lpsupport)
    "no-lp-support": {"lp_support": False},
    # the product without the LP bound beside phase 1 (optimizer.search.lpbound)
    "no-lp": {"lp_bound_below": 0.0},
    # the LP bound only on models of 30,000 variables or more (its first threshold)
    "lp-30k": {"lp_bound_min_variables": 30_000},
    # CP-SAT's own defaults for the whole week's model (the product's were tuned on M weeks)
    "cpsat-defaults": {"parallel_presolve_iterations": 3, "parallel_probing_level": 2,
                       "linearization_level": 1},
}
"""Research variants of the product: the SearchParams changes of ``product+<name>``."""
RESULT_PREFIX = "BENCHMARK-RESULT "
ISSUE14_CSV = "issue14.csv"
"""Issue 14's run (over-subscribed and small weeks), beside ``results.csv``."""

COLUMNS = [
    "size",
    "seed",
    "clients",
    "rooms",
    "method",
    "time_limit",
    "workers",
    "status",
    "objective",
    "best_bound",
    "gap",
    "total_priority",
    "scheduled_clients",
    "build_seconds",
    "first_seconds",
    "best_seconds",
    "proof_seconds",
    "total_seconds",
    "build_share",
    "peak_mb",
    "base_mb",
    "variables",
    "constraints",
    "valid",
    "violations",
    "error",
]


@dataclass(frozen=True)
class Instance:
    """One generated week and the time limit its runs get (seconds)."""

    size: str
    seed: int
    time_limit: float


def parse_instances(text: str) -> list[Instance]:
    """``SIZE:N:SECONDS,...`` -> instances (seeds 0..N-1); ``SIZE:A-B:SECONDS`` seeds A..B
    (e.g. weeks held out from a tuning run); ``SIZE:SECONDS`` means one seed."""
    out: list[Instance] = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) == 2:
            parts = [parts[0], "1", parts[1]]
        if len(parts) != 3:
            raise click.BadParameter(f"'{item}' is not SIZE:SEEDS:SECONDS (e.g. M:5:60)")
        size, seeds, seconds = parts
        first, _, last = seeds.partition("-")
        numbers = range(int(first), int(last) + 1) if last else range(int(seeds))
        out.extend(Instance(size.upper(), seed, float(seconds)) for seed in numbers)
    return out


# ---------------------------------------------------------------------------------------
# One run (inside the child process)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_one(
    size: str,
    seed: int,
    method: str,
    time_limit: float,
    workers: int,
    rooms: bool,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Generate the instance, run one method on it, measure and check it (one row).

    ``params`` names :class:`~optimizer.search.params.SearchParams` fields of the product
    that differ from the defaults (the sweep)."""
    from optimizer import Scenario
    from optimizer.check import check_schedule
    from optimizer.io.schedule import Schedule

    from .generate import generate

    base_mb = _peak_mb()
    scenario = Scenario.from_data(generate(size, seed, rooms))
    total_priority = sum(c.priority for c in scenario.clients)
    row: dict[str, Any] = {
        "size": size,
        "seed": seed,
        "clients": len(scenario.clients),
        "rooms": rooms,
        "method": method,
        "time_limit": time_limit,
        "workers": workers,
        "total_priority": total_priority,
        "base_mb": round(base_mb, 1),
    }
    check_method(method)
    runners = {"product": _run_product, "textbook": _run_textbook, "greedy": _run_greedy}
    base, _, idea = method.partition("+")
    changes = {**IDEAS.get(idea, {}), **(params or {})}
    outcome = runners[base](scenario, time_limit, workers, seed, changes)
    schedule: Schedule | None = outcome.pop("_schedule")
    row.update(outcome)
    if schedule is not None:
        errors = [v for v in check_schedule(scenario, schedule) if v.severity == "error"]
        row["valid"] = not errors
        row["violations"] = len(errors)
        row["scheduled_clients"] = int(schedule.assignments["client_id"].nunique())
    else:
        row["valid"] = None
        row["scheduled_clients"] = 0
    objective, bound = row.get("objective"), row.get("best_bound")
    if objective is not None and bound is not None:
        row["gap"] = (bound - objective) / max(1, objective)
    if row.get("build_seconds") is not None and row.get("total_seconds"):
        row["build_share"] = row["build_seconds"] / row["total_seconds"]
    row["peak_mb"] = round(_peak_mb(), 1)
    return row


def check_method(method: str) -> None:
    """A method name: one of ``METHODS`` or ``product+<idea>`` with an idea of ``IDEAS``."""
    idea = method.partition("+")[2]
    if method in METHODS or (method.startswith("product+") and idea in IDEAS):
        return
    raise click.BadParameter(
        f"unknown method '{method}' (use {', '.join(METHODS)} or product+IDEA with IDEA "
        f"one of {', '.join(IDEAS)})"
    )


def _run_textbook(
    scenario: Any, time_limit: float, workers: int, seed: int, params: dict[str, Any]
) -> dict[str, Any]:
    """The textbook CP-SAT model (:mod:`benchmarks.textbook`); ``params`` are not used."""
    from .textbook import solve_textbook

    tb = solve_textbook(scenario, time_limit, workers, seed)
    return {
        "status": tb.status,
        "objective": tb.objective,
        "best_bound": tb.best_bound,
        "build_seconds": tb.build_seconds,
        "first_seconds": tb.first_seconds,
        "best_seconds": tb.best_seconds,
        "proof_seconds": tb.total_seconds if tb.status == "OPTIMAL" else None,
        "total_seconds": tb.total_seconds,
        "variables": tb.variables,
        "constraints": tb.constraints,
        "_schedule": tb.schedule.to_schedule(scenario) if tb.objective is not None else None,
    }


def _run_greedy(
    scenario: Any, time_limit: float, workers: int, seed: int, params: dict[str, Any]
) -> dict[str, Any]:
    """The hand-style schedule alone (:mod:`benchmarks.greedy`), with the product's
    ``params`` (its greedy_* fields)."""
    from optimizer import SearchParams

    from .greedy import solve_greedy

    gr = solve_greedy(scenario, SearchParams.from_mapping(params, "--params"))
    return {
        "status": "FEASIBLE",
        "objective": gr.objective,
        "best_bound": None,
        "build_seconds": None,
        "first_seconds": gr.total_seconds,
        "best_seconds": gr.total_seconds,
        "proof_seconds": None,
        "total_seconds": gr.total_seconds,
        "_schedule": gr.schedule.to_schedule(scenario),
    }


def _run_product(
    scenario: Any, time_limit: float, workers: int, seed: int, params: dict[str, Any]
) -> dict[str, Any]:
    """``optimizer.solve`` with ``params`` (SearchParams fields that differ from the
    defaults) and its progress callback; proof time = when the primary objective was proven
    optimal (``Result.proof_seconds``)."""
    from optimizer import SearchParams, solve
    from optimizer.io.schedule import Schedule
    from optimizer.model import IOPModel, build_candidates

    events: list[Any] = []
    result = solve(
        scenario,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        progress=events.append,
        params=SearchParams.from_mapping(params, "--params"),
    )
    phase1 = [e for e in events if e.phase == 1]
    first = phase1[0].elapsed_seconds if phase1 else None
    best = None
    if result.objective is not None:
        best = next(
            (e.elapsed_seconds for e in phase1 if round(e.objective) >= result.objective),
            first if first is not None else result.solve_seconds,
        )
    status = result.status.value
    # Model size: the same build solve() did, repeated outside the timed call (none for a
    # week solved track by track: its whole model was never built).
    whole = "track by track" not in str(result.parameters.get("method", ""))
    iop = IOPModel(build_candidates(scenario)) if whole else None
    return {
        "status": status,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "build_seconds": result.build_seconds,
        "first_seconds": first,
        "best_seconds": best,
        "proof_seconds": result.proof_seconds,
        "total_seconds": result.solve_seconds,
        "variables": len(iop.model.proto.variables) if iop else None,
        "constraints": len(iop.model.proto.constraints) if iop else None,
        "_schedule": Schedule(
            assignments=result.assignments,
            sessions=result.sessions,
            unscheduled=result.unscheduled,
        )
        if result.objective is not None
        else None,
    }


# ---------------------------------------------------------------------------------------
# The parent: one subprocess per run, memory watch, CSV and report


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def _watchdog_seconds(time_limit: float, workers: int) -> float:
    """Wall seconds after which a run is killed (TIMEOUT): twice the limit and a minute; on
    one worker the product's own wall-clock safety net (its limit is in deterministic units,
    which pass slowly on a loaded machine) and a minute."""
    from optimizer.search.params import SearchParams

    factor = SearchParams().wall_safety_factor if workers == 1 else 2
    return factor * time_limit + 60


def run_in_subprocess(
    instance: Instance,
    method: str,
    workers: int,
    rooms: bool,
    mem_limit_gb: float,
    log_dir: Path | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run :func:`run_one` in a fresh Python process; a row even when the run fails.

    The stderr of a failed run is kept in ``log_dir`` (when given) for its traceback.
    """
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "one",
        "--size",
        instance.size,
        "--seed",
        str(instance.seed),
        "--method",
        method,
        "--time-limit",
        str(instance.time_limit),
        "--workers",
        str(workers),
        "--rooms" if rooms else "--no-rooms",
        "--params",
        json.dumps(params or {}),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    deadline = time.monotonic() + _watchdog_seconds(instance.time_limit, workers)
    watched_mb = 0.0
    failure = ""
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while child.poll() is None:
            watched_mb = max(watched_mb, _rss_mb(child.pid))
            if watched_mb > mem_limit_gb * 1024:
                failure = "OUT_OF_MEMORY"
            elif time.monotonic() > deadline:
                failure = "TIMEOUT"
            if failure:
                child.kill()
                break
            time.sleep(0.1)
        stdout, stderr = child.communicate()
    row: dict[str, Any] = {
        "size": instance.size,
        "seed": instance.seed,
        "method": method,
        "time_limit": instance.time_limit,
        "workers": workers,
        "rooms": rooms,
    }
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            row.update(json.loads(line[len(RESULT_PREFIX) :]))
            return row
    tail = (stderr.strip().splitlines() or ["no output"])[-1]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        name = f"{instance.size}-{instance.seed}-{method}.log"
        (log_dir / name).write_text(stderr, encoding="utf-8")
    row.update(
        status=failure or "ERROR",
        peak_mb=round(watched_mb, 1),
        error=tail[:300] if not failure else f"killed ({failure.lower()})",
    )
    return row


def run_all(
    instances: list[Instance],
    methods: Iterable[str] = METHODS,
    workers: int = 2,
    rooms: bool = True,
    csv_path: Path = DEFAULT_CSV,
    doc_path: Path | None = DEFAULT_DOC,
    mem_limit_gb: float = 8.0,
    note: str = "",
    command: str = "",
    notes: str = "",
) -> list[dict[str, Any]]:
    """Run every method on every instance, write the CSV (and the report), return the rows."""
    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    for instance in instances:
        for method in methods:
            row = run_in_subprocess(
                instance, method, workers, rooms, mem_limit_gb, csv_path.parent / "logs"
            )
            rows.append(row)
            click.echo(
                f"{instance.size} seed {instance.seed} {method}: {row.get('status')} "
                f"objective {row.get('objective')} bound {row.get('best_bound')} "
                f"total {fmt(row.get('total_seconds'))}s peak {fmt(row.get('peak_mb'))} MB "
                f"valid {row.get('valid')}",
                err=True,
            )
    write_csv(rows, csv_path)
    if doc_path is not None:
        meta = machine() | {
            "load_before": " ".join(f"{x:.2f}" for x in load_before),
            "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "note": note,
            "command": command,
            "notes": notes,
        }
        doc_path.parent.mkdir(parents=True, exist_ok=True)
        sweep_path = csv_path.parent / DEFAULT_SWEEP_CSV.name
        sweep = read_csv(sweep_path) if sweep_path.exists() else None
        doc_path.write_text(report(rows, meta, sweep), encoding="utf-8")
        json_meta = csv_path.with_suffix(".meta.json")
        json_meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path, columns: list[str] = COLUMNS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in columns})


def read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:  # saved by Excel or not
        return [{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else ""
    return value


def _parse(text: str) -> Any:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def machine() -> dict[str, str]:
    """Cores, CPU model, memory and versions of the machine running the benchmark."""
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    from ortools import __version__ as ortools_version  # type: ignore[attr-defined]

    import optimizer

    commit = "unknown"
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            or "unknown"
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "optimizer"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if dirty:
            commit += " (optimizer/ has uncommitted changes)"
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "ortools": str(ortools_version),
        "iop_optimizer": optimizer.__version__,
        "commit": commit,
    }


# ---------------------------------------------------------------------------------------
# Command line


@click.group()
def main() -> None:
    """Benchmark runner (see the module docstring)."""


@main.command("all")
@click.option(
    "--instances",
    default=DEFAULT_INSTANCES,
    show_default=True,
    help="SIZE:SEEDS:SECONDS,... (sizes S, M, L, XL or a client count)",
)
@click.option("--methods", default=",".join(METHODS), show_default=True)
@click.option("--workers", default=4, show_default=True, type=int)
@click.option("--rooms/--no-rooms", default=True, show_default=True)
@click.option("--csv", "csv_path", default=str(DEFAULT_CSV), show_default=True)
@click.option("--doc", "doc_path", default=str(DEFAULT_DOC), show_default=True)
@click.option("--mem-limit-gb", default=8.0, show_default=True, type=float)
@click.option("--note", default="", help="a line shown at the top of the report")
@click.option(
    "--notes-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Markdown appended to the report as its Notes section",
)
def all_command(
    instances: str,
    methods: str,
    workers: int,
    rooms: bool,
    csv_path: str,
    doc_path: str,
    mem_limit_gb: float,
    note: str,
    notes_file: str | None,
) -> None:
    """Run every method on every instance; write the CSV and the report."""
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    for method in chosen:
        check_method(method)
    run_all(
        parse_instances(instances),
        chosen,
        workers,
        rooms,
        Path(csv_path),
        Path(doc_path),
        mem_limit_gb,
        note,
        command="python -m benchmarks.run " + " ".join(sys.argv[1:]),
        notes=Path(notes_file).read_text(encoding="utf-8") if notes_file else "",
    )


@main.command("one")
@click.option("--size", required=True)
@click.option("--seed", default=0, type=int)
@click.option("--method", required=True, help="product, textbook, greedy or product+IDEA")
@click.option("--time-limit", default=60.0, type=float)
@click.option("--workers", default=2, type=int)
@click.option("--rooms/--no-rooms", default=True)
@click.option(
    "--params",
    default="{}",
    help="SearchParams fields of the product that differ from the defaults: JSON text, or "
    "a TOML/JSON file",
)
def one_command(
    size: str, seed: int, method: str, time_limit: float, workers: int, rooms: bool, params: str
) -> None:
    """Run one method on one instance; print the row as JSON."""
    if Path(params).is_file():
        from optimizer import SearchParams

        changed = SearchParams.from_file(params).changed()
    else:
        changed = json.loads(params)
    row = run_one(size.upper(), seed, method, time_limit, workers, rooms, changed)
    click.echo(RESULT_PREFIX + json.dumps(row, default=str))


@main.command("build")
@click.option("--size", required=True)
@click.option("--seed", default=0, type=int)
@click.option("--rooms/--no-rooms", default=True)
def build_command(size: str, seed: int, rooms: bool) -> None:
    """Time only the product's model build on one instance, with its size by family."""
    from optimizer import Scenario
    from optimizer.model import IOPModel, build_candidates

    from .generate import generate

    scenario = Scenario.from_data(generate(size.upper(), seed, rooms))
    started = time.perf_counter()
    candidates = build_candidates(scenario)
    candidates_seconds = time.perf_counter() - started
    groups = candidates.groups
    families = {
        "attend": sum(len(pairs) for pairs in candidates.attendable.values()),
        "join": sum(len(g.clients) for g in groups),
        "group copies": sum(g.copies for g in groups),
        "lead": sum(len(g.therapists) for g in groups),
        "group room (copies x rooms)": sum(g.copies * len(g.rooms) for g in groups),
        "individual therapist": sum(len(o.therapists) for o in candidates.individuals),
        "individual room": sum(len(r) for r in candidates.individual_rooms.values()),
    }
    click.echo(f"{size} seed {seed}: candidates built in {candidates_seconds:.1f}s")
    click.echo("candidate booleans by family: " + json.dumps(families))
    started = time.perf_counter()
    iop = IOPModel(candidates)
    click.echo(
        f"IOPModel built in {time.perf_counter() - started:.1f}s: "
        f"{len(iop.model.proto.variables)} variables, {len(iop.model.proto.constraints)} "
        f"constraints; peak memory {_peak_mb():.0f} MB"
    )


def run_sweep(
    instances: list[Instance],
    variants: dict[str, dict[str, Any]],
    workers: int = 2,
    csv_path: Path = DEFAULT_SWEEP_CSV,
    mem_limit_gb: float = 8.0,
) -> list[dict[str, Any]]:
    """The product on every instance once per parameter variant; rows to ``csv_path``."""
    rows: list[dict[str, Any]] = []
    for instance in instances:
        for name, variant in variants.items():
            params = {k: v for k, v in variant.items() if k != "workers"}
            row = run_in_subprocess(
                instance, "product", variant.get("workers", workers), True, mem_limit_gb,
                csv_path.parent / "logs", params,
            )
            row.update(variant=name, params=json.dumps(variant, sort_keys=True))
            rows.append(row)
            click.echo(
                f"{instance.size} seed {instance.seed} {name}: {row.get('status')} "
                f"objective {row.get('objective')} proof {fmt(row.get('proof_seconds'))}s",
                err=True,
            )
    write_csv(rows, csv_path, SWEEP_COLUMNS)
    return rows


@main.command("sweep")
@click.option("--instances", default="M:5:30", show_default=True)
@click.option("--workers", default=4, show_default=True, type=int)
@click.option("--csv", "csv_path", default=str(DEFAULT_SWEEP_CSV), show_default=True)
@click.option(
    "--variants",
    default=",".join(SWEEP_VARIANTS),
    show_default=True,
    help="comma-separated names from benchmarks/run.py::SWEEP_VARIANTS",
)
def sweep_command(instances: str, workers: int, csv_path: str, variants: str) -> None:
    """Run the product once per parameter variant (the report shows it: run `doc` after)."""
    chosen = {}
    for name in (v.strip() for v in variants.split(",") if v.strip()):
        if name not in SWEEP_VARIANTS:
            raise click.BadParameter(f"unknown variant '{name}' (see SWEEP_VARIANTS)")
        chosen[name] = SWEEP_VARIANTS[name]
    run_sweep(parse_instances(instances), chosen, workers, Path(csv_path))


@main.command("doc")
@click.option("--csv", "csv_path", default=str(DEFAULT_CSV), show_default=True)
@click.option("--doc", "doc_path", default=str(DEFAULT_DOC), show_default=True)
@click.option(
    "--notes-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Markdown for the Notes section (replaces the one recorded with the results)",
)
@click.option(
    "--issue14-notes-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Markdown for the notes of issue 14's section (kept in issue14.meta.json)",
)
def doc_command(
    csv_path: str, doc_path: str, notes_file: str | None, issue14_notes_file: str | None
) -> None:
    """Regenerate the report from a results CSV (machine data from its .meta.json)."""
    path = Path(csv_path)
    if issue14_notes_file:
        issue14_meta = (path.parent / ISSUE14_CSV).with_suffix(".meta.json")
        data = json.loads(issue14_meta.read_text()) if issue14_meta.exists() else {}
        data["notes"] = Path(issue14_notes_file).read_text(encoding="utf-8")
        issue14_meta.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    meta_path = path.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else machine()
    if notes_file:
        meta["notes"] = Path(notes_file).read_text(encoding="utf-8")
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    sweep_path = path.parent / DEFAULT_SWEEP_CSV.name
    sweep = read_csv(sweep_path) if sweep_path.exists() else None
    text = report(
        read_csv(path),
        meta,
        sweep,
        place=_place_results(path.parent),
        issue14=_issue14_results(path.parent),
    )
    Path(doc_path).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------
# Placing one client (issue 13): benchmarks/place.py


def _issue14_results(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The rows and machine data of issue 14's run (``all --csv benchmarks/issue14.csv``)
    next to the results, if it was run."""
    path = folder / ISSUE14_CSV
    if not path.exists():
        return None
    meta_path = path.with_suffix(".meta.json")
    return read_csv(path), json.loads(meta_path.read_text()) if meta_path.exists() else {}


def _place_results(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The rows and machine data of ``place`` next to the results, if it was run."""
    path = folder / DEFAULT_PLACE_CSV.name
    if not path.exists():
        return None
    meta_path = path.with_suffix(".meta.json")
    return read_csv(path), json.loads(meta_path.read_text()) if meta_path.exists() else {}


@main.command("place")
@click.option("--size", default="L", show_default=True)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--intakes", default=10, show_default=True, type=int, help="new clients placed")
@click.option(
    "--time-limit", default=60.0, show_default=True, type=float, help="seconds to solve the week"
)
@click.option("--workers", default=2, show_default=True, type=int, help="for the solve")
@click.option("--csv", "csv_path", default=str(DEFAULT_PLACE_CSV), show_default=True)
def place_command(
    size: str, seed: int, intakes: int, time_limit: float, workers: int, csv_path: str
) -> None:
    """Solve a week once, then time `place` for new intakes (run `doc` after for the page)."""
    from .place import PLACE_COLUMNS, run_place

    meta: dict[str, Any] = {**machine(), "load_before": _load(), "place_seconds": 10.0}
    rows = run_place(size.upper(), seed, intakes, time_limit, workers)
    meta.update(load_after=_load(), command="python -m benchmarks.run " + " ".join(sys.argv[1:]))
    path = Path(csv_path)
    write_csv(rows, path, PLACE_COLUMNS)
    path.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        click.echo(
            f"{row['client_id']} {row['seconds']:.2f}s: {row['options']} options"
            + (" (moving others)" if row["moves_others"] else "")
        )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
