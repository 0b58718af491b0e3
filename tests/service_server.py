"""A real service process for the service tests: `python cli.py serve` on a free loopback
port, started by the test and stopped after it (by its own process id)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pandas as pd

from optimizer import Schedule, load_scenario
from optimizer.io.schedule import SCHEDULE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshots_script() -> ModuleType:
    """``docs/screenshots.py``: the one list of Chromium flags that work headless here."""
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


START_SECONDS = 120.0
"""How long a server may take to answer its first request (imports on a loaded machine)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    token: str | None = None

    def client(self, token: str | None = None, timeout: float = 120.0) -> httpx.Client:
        token = token or self.token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(
    log_path: Path, *args: str, host: str = "127.0.0.1", env: dict[str, str] | None = None
) -> Server:
    """Start ``cli.py serve`` and wait until it answers; raise with its log if it does not."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "IOP_TOKEN"}
    environment.update(env or {})
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--host", host, "--port", str(port), *args],
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    handle.close()
    server = Server(f"http://127.0.0.1:{port}", process, log_path, environment.get("IOP_TOKEN"))
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}:\n{server.log()}")
        try:
            httpx.get(f"{server.url}/api/health", timeout=2)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not answer in {START_SECONDS}s:\n{server.log()}")


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from Debian's package."""
    flags = list(_screenshots_script().CHROMIUM_FLAGS)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=flags)


def scenario_document(name: str) -> dict[str, Any]:
    """An example scenario as the single document the API takes."""
    return load_scenario(SCENARIOS / name).to_data()


def schedule_from_rows(data: dict[str, Any]) -> Schedule:
    """A :class:`Schedule` (text cells) from the API's rows, for the independent checker."""
    frames = {
        name: pd.DataFrame(
            [{c: str(row.get(c, "")) for c in columns} for row in data[name.removesuffix(".csv")]],
            columns=columns,
            dtype=str,
        )
        for name, columns in SCHEDULE_COLUMNS.items()
    }
    return Schedule(
        assignments=frames["assignments.csv"],
        sessions=frames["sessions.csv"],
        unscheduled=frames["unscheduled.csv"],
        summary=data.get("summary"),
    )


def events(client: httpx.Client, solve_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The server-sent events of a solve as (event name, data) pairs, until ``end``."""
    with client.stream("GET", f"/api/solves/{solve_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line and data:
                yield name, json.loads(data)
                if name == "end":
                    return
                name, data = "message", ""
