"""The independent checker, one mutation per rule code (no solver involved).

Each mutation of the valid week (:mod:`check_case`) breaks exactly one thing (in the schedule
files or in the scenario) and names the rule code and ids the checker must report, plus every
other rule the same edit breaks as a consequence (``None``: too many to pin down).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from check_case import Case, errors_of, fresh_case

from optimizer import Scenario, read_schedule
from optimizer.check import RULES, check_schedule, format_violations


@pytest.fixture
def case() -> Case:
    return fresh_case()


Mutation = Callable[[Case], None]


def _set(mapping_of: Callable[[Case], dict[str, Any]], **changes: Any) -> Mutation:
    return lambda c: mapping_of(c).update(changes)


def _all(*mutations: Mutation) -> Mutation:
    def run(c: Case) -> None:
        for mutate in mutations:
            mutate(c)

    return run


def _append_copy(table: str, index: int) -> Mutation:
    return lambda c: c.tables[table].append(dict(c.tables[table][index]))


def _new_session_in_assignments(c: Case) -> None:
    """C2 moved to a session sessions.csv does not list, at Mon-AM-1-T1's time with its
    therapist and room: judged as a session all the same."""
    c.assignment("C2", "Mon-AM-1-T1")["session_id"] = "Mon-AM-1-T9"


def _move_c2_out_of_tuesday(c: Case) -> None:
    c.leave("C2", "Tue-AM-1-T1")
    c.leave("C2", "Tue-AM-2-T1")


def _split_block(c: Case) -> None:
    c.edit_session("Tue-AM-2-T1", block="PM", start="14:00", end="14:50")


def _second_session_in_slot(c: Case) -> None:
    c.add_session(
        "Tue-AM-1-T2", session_type="individual", day="Tue", date="2026-12-15", block="AM",
        start="09:00", end="09:50", therapist_id="T2", room_id="R2",
    )
    c.join("C2", "Tue-AM-1-T2")


def _two_in_individual(c: Case) -> None:
    c.leave("C2", "Mon-AM-2-T1")
    c.tables["sessions.csv"].remove(c.session("Mon-AM-2-T1"))
    c.join("C2", "Mon-AM-2-T2")


def _overlapping_block_session(c: Case, therapist: str, client: str | None) -> None:
    sid = f"Mon-MID-1-{therapist}"
    c.add_session(
        sid, session_type="individual", day="Mon", date="2026-12-14", block="MID",
        start="10:30", end="11:20", therapist_id=therapist, room_id="R3",
    )
    if client:
        c.join(client, sid)


def _empty_session(c: Case) -> None:
    c.add_session(
        "Tue-PM-1-T2", session_type="individual", day="Tue", date="2026-12-15", block="PM",
        start="13:00", end="13:50", therapist_id="T2", room_id="R2",
    )


def _no_rooms(c: Case) -> None:
    del c.data["rooms"]


def _virtual_am(c: Case) -> None:
    """AM held by video (its sessions still name rooms R1 and R2 as the valid week has)."""
    c.data["blocks"]["AM"] = {"slots": c.data["blocks"]["AM"], "telehealth": True}


def _cleared(c: Case) -> None:
    for cid in ("C1", "C2", "C3"):
        c.client(cid)["telehealth"] = "yes"


def _no_rooms_in_am(c: Case) -> None:
    for session in c.tables["sessions.csv"]:
        if session["block"] == "AM":
            c.edit_session(session["session_id"], room_id="")


def _long_block(c: Case) -> None:
    """An unused block of 4 x 50 minutes: plans may then ask up to 200 minutes a day."""
    c.data["blocks"]["LONG"] = ["15:00-15:50", "16:00-16:50", "17:00-17:50", "18:00-18:50"]


ALLOWED_EDGES = [
    pytest.param(
        _all(
            _set(lambda c: c.data["rules"], commute_minutes=0),
            _set(lambda c: c.client("C2"), busy="Mon 10:50-12:00; Tue 08:00-09:00"),
        ),
        id="busy-window-touching-the-block-without-commute",
    ),
    pytest.param(
        _set(lambda c: c.client("C1"), available="Mon-Tue 09:00-10:50"),
        id="available-exactly-the-block",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T2"), available="Mon 10:00-10:50", busy="Mon 10:50-11:00"),
        id="therapist-available-exactly-the-slot",
    ),
    pytest.param(
        _set(lambda c: c.data, closed_dates=["2026-12-16", "2026-12-21", "2026-12-13"]),
        id="closed-dates-outside-the-week-are-ignored",
    ),
    pytest.param(
        _all(
            _set(lambda c: c.client("C1"), language="es"),
            _set(lambda c: c.therapist("T2"), languages="EN;Es"),
        ),
        id="languages-compare-case-insensitively",
    ),
    pytest.param(
        _all(
            _set(lambda c: c.client("C2"), language="en"),
            _set(lambda c: c.client("C3"), language="EN"),
        ),
        id="empty-languages-means-english",
    ),
    pytest.param(
        lambda c: c.data["plans"]["STD"].update(max_days=3, max_sessions={"individual": 2}),
        id="max-sessions-allows-more-individual",
    ),
    pytest.param(
        # AM by video: no rooms there, and the commute no longer applies (C2 is busy from
        # 11:20 on Monday, 30 minutes after AM; with a commute of 60 in person it could not)
        _all(
            _virtual_am, _cleared, _no_rooms_in_am,
            _set(lambda c: c.data["rules"], commute_minutes=60),
        ),
        id="virtual-block-without-rooms-or-commute",
    ),
    pytest.param(
        # C1 and C2: 2 days x 100 minutes; 3.33 h = 199.8 min and 1.66 h = 99.6 min round up
        # to 200 and 100 minutes; C3 (prorated to 1 of 2 days): 3.33 h x 1/2 = 99.9 -> 100
        # minutes, and C3 has 100: every figure met exactly
        lambda c: c.data["plans"]["STD"].update(min_hours_per_week=3.33, min_hours_per_day=1.66),
        id="hours-met-exactly-prorated-for-the-partial-week",
    ),
]


@pytest.mark.parametrize("edit", ALLOWED_EDGES)
def test_edges_that_keep_the_schedule_valid(case: Case, tmp_path: Path, edit: Mutation) -> None:
    edit(case)
    assert case.check(tmp_path) == []


MUTATIONS = [
    # ---- malformed rows
    pytest.param(
        lambda c: c.join("C99", "Mon-AM-1-T1"),
        "unknown-client", ("C99", "Mon-AM-1-T1"), set(), id="unknown-client-assigned",
    ),
    pytest.param(
        lambda c: c.tables["unscheduled.csv"].append({"client_id": "C98", "reason": "gone"}),
        "unknown-client", ("C98",), set(), id="unknown-client-unscheduled",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-1-T1", therapist_id="T9"),
        "unknown-therapist", ("Tue-AM-1-T1", "T9"), set(), id="unknown-therapist",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-1-T1", therapist_id=""),
        "therapist-missing", ("Tue-AM-1-T1",), set(), id="therapist-missing",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-1-T1", room_id="R9"),
        "unknown-room", ("Tue-AM-1-T1", "R9"), set(), id="unknown-room",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", session_type="yoga"),
        "unknown-session-type", ("Tue-AM-2-T1",), set(), id="unknown-session-type",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", day="Tuesday-ish"),
        "unknown-day", ("Tue-AM-2-T1",), {"client-block"}, id="unknown-day-not-a-day",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", day="Thu", date="2026-12-17"),
        "unknown-day", ("Tue-AM-2-T1",), None, id="unknown-day-not-operating",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", date="2026-12-16"),
        "bad-date", ("Tue-AM-2-T1",), set(), id="bad-date-wrong-day",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", date="15/12/2026"),
        "bad-date", ("Tue-AM-2-T1",), set(), id="bad-date-not-iso",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", block="NOON"),
        "unknown-block", ("Tue-AM-2-T1",), {"client-block"}, id="unknown-block",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", start="10:05"),
        "bad-time", ("Tue-AM-2-T1",), {"client-block"}, id="bad-time-not-a-slot",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-2-T1", end="ten to eleven"),
        "bad-time", ("Tue-AM-2-T1",), {"client-block"}, id="bad-time-not-a-time",
    ),
    pytest.param(
        _set(lambda c: c.assignment("C3", "Tue-AM-2-T1"), session_id=""),
        "session-id-missing", ("C3",), set(), id="session-id-missing",
    ),
    pytest.param(
        _append_copy("assignments.csv", 0),
        "duplicate-assignment", ("C1", "Mon-AM-1-T1"), set(), id="duplicate-assignment",
    ),
    pytest.param(
        _append_copy("unscheduled.csv", 0),
        "duplicate-unscheduled", ("C4",), set(), id="duplicate-unscheduled",
    ),
    pytest.param(
        _set(lambda c: c.tables["unscheduled.csv"][0], reason=""),
        "unscheduled-reason", ("C4",), set(), id="unscheduled-reason",
    ),
    pytest.param(
        _set(lambda c: c.assignment("C1", "Mon-AM-1-T1"), therapist_id="T2"),
        "session-mismatch", ("C1", "Mon-AM-1-T1"), set(), id="session-mismatch",
    ),
    # ---- SPEC §3
    pytest.param(
        _move_c2_out_of_tuesday, "plan-days", ("C2",), {"session-count"}, id="plan-days",
    ),
    pytest.param(
        _split_block, "client-block", ("C2",), {"availability"}, id="client-block-two-blocks",
    ),
    pytest.param(
        lambda c: c.leave("C1", "Tue-AM-2-T1"),
        "client-block", ("C1",), set(), id="client-block-missing-slot",
    ),
    pytest.param(
        _second_session_in_slot, "client-block", ("C2", "Tue-AM-1-T1", "Tue-AM-1-T2"),
        {"session-count"}, id="client-block-two-in-a-slot",
    ),
    pytest.param(
        _set(lambda c: c.data["plans"]["STD"]["sessions"], group_therapy=3),
        "session-count", ("C1",), set(), id="session-count-below-minimum",
    ),
    pytest.param(
        _set(lambda c: c.data["plans"]["STD"], max_sessions={"skills": 0}),
        "session-count", ("C3",), set(), id="session-count-above-maximum",
    ),
    pytest.param(
        _set(lambda c: c.data["plans"]["STD"]["sessions"], individual=0),
        "session-count", ("C1",), set(), id="session-count-individual-is-exact",
    ),
    pytest.param(
        _set(lambda c: c.data["rules"], commute_minutes=31),
        "availability", ("C2",), set(), id="availability-commute",
    ),
    pytest.param(
        _set(
            lambda c: c.client("C1"),
            available="Mon 08:00-10:00; Mon 10:01-12:00; Tue 09:00-12:00",  # Mon: a gap
        ),
        "availability", ("C1",), set(), id="availability-window-gap",
    ),
    pytest.param(
        _set(lambda c: c.client("C2"), busy="Tue 10:50-11:00"),
        "availability", ("C2",), set(), id="availability-busy",
    ),
    pytest.param(
        _set(lambda c: c.client("C1"), discharge_date="2026-12-14"),
        "availability", ("C1",), {"plan-days", "session-count"}, id="availability-discharged",
    ),
    pytest.param(
        _set(lambda c: c.data, closed_dates=["2026-12-16", "2026-12-15"]),
        "availability", ("C1",), None, id="availability-closed-date",
    ),
    pytest.param(
        _set(lambda c: c.data["session_types"]["group_therapy"], min_size=3),
        "group-size", ("Mon-AM-1-T1",), set(), id="group-size-min",
    ),
    pytest.param(
        _set(lambda c: c.data["session_types"]["skills"], max_size=2),
        "group-size", ("Tue-AM-2-T1",), set(), id="group-size-max",
    ),
    pytest.param(
        _set(lambda c: c.client("C3"), track="MH"),
        "track-mix", ("Tue-AM-1-T1", "C1", "C2", "C3"), {"therapist-track"}, id="track-mix",
    ),
    pytest.param(
        _set(lambda c: c.client("C3"), avoid="C2"),
        "avoid-pair", ("Tue-AM-2-T1", "C2", "C3"), set(), id="avoid-pair",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T1"), tracks="MH;ADOL"),
        "therapist-track", ("Tue-AM-1-T1", "T1"), set(), id="therapist-track",
    ),
    pytest.param(
        _two_in_individual, "individual-size", ("Mon-AM-2-T2", "C1", "C2"),
        {"room-capacity"}, id="individual-size",
    ),
    pytest.param(
        _set(lambda c: c.client("C2"), primary_therapist="T2"),
        "primary-therapist", ("Mon-AM-2-T1", "C2", "T1"), set(), id="primary-therapist",
    ),
    pytest.param(
        _set(lambda c: c.client("C2"), language="es"),
        "language", ("Mon-AM-2-T1", "C2", "T1"), set(), id="language",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T1"), skills="group_therapy;individual"),
        "therapist-skill", ("Tue-AM-2-T1", "T1"), set(), id="therapist-skill",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T1"), busy="Tue 10:49-11:00"),
        "therapist-availability", ("Tue-AM-2-T1", "T1"), set(), id="therapist-busy",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T2"), available="Mon 08:00-10:30; Mon 10:31-17:00"),
        "therapist-availability", ("Mon-AM-2-T2", "T2"), set(), id="therapist-hours",
    ),
    pytest.param(
        lambda c: c.edit_session("Mon-AM-2-T2", therapist_id="T1"),
        "therapist-overlap", ("T1", "Mon-AM-2-T1", "Mon-AM-2-T2"),
        {"primary-therapist", "language", "therapist-daily-cap", "therapist-weekly-cap"},
        id="therapist-overlap-same-slot",
    ),
    pytest.param(
        lambda c: _overlapping_block_session(c, "T2", "C2"),
        "therapist-overlap", ("T2", "Mon-AM-2-T2", "Mon-MID-1-T2"),
        {"client-overlap", "client-block", "session-count", "availability"},
        id="therapist-overlap-across-blocks",
    ),
    pytest.param(
        _new_session_in_assignments, "therapist-overlap", ("T1", "Mon-AM-1-T1", "Mon-AM-1-T9"),
        {"group-size", "room-overlap", "therapist-daily-cap", "therapist-weekly-cap"},
        id="therapist-overlap-new-session-in-assignments",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T1"), max_sessions_per_day=1),
        "therapist-daily-cap", ("T1",), set(), id="therapist-daily-cap",
    ),
    pytest.param(
        _set(lambda c: c.therapist("T1"), max_sessions_per_week=3),
        "therapist-weekly-cap", ("T1",), set(), id="therapist-weekly-cap",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-1-T1", room_id=""),
        "room-missing", ("Tue-AM-1-T1",), set(), id="room-missing",
    ),
    pytest.param(
        _no_rooms, "room-unexpected", ("Mon-AM-1-T1", "R1"), set(), id="room-unexpected",
    ),
    pytest.param(
        _set(lambda c: c.room("R2"), serves="group_therapy;skills"),
        "room-serves", ("Mon-AM-2-T2", "R2"), set(), id="room-serves",
    ),
    pytest.param(
        _set(lambda c: c.room("R1"), capacity=2),
        "room-capacity", ("Tue-AM-1-T1", "R1"), set(), id="room-capacity",
    ),
    pytest.param(
        _set(lambda c: c.room("R1"), available="Mon 08:00-18:00"),
        "room-availability", ("Tue-AM-1-T1", "R1"), set(), id="room-availability",
    ),
    pytest.param(
        lambda c: c.edit_session("Mon-AM-2-T2", room_id="R1"),
        "room-overlap", ("R1", "Mon-AM-2-T1", "Mon-AM-2-T2"), set(), id="room-overlap",
    ),
    pytest.param(
        lambda c: _overlapping_block_session(c, "T3", "C2"),
        "client-overlap", ("C2", "Mon-AM-2-T1", "Mon-MID-1-T3"),
        {"client-block", "session-count", "availability"}, id="client-overlap",
    ),
    pytest.param(
        _all(_long_block, _set(lambda c: c.data["plans"]["STD"], min_hours_per_day=1.7)),
        "hours-day", ("C1",), set(), id="hours-day",
    ),
    pytest.param(
        # 3.5 h a week: C1 and C2 have 3.33 h; C3, prorated to 1.75 h, has 1.67 h
        _all(_long_block, _set(lambda c: c.data["plans"]["STD"], min_hours_per_week=3.5)),
        "hours-week", ("C3",), set(), id="hours-week-prorated",
    ),
    pytest.param(
        _all(_virtual_am, _no_rooms_in_am), "telehealth", ("C1",), set(), id="telehealth",
    ),
    pytest.param(
        _all(_virtual_am, _cleared), "virtual-room", ("Mon-AM-1-T1", "R1"), set(),
        id="virtual-room",
    ),
    pytest.param(
        lambda c: c.tables["unscheduled.csv"].append({"client_id": "C1", "reason": "none"}),
        "unscheduled-partial", ("C1",), set(), id="unscheduled-partial",
    ),
    pytest.param(
        lambda c: c.tables["unscheduled.csv"].clear(),
        "client-missing", ("C4",), set(), id="client-missing",
    ),
    pytest.param(
        _set(lambda c: c.data, pins=[{"kind": "client_block", "client_id": "C1", "block": "MID"}]),
        "pin", ("C1",), set(), id="pin",
    ),
]


@pytest.mark.parametrize(("mutate", "rule", "ids", "also"), MUTATIONS)
def test_single_mutation_is_caught(
    case: Case, tmp_path: Path, mutate: Mutation, rule: str, ids: tuple[str, ...],
    also: set[str] | None,
) -> None:
    mutate(case)
    errors = errors_of(case.check(tmp_path))
    found = {(v.rule, v.ids) for v in errors}
    assert (rule, ids) in found, "\n".join(map(str, errors))
    if also is not None:
        assert {v.rule for v in errors} == {rule, *also}, "\n".join(map(str, errors))
    rules = len({v.rule for v in errors})
    verdict = format_violations(errors).splitlines()[-1]
    assert verdict.startswith("BROKEN: ") and verdict.endswith(f" {rules} rule" + "s" * (rules > 1))


# A week re-planned from Tuesday: Monday's sessions must be the previous schedule's.
PAST_MUTATIONS = [
    pytest.param(
        lambda c: c.edit_session("Mon-AM-1-T1", room_id="R3"), [("Mon-AM-1-T1",)],
        id="past-session-in-another-room",
    ),
    pytest.param(
        _all(lambda c: c.leave("C2", "Mon-AM-2-T1"), lambda c: c.join("C2", "Mon-AM-2-T2")),
        [("Mon-AM-2-T2",), ("Mon-AM-2-T1",)], id="past-client-moved",
    ),
    pytest.param(
        lambda c: c.edit_session("Tue-AM-1-T1", room_id="R3"), [], id="later-session-may-change",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "ids"), PAST_MUTATIONS)
def test_past_sessions_are_the_previous_schedules(
    case: Case, tmp_path: Path, mutate: Mutation, ids: list[tuple[str, ...]]
) -> None:
    previous = read_schedule(case.write(tmp_path / "previous"))
    mutate(case)
    found = check_schedule(
        Scenario.from_data(case.data),
        read_schedule(case.write(tmp_path / "now")),
        previous=previous,
        from_date=dt.date(2026, 12, 15),
    )
    past = [v for v in errors_of(found) if v.rule == "past-changed"]
    assert [v.ids for v in past] == ids, "\n".join(map(str, found))


def test_every_error_rule_has_a_mutation() -> None:
    covered = {param.values[1] for param in MUTATIONS} | {"past-changed"}  # PAST_MUTATIONS
    warnings = {rule for rule in RULES if rule.startswith("summary-") or rule == "sessions-csv"}
    assert set(RULES) - warnings == covered


# ---------------------------------------------------------------------------------------
# sessions.csv edited alone: one warning, the rules judged on assignments.csv

SESSIONS_CSV_EDITS = [
    pytest.param(
        _set(lambda c: c.session("Mon-AM-1-T1"), size="5"),
        "Mon-AM-1-T1 (sessions.csv row 2): size '5' vs '2'", id="size",
    ),
    pytest.param(
        _set(lambda c: c.session("Tue-AM-2-T1"), size="three"),
        "Tue-AM-2-T1 (sessions.csv row 6): size 'three' vs '3'", id="size-not-a-number",
    ),
    pytest.param(
        _set(lambda c: c.session("Mon-AM-1-T1"), track="MH"),
        "Mon-AM-1-T1 (sessions.csv row 2): track 'MH' vs 'SUD'", id="track-of-a-group",
    ),
    pytest.param(
        _set(lambda c: c.session("Mon-AM-2-T2"), track="SUD"),
        "Mon-AM-2-T2 (sessions.csv row 4): track 'SUD' vs ''", id="track-of-an-individual",
    ),
    pytest.param(
        _empty_session, "Tue-PM-1-T2 (sessions.csv row 7) has no client in assignments.csv",
        id="session-nobody-attends",
    ),
    pytest.param(
        _append_copy("sessions.csv", 4),
        "Tue-AM-2-T1 is listed again (sessions.csv row 7; first at sessions.csv row 6)",
        id="session-listed-twice",
    ),
    pytest.param(
        _set(lambda c: c.session("Tue-AM-2-T1"), session_id=""),
        "sessions.csv row 6 has no session_id; Tue-AM-2-T1 (assignments.csv row 5) is missing",
        id="row-without-session-id",
    ),
    pytest.param(
        # T3 has no skills group: the rules judge T1, whom assignments.csv names.
        _set(lambda c: c.session("Tue-AM-2-T1"), therapist_id="T3"),
        "Tue-AM-2-T1 (sessions.csv row 6): therapist_id 'T3' vs 'T1'", id="therapist",
    ),
]


@pytest.mark.parametrize(("edit", "difference"), SESSIONS_CSV_EDITS)
def test_sessions_csv_edited_alone_is_one_warning(
    case: Case, tmp_path: Path, edit: Mutation, difference: str
) -> None:
    edit(case)
    violations = case.check(tmp_path)
    assert [(v.rule, v.severity) for v in violations] == [("sessions-csv", "warning")]
    assert difference in violations[0].message
    assert "assignments.csv is the file of record" in violations[0].message
    verdict = format_violations(violations).splitlines()[-1]
    assert verdict.startswith("OK: no rule is broken") and verdict.endswith(
        "; 1 warning about sessions.csv"
    )
