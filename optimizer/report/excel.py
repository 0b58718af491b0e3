"""``schedule.xlsx``: the week as a workbook a coordinator filters, sorts and prints.

Sheets: Sessions and Assignments (the CSV columns, row for row), By therapist, By client,
Unscheduled, Summary. Header rows are frozen and filtered, columns sized, each session
type has one fill colour. Every text cell is stored as text; formula-like ones carry the
SPEC §5 leading quote, so a crafted id never runs as a formula.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..io.csvcells import neutralise
from ..io.schedule import SCHEDULE_COLUMNS
from .common import ReportData, week_order

NUMBER_COLUMNS = {"size", "sessions", "capacity", "max_sessions_per_day", "max_sessions_per_week"}
MAX_WIDTH = 60
HEADER_FILL = PatternFill(fill_type="solid", fgColor="D9D9D9")


def _cell_value(column: str, value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if column in NUMBER_COLUMNS and text.isdigit():
        return int(text)
    return neutralise(text)


def _sheet(
    book: Workbook,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    data: ReportData,
    type_column: str | None = "session_type",
) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    type_idx = list(columns).index(type_column) if type_column and type_column in columns else None
    fills: dict[str, PatternFill] = {}
    for row in rows:
        values = [_cell_value(col, value) for col, value in zip(columns, row, strict=True)]
        sheet.append(values)
        cells = sheet[sheet.max_row]
        for cell, value in zip(cells, values, strict=True):
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it looks like a formula
        if type_idx is not None:
            stype = str(row[type_idx])
            fill = fills.setdefault(
                stype, PatternFill(fill_type="solid", fgColor=data.type_colour(stype))
            )
            for cell in cells:
                cell.fill = fill
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    for idx, column in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        longest = max(
            (len(str(cell.value)) for cell in sheet[letter] if cell.value is not None),
            default=len(column),
        )
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, longest + 2)
    return sheet


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    return frame.reindex(columns=list(columns)).fillna("").values.tolist()


def _summary_rows(data: ReportData) -> list[list[Any]]:
    rows: list[list[Any]] = [["scenario", data.scenario.name]]
    rows.append(["week_start", data.scenario.week_start.isoformat()])
    rows.append(["timezone", data.timezone.name])
    rows.append(["timezone_source", data.timezone.source])

    def flatten(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for sub, item in value.items():
                flatten(f"{prefix}.{sub}" if prefix else str(sub), item)
        elif isinstance(value, list):
            rows.append([prefix, json.dumps(value)])
        else:
            rows.append([prefix, value])

    written_here = {"scenario", "timezone", "timezone_source"}  # the zone of this writing
    flatten("", {k: v for k, v in data.summary.items() if k not in written_here})
    rows.append(["sessions_in_files", len(data.sessions)])
    rows.append(["assignments_in_files", len(data.assignments)])
    return rows


def write_workbook(data: ReportData, path: Path, names: bool = False) -> Path:
    """Write ``schedule.xlsx``; client names only with ``names``."""
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    sessions_columns = SCHEDULE_COLUMNS["sessions.csv"]
    assignment_columns = SCHEDULE_COLUMNS["assignments.csv"]
    _sheet(book, "Sessions", sessions_columns, _records(data.sessions, sessions_columns), data)
    _sheet(
        book,
        "Assignments",
        assignment_columns,
        _records(data.assignments, assignment_columns),
        data,
    )

    by_therapist = week_order(data.sessions).copy()
    by_therapist["_rank"] = by_therapist["therapist_id"].map(
        {tid: idx for idx, tid in enumerate(data.therapist_ids())}
    )
    by_therapist = by_therapist.sort_values("_rank", kind="stable")
    therapist_columns = [
        "therapist_id",
        "day",
        "date",
        "start",
        "end",
        "block",
        "session_type",
        "track",
        "room_id",
        "size",
        "session_id",
    ]
    _sheet(book, "By therapist", therapist_columns, _records(by_therapist, therapist_columns), data)

    clients = {c.client_id: c for c in data.scenario.clients}
    tracks = dict(zip(data.sessions["session_id"], data.sessions["track"], strict=True))
    by_client = week_order(data.assignments).sort_values("client_id", kind="stable").copy()
    by_client["track"] = [
        clients[cid].track if cid in clients else tracks.get(sid, "")
        for cid, sid in zip(by_client["client_id"], by_client["session_id"], strict=True)
    ]
    by_client["plan"] = [clients[c].plan if c in clients else "" for c in by_client["client_id"]]
    client_columns = ["client_id", "track", "plan", "day", "date", "block", "start", "end"]
    client_columns += ["session_type", "therapist_id", "room_id", "session_id"]
    unscheduled_columns = SCHEDULE_COLUMNS["unscheduled.csv"]
    unscheduled = data.unscheduled.copy()
    if names:
        name_of = data.client_names()
        by_client["name"] = by_client["client_id"].map(lambda cid: name_of.get(cid, ""))
        unscheduled["name"] = unscheduled["client_id"].map(lambda cid: name_of.get(cid, ""))
        client_columns.insert(1, "name")
        unscheduled_columns = ["client_id", "name", "reason"]
    _sheet(book, "By client", client_columns, _records(by_client, client_columns), data)
    unscheduled_sheet = _sheet(
        book,
        "Unscheduled",
        unscheduled_columns,
        _records(unscheduled, unscheduled_columns),
        data,
        type_column=None,
    )
    for cell in unscheduled_sheet[get_column_letter(len(unscheduled_columns))][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    summary = _sheet(
        book, "Summary", ["field", "value"], _summary_rows(data), data, type_column=None
    )
    # A legend: the fill of each session type, as used on the other sheets.
    summary.append([])
    summary.append(["session type colours", ""])
    for stype in data.scenario.session_types:
        summary.append([neutralise(stype), ""])
        summary.cell(summary.max_row, 1).data_type = "s"
        summary.cell(summary.max_row, 2).fill = PatternFill(
            fill_type="solid", fgColor=data.type_colour(stype)
        )
    book.save(path)
    return path
