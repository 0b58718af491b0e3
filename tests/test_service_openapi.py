"""A property-based run of the service's OpenAPI document: no request gets a 5xx.

Schemathesis generates requests for every operation from the document itself (valid and
invalid bodies, odd path parameters); the server runs with a 2-second time limit cap and a
queue of two, so that generated scenarios that happen to be valid stay cheap.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from service_server import Server, start_server


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("fuzz") / "server.log"
    server = start_server(log, "--max-time-limit", "2", "--queue", "2", "--workers", "1")
    yield server
    server.stop()
    assert "Traceback" not in Path(log).read_text(encoding="utf-8", errors="replace")


OPERATIONS = [
    ("GET", "/api/health"),
    ("POST", "/api/scenarios/import"),
    ("POST", "/api/solves"),
    ("GET", "/api/solves/{solve_id}"),
    ("GET", "/api/solves/{solve_id}/schedule"),
    ("DELETE", "/api/solves/{solve_id}"),
    ("GET", "/api/solves/{solve_id}/files/{name}"),
    ("POST", "/api/files/{name}"),
    ("POST", "/api/check"),
    ("POST", "/api/explain"),
    ("POST", "/api/place"),
]
"""Every operation but the event stream (an open stream is not a request/response pair;
its refusals are the same code path as ``GET /api/solves/{solve_id}``)."""


def test_the_document_lists_every_operation(fuzzed_server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")
    listed = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert listed == {*OPERATIONS, ("GET", "/api/solves/{solve_id}/events")}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_gets_a_server_error(
    fuzzed_server: Server, method: str, path: str
) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")
    operation = schema[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=fuzzed_server.url, timeout=120)
        code = response.status_code
        statuses.append(code)
        assert code < 500, f"{code}: {response.text[:500]}"
        if code >= 400:  # every refusal is structured issues, never a trace
            issues = response.json()["issues"]
            assert issues and all(set(i) == {"where", "problem", "fix"} for i in issues)

    run()
    assert statuses
