"""docs/screenshots.py renders the report to the two PNGs the README and docs show.

Run on a tiny example (a second's solve): both pictures have their size and show the page,
not the blank one headless Chromium paints when asked to scroll.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

SCRIPT = ROOT / "docs" / "screenshots.py"


def pixels_of(png: Path, colour: str) -> tuple[int, list[int]]:
    """How many pixels have ``colour`` (``RRGGBB``, within 2 per channel), and their rows."""
    from matplotlib.image import imread

    rgb = (imread(png)[..., :3] * 255).round().astype(int)
    target = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    hits = (abs(rgb - target) <= 2).all(axis=-1)
    return int(hits.sum()), sorted({int(r) for r in np.nonzero(hits)[0]})


@pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")),
    reason="chromium is not installed (CI installs it)",
)
def test_the_script_renders_both_pictures(tmp_path: Path) -> None:
    from matplotlib.image import imread

    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--scenario", str(SCENARIOS / "tiny-saturday")]
        + ["--out-dir", str(tmp_path), "--name", "shot", "--time-limit", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # tiny-saturday: C04 is admitted after, C05 discharged before the Saturday (README there).
    assert "tiny-saturday: OPTIMAL, 3 of 5 clients, objective 3, bound 3" in done.stdout
    top, lower = tmp_path / "shot.png", tmp_path / "shot-load.png"
    assert imread(top).shape[:2] == (1200, 1600)
    assert imread(lower).shape[:2] == (1000, 1600)
    # The top shows the grid (the three group types' fills); the lower part starts at the
    # utilisation chart: its bar (#4a7ebb) is on screen, just below the heading at 260 px.
    for colour in ("CFE2F3", "FCE5CD", "D9EAD3"):  # group therapy, psychoeducation, skills
        assert pixels_of(top, colour)[0] > 500, colour
    count, rows = pixels_of(lower, "4A7EBB")
    assert count > 500
    assert 260 < rows[0] < 360
