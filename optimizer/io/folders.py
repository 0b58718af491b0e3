"""Default output folders: where a command writes when no ``--out`` is given."""

from __future__ import annotations

import re
from pathlib import Path

OUT_ROOT = Path("out")
"""Default outputs go below this folder, relative to the working directory."""


def folder_name(scenario_name: str) -> str:
    """A file-system friendly folder name for a scenario name (``schedule`` when empty).

    ``"Westside IOP, week of 2026-12-14"`` gives ``westside-iop-week-of-2026-12-14``.
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", scenario_name).strip("-").lower()
    return slug or "schedule"


def default_out_dir(scenario_name: str) -> Path:
    """The folder a solve of the scenario named ``scenario_name`` writes to by default."""
    return OUT_ROOT / folder_name(scenario_name)
