"""``schedule.xlsx``: the week as a workbook a coordinator filters, sorts and prints.

Sheets: Week (the grid of the report page: slots down, days across, one cell per session),
Sessions and Assignments (the CSV columns, row for row), By therapist, By client,
Unscheduled, Compliance (each client's hours, days and sessions against the plan, with a
line for the clinical director's signature), Summary. Dates are Excel dates and times Excel
times (so they sort, filter and compute), header rows are frozen and filtered, columns
sized, each session type has one fill colour. Every text cell is stored as text;
formula-like ones carry the SPEC §5 leading quote, so a crafted id never runs as a formula.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..compliance import COMPLIANCE_COLUMNS, compliance_table
from ..io.csvcells import neutralise
from ..io.schedule import SCHEDULE_COLUMNS
from .common import (
    ReportData,
    block_label,
    session_card,
    week_grid,
    week_order,
)

NUMBER_COLUMNS = {"size", "sessions", "capacity", "max_sessions_per_day", "max_sessions_per_week"}
DATE_COLUMNS = {"date", "week_start"}
TIME_COLUMNS = {"start", "end"}
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
DAY_END_FORMAT = "[hh]:mm"  # 24:00 is a whole day, which "hh:mm" would show as 00:00
MAX_WIDTH = 60
GRID_WIDTH = 34
HEADER_FILL = PatternFill(fill_type="solid", fgColor="D9D9D9")
CLOSED_FILL = PatternFill(fill_type="solid", fgColor="E6E6E6")
SHORT_FILL = PatternFill(fill_type="solid", fgColor="F4CCCC")
BLOCK_EDGE = Border(top=Side(style="medium", color="444444"))
_CLOCK = re.compile(r"\d{2}:\d{2}")


def _date_value(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _time_value(text: str) -> dt.time | dt.timedelta | None:
    """An ``HH:MM`` text as an Excel time; ``24:00`` as one day (an Excel time cannot be)."""
    if text == "24:00":
        return dt.timedelta(days=1)
    try:
        return dt.time.fromisoformat(text) if _CLOCK.fullmatch(text) else None
    except ValueError:  # 09:75, 25:00
        return None


def _cell_value(column: str, value: Any) -> Any:
    """The value a cell holds: numbers, dates and times as such, anything else as text.

    A hand-edited file's unreadable date or time stays the text it is.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, dt.date, dt.time)):
        return value
    text = str(value)
    if column in NUMBER_COLUMNS and text.isdigit():
        return int(text)
    typed = (
        _date_value(text)
        if column in DATE_COLUMNS
        else _time_value(text)
        if column in TIME_COLUMNS
        else None
    )
    return neutralise(text) if typed is None else typed


def _number_format(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if isinstance(value, dt.time):
        return TIME_FORMAT
    if isinstance(value, dt.timedelta):
        return DAY_END_FORMAT
    return None


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
            elif (number_format := _number_format(value)) is not None:
                cell.number_format = number_format
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
            (len(_shown(cell.value)) for cell in sheet[letter] if cell.value is not None),
            default=len(column),
        )
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, longest + 2)
    return sheet


def _shown(value: Any) -> str:
    """About what a cell shows (for column widths)."""
    if isinstance(value, dt.date):
        return "2026-12-14"
    if isinstance(value, (dt.time, dt.timedelta)):
        return "24:00"
    return str(value)


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    return frame.reindex(columns=list(columns)).fillna("").values.tolist()


def _summary_rows(data: ReportData) -> list[list[Any]]:
    rows: list[list[Any]] = [["scenario", data.scenario.name]]
    rows.append(["week_start", data.scenario.week_start])
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


def _week_sheet(book: Workbook, data: ReportData) -> Worksheet:
    """The week grid of the report page: one row per slot and parallel session, days across.

    A slot with three sessions on its busiest day takes three rows, so that each session
    has its own cell and its type's fill; a block's first row has a heavy top edge.
    """
    sheet = book.create_sheet("Week")
    grid = week_grid(data)
    is_group = {t: s.is_group for t, s in data.scenario.session_types.items()}
    header: list[Any] = ["block / slot"]
    for day, date in grid.columns:
        closed = " (closed)" if grid.is_closed(date) else ""
        header.append(neutralise(f"{day} {date:%d %b}{closed}" if date else day))
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.data_type = "s"
    wrap = Alignment(wrap_text=True, vertical="top")
    for block, number, start, end in grid.rows:
        here = [grid.sessions_at(day, block, start, end) for day, _ in grid.columns]
        for copy in range(max([1, *(len(sessions) for sessions in here)])):
            label_text = f"{block_label(data.scenario, block)} {number}, {start}-{end}"
            sheet.append([neutralise(label_text) if copy == 0 else ""])
            row = sheet.max_row
            label = sheet.cell(row, 1)
            label.data_type = "s"  # a hand-edited block name may look like a formula
            label.font = Font(bold=copy == 0)
            label.alignment = wrap
            days = zip(grid.columns, here, strict=True)
            for column, ((_, date), sessions) in enumerate(days, start=2):
                cell = sheet.cell(row, column)
                cell.alignment = wrap
                if copy < len(sessions):
                    session = sessions[copy]
                    stype = session["session_type"]
                    parts = session_card(
                        session,
                        is_group.get(stype, bool(session["track"])),
                        data.scenario.is_virtual(block),
                    )
                    cell.value = neutralise(
                        " · ".join(parts) + f"\nsession {session['session_id']}"
                    )
                    cell.data_type = "s"
                    cell.fill = PatternFill(fill_type="solid", fgColor=data.type_colour(stype))
                elif grid.is_closed(date):
                    cell.value = "closed"
                    cell.fill = CLOSED_FILL
            if copy == 0 and number == 1:
                for cell in sheet[row]:
                    cell.border = BLOCK_EDGE
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 20
    for column in range(2, len(grid.columns) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = GRID_WIDTH
    # Printed like the page: landscape, one page wide.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    return sheet


def _compliance_sheet(book: Workbook, data: ReportData, names: bool) -> Worksheet:
    """Each client's week against the plan (:mod:`optimizer.compliance`); a scheduled client
    short of a minimum is filled red; signature lines for the clinical director below."""
    table = compliance_table(data.scenario, data.assignments)
    columns = list(COMPLIANCE_COLUMNS)
    if names:
        name_of = data.client_names()
        table.insert(1, "name", table["client_id"].map(lambda cid: name_of.get(cid, "")))
        columns.insert(1, "name")
    rows = [[None if pd.isna(v) else v for v in row] for row in table[columns].values.tolist()]
    sheet = _sheet(book, "Compliance", columns, rows, data, type_column=None)
    meets = columns.index("meets_plan") + 1
    for cells in sheet.iter_rows(min_row=2):
        if str(cells[meets - 1].value).startswith("no"):
            for cell in cells:
                cell.fill = SHORT_FILL
    sheet.append([])
    for line in ("Reviewed by (clinical director):", "Signature:", "Date:"):
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    return sheet


def write_workbook(data: ReportData, path: Path, names: bool = False) -> Path:
    """Write ``schedule.xlsx``; client names only with ``names``."""
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    _week_sheet(book, data)
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

    _compliance_sheet(book, data, names)
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
