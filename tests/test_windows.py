"""The window grammar of SPEC §2 and the "can attend / can work" semantics."""

from __future__ import annotations

import pytest

from optimizer.scenario import Client, Scenario
from optimizer.windows import (
    can_work,
    clear_of_busy,
    client_can_attend,
    format_windows,
    inside_available,
    merged_intervals,
    parse_windows,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def hm(text: str) -> int:
    """Minutes after midnight of 'HH:MM' (test shorthand)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Mon-Fri 08:00-16:30; Sat 09:00-13:00",
            [(d, hm("08:00"), hm("16:30")) for d in (MON, TUE, WED, THU, FRI)]
            + [(SAT, hm("09:00"), hm("13:00"))],
            id="range-and-single-day",
        ),
        # Sat-Mon wraps around the week end: Sat, Sun, Mon.
        pytest.param(
            "Sat-Mon 10:00-11:00",
            [(d, hm("10:00"), hm("11:00")) for d in (MON, SAT, SUN)],
            id="range-wraps",
        ),
        # Day names are case-insensitive; 24:00 is a valid end.
        pytest.param(
            "tue,thu 12:00-24:00",
            [(TUE, hm("12:00"), hm("24:00")), (THU, hm("12:00"), hm("24:00"))],
            id="comma-list-lowercase-24h",
        ),
        # Both entries are kept; merging happens when availability is tested (below).
        pytest.param(
            "Mon 08:00-12:00; Mon 12:00-17:00",
            [(MON, hm("08:00"), hm("12:00")), (MON, hm("12:00"), hm("17:00"))],
            id="touching-entries",
        ),
        # An overnight shift is two entries.
        pytest.param(
            "Fri 22:00-24:00; Sat 00:00-06:00",
            [(FRI, hm("22:00"), hm("24:00")), (SAT, hm("00:00"), hm("06:00"))],
            id="overnight-as-two-entries",
        ),
        pytest.param("", [], id="empty-is-no-window"),
        pytest.param(
            " Mon 09:00-10:00 ; ", [(MON, hm("09:00"), hm("10:00"))], id="stray-separators"
        ),
    ],
)
def test_valid_windows(text: str, expected: list[tuple[int, int, int]]) -> None:
    assert list(parse_windows(text)) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Mon 9-5", id="times-not-HH:MM"),
        pytest.param("Mon 17:00-09:00", id="end-before-start"),
        pytest.param("Mon 09:00-09:00", id="empty-interval"),
        pytest.param("Funday 09:00-10:00", id="unknown-day"),
        pytest.param("09:00-10:00", id="no-days"),
        pytest.param("Mon 25:00-26:00", id="hour-past-24"),
        pytest.param("Mon 09:60-10:00", id="minute-past-59"),
        pytest.param("Mon 24:00-24:30", id="start-at-24"),
        pytest.param("Mon,,Tue 09:00-10:00", id="empty-day-in-list"),
        pytest.param("Mon 09:00 10:00", id="no-dash"),
        pytest.param("Mon-Fri", id="no-times"),
    ],
)
def test_invalid_windows(text: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_windows(text)


def test_format_round_trips() -> None:
    text = "Sat-Mon 10:00-11:00; tue,thu 12:00-24:00"
    assert parse_windows(format_windows(parse_windows(text))) == parse_windows(text)


def test_touching_available_windows_merge() -> None:
    # 08:00-12:00 and 12:00-17:00 touch, so together they cover 08:00-17:00.
    windows = parse_windows("Mon 08:00-12:00; Mon 12:00-17:00; Mon 18:00-19:00")
    assert merged_intervals(windows, MON) == [
        (hm("08:00"), hm("17:00")),
        (hm("18:00"), hm("19:00")),
    ]
    assert inside_available(windows, MON, hm("11:00"), hm("13:00"))  # spans the seam
    assert not inside_available(windows, MON, hm("16:30"), hm("18:30"))  # spans the gap
    assert not inside_available(windows, TUE, hm("09:00"), hm("10:00"))  # no window on Tue
    assert inside_available((), TUE, hm("09:00"), hm("10:00"))  # empty = any time


@pytest.mark.parametrize(
    ("busy", "gap", "clear"),
    [
        # The interval is 09:00-11:50 on Mon throughout.
        pytest.param("Mon 11:50-17:00", 0, True, id="touching-after-commute-0"),
        pytest.param("Mon 06:00-09:00", 0, True, id="touching-before-commute-0"),
        pytest.param("Mon 11:50-17:00", 30, False, id="touching-after-commute-30"),
        pytest.param("Mon 06:00-09:00", 30, False, id="touching-before-commute-30"),
        pytest.param("Mon 12:20-17:00", 30, True, id="exactly-30-after"),
        pytest.param("Mon 06:00-08:30", 30, True, id="exactly-30-before"),
        pytest.param("Mon 12:19-17:00", 30, False, id="29-after"),
        pytest.param("Mon 10:00-10:10", 0, False, id="inside"),
        pytest.param("Tue 09:00-12:00", 30, True, id="other-day"),
    ],
)
def test_clear_of_busy(busy: str, gap: int, clear: bool) -> None:
    assert clear_of_busy(parse_windows(busy), MON, hm("09:00"), hm("11:50"), gap) is clear


def _week(commute: int) -> Scenario:
    return Scenario.from_data(
        {
            "name": "windows",
            "week_start": "2026-12-14",
            "days": ["Mon", "Tue"],
            "blocks": {"AM": ["09:00-09:50", "10:00-10:50", "11:00-11:50"]},
            "session_types": {"group_therapy": {"kind": "group", "min_size": 1, "max_size": 5}},
            "plans": {"P": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1}}},
            "rules": {"commute_minutes": commute},
            "clients": [],
            "therapists": [],
        }
    )


@pytest.mark.parametrize(
    ("available", "busy", "commute", "can_attend"),
    [
        # AM spans 09:00-11:50 (first slot start to last slot end).
        pytest.param("", "", 30, True, id="no-windows-any-time"),
        pytest.param("", "Mon 11:50-17:00", 0, True, id="busy-touching-commute-0"),
        pytest.param("", "Mon 11:50-17:00", 30, False, id="busy-touching-commute-30"),
        pytest.param("", "Mon 12:20-17:00", 30, True, id="busy-30-after-commute-30"),
        pytest.param("", "Mon 06:00-08:45", 30, False, id="busy-15-before-commute-30"),
        pytest.param("Mon 09:00-11:50", "", 30, True, id="available-exactly-the-block"),
        pytest.param("Mon 09:00-11:00", "", 0, False, id="block-longer-than-available"),
        pytest.param("Mon 08:00-10:00; Mon 10:00-12:00", "", 0, True, id="merged-available"),
        pytest.param("Mon 08:00-10:00; Mon 10:30-12:00", "", 0, False, id="gap-in-available"),
        pytest.param("Tue 08:00-12:00", "", 0, False, id="available-other-day"),
    ],
)
def test_client_can_attend(available: str, busy: str, commute: int, can_attend: bool) -> None:
    scenario = _week(commute)
    client = Client.model_validate(
        {"client_id": "C1", "track": "SUD", "plan": "P", "available": available, "busy": busy}
    )
    assert client_can_attend(scenario, client, "Mon", "AM") is can_attend


@pytest.mark.parametrize(
    ("available", "busy", "can_take"),
    [
        # The slot is Mon 10:00-10:50; staff have no commute.
        pytest.param("", "", True, id="any-time"),
        pytest.param("Mon 10:00-10:50", "", True, id="available-exactly-the-slot"),
        pytest.param("Mon 08:00-10:20; Mon 10:20-12:00", "", True, id="merged-available"),
        pytest.param("Mon 10:10-12:00", "", False, id="starts-late"),
        pytest.param("", "Mon 10:50-12:00", True, id="busy-touching-after"),
        pytest.param("", "Mon 09:00-10:00", True, id="busy-touching-before"),
        pytest.param("", "Mon 10:49-11:00", False, id="busy-overlaps-one-minute"),
    ],
)
def test_staff_can_work(available: str, busy: str, can_take: bool) -> None:
    taken = can_work(
        parse_windows(available), parse_windows(busy), "Mon", hm("10:00"), hm("10:50")
    )
    assert taken is can_take
