"""Reading scenarios: a folder (``scenario.yaml`` + CSV tables), one YAML file, one JSON file.

Every problem found is collected and raised once as a :class:`ScenarioError` whose issues
name the file, the spreadsheet row (header = row 1) and column, or the YAML key.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import Issue, ScenarioError, did_you_mean
from ..scenario import Scenario, key_path
from .tables import (
    MAX_FILE_BYTES,
    REQUIRED_COLUMNS,
    TABLES,
    TextDatesLoader,
    header_issues,
    yaml_issue,
)

SCENARIO_FILE_NAMES = ("scenario.yaml", "scenario.yml", "scenario.json")


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario from a folder, a ``.yaml``/``.yml``/``.json`` file or an Excel
    workbook (``.xlsx``, see :mod:`optimizer.io.workbook`)."""
    path = Path(path)
    if path.is_dir():
        for name in SCENARIO_FILE_NAMES:
            if (path / name).is_file():
                return _load_document(path / name, tables_dir=path)
        raise ScenarioError(
            [Issue(str(path), "holds no scenario.yaml", "point to a scenario folder or file")]
        )
    if not path.exists():
        raise ScenarioError([Issue(str(path), "does not exist", "check the path")])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from .workbook import read_workbook  # workbook.py builds on this module

        return read_workbook(path)
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise ScenarioError(
            [
                Issue(
                    str(path),
                    "is not a .yaml, .yml or .json file nor an Excel workbook (.xlsx)",
                    "give a scenario folder or file",
                )
            ]
        )
    return _load_document(path, tables_dir=path.parent)


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            [
                Issue(
                    path.name,
                    f"is {path.stat().st_size // 2**20} MiB",
                    "a scenario file stays under 50 MiB",
                )
            ]
        )
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [
                Issue(
                    path.name,
                    f"is not UTF-8 text (byte {exc.start})",
                    "save it as UTF-8 (CSV UTF-8 in Excel)",
                )
            ]
        ) from None
    except OSError as exc:
        raise ScenarioError(
            [Issue(path.name, f"cannot be read: {exc.strerror}", "check the file")]
        ) from None


def _parse_document(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=TextDatesLoader)  # a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [
                Issue(
                    f"{path.name} line {exc.lineno}",
                    f"is not valid JSON: {exc.msg}",
                    "fix the syntax",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([yaml_issue(path.name, exc)]) from None
    except ValueError as exc:  # a YAML tag whose value cannot be built, e.g. '!!int x'
        raise ScenarioError(
            [Issue(path.name, f"holds a value that cannot be read: {exc}", "fix the value")]
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                Issue(
                    path.name,
                    "does not hold a mapping of scenario keys",
                    "start with 'name:', 'week_start:', ...",
                )
            ]
        )
    return data


def _load_document(path: Path, tables_dir: Path) -> Scenario:
    data = _parse_document(path)
    data.setdefault("name", tables_dir.name if path.name in SCENARIO_FILE_NAMES else path.stem)
    issues: list[Issue] = []
    sources: dict[str, tuple[str, list[int]]] = {}
    for table in TABLES:
        value = data.get(table)
        if isinstance(value, str):
            file_path = tables_dir / value
            try:
                data[table], rows = read_table(file_path, table, display=value)
                sources[table] = (value, rows)
            except ScenarioError as exc:
                issues.extend(exc.issues)
                data[table] = []
        elif isinstance(value, list):
            issues.extend(_check_record_columns(value, table, f"{path.name}: {table}"))
        elif value is None and table in ("rooms", "pins"):
            data.pop(table, None)
        elif value is None:
            issues.append(
                Issue(
                    f"{path.name}: {table}",
                    "is missing",
                    f"name a CSV file, e.g. '{table}: {table}.csv'",
                )
            )
        else:
            issues.append(
                Issue(
                    f"{path.name}: {table}",
                    "must be a CSV file name or a list of rows",
                    f"e.g. '{table}: {table}.csv'",
                )
            )

    def locate(where: tuple[str | int, ...]) -> str:
        if where and where[0] in sources and len(where) >= 2 and isinstance(where[1], int):
            file_name, rows = sources[str(where[0])]
            text = f"{file_name} row {rows[where[1]]}"
            return text + (f", column {where[2]}" if len(where) > 2 else "")
        return f"{path.name}: {key_path(where)}"

    try:
        scenario = Scenario.from_data(data, locate=locate)
    except ScenarioError as exc:
        raise ScenarioError(issues + exc.issues) from None
    if issues:
        raise ScenarioError(issues)
    return scenario


def _check_record_columns(rows: list[Any], table: str, where: str) -> list[Issue]:
    issues = []
    known = list(TABLES[table].model_fields)
    for idx, row in enumerate(rows):
        if not isinstance(row, dict):
            issues.append(
                Issue(
                    f"{where}[{idx}]",
                    "is not a mapping of column: value",
                    "write each row as a mapping",
                )
            )
            continue
        for key in row:
            hint = did_you_mean(str(key), known) if str(key) not in known else ""
            if hint:  # a misspelled known column would otherwise be silently ignored
                issues.append(
                    Issue(f"{where}[{idx}]", f"unknown column '{key}'{hint}", "rename it")
                )
    return issues


def read_table(
    path: Path, table: str, display: str | None = None
) -> tuple[list[dict[str, Any]], list[int]]:
    """Read one CSV table into records, keeping spreadsheet row numbers in error messages.

    Accepts UTF-8 with or without BOM, ``,`` or ``;`` delimiters, CRLF line ends, trailing
    spaces and empty rows. Empty cells are left out so defaults apply. Returns the records
    and, for each, its row number as a spreadsheet shows it.
    """
    display = display or path.name
    if not path.is_file():
        problem = "is not a regular file" if path.exists() else "does not exist"
        raise ScenarioError([Issue(display, problem, "check the file name in scenario.yaml")])
    text = _read_text(path)
    if not text.strip():
        raise ScenarioError(
            [
                Issue(
                    display,
                    "is empty",
                    f"give it a header row with {', '.join(REQUIRED_COLUMNS[table])}",
                )
            ]
        )
    first_line = text.lstrip("\r\n").splitlines()[0]
    # Excel saves "CSV" with ',' or ';' (by locale) and "Text" with tabs: the header tells.
    delimiter = max(",;\t", key=first_line.count)
    header = [cell.strip() for cell in next(csv.reader([first_line], delimiter=delimiter))]
    issues = header_issues(header, table, display)
    if issues:
        raise ScenarioError(issues)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise ScenarioError(
            [Issue(display, f"cannot be read as CSV: {exc}", "check quotes and delimiters")]
        ) from None
    frame.columns = [str(col).strip() for col in frame.columns]
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    for idx, row in enumerate(frame.to_dict("records")):
        cells = {str(k): v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
        if cells:  # empty rows (trailing or in between) are skipped, numbering kept
            records.append(cells)
            rows.append(idx + 2)
    return records, rows
