"""The library as an app uses it (issue 18 item 4): the README's example runs as written,
a failing progress function raises its own error, another thread can stop a solve, and the
summary is data."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SCENARIOS, make_scenario

from optimizer import StopToken, load_scenario, solve
from optimizer.search.greedy import solve_greedy


def readme_library_example() -> str:
    """The Python block of the README's "As a library" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## As a library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the library section has one example"
    return blocks[0]


def test_the_readme_library_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its week: two clients of one track, one therapist, one group a day; both in one group
    # on one day is the proven optimum (objective 2). Its own asserts check the outcome
    # and that the folders it writes (the solve's and C3's placement) keep every rule.
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_library_example(), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "phase 1: 2 after" in printed
    assert '"status": "OPTIMAL"' in printed
    assert (
        json.loads((tmp_path / "out" / "two-clients" / "summary.json").read_text())["objective"]
        == 2
    )
    # Then C3, a new intake, is placed without moving anyone: with one therapist there is
    # one group per slot, so C3 joins both of Wednesday's (where the solve put C1 and C2).
    assert "joins Wed-AM-1-T1 (T1, 3 clients)" in printed
    assert "joins Wed-AM-2-T1 (T1, 3 clients)" in printed
    placed = (tmp_path / "out" / "two-clients-with-C3" / "assignments.csv").read_text()
    assert placed.count("C3,") == 2


# ---- a progress function that raises ----------------------------------------------------


class ProgressBroke(Exception):
    """The app's own error, raised from its progress function."""


def broken_progress(progress: object) -> None:
    raise ProgressBroke("the progress bar is gone")


@pytest.mark.parametrize(
    ("workers", "stop"),
    [
        (1, None),  # CP-SAT runs in the calling thread
        (1, StopToken()),  # in a helper thread watched for the token
        (2, None),  # several workers
    ],
)
def test_a_progress_function_that_raises_raises_its_own_error(
    workers: int, stop: StopToken | None
) -> None:
    # Two clients, one therapist (conftest.make_scenario): phase 1 finds a solution, the
    # progress function raises, and solve raises that very exception, not a RuntimeError
    # of the solver with the app's error as its cause.
    with pytest.raises(ProgressBroke, match="the progress bar is gone") as raised:
        solve(make_scenario(), time_limit=10, workers=workers, progress=broken_progress,
              stop=stop)  # fmt: skip
    assert not isinstance(raised.value.__context__, RuntimeError)


# ---- stopping from another thread ----------------------------------------------------------


def test_another_thread_stops_a_solve_and_gets_the_best_schedule_so_far(check_valid) -> None:
    # Westside with one worker and 60 s: the search needs many deterministic units to prove
    # its optimum (the golden run uses most of its 24). Another thread waits for the first
    # solution, then stops: the solve returns that schedule (valid, unproven, interrupted)
    # having used a fraction of the budget.
    token = StopToken()
    found = threading.Event()
    stopper = threading.Thread(target=lambda: (found.wait(120), token.stop()))
    stopper.start()
    result = solve(load_scenario(SCENARIOS / "westside-iop"), time_limit=60, workers=1,
                   progress=lambda progress: found.set(), stop=token)  # fmt: skip
    stopper.join()
    check_valid(result)
    assert token.stopped and result.interrupted
    assert result.status == "FEASIBLE" and result.objective is not None
    assert result.parameters["reproducible"] is False
    assert result.parameters["deterministic_units"] < 0.5 * 60 * 0.4
    assert result.secondary_search.status == "NOT_RUN"


def test_a_stop_during_phase_two_keeps_phase_ones_proof_out_of_the_status(check_valid) -> None:
    # tests/data/six-clients, one worker: phase 1 proves 4 served at once, phase 2 improves
    # for a few rounds. The progress function (in the solver's thread, not the caller's)
    # stops at phase 2's first improvement: phase 2 says "interrupted", and the run as a
    # whole did not finish, so the status is FEASIBLE (SPEC §6) with the objective proven.
    token = StopToken()

    def stop_in_phase_two(progress) -> None:
        if progress.phase == 2:
            token.stop()

    result = solve(load_scenario(DATA / "six-clients"), workers=1, seed=0,
                   progress=stop_in_phase_two, stop=token)  # fmt: skip
    check_valid(result)
    assert (result.status, result.objective, result.best_bound) == ("FEASIBLE", 4, 4)
    assert result.interrupted
    assert result.secondary_search.stopped_by == "interrupted"


def test_a_token_stopped_before_the_call_runs_no_stage() -> None:
    # Stopped before solve starts: the hand-style schedule places nobody, and no CP-SAT
    # stage runs (no deterministic unit is used): no schedule, status UNKNOWN.
    token = StopToken()
    token.stop()
    result = solve(load_scenario(SCENARIOS / "westside-iop"), workers=1, stop=token)
    assert (result.status, result.objective, result.interrupted) == ("UNKNOWN", None, True)
    assert result.parameters["deterministic_units"] == 0
    assert result.assignments.empty
    assert solve_greedy(load_scenario(SCENARIOS / "westside-iop"), stop=token).objective == 0


def test_a_stop_token_is_thread_safe_and_stays_stopped() -> None:
    token = StopToken()
    assert not token.stopped
    threads = [threading.Thread(target=token.stop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert token.stopped


# ---- the summary -------------------------------------------------------------------------


def test_the_summary_is_an_attribute_and_plain_json() -> None:
    # Two clients, one therapist: both served, proven.
    result = solve(make_scenario(), time_limit=10, workers=1)
    assert not callable(result.summary)
    data = json.loads(json.dumps(result.summary))
    assert (data["status"], data["objective"], data["scheduled_clients"]) == ("OPTIMAL", 2, 2)
    assert data["secondary_search"]["stopped_by"] == "proven"
