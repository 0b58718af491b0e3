"""The committed JSON Schema matches the scenario model, and example payloads fit it."""

from __future__ import annotations

import json

from conftest import SCENARIOS

from optimizer import load_scenario
from optimizer.schema import SCHEMA_PATH, scenario_schema, schema_text


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
