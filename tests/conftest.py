"""Shared fixtures: every schedule a test produces is checked by the independent checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import Result, Scenario, read_schedule
from optimizer.check import check_schedule
from optimizer.schedule import WeekSchedule

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
DATA = Path(__file__).resolve().parent / "data"


def assert_valid(result: Result, folder: Path) -> None:
    """Write the result, read it back like a hand-edited folder, and check every rule."""
    # Only the SPEC §5 files: the reports cost ~0.2 s a write and have their own tests.
    result.write(folder, report=False, xlsx=False, calendars=False)
    violations = check_schedule(result.scenario, read_schedule(folder))
    errors = [v for v in violations if v.severity == "error"]
    assert not errors, "\n".join(str(v) for v in errors)
    warnings = [v for v in violations if v.severity == "warning"]
    assert not warnings, "\n".join(str(v) for v in warnings)


def assert_week_valid(scenario: Scenario, schedule: WeekSchedule) -> None:
    """A week schedule of a stage keeps every rule, per the independent checker."""
    violations = check_schedule(scenario, schedule.to_schedule(scenario))
    assert not list(violations), "\n".join(str(v) for v in violations)


@pytest.fixture
def check_valid(tmp_path: Path):
    """``check_valid(result)``: write, re-read and check a result; returns the folder."""
    counter = iter(range(1_000_000))

    def run(result: Result) -> Path:
        folder = tmp_path / f"schedule-{next(counter)}"
        assert_valid(result, folder)
        return folder

    return run


def make_scenario(**overrides) -> Scenario:
    """A small valid scenario (two clients, one therapist) with top-level overrides."""
    data = {
        "name": "tiny",
        "week_start": "2026-12-14",
        "days": ["Mon", "Tue", "Wed"],
        "blocks": {"AM": ["09:00-09:50", "10:00-10:50"]},
        "session_types": {
            "group_therapy": {"kind": "group", "min_size": 2, "max_size": 12},
            "individual": {"kind": "individual"},
        },
        "plans": {"P1": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1}}},
        "clients": [
            {"client_id": "C1", "track": "SUD", "plan": "P1"},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
        "therapists": [{"therapist_id": "T1", "skills": "group_therapy;individual"}],
    }
    data.update(overrides)
    return Scenario.from_data(data)
