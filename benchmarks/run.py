"""The benchmark runner: every method on every instance, each run in its own process.

    python -m benchmarks.run all [--instances M:5:60,L:1:60,XL:1:120] [--methods ...]
    python -m benchmarks.run one --size M --seed 0 --method product --time-limit 60
    python -m benchmarks.run doc          # regenerate docs/benchmarks.md from results.csv
    python -m benchmarks.run sweep [--instances M:5:30]   # CP-SAT parameter variants
    python -m benchmarks.run build --size XL   # time only the product's model build

An *instance* is a generated week (:mod:`benchmarks.generate`, size and seed); ``SIZE:N:SECONDS``
runs seeds 0..N-1 of that size with that time limit. Methods: ``product`` (``optimizer.solve``),
``textbook`` (:mod:`benchmarks.textbook`), ``greedy`` (:mod:`benchmarks.greedy`). Each run is a
fresh subprocess, so peak memory (``ru_maxrss``) is its own; the parent also watches the
child's resident memory and kills it above ``--mem-limit-gb`` (status ``OUT_OF_MEMORY``) or
after twice the time limit plus a minute, ten times on one worker (status ``TIMEOUT``).

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
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT / "benchmarks" / "results.csv"
DEFAULT_DOC = ROOT / "docs" / "benchmarks.md"
DEFAULT_INSTANCES = "M:5:60,L:1:60,XL:1:120"
DEFAULT_SWEEP_CSV = ROOT / "benchmarks" / "sweep.csv"
SWEEP_VARIANTS: dict[str, dict[str, Any]] = {
    # The product's own parameters (optimizer/solve.py::_solver), then one change each.
    "product": {},
    "3 presolve passes (CP-SAT default)": {"max_presolve_iterations": 3},
    "linearization 1 (CP-SAT default)": {"linearization_level": 1},
    "probing in presolve (CP-SAT default)": {"cp_model_probing_level": 2},
    "2 workers (one per core)": {"num_workers": 2},
}
"""Parameter variants of ``sweep``: each overrides the product's main-search parameters."""
SWEEP_COLUMNS = ["variant", "params", "size", "seed", "time_limit", "workers", "status",
                 "objective", "best_bound", "best_seconds", "proof_seconds", "total_seconds",
                 "valid", "error"]
METHODS = ("product", "textbook", "greedy")
IDEAS: dict[str, dict[str, Any]] = {
    # Issue 14: one idea each, run as method "product+<name>" beside "product".
    "dominance": {"dominance": True},
    "relax": {"relax": True},
    "relax+dominance": {"relax": True, "dominance": True},
    "nocore": {"core_bound": False},
    "nocore+presolve": {"core_bound": False, "full_presolve_below": 20000},
    "relax+dominance+nocore": {"relax": True, "dominance": True, "core_bound": False},
    "cuts": {"cuts": True},
    "relax+dominance+cuts": {"relax": True, "dominance": True, "relax_cuts": True},
    "relax+dominance+cuts+realcuts": {
        "relax": True, "dominance": True, "relax_cuts": True, "cuts": True,
    },
}
"""Research variants of the product (``optimizer.solve.Experiment`` switches)."""
RESULT_PREFIX = "BENCHMARK-RESULT "

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
    "proof_units",
    "total_units",
]


@dataclass(frozen=True)
class Instance:
    """One generated week and the time limit its runs get (seconds)."""

    size: str
    seed: int
    time_limit: float


def parse_instances(text: str) -> list[Instance]:
    """``SIZE:N:SECONDS,...`` -> instances (seeds 0..N-1); ``SIZE:SECONDS`` means one seed."""
    out: list[Instance] = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) == 2:
            parts = [parts[0], "1", parts[1]]
        if len(parts) != 3:
            raise click.BadParameter(f"'{item}' is not SIZE:SEEDS:SECONDS (e.g. M:5:60)")
        size, seeds, seconds = parts
        out.extend(Instance(size.upper(), seed, float(seconds)) for seed in range(int(seeds)))
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

    ``params`` overrides CP-SAT parameters of the product's main search (the sweep)."""
    from optimizer import Scenario
    from optimizer.check import check_schedule
    from optimizer.io.schedule import Schedule
    from optimizer.model.rows import as_schedule

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
    schedule: Schedule | None = None
    if method == "product" or method.startswith("product+"):
        _apply_idea(method)
        row.update(_run_product(scenario, time_limit, workers, seed, params or {}))
        schedule = row.pop("_schedule")
    elif method == "textbook":
        from .textbook import solve_textbook

        tb = solve_textbook(scenario, time_limit, workers, seed)
        row.update(
            status=tb.status,
            objective=tb.objective,
            best_bound=tb.best_bound,
            build_seconds=tb.build_seconds,
            first_seconds=tb.first_seconds,
            best_seconds=tb.best_seconds,
            proof_seconds=tb.total_seconds if tb.status == "OPTIMAL" else None,
            total_seconds=tb.total_seconds,
            variables=tb.variables,
            constraints=tb.constraints,
            total_units=tb.deterministic_units,
            proof_units=tb.deterministic_units if tb.status == "OPTIMAL" else None,
        )
        if tb.objective is not None:
            schedule = as_schedule(scenario, tb.assignments, tb.sessions)
    elif method == "greedy":
        from .greedy import solve_greedy

        gr = solve_greedy(scenario)
        row.update(
            status="FEASIBLE",
            objective=gr.objective,
            best_bound=None,
            build_seconds=None,
            first_seconds=gr.total_seconds,
            best_seconds=gr.total_seconds,
            proof_seconds=None,
            total_seconds=gr.total_seconds,
        )
        schedule = as_schedule(scenario, gr.assignments, gr.sessions)
    else:
        raise click.BadParameter(f"unknown method '{method}' (use {', '.join(METHODS)})")

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


def _apply_idea(method: str) -> None:
    """Set the product's research switches for ``product+<idea>`` (in the child process)."""
    import importlib

    product = importlib.import_module("optimizer.solve")  # the module, not the function
    idea = IDEAS.get(method.partition("+")[2], {})
    product.EXPERIMENT = product.Experiment(**idea)


def _run_product(
    scenario: Any, time_limit: float, workers: int, seed: int, params: dict[str, Any]
) -> dict[str, Any]:
    """``optimizer.solve`` with its progress callback; proof time = start of phase 2.

    ``params`` are set on every solver that ``optimizer.solve._solver`` (the one place the
    product sets its CP-SAT parameters) returns."""
    import importlib

    from optimizer.io.schedule import Schedule
    from optimizer.model import IOPModel, build_candidates

    product = importlib.import_module("optimizer.solve")  # the module, not the function
    events: list[Any] = []
    proof: list[float] = []
    started = time.perf_counter()
    improve = getattr(product, "_improve_secondary", None)
    if improve is not None:  # phase 2 starts exactly when phase 1 is proven optimal

        def timed(*args: Any, **kwargs: Any) -> Any:
            proof.append(time.perf_counter() - started)
            return improve(*args, **kwargs)

        product._improve_secondary = timed  # type: ignore[attr-defined]
    make_solver = product._solver

    def tuned(*args: Any, **kwargs: Any) -> Any:
        solver = make_solver(*args, **kwargs)
        for key, value in params.items():
            setattr(solver.parameters, key, value)
        return solver

    setattr(product, "_solver", tuned)  # noqa: B010 (a module attribute, swapped back below)
    try:
        started = time.perf_counter()
        result = product.solve(
            scenario, time_limit=time_limit, workers=workers, seed=seed, progress=events.append
        )
    finally:
        setattr(product, "_solver", make_solver)  # noqa: B010
        if improve is not None:
            product._improve_secondary = improve  # type: ignore[attr-defined]
    phase1 = [e for e in events if e.phase == 1]
    first = phase1[0].elapsed_seconds if phase1 else None
    best = None
    if result.objective is not None:
        best = next(
            (e.elapsed_seconds for e in phase1 if round(e.objective) >= result.objective),
            first if first is not None else result.solve_seconds,
        )
    status = result.status.value
    proof_seconds = None
    if status == "OPTIMAL":
        phase2 = [e.elapsed_seconds for e in events if e.phase == 2]
        proof_seconds = proof[0] if proof else (phase2[0] if phase2 else result.solve_seconds)
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
        "proof_seconds": proof_seconds,
        "total_seconds": result.solve_seconds,
        "proof_units": result.parameters.get("proof_units"),
        "total_units": result.parameters.get("deterministic_units"),
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
    from optimizer.solve import WALL_SAFETY_FACTOR

    return (WALL_SAFETY_FACTOR if workers == 1 else 2) * time_limit + 60


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
                f"total {_fmt(row.get('total_seconds'))}s peak {_fmt(row.get('peak_mb'))} MB "
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
    with path.open(encoding="utf-8", newline="") as handle:
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
# docs/benchmarks.md


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ratio(num: Any, den: Any) -> str:
    if num is None or den is None:
        return "-"
    if den == 0:
        return "-" if num == 0 else "inf"
    return f"{num / den:.2f}"


def report(
    rows: list[dict[str, Any]],
    meta: dict[str, str],
    sweep: list[dict[str, Any]] | None = None,
) -> str:
    """The Markdown report: machine, results side by side, ratios, the issue's targets, and
    the parameter sweep's rows when given."""
    out: list[str] = ["# Benchmarks", ""]
    if meta.get("note"):
        out += [f"> **{meta['note']}**", ""]
    out += [
        "Generated by `benchmarks/run.py` (do not edit by hand; rerun it). Instances come from",
        "`benchmarks/generate.py` (seeded synthetic Los Angeles weeks, with rooms unless noted);",
        "methods: **product** = `optimizer.solve()` (lexicographic; time limit covers everything,",
        "including its phase 2 on secondary goals), **textbook** = `benchmarks/textbook.py`",
        "(one boolean per client x candidate session, explicit group copies; time limit covers",
        "build and search), **greedy** = `benchmarks/greedy.py` (coordinator by hand). Every run",
        "is its own process. Times are seconds from the start of the method's call.",
        "",
        "The full benchmark of issue 8 (about 14 minutes on 2 cores; run it on an otherwise idle",
        "machine, since every figure is wall-clock):",
        "",
        "    python -m benchmarks.run all --instances M:5:60,L:1:60,XL:1:120 --workers 4",
        "",
        "and the parameter sweep below (about 13 minutes; `doc` then rebuilds this page):",
        "",
        "    python -m benchmarks.run sweep --instances M:5:30 --workers 4",
        "",
        "Instances can be written as scenario folders for `cli.py solve`:",
        "`python -m benchmarks.generate --size L --seed 0 --out /tmp/L-0`.",
        "",
        "## Machine",
        "",
        f"- date: {meta.get('date', '-')}",
        f"- cores (nproc): {meta.get('nproc', '-')}; CPU: {meta.get('cpu', '-')}",
        f"- memory: {meta.get('memory', '-')}",
        f"- load average (1, 5, 15 min) before: {meta.get('load_before', '-')}, "
        f"after: {meta.get('load_after', '-')}",
        f"- python {meta.get('python', '-')}, ortools {meta.get('ortools', '-')}, "
        f"iop-optimizer {meta.get('iop_optimizer', '-')} at commit {meta.get('commit', '-')}",
    ]
    if meta.get("command"):
        out += [f"- command: `{meta['command']}`"]
    out += [
        "",
        "## Results",
        "",
        "objective = priority-weighted scheduled clients (SPEC §4 primary); bound = best proven",
        "upper bound; gap = (bound - objective) / objective; first / best = time to the first /",
        "best schedule; proof = time until the primary objective is proven optimal; build share",
        "= model build / total; peak = peak resident memory of the run's process (MB); valid =",
        "every rule holds per `optimizer.check.check_schedule`.",
        "",
        "| size | seed | clients | method | status | objective | bound | gap | build s "
        "| build share | first s | best s | proof s | total s | peak MB | variables "
        "| constraints | valid |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            "| "
            + " | ".join(
                [
                    _fmt(r.get("size")),
                    _fmt(r.get("seed")),
                    _fmt(r.get("clients")),
                    _fmt(r.get("method")),
                    _fmt(r.get("status")),
                    f"{_fmt(r.get('objective'))} / {_fmt(r.get('total_priority'))}",
                    _fmt(r.get("best_bound")),
                    _pct(r.get("gap")),
                    _fmt(r.get("build_seconds"), 2),
                    _pct(r.get("build_share")),
                    _fmt(r.get("first_seconds"), 2),
                    _fmt(r.get("best_seconds"), 2),
                    _fmt(r.get("proof_seconds"), 2),
                    _fmt(r.get("total_seconds"), 2),
                    _fmt(r.get("peak_mb"), 0),
                    _fmt(r.get("variables")),
                    _fmt(r.get("constraints")),
                    _fmt(r.get("valid")) + (f" ({r['error']})" if r.get("error") else ""),
                ]
            )
            + " |"
        )
    out += _ratios(rows) + _targets(rows) + issue14_section(rows) + sweep_section(sweep or [])
    if meta.get("notes"):
        out += ["", "## Notes", "", meta["notes"].strip()]
    return "\n".join(out) + "\n"


def _by_instance(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, dict[str, Any]]]:
    grouped: dict[tuple[str, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        grouped[(str(r.get("size")), int(r.get("seed") or 0))][str(r.get("method"))] = r
    return grouped


def _ratios(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "",
        "## Ratios (same instance, same run)",
        "",
        "objective ratio = product / baseline (above 1: the product serves more); time ratios =",
        'baseline / product (above 1: the product is faster); "best known bound" is the',
        "smallest bound any CP-SAT method proved on the instance.",
        "",
        "| size | seed | best known bound | product obj / bound | objective vs textbook "
        "| first-schedule time vs textbook | best-schedule time vs textbook "
        "| proof time vs textbook "
        "| objective vs greedy | greedy time / product first-schedule time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (size, seed), by_method in _by_instance(rows).items():
        p = by_method.get("product", {})
        t = by_method.get("textbook", {})
        g = by_method.get("greedy", {})
        bounds = [int(r["best_bound"]) for r in (p, t) if r.get("best_bound") is not None]
        bound = min(bounds) if bounds else None
        out.append(
            f"| {size} | {seed} | {_fmt(bound)} | {_ratio(p.get('objective'), bound)} "
            f"| {_ratio(p.get('objective'), t.get('objective'))} "
            f"| {_ratio(t.get('first_seconds'), p.get('first_seconds'))} "
            f"| {_ratio(t.get('best_seconds'), p.get('best_seconds'))} "
            f"| {_ratio(t.get('proof_seconds'), p.get('proof_seconds'))} "
            f"| {_ratio(p.get('objective'), g.get('objective'))} "
            f"| {_ratio(g.get('total_seconds'), p.get('first_seconds'))} |"
        )
    return out


SMALL_TOLERANCE = 0.5
"""Seconds by which the product's proof of a small week may trail the textbook's and still
count as "not slower" (process start-up and the hand-style schedule cost about that)."""


def _family(size: Any) -> str:
    text = str(size)
    return "SW" if text == "SW" else text


def issue14_section(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown for issue 14: how over-subscribed the over-subscribed weeks are, each method
    per family (the ideas side by side), and the issue's targets."""
    families = [f for f in dict.fromkeys(_family(r.get("size")) for r in rows)]
    if not any(f.startswith("O") or f == "SW" for f in families):
        return []
    out = ["", "## Over-subscribed and small weeks (issue 14)", ""]
    out += _demand_lines(rows)
    out += [
        "",
        "Each method per family (proof = time until the primary objective is proven optimal;",
        "median counts an unproven run as never proven; objective and bound summed over seeds):",
        "",
        "| family | method | proven | median proof s | worst proof s | objective (sum) "
        "| bound (sum) |",
        "|---|---|---|---|---|---|---|",
    ]
    methods = list(dict.fromkeys(str(r.get("method")) for r in rows))
    for family in families:
        for method in methods:
            mine = [r for r in rows if _family(r.get("size")) == family
                    and r.get("method") == method]
            if not mine or method == "greedy":
                continue
            proofs = [r.get("proof_seconds") for r in mine]
            median = _median_proof(mine)
            worst = max((math.inf if p is None else float(p)) for p in proofs)
            bounds = [r.get("best_bound") for r in mine]
            out.append(
                f"| {family} | {method} | {sum(p is not None for p in proofs)} of {len(mine)} "
                f"| {'-' if math.isinf(median) else f'{median:.2f}'} "
                f"| {'-' if math.isinf(worst) else f'{worst:.2f}'} "
                f"| {sum(int(r.get('objective') or 0) for r in mine)} "
                f"| {sum(int(b) for b in bounds) if None not in bounds else '-'} |"
            )
    out += ["", "Targets of issue 14 (the product's default method, `product`):", ""]
    out += _issue14_targets(rows)
    return out


def _demand_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per over-subscribed instance: total priority against the best schedule and the best
    bound any method reached (demand = total / served; proven when they meet)."""
    out = [
        "Demand of the over-subscribed weeks: total priority of all clients over the best",
        "schedule any method found, and over the smallest bound any method proved (so the",
        "true ratio lies between the two; one number when the optimum is proven).",
        "",
        "| size | seed | clients | total priority | best schedule | best bound "
        "| demand / capacity |",
        "|---|---|---|---|---|---|---|",
    ]
    for (size, seed), by_method in _by_instance(rows).items():
        if not str(size).startswith("O"):
            continue
        objectives = [int(r["objective"]) for r in by_method.values()
                      if r.get("objective") is not None]
        bounds = [int(r["best_bound"]) for r in by_method.values()
                  if r.get("best_bound") is not None]
        total = next((r.get("total_priority") for r in by_method.values()
                      if r.get("total_priority")), None)
        clients = next((r.get("clients") for r in by_method.values() if r.get("clients")), None)
        best, bound = max(objectives, default=None), min(bounds, default=None)
        if total and best and bound:
            ratio = (f"{total / best:.2f}" if best >= bound
                     else f"{total / bound:.2f}-{total / best:.2f}")
        else:
            ratio = "-"
        out.append(
            f"| {size} | {seed} | {_fmt(clients)} | {_fmt(total)} | {_fmt(best)} "
            f"| {_fmt(bound)} | {ratio} |"
        )
    return out


def _issue14_targets(rows: list[dict[str, Any]]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    out = []
    product = [r for r in rows if r.get("method") == "product"]
    o60 = [r for r in product if r.get("size") == "O60"]
    if o60:
        median = _median_proof(o60)
        worst = max(
            (math.inf if r.get("proof_seconds") is None else float(r["proof_seconds"]))
            for r in o60
        )
        out.append(
            f"- O60: primary proven optimal, median under 10 s, every seed under 30 s: "
            f"{sum(r.get('proof_seconds') is not None for r in o60)} of {len(o60)} proven, "
            f"median {'never' if math.isinf(median) else f'{median:.2f} s'}, worst "
            f"{'never' if math.isinf(worst) else f'{worst:.2f} s'} -> "
            f"{verdict(median < 10 and worst < 30)}"
        )
    o200 = [r for r in product if r.get("size") == "O200"]
    if o200:
        gaps = [math.inf if r.get("gap") is None else float(r["gap"]) for r in o200]
        out.append(
            f"- O200: gap under 1% within 60 s: worst gap "
            f"{_pct(None if math.isinf(max(gaps)) else max(gaps))} -> "
            f"{verdict(max(gaps) < 0.01)}"
        )
    slower = []
    small = 0
    for (size, seed), by_method in _by_instance(rows).items():
        p, t = by_method.get("product"), by_method.get("textbook")
        if size != "SW" or p is None or t is None:
            continue
        small += 1
        if t.get("proof_seconds") is None:
            continue
        mine = math.inf if p.get("proof_seconds") is None else float(p["proof_seconds"])
        if mine > float(t["proof_seconds"]) + SMALL_TOLERANCE:
            slower.append(f"seed {seed} ({_fmt(p.get('proof_seconds'), 2)} s against "
                          f"{_fmt(t.get('proof_seconds'), 2)} s)")
    if small:
        out.append(
            f"- SW: proof never more than {SMALL_TOLERANCE} s slower than the textbook "
            f"model's, {small} weeks: "
            + ("met" if not slower else "**NOT met**: " + "; ".join(slower))
        )
    wrong = bound_violations(rows)
    out.append(
        "- every bound at least the best schedule found on its week: "
        + ("yes" if not wrong else "**NO**: " + "; ".join(wrong))
    )
    return out


def bound_violations(rows: list[dict[str, Any]]) -> list[str]:
    """Instances where a method's bound is below a schedule some method found on the same
    week (a bug: a bound must hold for every schedule)."""
    out = []
    for (size, seed), by_method in _by_instance(rows).items():
        found = [
            (int(r["objective"]), name)
            for name, r in by_method.items()
            if r.get("objective") is not None
        ]
        if not found:
            continue
        best, who = max(found)
        for name, r in by_method.items():
            if r.get("best_bound") is not None and int(r["best_bound"]) < best:
                out.append(f"{size}/{seed}: {name} bound {r['best_bound']} < {best} ({who})")
    return out


def _targets(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's acceptance figures, computed from the rows."""
    product = [r for r in rows if r.get("method") == "product"]
    by_size: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in product:
        by_size[str(r.get("size"))].append(r)
    out = ["", "## Targets of issue 8", ""]

    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "**NOT met**")

    m_rows = by_size.get("M", [])
    if m_rows:
        median = _median_proof(m_rows)
        shown = "not proven within the time limit" if median == math.inf else f"{median:.2f} s"
        out.append(
            f"- M: primary proven optimal in under 10 s, median over {len(m_rows)} seed(s): "
            f"median proof time {shown} -> {verdict(median < 10)}"
        )
    else:
        out.append("- M: primary proven optimal in under 10 s (median of 5 seeds): not measured")
    l_rows = by_size.get("L", [])
    if l_rows:
        gaps = [r.get("gap") for r in l_rows]
        worst = max((math.inf if g is None else g) for g in gaps)
        out.append(
            f"- L: gap under 1% within 60 s: worst gap {_pct(worst if worst != math.inf else None)}"
            f" -> {verdict(worst < 0.01)}"
        )
    else:
        out.append("- L: gap under 1% within 60 s: not measured")
    xl_rows = by_size.get("XL", [])
    if xl_rows:
        for r in xl_rows:
            share = (
                r["objective"] / r["best_bound"]
                if r.get("objective") is not None and r.get("best_bound")
                else None
            )
            mem_ok = r.get("peak_mb") is not None and r["peak_mb"] < 4096
            out.append(
                f"- XL seed {r.get('seed')}: serves {_pct(share)} of the bound (target 95%) "
                f"-> {verdict(share is not None and share >= 0.95)}; peak memory "
                f"{_fmt(r.get('peak_mb'), 0)} MB (target < 4096) -> {verdict(mem_ok)}"
            )
    else:
        out.append("- XL: 95% of the bound within 120 s, peak memory under 4 GB: not measured")
    ahead = []
    for (size, seed), by_method in _by_instance(rows).items():
        p = by_method.get("product")
        if p is None or p.get("objective") is None:
            ahead.append(f"{size}/{seed}: no product schedule")
            continue
        for name in ("textbook", "greedy"):
            other = by_method.get(name)
            if other is None or other.get("objective") is None:
                continue
            if other["objective"] > p["objective"]:
                ahead.append(f"{size}/{seed}: {name} serves more")
            elif (
                name == "textbook"
                and other["objective"] == p["objective"]
                and other.get("status") == "OPTIMAL"
                and (
                    p.get("proof_seconds") is None
                    or (other.get("proof_seconds") or math.inf) < p["proof_seconds"]
                )
            ):
                ahead.append(f"{size}/{seed}: textbook proves optimality sooner")
    out.append(
        "- product ahead of both baselines on every instance: "
        + ("met" if not ahead else "**NOT met** (" + "; ".join(ahead) + ")")
    )
    shares = [float(r["build_share"]) for r in product if r.get("build_share") is not None]
    if shares:
        worst_share = max(shares)
        out.append(
            f"- model build under 20% of the total time at every size: worst {_pct(worst_share)}"
            f" -> {verdict(worst_share < 0.2)}"
        )
    invalid = [
        f"{r.get('size')}/{r.get('seed')}/{r.get('method')}"
        for r in rows
        if r.get("valid") is False
    ]
    out.append(
        "- every schedule valid per check_schedule: "
        + ("yes" if not invalid else "**NO**: " + ", ".join(invalid))
    )
    return out


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
@click.option("--params", default="{}", help="JSON: CP-SAT parameters for the product")
def one_command(
    size: str, seed: int, method: str, time_limit: float, workers: int, rooms: bool, params: str
) -> None:
    """Run one method on one instance; print the row as JSON."""
    check_method(method)
    row = run_one(size.upper(), seed, method, time_limit, workers, rooms, json.loads(params))
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
        for name, params in variants.items():
            row = run_in_subprocess(
                instance, "product", workers, True, mem_limit_gb, csv_path.parent / "logs",
                params,
            )
            row.update(variant=name, params=json.dumps(params, sort_keys=True))
            rows.append(row)
            click.echo(
                f"{instance.size} seed {instance.seed} {name}: {row.get('status')} "
                f"objective {row.get('objective')} proof {_fmt(row.get('proof_seconds'))}s",
                err=True,
            )
    write_csv(rows, csv_path, SWEEP_COLUMNS)
    return rows


def _median_proof(rows: list[dict[str, Any]]) -> float:
    """Median proof time of runs, an unproven run counting as never proven (inf)."""
    return statistics.median(
        math.inf if r.get("proof_seconds") is None else float(r["proof_seconds"]) for r in rows
    )


def sweep_section(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown: per variant, proofs, median proof time (unproven counts as never) and the
    summed objective, from the rows of :func:`run_sweep`."""
    if not rows:
        return []
    by_variant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_variant[str(r.get("variant"))].append(r)
    first = rows[0]
    out = [
        "",
        "## Solver parameters",
        "",
        "The product sets its CP-SAT parameters in one place, `optimizer/solve.py::_solver`;",
        "each variant below changes one of them for the main search (phases 1 and 2) and runs",
        "the same instances, one process per run, in one sitting "
        f"(`python -m benchmarks.run sweep`, {first.get('size')} weeks, "
        f"{_fmt(first.get('time_limit'))} s, {_fmt(first.get('workers'))} workers). "
        "Median proof time counts an unproven run as never proven.",
        "",
        "| variant | parameters | proven | median proof s | proof s per seed | objective (sum) |",
        "|---|---|---|---|---|---|",
    ]
    for name, mine in by_variant.items():
        proofs = [r.get("proof_seconds") for r in mine]
        median = _median_proof(mine)
        objective = sum(int(r.get("objective") or 0) for r in mine)
        out.append(
            f"| {name} | `{mine[0].get('params')}` | {sum(p is not None for p in proofs)} of "
            f"{len(mine)} | {'-' if math.isinf(median) else f'{median:.2f}'} | "
            + ", ".join(_fmt(p, 1) for p in proofs)
            + f" | {objective} |"
        )
    return out


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
def doc_command(csv_path: str, doc_path: str, notes_file: str | None) -> None:
    """Regenerate the report from a results CSV (machine data from its .meta.json)."""
    path = Path(csv_path)
    meta_path = path.with_suffix(".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else machine()
    if notes_file:
        meta["notes"] = Path(notes_file).read_text(encoding="utf-8")
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    sweep_path = path.parent / DEFAULT_SWEEP_CSV.name
    sweep = read_csv(sweep_path) if sweep_path.exists() else None
    Path(doc_path).write_text(report(read_csv(path), meta, sweep), encoding="utf-8")


if __name__ == "__main__":
    main()
