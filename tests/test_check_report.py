"""The checker's report: summary.json warnings, the text of violations, the CLI's exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from check_case import SCENARIO_FILE, VALID, Case, fresh_case
from click.testing import CliRunner

from optimizer import cli
from optimizer.check import Violation, format_violations


@pytest.fixture
def case() -> Case:
    return fresh_case()


SUMMARY_EDITS = [
    pytest.param({"objective": 4}, "summary-objective", id="objective"),
    pytest.param({"objective": "five"}, "summary-objective", id="objective-not-a-number"),
    pytest.param({"best_bound": 4}, "summary-objective", id="bound-below-objective"),
    pytest.param({"status": "DONE"}, "summary-status", id="status"),
    pytest.param({"scheduled_clients": 4}, "summary-counts", id="scheduled"),
    pytest.param({"unscheduled_clients": 0}, "summary-counts", id="unscheduled"),
    pytest.param({"interrupted": None}, "summary-field", id="missing-field"),
]


@pytest.mark.parametrize(("edit", "rule"), SUMMARY_EDITS)
def test_summary_disagreement_is_a_warning(
    case: Case, tmp_path: Path, edit: dict[str, Any], rule: str
) -> None:
    assert case.summary is not None
    case.summary.update(edit)
    case.summary = {k: v for k, v in case.summary.items() if v is not None}
    violations = case.check(tmp_path)
    assert [(v.rule, v.severity) for v in violations] == [(rule, "warning")]
    text = format_violations(violations)
    assert text.splitlines()[-1].startswith("OK: no rule is broken")
    assert "1 warning" in text.splitlines()[-1]


def test_missing_summary_is_fine(case: Case, tmp_path: Path) -> None:
    case.summary = None
    assert case.check(tmp_path) == []


def test_summary_of_an_edit_warns_alongside_errors(case: Case, tmp_path: Path) -> None:
    case.tables["unscheduled.csv"].append({"client_id": "C1", "reason": "x"})
    violations = case.check(tmp_path)
    assert [(v.rule, v.severity) for v in violations] == [
        ("unscheduled-partial", "error"),
        ("summary-counts", "warning"),
    ]
    assert format_violations(violations).splitlines()[-1] == (
        "BROKEN: 1 violation of 1 rule; 1 warning about summary.json"
    )


# ---------------------------------------------------------------------------------------
# Output format


def test_violation_text() -> None:
    violation = Violation("group-size", ("Mon-AM-1-T01",), "group has 1 client, minimum 2")
    assert str(violation) == "[group-size] Mon-AM-1-T01: group has 1 client, minimum 2"
    assert str(Violation("summary-status", (), "summary.json: x", "warning")) == (
        "[summary-status] summary.json: x"
    )


def test_format_groups_by_rule() -> None:
    violations = [
        Violation("group-size", ("S1",), "a"),
        Violation("room-overlap", ("R1", "S1", "S2"), "b"),
        Violation("group-size", ("S2",), "c"),
    ]
    lines = format_violations(violations).splitlines()
    assert lines[0].startswith("group-size (2 errors)")
    assert lines[1:3] == ["  [group-size] S1: a", "  [group-size] S2: c"]
    assert lines[3].startswith("room-overlap (1 error)")
    assert lines[-1] == "BROKEN: 3 violations of 2 rules"


# ---------------------------------------------------------------------------------------
# The CLI


def test_cli_check_exit_codes(case: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli.main, ["check", str(SCENARIO_FILE), str(VALID)])
    assert ok.exit_code == 0, ok.output
    assert "OK: no rule is broken" in ok.output

    case.edit_session("Mon-AM-2-T2", room_id="R1")
    broken = runner.invoke(cli.main, ["check", str(SCENARIO_FILE), str(case.write(tmp_path / "b"))])
    assert broken.exit_code == 1, broken.output
    assert "[room-overlap] R1, Mon-AM-2-T1, Mon-AM-2-T2" in broken.output

    folder = case.write(tmp_path / "m")
    text = (folder / "assignments.csv").read_text(encoding="utf-8")
    text = text.replace("client_id,", "client,", 1)
    (folder / "assignments.csv").write_text(text, encoding="utf-8")
    missing = runner.invoke(cli.main, ["check", str(SCENARIO_FILE), str(folder)])
    assert missing.exit_code == 2
    assert "client_id" in missing.output


def test_cli_summary_warning_exits_zero(case: Case, tmp_path: Path) -> None:
    assert case.summary is not None
    case.summary["objective"] = 99
    result = CliRunner().invoke(cli.main, ["check", str(SCENARIO_FILE), str(case.write(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "summary-objective" in result.output
