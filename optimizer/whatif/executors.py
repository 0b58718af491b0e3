"""Executors: one small interface, a local process pool or a ``dask.distributed`` cluster.

Both run :func:`~optimizer.whatif.worker.solve_variant` on each task and yield each task with
its outcome (or the exception that sank it) as soon as it is done, in completion order.
"""

from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, Protocol

from .file import WhatIfError
from .worker import VariantOutcome, VariantTask, solve_variant


class Executor(Protocol):
    """Runs :func:`solve_variant` on tasks and yields (task, outcome or exception) as done."""

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]: ...


class LocalExecutor:
    """A process pool of ``parallel`` processes on this machine."""

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]:
        if self.parallel == 1:  # one solve at a time: no pool to start
            for task in tasks:
                yield task, _call(solve_variant, task)
            return
        # spawn, not fork: the caller may be a threaded app, and a forked thread can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.parallel, mp_context=context) as pool:
            futures: dict[Future[VariantOutcome], VariantTask] = {
                pool.submit(solve_variant, task): task for task in tasks
            }
            for future in as_completed(futures):
                yield futures[future], _outcome(future)


def _call(function: Callable[[VariantTask], VariantOutcome], task: VariantTask) -> Any:
    try:
        return function(task)
    except Exception as exc:  # a crashed solve sinks its row only
        return exc


def _outcome(future: Any) -> Any:
    try:
        return future.result()
    except Exception as exc:  # a crashed solve or a lost worker sinks its row only
        return exc


class DaskExecutor:
    """A ``dask.distributed`` cluster: the scheduler at ``address``, or a LocalCluster."""

    connect_timeout = "30s"

    def __init__(self, address: str | None, parallel: int) -> None:
        self.address = address
        self.parallel = parallel

    @contextmanager
    def _client(self) -> Iterator[Any]:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise WhatIfError(
                "the dask executor needs the cluster extra: pip install 'iop-optimizer[cluster]'"
            ) from None
        if self.address:
            with Client(self.address, timeout=self.connect_timeout) as client:
                yield client
        else:
            with (
                LocalCluster(
                    n_workers=self.parallel,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,  # no shutdown chatter on the user's terminal
                ) as cluster,
                Client(cluster) as client,
            ):
                yield client

    def run(self, tasks: Sequence[VariantTask]) -> Iterator[tuple[VariantTask, Any]]:
        from dask.distributed import as_completed as dask_completed

        with self._client() as client:
            futures = {
                # a fresh key per run: the dashboard names the variant, reruns are not cached
                client.submit(solve_variant, task, key=_task_key(task)): task
                for task in tasks
            }
            for future in dask_completed(list(futures)):
                yield futures[future], _outcome(future)


def _task_key(task: VariantTask) -> str:
    return f"variant-{task.name}-{uuid.uuid4().hex[:12]}"
