"""Outputs people use: the printable week (``report.html``), the workbook
(``schedule.xlsx``) and phone calendars (``calendars/*.ics``).

:func:`write_report_files` adds them to a folder being written (``Result.write`` calls it
inside its atomic staging folder); :func:`write_reports` adds them to an existing SPEC §5
folder, reading it back like a hand-edited one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..io.schedule import read_schedule
from ..scenario import Scenario
from .calendar import write_calendars
from .common import ReportData, ReportOptions
from .excel import write_workbook
from .html import render_html, write_html

REPORT_FILE = "report.html"
WORKBOOK_FILE = "schedule.xlsx"
CALENDAR_FOLDER = "calendars"

__all__ = [
    "CALENDAR_FOLDER",
    "REPORT_FILE",
    "WORKBOOK_FILE",
    "ReportData",
    "ReportOptions",
    "render_html",
    "write_calendars",
    "write_html",
    "write_report_files",
    "write_reports",
    "write_workbook",
]


def write_report_files(data: ReportData, folder: Path, options: ReportOptions) -> list[Path]:
    """Write the outputs ``options`` asks for into ``folder``; returns the top-level paths."""
    written: list[Path] = []
    if options.report:
        written.append(write_html(data, folder / REPORT_FILE, names=options.names))
    if options.xlsx:
        written.append(write_workbook(data, folder / WORKBOOK_FILE, names=options.names))
    if options.calendars:
        write_calendars(data, folder / CALENDAR_FOLDER, options.client_calendars)
        written.append(folder / CALENDAR_FOLDER)
    return written


def restrict(path: Path) -> None:
    """Owner-only permissions (files 0600, folders 0700), recursively: outputs hold PHI."""
    if path.is_dir():
        os.chmod(path, 0o700)
        for child in path.iterdir():
            restrict(child)
    else:
        os.chmod(path, 0o600)


def write_reports(
    scenario: Scenario,
    schedule_dir: str | Path,
    *,
    report: bool = True,
    xlsx: bool = True,
    calendars: bool = True,
    names: bool = False,
    client_calendars: bool = False,
) -> list[Path]:
    """Add report.html, schedule.xlsx and calendars/ to an existing SPEC §5 folder.

    The folder is read with :func:`~optimizer.io.schedule.read_schedule` (raises
    :class:`~optimizer.errors.ScheduleReadError` when it cannot be). Every output is built
    in a staging folder first and then moved into place, so a failure leaves the previous
    outputs as they were. Returns the paths written.
    """
    folder = Path(schedule_dir)
    options = ReportOptions(report, xlsx, calendars, names, client_calendars)
    data = ReportData.from_schedule(scenario, read_schedule(folder))
    staging = Path(tempfile.mkdtemp(prefix=".reports.tmp-", dir=folder))
    try:
        restrict(staging)
        built = write_report_files(data, staging, options)
        restrict(staging)
        placed = []
        for path in built:
            target = folder / path.name
            if path.is_dir():
                if target.exists():
                    retired = Path(tempfile.mkdtemp(prefix=".reports.old-", dir=folder))
                    os.rename(target, retired / target.name)
                    os.rename(path, target)
                    shutil.rmtree(retired, ignore_errors=True)
                else:
                    os.rename(path, target)
            else:
                os.replace(path, target)
            placed.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return placed
