"""Unscheduled reasons that tell the truth (issue 18 item 9): a structural impossibility is
named with the therapist and the numbers, and "not enough capacity" is said only of a client
whom some schedule of the week includes.

Every week below is tiny; each comment derives by hand why the client cannot (or can) be
scheduled. Each is solved, its schedule checked, and its reason read from the result.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_scenario

from optimizer import Result, SearchParams, SolveStatus, solve
from optimizer.model.candidates import build_candidates
from optimizer.reasons import unscheduled_reasons
from optimizer.search.exists import Exists, ScheduleExists

BOTH = "group_therapy;individual"
TWO_SLOTS = {"AM": ["09:00-09:50", "10:00-10:50"]}


def plan(days: int, **sessions: int) -> dict[str, Any]:
    return {"min_days": days, "max_days": days, "sessions": sessions}


def reasons_of(result: Result) -> dict[str, str]:
    return dict(zip(result.unscheduled["client_id"], result.unscheduled["reason"], strict=True))


def solved(check_valid, **overrides: Any) -> Result:
    result = solve(make_scenario(**overrides), time_limit=10, workers=1, seed=0)
    check_valid(result)
    assert result.status == SolveStatus.OPTIMAL
    return result


def test_a_plan_needing_more_sessions_than_the_slots_of_the_clients_days_hold(
    check_valid,
) -> None:
    # P1: 2 or 3 days, 5 group_therapy + 1 individual = 6 sessions, one per slot; AM has 2
    # slots, so 3 days hold them (a valid plan). C1 works all Wednesday: 2 days, 4 slots.
    # C2 could come any day, but groups need 2 clients and C1 never can: no schedule
    # includes C2 either, and no single rule says so (the solver's check does).
    result = solved(
        check_valid,
        blocks=TWO_SLOTS,
        plans={"P1": {**plan(3, group_therapy=5, individual=1), "min_days": 2}},
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "P1", "busy": "Wed 00:00-24:00"},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
        therapists=[{"therapist_id": "T1", "skills": BOTH}, {"therapist_id": "T2", "skills": BOTH}],
    )
    assert result.objective == 0
    reasons = reasons_of(result)
    assert reasons["C1"] == (
        "plan P1 needs 6 sessions a week, one per slot, but the blocks the client can attend "
        "hold at most 4 on the 2 days the client can attend (AM 2 slots on Mon, Tue)"
    )
    assert reasons["C2"].startswith(
        "no schedule of this week can include the client, even with every other client left "
        "out (checked by the solver)"
    )
    assert "capacity" not in reasons["C2"]


def test_a_plan_allowing_fewer_sessions_than_a_day_has_slots(check_valid) -> None:
    # Every slot of an attended block needs a session; P1 allows 1 individual and no group
    # (max_sessions 0), and one day of AM has 2 slots. Nobody can come.
    result = solved(
        check_valid,
        blocks=TWO_SLOTS,
        plans={
            "P1": {**plan(1, individual=1), "max_sessions": {"group_therapy": 0}},
        },
        therapists=[{"therapist_id": "T1", "skills": BOTH}],
    )
    assert reasons_of(result)["C1"] == (
        "every slot of an attended block needs a session (a full half-day), but plan P1 "
        "allows at most 1 session a week and its 1 day hold at least 2 slots "
        "(AM 2 slots on Mon)"
    )


def test_a_client_alone_in_the_track_with_more_slots_than_individual_sessions(
    check_valid,
) -> None:
    # C1 is the only MH client: MH groups (at least 2 clients) can never run, so each of
    # the 2 slots of C1's one day would be an individual session, and P1 allows 1. C2 and
    # C3 (SUD) are served: the group in one slot (T1), their individuals in the other (T1
    # and T2): objective 2.
    result = solved(
        check_valid,
        days=["Mon"],
        blocks=TWO_SLOTS,
        plans={
            "P1": {
                **plan(1, individual=1),
                "max_sessions": {"group_therapy": 2, "individual": 1},
            }
        },
        clients=[
            {"client_id": "C1", "track": "MH", "plan": "P1"},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
            {"client_id": "C3", "track": "SUD", "plan": "P1"},
        ],
        therapists=[{"therapist_id": "T1", "skills": BOTH}, {"therapist_id": "T2", "skills": BOTH}],
    )
    assert result.objective == 2
    assert reasons_of(result)["C1"] == (
        "every slot of an attended block needs a session (a full half-day), but plan P1 "
        "allows at most 1 session a week (its group_therapy groups cannot run: too few MH "
        "clients can come when the client can) and its 1 day hold at least 2 slots "
        "(AM 2 slots on Mon)"
    )


def test_the_smallest_block_of_a_day_counts_for_too_many_slots() -> None:
    # Mon has AM (2 slots) and PM (1 slot); P1 allows 1 session: PM alone fits it, so no
    # static cause may say the day's slots are too many (T1 holds the one individual).
    scenario = make_scenario(
        days=["Mon"],
        blocks={**TWO_SLOTS, "PM": ["13:00-13:50"]},
        plans={"P1": {**plan(1, individual=1), "max_sessions": {"group_therapy": 0}}},
        clients=[{"client_id": "C1", "track": "SUD", "plan": "P1"}],
        therapists=[{"therapist_id": "T1", "skills": BOTH}],
    )
    reasons = unscheduled_reasons(scenario, build_candidates(scenario), set())
    assert reasons["C1"].startswith("not enough capacity this week")


@pytest.mark.parametrize(
    ("weekly", "why"),
    [
        (0, "a primary therapist who may hold no session at all"),
        (1, "a primary therapist whose limit is below the client's 2 individual sessions"),
    ],
)
def test_a_primary_therapist_whose_weekly_limit_is_too_low(
    check_valid, weekly: int, why: str
) -> None:
    # C1 needs 2 individual sessions (2 days of one slot, each an individual), all with
    # primary T2, whose weekly limit is `weekly` < 2. C2 (no primary) is served by T1.
    result = solved(
        check_valid,
        blocks={"AM": ["09:00-09:50"]},
        plans={"P1": plan(2, individual=2)},
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "P1", "primary_therapist": "T2"},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
        therapists=[
            {"therapist_id": "T1", "skills": "individual"},
            {"therapist_id": "T2", "skills": "individual", "max_sessions_per_week": weekly},
        ],
    )
    assert result.scheduled_clients == 1
    assert reasons_of(result)["C1"] == (
        "needs 2 individual sessions with primary therapist T2 a week, but T2 can hold at "
        f"most {weekly} (weekly limit {weekly})"
    )


def test_the_only_leader_of_a_track_capped_below_what_a_client_needs(check_valid) -> None:
    # SUD groups: only T1 leads them (T2 leads MH only), weekly limit 2; each SUD client
    # needs 3 group_therapy sessions (3 days of one slot), each a session of its own.
    result = solved(
        check_valid,
        blocks={"AM": ["09:00-09:50"]},
        plans={"P1": plan(3, group_therapy=3)},
        therapists=[
            {"therapist_id": "T1", "skills": "group_therapy", "tracks": "SUD",
             "max_sessions_per_week": 2},
            {"therapist_id": "T2", "skills": "group_therapy", "tracks": "MH"},
        ],
    )  # fmt: skip
    assert result.objective == 0
    assert reasons_of(result)["C1"] == (
        "needs 3 SUD group_therapy group sessions a week, but the only therapist who may hold "
        "them while the client can attend, T1, can hold at most 2 (weekly limit 2)"
    )


def test_two_clients_of_a_block_with_a_single_therapist(check_valid) -> None:
    # One day of AM (2 slots); each of C1, C2 needs a group and an individual; T1 is the
    # only therapist. While T1 holds C1's individual, C2 has no session in that slot, so C1
    # would attend alone; then C1's other slot can be neither a group (one client, minimum
    # 2) nor a second individual (P1 allows 1). The same for C2: nobody can come. (This
    # used to read "not enough capacity ... went to the scheduled clients", with nobody
    # scheduled.)
    result = solved(
        check_valid,
        days=["Mon"],
        blocks=TWO_SLOTS,
        plans={"P1": plan(1, group_therapy=1, individual=1)},
        therapists=[{"therapist_id": "T1", "skills": BOTH}],
    )
    assert result.objective == 0
    reasons = reasons_of(result)
    assert reasons["C1"] == (
        "needs individual but whenever it could be held (AM Mon) T1 is the only therapist "
        "there: while the client is in an individual session the other SUD clients of the "
        "block would have no session to be in, so the client would attend alone, every "
        "slot an individual session, and plan P1 allows 1 individual session a week"
    )
    assert reasons["C2"] == reasons["C1"]


# ---- the check behind "not enough capacity" -----------------------------------------------


def individual_week(**overrides: Any):
    # One slot on Mon, one therapist: one individual session can run in the whole week.
    data: dict[str, Any] = {
        "days": ["Mon"],
        "blocks": {"AM": ["09:00-09:50"]},
        "plans": {"P1": plan(1, individual=1)},
        "clients": [
            {"client_id": "C1", "track": "SUD", "plan": "P1", "priority": 2},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
        **overrides,
    }
    return make_scenario(**data)


def test_capacity_is_blamed_only_when_a_schedule_with_the_client_exists(check_valid) -> None:
    # C1 (priority 2) takes the one session; C2 alone could have had it: capacity, and
    # without rooms in the week the sentence names no rooms.
    result = solve(individual_week(), time_limit=10, workers=1, seed=0)
    check_valid(result)
    assert result.objective == 2
    assert reasons_of(result)["C2"] == (
        "not enough capacity this week: the client can attend AM Mon, but the SUD groups and "
        "therapists then went to the scheduled clients (the explain command names the limits "
        "and the changes that would fit them in)"
    )
    with_rooms = individual_week(rooms=[{"room_id": "R1", "capacity": 1}])
    result = solve(with_rooms, time_limit=10, workers=1, seed=0)
    check_valid(result)
    assert "SUD groups, therapists and rooms then went" in reasons_of(result)["C2"]


def test_a_daily_limit_below_the_slots_of_a_day() -> None:
    # C1 needs 2 group sessions, on one day of AM (2 slots, one session each); T1, the only
    # therapist, may hold one session a day: no schedule, whatever the others do.
    scenario = make_scenario(
        days=["Mon"],
        blocks=TWO_SLOTS,
        plans={"P1": plan(1, group_therapy=2)},
        therapists=[{"therapist_id": "T1", "skills": BOTH, "max_sessions_per_day": 1}],
    )
    reasons = unscheduled_reasons(scenario, build_candidates(scenario), set())
    assert reasons["C1"] == (
        "needs 2 SUD group_therapy group sessions a week, but the only therapist who may hold "
        "them while the client can attend, T1, can hold at most 1 (daily limit 1)"
    )


def test_an_undecided_check_blames_nothing() -> None:
    # The week of the capacity test, with no time left for the checks: C2's reason says
    # it is not known, not that capacity went to others.
    scenario = individual_week()
    params = SearchParams(exists_budget_seconds=0.0)
    reasons = unscheduled_reasons(scenario, build_candidates(scenario), {"C1"}, params)
    assert "could not decide" in reasons["C2"]
    assert "capacity" not in reasons["C2"].split("may be capacity")[0]
    stopped = unscheduled_reasons(scenario, build_candidates(scenario), {"C1"}, check=False)
    assert "the solve was stopped before checking" in stopped["C2"]


def test_the_existence_check_answers_per_client() -> None:
    # The capacity week: alone, either client takes the one session.
    exists = ScheduleExists(individual_week(), SearchParams())
    assert (exists.check("C1"), exists.check("C2")) == (Exists.YES, Exists.YES)
    # The single-therapist week above: nobody, proven.
    single = make_scenario(
        days=["Mon"],
        blocks=TWO_SLOTS,
        plans={"P1": plan(1, group_therapy=1, individual=1)},
        therapists=[{"therapist_id": "T1", "skills": BOTH}],
    )
    exists = ScheduleExists(single, SearchParams())
    assert (exists.check("C1"), exists.check("C2")) == (Exists.NO, Exists.NO)
    assert 0 < exists.spent < SearchParams().exists_budget_seconds


def test_one_hand_style_schedule_answers_for_every_client_it_includes(
    check_valid, monkeypatch
) -> None:
    # One slot, one therapist: one group runs in the whole week. The MH pair (priority 2
    # each, 4) beats the three SUD clients (3): the SUD clients are out, and the SUD track
    # alone has a schedule with all three in one group. So one hand-style schedule of the
    # SUD track answers all three checks, however the clients are asked.
    week = make_scenario(
        days=["Mon"],
        blocks={"AM": ["09:00-09:50"]},
        clients=[
            {"client_id": "C1", "track": "MH", "plan": "P1", "priority": 2},
            {"client_id": "C2", "track": "MH", "plan": "P1", "priority": 2},
            {"client_id": "C3", "track": "SUD", "plan": "P1"},
            {"client_id": "C4", "track": "SUD", "plan": "P1"},
            {"client_id": "C5", "track": "SUD", "plan": "P1"},
        ],
    )
    result = solve(week, time_limit=10, workers=1, seed=0)
    check_valid(result)
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, 4)
    import optimizer.search.exists as exists_module

    calls: list[int] = []
    real = exists_module.solve_greedy

    def counted(*args: Any, **kwargs: Any):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exists_module, "solve_greedy", counted)
    reasons = unscheduled_reasons(week, build_candidates(week), {"C1", "C2"})
    assert sorted(reasons) == ["C3", "C4", "C5"]
    assert all(r.startswith("not enough capacity this week") for r in reasons.values())
    assert len(calls) == 1
    # Asked one by one, without the others named, the first schedule still includes the
    # whole track (a group needs two), so it answers for the next ones too.
    exists = ScheduleExists(week, SearchParams())
    assert [exists.check(c) for c in ("C5", "C3", "C4")] == [Exists.YES] * 3
    assert len(calls) == 2


def test_the_checks_stay_within_the_share_of_the_time_limit_left_for_the_result(
    check_valid,
) -> None:
    # The capacity week again. The reasons' existence checks get at most result_share of
    # the time limit (their own budget, 10 deterministic seconds, otherwise): 5% of 60 s is
    # 3 s, of 1,000 s still 10. With no share left C2's reason says it was not decided
    # rather than blame capacity unchecked; the search itself still proves the week.
    assert SearchParams().for_result(60).exists_budget_seconds == pytest.approx(3.0)
    assert SearchParams().for_result(1000).exists_budget_seconds == 10.0
    result = solve(
        individual_week(), time_limit=10, workers=1, seed=0, params=SearchParams(result_share=0)
    )
    check_valid(result)
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, 2)
    assert "could not decide" in reasons_of(result)["C2"]
