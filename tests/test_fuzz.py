"""Bounded fuzzing of the loaders: broken copies of the example scenarios must give a clean
:class:`ScenarioError` (every issue naming a place and a problem) or a scenario that solves
to a valid schedule; the CLI must answer them with exit code 2, no traceback, no folder.

Mutations are those a spreadsheet or a hurried edit makes: a deleted column, a swapped
type, random bytes, huge numbers, an empty file, a duplicated header, a random cell edit,
a deleted or retyped YAML key. The whole file runs in well under a minute.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from optimizer import Scenario, ScenarioError, cli, load_scenario, solve
from optimizer.check import check_schedule
from optimizer.io.schedule import read_schedule

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
EXAMPLES = [
    TINY,
    *sorted(p for p in (ROOT / "scenarios").iterdir() if (p / "scenario.yaml").exists()),
]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples in CI every time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CELL_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            ";",
            ";;",
            "0",
            "-1",
            "1e308",
            "nan",
            "inf",
            "99999999999999999999999",
            '=HYPERLINK("http://x")',
            "Mon 9-5",
            "Mon-Sun 00:00-24:00",
            "Funday 09:00-10:00",
            "2026-02-30",
            "2026-12-14",
            '"',
            "\n",
            "x" * 5000,
            "IOP5",
            "T9",
            "C1;C1",
            "\x00",
            "\ufeff",
        ]
    ),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)

YAML_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def csv_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


def mutate(folder: Path, data: st.DataObject) -> str:
    """Apply one random mutation to a scenario folder; returns its name (for statistics)."""
    kind = data.draw(
        st.sampled_from(
            [
                "delete-column",
                "swap-types",
                "random-bytes",
                "huge-number",
                "empty-file",
                "duplicate-header",
                "cell-edit",
                "yaml-delete-key",
                "yaml-retype",
                "truncate",
            ]
        ),
        label="mutation",
    )
    target = data.draw(st.sampled_from([*csv_files(folder), folder / "scenario.yaml"]))
    if kind == "random-bytes":
        blob = data.draw(st.binary(min_size=1, max_size=200))
        raw = target.read_bytes()
        at = data.draw(st.integers(0, len(raw)))
        target.write_bytes(raw[:at] + blob + raw[at:])
    elif kind == "empty-file":
        target.write_bytes(data.draw(st.sampled_from([b"", b"\n\n", b"\xef\xbb\xbf", b";;;\r\n"])))
    elif kind == "truncate":
        raw = target.read_bytes()
        target.write_bytes(raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))])
    elif kind.startswith("yaml"):
        target = folder / "scenario.yaml"
        doc = yaml.safe_load(target.read_text(encoding="utf-8"))
        path = [data.draw(st.sampled_from(sorted(doc)))]
        node = doc[path[0]]
        while isinstance(node, dict) and node and data.draw(st.booleans()):
            path.append(data.draw(st.sampled_from(sorted(node, key=str))))
            node = node[path[-1]]
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if kind == "yaml-delete-key":
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(YAML_VALUES)
        target.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    else:
        target = data.draw(st.sampled_from(csv_files(folder)))
        rows = read_rows(target)
        width = len(rows[0])
        column = data.draw(st.integers(0, width - 1))
        body = [r for r in range(1, len(rows)) if len(rows[r]) == width] or [0]
        row = data.draw(st.sampled_from(body))
        if kind == "delete-column":
            rows = [[c for k, c in enumerate(r) if k != column] for r in rows]
        elif kind == "duplicate-header":
            rows = [r + [r[column]] for r in rows]
        elif kind == "swap-types":
            cell = rows[row][column]
            rows[row][column] = "many" if cell.strip().lstrip("-").isdigit() else "7"
        elif kind == "huge-number":
            rows[row][column] = data.draw(st.sampled_from(["10" * 20, "-99", "1e400", "0"]))
        else:
            rows[row][column] = data.draw(CELL_VALUES)
        write_rows(target, rows)
    return kind


def assert_clean(error: ScenarioError) -> None:
    """Every issue names a place and a problem, in a sentence rather than a dump."""
    assert error.issues
    for issue in error.issues:
        assert issue.where.strip() and issue.problem.strip(), issue
        assert "Traceback" not in str(issue)
        assert "pydantic" not in str(issue).lower(), issue
        assert "function-" not in issue.where, issue
        assert len(str(issue)) < 600, issue


def fuzz_once(example: Path, data: st.DataObject, check: Callable[[Scenario], None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / example.name
        shutil.copytree(example, folder)
        event(mutate(folder, data))
        try:
            scenario = load_scenario(folder)
        except ScenarioError as error:
            assert_clean(error)
            event("clean error")
            return
        event("still valid")
        check(scenario)


def solves_validly(scenario: Scenario) -> None:
    if len(scenario.clients) > 6:
        return  # the big examples: loading is what is fuzzed; tiny ones are also solved
    result = solve(scenario, time_limit=2, workers=1, seed=0)
    if result.has_schedule:
        with tempfile.TemporaryDirectory() as tmp:
            folder = result.write(Path(tmp) / "out", report=False, xlsx=False, calendars=False)
            errors = [
                v for v in check_schedule(scenario, read_schedule(folder)) if v.severity == "error"
            ]
            assert not errors, errors


@FUZZ
@given(data=st.data())
def test_mutated_tiny_gives_clean_error_or_valid_schedule(data: st.DataObject) -> None:
    fuzz_once(TINY, data, solves_validly)


@settings(FUZZ, max_examples=40)
@given(example=st.sampled_from(EXAMPLES[1:]), data=st.data())
def test_mutated_examples_give_clean_error_or_load(example: Path, data: st.DataObject) -> None:
    fuzz_once(example, data, lambda scenario: None)


@settings(FUZZ, max_examples=40)
@given(
    document=st.recursive(
        YAML_VALUES,
        lambda inner: (
            st.dictionaries(
                st.sampled_from(
                    [
                        "name",
                        "week_start",
                        "days",
                        "blocks",
                        "plans",
                        "session_types",
                        "clients",
                        "therapists",
                        "rooms",
                        "rules",
                        "x",
                    ]
                )
                | st.text(max_size=5),
                inner,
                max_size=6,
            )
            | st.lists(inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_random_documents_give_clean_errors(document: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "week.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert_clean(info.value)


# ---------------------------------------------------------------------------------------
# The CLI on broken copies: exit 2, no traceback, nothing written, the place named.


def replace_bytes(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        assert old in raw
        return raw.replace(old, new, 1)

    return edit


BROKEN = [
    pytest.param(
        "clients.csv", lambda raw: raw[:40] + bytes(range(256)), "clients.csv", id="bytes"
    ),
    pytest.param("clients.csv", lambda raw: b"", "clients.csv", id="empty-csv"),
    pytest.param("scenario.yaml", lambda raw: b"", "scenario.yaml", id="empty-yaml"),
    pytest.param("scenario.yaml", lambda raw: b"\x00\xff" * 50, "scenario.yaml", id="binary-yaml"),
    pytest.param(
        "therapists.csv",
        replace_bytes(b"therapist_id,skills,", b"therapist_id,skills,skills,"),
        "therapists.csv row 1",
        id="duplicate-header",
    ),
    pytest.param(
        "clients.csv", replace_bytes(b"client_id,", b"clientid,"), "clients.csv row 1", id="no-id"
    ),
    pytest.param(
        "rooms.csv", replace_bytes(b"R1,6,", b"R1,1e400,"), "rooms.csv row 2", id="huge-capacity"
    ),
    pytest.param(
        "scenario.yaml",
        replace_bytes(b"min_size: 2, max_size: 6", b"min_size: 2, max_size: 99999999999999"),
        "session_types.group_therapy.max_size",
        id="huge-group",
    ),
    pytest.param(
        "scenario.yaml",
        replace_bytes(b'"09:00-09:50"', b'"09:00-09:00"'),
        "blocks.AM",
        id="zero-minute-slot",
    ),
    pytest.param(
        "clients.csv",
        lambda raw: raw + b"".join(b"X%d,,SUD,IOP-2\n" % k for k in range(5001)),
        "clients",
        id="too-many-clients",
    ),
    pytest.param(
        "scenario.yaml",
        replace_bytes(b"days: [Mon, Tue]", b"days: Mon"),
        "days",
        id="days-not-a-list",
    ),
    pytest.param(
        "clients.csv",
        replace_bytes(b"C3,Cy R.,SUD,STEP-DOWN", b"C3,Cy R.,SUD,STEPDOWN"),
        "did you mean 'STEP-DOWN'?",
        id="misspelled-plan",
    ),
    pytest.param(
        "scenario.yaml",
        lambda raw: b'x: !!python/object/apply:os.system ["echo hi"]\n' + raw,
        "scenario.yaml line 1",
        id="yaml-python-tag",
    ),
    pytest.param(
        "scenario.yaml",
        lambda raw: (
            b"a: &a [x, x, x, x, x, x, x, x]\n"
            + b"".join(
                b"%s: &%s [%s]\n" % (name, name, b", ".join([b"*" + prev] * 8))
                for prev, name in zip(b"a b c d e".split(), b"b c d e f".split(), strict=True)
            )
            + raw.replace(b"days: [Mon, Tue]", b"days: *f")
        ),
        "days[0]",
        id="yaml-alias-bomb",
    ),
    pytest.param(
        "scenario.yaml", replace_bytes(b"days: [Mon, Tue]", b"days: []"), "days", id="no-days"
    ),
    pytest.param(
        "scenario.yaml",
        replace_bytes(b"week_start: 2026-12-14", b"week_start: -5"),
        "'-5' is not a date",
        id="number-for-date",
    ),
    pytest.param(
        "scenario.yaml",
        replace_bytes(b"rooms: rooms.csv", b"rooms: /dev/null/x"),
        "does not exist",
        id="bad-path",
    ),
    pytest.param(
        "clients.csv",
        replace_bytes(b"C3,Cy R.,SUD,", b"C3,Cy R.,SUD," + b"x" * 5000),
        "an id of 5009 characters is too long (at most 100)",
        id="pasted-paragraph",
    ),
]


@pytest.mark.parametrize(("file", "edit", "says"), BROKEN)
def test_cli_on_broken_input(
    tmp_path: Path, file: str, edit: Callable[[bytes], bytes], says: str
) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(TINY, folder)
    path = folder / file
    path.write_bytes(edit(path.read_bytes()))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["solve", str(folder), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert says in result.stderr, result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]
    for secret in ("Ana P.", "Ben Q.", "likes mornings"):
        assert secret not in result.output
