"""The what-if file: a base scenario and named variants, each a list of edits.

A what-if file (YAML) names a ``base`` scenario and a list of ``variants``; each variant is a
list of edits (:mod:`optimizer.whatif.edits`) applied in order to the base scenario's plain
data (:meth:`Scenario.to_data`), then validated with :meth:`Scenario.from_data`. A variant
with no edits is the baseline. Reading the file checks only its shape, so one bad variant
does not stop a batch: :meth:`WhatIf.resolve` judges each variant's edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import Issue, OptimizerError, ScenarioError, did_you_mean
from ..io.folders import OUT_ROOT
from ..io.read import load_scenario
from ..io.tables import yaml_issue
from ..scenario import Scenario
from .edits import EDIT_KINDS, Edit, EditProblem, apply_edit

VARIANT_KEYS = ("name", "description", "edits", *EDIT_KINDS)
WHATIF_FILE_NAMES = ("whatif.yaml", "whatif.yml")
VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class WhatIfError(OptimizerError):
    """A what-if file cannot be read, or an edit of a variant does not apply."""


@dataclass(frozen=True)
class Variant:
    """A named list of edits; no edits = a baseline."""

    name: str
    edits: tuple[Edit, ...] = ()
    description: str = ""

    @property
    def is_baseline(self) -> bool:
        return not self.edits


@dataclass(frozen=True)
class WhatIf:
    """A base scenario (as plain data), its variants, and the folder relative paths start in."""

    base: Scenario
    variants: tuple[Variant, ...]
    folder: Path
    name: str = "whatif"

    def default_out_dir(self) -> Path:
        """Where a batch writes without ``out_dir``: ``out/<file stem or folder name>``."""
        return OUT_ROOT / self.name

    def baseline(self) -> Variant:
        """The first variant without edits, else the first variant."""
        return next((v for v in self.variants if v.is_baseline), self.variants[0])

    def resolve(self, variant: Variant) -> Scenario:
        """The variant's scenario: the base with every edit applied in order, validated.

        Raises :class:`WhatIfError` naming the variant (and the edit, when one does not apply).
        """
        data = self.base.to_data()
        for edit in variant.edits:
            try:
                data = apply_edit(data, edit, self.folder)
            except EditProblem as problem:
                raise WhatIfError(
                    [Issue(f"variant '{variant.name}', edit '{edit.label()}'", str(problem))]
                ) from None
        try:
            return Scenario.from_data(data)
        except ScenarioError as exc:
            raise WhatIfError(
                Issue(f"variant '{variant.name}': {issue.where}", issue.problem, issue.fix)
                for issue in exc.issues
            ) from None


def load_whatif(path: str | Path) -> WhatIf:
    """Read a what-if YAML file (or a folder holding ``whatif.yaml``) and its base scenario.

    Only the file's shape is checked here (a readable base, a list of uniquely named variants,
    known edit kinds); whether each edit applies is checked per variant by
    :meth:`WhatIf.resolve`, so one bad variant does not stop a batch.
    """
    path = Path(path)
    name = path.name if path.is_dir() else path.stem
    if path.is_dir():
        found = [path / n for n in WHATIF_FILE_NAMES if (path / n).is_file()]
        if not found:
            raise WhatIfError([Issue(str(path), "holds no whatif.yaml", "point to a what-if file")])
        path = found[0]
    if not path.is_file():
        raise WhatIfError([Issue(str(path), "does not exist", "check the path")])
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise WhatIfError(
            [Issue(path.name, f"cannot be read: {exc}", "save it as UTF-8")]
        ) from None
    except yaml.YAMLError as exc:
        raise WhatIfError([yaml_issue(path.name, exc)]) from None
    if not isinstance(data, dict):
        raise WhatIfError(
            [Issue(path.name, "does not hold a mapping", "start with 'base:' and 'variants:'")]
        )
    issues: list[Issue] = []
    for key in data:
        if key not in ("base", "variants", "description"):
            hint = did_you_mean(str(key), ["base", "variants", "description"])
            issues.append(Issue(f"{path.name}: {key}", f"unknown key{hint}", "remove it"))
    base_ref = data.get("base")
    if not isinstance(base_ref, str) or not base_ref.strip():
        issues.append(
            Issue(f"{path.name}: base", "is missing", "name the base scenario, e.g. '../westside'")
        )
    variants = _parse_variants(data.get("variants"), path.name, issues)
    if issues:
        raise WhatIfError(issues)
    assert isinstance(base_ref, str)
    try:
        base = load_scenario(path.parent / base_ref)
    except ScenarioError as exc:
        raise WhatIfError(
            Issue(f"{path.name}: base {base_ref}: {issue.where}", issue.problem, issue.fix)
            for issue in exc.issues
        ) from None
    return WhatIf(base=base, variants=variants, folder=path.parent, name=name)


def _parse_variants(value: Any, file_name: str, issues: list[Issue]) -> tuple[Variant, ...]:
    where = f"{file_name}: variants"
    if not isinstance(value, list) or not value:
        issues.append(Issue(where, "must be a non-empty list", "list variants as '- name: ...'"))
        return ()
    variants: list[Variant] = []
    seen: set[str] = set()
    for idx, entry in enumerate(value):
        at = f"{where}[{idx}]"
        if not isinstance(entry, dict):
            issues.append(Issue(at, "is not a mapping", "write '- name: ...' and its edits"))
            continue
        name = entry.get("name")
        if not isinstance(name, str | int) or not VARIANT_NAME.match(str(name)):
            issues.append(
                Issue(
                    f"{at}.name",
                    f"'{name}' is not a usable variant name",
                    "use letters, digits, '.', '_' or '-' (it names the output folder)",
                )
            )
            continue
        name = str(name)
        if name in seen:
            issues.append(Issue(f"{at}.name", f"variant '{name}' is listed twice", "rename one"))
        seen.add(name)
        edits: list[Edit] = []
        for key, payload in entry.items():
            if key not in VARIANT_KEYS:
                hint = did_you_mean(str(key), VARIANT_KEYS)
                issues.append(
                    Issue(
                        f"variant '{name}'",
                        f"unknown edit '{key}'{hint}",
                        f"use one of: {', '.join(EDIT_KINDS)}",
                    )
                )
            elif key == "edits":
                edits.extend(_parse_edit_list(payload, name, issues))
            elif key in EDIT_KINDS:
                edits.append(Edit(key, payload))
        for edit in edits:
            if not isinstance(edit.payload, dict) or not edit.payload:
                issues.append(
                    Issue(
                        f"variant '{name}', edit '{edit.kind}'",
                        "must be a non-empty mapping",
                        "see docs/whatif.md for the form of each edit",
                    )
                )
        variants.append(
            Variant(name=name, edits=tuple(edits), description=str(entry.get("description", "")))
        )
    return tuple(variants)


def _parse_edit_list(value: Any, name: str, issues: list[Issue]) -> list[Edit]:
    if not isinstance(value, list):
        issues.append(Issue(f"variant '{name}': edits", "must be a list", "write '- set: {...}'"))
        return []
    edits = []
    for entry in value:
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in EDIT_KINDS:
            issues.append(
                Issue(
                    f"variant '{name}': edits",
                    f"entry {entry!r} is not one edit",
                    f"write each as a mapping with one of: {', '.join(EDIT_KINDS)}",
                )
            )
            continue
        ((kind, payload),) = entry.items()
        edits.append(Edit(kind, payload))
    return edits
