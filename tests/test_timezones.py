"""The program's time zone: the scenario's, else this computer's, else UTC (issue 18, item 3).

Every test sets the computer's zone itself (``TZ``, and ``tzlocal`` for the system setting),
so none depends on the machine it runs on.
"""

from __future__ import annotations

from importlib.resources import files

import pytest
import tzlocal
from conftest import make_scenario

from optimizer import ScenarioError
from optimizer.timezones import ProgramTimezone, machine_timezone, program_timezone

PARIS_FILE = str(files("tzdata") / "zoneinfo" / "Europe" / "Paris")


@pytest.fixture
def system_zone(monkeypatch: pytest.MonkeyPatch):
    """``system_zone(name)``: what the operating system's setting names (None: nothing)."""

    def set_zone(name: str | None) -> None:
        monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: name)

    return set_zone


@pytest.mark.parametrize(
    ("tz", "system", "expected"),
    [
        pytest.param("America/Denver", "Asia/Tokyo", "America/Denver", id="TZ-comes-first"),
        pytest.param(":America/Denver", "Asia/Tokyo", "America/Denver", id="TZ-glibc-colon"),
        pytest.param(PARIS_FILE, "Asia/Tokyo", "Europe/Paris", id="TZ-a-zoneinfo-file"),
        pytest.param("Bogus/Zone", "Asia/Tokyo", "Asia/Tokyo", id="TZ-unknown-then-system"),
        pytest.param("America", "Asia/Tokyo", "Asia/Tokyo", id="TZ-a-folder-then-system"),
        pytest.param(None, "Asia/Tokyo", "Asia/Tokyo", id="no-TZ-system"),
        pytest.param(None, "Not/AZone", None, id="system-names-an-unknown-zone"),
        pytest.param(None, None, None, id="no-zone-anywhere"),
    ],
)
def test_machine_timezone(
    monkeypatch: pytest.MonkeyPatch, system_zone, tz: str | None, system: str | None, expected
) -> None:
    if tz is None:
        monkeypatch.delenv("TZ", raising=False)
    else:
        monkeypatch.setenv("TZ", tz)
    system_zone(system)
    assert machine_timezone() == expected


def test_a_broken_system_setting_is_no_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    def conflicting() -> str:
        raise LookupError("Multiple conflicting time zone configurations found")

    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr(tzlocal, "get_localzone_name", conflicting)
    assert machine_timezone() is None


@pytest.mark.parametrize(
    ("scenario_zone", "machine", "expected"),
    [
        pytest.param(
            "Europe/Berlin",
            "America/New_York",
            ProgramTimezone("Europe/Berlin", "scenario"),
            id="the-scenario-wins",
        ),
        pytest.param(
            None,
            "America/New_York",
            ProgramTimezone("America/New_York", "machine"),
            id="else-this-computer",
        ),
        pytest.param(None, None, ProgramTimezone("UTC", "fallback"), id="else-UTC"),
    ],
)
def test_program_timezone(
    monkeypatch: pytest.MonkeyPatch,
    system_zone,
    scenario_zone: str | None,
    machine: str | None,
    expected: ProgramTimezone,
) -> None:
    monkeypatch.delenv("TZ", raising=False)
    system_zone(machine)
    overrides = {"timezone": scenario_zone} if scenario_zone else {}
    assert program_timezone(make_scenario(**overrides)) == expected


def test_the_description_says_where_the_zone_came_from() -> None:
    assert ProgramTimezone("Europe/Berlin", "scenario").describe() == (
        "Europe/Berlin (the scenario's timezone)"
    )
    machine = ProgramTimezone("America/New_York", "machine").describe()
    assert machine.startswith("America/New_York, this computer's time zone")
    assert "timezone: America/New_York" in machine  # how to set it
    fallback = ProgramTimezone("UTC", "fallback").describe()
    assert fallback.startswith("UTC (") and "this computer has none" in fallback


def test_a_blank_zone_is_no_zone() -> None:
    assert make_scenario(timezone="  ").timezone is None


@pytest.mark.parametrize(
    "zone",
    [
        pytest.param("Mars/Olympus_Mons", id="unknown"),
        pytest.param("America", id="a-folder-of-zones"),  # used to escape as IsADirectoryError
        pytest.param("../etc/passwd", id="not-a-zone-key"),
    ],
)
def test_an_unknown_scenario_zone_is_an_input_error(zone: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        make_scenario(timezone=zone)
    [issue] = caught.value.issues
    assert issue.where == "timezone"
    assert f"unknown time zone '{zone}'" in issue.problem
    assert "IANA name" in issue.problem
