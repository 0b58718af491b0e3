"""Excel workbook input: the template round trip, `solve program.xlsx`, and messages that
name the sheet, row and column of every problem."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS
from openpyxl import load_workbook

from optimizer import ScenarioError, check_schedule, load_scenario, read_schedule
from optimizer.io.workbook import read_workbook, write_workbook_scenario

EXAMPLES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "scenario.yaml").is_file())


@pytest.mark.parametrize("example", EXAMPLES)
def test_template_reads_back_to_the_same_scenario(example: str, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / example)
    with_names = write_workbook_scenario(scenario, tmp_path / "names.xlsx", names=True)
    assert read_workbook(with_names) == scenario
    without = read_workbook(write_workbook_scenario(scenario, tmp_path / "ids.xlsx"))
    assert all(c.name is None for c in without.clients)
    assert without == scenario.replace(
        clients=[c.model_copy(update={"name": None}) for c in scenario.clients]
    )


def test_cli_writes_a_template_and_solves_it_like_a_folder(tmp_path: Path) -> None:
    # tiny-saturday README: OPTIMAL, objective 3 (C01-C03), C04 and C05 not in the program.
    book = tmp_path / "program.xlsx"
    out = tmp_path / "out"
    cli = [sys.executable, str(ROOT / "cli.py")]
    written = subprocess.run(
        [*cli, "workbook", str(SCENARIOS / "tiny-saturday"), str(book)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    solved = subprocess.run(
        [*cli, "solve", str(book), "--out", str(out), "--time-limit", "20", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert solved.returncode == 0, solved.stderr
    schedule = read_schedule(out)
    assert schedule.summary is not None and schedule.summary["objective"] == 3
    assert sorted(schedule.unscheduled["client_id"]) == ["C04", "C05"]
    assert not check_schedule(read_workbook(book), schedule)


def _edit(sheet: str, cell: str, value: Any) -> Callable[[Any], None]:
    def run(book: Any) -> None:
        book[sheet][cell] = value

    return run


def _drop_sheet(name: str) -> Callable[[Any], None]:
    def run(book: Any) -> None:
        del book[name]

    return run


def _append(sheet: str, row: list[Any]) -> Callable[[Any], None]:
    def run(book: Any) -> None:
        book[sheet].append(row)

    return run


# tiny-evening-bottleneck as a template: scenario sheet rows are 1 header, 2 name,
# 3 week_start, 4 days, 5 closed_dates, 6 timezone, 7 blocks.AM, 8 blocks.EVE,
# 9-10 session_types, 11 plans.TWO-DAY, then rules and weights; clients columns are
# A client_id, B track, C plan, D busy, E priority; row 2 is C01.
@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        pytest.param(
            _edit("clients", "C3", "IOP-9"),
            "program.xlsx, sheet clients, row 3, column plan (C)",
            "unknown plan 'IOP-9'",
            id="unknown plan in a client row",
        ),
        pytest.param(
            _edit("clients", "B1", "trak"),
            "program.xlsx, sheet clients, row 1",
            "unknown column 'trak' (did you mean 'track'?)",
            id="misspelled header",
        ),
        pytest.param(
            _edit("clients", "D4", "Mon-Fri 8am-5pm"),
            "program.xlsx, sheet clients, row 4, column busy (D)",
            "",
            id="window not in the grammar",
        ),
        pytest.param(
            _edit("scenario", "B3", "2026-02-30"),
            "program.xlsx, sheet scenario, row 3, column B ('week_start')",
            "",
            id="a date that does not exist",
        ),
        pytest.param(
            _edit("scenario", "B11", "{min_days: 3, max_days: 2}"),
            "program.xlsx, sheet scenario, row 11, column B ('plans.TWO-DAY')",
            "min_days 3 is above max_days 2",
            id="plan with min_days above max_days",
        ),
        pytest.param(
            _edit("scenario", "B11", "{min_days: 3"),
            "program.xlsx, sheet scenario, row 11, column B",
            "cannot be read",
            id="broken YAML in a value cell",
        ),
        pytest.param(
            _edit("scenario", "A2", "nmae"),
            "program.xlsx, sheet scenario, row 2, column A",
            "unknown key 'nmae'",
            id="unknown key",
        ),
        pytest.param(
            _append("scenario", ["blocks.AM", "09:00-09:50"]),
            "program.xlsx, sheet scenario, row",
            "'blocks.AM' is also set in row 7",
            id="a key set twice",
        ),
        pytest.param(
            _drop_sheet("therapists"),
            "program.xlsx",
            "has no 'therapists' sheet",
            id="a required sheet is missing",
        ),
        pytest.param(
            _edit("therapists", "B2", None),
            "program.xlsx, sheet therapists, row 2, column skills (B)",
            "",
            id="an empty required cell",
        ),
    ],
)
def test_problems_name_sheet_row_and_column(
    tmp_path: Path, change: Callable[[Any], None], where: str, says: str
) -> None:
    path = write_workbook_scenario(
        load_scenario(SCENARIOS / "tiny-evening-bottleneck"), tmp_path / "program.xlsx"
    )
    book = load_workbook(path)
    change(book)
    book.save(path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)  # the folder loader's door: .xlsx goes to the workbook reader
    issues = caught.value.issues
    assert any(i.where.startswith(where) and says in i.problem for i in issues), issues


def test_excel_typed_cells_are_read_as_their_text(tmp_path: Path) -> None:
    # Dates typed as dates, numbers as numbers, and a formula-like id kept as text.
    path = write_workbook_scenario(
        load_scenario(SCENARIOS / "tiny-evening-bottleneck"), tmp_path / "program.xlsx"
    )
    book = load_workbook(path)
    header = [cell.value for cell in book["clients"][1]]
    book["clients"].cell(row=1, column=len(header) + 1, value="admit_date")
    book["clients"].cell(row=2, column=len(header) + 1, value=dt.datetime(2026, 12, 15))
    book["clients"]["A3"] = "=C02"
    book["clients"]["A3"].data_type = "s"
    book["scenario"]["B3"] = dt.datetime(2026, 12, 14)
    book.save(path)
    scenario = read_workbook(path)
    assert scenario.clients[0].admit_date == dt.date(2026, 12, 15)
    assert scenario.clients[1].client_id == "=C02"
    assert scenario.week_start == dt.date(2026, 12, 14)


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "program.xlsx"
    path.write_text("client_id,track\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(i) for i in caught.value.issues] == [
        "program.xlsx: cannot be opened as an Excel workbook; "
        "save it from Excel as 'Excel Workbook (.xlsx)'"
    ]
