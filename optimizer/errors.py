"""Typed errors a user can cause, each carrying structured issues.

A library caller catches :class:`OptimizerError` (or one of its subclasses) and shows
``error.issues`` to its user; the CLI prints one line per issue and exits with code 2.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in the input.

    ``where`` names the place the way the user sees it: a file with its spreadsheet row
    (header = row 1) and column, or a YAML key path. ``problem`` says what is wrong and
    ``fix`` what is expected instead.
    """

    where: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.problem}"
        return f"{text}; {self.fix}" if self.fix else text


class OptimizerError(Exception):
    """Base class of every error a user of the library or the CLI can cause."""

    def __init__(self, issues: Iterable[Issue] | str) -> None:
        if isinstance(issues, str):
            issues = [Issue("input", issues)]
        self.issues: list[Issue] = [
            Issue(_cut(issue.where), _cut(shorten_quotes(issue.problem)), shorten_quotes(issue.fix))
            for issue in issues
        ]
        super().__init__("\n".join(str(issue) for issue in self.issues))


class ScenarioError(OptimizerError):
    """The scenario (files, YAML/JSON document or Python objects) is invalid."""


class ScheduleReadError(OptimizerError):
    """A schedule folder (SPEC §5 format) cannot be read."""


MAX_QUOTED = 80
"""Longest quoted value a message repeats in full (a pasted paragraph is cut)."""
_LONG_QUOTE = re.compile("'([^']{" + str(MAX_QUOTED + 1) + ",})'")


def _cut(text: str, limit: int = 300) -> str:
    """A message part of at most ``limit`` characters (a value's repr may be huge)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shorten_quotes(text: str) -> str:
    """Cut every quoted value longer than ``MAX_QUOTED`` characters, saying how long it was."""
    return _LONG_QUOTE.sub(
        lambda m: f"'{m.group(1)[: MAX_QUOTED - 20]}...' ({len(m.group(1))} characters)", text
    )


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'X'?)"`` for the closest choice, or an empty string."""
    options = [str(c) for c in choices]
    match = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if not match:
        lowered = {o.lower(): o for o in options}
        if str(value).lower() in lowered:
            match = [lowered[str(value).lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""
