"""The documentation cannot drift from the code, and every link in it resolves.

``docs/format.md`` marks each reference table with an HTML comment (``<!-- model: Client -->``,
``<!-- columns: sessions.csv -->``, ``<!-- keys: summary.json -->``, ``<!-- command: solve -->``).
Each marked table must list exactly what the code has: the fields of the pydantic model, with
the type the committed JSON Schema gives them, whether they are required and their default;
the columns of each output file in file order; the keys of ``summary.json``; the options of
each command. Then every link of the README and ``docs/*.md`` must point to a file of the
repository (and to a heading that exists, for ``#anchors``).
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import click
import pytest
from conftest import DATA, ROOT
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from optimizer import SolveStatus, cli, scenario, solve
from optimizer.io import load_scenario
from optimizer.io.read import REQUIRED_COLUMNS, TABLES
from optimizer.io.schedule import SCHEDULE_COLUMNS
from optimizer.schema import SCHEMA_PATH
from optimizer.terms import TERM_NAMES
from optimizer.weekly.previous import CHANGES_COLUMNS
from optimizer.whatif import COMPARISON_COLUMNS, EDIT_KINDS, ERROR_STATUS

FORMAT = ROOT / "docs" / "format.md"
MODELS: dict[str, type[BaseModel]] = {
    name: getattr(scenario, name)
    for name in ("Scenario", "SessionType", "Plan", "Rules", "Weights")
} | {model.__name__: model for model in TABLES.values()}
LOADER_DEFAULTS = {("Scenario", "name"): "folder name"}
"""Required by the model, but a scenario file gets it from its folder name (io/read.py)."""
OUTPUT_COLUMNS = {
    **SCHEDULE_COLUMNS,
    "changes.csv": CHANGES_COLUMNS,
    "comparison.csv": list(COMPARISON_COLUMNS),
}


# ---------------------------------------------------------------------------------------
# Reading marked tables


def marked_tables(text: str) -> dict[tuple[str, str], list[dict[str, str]]]:
    """``(kind, name) -> rows`` of every table right after a ``<!-- kind: name -->`` line.

    Each row maps the header cells to the row's cells, backticks removed."""
    tables: dict[tuple[str, str], list[dict[str, str]]] = {}
    lines = text.splitlines()
    for idx, line in enumerate(lines):
        marker = re.fullmatch(r"<!-- ([a-z]+): (.+?) -->", line.strip())
        if not marker:
            continue
        key = (marker.group(1), marker.group(2))
        assert key not in tables, f"{key} is marked twice"
        body = []
        for row in lines[idx + 1 :]:
            if not row.startswith("|"):
                break
            body.append([cell.strip().replace("`", "") for cell in row.strip("|").split("|")])
        assert len(body) > 2 and set(body[1][0]) <= set("-:"), f"no table after {line}"
        header = [cell.lower().split(":")[0] for cell in body[0]]
        tables[key] = [dict(zip(header, row, strict=True)) for row in body[2:]]
    return tables


@pytest.fixture(scope="module")
def tables() -> dict[tuple[str, str], list[dict[str, str]]]:
    return marked_tables(FORMAT.read_text(encoding="utf-8"))


def first_cells(rows: list[dict[str, str]]) -> list[str]:
    return [next(iter(row.values())) for row in rows]


# ---------------------------------------------------------------------------------------
# Types and defaults as the reference writes them


def schema_type(prop: dict[str, Any]) -> str:
    """The reference's word for a JSON Schema property (see "Types" in docs/format.md)."""
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    if len(options) == 1:
        return schema_type({**options[0], **{k: v for k, v in prop.items() if k != "anyOf"}})
    if options:
        kinds = sorted(p.get("type", "") for p in options)
        if "boolean" in kinds:  # also yes/no/1/0 text
            return "yes/no"
        if kinds == ["array", "object"]:  # a block: its slots, or {slots, telehealth}
            return f"{schema_type(options[kinds.index('array')])} or {{slots, telehealth}}"
        assert kinds == ["array", "string"], prop
        items = next(p for p in options if p.get("type") == "array").get("items", {})
        return "date list" if items.get("format") == "date" else "id list"
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[1]
    if "enum" in prop:
        return "day" if prop["enum"] == list(scenario.DAY_NAMES) else " or ".join(prop["enum"])
    kind = prop["type"]
    if kind == "string":
        if prop.get("format") == "date":
            return "date"
        if "pattern" in prop:
            return "slot"
        return "windows" if "DAYS HH:MM-HH:MM" in prop.get("description", "") else "text"
    if kind == "integer":
        low, high = prop.get("minimum"), prop.get("maximum")
        if low is not None and high is not None:
            return f"integer {low}..{high}"
        return f"integer >= {low}" if low is not None else "integer"
    if kind == "number":
        return f"number {prop['minimum']}..{prop['maximum']}"
    if kind == "array":
        return f"list of {schema_type(prop['items'])}"
    if kind == "object":
        return f"mapping to {schema_type(prop['additionalProperties'])}"
    raise AssertionError(f"no reference word for {prop}")


def default_text(field: FieldInfo) -> str:
    """A default as the reference writes it: ``-`` (required), none, empty or the value."""
    if field.is_required():
        return "-"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "all defaults"
    if isinstance(value, bool):  # a yes/no cell
        return "yes" if value else "no"
    if value in ((), [], {}):
        return "empty"
    return str(value)


def schema_defs() -> dict[str, dict[str, Any]]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return {"Scenario": schema, **schema["$defs"]}


# ---------------------------------------------------------------------------------------
# The scenario: model, schema and reference agree


@pytest.mark.parametrize("name", sorted(MODELS))
def test_reference_lists_every_field_of_the_model_and_no_other(
    tables: dict[tuple[str, str], list[dict[str, str]]], name: str
) -> None:
    model = MODELS[name]
    rows = tables[("model", name)]
    documented = first_cells(rows)
    assert sorted(documented) == sorted(model.model_fields), name
    assert len(documented) == len(set(documented)), f"{name}: a field is listed twice"
    definition = schema_defs()[name]
    assert set(definition["properties"]) == set(documented), f"{name}: schema differs"
    required = set(definition.get("required", []))
    for row in rows:
        field_name = first_cells([row])[0]
        field = model.model_fields[field_name]
        where = f"{name}.{field_name}"
        assert row["type"] == schema_type(definition["properties"][field_name]), where
        if (name, field_name) in LOADER_DEFAULTS:
            assert (row["required"], row["default"]) == ("no", LOADER_DEFAULTS[name, field_name])
            continue
        assert row["required"] == ("yes" if field.is_required() else "no"), where
        assert (field_name in required) == field.is_required(), f"{where}: schema differs"
        assert row["default"] == default_text(field), where
        assert row["meaning"], f"{where} has no meaning"


def test_scenario_files_fill_in_the_name_the_model_requires(tmp_path: Path) -> None:
    # The one documented exception to "required as the model says" (LOADER_DEFAULTS).
    text = (DATA / "tiny" / "scenario.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "night-program"
    folder.mkdir()
    for table in ("clients.csv", "therapists.csv", "rooms.csv"):
        (folder / table).write_bytes((DATA / "tiny" / table).read_bytes())
    (folder / "scenario.yaml").write_text(text.replace("name: Tiny IOP\n", ""), "utf-8")
    assert load_scenario(folder).name == "night-program"
    assert scenario.Scenario.model_fields["name"].is_required()


@pytest.mark.parametrize("table", sorted(REQUIRED_COLUMNS))
def test_csv_reader_requires_the_columns_the_reference_requires(
    tables: dict[tuple[str, str], list[dict[str, str]]], table: str
) -> None:
    rows = tables[("model", TABLES[table].__name__)]
    required = [first_cells([row])[0] for row in rows if row["required"] == "yes"]
    assert sorted(required) == sorted(REQUIRED_COLUMNS[table])


def test_every_marked_table_is_checked(
    tables: dict[tuple[str, str], list[dict[str, str]]],
) -> None:
    known = (
        {("model", name) for name in MODELS}
        | {("columns", name) for name in OUTPUT_COLUMNS}
        | {("keys", "summary.json"), ("keys", "summary.json parameters")}
        | {("keys", "summary.json secondary_search")}
        | {("command", "main")}
        | {("command", name) for name in cli.main.commands}
    )
    assert set(tables) == known


# ---------------------------------------------------------------------------------------
# Outputs


@pytest.mark.parametrize("file_name", sorted(OUTPUT_COLUMNS))
def test_output_columns_in_file_order(
    tables: dict[tuple[str, str], list[dict[str, str]]], file_name: str
) -> None:
    assert first_cells(tables[("columns", file_name)]) == list(OUTPUT_COLUMNS[file_name])


def test_summary_keys_are_those_a_solve_writes(
    tables: dict[tuple[str, str], list[dict[str, str]]], check_valid
) -> None:
    # tests/data/tiny: the optimum 5 of 5 clients (C5 discharged) is proven at once.
    result = solve(load_scenario(DATA / "tiny"), time_limit=20, workers=1, seed=0)
    check_valid(result)
    summary = result.summary
    assert (summary["status"], summary["objective"]) == ("OPTIMAL", 5)
    assert first_cells(tables[("keys", "summary.json")]) == list(summary)
    phase_two = first_cells(tables[("keys", "summary.json secondary_search")])
    assert phase_two == list(summary["secondary_search"])
    parameters = set(first_cells(tables[("keys", "summary.json parameters")]))
    assert set(summary["parameters"]) <= parameters
    # Keys set only in other runs (bounds, very large weeks, --redact) must exist in the code.
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "optimizer").rglob("*.py"))
    for key in parameters:
        assert f'"{key}"' in source, f"summary.json parameters: '{key}' is not in the code"


# ---------------------------------------------------------------------------------------
# Command line


def option_names(command: click.Command) -> set[str]:
    return {
        name
        for param in command.params
        if isinstance(param, click.Option) and "--help" not in param.opts
        for name in (*param.opts, *param.secondary_opts)
    }


@pytest.mark.parametrize("name", ["main", *sorted(cli.main.commands)])
def test_every_option_of_each_command_is_documented(
    tables: dict[tuple[str, str], list[dict[str, str]]], name: str
) -> None:
    command = cli.main if name == "main" else cli.main.commands[name]
    documented = {
        option
        for cell in first_cells(tables[("command", name)])
        for option in re.findall(r"(?<![\w-])--?[a-z][a-z-]*", cell)
    }
    assert documented == option_names(command)


# ---------------------------------------------------------------------------------------
# Glossary

GLOSSARY = ROOT / "docs" / "glossary.md"
CORE_TERMS = (
    "client", "therapist", "room", "track", "plan", "block", "slot", "session", "session type",
    "group session", "individual session", "scenario", "window", "commute", "priority",
    "primary therapist", "avoid", "proration", "pin", "continuing client", "change",
    "scheduled client", "unscheduled client", "reason", "primary objective", "secondary term",
    "weight", "status", "bound", "gap", "time limit", "workers", "seed", "deterministic time",
    "candidates", "group context", "copy", "room class", "hand-style schedule",
    "track-by-track search", "phase 1", "core", "disjoint-core bound", "check", "violation",
    "static cause", "suggestion", "verified", "variant", "edit", "executor", "PHI", "pseudonym",
    "virtual block", "telehealth", "hour minimums",
)  # fmt: skip


def glossary_terms() -> set[str]:
    """The first cells of the glossary's tables: ``phase 1, phase 2`` names two terms."""
    terms: set[str] = set()
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| term ", "|---")):
            cell = line.split("|")[1].replace("`", "").replace("(term)", "")
            terms.update(part.strip().lower() for part in cell.split(","))
    return terms


def test_glossary_defines_every_term() -> None:
    defined = glossary_terms()
    missing = [t for t in (*CORE_TERMS, *TERM_NAMES) if t.lower() not in defined]
    assert not missing, f"not defined in docs/glossary.md: {missing}"
    text = GLOSSARY.read_text(encoding="utf-8")
    pin_kinds = typing.get_args(scenario.Pin.model_fields["kind"].annotation)
    words = [*(s.value for s in SolveStatus), ERROR_STATUS, *EDIT_KINDS, *pin_kinds]
    assert [word for word in words if f"`{word}`" not in text] == []


# ---------------------------------------------------------------------------------------
# Architecture: every module named, and only modules that exist

ARCHITECTURE = ROOT / "docs" / "architecture.md"


def architecture_drift(text: str, package: Path, root: Path) -> tuple[list[str], list[str]]:
    """Modules of ``package`` the page does not name (``__init__.py`` files aside: a
    package is named by its folder), and ``.py`` paths it names that exist neither in the
    package nor in the repository."""
    named = set(re.findall(r"`([\w/.]+\.py)`", text))
    modules = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py"
    }
    unknown = [n for n in named if not (package / n).is_file() and not (root / n).is_file()]
    return sorted(modules - named), sorted(unknown)


def test_architecture_names_every_module_and_only_real_ones() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert architecture_drift(text, ROOT / "optimizer", ROOT) == ([], [])


def test_the_architecture_check_catches_what_it_should(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    for name in ("__init__.py", "a.py", "sub/__init__.py", "sub/b.py"):
        (tmp_path / "pkg" / name).write_text("", "utf-8")
    (tmp_path / "cli.py").write_text("", "utf-8")
    text = "`a.py` and `cli.py` (root), `sub/old.py`, `sub/` and `tests/x.py`"
    assert architecture_drift(text, tmp_path / "pkg", tmp_path) == (
        ["sub/b.py"],
        ["sub/old.py", "tests/x.py"],
    )


# ---------------------------------------------------------------------------------------
# Links


DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "SECURITY.md"]
    + list((ROOT / "docs").glob("*.md"))
    + list((ROOT / "scenarios").glob("*/README.md"))
)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)


def without_code(text: str) -> str:
    """Markdown text without fenced blocks, indented code and inline code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"^(?: {4}|\t).*$", "", text, flags=re.MULTILINE)
    return re.sub(r"`[^`\n]*`", "", text)


def heading_anchors(text: str) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (``## 1. A scenario`` -> ``1-a-scenario``)."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", without_code(text), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        candidate, count = slug, 0
        while candidate in anchors:
            count += 1
            candidate = f"{slug}-{count}"
        anchors.add(candidate)
    return anchors


def broken_links(document: Path, root: Path) -> list[str]:
    """Every link of ``document`` that leaves ``root``, names no file, or no heading."""
    text = document.read_text(encoding="utf-8")
    targets = _LINK.findall(without_code(text)) + _REFERENCE.findall(without_code(text))
    broken = []
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: - not ours to check
            continue
        path_part, _, anchor = target.partition("#")
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.is_relative_to(root.resolve()):
            broken.append(f"{target}: outside the repository")
        elif not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in heading_anchors(path.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    return broken


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(document: Path) -> None:
    assert broken_links(document, ROOT) == []


def test_the_link_check_catches_what_it_should(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A title\n\n## Second: part (two)\n", "utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md) [ok](docs/a.md#second-part-two) [ok](#top) [web](https://x.org)\n"
        "[spec](../shared/SPEC.md) [gone](docs/b.md) [anchor](docs/a.md#third)\n"
        "`[code](nowhere.md)`\n\n    [indented](nowhere.md)\n\n# Top\n",
        "utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "../shared/SPEC.md: outside the repository",
        "docs/b.md: no such file",
        "docs/a.md#third: no heading #third in a.md",
    ]
