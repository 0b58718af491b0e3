"""The JSON Schema of a single-file scenario, for app developers validating payloads.

Regenerate the committed file with ``python -m optimizer.schema`` (``--help`` for checking
or printing it instead); a test keeps it in sync.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..scenario import Scenario

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")


def scenario_schema() -> dict:
    """JSON Schema (draft 2020-12) of a scenario document with inlined tables."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "IOP scenario"
    return schema


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, sort_keys=True) + "\n"
