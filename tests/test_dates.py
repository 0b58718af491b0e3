"""Dates that do not exist are told so, in every place a date is read (issue 18, item 8).

``2026-02-30`` is written as YYYY-MM-DD; telling its writer to "write it as YYYY-MM-DD"
sends them looking for a mistake they did not make. Each row names the date column or key,
the value, and the words the message must carry.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SCENARIOS, make_scenario

from optimizer import ScenarioError, load_scenario, read_schedule, solve
from optimizer.check import check_schedule
from optimizer.io.write import write_csv
from optimizer.scenario import date_problem

FORMAT_FIX = "write it as YYYY-MM-DD"


@pytest.mark.parametrize(
    ("value", "problem", "fix"),
    [
        pytest.param("2026-02-30", "February 2026 has days 01 to 28", "check the day", id="feb-30"),
        pytest.param(
            "2026-02-29", "February 2026 has days 01 to 28", "check the day", id="no-leap-day"
        ),
        pytest.param("2026-04-31", "April 2026 has days 01 to 30", "check the day", id="apr-31"),
        pytest.param("2026-12-00", "December 2026 has days 01 to 31", "check the day", id="day-0"),
        pytest.param("2026-13-01", "there is no month 13", "before the day", id="month-13"),
        pytest.param("0000-01-01", "there is no year 0000", "check the year", id="year-0"),
        # Not written as YYYY-MM-DD: only then is the format the fix.
        pytest.param("12/14/2026", "'12/14/2026' is not a date", FORMAT_FIX, id="us-order"),
        pytest.param("Christmas", "'Christmas' is not a date", FORMAT_FIX, id="a-word"),
    ],
)
def test_date_problem_says_what_does_not_exist(value: str, problem: str, fix: str) -> None:
    found_problem, found_fix = date_problem(value)
    assert problem in found_problem and fix in found_fix
    if fix != FORMAT_FIX:  # the value was written as YYYY-MM-DD: never ask for that again
        assert FORMAT_FIX not in found_fix


def test_a_leap_day_is_a_date() -> None:
    scenario = make_scenario(week_start="2028-02-28", closed_dates=["2028-02-29"])
    assert [d.isoformat() for d in scenario.closed_dates] == ["2028-02-29"]


def edited_folder(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "westside"
    shutil.copytree(SCENARIOS / "westside-iop", folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


CLIENT_ROW = "C004,Devon K.,SUD,STEP-DOWN,,Mon-Fri 07:00-16:00,,,,,,1,,"


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "problem"),
    [
        pytest.param(
            "scenario.yaml",
            "week_start: 2026-12-14",
            "week_start: 2026-02-30",
            "scenario.yaml: week_start",
            "'2026-02-30' is not a date: February 2026 has days 01 to 28",
            id="week_start",
        ),
        pytest.param(
            "scenario.yaml",
            "closed_dates: []",
            "closed_dates: [2026-12-25, 2026-11-31]",
            "scenario.yaml: closed_dates[1]",
            "'2026-11-31' is not a date: November 2026 has days 01 to 30",
            id="closed_dates",
        ),
        pytest.param(
            "clients.csv",
            CLIENT_ROW,
            CLIENT_ROW.replace(",,,,,,1,,", ",,,2026-02-30,,,1,,"),
            "clients.csv row 5, column admit_date",
            "'2026-02-30' is not a date: February 2026 has days 01 to 28",
            id="admit_date",
        ),
        pytest.param(
            "clients.csv",
            CLIENT_ROW,
            CLIENT_ROW.replace(",,,,,,1,,", ",,,,2026-06-31,,1,,"),
            "clients.csv row 5, column discharge_date",
            "'2026-06-31' is not a date: June 2026 has days 01 to 30",
            id="discharge_date",
        ),
    ],
)
def test_every_scenario_date_names_the_missing_day(
    tmp_path: Path, file: str, old: str, new: str, where: str, problem: str
) -> None:
    folder = edited_folder(tmp_path, file, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    issues = [i for i in caught.value.issues if i.where == where]
    assert len(issues) == 1, caught.value.issues
    assert issues[0].problem == problem
    assert issues[0].fix == "check the day and the month"


def test_a_schedule_date_that_does_not_exist_is_named_by_check(tmp_path: Path) -> None:
    # Two SUD clients, one day each in a two-slot block, groups only: two group sessions.
    scenario = make_scenario()
    result = solve(scenario, time_limit=5, workers=1, seed=0)
    folder = tmp_path / "out"
    result.write(folder, report=False, xlsx=False, calendars=False)
    schedule = read_schedule(folder)
    assert len(schedule.sessions) == 2
    assert not check_schedule(scenario, schedule)
    # The date edited in both files (assignments.csv is the file of record; sessions.csv
    # alone would be a warning about sessions.csv).
    sessions = schedule.sessions.copy()
    sessions.loc[0, "date"] = "2026-02-30"
    write_csv(sessions, folder / "sessions.csv")
    assignments = schedule.assignments.copy()
    edited = assignments["session_id"] == sessions.loc[0, "session_id"]
    assignments.loc[edited, "date"] = "2026-02-30"
    write_csv(assignments, folder / "assignments.csv")
    found = [v for v in check_schedule(scenario, read_schedule(folder)) if v.rule == "bad-date"]
    assert len(found) == 1
    assert "'2026-02-30' is not a date: February 2026 has days 01 to 28" in found[0].message
    assert FORMAT_FIX not in found[0].message
