"""The checker reading hand-edited files: row numbers, malformed files and rows, frames."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_case import SCENARIO_FILE, TABLES, VALID, Case, errors_of, fresh_case

from optimizer import Scenario, ScheduleReadError, load_scenario, read_schedule
from optimizer.check import CheckReport, check_schedule, format_violations


@pytest.fixture
def case() -> Case:
    return fresh_case()


def test_hand_written_schedule_is_valid(case: Case, tmp_path: Path) -> None:
    violations = case.check(tmp_path)
    assert violations == [], "\n".join(map(str, violations))
    assert isinstance(violations, CheckReport)
    assert (violations.scheduled_clients, violations.sessions) == (3, 5)


def test_valid_schedule_read_from_files_passes(tmp_path: Path) -> None:
    violations = check_schedule(load_scenario(SCENARIO_FILE), read_schedule(VALID))
    assert violations == []
    verdict = "OK: no rule is broken (3 clients scheduled, 5 sessions)"
    assert format_violations(violations) == verdict


def test_messages_carry_row_numbers_and_no_names(case: Case, tmp_path: Path) -> None:
    case.client("C1")["name"] = "Jane Doe"
    case.edit_session("Tue-AM-1-T1", room_id="R9")
    case.assignment("C1", "Mon-AM-1-T1")["therapist_id"] = "T2"
    errors = case.check(tmp_path)
    text = format_violations(errors)
    assert "Jane" not in text
    assert "sessions.csv row 5" in text  # header = row 1
    assert "assignments.csv row 2" in text


def test_row_numbers_count_blank_lines_like_a_spreadsheet(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for name in TABLES:
        (folder / name).write_text((VALID / name).read_text(encoding="utf-8"), encoding="utf-8")
    sessions = (VALID / "sessions.csv").read_text(encoding="utf-8").splitlines()
    sessions[5] = sessions[5].replace(",3", ",4")  # Tue-AM-2-T1 is on line 6
    sessions.insert(2, "")
    (folder / "sessions.csv").write_text("\n".join(sessions) + "\n", encoding="utf-8")
    violations = check_schedule(load_scenario(SCENARIO_FILE), read_schedule(folder))
    assert [(v.rule, v.ids) for v in violations] == [("sessions-csv", ("Tue-AM-2-T1",))]
    assert "Tue-AM-2-T1 (sessions.csv row 7): size '4' vs '3'" in violations[0].message


# ---------------------------------------------------------------------------------------
# Malformed files


def test_missing_column_is_a_read_error(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for name in TABLES:
        (folder / name).write_text((VALID / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (VALID / "sessions.csv").read_text(encoding="utf-8").replace(",size", ",people")
    (folder / "sessions.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleReadError, match="size"):
        read_schedule(folder)


def test_garbage_rows_are_violations_not_crashes(case: Case, tmp_path: Path) -> None:
    blank = dict.fromkeys(case.tables["assignments.csv"][0], "")
    case.tables["assignments.csv"].append({**blank, "client_id": "C77", "session_id": "nope"})
    case.tables["sessions.csv"].append(
        {
            "session_id": "X",
            "session_type": "",
            "track": "",
            "day": "",
            "date": "",
            "block": "",
            "start": "",
            "end": "",
            "therapist_id": "",
            "room_id": "",
            "size": "",
        }
    )
    violations = case.check(tmp_path)
    rules = {v.rule for v in errors_of(violations)}
    # Session "nope" is defined by C77's blank row; session X, which nobody attends, is
    # sessions.csv's bookkeeping (a warning).
    assert {
        "unknown-client",
        "unknown-session-type",
        "unknown-day",
        "bad-date",
        "unknown-block",
        "bad-time",
        "therapist-missing",
        "room-missing",
    } <= rules
    [warning] = [v for v in violations if v.rule == "sessions-csv"]
    assert warning.severity == "warning"
    assert "X (sessions.csv row 7) has no client in assignments.csv" in warning.message


def test_formula_quotes_are_stripped(case: Case, tmp_path: Path) -> None:
    """A client id that looks like a formula is written ``'-C3`` and read back as ``-C3``."""
    case.client("C3")["client_id"] = "-C3"
    for row in case.tables["assignments.csv"]:
        if row["client_id"] == "C3":
            row["client_id"] = "'-C3"
    assert case.check(tmp_path) == []


def test_check_accepts_result_like_frames(case: Case) -> None:
    """A library caller may pass frames with numbers (``size`` as int) and no row map."""
    import pandas as pd

    from optimizer import Schedule

    sessions = pd.DataFrame(case.tables["sessions.csv"])
    sessions["size"] = sessions["size"].astype(int)
    schedule = Schedule(
        assignments=pd.DataFrame(case.tables["assignments.csv"]),
        sessions=sessions,
        unscheduled=pd.DataFrame(case.tables["unscheduled.csv"]),
    )
    assert check_schedule(Scenario.from_data(case.data), schedule) == []
