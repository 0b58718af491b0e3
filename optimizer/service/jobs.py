"""Jobs in worker processes: a bounded queue, progress, stopping, and results kept a while.

Every solve, explain and place call runs in its own process (forked from a server that
has already imported the library, so a start costs milliseconds), never in the event
loop. Two lanes bound the work: solves (``concurrent_solves`` at once, ``queue_size``
accepted at most) and short interactive tasks (explain, place). A full lane refuses new
work with :class:`QueueFull` (HTTP 429) instead of growing without bound, and a queued job
holds only its request data: memory grows with the running processes, not the queue.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import secrets
import signal
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

from ..errors import Issue
from ..scenario import Scenario
from . import worker
from .config import ServiceConfig

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 15.0
"""After a stop request, a worker that has not ended by then is killed."""
EXIT_GRACE_SECONDS = 30.0
"""A worker that has sent its result but not ended by then is killed."""
DEADLINE_FACTOR = 3.0
DEADLINE_MARGIN_SECONDS = 120.0
"""A worker still running ``time_limit * DEADLINE_FACTOR + DEADLINE_MARGIN_SECONDS`` after
it started is killed (the library's own time limits make this a safety net only)."""

FINAL = ("done", "failed", "cancelled")


class QueueFull(Exception):
    """The lane already holds as much work as it may: try again later (HTTP 429)."""


class UnknownJob(KeyError):
    """No job with that id (never submitted, or forgotten after its keep time)."""


@dataclass
class Job:
    """One unit of work and everything known about it; changed under the manager's lock."""

    id: str
    kind: str
    payload: dict[str, Any] = field(repr=False)
    scenario: Scenario | None = field(default=None, repr=False)
    time_limit: float = 60.0
    status: str = "queued"
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = field(default=None, repr=False)
    issues: list[Issue] | None = None
    error: Issue | None = None
    stop_requested: bool = False
    version: int = 0
    """Bumped at every change, so event streams know when to send."""
    process: Any = field(default=None, repr=False)
    done_event: threading.Event = field(default_factory=threading.Event, repr=False)

    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    def state(self) -> dict[str, Any]:
        """The public view (SPEC §8 ``GET /api/solves/{id}``)."""
        progress = dict(self.progress)
        progress["elapsed_seconds"] = round(self.elapsed(), 2)
        progress["time_limit"] = self.time_limit
        result = self.result or {}
        return {
            "id": self.id,
            "status": self.status,
            "progress": progress,
            "summary": result.get("summary") if self.status in FINAL else None,
            "error": (
                {"where": self.error.where, "problem": self.error.problem, "fix": self.error.fix}
                if self.error
                else None
            ),
            "has_schedule": bool(result.get("has_schedule")),
        }


class _Lane:
    def __init__(self, name: str, concurrent: int, capacity: int) -> None:
        self.name = name
        self.concurrent = concurrent
        self.capacity = capacity
        self.waiting: deque[Job] = deque()
        self.running: set[str] = set()

    def load(self) -> int:
        return len(self.waiting) + len(self.running)


class JobManager:
    """Runs jobs in worker processes; thread-safe; one per service."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lanes = {
            "solve": _Lane("solve", config.concurrent_solves, config.queue_size),
            "task": _Lane("task", config.concurrent_tasks, config.task_queue_size),
        }
        methods = multiprocessing.get_all_start_methods()
        # forkserver: children fork from a clean process that imported the library once
        # (fast starts, no threads of the server copied into them); spawn where it is missing.
        self._context: Any = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        if "forkserver" in methods:
            self._context.set_forkserver_preload(["optimizer", "optimizer.service.worker"])
        self._closed = False

    # ---- lifecycle -------------------------------------------------------------------

    def warm_up(self) -> None:
        """Start the fork server now, so the first solve does not pay for its imports."""
        process = self._context.Process(target=_noop, daemon=True)
        process.start()
        process.join(60)

    def close(self) -> None:
        """Stop every running worker (they get the stop request, then are killed)."""
        with self._lock:
            self._closed = True
            running = [job for job in self._jobs.values() if job.process is not None]
            for lane in self._lanes.values():
                for job in lane.waiting:
                    self._finish(job, "cancelled")
                lane.waiting.clear()
        for job in running:
            self._send_stop(job)
        deadline = time.monotonic() + 5
        for job in running:
            job.process.join(max(0.1, deadline - time.monotonic()))
            if job.process.is_alive():
                job.process.kill()

    # ---- submitting and reading ------------------------------------------------------

    def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        scenario: Scenario | None = None,
        time_limit: float = 60.0,
    ) -> Job:
        """Queue a job; raises :class:`QueueFull` when its lane is full."""
        lane = self._lanes["solve" if kind == "solve" else "task"]
        with self._lock:
            self._forget_expired()
            if self._closed or lane.load() >= lane.capacity:
                raise QueueFull(lane.name)
            job = Job(
                id=secrets.token_urlsafe(12),
                kind=kind,
                payload=payload,
                scenario=scenario,
                time_limit=time_limit,
            )
            self._jobs[job.id] = job
            lane.waiting.append(job)
            self._pump(lane)
        log.info("job %s (%s) queued", job.id, kind)
        return job

    def run_task(self, kind: str, payload: dict[str, Any], time_limit: float) -> Job:
        """Run an interactive task (explain, place) and wait for it to end."""
        job = self.submit(kind, payload, time_limit=time_limit)
        job.done_event.wait(time_limit * DEADLINE_FACTOR + DEADLINE_MARGIN_SECONDS)
        with self._lock:  # a task's result is handed over once, then forgotten
            self._jobs.pop(job.id, None)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            self._forget_expired()
            job = self._jobs.get(job_id)
            if job is None or job.kind != "solve":
                raise UnknownJob(job_id)
            return job

    def stop(self, job_id: str) -> Job:
        """Stop a queued or running solve; a running one keeps its best schedule so far."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.kind != "solve":
                raise UnknownJob(job_id)
            if job.status == "queued":
                self._lanes["solve"].waiting.remove(job)
                self._finish(job, "cancelled")
                return job
            if job.status != "running" or job.stop_requested:
                return job
            job.stop_requested = True
            job.version += 1
        log.info("job %s: stop requested", job.id)
        self._send_stop(job)
        return job

    def counts(self) -> dict[str, int]:
        """Jobs per lane and state (for tests and the health of the queue)."""
        with self._lock:
            return {
                f"{name}_{what}": len(getattr(lane, what))
                for name, lane in self._lanes.items()
                for what in ("waiting", "running")
            }

    # ---- internals (under the lock unless said otherwise) ----------------------------

    def _send_stop(self, job: Job) -> None:
        """The one place that asks a running worker to stop: SIGTERM, which the worker
        turns into the library's stop token (``optimizer.StopToken``) once its solve has
        begun."""
        process = job.process
        if process is not None and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)

    def _pump(self, lane: _Lane) -> None:
        while lane.waiting and len(lane.running) < lane.concurrent and not self._closed:
            job = lane.waiting.popleft()
            parent_end, child_end = self._context.Pipe(duplex=False)
            process = self._context.Process(
                target=worker.run,
                args=(child_end, job.kind, job.payload),
                daemon=True,
                name=f"iop-{job.kind}",
            )
            try:
                process.start()
            except OSError as exc:  # out of processes or memory: fail this job, keep serving
                log.error("job %s: worker did not start (%s)", job.id, type(exc).__name__)
                self._finish(job, "failed", Issue("server", "no worker could be started", ""))
                continue
            finally:
                child_end.close()
            job.process = process
            job.status = "running"
            job.started = time.monotonic()
            job.version += 1
            lane.running.add(job.id)
            threading.Thread(target=self._watch, args=(job, lane, parent_end), daemon=True).start()

    def _watch(self, job: Job, lane: _Lane, conn: Connection) -> None:
        """Read a worker's messages until it ends (runs in its own thread, not locked)."""
        deadline = job.started or time.monotonic()
        deadline += job.time_limit * DEADLINE_FACTOR + DEADLINE_MARGIN_SECONDS
        outcome: tuple[str, Any] | None = None
        stop_sent_at: float | None = None
        try:
            while True:
                now = time.monotonic()
                if job.stop_requested and stop_sent_at is None:
                    stop_sent_at = now
                if now > deadline or (
                    stop_sent_at is not None and now - stop_sent_at > STOP_GRACE_SECONDS
                ):
                    log.warning("job %s: worker did not end in time, killed", job.id)
                    job.process.kill()
                    break
                if not conn.poll(0.5):
                    continue
                try:
                    message, data = conn.recv()
                except (EOFError, OSError):
                    break
                if message == "progress":
                    with self._lock:
                        job.progress = {k: round(v, 3) for k, v in data.items()}
                        job.version += 1
                else:
                    outcome = (message, data)
        finally:
            conn.close()
            # The worker has said all it will: it ends before the next one starts, so no more
            # than ``concurrent`` workers are ever alive.
            job.process.join(EXIT_GRACE_SECONDS)
            if job.process.is_alive():
                job.process.kill()
                job.process.join()
        with self._lock:
            lane.running.discard(job.id)
            self._settle(job, outcome)
            job.process = None
            self._pump(lane)

    def _settle(self, job: Job, outcome: tuple[str, Any] | None) -> None:
        message, data = outcome if outcome is not None else ("crash", None)
        data = cast(Any, data)
        if message == "result":
            job.result = data
            if job.kind != "solve":
                self._finish(job, "done")
            elif job.stop_requested and (
                data["summary"].get("interrupted") or not data["has_schedule"]
            ):
                self._finish(job, "cancelled")
            elif data["has_schedule"]:
                self._finish(job, "done")
            else:
                seconds = f"{job.time_limit:g} s"
                self._finish(
                    job,
                    "failed",
                    Issue(
                        "solve",
                        f"no schedule was found in {seconds}",
                        "give a longer time_limit",
                    ),
                )
        elif message == "stopped" or (message == "crash" and job.stop_requested and data is None):
            self._finish(job, "cancelled")
        elif message == "issues":
            job.issues = [Issue(**issue) for issue in data]
            self._finish(job, "failed", job.issues[0])
        else:
            reference = job.id[:8]
            log.error("job %s failed (reference %s)", job.id, reference)
            self._finish(
                job,
                "failed",
                Issue(
                    "server",
                    f"the {job.kind} failed because of an internal error (reference {reference})",
                    "try again; if it persists, report the reference to the maintainers",
                ),
            )

    def _finish(self, job: Job, status: str, error: Issue | None = None) -> None:
        job.status = status
        job.error = error
        job.finished = time.monotonic()
        job.version += 1
        job.payload = {}  # the request's scenario is no longer needed; the Scenario stays
        job.done_event.set()
        log.info("job %s: %s", job.id, status)

    def _forget_expired(self) -> None:
        now = time.monotonic()
        finished = [job for job in self._jobs.values() if job.finished is not None]
        excess = len(finished) - self.config.keep_results
        for job in finished:
            assert job.finished is not None
            if excess > 0 or now - job.finished > self.config.keep_seconds:
                del self._jobs[job.id]
                excess -= 1


def _noop() -> None:
    """A worker that does nothing (starts the fork server)."""
