"""The job manager on its own: results kept for their time and count, the queue bound."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from service_server import SCENARIOS

from optimizer import load_scenario
from optimizer.service import JobManager, ServiceConfig
from optimizer.service.jobs import QueueFull, UnknownJob


@pytest.fixture
def tiny() -> dict:
    scenario = load_scenario(SCENARIOS / "tiny-tracks-never-mix")
    return {"scenario": scenario.to_data(), "time_limit": 10.0, "seed": 0}


def _manager(**settings: float) -> Iterator[JobManager]:
    manager = JobManager(ServiceConfig(**settings))  # type: ignore[arg-type]
    yield manager
    manager.close()


def _wait(job: object, seconds: float = 120.0) -> None:
    assert job.done_event.wait(seconds), "the job did not end"  # type: ignore[attr-defined]


def test_a_result_is_forgotten_after_its_keep_time(tiny: dict) -> None:
    for manager in _manager(keep_seconds=1.0):
        job = manager.submit("solve", tiny, time_limit=10.0)
        _wait(job)
        assert manager.get(job.id).status == "done"
        # tiny-tracks-never-mix README: objective 3 (the MH pair C03, C04).
        assert job.result is not None and job.result["summary"]["objective"] == 3
        time.sleep(1.5)
        with pytest.raises(UnknownJob):
            manager.get(job.id)


def test_only_the_newest_results_are_kept(tiny: dict) -> None:
    for manager in _manager(keep_results=1):
        first = manager.submit("solve", tiny, time_limit=10.0)
        _wait(first)
        second = manager.submit("solve", tiny, time_limit=10.0)
        _wait(second)
        assert manager.get(second.id).status == "done"
        with pytest.raises(UnknownJob):
            manager.get(first.id)


def test_the_queue_refuses_work_beyond_its_bound(tiny: dict) -> None:
    for manager in _manager(queue_size=1, concurrent_solves=1):
        job = manager.submit("solve", tiny, time_limit=10.0)
        with pytest.raises(QueueFull):
            manager.submit("solve", tiny, time_limit=10.0)
        _wait(job)
        again = manager.submit("solve", tiny, time_limit=10.0)  # room again once it ended
        _wait(again)
        assert manager.counts() == {
            "solve_waiting": 0,
            "solve_running": 0,
            "task_waiting": 0,
            "task_running": 0,
        }
