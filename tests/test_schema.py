"""The committed JSON Schema matches the scenario model, and example payloads fit it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCENARIOS

from optimizer import load_scenario
from optimizer.schema import SCHEMA_PATH, scenario_schema, schema_text
from optimizer.schema import __main__ as schema_command


def test_committed_schema_is_current() -> None:
    # Regenerate with `python -m optimizer.schema` after changing optimizer/scenario.py.
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_schema_names_every_required_scenario_key() -> None:
    schema = scenario_schema()
    assert set(schema["required"]) >= {"week_start", "days", "blocks", "session_types", "plans"}
    client = schema["$defs"]["Client"]
    assert set(client["required"]) == {"client_id", "track", "plan"}


def test_example_scenario_dumps_to_schema_shaped_json() -> None:
    data = json.loads(json.dumps(load_scenario(SCENARIOS / "westside-iop").to_data()))
    properties = scenario_schema()["properties"]
    assert set(data) <= set(properties)
    assert all(isinstance(row["client_id"], str) for row in data["clients"])


# ---------------------------------------------------------------------------------------
# python -m optimizer.schema: a command line that writes only when asked (issue 18, item 8)


def test_help_prints_usage_and_writes_nothing() -> None:
    before = SCHEMA_PATH.stat().st_mtime_ns
    done = subprocess.run(
        [sys.executable, "-m", "optimizer.schema", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m optimizer.schema")
    assert "--check" in done.stdout and "wrote" not in done.stdout
    assert SCHEMA_PATH.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--chek"], id="misspelled option"),
        pytest.param(["--check", "--stdout"], id="check and print exclude each other"),
        pytest.param(["schema.json"], id="a path without --file"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    with pytest.raises(SystemExit) as exit_info:
        schema_command.main([*argv, "--file", str(target)])
    assert exit_info.value.code == 2
    assert "usage: python -m optimizer.schema" in capsys.readouterr().err
    assert not target.exists()


def test_check_writes_nothing_and_write_makes_it_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    target.write_text("{}\n", encoding="utf-8")
    assert schema_command.main(["--check", "--file", str(target)]) == 1
    assert "differs from the scenario model" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "{}\n"

    assert schema_command.main(["--file", str(target)]) == 0  # no option: write
    assert capsys.readouterr().out == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == schema_text()
    assert schema_command.main(["--check", "--file", str(target)]) == 0


def test_stdout_prints_the_schema_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    assert schema_command.main(["--stdout", "--file", str(target)]) == 0
    assert json.loads(capsys.readouterr().out) == scenario_schema()
    assert not target.exists()
