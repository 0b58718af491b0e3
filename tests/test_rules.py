"""One tiny week per rule of SPEC §3 where the rule binds, with the optimum derived by hand.

Every week starts from ``week()``: Monday only, one block ``AM`` of one slot 09:00-09:50,
group types ``gt`` and ``pe`` (2..12 clients), an individual type ``ind``, a plan ``P`` of
one day with one ``gt`` session, clients C1, C2 (track SUD) and therapist T1 (gt, ind).
Each case changes only what its rule needs; the comment above it derives the optimum
(priority-weighted scheduled clients), and the bound must prove it. Every schedule is also
checked by the independent checker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optimizer import Result, Scenario, SolveStatus, solve

MON, TUE, WED, THU, FRI = "2026-12-14", "2026-12-15", "2026-12-16", "2026-12-17", "2026-12-18"

ONE_SLOT = {"AM": ["09:00-09:50"]}
TWO_SLOTS = {"AM": ["09:00-09:50", "10:00-10:50"]}
# AM and LATE overlap in clock time from 10:30 to 11:50.
OVERLAPPING = {
    "AM": ["09:00-09:50", "10:00-10:50", "11:00-11:50"],
    "LATE": ["10:30-11:20", "11:30-12:20", "12:30-13:20"],
}
AM_ONLY = "Mon-Sun 08:00-12:00"  # AM fits, LATE (to 13:20) does not
LATE_ONLY = "Mon-Sun 10:00-14:00"  # LATE fits, AM (from 09:00) does not


def clients(ids: str, track: str = "SUD", plan: str = "P", **fields: Any) -> list[dict[str, Any]]:
    """Client rows for space-separated ids, all with the same fields."""
    return [{"client_id": cid, "track": track, "plan": plan, **fields} for cid in ids.split()]


def therapist(tid: str, skills: str = "gt;ind", **fields: Any) -> dict[str, Any]:
    return {"therapist_id": tid, "skills": skills, **fields}


def group_types(min_size: int = 2, max_size: int = 12) -> dict[str, Any]:
    return {
        "gt": {"kind": "group", "min_size": min_size, "max_size": max_size},
        "pe": {"kind": "group", "min_size": min_size, "max_size": max_size},
        "ind": {"kind": "individual"},
    }


def plan(min_days: int = 1, max_days: int = 1, **sessions: int) -> dict[str, Any]:
    return {"min_days": min_days, "max_days": max_days, "sessions": sessions or {"gt": 1}}


def week(**changes: Any) -> dict[str, Any]:
    """Scenario data of the base week with top-level keys replaced."""
    data: dict[str, Any] = {
        "name": "rule",
        "week_start": MON,
        "days": ["Mon"],
        "blocks": ONE_SLOT,
        "session_types": group_types(),
        "plans": {"P": plan()},
        "clients": clients("C1 C2"),
        "therapists": [therapist("T1")],
    }
    data.update(changes)
    return data


def run(data: dict[str, Any], check_valid: Callable[[Result], Path]) -> Result:
    result = solve(Scenario.from_data(data), time_limit=10, workers=1, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    check_valid(result)
    return result


def scheduled(result: Result) -> set[str]:
    return set(result.assignments["client_id"])


CASES = [
    # ---- rule 1: min_days .. max_days --------------------------------------------------
    # P needs 2 of Mon/Tue; C3 works all Tuesday so has one day only: C1, C2 -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            plans={"P": plan(2, 2)},
            clients=clients("C1 C2") + clients("C3", busy="Tue 00:00-24:00"),
        ),
        2,
        {"C1", "C2"},
        id="r1-min-days",
    ),
    # AM has 1 slot, PM 2; P allows one day and needs 2 gt, so only a PM day holds them.
    # C3 can only attend AM (available to 10:00): 1 day x 1 slot < 2 -> C1, C2 -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            blocks={"AM": ["09:00-09:50"], "PM": ["13:00-13:50", "14:00-14:50"]},
            plans={"P": plan(1, 1, gt=2)},
            clients=clients("C1 C2") + clients("C3", available="Mon-Fri 08:00-10:00"),
        ),
        2,
        {"C1", "C2"},
        id="r1-max-days",
    ),
    # ---- rule 2: a full half-day ---------------------------------------------------------
    # AM has 2 slots; T1 works only the first slot on Mon, both on Tue. A client cannot
    # attend half a block, so Mon is useless: C3, C4 (Mon only) are out; C1, C2 on Tue -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            blocks=TWO_SLOTS,
            clients=clients("C1 C2") + clients("C3 C4", available="Mon 08:00-12:00"),
            therapists=[therapist("T1", available="Mon 09:00-10:00; Tue 09:00-11:00")],
        ),
        2,
        {"C1", "C2"},
        id="r2-full-block-no-half-days",
    ),
    # AM spans 09:00-10:50 but C3 is available 09:00-10:00 only: the block is too long
    # for their window even though the first slot fits -> C1, C2 -> 2.
    pytest.param(
        week(
            blocks=TWO_SLOTS, clients=clients("C1 C2") + clients("C3", available="Mon 09:00-10:00")
        ),
        2,
        {"C1", "C2"},
        id="r2-block-longer-than-window",
    ),
    # ---- rule 3: weekly minimum and maximum per type ----------------------------------
    # Each client needs gt 1 + ind 1 in a 2-slot AM; T2 (gt, groups of 1 allowed) leads
    # every group, but T1 alone gives individuals: one per slot -> 2 of 3 clients.
    pytest.param(
        week(
            blocks=TWO_SLOTS,
            session_types=group_types(min_size=1),
            plans={"P": plan(gt=1, ind=1)},
            clients=clients("C1 C2 C3"),
            therapists=[therapist("T1", "ind"), therapist("T2", "gt")],
        ),
        2,
        None,
        id="r3-weekly-minimum",
    ),
    # Only gt can be led (nobody has pe/ind skills), so a 2-slot AM holds 2 gt; CAP allows at
    # most 1 gt: C1, C2 (CAP) are out, C3, C4 (P) in -> 2.
    pytest.param(
        week(
            blocks=TWO_SLOTS,
            plans={"P": plan(), "CAP": {**plan(), "max_sessions": {"gt": 1}}},
            clients=clients("C1 C2", plan="CAP") + clients("C3 C4"),
            therapists=[therapist("T1", "gt")],
        ),
        2,
        {"C3", "C4"},
        id="r3-max-sessions",
    ),
    # ---- rule 4: windows, commute, dates, closed days ------------------------------------
    # C3 works Mon 10:00-17:45. AM ends 09:50 (10 min before work), EVE starts 18:00
    # (15 min after): with a 30-minute commute neither block is reachable -> 2.
    pytest.param(
        week(
            blocks={"AM": ["09:00-09:50"], "EVE": ["18:00-18:50"]},
            rules={"commute_minutes": 30},
            clients=clients("C1 C2") + clients("C3", busy="Mon 10:00-17:45"),
        ),
        2,
        {"C1", "C2"},
        id="r4-commute-blocks-both",
    ),
    # The same week without commute: C3 joins the AM group before work -> 3.
    pytest.param(
        week(
            blocks={"AM": ["09:00-09:50"], "EVE": ["18:00-18:50"]},
            rules={"commute_minutes": 0},
            clients=clients("C1 C2") + clients("C3", busy="Mon 10:00-17:45"),
        ),
        3,
        None,
        id="r4-no-commute-control",
    ),
    # C1, C2 are admitted Tue, C3 is discharged Mon: C3 would be alone on Mon and a group
    # needs 2 -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            clients=clients("C1 C2", admit_date=TUE) + clients("C3", discharge_date=MON),
        ),
        2,
        {"C1", "C2"},
        id="r4-admit-discharge",
    ),
    # Tue is closed; C3 works all Monday, so they have no day left -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            closed_dates=[TUE],
            clients=clients("C1 C2") + clients("C3", busy="Mon 00:00-24:00"),
        ),
        2,
        {"C1", "C2"},
        id="r4-closed-date",
    ),
    # Wed is not an operating day; C3 is available only on Wed -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            clients=clients("C1 C2") + clients("C3", available="Wed 08:00-12:00"),
        ),
        2,
        {"C1", "C2"},
        id="r4-operating-days",
    ),
    # ---- proration (SPEC §2) -------------------------------------------------------------
    # Mon-Wed with Tue closed: d = 2 < min_days 3, so days become 2 and gt 3 -> floor(3*2/3)
    # = 2. Without proration nobody could attend 3 days -> both clients -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue", "Wed"],
            closed_dates=[TUE],
            plans={"P": plan(3, 3, gt=3)},
        ),
        2,
        {"C1", "C2"},
        id="prorate-closed-date",
    ),
    # Mon-Fri, P3 needs 3 days; C3, C4 are admitted Thu (d = 2: 2 days, gt floor(2*2/3) = 1,
    # pe floor(1*2/3) = 0). Everyone fits -> 4.
    pytest.param(
        week(
            days=["Mon", "Tue", "Wed", "Thu", "Fri"],
            plans={"P": plan(3, 3, gt=2, pe=1)},
            clients=clients("C1 C2") + clients("C3 C4", admit_date=THU),
            therapists=[therapist("T1", "gt;pe")],
        ),
        4,
        None,
        id="prorate-late-admission",
    ),
    # ---- rule 5: group sizes, tracks, avoid, therapist tracks ---------------------------
    # 3 SUD clients, max_size 2, one therapist, one slot: only 2 fit -> 2.
    pytest.param(
        week(session_types=group_types(max_size=2), clients=clients("C1 C2 C3")),
        2,
        None,
        id="r5-group-max-size",
    ),
    # min_size 3: the 2 SUD clients cannot run a group; the 3 MH clients can -> 3.
    pytest.param(
        week(
            session_types=group_types(min_size=3),
            clients=clients("C1 C2") + clients("M1 M2 M3", track="MH"),
        ),
        3,
        {"M1", "M2", "M3"},
        id="r5-group-min-size",
    ),
    # min_size 3 and C1 avoids C2: the three SUD clients cannot share the one group they
    # have enough members for, and a group of 2 is too small; the MH trio runs -> 3.
    pytest.param(
        week(
            session_types=group_types(min_size=3),
            clients=clients("C1", avoid="C2") + clients("C2 C3") + clients("M1 M2 M3", track="MH"),
            therapists=[therapist("T1"), therapist("T2")],
        ),
        3,
        {"M1", "M2", "M3"},
        id="r5-group-min-size-with-avoid",
    ),
    # min_size 3 with 2 SUD + 1 MH: together they would make 3, but tracks never mix; the
    # 3 ADOL clients are a group of their own -> 3.
    pytest.param(
        week(
            session_types=group_types(min_size=3),
            clients=clients("C1 C2")
            + clients("M1", track="MH")
            + clients("A1 A2 A3", track="ADOL"),
            therapists=[therapist("T1"), therapist("T2")],
        ),
        3,
        {"A1", "A2", "A3"},
        id="r5-tracks-never-mix",
    ),
    # C1 avoids C2; one therapist runs one group: C3 with one of them -> 2.
    pytest.param(
        week(clients=clients("C1", avoid="C2") + clients("C2 C3")),
        2,
        None,
        id="r5-avoid-one-group",
    ),
    # Same, listed by C2 only (avoid works both ways), and with groups of 1 allowed:
    # still one group -> 2.
    pytest.param(
        week(
            session_types=group_types(min_size=1),
            clients=clients("C1") + clients("C2", avoid="C1") + clients("C3"),
        ),
        2,
        None,
        id="r5-avoid-reverse-direction",
    ),
    # Two therapists: the avoiding pair goes to two groups, C3 and C4 join them -> 4.
    pytest.param(
        week(
            clients=clients("C1", avoid="C2") + clients("C2 C3 C4"),
            therapists=[therapist("T1"), therapist("T2")],
        ),
        4,
        None,
        id="r5-avoid-two-groups",
    ),
    # T1 leads SUD groups only; MH clients weigh 2 each (4 > 2) but cannot get a group -> 2.
    pytest.param(
        week(
            clients=clients("C1 C2") + clients("M1 M2", track="MH", priority=2),
            therapists=[therapist("T1", tracks="SUD")],
        ),
        2,
        {"C1", "C2"},
        id="r5-therapist-tracks",
    ),
    # ---- rule 6: individual sessions -----------------------------------------------------
    # Plan IND needs one individual; both clients' primary therapist is T1, who can see one
    # client in the one slot (T2 is idle) -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            clients=clients("C1 C2", primary_therapist="T1"),
            therapists=[therapist("T1"), therapist("T2")],
        ),
        1,
        None,
        id="r6-primary-therapist",
    ),
    # Both clients speak Spanish; only T1 does (T2's empty languages = English) -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            clients=clients("C1 C2", language="es"),
            therapists=[therapist("T1", languages="en;es"), therapist("T2")],
        ),
        1,
        None,
        id="r6-language",
    ),
    # English is the default language: a client asking for 'en' may see T2 too -> 2.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            clients=clients("C1 C2", language="en"),
            therapists=[
                therapist("T1", languages="es"),
                therapist("T2"),
                therapist("T3", languages="EN"),
            ],
        ),
        2,
        None,
        id="r6-language-default-english",
    ),
    # ---- rule 7: therapists --------------------------------------------------------------
    # T2 cannot give individuals (skills gt only): one individual in the slot -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            therapists=[therapist("T1", "ind"), therapist("T2", "gt")],
        ),
        1,
        None,
        id="r7-skills",
    ),
    # T2 works afternoons only -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            therapists=[therapist("T1"), therapist("T2", available="Mon 13:00-17:00")],
        ),
        1,
        None,
        id="r7-availability",
    ),
    # T2 is busy 09:30-10:00, inside the 09:00-09:50 slot -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            therapists=[therapist("T1"), therapist("T2", busy="Mon 09:30-10:00")],
        ),
        1,
        None,
        id="r7-busy",
    ),
    # T2 is busy from 09:50, touching the slot's end: allowed -> 2.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            therapists=[therapist("T1"), therapist("T2", busy="Mon 09:50-10:30")],
        ),
        2,
        None,
        id="r7-busy-touching-control",
    ),
    # SUD can only attend AM, MH only LATE; AM and LATE overlap 10:30-11:50 and T1 is the
    # only therapist: T1 cannot lead both groups at 10:30-10:50 -> 2.
    pytest.param(
        week(
            blocks=OVERLAPPING,
            clients=clients("C1 C2", available=AM_ONLY)
            + clients("M1 M2", track="MH", available=LATE_ONLY),
        ),
        2,
        None,
        id="r7-clock-overlap-across-blocks",
    ),
    # Control: a second therapist leads the other block -> 4.
    pytest.param(
        week(
            blocks=OVERLAPPING,
            clients=clients("C1 C2", available=AM_ONLY)
            + clients("M1 M2", track="MH", available=LATE_ONLY),
            therapists=[therapist("T1"), therapist("T2")],
        ),
        4,
        None,
        id="r7-clock-overlap-control",
    ),
    # Two tracks each need a group in both AM slots: 4 sessions. T1 can lead 2 (one per
    # slot), T2 only 1 a day: 3 < 4, so one track -> 2.
    pytest.param(
        week(
            blocks=TWO_SLOTS,
            clients=clients("C1 C2") + clients("M1 M2", track="MH"),
            therapists=[therapist("T1"), therapist("T2", max_sessions_per_day=1)],
        ),
        2,
        None,
        id="r7-max-sessions-per-day",
    ),
    # Mon/Tue, one therapist leading one group per slot: each track needs 2 sessions on its
    # day (SUD Mon, MH Tue); 3 a week covers one track only -> 2.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            blocks=TWO_SLOTS,
            clients=clients("C1 C2") + clients("M1 M2", track="MH"),
            therapists=[therapist("T1", max_sessions_per_week=3)],
        ),
        2,
        None,
        id="r7-max-sessions-per-week",
    ),
    # Control: 4 a week covers both tracks -> 4.
    pytest.param(
        week(
            days=["Mon", "Tue"],
            blocks=TWO_SLOTS,
            clients=clients("C1 C2") + clients("M1 M2", track="MH"),
            therapists=[therapist("T1", max_sessions_per_week=4)],
        ),
        4,
        None,
        id="r7-max-sessions-per-week-control",
    ),
    # ---- rule 8: rooms -------------------------------------------------------------------
    # Two tracks, two therapists, but R2 serves individual sessions only: one group -> 2.
    pytest.param(
        week(
            clients=clients("C1 C2") + clients("M1 M2", track="MH"),
            therapists=[therapist("T1"), therapist("T2")],
            rooms=[
                {"room_id": "R1", "capacity": 10, "serves": "gt;pe"},
                {"room_id": "R2", "capacity": 10, "serves": "ind"},
            ],
        ),
        2,
        None,
        id="r8-serves",
    ),
    # One room of capacity 2 for 3 clients of one track (max_size 12) -> 2.
    pytest.param(
        week(clients=clients("C1 C2 C3"), rooms=[{"room_id": "R1", "capacity": 2}]),
        2,
        None,
        id="r8-capacity",
    ),
    # Two tracks of 3, two therapists, rooms of capacity 3 and 2: one group gets the small
    # room and loses a client -> 3 + 2 = 5.
    pytest.param(
        week(
            clients=clients("C1 C2 C3") + clients("M1 M2 M3", track="MH"),
            therapists=[therapist("T1"), therapist("T2")],
            rooms=[{"room_id": "R1", "capacity": 3}, {"room_id": "R2", "capacity": 2}],
        ),
        5,
        None,
        id="r8-capacity-per-room",
    ),
    # R2 is open afternoons only: one room in the morning slot -> 2.
    pytest.param(
        week(
            clients=clients("C1 C2") + clients("M1 M2", track="MH"),
            therapists=[therapist("T1"), therapist("T2")],
            rooms=[
                {"room_id": "R1", "capacity": 10},
                {"room_id": "R2", "capacity": 10, "available": "Mon 13:00-17:00"},
            ],
        ),
        2,
        None,
        id="r8-availability",
    ),
    # SUD in AM, MH in LATE, two therapists, one room: the blocks overlap 10:30-11:50 so the
    # room cannot host both groups -> 2.
    pytest.param(
        week(
            blocks=OVERLAPPING,
            clients=clients("C1 C2", available=AM_ONLY)
            + clients("M1 M2", track="MH", available=LATE_ONLY),
            therapists=[therapist("T1"), therapist("T2")],
            rooms=[{"room_id": "R1", "capacity": 10}],
        ),
        2,
        None,
        id="r8-clock-overlap",
    ),
    # Individual sessions need a room too: one room, two therapists, one slot -> 1.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            therapists=[therapist("T1"), therapist("T2")],
            rooms=[{"room_id": "R1", "capacity": 1}],
        ),
        1,
        None,
        id="r8-individual-needs-room",
    ),
    # ---- priorities (SPEC §4) --------------------------------------------------------------
    # One individual slot for two clients: the priority-3 client is chosen -> 3.
    pytest.param(
        week(
            plans={"P": plan(ind=1)},
            clients=clients("C1") + clients("C2", priority=3),
        ),
        3,
        {"C2"},
        id="priority",
    ),
]


@pytest.mark.parametrize(("data", "objective", "expected_scheduled"), CASES)
def test_rule_binds(
    data: dict[str, Any], objective: int, expected_scheduled: set[str] | None, check_valid
) -> None:
    result = run(data, check_valid)
    assert result.objective == objective
    assert result.best_bound == objective
    assert result.gap_percent() == 0.0  # proven
    assert result.served_objective() == objective
    if expected_scheduled is not None:
        assert scheduled(result) == expected_scheduled
    assert result.scheduled_clients + result.unscheduled_clients == len(data["clients"])


def test_full_block_on_every_attended_day(check_valid) -> None:
    # r2 case: everyone attends Tue and has one session in each of AM's two slots.
    result = run(
        week(
            days=["Mon", "Tue"],
            blocks=TWO_SLOTS,
            therapists=[therapist("T1", available="Mon 09:00-10:00; Tue 09:00-11:00")],
        ),
        check_valid,
    )
    assert result.objective == 2
    rows = result.assignments
    assert set(rows["day"]) == {"Tue"}
    assert sorted(rows.groupby("client_id")["start"].apply(tuple)) == [("09:00", "10:00")] * 2


def test_late_admission_is_prorated(check_valid) -> None:
    # Mon-Fri, plan 3 days with gt 2 + pe 1; C3, C4 admitted Thu: d = 2 (Thu, Fri), so they
    # attend exactly 2 days, gt >= floor(2*2/3) = 1, pe >= floor(1*2/3) = 0.
    result = run(
        week(
            days=["Mon", "Tue", "Wed", "Thu", "Fri"],
            plans={"P": plan(3, 3, gt=2, pe=1)},
            clients=clients("C1 C2") + clients("C3 C4", admit_date=THU),
            therapists=[therapist("T1", "gt;pe")],
        ),
        check_valid,
    )
    assert result.objective == 4
    rows = result.assignments
    for cid in ("C3", "C4"):
        mine = rows[rows["client_id"] == cid]
        assert sorted(set(mine["day"])) == ["Fri", "Thu"]
        assert (mine["session_type"] == "gt").sum() >= 1
    for cid in ("C1", "C2"):
        mine = rows[rows["client_id"] == cid]
        assert mine["day"].nunique() == 3
        assert (mine["session_type"] == "gt").sum() >= 2
        assert (mine["session_type"] == "pe").sum() >= 1


def test_prorated_individual_count_is_exact(check_valid) -> None:
    # P needs 2 days with ind 2 (1-slot AM, so one individual a day); C1 is admitted Tue of
    # Mon/Tue: d = 1, so 1 day and exactly floor(2*1/2) = 1 individual -> scheduled.
    result = run(
        week(
            days=["Mon", "Tue"],
            plans={"P": plan(2, 2, ind=2)},
            clients=clients("C1", admit_date=TUE),
        ),
        check_valid,
    )
    assert result.objective == 1
    assert list(result.assignments["session_type"]) == ["ind"]
    assert list(result.assignments["day"]) == ["Tue"]


@pytest.mark.parametrize(
    ("fields", "mentions"),
    [
        pytest.param(
            {"discharge_date": "2026-12-11"}, "discharged 2026-12-11", id="discharged-before"
        ),
        pytest.param({"admit_date": "2026-12-21"}, "admitted 2026-12-21", id="admitted-after"),
        # Admitted Tue, which is closed, and discharged Tue: no open day in between.
        pytest.param(
            {"admit_date": TUE, "discharge_date": TUE}, "closed 2026-12-15", id="only-day-closed"
        ),
    ],
)
def test_client_with_no_day_in_program(fields: dict[str, Any], mentions: str, check_valid) -> None:
    # d = 0: C3 is not in the program this week; C1, C2 are scheduled -> 2.
    result = run(
        week(
            days=["Mon", "Tue"],
            closed_dates=[TUE],
            clients=clients("C1 C2") + clients("C3", **fields),
        ),
        check_valid,
    )
    assert result.objective == 2
    assert list(result.unscheduled["client_id"]) == ["C3"]
    reason = result.unscheduled["reason"].iloc[0]
    assert "admission" in reason
    assert mentions in reason


def test_unscheduled_reason_names_the_blocking_rule(check_valid) -> None:
    # r4 commute case: C3's reason names the commute, not a capacity problem.
    result = run(
        week(
            blocks={"AM": ["09:00-09:50"], "EVE": ["18:00-18:50"]},
            rules={"commute_minutes": 30},
            clients=clients("C1 C2") + clients("C3", busy="Mon 10:00-17:45"),
        ),
        check_valid,
    )
    reason = result.unscheduled.set_index("client_id").loc["C3", "reason"]
    assert "commute" in reason
