"""Files in and out of the service: uploaded scenarios, and downloads of a schedule.

Both work in a private temporary folder (``0700``) that is removed before the request
ends: the service keeps no client data on disk.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from ..errors import Issue, ScenarioError
from ..io.read import load_scenario
from ..io.schedule import SCHEDULE_COLUMNS
from ..io.workbook import write_workbook_scenario
from ..io.write import write_csv
from ..report import write_reports
from ..scenario import Scenario
from .config import ServiceConfig

UPLOAD_SUFFIXES = (".zip", ".yaml", ".yml", ".json", ".xlsx")
SCENARIO_FILE_NAMES = ("scenario.yaml", "scenario.yml", "scenario.json")
TABLE_KEYS = ("clients", "therapists", "rooms", "pins")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS: dict[str, str] = {
    "assignments.csv": "text/csv",
    "sessions.csv": "text/csv",
    "unscheduled.csv": "text/csv",
    "changes.csv": "text/csv",
    "summary.json": "application/json",
    "report.html": "text/html",
    "schedule.xlsx": XLSX,
    "calendars.zip": "application/zip",
    "schedule.zip": "application/zip",
    "scenario.xlsx": XLSX,
}
"""Every file a schedule can be downloaded as, with its media type."""


@contextmanager
def private_folder() -> Iterator[Path]:
    """A temporary folder only this user can read, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="iop-service-") as name:
        folder = Path(name)
        os.chmod(folder, stat.S_IRWXU)
        yield folder


# ---------------------------------------------------------------------------------------
# Uploads


def _refuse(where: str, problem: str, fix: str) -> ScenarioError:
    return ScenarioError([Issue(where, problem, fix)])


def _safe_member(name: str) -> PurePosixPath | None:
    """The path of a zip member inside the folder, or None when it would leave it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return None
    return path


def _unzip(data: bytes, folder: Path, display: str, config: ServiceConfig) -> Path:
    """Unpack an uploaded folder; returns the folder holding scenario.yaml."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(display, "is not a zip archive", "zip the scenario folder again") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > config.max_upload_files:
            raise _refuse(
                display,
                f"holds {len(members)} files",
                f"zip only the scenario folder (at most {config.max_upload_files} files)",
            )
        if sum(m.file_size for m in members) > config.max_unzipped_bytes:
            raise _refuse(
                display,
                f"unpacks to more than {config.max_unzipped_bytes // 2**20} MiB",
                "zip only the scenario folder",
            )
        for member in members:
            path = _safe_member(member.filename)
            if path is None:
                raise _refuse(
                    f"{display}: {member.filename[:100]}",
                    "points outside the folder",
                    "zip the scenario folder with relative paths",
                )
            if stat.S_ISLNK(member.external_attr >> 16):
                raise _refuse(
                    f"{display}: {member.filename[:100]}",
                    "is a symbolic link",
                    "zip the files themselves",
                )
            target = folder.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source:
                # Read at most the declared size plus one byte: a lying header cannot
                # unpack to more than max_unzipped_bytes in total.
                content = source.read(member.file_size + 1)
            if len(content) > member.file_size:
                raise _refuse(display, "is damaged (sizes do not match)", "zip it again")
            target.write_bytes(content)
    candidates = sorted(
        {p.parent for name in SCENARIO_FILE_NAMES for p in folder.rglob(name)},
        key=lambda p: len(p.parts),
    )
    if not candidates:
        raise _refuse(display, "holds no scenario.yaml", "zip the folder that has scenario.yaml")
    return candidates[0]


def _check_table_paths(document: Path, folder: Path, display: str) -> None:
    """Refuse table files outside the uploaded folder (``/etc/...``, ``../...``)."""
    try:
        data = yaml.safe_load(document.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError):
        return  # the loader reports the syntax with its line
    if not isinstance(data, dict):
        return
    root = folder.resolve()
    for table in TABLE_KEYS:
        value = data.get(table)
        if not isinstance(value, str):
            continue
        target = (document.parent / value).resolve()
        if document.parent == folder and target.is_relative_to(root) and target != root:
            continue
        raise _refuse(
            f"{display}: {document.name}: {table}",
            f"names '{value[:80]}', which is not a file of the upload",
            "upload the folder as .zip with the tables beside scenario.yaml"
            if document.parent == folder
            else "inline the table as a list of rows, or upload the folder as .zip",
        )


def import_scenario(data: bytes, filename: str, config: ServiceConfig) -> Scenario:
    """A scenario from an uploaded file: a folder as ``.zip``, one YAML/JSON document or an
    Excel workbook. Raises :class:`ScenarioError` naming the file, sheet or row."""
    display = PurePosixPath(filename.replace("\\", "/")).name[:100] or "upload"
    suffix = PurePosixPath(display).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise _refuse(
            display,
            "is not a .zip, .yaml, .yml, .json or .xlsx file",
            "upload the scenario folder as .zip, one YAML/JSON file, or an Excel workbook",
        )
    with private_folder() as tmp:
        upload = tmp / "upload"
        upload.mkdir()
        if suffix == ".zip":
            scenario_dir = _unzip(data, upload, display, config)
            for name in SCENARIO_FILE_NAMES:
                if (scenario_dir / name).is_file():
                    _check_table_paths(scenario_dir / name, scenario_dir, display)
            target = scenario_dir
        else:
            target = upload / display
            target.write_bytes(data)
            if suffix != ".xlsx":
                _check_table_paths(target, tmp, display)
        try:
            return load_scenario(target)
        except ScenarioError as exc:  # never show the server's temporary paths
            prefix = str(upload) + os.sep
            raise ScenarioError(
                [
                    Issue(issue.where.replace(prefix, ""), issue.problem, issue.fix)
                    for issue in exc.issues
                ]
            ) from None


# ---------------------------------------------------------------------------------------
# Downloads


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{c: "" if row.get(c) is None else str(row.get(c)) for c in columns} for row in rows],
        columns=columns,
        dtype=str,
    )


def edited_summary(
    scenario: Scenario, tables: dict[str, list[dict[str, Any]]], summary: dict[str, Any] | None
) -> dict[str, Any]:
    """summary.json for a schedule that may have been edited by hand: the solve's summary
    with the counts and the objective of the rows as they are now."""
    result = dict(summary or {"status": "FEASIBLE", "interrupted": False, "best_bound": None})
    scheduled = {str(row.get("client_id", "")) for row in tables["assignments"]}
    priority = {c.client_id: c.priority for c in scenario.clients}
    result.update(
        scenario=scenario.name,
        objective=sum(priority.get(cid, 0) for cid in scheduled),
        scheduled_clients=len(scheduled),
        unscheduled_clients=len(tables["unscheduled"]),
        sessions=len(tables["sessions"]),
        clients=len(scenario.clients),
    )
    return result


def build_download(
    name: str,
    scenario: Scenario,
    tables: dict[str, list[dict[str, Any]]],
    summary: dict[str, Any] | None,
) -> bytes:
    """The bytes of one download (a key of :data:`DOWNLOADS`) of a schedule.

    ``tables`` holds the rows (``assignments``, ``sessions``, ``unscheduled`` and optionally
    ``changes``). Clients appear by id only: names are never written by the service.
    """
    with private_folder() as tmp:
        if name == "scenario.xlsx":
            return write_workbook_scenario(scenario, tmp / name).read_bytes()
        folder = tmp / "schedule"
        folder.mkdir(mode=0o700)
        for file_name, columns in SCHEDULE_COLUMNS.items():
            write_csv(_frame(tables[file_name.removesuffix(".csv")], columns), folder / file_name)
        if tables.get("changes"):
            changes = tables["changes"]
            write_csv(_frame(changes, list(changes[0])), folder / "changes.csv")
        (folder / "summary.json").write_text(
            json.dumps(edited_summary(scenario, tables, summary), indent=2) + "\n",
            encoding="utf-8",
        )
        wanted = {
            "report.html": {"report": True},
            "schedule.xlsx": {"xlsx": True},
            "calendars.zip": {"calendars": True},
            "schedule.zip": {"report": True, "xlsx": True, "calendars": True},
        }.get(name)
        if wanted is not None:
            options = {"report": False, "xlsx": False, "calendars": False, **wanted}
            write_reports(scenario, folder, **options)
        if name == "calendars.zip":
            return _zip(folder / "calendars", "calendars")
        if name == "schedule.zip":
            return _zip(folder, "schedule")
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(name)
        return path.read_bytes()


def _zip(folder: Path, root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{root}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
