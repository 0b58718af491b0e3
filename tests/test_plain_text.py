"""Text a coordinator reads is plain text: no markdown backticks (issue 18, item 7).

Reasons end up in ``unscheduled.csv``, the workbook and the report page, where ``\\`explain\\```
shows as the two backticks it is.
"""

from __future__ import annotations

from conftest import make_scenario

from optimizer import SolveStatus, solve


def test_a_capacity_reason_has_no_markdown(check_valid) -> None:
    # One slot on one day, one therapist: one individual session can run. C1 (priority 2) gets
    # it, C2 (priority 1) could come alone but not beside C1. Objective 2 = C1's priority.
    scenario = make_scenario(
        days=["Mon"],
        blocks={"AM": ["09:00-09:50"]},
        plans={"P1": {"min_days": 1, "max_days": 1, "sessions": {"individual": 1}}},
        clients=[
            {"client_id": "C1", "track": "SUD", "plan": "P1", "priority": 2},
            {"client_id": "C2", "track": "SUD", "plan": "P1"},
        ],
    )
    result = solve(scenario, time_limit=5, workers=1, seed=0)
    check_valid(result)
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, 2)
    [reason] = result.unscheduled.loc[result.unscheduled["client_id"] == "C2", "reason"]
    assert "not enough capacity" in reason and "explain" in reason
    assert "`" not in reason
