"""The three ways to run the command line, and what ``pip install`` puts on the path.

The commands live in ``optimizer/cli.py``; ``cli.py`` at the repository root is a shim for
``python cli.py ...``; the console script ``iop-optimizer`` and ``python -m optimizer`` point
into the package, and no top-level module named ``cli`` is installed.
"""

from __future__ import annotations

import importlib.metadata
import runpy
import subprocess
import sys
import tomllib

from conftest import ROOT

from optimizer import cli


def test_console_script_points_into_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"iop-optimizer": "optimizer.cli:main"}
    # py-modules = ["cli"] put a module named `cli` into site-packages, where any other
    # project's `cli` would clash with it; only the package is installed now.
    assert "py-modules" not in project["tool"].get("setuptools", {})
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["optimizer*"]


def test_installed_metadata_names_only_the_package() -> None:
    dist = importlib.metadata.distribution("iop-optimizer")
    top_level = (dist.read_text("top_level.txt") or "").split()
    assert top_level == ["optimizer"], "reinstall with: pip install -e ."
    (script,) = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    assert (script.name, script.value) == ("iop-optimizer", "optimizer.cli:main")
    assert script.load() is cli.main


def test_root_shim_only_forwards_to_the_package() -> None:
    shim = runpy.run_path(str(ROOT / "cli.py"), run_name="not_main")
    assert shim["main"] is cli.main
    assert {name for name in shim if not name.startswith("__")} == {"main"}


def test_python_dash_m_optimizer_is_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optimizer", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: python -m optimizer [OPTIONS] COMMAND")
    for command in cli.main.commands:
        assert command in done.stdout
