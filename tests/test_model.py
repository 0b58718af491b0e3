"""The CP-SAT model's constraint families (optimizer/model/cpmodel.py), one tiny week each.

Every week has one day and one block; the optimum (clients served, all priority 1) is
derived by hand in each row, and every schedule extracted is checked by the independent
checker.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import assert_week_valid
from ortools.sat.python import cp_model

from optimizer import Scenario, SearchParams
from optimizer.model import IOPModel, build_candidates
from optimizer.model.extract import extract_schedule
from optimizer.schedule import WeekSchedule
from optimizer.search.solver import make_solver


def week(
    clients: int | list[dict[str, Any]] = 3,
    slots: list[str] | None = None,
    max_size: int = 3,
    **overrides: Any,
) -> dict[str, Any]:
    """Mon, one block (default one slot), groups of 2 to ``max_size``, plan: one group per
    slot of one day, one therapist; ``clients`` SUD clients C1.. (or the rows given)."""
    rows = (
        [{"client_id": f"C{i}", "track": "SUD", "plan": "P"} for i in range(1, clients + 1)]
        if isinstance(clients, int)
        else clients
    )
    data = {
        "name": "family",
        "week_start": "2026-12-14",
        "days": ["Mon"],
        "blocks": {"AM": slots or ["09:00-09:50"]},
        "session_types": {"g": {"kind": "group", "min_size": 2, "max_size": max_size}},
        "plans": {"P": {"min_days": 1, "max_days": 1, "sessions": {"g": 1}}},
        "clients": rows,
        "therapists": [{"therapist_id": "T1", "skills": "g"}],
    }
    data.update(overrides)
    return data


def optimum(data: dict[str, Any]) -> tuple[int, WeekSchedule]:
    """The proven optimum of the primary objective and its schedule (checked)."""
    scenario = Scenario.from_data(data)
    iop = IOPModel(build_candidates(scenario))
    iop.model.maximize(iop.primary)
    solver = make_solver(SearchParams(), 20, workers=1)
    assert solver.solve(iop.model) == cp_model.OPTIMAL
    schedule = extract_schedule(iop, solver)
    assert_week_valid(scenario, schedule)
    assert schedule.served(scenario) == round(solver.objective_value)
    return round(solver.objective_value), schedule


def two_tracks(track_of_c3: str) -> list[dict[str, Any]]:
    return [
        {"client_id": "C1", "track": "SUD", "plan": "P"},
        {"client_id": "C2", "track": "SUD", "plan": "P"},
        {"client_id": "C3", "track": track_of_c3, "plan": "P"},
    ]


@pytest.mark.parametrize(
    ("data", "served"),
    [
        # Group sizes (rule 5): 3 clients fit one group of at most 3 ...
        pytest.param(week(3), 3, id="max-size-fits"),
        # ... 4 do not, and one therapist leads one group at a time: 3 served.
        pytest.param(week(4), 3, id="max-size"),
        # A group needs 2 clients: a client alone is never served.
        pytest.param(week(1), 0, id="min-size"),
        # Tracks never mix: C3 (MH) cannot join the SUD group and has no partner.
        pytest.param(week(two_tracks("MH")), 2, id="tracks-never-mix"),
        pytest.param(week(two_tracks("SUD")), 3, id="one-track"),
        # avoid (rule 5): C1 and C2 never share a group; with one therapist there is one
        # group, so one of them is left out: 2 served.
        pytest.param(
            week([{"client_id": "C1", "track": "SUD", "plan": "P", "avoid": "C2"},
                  {"client_id": "C2", "track": "SUD", "plan": "P"},
                  {"client_id": "C3", "track": "SUD", "plan": "P"}]),
            2, id="avoid",
        ),
        # Room capacity (rule 8): the only room holds 2 of the 3.
        pytest.param(week(3, rooms=[{"room_id": "R1", "capacity": 2}]), 2, id="room-capacity"),
        # Full blocks (rule 2): a block of two slots needs a session in each; the plan
        # allows any number of groups, so both slots are filled: 3 served.
        pytest.param(week(3, slots=["09:00-09:50", "10:00-10:50"]), 3, id="full-block"),
        # Therapist caps (rule 7): one session a day cannot fill a two-slot block ...
        pytest.param(
            week(3, slots=["09:00-09:50", "10:00-10:50"],
                 therapists=[{"therapist_id": "T1", "skills": "g", "max_sessions_per_day": 1}]),
            0, id="therapist-day-cap",
        ),
        # ... two therapists with one session each can (one leads each slot).
        pytest.param(
            week(3, slots=["09:00-09:50", "10:00-10:50"],
                 therapists=[{"therapist_id": t, "skills": "g", "max_sessions_per_day": 1}
                             for t in ("T1", "T2")]),
            3, id="two-capped-therapists",
        ),
        # Weekly maximum per type (rule 3): at most one group a week cannot fill two slots.
        pytest.param(
            week(3, slots=["09:00-09:50", "10:00-10:50"],
                 plans={"P": {"min_days": 1, "max_days": 1, "sessions": {"g": 1},
                              "max_sessions": {"g": 1}}}),
            0, id="weekly-maximum",
        ),
    ],
)  # fmt: skip
def test_constraint_family(data: dict[str, Any], served: int) -> None:
    assert optimum(data)[0] == served


def test_clock_conflicts_across_overlapping_blocks() -> None:
    # AFT's second slot (17:00-17:50) and EVE's first (17:30-18:20) overlap in clock time.
    # SUD can come only in AFT, MH only in EVE, and one therapist cannot lead at 17:30 in
    # both: one track is served (2 clients), not both.
    data = week(
        [{"client_id": f"C{i}", "track": track, "plan": "P", "available": window}
         for i, (track, window) in enumerate(
             [("SUD", "Mon 16:00-18:00")] * 2 + [("MH", "Mon 17:30-19:30")] * 2, start=1)],
    )  # fmt: skip
    data["blocks"] = {"AFT": ["16:00-16:50", "17:00-17:50"], "EVE": ["17:30-18:20", "18:30-19:20"]}
    served, schedule = optimum(data)
    assert served == 2
    assert len({s.block for s in schedule.sessions}) == 1
    # A second therapist removes the conflict: all 4.
    data["therapists"] = [{"therapist_id": t, "skills": "g"} for t in ("T1", "T2")]
    assert optimum(data)[0] == 4


def test_one_block_a_day() -> None:
    # The plan needs two groups (on up to two days), the week has one day and each block
    # one slot: a client cannot attend AM and EVE on the same day to make up two, so
    # nobody is served.
    data = week(3, plans={"P": {"min_days": 1, "max_days": 2, "sessions": {"g": 2}}})
    data["blocks"] = {"AM": ["09:00-09:50"], "EVE": ["18:00-18:50"]}
    assert optimum(data)[0] == 0
    # With a second day, one group a day in AM serves all three.
    assert optimum({**data, "days": ["Mon", "Tue"]})[0] == 3
