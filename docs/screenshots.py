"""Regenerate the report screenshots of the README and docs/reports.md from the current code.

    python docs/screenshots.py                      # docs/report-westside.png and -load.png
    python docs/screenshots.py --scenario scenarios/westside-iop-christmas --name report-xmas

Solves the scenario with one worker and seed 0, which is deterministic (docs/determinism.md):
the same schedule, and so the same picture but for its timings, on any machine and under any
load. Writes the folder to a temporary directory and renders its ``report.html`` in headless
Chromium, 1600 pixels wide: ``NAME.png`` is the top of the page (summary, objective terms,
week grid), ``NAME-load.png`` starts just above the utilisation chart (the end of the grid,
utilisation, unscheduled clients, the first therapists). Needs ``chromium`` (Debian's
package; ``.ci/run`` installs it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere, installed or not

from optimizer import load_scenario, solve  # noqa: E402

WIDTH = 1600
TOP_HEIGHT = 1200
LOWER_HEIGHT = 1000
LOWER_SECTION = "utilisation"
LOWER_MARGIN = 260
"""Pixels of the page shown above the lower section's heading (the end of the week grid)."""

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

# Headless Chromium ignores scrolling (a #fragment or window.scrollTo) when it takes a
# screenshot, and paints a blank page instead; shifting the body up paints the right part.
_SHIFT = (
    "<script>var y = document.getElementById('{section}').getBoundingClientRect().top;"
    "document.body.style.transform = 'translateY(' + ({margin} - y) + 'px)';</script>"
)


def find_chromium() -> str:
    """Path of the Chromium executable; exits with a message when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        sys.exit("chromium is not installed (Debian: apt-get install chromium)")
    return found


def screenshot(
    chromium: str, page: Path, png: Path, height: int, profile: Path, section: str | None = None
) -> Path:
    """Render ``page`` (``WIDTH`` x ``height`` pixels) to ``png``; with ``section``, from
    ``LOWER_MARGIN`` pixels above that element's top instead of from the top of the page."""
    if section is not None:  # the report itself stays free of scripts: shift a copy
        shifted = page.with_name(f"{page.stem}-{section}.html")
        text = page.read_text(encoding="utf-8")
        script = _SHIFT.format(section=section, margin=LOWER_MARGIN)
        shifted.write_text(text.replace("</body>", script + "</body>", 1), encoding="utf-8")
        page = shifted
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{height}",
        f"--screenshot={png.resolve()}",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not png.is_file():
        sys.exit(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "westside-iop")
    parser.add_argument("--name", default="report-westside", help="PNG name without .png")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args(argv)

    chromium = find_chromium()
    result = solve(load_scenario(args.scenario), time_limit=args.time_limit, workers=1, seed=0)
    print(
        f"{args.scenario.name}: {result.status.value}, {result.scheduled_clients} of "
        f"{len(result.scenario.clients)} clients, objective {result.objective}, "
        f"bound {result.best_bound}, {result.solve_seconds:.1f}s"
    )
    if not result.has_schedule:
        sys.exit("no schedule: nothing to show")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as work:
        folder = result.write(Path(work) / "out", xlsx=False, calendars=False)
        page = folder / "report.html"
        pictures = [
            screenshot(
                chromium, page, args.out_dir / f"{args.name}.png", TOP_HEIGHT, Path(work) / "p1"
            ),
            screenshot(
                chromium,
                page,
                args.out_dir / f"{args.name}-load.png",
                LOWER_HEIGHT,
                Path(work) / "p2",
                section=LOWER_SECTION,
            ),
        ]
    for png in pictures:
        print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
