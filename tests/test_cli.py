"""The command line end to end (SPEC §5 files, §6 exit codes) on ``tests/data/tiny``.

tiny: Mon/Tue, five SUD clients. C5 was discharged before the week (d = 0), the other four
fit (C2 has priority 2), so the optimum is 1 + 2 + 1 + 1 = 5 with C5 unscheduled.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from optimizer import cli, load_scenario, read_schedule
from optimizer.check import check_schedule

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"
FAST = ["--workers", "1", "--seed", "0", "--time-limit", "20"]

COLUMNS = {
    "assignments.csv": [
        "client_id",
        "session_id",
        "session_type",
        "day",
        "date",
        "block",
        "start",
        "end",
        "therapist_id",
        "room_id",
    ],
    "sessions.csv": [
        "session_id",
        "session_type",
        "track",
        "day",
        "date",
        "block",
        "start",
        "end",
        "therapist_id",
        "room_id",
        "size",
    ],
    "unscheduled.csv": ["client_id", "reason"],
}
SUMMARY_KEYS = {
    "status",
    "objective",
    "best_bound",
    "scheduled_clients",
    "unscheduled_clients",
    "solve_seconds",
    "interrupted",
}


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("cli") / "week"
    return invoke("solve", TINY, "--out", out, *FAST), out


def test_solve_exits_0_and_writes_every_file(solved: tuple[Result, Path]) -> None:
    result, out = solved
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "assignments.csv",
        "calendars",
        "report.html",
        "schedule.xlsx",
        "sessions.csv",
        "summary.json",
        "unscheduled.csv",
    ]
    for name, columns in COLUMNS.items():
        header = (out / name).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == columns
    assert "status OPTIMAL" in result.output
    assert str(out) in result.output


def test_summary_is_honest(solved: tuple[Result, Path]) -> None:
    _, out = solved
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) >= SUMMARY_KEYS
    assert summary["status"] == "OPTIMAL"
    assert summary["objective"] == 5
    assert summary["best_bound"] == 5
    assert summary["interrupted"] is False
    assert summary["solve_seconds"] >= 0
    # The claims agree with the files themselves.
    assigned = {row["client_id"] for row in read_rows(out / "assignments.csv")}
    unscheduled = read_rows(out / "unscheduled.csv")
    priority = {c.client_id: c.priority for c in load_scenario(TINY).clients}
    assert sum(priority[cid] for cid in assigned) == summary["objective"]
    assert summary["scheduled_clients"] == len(assigned) == 4
    assert summary["unscheduled_clients"] == len(unscheduled) == 1
    assert unscheduled[0]["client_id"] == "C5"
    assert "not in the program this week" in unscheduled[0]["reason"]


def test_output_passes_the_checker(solved: tuple[Result, Path]) -> None:
    _, out = solved
    violations = check_schedule(load_scenario(TINY), read_schedule(out))
    assert violations == [], violations
    result = invoke("check", TINY, out)
    assert result.exit_code == 0, result.output


def test_output_columns_are_well_formed(solved: tuple[Result, Path]) -> None:
    _, out = solved
    assignments = read_rows(out / "assignments.csv")
    sessions = {row["session_id"]: row for row in read_rows(out / "sessions.csv")}
    assert {row["day"] for row in assignments} <= {"Mon", "Tue"}
    assert {(row["day"], row["date"]) for row in assignments} <= {
        ("Mon", "2026-12-14"),
        ("Tue", "2026-12-15"),
    }
    for row in assignments:
        session = sessions[row["session_id"]]
        assert all(row[key] == session[key] for key in COLUMNS["assignments.csv"][1:])
    for session in sessions.values():
        if session["session_type"] == "individual":
            assert session["track"] == "" and session["size"] == "1"
        else:
            assert session["track"] == "SUD"


def test_no_name_or_note_leaves_the_program(solved: tuple[Result, Path]) -> None:
    # Names and notes are PHI: without an explicit option they are in no output and no line.
    result, out = solved
    written = result.output + "".join(
        "".join(
            str(v) for sheet in load_workbook(p).worksheets for row in sheet.values for v in row
        )
        if p.suffix == ".xlsx"
        else p.read_text(encoding="utf-8")
        for p in sorted(out.rglob("*"))
        if p.is_file()
    )
    for secret in ("Ana P.", "Ben Q.", "likes mornings", "discharged last week"):
        assert secret not in written


def test_same_seed_same_files(tmp_path: Path) -> None:
    # Twice in this process, then in fresh processes with other string-hash seeds (set
    # iteration order must not leak into the model or the output).
    args = ["solve", str(TINY), "--workers", "1", "--seed", "3", "--time-limit", "20"]
    outs = [tmp_path / f"run{k}" for k in range(4)]
    for out in outs[:2]:
        result = invoke(*args, "--out", out)
        assert result.exit_code == 0, result.output
    for hash_seed, out in zip(("0", "1"), outs[2:], strict=True):
        done = subprocess.run(
            [sys.executable, "cli.py", *args, "--out", str(out)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    for name in COLUMNS:
        first = (outs[0] / name).read_bytes()
        assert all((out / name).read_bytes() == first for out in outs[1:]), name


def test_default_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("solve", TINY, *FAST)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "tiny-iop" / "summary.json").is_file()


def test_rewriting_an_output_folder_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "week"
    out.mkdir()
    (out / "stale.txt").write_text("old", encoding="utf-8")
    assert invoke("solve", TINY, "--out", out, *FAST).exit_code == 0
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]  # no staging folders left


def broken_copy(tmp_path: Path) -> Path:
    """tiny with an unknown plan in clients.csv row 3 and a bad skill in therapists.csv row 2."""
    folder = tmp_path / "broken"
    shutil.copytree(TINY, folder)
    clients = folder / "clients.csv"
    text = clients.read_text(encoding="utf-8")
    clients.write_text(text.replace("C2,Ben Q.,SUD,IOP-2", "C2,Ben Q.,SUD,IOP2"), encoding="utf-8")
    therapists = folder / "therapists.csv"
    therapists.write_text(
        therapists.read_text(encoding="utf-8").replace("T1,group_therapy;", "T1,group_therapi;"),
        encoding="utf-8",
    )
    return folder


def test_invalid_input_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("solve", broken_copy(tmp_path), "--out", out, *FAST)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 2
    assert problems[0].startswith("clients.csv row 3, column plan: unknown plan 'IOP2'")
    assert problems[1].startswith(
        "therapists.csv row 2, column skills: unknown session type 'group_therapi'"
    )
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        pytest.param(
            "scenario.yaml",
            "days: [Mon, Tue]",
            "days: [Mon, Tue",
            "scenario.yaml line",
            id="broken-yaml",
        ),
        # A YAML date that is not a date used to escape as a ValueError traceback.
        pytest.param(
            "scenario.yaml",
            "closed_dates: []",
            "closed_dates: [2026-02-30]",
            "scenario.yaml: closed_dates[0]",
            id="yaml-impossible-date",
        ),
        pytest.param(
            "clients.csv",
            "client_id,name,track,",
            "client_id,name,",
            "clients.csv row 1",
            id="no-column",
        ),
        pytest.param(
            "scenario.yaml", "rooms: rooms.csv", "rooms: nope.csv", "nope.csv", id="missing-file"
        ),
    ],
)
def test_invalid_files_exit_2_without_traceback(
    tmp_path: Path, file: str, old: str, new: str, where: str
) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(TINY, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("solve", folder, "--out", out, *FAST)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert where in result.stderr
    assert not out.exists()


def test_missing_scenario_exits_2(tmp_path: Path) -> None:
    result = invoke("solve", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert not (tmp_path / "out").exists()


def test_single_file_scenarios_solve_to_the_same_objective(tmp_path: Path) -> None:
    for form in ("tiny.yaml", "tiny.json"):
        out = tmp_path / form
        assert invoke("solve", DATA / form, "--out", out, *FAST).exit_code == 0
        assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["objective"] == 5


def test_formula_like_cells_are_quoted_and_read_back(tmp_path: Path) -> None:
    # SPEC §5: a cell starting with '=', '+', '-' or '@' gets a leading quote; the checker
    # strips it again. Rename C3 to '=C3' (C2 avoids them under the new id).
    folder = tmp_path / "formula"
    shutil.copytree(TINY, folder)
    clients = folder / "clients.csv"
    clients.write_text(
        clients.read_text(encoding="utf-8").replace(",C3,", ",=C3,").replace("\nC3,", "\n=C3,"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert invoke("solve", folder, "--out", out, *FAST).exit_code == 0
    ids = {row["client_id"] for row in read_rows(out / "assignments.csv")}
    assert "'=C3" in ids and "=C3" not in ids
    result = invoke("check", folder, out)
    assert result.exit_code == 0, result.output


def test_check_reports_a_hand_edited_folder(tmp_path: Path) -> None:
    out = tmp_path / "week"
    assert invoke("solve", TINY, "--out", out, *FAST).exit_code == 0
    # Delete C3's first assignment: C3's block loses a slot and a group shrinks.
    path = out / "assignments.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first_c3 = next(i for i, line in enumerate(lines) if line.startswith("C3,"))
    path.write_text("".join(lines[:first_c3] + lines[first_c3 + 1 :]), encoding="utf-8")
    result = invoke("check", TINY, out)
    assert result.exit_code == 1
    assert "C3" in result.output
    assert invoke("check", TINY, tmp_path / "nowhere").exit_code == 2


def test_real_subprocess_from_the_repo_root(tmp_path: Path) -> None:
    out = tmp_path / "week"
    done = subprocess.run(
        [sys.executable, "cli.py", "solve", str(TINY), "--out", str(out), *FAST],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["objective"] == 5
    broken = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "solve",
            str(broken_copy(tmp_path)),
            "--out",
            str(tmp_path / "x"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert broken.returncode == 2
    assert "Traceback" not in broken.stderr + broken.stdout
    assert "clients.csv row 3, column plan" in broken.stderr
    assert not (tmp_path / "x").exists()
