"""A live one-line progress display for a terminal, fed by ``solve(progress=...)``.

It shows the elapsed time, the best objective found, the bound and the gap, and redraws
itself every half second so the clock moves while the warm start and the proof run.
Objectives are counts of scheduled clients (phase 1) or penalties (phase 2): never ids.
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

from ..result import Progress
from ..schedule import gap_percent

REDRAW_SECONDS = 0.5


def format_progress(elapsed: float, latest: Progress | None) -> str:
    """The progress line for ``elapsed`` seconds and the latest improvement (if any)."""
    if latest is None:
        return f"solving  {elapsed:6.1f}s  searching for a first schedule..."
    objective, bound = latest.objective, latest.best_bound
    gap = gap_percent(objective, bound)
    what = "scheduled (weighted)" if latest.phase == 1 else "secondary penalty"
    return (
        f"solving  {elapsed:6.1f}s  phase {latest.phase}  {what} {objective:g}  "
        f"bound {bound:g}  gap {gap:.1f}%"
    )


class ProgressLine:
    """Context manager: ``with ProgressLine(sys.stdout) as line: solve(..., progress=line)``.

    Rewrites one terminal line in place (carriage return) and clears it on exit.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.latest: Progress | None = None
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._tick, name="progress-line", daemon=True)
        self._width = 0

    def __call__(self, progress: Progress) -> None:
        self.latest = progress
        self._draw()

    def __enter__(self) -> ProgressLine:
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with self._lock:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            text = format_progress(time.perf_counter() - self._started, self.latest)
            padding = " " * max(0, self._width - len(text))
            self._width = len(text)
            self.stream.write("\r" + text + padding)
            self.stream.flush()
