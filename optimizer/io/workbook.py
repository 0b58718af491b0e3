"""Excel workbook input: one ``.xlsx`` holding a whole scenario, and the template writer.

The workbook has a ``scenario`` sheet of key/value rows and one sheet per table
(``clients``, ``therapists``, ``rooms``, ``pins``) with the SPEC §2 columns in its header
row. Sheet names are matched case-insensitively; other sheets (an ``about`` sheet,
notes) are ignored.

The ``scenario`` sheet: column A is the key, column B the value, anything to the right a
comment. Keys are the top-level scenario keys (``name``, ``week_start``, ``days``,
``closed_dates``, ``timezone``) or ``section.name`` for one entry of a mapping
(``blocks.AM``, ``session_types.group_therapy``, ``plans.IOP-3``, ``rules.commute_minutes``,
``weights.same_block``). A value is read as YAML (``{kind: group, min_size: 2,
max_size: 12}``, ``[Mon, Tue]``); for a list-valued key (``days``, ``closed_dates``, a block)
plain text is split at ``;`` or ``,``, so ``Mon, Tue, Wed`` and ``09:00-09:50; 10:00-10:50``
work. Excel date cells become ISO dates. Every problem names the workbook, the sheet, the
row and the column, the way Excel shows them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import Issue, ScenarioError
from ..scenario import Scenario, key_path
from .tables import MAX_FILE_BYTES, REQUIRED_COLUMNS, TABLES, TextDatesLoader, header_issues

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SCENARIO_SHEET = "scenario"
SECTIONS = ("blocks", "session_types", "plans", "rules", "weights")
"""Mappings of the scenario whose entries take one row each (``section.name``)."""
LIST_KEYS = ("days", "closed_dates")
"""Top-level keys holding a list: plain text in their cell is split at ``;`` or ``,``."""
OPTIONAL_TABLES = ("rooms", "pins")
MAX_SHEET_ROWS = 20_000
"""Rows read per sheet at most (5,000 clients fit with room to spare)."""

_ABOUT = {
    "name": "the program and week, shown in every output",
    "week_start": "the Monday of the week (a date)",
    "days": "operating days, e.g. Mon, Tue, Wed, Thu, Fri",
    "closed_dates": "holidays: dates separated by ; (may be empty)",
    "timezone": "IANA time zone of the program, for calendars",
    "blocks": "the block's slots in time order, separated by ; (by video: "
    "{slots: [...], telehealth: yes})",
    "session_types": "{kind: group, min_size: .., max_size: ..} or {kind: individual}",
    "plans": "{min_days: .., max_days: .., sessions: {type: weekly minimum, ...}}",
    "rules": "a program-wide rule",
    "weights": "weight of a secondary goal (0 switches it off)",
}


def is_workbook(path: str | Path) -> bool:
    """True for a path whose suffix names an Excel workbook (``.xlsx``, ``.xlsm``)."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


# ---------------------------------------------------------------------------------------
# Reading


def _cell_text(value: Any) -> str:
    """A table cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()[:5] if isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(sheet: Any, where: str) -> Iterator[tuple[int, list[Any]]]:
    """(Excel row number, cell values) of every row of a sheet, header included."""
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_SHEET_ROWS:
            raise ScenarioError(
                [
                    Issue(
                        where,
                        f"has more than {MAX_SHEET_ROWS} rows",
                        "remove empty formatted rows or split the program",
                    )
                ]
            )
        yield number, list(values)


class _WorkbookReader:
    """Reads one workbook into scenario data, remembering where each value came from."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.display = path.name
        self.issues: list[Issue] = []
        self.key_rows: dict[tuple[str, ...], int] = {}
        """Scenario-sheet row of each key: ``("name",)`` or ``("plans", "IOP-3")``."""
        self.table_rows: dict[str, tuple[str, list[int], list[str]]] = {}
        """Per table: sheet title, Excel row of each record, header cells."""

    def where(self, sheet: str, row: int | None = None, column: str | None = None) -> str:
        text = f"{self.display}, sheet {sheet}"
        if row is not None:
            text += f", row {row}"
        if column is not None:
            text += f", column {column}"
        return text

    def open(self) -> Any:
        size = self.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                [Issue(self.display, f"is {size // 2**20} MiB", "a workbook stays under 50 MiB")]
            )
        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            log.debug("workbook %s cannot be opened: %s", self.display, type(exc).__name__)
            raise ScenarioError(
                [
                    Issue(
                        self.display,
                        "cannot be opened as an Excel workbook",
                        "save it from Excel as 'Excel Workbook (.xlsx)'",
                    )
                ]
            ) from None

    def read(self) -> dict[str, Any]:
        book = self.open()
        try:
            sheets = {str(title).strip().lower(): title for title in book.sheetnames}
            data: dict[str, Any] = {}
            if SCENARIO_SHEET in sheets:
                data.update(self.read_scenario_sheet(book[sheets[SCENARIO_SHEET]]))
            else:
                self.issues.append(
                    Issue(
                        self.display,
                        "has no 'scenario' sheet",
                        "add a sheet named scenario with key and value columns "
                        "(write a template with 'python cli.py workbook')",
                    )
                )
            for table in TABLES:
                if table in sheets:
                    data[table] = self.read_table_sheet(book[sheets[table]], table)
                elif table not in OPTIONAL_TABLES:
                    self.issues.append(
                        Issue(
                            self.display,
                            f"has no '{table}' sheet",
                            f"add a sheet named {table} with the columns "
                            f"{', '.join(REQUIRED_COLUMNS[table])}, ...",
                        )
                    )
        finally:
            book.close()
        data.setdefault("name", self.path.stem)
        return data

    def read_scenario_sheet(self, sheet: Any) -> dict[str, Any]:
        title = sheet.title
        data: dict[str, Any] = {}
        for number, cells in _rows(sheet, self.where(title)):
            key = _cell_text(cells[0] if cells else None)
            if not key or key.startswith("#") or (number == 1 and key.lower() == "key"):
                continue
            value = self.scenario_value(key, cells[1] if len(cells) > 1 else None, title, number)
            section, _, entry = key.partition(".")
            if section in SECTIONS and entry:
                path: tuple[str, ...] = (section, entry)
                target = data.setdefault(section, {})
                if not isinstance(target, dict):
                    self.issues.append(
                        Issue(
                            self.where(title, number, "A"),
                            f"'{key}' adds to '{section}', which an earlier row set as a whole",
                            f"keep either the '{section}' row or its '{section}.NAME' rows",
                        )
                    )
                    continue
            elif section in SECTIONS or section in Scenario.model_fields:
                path, target = (key,), data
                if key in TABLES:
                    self.issues.append(
                        Issue(
                            self.where(title, number, "A"),
                            f"'{key}' is a table",
                            f"put its rows on a sheet named {key}",
                        )
                    )
                    continue
            else:
                known = ", ".join([*LIST_KEYS, "name", "week_start", "timezone"])
                self.issues.append(
                    Issue(
                        self.where(title, number, "A"),
                        f"unknown key '{key}'",
                        f"use {known}, or section.NAME for {', '.join(SECTIONS)}",
                    )
                )
                continue
            if path in self.key_rows:
                self.issues.append(
                    Issue(
                        self.where(title, number, "A"),
                        f"'{key}' is also set in row {self.key_rows[path]}",
                        "keep one of the two rows",
                    )
                )
                continue
            self.key_rows[path] = number
            target[path[-1]] = value
        return data

    def scenario_value(self, key: str, cell: Any, sheet: str, row: int) -> Any:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return [] if key in LIST_KEYS else None
        if isinstance(cell, dt.datetime) and cell.time() == dt.time(0, 0):
            return cell.date().isoformat()
        if isinstance(cell, (dt.date, dt.time, dt.datetime)):
            return _cell_text(cell)
        if not isinstance(cell, str):
            return int(cell) if isinstance(cell, float) and cell.is_integer() else cell
        text = cell.strip()
        try:
            value = yaml.load(text, Loader=TextDatesLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "cannot be parsed"
            self.issues.append(
                Issue(
                    self.where(sheet, row, "B"),
                    f"the value of '{key}' cannot be read: {problem}",
                    "write plain text, a list [a, b] or a mapping {key: value}",
                )
            )
            return None
        if isinstance(value, str) and (key in LIST_KEYS or key.startswith("blocks.")):
            return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]
        return value

    def read_table_sheet(self, sheet: Any, table: str) -> list[dict[str, str]]:
        title = sheet.title
        records: list[dict[str, str]] = []
        rows: list[int] = []
        header: list[str] = []
        for number, cells in _rows(sheet, self.where(title)):
            texts = [_cell_text(cell) for cell in cells]
            if not header:
                if not any(texts):
                    continue  # blank rows above the header
                header = texts
                issues = header_issues([h for h in header if h], table, self.where(title, number))
                if issues:
                    self.issues.extend(issues)
                    return []
                continue
            record = {
                column: text for column, text in zip(header, texts, strict=False) if column and text
            }
            if record:  # empty rows are skipped, Excel's numbering kept
                records.append(record)
                rows.append(number)
        if not header:
            self.issues.append(
                Issue(
                    self.where(title),
                    "is empty",
                    f"give it a header row with {', '.join(REQUIRED_COLUMNS[table])}",
                )
            )
        self.table_rows[table] = (title, rows, header)
        return records

    def locate(self, path: tuple[str | int, ...]) -> str:
        """Sheet, row and column of a validation path such as ``("clients", 3, "plan")``."""
        if path and path[0] in self.table_rows and len(path) >= 2 and isinstance(path[1], int):
            title, rows, header = self.table_rows[str(path[0])]
            if path[1] < len(rows):
                column = None
                if len(path) > 2:
                    name = str(path[2])
                    letter = (
                        f" ({get_column_letter(header.index(name) + 1)})" if name in header else ""
                    )
                    column = f"{name}{letter}"
                return self.where(title, rows[path[1]], column)
        for size in (2, 1):
            key = tuple(str(part) for part in path[:size])
            if len(key) == size and key in self.key_rows:
                rest = key_path(tuple(path[size:])) if len(path) > size else ""
                detail = f" ('{'.'.join(key)}'" + (f", {rest})" if rest else ")")
                return self.where(SCENARIO_SHEET, self.key_rows[key], "B") + detail
        return f"{self.where(SCENARIO_SHEET)}: {key_path(path)}"


def read_workbook(path: str | Path) -> Scenario:
    """Load a scenario from an Excel workbook (see the module docstring for its layout).

    Raises :class:`~optimizer.errors.ScenarioError` listing every problem, each naming the
    workbook, sheet, row and column.
    """
    reader = _WorkbookReader(Path(path))
    data = reader.read()
    try:
        scenario = Scenario.from_data(data, locate=reader.locate)
    except ScenarioError as exc:
        raise ScenarioError(reader.issues + exc.issues) from None
    if reader.issues:
        raise ScenarioError(reader.issues)
    return scenario


# ---------------------------------------------------------------------------------------
# Writing


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="D9E2F3")
_MAX_WIDTH = 60


def _flow(value: Any) -> str:
    """A YAML flow-style text of a mapping or list, one line, as the reader parses it back."""
    return str(yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False))


def _put(sheet: Any, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: a crafted id never becomes a formula


def _finish(sheet: Any, widths: dict[int, int]) -> None:
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A2"
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(_MAX_WIDTH, width + 2)


def _scenario_rows(data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    rows: list[tuple[str, Any, str]] = []
    for key in ("name", "week_start", "days", "closed_dates", "timezone"):
        value = data.get(key)
        if key == "week_start" and value:
            value = dt.date.fromisoformat(str(value))
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((key, value, _ABOUT[key]))
    for section in SECTIONS:
        for name, value in (data.get(section) or {}).items():
            if section == "blocks" and isinstance(value, list):
                text: Any = "; ".join(value)
            elif isinstance(value, dict):
                text = _flow({k: v for k, v in value.items() if v not in ({}, [], None)}).strip()
            elif isinstance(value, list):
                text = _flow(value).strip()
            else:
                text = value
            rows.append((f"{section}.{name}", text, _ABOUT[section]))
    return rows


def write_workbook_scenario(scenario: Scenario, path: str | Path, *, names: bool = False) -> Path:
    """Write ``scenario`` as an Excel workbook that :func:`read_workbook` reads back equal.

    This is the template for workbook input: start from an example program and edit it in
    Excel. Client names are left out unless ``names`` (protected health information).
    Returns the path written.
    """
    path = Path(path)
    data = scenario.to_data()
    book = Workbook()
    sheet = book.active
    sheet.title = SCENARIO_SHEET
    widths: dict[int, int] = {}
    for row, values in enumerate([("key", "value", "about"), *_scenario_rows(data)], start=1):
        for column_idx, value in enumerate(values, start=1):
            _put(sheet, row, column_idx, value)
            widths[column_idx] = max(widths.get(column_idx, 0), len(_cell_text(value)))
    for row_cells in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row_cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = Alignment(horizontal="left")
    _finish(sheet, widths)
    for table, model in TABLES.items():
        records = data.get(table)
        if records is None:
            continue
        columns = [
            column
            for column in model.model_fields
            if (names or column != "name")
            and (column in REQUIRED_COLUMNS[table] or any(r.get(column) for r in records))
        ]
        sheet = book.create_sheet(table)
        widths = {}
        for column_idx, column in enumerate(columns, start=1):
            _put(sheet, 1, column_idx, column)
            widths[column_idx] = len(column)
        for row, record in enumerate(records, start=2):
            for column_idx, column in enumerate(columns, start=1):
                value = record.get(column)
                if isinstance(value, list):
                    value = ";".join(str(v) for v in value)
                if value in (None, ""):
                    continue
                _put(sheet, row, column_idx, value)
                widths[column_idx] = max(widths[column_idx], len(str(value)))
        _finish(sheet, widths)
    about = book.create_sheet("about")
    for row, line in enumerate(
        [
            "An IOP scenario as a workbook (SPEC §2).",
            "scenario: one key per row (column A) with its value (column B).",
            "clients, therapists, rooms, pins: one row per record, the columns as in the CSV"
            " tables; rooms and pins may be left out.",
            "Solve it with: python cli.py solve THIS_FILE.xlsx",
        ],
        start=1,
    ):
        _put(about, row, 1, line)
    about.column_dimensions["A"].width = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
