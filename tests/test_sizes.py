"""The package keeps the shape issue 15 set: no module over 900 lines, no function over 120
lines, and at most a handful (five) over 80, so that a newcomer can read any piece whole.

A merge that grows a module or a function past these limits fails here, naming it, rather
than being found by hand later (as happened once: reasons.py reached 1,149 lines).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"
MODULE_LINES = 900
FUNCTION_LINES = 120
LONG_FUNCTION_LINES = 80
LONG_FUNCTIONS_ALLOWED = 5


def _functions() -> list[tuple[int, str]]:
    """(length in lines, ``path:name``) of every function and method of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append((length, f"{path.relative_to(PACKAGE.parent)}:{node.name}"))
    return found


def test_no_module_over_900_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_function_over_120_lines_and_a_handful_over_80() -> None:
    functions = _functions()
    assert [f for f in functions if f[0] > FUNCTION_LINES] == []
    over_80 = sorted(f for f in functions if f[0] > LONG_FUNCTION_LINES)
    assert len(over_80) <= LONG_FUNCTIONS_ALLOWED, over_80

