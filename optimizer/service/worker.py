"""What runs inside a worker process: one solve, one explain or one place call.

The parent sends the work as plain data; the child reports on a pipe with
``(kind, data)`` messages: ``("progress", {...})`` while solving, then exactly one of
``("result", {...})``, ``("issues", [...])`` (input only the model could judge), or
``("crash", {...})`` (a bug: the parent answers with a reference, never a traceback).

Stopping: the parent sends SIGTERM (see ``jobs.JobManager._send_stop``). A solve turns it
into the library's :class:`~optimizer.StopToken`: every stage stops and the best schedule
so far is returned (nothing, when it came before the search found one); before the solve
(reading the scenario), and in explain and place, it ends the child with no result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import traceback
from multiprocessing.connection import Connection
from typing import Any

from ..errors import OptimizerError
from ..explain import explain
from ..scenario import Scenario
from ..search.control import StopToken
from ..solve import solve
from ..weekly.place import place
from .payloads import ScheduleTables, frame_records, schedule_from_tables

log = logging.getLogger(__name__)


class _Stopped(Exception):
    """SIGTERM arrived outside the search."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped


def jsonable(value: Any) -> Any:
    """Plain JSON data from the library's result objects (``to_dict``, dataclasses, frames)."""
    if hasattr(value, "to_dict") and not hasattr(value, "itertuples"):
        return jsonable(value.to_dict())
    if hasattr(value, "itertuples"):
        return frame_records(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _solve(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    scenario = Scenario.from_data(payload["scenario"])
    previous = payload.get("previous")
    stop = StopToken()
    # From here SIGTERM sets the token (the handler runs in this main thread, which
    # watches the token while CP-SAT searches in another).
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.stop())
    result = solve(
        scenario,
        time_limit=payload["time_limit"],
        workers=payload.get("workers"),
        seed=payload.get("seed", 0),
        progress=lambda p: send("progress", dataclasses.asdict(p)),
        stop=stop,
        previous=(
            schedule_from_tables(ScheduleTables.model_validate(previous)) if previous else None
        ),
    )
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the result is in hand: keep it
    return {
        "summary": dict(result.summary),
        "has_schedule": bool(result.has_schedule),
        "assignments": frame_records(result.assignments),
        "sessions": frame_records(result.sessions),
        "unscheduled": frame_records(result.unscheduled),
        "changes": frame_records(result.changes) if result.changes is not None else None,
    }


def _explain(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    scenario = Scenario.from_data(payload["scenario"])
    tables = payload.get("schedule")
    schedule = schedule_from_tables(ScheduleTables.model_validate(tables)) if tables else None
    seconds = payload["time_limit"]
    # Without a schedule explain solves one first: within the same time again, not 20 s.
    return jsonable(
        explain(scenario, payload["client_id"], schedule, seconds, solve_time_limit=seconds)
    )


def _place(payload: dict[str, Any], send: Any) -> dict[str, Any]:
    scenario = Scenario.from_data(payload["scenario"])
    schedule = schedule_from_tables(ScheduleTables.model_validate(payload["schedule"]))
    placement = place(
        scenario,
        schedule,
        payload["client_id"],
        top=payload["top"],
        time_limit=payload["time_limit"],
    )
    return placement.to_dict()


TASKS = {"solve": _solve, "explain": _explain, "place": _place}


def run(conn: Connection, kind: str, payload: dict[str, Any]) -> None:
    """Entry point of a worker process: do one task, report on ``conn``, exit."""
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal
    lock = threading.Lock()  # progress comes from CP-SAT's thread

    def send(message: str, data: Any) -> None:
        with lock, contextlib.suppress(OSError):  # the parent went away: nobody to tell
            conn.send((message, data))

    try:
        send("result", TASKS[kind](payload, send))
    except _Stopped:
        send("stopped", None)
    except OptimizerError as exc:
        send("issues", [dataclasses.asdict(issue) for issue in exc.issues])
    except Exception as exc:
        # A bug, never the user's input: the trace goes to the server's log (frames only:
        # an exception's message may quote client data), the client gets a reference.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("worker %s failed with %s:\n%s", kind, type(exc).__name__, frames)
        send("crash", {"type": type(exc).__name__})
    finally:
        conn.close()
