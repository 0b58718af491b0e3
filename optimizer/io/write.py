"""Writing the SPEC §5 output folder atomically and readable by its owner only."""

from __future__ import annotations

import csv
import ctypes
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..report import ReportData, ReportOptions, restrict, write_report_files
from .csvcells import neutralise

if TYPE_CHECKING:
    from ..result import Result


def write_csv(frame: pd.DataFrame, path: Path, bom: bool = False) -> None:
    """Write a table as UTF-8 with ``\\n`` line ends and formula-like cells neutralised.

    ``bom`` starts the file with a byte-order mark: Excel on Windows then reads it as UTF-8
    (without it, non-ASCII ids, tracks and reasons come out garbled), but programs that do not
    expect one see it glued to the first column name (Python's ``utf-8-sig`` and this
    package's readers remove it).
    """
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([neutralise(value) for value in row])


def write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where that is not available (other systems, old C libraries, file systems
    without support); the caller then falls back to two renames, between which a crash
    could leave the target missing (its old content stays in a ``.old-`` folder beside it).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return bool(done == 0)


def atomic_folder(target: Path, fill: Callable[[Path], None]) -> Path:
    """Build a folder beside ``target`` with ``fill``, then swap it into place.

    An interrupted or failed run leaves either the previous folder intact or the new one
    complete. The folder is created readable by its owner only (it holds health data).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        os.chmod(staging, 0o700)
        fill(staging)
        if target.exists():
            if _exchange(staging, target):  # one atomic step: staging now holds the old one
                shutil.rmtree(staging, ignore_errors=True)
                return target
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, retired / target.name)
            os.rename(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_result(result: Result, out_dir: Path, options: ReportOptions | None = None) -> Path:
    """Write assignments.csv, sessions.csv, unscheduled.csv and summary.json, and the
    report.html, schedule.xlsx and calendars/ that ``options`` asks for (default: all)."""
    options = options or ReportOptions()

    def fill(folder: Path) -> None:
        bom = options.csv_bom
        write_csv(result.assignments, folder / "assignments.csv", bom)
        write_csv(result.sessions, folder / "sessions.csv", bom)
        write_csv(result.unscheduled, folder / "unscheduled.csv", bom)
        write_json(result.summary, folder / "summary.json")
        if result.changes is not None:
            write_csv(result.changes, folder / "changes.csv", bom)
        if options.any:
            write_report_files(ReportData.from_result(result), folder, options)
        restrict(folder)  # files 0600, folders (calendars/) 0700

    return atomic_folder(out_dir, fill)
