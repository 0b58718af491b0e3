"""CSVs for Excel on Windows: a byte-order mark on request, and every reader takes both forms.

Issue 18, item 7: Excel on Windows reads a CSV without a byte-order mark in the local code
page, so non-ASCII text comes out garbled. SPEC §5 readers (other people's tools) expect the
header to start with ``client_id``; a mark by default would hand them ``\\ufeffclient_id``.
So the default stays plain UTF-8 and ``--excel-csv`` (``Result.write(csv_bom=True)``) adds it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import assert_valid

from optimizer import Scenario, cli, read_schedule, solve
from optimizer.check import check_schedule

BOM = b"\xef\xbb\xbf"
CSV_FILES = ("assignments.csv", "sessions.csv", "unscheduled.csv")


def accented_data() -> dict:
    """Non-ASCII ids and tracks; Zoë cannot come (Saturday only), so a reason is written."""
    return {
        "name": "Niños y familias",
        "week_start": "2026-12-14",
        "timezone": "America/Los_Angeles",
        "days": ["Mon"],
        "blocks": {"AM": ["09:00-09:50"]},
        "session_types": {"grupo": {"kind": "group", "min_size": 2, "max_size": 6}},
        "plans": {"P": {"min_days": 1, "max_days": 1, "sessions": {"grupo": 1}}},
        "clients": [
            {"client_id": "José", "track": "Niños", "plan": "P"},
            {"client_id": "Begoña", "track": "Niños", "plan": "P"},
            {"client_id": "Zoë", "track": "Niños", "plan": "P", "available": "Sat 09:00-12:00"},
        ],
        "therapists": [{"therapist_id": "Dra-Muñoz", "skills": "grupo"}],
    }


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same result written plainly and with the byte-order mark."""
    result = solve(Scenario.from_data(accented_data()), time_limit=5, workers=1, seed=0)
    # One group of José and Begoña (min size 2); Zoë unscheduled: objective 2.
    assert (result.objective, list(result.unscheduled["client_id"])) == (2, ["Zoë"])
    base = tmp_path_factory.mktemp("bom")
    assert_valid(result, base / "checked")
    plain = result.write(base / "plain", report=False, xlsx=False, calendars=False)
    marked = result.write(base / "marked", report=False, xlsx=False, calendars=False, csv_bom=True)
    return plain, marked


@pytest.mark.parametrize("name", CSV_FILES)
def test_plain_by_default_marked_on_request(folders: tuple[Path, Path], name: str) -> None:
    plain, marked = folders
    plain_bytes, marked_bytes = (plain / name).read_bytes(), (marked / name).read_bytes()
    assert not plain_bytes.startswith(BOM)
    assert marked_bytes == BOM + plain_bytes  # nothing else differs
    # A SPEC §5 reader that decodes plain UTF-8 finds its column names in the default files.
    header = next(csv.reader(io.StringIO(plain_bytes.decode("utf-8"))))
    assert header[0] in ("client_id", "session_id")
    assert pd.read_csv(marked / name, encoding="utf-8-sig").columns[0] == header[0]


def test_non_ascii_text_survives(folders: tuple[Path, Path]) -> None:
    _, marked = folders
    text = (marked / "assignments.csv").read_bytes().decode("utf-8-sig")
    assert "José" in text and "Begoña" in text and "Dra-Muñoz" in text
    assert "Zoë" in (marked / "unscheduled.csv").read_bytes().decode("utf-8-sig")


def test_every_reader_takes_both(folders: tuple[Path, Path]) -> None:
    plain, marked = folders
    first, second = read_schedule(plain), read_schedule(marked)
    for table in ("assignments", "sessions", "unscheduled"):
        assert getattr(first, table).equals(getattr(second, table)), table
    assert list(second.assignments.columns)[0] == "client_id"
    scenario = Scenario.from_data(accented_data())
    assert not check_schedule(scenario, second)
    # Last week's folder with the mark: José and Begoña continue, nothing changes.
    again = solve(scenario, time_limit=5, workers=1, seed=0, previous=second)
    assert again.objective == 2 and again.changes is not None and not len(again.changes)


def test_a_summary_saved_with_a_mark_is_read(folders: tuple[Path, Path], tmp_path: Path) -> None:
    _, marked = folders
    edited = tmp_path / "edited"
    edited.mkdir()
    for name in (*CSV_FILES, "summary.json"):
        (edited / name).write_bytes((marked / name).read_bytes())
    summary = (edited / "summary.json").read_bytes()
    (edited / "summary.json").write_bytes(BOM + summary)  # Notepad's "UTF-8"
    assert read_schedule(edited).summary == json.loads(summary)


def test_cli_excel_csv(tmp_path: Path) -> None:
    scenario = tmp_path / "week.json"
    scenario.write_text(json.dumps(accented_data()), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    solved = runner.invoke(
        cli.main,
        ["solve", str(scenario), "--out", str(out), "--time-limit", "5", "--workers", "1"]
        + ["--excel-csv", "--no-report", "--no-calendars"],
    )
    assert solved.exit_code == 0, solved.output
    assert all((out / name).read_bytes().startswith(BOM) for name in CSV_FILES)
    checked = runner.invoke(cli.main, ["check", str(scenario), str(out)])
    assert checked.exit_code == 0, checked.output
    reported = runner.invoke(cli.main, ["report", str(scenario), str(out)])
    assert reported.exit_code == 0, reported.output
    assert "José" in (out / "report.html").read_text(encoding="utf-8")
