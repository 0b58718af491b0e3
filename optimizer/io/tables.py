"""The scenario's tables and their columns, shared by the readers of folders, YAML and JSON
files (:mod:`optimizer.io.read`) and of Excel workbooks (:mod:`optimizer.io.workbook`)."""

from __future__ import annotations

import yaml
from pydantic import BaseModel

from ..errors import Issue, did_you_mean
from ..scenario import Client, Pin, Room, Therapist

TABLES: dict[str, type[BaseModel]] = {
    "clients": Client,
    "therapists": Therapist,
    "rooms": Room,
    "pins": Pin,
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", "track", "plan"),
    "therapists": ("therapist_id", "skills"),
    "rooms": ("room_id", "capacity"),
    "pins": ("kind",),
}
MAX_FILE_BYTES = 50 * 1024 * 1024


class TextDatesLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps dates as text, so a bad one (2026-02-30) is reported by key."""


TextDatesLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    TextDatesLoader.construct_yaml_str,  # type: ignore[type-var]
)


def yaml_issue(name: str, error: yaml.YAMLError) -> Issue:
    """The issue of a YAML file ``name`` that cannot be parsed: the line (1-based) and the
    parser's problem where it gives them."""
    mark = getattr(error, "problem_mark", None)
    where = f"{name} line {mark.line + 1}" if mark is not None else name
    problem = getattr(error, "problem", None) or "cannot be parsed"
    return Issue(where, f"is not valid YAML: {problem}", "fix the syntax")


def header_issues(header: list[str], table: str, display: str) -> list[Issue]:
    """Problems of a table's header row: repeated, misspelled or missing columns."""
    issues = []
    model = TABLES[table]
    known = list(model.model_fields)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            issues.append(
                Issue(f"{display} row 1", f"column '{column}' appears twice", "keep one of them")
            )
        seen.add(column)
        if column and column not in known:
            hint = did_you_mean(column, known)
            if hint:  # a misspelled known column would otherwise be silently ignored
                issues.append(
                    Issue(
                        f"{display} row 1", f"unknown column '{column}'{hint}", "rename the column"
                    )
                )
    for column in REQUIRED_COLUMNS[table]:
        if column not in seen:
            hint = did_you_mean(column, [h for h in header if h not in known])
            issues.append(
                Issue(
                    f"{display} row 1",
                    f"required column '{column}' is missing" + (f"{hint}" if hint else ""),
                    f"add a '{column}' column",
                )
            )
    return issues
