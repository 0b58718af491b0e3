"""The compliance view (optimizer.compliance): each client's hours, days and sessions against
the plan, in summary counts, the workbook's Compliance sheet and the page's section.

One week solved once: Mon-Fri, an in-person block AM (09:00-11:50) and a virtual evening
block EVE-V (18:00-20:50), three 50-minute slots each (2.5 h a day); plan P: 3-5 days, one
``gt`` group, 9.5 h a week and 2.5 h a day. C1 and C2 (telehealth, day jobs) take EVE-V,
C3 and C4 take AM; 9.5 h need 4 days of 2.5 h (10 h), and fewer group sessions make it 4,
not 5. C5 can come Mon-Wed only (7.5 h at most) and is unscheduled.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import icalendar
import pandas as pd
import pytest
from conftest import assert_valid
from openpyxl import load_workbook
from test_clinical import AM, EVE, WORKS_DAYS, clients, plan, week

from optimizer import Result, Scenario, read_schedule, solve, write_reports
from optimizer.check import check_schedule
from optimizer.compliance import COMPLIANCE_COLUMNS, compliance_counts, compliance_table


@pytest.fixture(scope="module")
def result() -> Result:
    data = week(
        blocks={"AM": AM, "EVE-V": {"slots": EVE, "telehealth": True}},
        plans={"P": plan(3, 5, min_hours_per_week=9.5, min_hours_per_day=2.5)},
        clients=[
            *clients("C1 C2", telehealth="yes", busy=WORKS_DAYS),
            *clients("C3 C4"),
            *clients("C5", available="Mon-Wed 08:00-17:00"),
        ],
    )
    solved = solve(Scenario.from_data(data), time_limit=10, workers=1, seed=0)
    assert solved.objective == solved.best_bound == 4
    with tempfile.TemporaryDirectory() as folder:
        assert_valid(solved, Path(folder) / "out")
    return solved


def test_compliance_of_a_solved_week(result: Result) -> None:
    table = compliance_table(result.scenario, result.assignments).set_index("client_id")
    assert list(table.reset_index().columns) == list(COMPLIANCE_COLUMNS)
    for cid, virtual in (("C1", 4), ("C2", 4), ("C3", 0), ("C4", 0)):
        row = table.loc[cid]
        # 4 days of 3 x 50 min: 10 h against 9.5 h; every day 2.5 h against 2.5 h;
        # 12 gt sessions against a minimum of 1.
        assert (row["status"], row["days"], row["plan_days"]) == ("scheduled", 4, "3-5")
        assert (row["virtual_days"], row["hours_week"], row["min_hours_week"]) == (virtual, 10, 9.5)
        assert (row["shortest_day_hours"], row["min_hours_day"]) == (2.5, 2.5)
        assert (row["sessions"], row["meets_plan"]) == ("gt 12/1", "yes")
    c5 = table.loc["C5"]
    assert (c5["status"], c5["days"], c5["hours_week"], c5["meets_plan"]) == (
        "unscheduled",
        0,
        0,
        "",
    )
    assert pd.isna(c5["shortest_day_hours"])
    counts = {
        "scheduled_clients": 4,
        "under_any_minimum": 0,
        "under_hours_per_week": 0,
        "under_hours_per_day": 0,
        "under_days": 0,
        "under_sessions": 0,
        "virtual_days": 8,
    }
    assert compliance_counts(result.scenario, result.assignments) == counts
    assert result.summary["compliance"] == counts  # summary.json


def edited(result: Result, folder: Path) -> Path:
    """The week with C1's Monday removed and C3's last Tuesday slot dropped, as a
    coordinator might hand-edit it; reports rewritten for the edited files."""
    result.write(folder, report=False, xlsx=False, calendars=False)
    schedule = read_schedule(folder)
    rows = schedule.assignments
    drop = ((rows["client_id"] == "C1") & (rows["day"] == "Mon")) | (
        (rows["client_id"] == "C3") & (rows["day"] == "Tue") & (rows["start"] == "11:00")
    )
    assert drop.sum() == 4  # C1 attends Monday in the week found (3 slots), C3 Tuesday
    rows[~drop].to_csv(folder / "assignments.csv", index=False)
    write_reports(result.scenario, folder, calendars=False)
    return folder


def test_hand_edited_shortfalls_are_counted_and_shown(result: Result, tmp_path: Path) -> None:
    folder = edited(result, tmp_path / "week")
    schedule = read_schedule(folder)
    # C1: 3 days, 7.5 h of 9.5 h; C3: 4 days, Tuesday 1.67 h of 2.5 h, 9.17 h of 9.5 h.
    table = compliance_table(result.scenario, schedule.assignments).set_index("client_id")
    assert table.loc["C1", "meets_plan"] == "no: hours a week"
    assert (table.loc["C1", "days"], table.loc["C1", "hours_week"]) == (3, 7.5)
    assert table.loc["C3", "meets_plan"] == "no: hours a week, hours a day"
    assert (table.loc["C3", "shortest_day_hours"], table.loc["C3", "hours_week"]) == (1.67, 9.17)
    counts = compliance_counts(result.scenario, schedule.assignments)
    assert (counts["under_any_minimum"], counts["under_hours_per_week"]) == (2, 2)
    assert (counts["under_hours_per_day"], counts["under_days"]) == (1, 0)
    # the checker agrees (and C3's Tuesday also lacks a slot of its block)
    found = {(v.rule, v.ids) for v in check_schedule(result.scenario, schedule)}
    assert {("hours-week", ("C1",)), ("hours-week", ("C3",)), ("hours-day", ("C3",))} <= found
    assert ("client-block", ("C3",)) in found

    html = (folder / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="compliance"') : html.index('id="therapists"')]
    assert "2 of 4 scheduled clients fall short of their plan: C1, C3." in section
    assert section.count('<tr class="short">') == 2
    assert "Reviewed by (clinical director)" in section

    sheet = load_workbook(folder / "schedule.xlsx")["Compliance"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(COMPLIANCE_COLUMNS)
    red = {
        row[0].value
        for row in sheet.iter_rows(min_row=2)
        if row[0].value and row[0].fill.fgColor.rgb.endswith("F4CCCC")
    }
    assert red == {"C1", "C3"}
    assert [row[0] for row in sheet.values][-3:] == [
        "Reviewed by (clinical director):",
        "Signature:",
        "Date:",
    ]


def test_solved_week_page_says_every_client_meets_the_plan(result: Result, tmp_path: Path) -> None:
    folder = tmp_path / "week"
    result.write(folder, xlsx=False, calendars=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "All 4 scheduled clients meet their plan's hours, days and sessions." in html
    assert '<tr class="short">' not in html


def test_grid_marks_the_virtual_block_and_its_sessions(result: Result, tmp_path: Path) -> None:
    folder = tmp_path / "week"
    result.write(folder, calendars=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    grid = html[html.index('id="week-grid"') : html.index("</table>", html.index('id="week-grid"'))]
    assert "EVE-V (video) 1" in grid and "AM 1<br>" in grid
    assert "video" in grid  # the session cards of EVE-V say where they are held
    week = load_workbook(folder / "schedule.xlsx")["Week"]
    labels = [row[0] for row in week.iter_rows(min_row=2, values_only=True) if row[0]]
    assert "EVE-V (video) 1, 18:00-18:50" in labels and "AM 1, 09:00-09:50" in labels
    cells = [str(v) for row in week.iter_rows(min_row=2, values_only=True) for v in row[1:] if v]
    assert any("· video" in cell for cell in cells)
    assert not any("video" in cell and "room" in cell for cell in cells)


def test_calendars_place_virtual_sessions_on_video(result: Result, tmp_path: Path) -> None:
    folder = tmp_path / "week"
    result.write(folder, report=False, xlsx=False, client_calendars=True)
    c1 = icalendar.Calendar.from_ical((folder / "calendars" / "client-C1.ics").read_bytes())
    c3 = icalendar.Calendar.from_ical((folder / "calendars" / "client-C3.ics").read_bytes())
    assert {str(e.get("location")) for e in c1.walk("VEVENT")} == {"Video (telehealth)"}
    assert [e.get("location") for e in c3.walk("VEVENT")] == [None] * 12  # no rooms here
