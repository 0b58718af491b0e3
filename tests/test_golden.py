"""One worker and a seed give byte-identical schedules, run after run and version after
version: the tiny example weeks against files recorded before the architecture step
(tests/data/golden/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, SCENARIOS

from optimizer import load_scenario, read_schedule, solve

GOLDEN = DATA / "golden"
CASES = {
    "tiny-evening-bottleneck": ("tiny-evening-bottleneck", None),
    "tiny-overlapping-blocks": ("tiny-overlapping-blocks", None),
    "tiny-saturday": ("tiny-saturday", None),
    "tiny-tracks-never-mix": ("tiny-tracks-never-mix", None),
    "tiny-evening-bottleneck-previous": ("tiny-evening-bottleneck", "tiny-saturday"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_schedule_as_recorded(case: str, tmp_path: Path, check_valid) -> None:
    scenario_name, previous = CASES[case]
    last_week = read_schedule(GOLDEN / previous) if previous else None
    result = solve(load_scenario(SCENARIOS / scenario_name), workers=1, seed=0,
                   previous=last_week)  # fmt: skip
    folder = check_valid(result)
    expected = sorted(p.name for p in (GOLDEN / case).glob("*.csv"))
    assert sorted(p.name for p in folder.glob("*.csv")) == expected
    for name in expected:
        assert (folder / name).read_bytes() == (GOLDEN / case / name).read_bytes(), name
