"""Reading a schedule folder in the SPEC §5 format (hand-edited ones included)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Issue, ScheduleReadError
from .csvcells import restore

SCHEDULE_COLUMNS: dict[str, list[str]] = {
    "assignments.csv": [
        "client_id",
        "session_id",
        "session_type",
        "day",
        "date",
        "block",
        "start",
        "end",
        "therapist_id",
        "room_id",
    ],
    "sessions.csv": [
        "session_id",
        "session_type",
        "track",
        "day",
        "date",
        "block",
        "start",
        "end",
        "therapist_id",
        "room_id",
        "size",
    ],
    "unscheduled.csv": ["client_id", "reason"],
}


@dataclass
class Schedule:
    """The tables of a schedule folder, every cell as text (formula quotes removed).

    ``rows`` keeps, per table, the spreadsheet row number (header = row 1) of each record.
    """

    assignments: pd.DataFrame
    sessions: pd.DataFrame
    unscheduled: pd.DataFrame
    summary: dict[str, Any] | None = None
    rows: dict[str, list[int]] = field(default_factory=dict)


def _read_table(path: Path, columns: list[str], required: bool) -> tuple[pd.DataFrame, list[int]]:
    if not path.is_file():
        if required:
            raise ScheduleReadError(
                [Issue(str(path), "does not exist", "a schedule folder holds it")]
            )
        return pd.DataFrame(columns=columns), []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScheduleReadError(
            [Issue(path.name, f"cannot be read ({exc})", "save it as UTF-8 CSV")]
        ) from None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise ScheduleReadError(
            [Issue(path.name, "is empty", f"it needs the header {','.join(columns)}")]
        )
    header = [cell.strip() for cell in lines[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ScheduleReadError(
            [
                Issue(f"{path.name} row 1", f"column '{c}' is missing", "restore the column")
                for c in missing
            ]
        )
    records, rows = [], []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        record = {
            name: restore(cells[idx].strip()) for idx, name in enumerate(header) if name in columns
        }
        records.append(record)
        rows.append(number)
    return pd.DataFrame(records, columns=columns, dtype=str), rows


def read_schedule(folder: str | Path) -> Schedule:
    """Read assignments.csv, sessions.csv, unscheduled.csv (optional) and summary.json."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScheduleReadError([Issue(str(folder), "is not a folder", "give a schedule folder")])
    tables = {}
    rows = {}
    issues: list[Issue] = []
    for name, columns in SCHEDULE_COLUMNS.items():
        try:
            tables[name], rows[name] = _read_table(
                folder / name, columns, name != "unscheduled.csv"
            )
        except ScheduleReadError as exc:
            issues.extend(exc.issues)
    if issues:
        raise ScheduleReadError(issues)
    summary = None
    summary_path = folder / "summary.json"
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise ScheduleReadError(
                [Issue("summary.json", f"cannot be read ({exc})", "fix or delete it")]
            ) from None
        if not isinstance(summary, dict):
            raise ScheduleReadError(
                [Issue("summary.json", "is not a JSON object", "fix or delete it")]
            )
    return Schedule(
        assignments=tables["assignments.csv"],
        sessions=tables["sessions.csv"],
        unscheduled=tables["unscheduled.csv"],
        summary=summary,
        rows=rows,
    )
