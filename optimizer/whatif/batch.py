"""Running a batch: resolve every variant, solve them on an executor, compare, write.

This module sits on top of the others of :mod:`optimizer.whatif` (file, executors, worker,
comparison) and imports none of them back.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OptimizerError
from ..io.write import write_json
from ..result import Result
from ..scenario import Scenario
from .comparison import (
    ERROR_STATUS,
    SOLVED,
    comparison_table,
    failed_row,
    plot_comparison,
    write_comparison_csv,
)
from .executors import DaskExecutor, Executor, LocalExecutor
from .file import WhatIf, WhatIfError, load_whatif
from .worker import VariantOutcome, VariantTask

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, dict[str, Any]], None]
"""``progress(done, total, row)``: called as each variant's row is known."""


def run_batch(
    whatif: WhatIf | str | Path,
    executor: str = "local",
    scheduler: str | None = None,
    time_limit: float = 60.0,
    workers_per_solve: int | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    *,
    seed: int = 0,
    cores: int | None = None,
) -> pd.DataFrame:
    """Solve every variant and return the comparison table, one row per variant.

    ``executor`` is ``"local"`` (a process pool on this machine) or ``"dask"`` (the
    ``dask.distributed`` scheduler at ``scheduler``, e.g. ``tcp://host:8786``, or a local
    Dask cluster without it). ``time_limit`` is in seconds per variant. Each solve gets
    ``workers_per_solve`` CP-SAT workers (default: a fair share, ``cores // parallel solves``,
    at least 1) and the same ``seed``, so ``workers_per_solve=1`` makes the batch reproducible.
    ``cores`` defaults to ``os.cpu_count()``. ``progress(done, total, row)`` is called as each
    variant finishes. With ``out_dir``, writes ``<out_dir>/<variant>/`` (the schedule folder
    plus ``scenario.json``), ``comparison.csv`` and ``comparison.png``.

    A variant whose edits do not apply gets status ``INVALID_INPUT``; one with no schedule in
    the time limit ``UNKNOWN`` (or ``INFEASIBLE``); a crashed solve ``ERROR``; the ``error``
    column says why. Raises :class:`WhatIfError` only when the what-if file is unreadable.
    """
    if not isinstance(whatif, WhatIf):
        whatif = load_whatif(whatif)
    if executor not in ("local", "dask"):
        raise WhatIfError(f"unknown executor '{executor}': use local or dask")
    started = time.perf_counter()
    rows = _Rows(total=len(whatif.variants), progress=progress)
    scenarios = _resolve_variants(whatif, rows)
    parallel, workers = share_cores(len(scenarios), cores or os.cpu_count(), workers_per_solve)
    tasks = [
        VariantTask(name, scenario.to_data(), time_limit, workers, seed)
        for name, scenario in scenarios.items()
    ]
    log.info(
        "batch of %d variants: %d solves in parallel, %d workers each",
        rows.total,
        parallel,
        workers,
    )
    runner: Executor = (
        LocalExecutor(parallel) if executor == "local" else DaskExecutor(scheduler, parallel)
    )
    out = Path(out_dir) if out_dir is not None else None
    _solve_all(runner, executor, tasks, scenarios, rows, out)

    in_order = [rows.by_name[variant.name] for variant in whatif.variants]
    table = comparison_table(in_order, whatif.baseline().name)
    if out is not None:
        failed = {row["variant"] for row in in_order if row["status"] not in SOLVED}
        _write_batch(out, table, failed)
    log.info("batch done in %.1fs", time.perf_counter() - started)
    return table


def share_cores(solves: int, cores: int | None, workers_per_solve: int | None) -> tuple[int, int]:
    """How many solves run at once and with how many CP-SAT workers each.

    Without ``workers_per_solve``, as many solves as there are ``cores`` (at most ``solves``)
    share the cores fairly (at least one worker each); with it, as many solves as the cores
    hold. Both numbers are at least 1.
    """
    cores = max(1, cores or 1)
    if workers_per_solve is None:
        parallel = max(1, min(solves, cores))
        return parallel, max(1, cores // parallel)
    return max(1, min(solves, cores // workers_per_solve)), workers_per_solve


@dataclass
class _Rows:
    """The comparison rows as they come in, and the progress callback told of each."""

    total: int
    progress: ProgressCallback | None
    by_name: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.by_name[name] = row
        if self.progress:
            self.progress(len(self.by_name), self.total, row)


def _resolve_variants(whatif: WhatIf, rows: _Rows) -> dict[str, Scenario]:
    """The scenario of every variant whose edits apply; the others get an invalid row."""
    scenarios: dict[str, Scenario] = {}
    for variant in whatif.variants:
        try:
            scenarios[variant.name] = whatif.resolve(variant)
        except OptimizerError as exc:
            log.info("variant %s: invalid input", variant.name)
            rows.add(variant.name, failed_row(variant.name, "INVALID_INPUT", _one_line(exc)))
    return scenarios


def _solve_all(
    runner: Executor,
    executor: str,
    tasks: list[VariantTask],
    scenarios: dict[str, Scenario],
    rows: _Rows,
    out: Path | None,
) -> None:
    """Run the tasks; write each solved variant's folder as it arrives (with ``out``).

    A crashed solve sinks its own row; an executor that fails (e.g. an unreachable Dask
    scheduler) sinks the rows not yet done, never the batch.
    """

    def error_row(task: VariantTask, error: str) -> dict[str, Any]:
        clients = len(scenarios[task.name].clients)
        limits = {"time_limit": task.time_limit, "workers": task.workers}
        return failed_row(task.name, ERROR_STATUS, error, clients, **limits)

    try:
        for task, outcome in runner.run(tasks) if tasks else ():
            if isinstance(outcome, VariantOutcome):
                row = outcome.row
                if out is not None and outcome.result is not None:
                    _write_variant(out, task.name, outcome.result, scenarios[task.name])
            else:
                log.warning("variant %s: solve failed (%s)", task.name, type(outcome).__name__)
                row = error_row(task, f"the solve failed: {type(outcome).__name__}: {outcome}")
            rows.add(task.name, row)
    except (OSError, TimeoutError, WhatIfError) as exc:  # e.g. an unreachable Dask scheduler
        log.warning("the %s executor failed: %s", executor, type(exc).__name__)
        for task in tasks:
            if task.name not in rows.by_name:
                rows.add(task.name, error_row(task, f"the {executor} executor failed: {exc}"))


def _one_line(exc: OptimizerError) -> str:
    return "; ".join(str(issue) for issue in exc.issues)


def _write_variant(out: Path, name: str, result: Result, scenario: Scenario) -> None:
    folder = result.write(out / name)
    data = scenario.to_data()
    for client in data.get("clients", []):
        client.pop("name", None)  # names are never written (privacy)
    fd, tmp = tempfile.mkstemp(prefix=".scenario.json.", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write_json(data, tmp_path)
        os.chmod(tmp_path, 0o600)
        os.replace(tmp_path, folder / "scenario.json")
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _write_batch(out: Path, table: pd.DataFrame, failed: Iterable[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in failed:  # no stale schedule from an earlier run of a now-failing variant
        stale = out / name
        if stale.is_dir() and (stale / "summary.json").is_file():
            shutil.rmtree(stale)
    write_comparison_csv(table, out / "comparison.csv")
    plot_comparison(table, out / "comparison.png")
