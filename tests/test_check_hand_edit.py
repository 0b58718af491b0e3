"""A coordinator edits one file (issue 18 item 5): a client moved in assignments.csv alone is
judged by the rules, the sessions.csv left behind is one warning, and ``check
--write-sessions`` rebuilds sessions.csv from assignments.csv.

The week, derived by hand: Monday only, one slot (09:00-09:50), one group type of 2 to 3
clients, and every client (C1-C5, one track) needs that one group on Monday. Two groups
run: S1 led by T1 with C1, C2, C3, and S2 led by T2 with C4 and C5. No rooms.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from optimizer import Scenario, cli, read_schedule, solve
from optimizer.check import (
    AmbiguousSessionsError,
    check_schedule,
    rewrite_sessions_csv,
    sessions_from_assignments,
)
from optimizer.io.schedule import SCHEDULE_COLUMNS

WEEK = {
    "name": "hand edit",
    "week_start": "2026-12-14",
    "days": ["Mon"],
    "blocks": {"AM": ["09:00-09:50"]},
    "session_types": {"group_therapy": {"kind": "group", "min_size": 2, "max_size": 3}},
    "plans": {"P1": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1}}},
    "clients": [{"client_id": f"C{i}", "track": "SUD", "plan": "P1"} for i in range(1, 6)],
    "therapists": [
        {"therapist_id": "T1", "skills": "group_therapy"},
        {"therapist_id": "T2", "skills": "group_therapy"},
    ],
}
WHEN = {
    "session_type": "group_therapy",
    "day": "Mon",
    "date": "2026-12-14",
    "block": "AM",
    "start": "09:00",
    "end": "09:50",
    "room_id": "",
}
LEADER = {"S1": "T1", "S2": "T2"}
MEMBERS = {"S1": ("C1", "C2", "C3"), "S2": ("C4", "C5")}
ASSIGNMENT_COLUMNS = SCHEDULE_COLUMNS["assignments.csv"]
SESSION_COLUMNS = SCHEDULE_COLUMNS["sessions.csv"]


def session_rows(members: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    return [
        {
            "session_id": sid,
            "track": "SUD",
            "size": str(len(cids)),
            **WHEN,
            "therapist_id": LEADER[sid],
        }
        for sid, cids in members.items()
    ]


def assignment_rows() -> list[dict[str, str]]:
    return [
        {"client_id": cid, "session_id": sid, **WHEN, "therapist_id": LEADER[sid]}
        for sid, cids in MEMBERS.items()
        for cid in cids
    ]


def move(rows: list[dict[str, str]], cid: str, to: str, columns: bool = True) -> None:
    """Move ``cid`` to session ``to`` the way a coordinator would: the session_id and (with
    ``columns``) the session's columns copied from a row of that session."""
    row = next(r for r in rows if r["client_id"] == cid)
    row["session_id"] = to
    if columns:
        row["therapist_id"] = LEADER[to]


def write(folder: Path, assignments: list[dict[str, str]]) -> Path:
    """The schedule folder as solved (sessions.csv of MEMBERS) with ``assignments``."""
    folder.mkdir(parents=True)
    for name, columns, rows in (
        ("assignments.csv", ASSIGNMENT_COLUMNS, assignments),
        ("sessions.csv", SESSION_COLUMNS, session_rows(MEMBERS)),
        ("unscheduled.csv", ["client_id", "reason"], []),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "week.json"
    path.write_text(json.dumps(WEEK), encoding="utf-8")
    return path


def run_check(scenario_file: Path, folder: Path, *options: str):
    return CliRunner().invoke(cli.main, ["check", str(scenario_file), str(folder), *options])


def test_valid_move_in_assignments_alone_passes_with_one_warning(
    scenario_file: Path, tmp_path: Path
) -> None:
    # C3 to S2: S1 keeps C1, C2 (2 clients) and S2 gets C3, C4, C5 (3): both within 2..3.
    rows = assignment_rows()
    move(rows, "C3", "S2")
    result = run_check(scenario_file, write(tmp_path / "moved", rows))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "sessions-csv (1 warning): sessions.csv disagrees with assignments.csv"
    assert (
        "S1 (sessions.csv row 2): size '3' vs '2'; S2 (sessions.csv row 3): size '2' vs '3'"
        in (lines[1])
    )
    assert lines[-1] == (
        "OK: no rule is broken (5 clients scheduled, 2 sessions); 1 warning about sessions.csv"
    )


def test_invalid_move_gives_the_rule_it_breaks(scenario_file: Path, tmp_path: Path) -> None:
    # C4 to S1: S1 holds 4 clients (at most 3) and S2 keeps C5 alone (at least 2).
    rows = assignment_rows()
    move(rows, "C4", "S1")
    folder = write(tmp_path / "moved", rows)
    violations = check_schedule(Scenario.from_data(WEEK), read_schedule(folder))
    errors = [(v.rule, v.ids) for v in violations if v.severity == "error"]
    assert errors == [("group-size", ("S1",)), ("group-size", ("S2",))]
    assert [v.rule for v in violations if v.severity == "warning"] == ["sessions-csv"]
    assert run_check(scenario_file, folder).exit_code == 1


def test_half_edited_row_is_named_and_the_move_still_judged(tmp_path: Path) -> None:
    # Only C3's session_id changed: the row still says T1, S2's other rows and sessions.csv
    # say T2. S2 is judged with T2 and its three clients; the row is the one error.
    rows = assignment_rows()
    move(rows, "C3", "S2", columns=False)
    folder = write(tmp_path / "moved", rows)
    violations = check_schedule(Scenario.from_data(WEEK), read_schedule(folder))
    [error] = [v for v in violations if v.severity == "error"]
    assert (error.rule, error.ids) == ("session-mismatch", ("C3", "S2"))
    assert "therapist_id 'T1' vs 'T2' (assignments.csv row 4 vs sessions.csv row 3)" in (
        error.message
    )
    with pytest.raises(AmbiguousSessionsError, match="assignments.csv row 4"):
        sessions_from_assignments(Scenario.from_data(WEEK), read_schedule(folder))


def test_write_sessions_round_trip(scenario_file: Path, tmp_path: Path) -> None:
    rows = assignment_rows()
    move(rows, "C3", "S2")
    folder = write(tmp_path / "moved", rows)
    result = run_check(scenario_file, folder, "--write-sessions")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"rewrote {folder / 'sessions.csv'} (2 sessions)"
    with (folder / "sessions.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == session_rows(
            {"S1": ("C1", "C2"), "S2": ("C3", "C4", "C5")}
        )
    again = run_check(scenario_file, folder)
    assert again.exit_code == 0
    assert again.output == "OK: no rule is broken (5 clients scheduled, 2 sessions)\n"


def test_write_sessions_leaves_an_ambiguous_folder_alone(
    scenario_file: Path, tmp_path: Path
) -> None:
    rows = assignment_rows()
    move(rows, "C3", "S2", columns=False)
    folder = write(tmp_path / "moved", rows)
    before = (folder / "sessions.csv").read_bytes()
    result = run_check(scenario_file, folder, "--write-sessions")
    assert result.exit_code == 1
    assert "sessions.csv not rewritten: assignments.csv is ambiguous" in result.stderr
    assert (folder / "sessions.csv").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [
        "assignments.csv",
        "sessions.csv",
        "unscheduled.csv",
    ]


@pytest.mark.parametrize("bom", [False, True], ids=["plain", "excel-csv"])
def test_rebuilding_a_solved_folder_changes_nothing(tmp_path: Path, bom: bool) -> None:
    # The solver puts the five clients in two groups (3 + 2, one per therapist).
    scenario = Scenario.from_data(WEEK)
    result = solve(scenario, time_limit=10, workers=1)
    folder = result.write(tmp_path / "out", report=False, xlsx=False, calendars=False, csv_bom=bom)
    assert check_schedule(scenario, read_schedule(folder)) == []
    assert sorted(result.sessions["size"].astype(int)) == [2, 3]
    before = (folder / "sessions.csv").read_bytes()
    assert rewrite_sessions_csv(scenario, folder) == 2
    assert (folder / "sessions.csv").read_bytes() == before
