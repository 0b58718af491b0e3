"""What-if batches: named variants of one scenario, solved in parallel and compared.

A what-if file (YAML) names a base scenario and a list of variants; each variant is a list of
edits applied in order to the base scenario's plain data (:meth:`Scenario.to_data`), then
validated with :meth:`Scenario.from_data`. The edit kinds are:

``set``
    deep-merge into the scenario (``days``, ``blocks``, ``session_types``, ``plans``,
    ``rules``, ``weights``, ``closed_dates``, ...); ``null`` removes a key (e.g. a block).
``add``
    rows appended to ``clients`` / ``therapists`` / ``rooms``, inline or a CSV file path
    (relative to the what-if file).
``remove``
    ids dropped per table; a removed client is also dropped from other clients' ``avoid``.
``update``
    per-id field changes, e.g. ``{therapists: {T04: {available: "Mon-Fri 12:00-21:00"}}}``;
    ``null`` clears a field.
``scale``
    ``{clients: {times: n, where: {field: value or [values]}}}`` (or ``{clients: n}``): the
    matching rows appear ``n`` times in total; copies get the ids ``<id>-x2``, ``<id>-x3``...

A variant with no edits is the baseline. :func:`run_batch` solves every variant on a local
process pool or a ``dask.distributed`` cluster and returns the comparison table.
"""

from __future__ import annotations

import copy
import csv
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import yaml

from .errors import Issue, OptimizerError, ScenarioError, did_you_mean
from .io.csvcells import neutralise
from .io.read import TABLES, load_scenario, read_table
from .io.write import write_json
from .scenario import Plan, Rules, Scenario, SessionType, Weights

log = logging.getLogger(__name__)

EDIT_KINDS = ("set", "add", "remove", "update", "scale")
VARIANT_KEYS = ("name", "description", "edits", *EDIT_KINDS)
WHATIF_FILE_NAMES = ("whatif.yaml", "whatif.yml")
ID_COLUMNS = {"clients": "client_id", "therapists": "therapist_id", "rooms": "room_id"}
VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
SOLVED = ("OPTIMAL", "FEASIBLE")
ERROR_STATUS = "ERROR"
"""Row status of a variant whose solve crashed (a bug or a lost worker), not of bad input."""

COMPARISON_COLUMNS = (
    "variant",
    "status",
    "objective",
    "best_bound",
    "scheduled_clients",
    "unscheduled_clients",
    "sessions",
    "therapist_hours",
    "solve_seconds",
    "delta_scheduled",
    "clients",
    "error",
)


class WhatIfError(OptimizerError):
    """A what-if file cannot be read, or an edit of a variant does not apply."""


# ---------------------------------------------------------------------------------------
# The what-if file


@dataclass(frozen=True)
class Edit:
    """One edit of a variant: its kind (``set``, ``add``, ...) and its payload as written."""

    kind: str
    payload: Any

    def label(self) -> str:
        """The edit as a user names it, e.g. ``remove therapists``."""
        if isinstance(self.payload, Mapping) and self.payload:
            return f"{self.kind} {', '.join(str(key) for key in self.payload)}"
        return self.kind


@dataclass(frozen=True)
class Variant:
    """A named list of edits; no edits = a baseline."""

    name: str
    edits: tuple[Edit, ...] = ()
    description: str = ""

    @property
    def is_baseline(self) -> bool:
        return not self.edits


@dataclass(frozen=True)
class WhatIf:
    """A base scenario (as plain data), its variants, and the folder relative paths start in."""

    base: Scenario
    variants: tuple[Variant, ...]
    folder: Path
    name: str = "whatif"

    def baseline(self) -> Variant:
        """The first variant without edits, else the first variant."""
        return next((v for v in self.variants if v.is_baseline), self.variants[0])

    def resolve(self, variant: Variant) -> Scenario:
        """The variant's scenario: the base with every edit applied in order, validated.

        Raises :class:`WhatIfError` naming the variant (and the edit, when one does not apply).
        """
        data = self.base.to_data()
        for edit in variant.edits:
            try:
                data = _APPLY[edit.kind](data, edit.payload, self.folder)
            except _EditProblem as problem:
                raise WhatIfError(
                    [Issue(f"variant '{variant.name}', edit '{edit.label()}'", str(problem))]
                ) from None
        try:
            return Scenario.from_data(data)
        except ScenarioError as exc:
            raise WhatIfError(
                Issue(f"variant '{variant.name}': {issue.where}", issue.problem, issue.fix)
                for issue in exc.issues
            ) from None


def load_whatif(path: str | Path) -> WhatIf:
    """Read a what-if YAML file (or a folder holding ``whatif.yaml``) and its base scenario.

    Only the file's shape is checked here (a readable base, a list of uniquely named variants,
    known edit kinds); whether each edit applies is checked per variant by
    :meth:`WhatIf.resolve`, so one bad variant does not stop a batch.
    """
    path = Path(path)
    name = path.name if path.is_dir() else path.stem
    if path.is_dir():
        found = [path / n for n in WHATIF_FILE_NAMES if (path / n).is_file()]
        if not found:
            raise WhatIfError([Issue(str(path), "holds no whatif.yaml", "point to a what-if file")])
        path = found[0]
    if not path.is_file():
        raise WhatIfError([Issue(str(path), "does not exist", "check the path")])
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WhatIfError(
            [Issue(path.name, f"cannot be read: {exc}", "save it as UTF-8")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name} line {mark.line + 1}" if mark is not None else path.name
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise WhatIfError(
            [Issue(where, f"is not valid YAML: {problem}", "fix the syntax")]
        ) from None
    if not isinstance(data, dict):
        raise WhatIfError(
            [Issue(path.name, "does not hold a mapping", "start with 'base:' and 'variants:'")]
        )
    issues: list[Issue] = []
    for key in data:
        if key not in ("base", "variants", "description"):
            hint = did_you_mean(str(key), ["base", "variants", "description"])
            issues.append(Issue(f"{path.name}: {key}", f"unknown key{hint}", "remove it"))
    base_ref = data.get("base")
    if not isinstance(base_ref, str) or not base_ref.strip():
        issues.append(
            Issue(f"{path.name}: base", "is missing", "name the base scenario, e.g. '../westside'")
        )
    variants = _parse_variants(data.get("variants"), path.name, issues)
    if issues:
        raise WhatIfError(issues)
    assert isinstance(base_ref, str)
    try:
        base = load_scenario(path.parent / base_ref)
    except ScenarioError as exc:
        raise WhatIfError(
            Issue(f"{path.name}: base {base_ref}: {issue.where}", issue.problem, issue.fix)
            for issue in exc.issues
        ) from None
    return WhatIf(base=base, variants=variants, folder=path.parent, name=name)


def _parse_variants(value: Any, file_name: str, issues: list[Issue]) -> tuple[Variant, ...]:
    where = f"{file_name}: variants"
    if not isinstance(value, list) or not value:
        issues.append(Issue(where, "must be a non-empty list", "list variants as '- name: ...'"))
        return ()
    variants: list[Variant] = []
    seen: set[str] = set()
    for idx, entry in enumerate(value):
        at = f"{where}[{idx}]"
        if not isinstance(entry, dict):
            issues.append(Issue(at, "is not a mapping", "write '- name: ...' and its edits"))
            continue
        name = entry.get("name")
        if not isinstance(name, str | int) or not VARIANT_NAME.match(str(name)):
            issues.append(
                Issue(
                    f"{at}.name",
                    f"'{name}' is not a usable variant name",
                    "use letters, digits, '.', '_' or '-' (it names the output folder)",
                )
            )
            continue
        name = str(name)
        if name in seen:
            issues.append(Issue(f"{at}.name", f"variant '{name}' is listed twice", "rename one"))
        seen.add(name)
        edits: list[Edit] = []
        for key, payload in entry.items():
            if key not in VARIANT_KEYS:
                hint = did_you_mean(str(key), VARIANT_KEYS)
                issues.append(
                    Issue(
                        f"variant '{name}'",
                        f"unknown edit '{key}'{hint}",
                        f"use one of: {', '.join(EDIT_KINDS)}",
                    )
                )
            elif key == "edits":
                edits.extend(_parse_edit_list(payload, name, issues))
            elif key in EDIT_KINDS:
                edits.append(Edit(key, payload))
        for edit in edits:
            if not isinstance(edit.payload, dict) or not edit.payload:
                issues.append(
                    Issue(
                        f"variant '{name}', edit '{edit.kind}'",
                        "must be a non-empty mapping",
                        "see docs/whatif.md for the form of each edit",
                    )
                )
        variants.append(
            Variant(name=name, edits=tuple(edits), description=str(entry.get("description", "")))
        )
    return tuple(variants)


def _parse_edit_list(value: Any, name: str, issues: list[Issue]) -> list[Edit]:
    if not isinstance(value, list):
        issues.append(Issue(f"variant '{name}': edits", "must be a list", "write '- set: {...}'"))
        return []
    edits = []
    for entry in value:
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in EDIT_KINDS:
            issues.append(
                Issue(
                    f"variant '{name}': edits",
                    f"entry {entry!r} is not one edit",
                    f"write each as a mapping with one of: {', '.join(EDIT_KINDS)}",
                )
            )
            continue
        ((kind, payload),) = entry.items()
        edits.append(Edit(kind, payload))
    return edits


# ---------------------------------------------------------------------------------------
# Edits: each takes the scenario data and returns the edited copy, or raises _EditProblem


class _EditProblem(Exception):
    """Why an edit does not apply; the caller adds the variant and the edit."""


def _tables_of(payload: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for table, value in payload.items():
        if table not in TABLES:
            raise _EditProblem(
                f"unknown table '{table}'{did_you_mean(str(table), TABLES)}; "
                f"use one of: {', '.join(TABLES)}"
            )
        yield str(table), value


def _set_keys(path: tuple[str, ...]) -> Sequence[str] | None:
    """Keys allowed under ``path`` in a ``set`` edit; ``None`` = any name (a block, a plan)."""
    if not path:
        return [key for key in Scenario.model_fields if key not in TABLES]
    nested: dict[tuple[str, ...], Sequence[str] | None] = {
        ("rules",): list(Rules.model_fields),
        ("weights",): list(Weights.model_fields),
        ("blocks",): None,
        ("session_types",): None,
        ("plans",): None,
    }
    if path in nested:
        return nested[path]
    if len(path) == 2 and path[0] == "session_types":
        return list(SessionType.model_fields)
    if len(path) == 2 and path[0] == "plans":
        return list(Plan.model_fields)
    if len(path) == 3 and path[0] == "plans" and path[2] in ("sessions", "max_sessions"):
        return None
    return ()  # a value, not a mapping: replaced as a whole


def _merge(target: dict[str, Any], changes: Mapping[str, Any], path: tuple[str, ...]) -> None:
    allowed = _set_keys(path)
    for key, value in changes.items():
        key = str(key)
        here = ".".join((*path, key))
        if allowed is not None and key not in allowed:
            if not path and key in TABLES:
                raise _EditProblem(f"'{key}' is a table; change it with add, remove or update")
            raise _EditProblem(f"unknown key '{here}'{did_you_mean(key, allowed)}")
        if value is None:
            if key not in target:
                raise _EditProblem(f"cannot remove '{here}': it is not in the scenario")
            del target[key]
        elif isinstance(value, Mapping) and _set_keys((*path, key)) != ():
            current = target.get(key)
            if not isinstance(current, dict):
                current = {}
            target[key] = current
            _merge(current, value, (*path, key))
        else:
            target[key] = copy.deepcopy(value)


def _apply_set(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    _merge(data, payload, ())
    return data


def _check_columns(row: Any, table: str, at: str) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise _EditProblem(f"{at} is not a mapping of column: value")
    known = list(TABLES[table].model_fields)
    for column in row:
        if column not in known:
            raise _EditProblem(f"{at}: unknown column '{column}'{did_you_mean(str(column), known)}")
    key = ID_COLUMNS[table]
    if row.get(key) in (None, ""):
        raise _EditProblem(f"{at} has no {key}")
    return {str(col): value for col, value in row.items()}


def _apply_add(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, rows in _tables_of(payload):
        key = ID_COLUMNS[table]
        if isinstance(rows, str):
            try:
                records, _ = read_table(folder / rows, table, display=rows)
            except ScenarioError as exc:
                raise _EditProblem("; ".join(str(issue) for issue in exc.issues)) from None
        elif isinstance(rows, list):
            records = [
                _check_columns(row, table, f"{table}[{idx}]") for idx, row in enumerate(rows)
            ]
        else:
            raise _EditProblem(f"{table}: give a list of rows or a CSV file name")
        existing = data.setdefault(table, [])
        ids = {str(row[key]) for row in existing}
        for record in records:
            if str(record[key]) in ids:
                raise _EditProblem(f"{table}: id '{record[key]}' already exists")
            ids.add(str(record[key]))
            existing.append(record)
    return data


def _id_list(value: Any, table: str) -> list[str]:
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _EditProblem(f"{table}: give a list of ids")
    return [str(item).strip() for item in items if str(item).strip()]


def _apply_remove(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, value in _tables_of(payload):
        key = ID_COLUMNS[table]
        rows = data.get(table) or []
        known = [str(row[key]) for row in rows]
        drop = _id_list(value, table)
        for item in drop:
            if item not in known:
                raise _EditProblem(f"{table}: unknown id '{item}'{did_you_mean(item, known)}")
        data[table] = [row for row in rows if str(row[key]) not in drop]
        if table == "clients":  # an avoid list may name only clients of the week
            for row in data[table]:
                avoid = [a for a in _id_list(row.get("avoid") or [], table) if a not in drop]
                row["avoid"] = ";".join(avoid)
    return data


def _apply_update(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, changes in _tables_of(payload):
        key = ID_COLUMNS[table]
        if not isinstance(changes, Mapping):
            raise _EditProblem(f"{table}: give a mapping of id: {{column: value}}")
        rows = {str(row[key]): row for row in data.get(table) or []}
        for item, fields in changes.items():
            item = str(item)
            if item not in rows:
                raise _EditProblem(f"{table}: unknown id '{item}'{did_you_mean(item, rows)}")
            fields = _check_columns({key: item, **(fields or {})}, table, f"{table} {item}")
            if str(fields[key]) != item:
                raise _EditProblem(f"{table} {item}: the id cannot be changed; remove and add")
            for column, value in fields.items():
                if value is None:
                    rows[item].pop(column, None)
                else:
                    rows[item][column] = value
    return data


def _apply_scale(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, spec in _tables_of(payload):
        key = ID_COLUMNS[table]
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec = {"times": spec}
        if not isinstance(spec, Mapping) or set(spec) - {"times", "where"}:
            raise _EditProblem(f"{table}: write {{times: n, where: {{column: value}}}}")
        times = spec.get("times")
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 100:
            raise _EditProblem(f"{table}: times must be a whole number from 1 to 100")
        where = spec.get("where") or {}
        if not isinstance(where, Mapping):
            raise _EditProblem(f"{table}: where must be a mapping of column: value")
        _check_columns({key: "x", **where}, table, f"{table} where")
        rows = data.get(table) or []
        matching = [row for row in rows if _matches(row, where)]
        if not matching:
            raise _EditProblem(f"{table}: no row matches {dict(where)}")
        ids = {str(row[key]) for row in rows}
        for copy_idx in range(2, times + 1):
            for row in matching:
                twin = dict(row, **{key: f"{row[key]}-x{copy_idx}"})
                if twin[key] in ids:
                    raise _EditProblem(f"{table}: the copy id '{twin[key]}' already exists")
                ids.add(twin[key])
                rows.append(twin)
        data[table] = rows
    return data


def _matches(row: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    for column, wanted in where.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(row.get(column, "")) not in {str(option) for option in options}:
            return False
    return True


_APPLY: dict[str, Callable[[dict[str, Any], Any, Path], dict[str, Any]]] = {
    "set": _apply_set,
    "add": _apply_add,
    "remove": _apply_remove,
    "update": _apply_update,
    "scale": _apply_scale,
}


# ---------------------------------------------------------------------------------------
# Solving one variant (runs in a worker process: plain data in, plain data out)


@dataclass(frozen=True)
class VariantTask:
    """Everything a worker needs to solve one variant; pickles cleanly."""

    name: str
    scenario_data: dict[str, Any]
    time_limit: float
    workers: int
    seed: int


@dataclass
class VariantOutcome:
    """A worker's answer: the comparison row and, when solved, the result tables."""

    row: dict[str, Any]
    result: Any = None
    """The :class:`~optimizer.solve.Result` (or ``None`` when no schedule was found)."""


def solve_variant(task: VariantTask) -> VariantOutcome:
    """Solve one resolved variant; never raises for a solver outcome (the row says why)."""
    from .solve import solve

    scenario = Scenario.from_data(task.scenario_data)
    result = solve(scenario, time_limit=task.time_limit, workers=task.workers, seed=task.seed)
    row = result_row(task.name, result)
    return VariantOutcome(row=row, result=result if result.has_schedule else None)


def result_row(name: str, result: Any) -> dict[str, Any]:
    """The comparison row of a solved variant (delta_scheduled is filled in later)."""
    hours = sum(
        _minutes(end) - _minutes(start)
        for start, end in zip(result.sessions["start"], result.sessions["end"], strict=True)
    )
    error = ""
    if not result.has_schedule:
        limit = result.parameters.get("time_limit")
        error = f"{result.status.value}: no schedule found within the time limit ({limit} s)"
    return {
        "variant": name,
        "status": result.status.value,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "scheduled_clients": result.scheduled_clients if result.has_schedule else None,
        "unscheduled_clients": result.unscheduled_clients if result.has_schedule else None,
        "sessions": len(result.sessions) if result.has_schedule else None,
        "therapist_hours": round(hours / 60, 2) if result.has_schedule else None,
        "solve_seconds": round(result.solve_seconds, 2),
        "clients": len(result.scenario.clients),
        "error": error,
    }


def _minutes(hhmm: str) -> int:
    hours, minutes = str(hhmm).lstrip("'").split(":")
    return int(hours) * 60 + int(minutes)


def _failed_row(name: str, status: str, error: str, clients: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COMPARISON_COLUMNS)
    row.update(variant=name, status=status, clients=clients, error=error)
    return row


# ---------------------------------------------------------------------------------------
# Executors: one small interface, a local process pool or a dask.distributed cluster


class Executor(Protocol):
    """Runs :func:`solve_variant` on tasks and yields (task, outcome or exception) as done."""

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]: ...


class LocalExecutor:
    """A process pool of ``parallel`` processes on this machine."""

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]:
        if self.parallel == 1:  # one solve at a time: no pool to start
            for task in tasks:
                yield task, _call(solve_variant, task)
            return
        # spawn, not fork: the caller may be a threaded app, and a forked thread can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.parallel, mp_context=context) as pool:
            futures: dict[Future[VariantOutcome], VariantTask] = {
                pool.submit(solve_variant, task): task for task in tasks
            }
            for future in as_completed(futures):
                yield futures[future], _outcome(future)


def _call(function: Callable[[VariantTask], VariantOutcome], task: VariantTask) -> Any:
    try:
        return function(task)
    except Exception as exc:  # a crashed solve sinks its row only
        return exc


def _outcome(future: Any) -> Any:
    try:
        return future.result()
    except Exception as exc:  # a crashed solve or a lost worker sinks its row only
        return exc


class DaskExecutor:
    """A ``dask.distributed`` cluster: the scheduler at ``address``, or a LocalCluster."""

    connect_timeout = "30s"

    def __init__(self, address: str | None, parallel: int) -> None:
        self.address = address
        self.parallel = parallel

    @contextmanager
    def _client(self) -> Iterator[Any]:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise WhatIfError(
                "the dask executor needs the cluster extra: pip install 'iop-optimizer[cluster]'"
            ) from None
        if self.address:
            with Client(self.address, timeout=self.connect_timeout) as client:
                yield client
        else:
            with (
                LocalCluster(
                    n_workers=self.parallel,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,  # no shutdown chatter on the user's terminal
                ) as cluster,
                Client(cluster) as client,
            ):
                yield client

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]:
        from dask.distributed import as_completed as dask_completed

        with self._client() as client:
            futures = {
                # a fresh key per run: the dashboard names the variant, reruns are not cached
                client.submit(solve_variant, task, key=_task_key(task)): task
                for task in tasks
            }
            for future in dask_completed(list(futures)):
                yield futures[future], _outcome(future)


def _task_key(task: VariantTask) -> str:
    return f"variant-{task.name}-{uuid.uuid4().hex[:12]}"


# ---------------------------------------------------------------------------------------
# The batch


def run_batch(
    whatif: WhatIf | str | Path,
    executor: str = "local",
    scheduler: str | None = None,
    time_limit: float = 60.0,
    workers_per_solve: int | None = None,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int, dict[str, Any]], None] | None = None,
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
    variant finishes. With ``out_dir``, writes ``<out_dir>/<variant>/`` (the SPEC §5 folder
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
    rows: dict[str, dict[str, Any]] = {}
    tasks: list[VariantTask] = []
    scenarios: dict[str, Scenario] = {}
    cores = max(1, cores or os.cpu_count() or 1)
    total = len(whatif.variants)

    resolved: list[tuple[Variant, Scenario]] = []
    for variant in whatif.variants:
        try:
            resolved.append((variant, whatif.resolve(variant)))
        except OptimizerError as exc:
            log.info("variant %s: invalid input", variant.name)
            rows[variant.name] = _failed_row(variant.name, "INVALID_INPUT", _one_line(exc))
    if workers_per_solve is None:
        parallel = max(1, min(len(resolved), cores))
        workers_per_solve = max(1, cores // parallel)
    else:
        parallel = max(1, min(len(resolved), cores // workers_per_solve))
    for variant, scenario in resolved:
        scenarios[variant.name] = scenario
        tasks.append(
            VariantTask(variant.name, scenario.to_data(), time_limit, workers_per_solve, seed)
        )
    log.info(
        "batch of %d variants: %d solves in parallel, %d workers each",
        total,
        parallel,
        workers_per_solve,
    )

    done = 0
    for row in rows.values():
        done += 1
        if progress:
            progress(done, total, row)
    runner: Executor = (
        LocalExecutor(parallel) if executor == "local" else DaskExecutor(scheduler, parallel)
    )
    out = Path(out_dir) if out_dir is not None else None
    try:
        for task, outcome in runner.run(tasks) if tasks else ():
            if isinstance(outcome, VariantOutcome):
                row = outcome.row
                if out is not None and outcome.result is not None:
                    _write_variant(out, task.name, outcome.result, scenarios[task.name])
            else:
                log.warning("variant %s: solve failed (%s)", task.name, type(outcome).__name__)
                row = _failed_row(
                    task.name,
                    ERROR_STATUS,
                    f"the solve failed: {type(outcome).__name__}: {outcome}",
                    len(scenarios[task.name].clients),
                )
            rows[task.name] = row
            done += 1
            if progress:
                progress(done, total, row)
    except (OSError, TimeoutError, WhatIfError) as exc:  # e.g. an unreachable Dask scheduler
        log.warning("the %s executor failed: %s", executor, type(exc).__name__)
        for task in tasks:
            if task.name not in rows:
                rows[task.name] = _failed_row(
                    task.name,
                    ERROR_STATUS,
                    f"the {executor} executor failed: {exc}",
                    len(scenarios[task.name].clients),
                )
                done += 1
                if progress:
                    progress(done, total, rows[task.name])

    table = comparison_table([rows[v.name] for v in whatif.variants], whatif.baseline().name)
    if out is not None:
        failed = {v.name for v in whatif.variants if rows[v.name]["status"] not in SOLVED}
        _write_batch(out, table, failed)
    log.info("batch done in %.1fs", time.perf_counter() - started)
    return table


def _one_line(exc: OptimizerError) -> str:
    return "; ".join(str(issue) for issue in exc.issues)


def comparison_table(rows: Sequence[Mapping[str, Any]], baseline: str) -> pd.DataFrame:
    """Rows in variant order, with ``delta_scheduled`` against the baseline variant."""
    table = pd.DataFrame(list(rows)).reindex(columns=list(COMPARISON_COLUMNS))
    counts = ("objective", "best_bound", "scheduled_clients", "unscheduled_clients", "sessions")
    for column in (*counts, "clients"):
        table[column] = table[column].astype("Int64")
    for column in ("therapist_hours", "solve_seconds"):
        table[column] = table[column].astype("Float64")
    table["error"] = table["error"].fillna("").astype(str)
    base = table.loc[table["variant"] == baseline, "scheduled_clients"]
    base_value = base.iloc[0] if len(base) else pd.NA
    table["delta_scheduled"] = (table["scheduled_clients"] - base_value).astype("Int64")
    return table


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison table as text for a terminal; errors listed below the table."""
    shown = table.drop(columns=["error"]).astype(object).where(table.notna(), "-")
    lines = [shown.to_string(index=False)]
    for name, error in zip(table["variant"], table["error"], strict=True):
        if error:
            lines.append(f"{name}: {error}")
    return "\n".join(lines)


def succeeded(table: pd.DataFrame) -> bool:
    """True when every variant of a comparison table has a schedule."""
    return bool(table["status"].isin(SOLVED).all())


def _write_variant(out: Path, name: str, result: Any, scenario: Scenario) -> None:
    folder = result.write(out / name)
    data = scenario.to_data()
    for client in data.get("clients", []):
        client.pop("name", None)  # names are never written (SPEC §5 privacy)
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


def _write_batch(out: Path, table: pd.DataFrame, failed: set[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in failed:  # no stale schedule from an earlier run of a now-failing variant
        stale = out / name
        if stale.is_dir() and (stale / "summary.json").is_file():
            shutil.rmtree(stale)
    _write_comparison_csv(table, out / "comparison.csv")
    plot_comparison(table, out / "comparison.png")


def _write_comparison_csv(table: pd.DataFrame, path: Path) -> None:
    """Numbers as numbers (a delta of -2 is not a formula); text cells neutralised."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(table.columns))
        for row in table.astype(object).itertuples(index=False, name=None):
            writer.writerow(
                [
                    "" if pd.isna(value) else str(value) if _is_number(value) else neutralise(value)
                    for value in row
                ]
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def plot_comparison(table: pd.DataFrame, path: Path) -> Path:
    """A bar chart (PNG) of scheduled clients per variant; failed variants are marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(table["variant"])
    scheduled = [0 if pd.isna(v) else int(v) for v in table["scheduled_clients"]]
    clients = [0 if pd.isna(v) else int(v) for v in table["clients"]]
    figure = Figure(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(names))
    axes.bar(positions, clients, color="#dddddd", label="clients in the variant")
    bars = axes.bar(positions, scheduled, color="#2a6f97", label="scheduled")
    for bar, status, count in zip(bars, table["status"], scheduled, strict=True):
        text = str(count) if status in SOLVED else str(status)
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_xticks(list(positions), names, rotation=30, ha="right")
    axes.set_ylabel("clients")
    axes.set_title("Scheduled clients per variant")
    axes.set_ylim(0, max([*clients, 1]) * 1.25)  # headroom for the legend above the bars
    axes.legend(loc="upper right", ncol=2, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
