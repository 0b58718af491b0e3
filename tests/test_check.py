"""The independent checker on a hand-written schedule (no solver involved).

``tests/data/check/scenario.yaml`` is a tiny week and ``tests/data/check/valid/`` its valid
schedule, written by hand; the comment atop the YAML lists the edge cases it sits on. Each
mutation below breaks exactly one thing (in the schedule files or in the scenario) and names
the rule code and ids the checker must report, plus every other rule the same edit breaks
as a consequence (``None``: too many to pin down).
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import cli
from optimizer import Scenario, ScheduleReadError, load_scenario, read_schedule
from optimizer.check import RULES, CheckReport, Violation, check_schedule, format_violations

FIXTURE = Path(__file__).resolve().parent / "data" / "check"
SCENARIO_FILE = FIXTURE / "scenario.yaml"
VALID = FIXTURE / "valid"
TABLES = ("assignments.csv", "sessions.csv", "unscheduled.csv")
SHARED = ("session_type", "day", "date", "block", "start", "end", "therapist_id", "room_id")


@dataclass
class Case:
    """A scenario as plain data and a schedule folder as rows, both editable in place."""

    data: dict[str, Any]
    tables: dict[str, list[dict[str, str]]]
    summary: dict[str, Any] | None = field(default=None)

    # ---- scenario edits ----------------------------------------------------------------

    def row(self, table: str, key: str, value: str) -> dict[str, Any]:
        return next(r for r in self.data[table] if r[key] == value)

    def client(self, cid: str) -> dict[str, Any]:
        return self.row("clients", "client_id", cid)

    def therapist(self, tid: str) -> dict[str, Any]:
        return self.row("therapists", "therapist_id", tid)

    def room(self, rid: str) -> dict[str, Any]:
        return self.row("rooms", "room_id", rid)

    # ---- schedule edits ----------------------------------------------------------------

    def session(self, sid: str) -> dict[str, str]:
        return next(r for r in self.tables["sessions.csv"] if r["session_id"] == sid)

    def assignment(self, cid: str, sid: str) -> dict[str, str]:
        rows = self.tables["assignments.csv"]
        return next(r for r in rows if r["client_id"] == cid and r["session_id"] == sid)

    def edit_session(self, sid: str, **changes: str) -> None:
        """Change a session consistently in sessions.csv and in its assignment rows."""
        self.session(sid).update(changes)
        for row in self.tables["assignments.csv"]:
            if row["session_id"] == sid:
                row.update({k: v for k, v in changes.items() if k in SHARED})

    def add_session(self, sid: str, **columns: str) -> None:
        self.tables["sessions.csv"].append({"session_id": sid, "track": "", "size": "0", **columns})

    def join(self, cid: str, sid: str) -> None:
        """Assign a client to a session (the size column follows)."""
        session = self.session(sid)
        self.tables["assignments.csv"].append(
            {"client_id": cid, "session_id": sid, **{c: session[c] for c in SHARED}}
        )
        session["size"] = str(int(session["size"]) + 1)

    def leave(self, cid: str, sid: str) -> None:
        """Remove a client from a session (the size column follows)."""
        self.tables["assignments.csv"].remove(self.assignment(cid, sid))
        session = self.session(sid)
        session["size"] = str(int(session["size"]) - 1)

    # ---- running the checker -------------------------------------------------------------

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in self.tables.items():
            columns = list(_read_csv(VALID / name)[0])
            with (folder / name).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        if self.summary is not None:
            (folder / "summary.json").write_text(json.dumps(self.summary), encoding="utf-8")
        return folder

    def check(self, folder: Path) -> list[Violation]:
        return check_schedule(Scenario.from_data(self.data), read_schedule(self.write(folder)))


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="session")
def valid_case() -> Case:
    data = yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))
    tables = {name: _read_csv(VALID / name)[1] for name in TABLES}
    summary = json.loads((VALID / "summary.json").read_text(encoding="utf-8"))
    return Case(data, tables, summary)


@pytest.fixture
def case(valid_case: Case) -> Case:
    return copy.deepcopy(valid_case)


def errors_of(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "error"]


# ---------------------------------------------------------------------------------------
# The valid schedule


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


# ---------------------------------------------------------------------------------------
# One mutation per rule code

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


def _unknown_session(c: Case) -> None:
    c.assignment("C2", "Mon-AM-1-T1")["session_id"] = "Mon-AM-1-T9"
    c.session("Mon-AM-1-T1")["size"] = "1"


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
        _unknown_session, "unknown-session", ("C2", "Mon-AM-1-T9"),
        {"group-size"}, id="unknown-session",
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
        _set(lambda c: c.session("Tue-AM-2-T1"), size="three"),
        "bad-size", ("Tue-AM-2-T1",), set(), id="bad-size",
    ),
    pytest.param(
        _set(lambda c: c.session("Tue-AM-2-T1"), session_id=""),
        "session-id-missing", (), {"unknown-session"}, id="session-id-missing",
    ),
    pytest.param(
        _append_copy("sessions.csv", 4),
        "duplicate-session", ("Tue-AM-2-T1",), set(), id="duplicate-session",
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
    pytest.param(
        _set(lambda c: c.session("Mon-AM-1-T1"), size="5"),
        "session-size", ("Mon-AM-1-T1",), set(), id="session-size",
    ),
    pytest.param(
        _set(lambda c: c.session("Mon-AM-1-T1"), track="MH"),
        "session-track", ("Mon-AM-1-T1",), set(), id="session-track-group",
    ),
    pytest.param(
        _set(lambda c: c.session("Mon-AM-2-T2"), track="SUD"),
        "session-track", ("Mon-AM-2-T2",), set(), id="session-track-individual",
    ),
    pytest.param(
        _empty_session, "session-empty", ("Tue-PM-1-T2",), set(), id="session-empty",
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
        lambda c: _overlapping_block_session(c, "T2", None),
        "therapist-overlap", ("T2", "Mon-AM-2-T2", "Mon-MID-1-T2"), {"session-empty"},
        id="therapist-overlap-across-blocks",
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


def test_every_error_rule_has_a_mutation() -> None:
    covered = {param.values[1] for param in MUTATIONS}
    error_rules = {rule for rule in RULES if not rule.startswith("summary-")}
    assert error_rules == covered


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
    errors = check_schedule(load_scenario(SCENARIO_FILE), read_schedule(folder))
    assert [(v.rule, v.ids) for v in errors] == [("session-size", ("Tue-AM-2-T1",))]
    assert "sessions.csv row 7" in errors[0].message


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
        {"session_id": "X", "session_type": "", "track": "", "day": "", "date": "",
         "block": "", "start": "", "end": "", "therapist_id": "", "room_id": "", "size": ""}
    )
    errors = errors_of(case.check(tmp_path))
    rules = {v.rule for v in errors}
    assert {"unknown-client", "unknown-session", "unknown-session-type", "unknown-day",
            "bad-date", "unknown-block", "bad-time", "therapist-missing", "room-missing",
            "bad-size", "session-empty"} <= rules


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


# ---------------------------------------------------------------------------------------
# summary.json: warnings only

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
        ("unscheduled-partial", "error"), ("summary-counts", "warning"),
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
