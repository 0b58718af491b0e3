"""Measures of the service and the screenshots of the coordinator's page in docs/.

    python -m benchmarks.service [--time-limit 30] [--screenshots docs]

1. The page in headless Chromium: upload the Westside example as a workbook, solve it with
   the page's time limit, and time upload -> scenario read -> week shown and checked.
2. Memory with 8 queued solves: a server running one solve at a time gets 8 Westside
   solves at once; while 7 wait and 1 runs, the resident memory of the server process
   and of its whole process tree (fork server and worker included) are sampled.
3. With ``--screenshots DIR``: the week, a session with its move controls, an unscheduled
   client's story, a new intake's options, a workbook with a problem, and the printed week,
   as PNG files.

Prints one line per figure and ``uptime`` (timings on a loaded machine are not comparable).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the test suite's real-server helper

from service_server import (  # noqa: E402
    events,
    launch_chromium,
    scenario_document,
    start_server,
)

from optimizer import load_scenario  # noqa: E402
from optimizer.io.workbook import write_workbook_scenario  # noqa: E402


def page_figures(url: str, workbook: Path, time_limit: float, shots: Path | None) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page.goto(url)
        started = time.perf_counter()
        page.set_input_files("#file", str(workbook))
        expect(page.locator("#facts")).to_be_visible(timeout=120_000)
        read = time.perf_counter() - started
        page.fill("#time-limit", f"{time_limit:g}")
        page.click("#solve-btn")
        expect(page.locator(".verdict.ok, .verdict.broken")).to_be_visible(
            timeout=int((time_limit * 3 + 120) * 1000)
        )
        shown = time.perf_counter() - started
        solve_line = page.locator("#progress-text").inner_text()
        print(f"page: scenario read {read:.2f} s after the upload")
        print(f"page: week shown and checked {shown:.2f} s after the upload ({solve_line})")
        if shots is not None:
            page.screenshot(path=str(shots / "service-week.png"), full_page=True)
            page.locator("#view .session").nth(2).click()
            page.screenshot(path=str(shots / "service-session.png"))
            page.click("#drawer-close")
            page.click('.tabs button[data-view="unscheduled"]')
            page.locator("#view button.link").first.click()
            page.click("#drawer .explain-btn")
            expect(page.locator("#drawer .explain .story")).to_be_visible(timeout=120_000)
            page.screenshot(path=str(shots / "service-explain.png"))
            page.click("#drawer-close")
            page.click('.tabs button[data-view="grid"]')
            page.emulate_media(media="print")
            page.screenshot(path=str(shots / "service-print.png"), full_page=True)
            page.emulate_media(media="screen")
            place_figure(page, shots)
            broken = workbook.with_name("program.xlsx")
            book = load_workbook(workbook)
            book["clients"]["C5"] = "IOP-9"
            book["therapists"]["C2"] = "Mon-Fri 8am-5pm"
            book.save(broken)
            page.set_input_files("#file", str(broken))
            expect(page.locator("#issues")).to_be_visible()
            page.screenshot(path=str(shots / "service-issues.png"))
        browser.close()


def place_figure(page: Any, shots: Path) -> None:
    """The "place a new intake" panel with the best three options for a new SUD client."""
    from playwright.sync_api import expect

    page.fill("#place-client", "N01")
    page.fill("#intake-track", "SUD")
    page.select_option("#intake-plan", "IOP-3")
    page.fill("#place-top", "3")
    page.click("#place-btn")
    expect(page.locator("#place-result .place-story")).to_be_visible(timeout=120_000)
    page.locator("#place-panel").screenshot(path=str(shots / "service-place.png"))


def memory_figures(log: Path) -> None:
    server = start_server(log, "--concurrent", "1", "--queue", "8")
    document = scenario_document("westside-iop")
    try:
        root = psutil.Process(server.process.pid)
        idle = root.memory_info().rss
        with server.client() as client:
            ids = [
                client.post("/api/solves", json={"scenario": document, "time_limit": 60}).json()[
                    "id"
                ]
                for _ in range(8)
            ]
            states = [client.get(f"/api/solves/{i}").json()["status"] for i in ids]
            server_peak = tree_peak = 0
            for _ in range(25):  # 5 s of samples while 7 wait and 1 runs
                tree = [root, *root.children(recursive=True)]
                server_peak = max(server_peak, root.memory_info().rss)
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in tree))
                time.sleep(0.2)
            print(f"memory: {states.count('queued')} queued + {states.count('running')} running")
            print(
                f"memory: server process {idle / 2**20:.0f} MiB idle, "
                f"{server_peak / 2**20:.0f} MiB with 8 solves accepted"
            )
            print(f"memory: whole process tree (fork server, worker) {tree_peak / 2**20:.0f} MiB")
            for solve_id in ids:
                client.delete(f"/api/solves/{solve_id}")
            for solve_id in ids:
                list(events(client, solve_id))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="the page's solve limit")
    parser.add_argument("--screenshots", type=Path, default=None, help="folder for PNG files")
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        workbook = write_workbook_scenario(
            load_scenario(ROOT / "scenarios" / "westside-iop"), folder / "westside-iop.xlsx"
        )
        server = start_server(folder / "page.log")
        try:
            page_figures(server.url, workbook, args.time_limit, args.screenshots)
        finally:
            server.stop()
        memory_figures(folder / "memory.log")
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())


if __name__ == "__main__":
    main()
