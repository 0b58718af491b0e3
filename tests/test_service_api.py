"""The HTTP service (SPEC §8) against a real server process on 127.0.0.1.

Every schedule the service returns is checked by the independent checker. Expected
outcomes come from the example READMEs (derived by hand there).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from service_server import (
    ROOT,
    SCENARIOS,
    Server,
    events,
    free_port,
    scenario_document,
    schedule_from_rows,
    start_server,
)

from optimizer import Scenario, check_schedule
from optimizer.io.schedule import SCHEDULE_COLUMNS
from optimizer.io.workbook import write_workbook_scenario

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("service") / "server.log"
    running = start_server(log, "--concurrent", "1", "--queue", "4", "--max-time-limit", "300")
    yield running
    running.stop()


def assert_checked(document: dict[str, Any], data: dict[str, Any]) -> None:
    """The schedule breaks no rule of SPEC §3 (the independent checker) and its summary
    agrees with the rows."""
    violations = check_schedule(Scenario.from_data(document), schedule_from_rows(data))
    assert not violations, "\n".join(str(v) for v in violations)


def test_health_names_version_and_features(server: Server) -> None:
    with server.client() as client:
        answer = client.get("/api/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["version"]
    assert body["features"] == {"place": True}  # the page shows its "place" panel


def test_solve_streams_progress_and_returns_a_checked_schedule(server: Server) -> None:
    # tiny-evening-bottleneck README: OPTIMAL, objective 4 x 2 + 2 x 1 = 10, C05 and C06
    # unscheduled (T01's weekly limit of 4 sessions).
    document = scenario_document("tiny-evening-bottleneck")
    with server.client() as client:
        submitted = client.post("/api/solves", json={"scenario": document, "time_limit": 30})
        assert submitted.status_code == 202
        assert submitted.json()["status"] == "queued"
        solve_id = submitted.json()["id"]
        seen = list(events(client, solve_id))
        names = [name for name, _ in seen]
        assert ("status", {"id": solve_id, "status": "running"}) in seen
        improvements = [data for name, data in seen if name == "progress" and "objective" in data]
        assert improvements, names  # the solver's improvements reached the stream
        assert all(0 <= p["elapsed_seconds"] <= 300 for _, p in seen if _ == "progress")
        end = seen[-1]
        assert end[0] == "end" and end[1]["status"] == "done"
        state = client.get(f"/api/solves/{solve_id}").json()
        schedule = client.get(f"/api/solves/{solve_id}/schedule")
    assert state["status"] == "done" and state["has_schedule"]
    assert schedule.status_code == 200
    data = schedule.json()
    summary = data["summary"]
    assert (summary["status"], summary["objective"], summary["interrupted"]) == (
        "OPTIMAL",
        10,
        False,
    )
    assert sorted(row["client_id"] for row in data["unscheduled"]) == ["C05", "C06"]
    assert_checked(document, data)


def test_stop_keeps_the_best_schedule_so_far(server: Server) -> None:
    # Westside needs far longer than a few seconds to prove its optimum (docs/benchmarks.md),
    # so a stop right after the first improvement always interrupts the search. A second,
    # queued solve is stopped before it starts: it never runs and has no schedule.
    westside = scenario_document("westside-iop")
    tiny = scenario_document("tiny-tracks-never-mix")
    with server.client() as client:
        long_id = client.post("/api/solves", json={"scenario": westside, "time_limit": 300}).json()[
            "id"
        ]
        queued_id = client.post("/api/solves", json={"scenario": tiny}).json()["id"]
        assert client.get(f"/api/solves/{queued_id}").json()["status"] == "queued"
        stopped = client.delete(f"/api/solves/{queued_id}")
        assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled"
        assert client.get(f"/api/solves/{queued_id}/schedule").status_code == 404
        for name, data in events(client, long_id):
            if name == "progress" and "objective" in data:
                assert client.get(f"/api/solves/{long_id}/schedule").status_code == 409
                assert client.delete(f"/api/solves/{long_id}").status_code == 200
                break
        final = [data for name, data in events(client, long_id) if name == "end"][0]
        assert final["status"] == "cancelled" and final["has_schedule"]
        assert final["summary"]["interrupted"] is True
        data = client.get(f"/api/solves/{long_id}/schedule").json()
    assert data["summary"]["interrupted"] is True and data["assignments"]
    assert_checked(westside, data)


def _without_week_start(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "week_start"}


def _unknown_plan(document: dict[str, Any]) -> dict[str, Any]:
    clients = [dict(document["clients"][0], plan="IOP-9"), *document["clients"][1:]]
    return {**document, "clients": clients}


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        pytest.param(
            lambda d: {"scenario": _unknown_plan(d)},
            "scenario.clients[0].plan",
            "unknown plan 'IOP-9'",
            id="a client names a plan the scenario does not have",
        ),
        pytest.param(
            lambda d: {"scenario": _without_week_start(d)},
            "scenario.week_start",
            "missing",
            id="a required key is missing",
        ),
        pytest.param(
            lambda d: {"scenario": {**d, "clients": "clients.csv"}},
            "scenario",
            "names table files",
            id="tables as file names: the server reads no files for a request",
        ),
        pytest.param(
            lambda d: {"scenario": d, "time_limit": 0},
            "time_limit",
            "greater than 0",
            id="a time limit of zero",
        ),
        pytest.param(
            lambda d: {"scenario": d, "time_limit": 301},
            "time_limit",
            "above this service's limit",
            id="a time limit above the server's maximum",
        ),
        pytest.param(
            lambda d: {"scenario": d, "workers": 64},
            "workers",
            "Extra inputs are not permitted",
            id="an unknown key in the body",
        ),
        pytest.param(lambda d: {}, "scenario", "Field required", id="no scenario at all"),
    ],
)
def test_invalid_solve_request_gets_422_with_located_issues(
    server: Server, body: Any, where: str, says: str
) -> None:
    with server.client() as client:
        answer = client.post("/api/solves", json=body(scenario_document("tiny-saturday")))
    assert answer.status_code == 422
    issues = answer.json()["issues"]
    assert any(i["where"] == where and says in i["problem"] for i in issues), issues
    assert all(set(i) == {"where", "problem", "fix"} for i in issues)


def test_broken_json_and_oversized_bodies_are_refused_without_a_trace(server: Server) -> None:
    with server.client() as client:
        broken = client.post(
            "/api/solves", content=b'{"scenario": ', headers={"content-type": "application/json"}
        )
        assert broken.status_code == 422
        assert broken.json()["issues"][0]["problem"] == "is not valid JSON"
        huge = client.post(
            "/api/scenarios/import?filename=big.zip",
            content=b"0" * (20 * 2**20 + 1),
            headers={"content-type": "application/octet-stream"},
        )
        assert huge.status_code == 413
        assert "larger than 20 MiB" in huge.json()["issues"][0]["problem"]
        missing = client.get("/api/solves/no-such-solve")
        assert missing.status_code == 404 and "no such solve" in missing.text
    for answer in (broken, huge, missing):
        assert "Traceback" not in answer.text and 'File "' not in answer.text


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _folder_files(name: str) -> dict[str, str]:
    return {f"{name}/{p.name}": p.read_text(encoding="utf-8") for p in (SCENARIOS / name).iterdir()}


def test_upload_of_a_folder_zip_and_a_workbook(server: Server, tmp_path: Path) -> None:
    workbook = write_workbook_scenario(
        Scenario.from_data(scenario_document("tiny-evening-bottleneck")), tmp_path / "week.xlsx"
    )
    with server.client() as client:
        folder = client.post(
            "/api/scenarios/import?filename=westside.zip",
            content=_zip(_folder_files("westside-iop")),
        )
        book = client.post(
            "/api/scenarios/import?filename=week.xlsx", content=workbook.read_bytes()
        )
    assert folder.status_code == 200, folder.text
    assert folder.json()["facts"]["clients"] == 40
    # Names stay on the coordinator's machine: the page gets ids only.
    assert all("name" not in c for c in folder.json()["scenario"]["clients"])
    assert book.status_code == 200, book.text
    assert book.json()["facts"] == {
        "name": "Tiny - evening bottleneck",
        "week_start": "2026-12-14",
        "clients": 8,
        "therapists": 2,
        "rooms": None,
        "pins": 0,
    }


@pytest.mark.parametrize(
    ("filename", "content", "where", "says"),
    [
        pytest.param(
            "week.zip",
            _zip({"../escape/scenario.yaml": "name: x\n"}),
            "week.zip: ../escape/scenario.yaml",
            "points outside the folder",
            id="zip member leaving the folder (zip slip)",
        ),
        pytest.param(
            "week.zip",
            _zip({"scenario.yaml": "name: x\nclients: /etc/passwd\n"}),
            "week.zip: scenario.yaml: clients",
            "not a file of the upload",
            id="table path outside the upload",
        ),
        pytest.param(
            "week.yaml",
            b"name: x\nclients: clients.csv\n",
            "week.yaml: week.yaml: clients",
            "not a file of the upload",
            id="single document naming a table file",
        ),
        pytest.param(
            "week.zip", b"not a zip", "week.zip", "is not a zip archive", id="damaged zip"
        ),
        pytest.param(
            "week.xlsx",
            b"PK not really",
            "week.xlsx",
            "cannot be opened as an Excel workbook",
            id="damaged workbook",
        ),
        pytest.param(
            "notes.txt", b"hello", "notes.txt", "is not a .zip, .yaml", id="unknown file type"
        ),
    ],
)
def test_bad_uploads_get_422_naming_the_file(
    server: Server, filename: str, content: bytes, where: str, says: str
) -> None:
    with server.client() as client:
        answer = client.post(f"/api/scenarios/import?filename={filename}", content=content)
    assert answer.status_code == 422, answer.text
    issues = answer.json()["issues"]
    assert any(i["where"] == where and says in i["problem"] for i in issues), issues
    assert "iop-service-" not in answer.text  # no server-side temporary path


def solved(client: httpx.Client, document: dict[str, Any]) -> dict[str, Any]:
    """The schedule of a solve of ``document`` with the default time limit, once it ended."""
    solve_id = client.post("/api/solves", json={"scenario": document}).json()["id"]
    list(events(client, solve_id))
    return dict(client.get(f"/api/solves/{solve_id}/schedule").json())


def test_check_and_explain(server: Server) -> None:
    document = scenario_document("tiny-evening-bottleneck")
    with server.client() as client:
        schedule = solved(client, document)
        ok = client.post("/api/check", json={"scenario": document, "schedule": schedule}).json()
        assert ok["ok"] and ok["violations"] == [] and ok["verdict"].startswith("OK")
        # C07's first session is moved into an EVE group of 4: C07 then misses a slot of a
        # block it attends (rule 2) and that group holds 5 of at most 4 (rule 5).
        evening = next(s for s in schedule["sessions"] if s["block"] == "EVE")
        row = next(r for r in schedule["assignments"] if r["client_id"] == "C07")
        where = [
            c for c in SCHEDULE_COLUMNS["assignments.csv"] if c in SCHEDULE_COLUMNS["sessions.csv"]
        ]
        moved = {
            **schedule,
            "assignments": [
                {**r, **{k: evening[k] for k in where if k != "session_type"}} if r is row else r
                for r in schedule["assignments"]
            ],
        }
        broken = client.post("/api/check", json={"scenario": document, "schedule": moved}).json()
        assert not broken["ok"] and broken["verdict"].startswith("BROKEN")
        assert any("C07" in v["ids"] for v in broken["violations"])
        why = client.post(
            "/api/explain",
            json={"scenario": document, "schedule": schedule, "client_id": "C05", "time_limit": 10},
        )
        assert why.status_code == 200, why.text
        assert why.json()["client_id"] == "C05" and why.json()["scheduled"] is False
        assert "T01" in why.json()["summary"]  # T01's weekly limit (README)
        unknown = client.post(
            "/api/explain", json={"scenario": document, "schedule": schedule, "client_id": "C5"}
        )
        assert unknown.status_code == 422 and "unknown client 'C5'" in unknown.text


def test_place_offers_checked_options_and_refuses_bad_ids(server: Server) -> None:
    # tiny-evening-bottleneck README: C01-C04 in T01's two evening groups (4 of at most 4),
    # C07-C08 in T02's morning groups on two days; C05 and C06 unscheduled by T01's weekly
    # limit. A new intake N01 free all day (plan TWO-DAY: two days of two group slots) fits
    # only by joining C07 and C08's four morning groups: one option, moving nobody.
    # C05 fits nowhere, even moving others (T01's limit).
    document = scenario_document("tiny-evening-bottleneck")
    with server.client() as client:
        schedule = solved(client, document)
        intake = {**document, "clients": [*document["clients"], {"client_id": "N01",
                  "track": "SUD", "plan": "TWO-DAY"}]}  # fmt: skip
        answer = client.post(
            "/api/place", json={"scenario": intake, "schedule": schedule, "client_id": "N01"}
        )
        assert answer.status_code == 200, answer.text
        placed = answer.json()
        assert (placed["found"], placed["moves_others"], len(placed["options"])) == (
            True,
            False,
            1,
        )
        [option] = placed["options"]
        mornings = {r["day"] for r in schedule["assignments"] if r["client_id"] == "C07"}
        assert {d["day"] for d in option["days"]} == mornings
        assert {d["block"] for d in option["days"]} == {"AM"}
        assert [s["new"] for s in option["sessions"]] == [False] * 4
        # The edit applied to the week's rows is a week the checker accepts.
        edit = option["edit"]
        assert edit["assignments_removed"] == [] and edit["sessions_removed"] == []
        sizes = {r["session_id"]: r["size"] for r in edit["sessions_upserted"]}
        week = {
            "assignments": schedule["assignments"] + edit["assignments_added"],
            "sessions": [
                {**s, "size": sizes.get(s["session_id"], s["size"])} for s in schedule["sessions"]
            ],
            "unscheduled": schedule["unscheduled"],
        }
        checked = client.post("/api/check", json={"scenario": intake, "schedule": week}).json()
        assert checked["ok"], checked["violations"]
        assert_checked(intake, week)

        nowhere = client.post(
            "/api/place", json={"scenario": document, "schedule": schedule, "client_id": "C05"}
        ).json()
        assert (nowhere["found"], nowhere["options"]) == (False, [])
        assert "no option without moving others" in nowhere["message"]
        for client_id, says in [
            ("C01", "C01 is already scheduled"),
            ("C5", "unknown client 'C5' (did you mean 'C05'?)"),
        ]:
            refused = client.post(
                "/api/place",
                json={"scenario": document, "schedule": schedule, "client_id": client_id},
            )
            assert refused.status_code == 422, refused.text
            assert says in refused.json()["issues"][0]["problem"]


def test_downloads_of_a_solve_and_of_an_edited_week(server: Server) -> None:
    document = scenario_document("tiny-tracks-never-mix")
    with server.client() as client:
        solve_id = client.post("/api/solves", json={"scenario": document}).json()["id"]
        list(events(client, solve_id))
        schedule = client.get(f"/api/solves/{solve_id}/schedule").json()
        everything = client.get(f"/api/solves/{solve_id}/files/schedule.zip")
        csv = client.post(
            "/api/files/assignments.csv", json={"scenario": document, "schedule": schedule}
        )
        unknown = client.get(f"/api/solves/{solve_id}/files/passwd")
    assert everything.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(everything.content)).namelist())
    assert {
        "schedule/assignments.csv",
        "schedule/sessions.csv",
        "schedule/unscheduled.csv",
        "schedule/summary.json",
        "schedule/report.html",
        "schedule/schedule.xlsx",
        "schedule/calendars/T01.ics",
    } <= names
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    # README: the two MH clients C03, C04 in two groups of T01 = 4 assignment rows.
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("client_id,session_id") and len(lines) == 1 + 4
    assert unknown.status_code == 422


def test_access_log_carries_no_client_data(server: Server) -> None:
    # Requests full of client data: an upload with names and a file name in the query, a
    # solve, its events, a check and a download; then every line of the server's log.
    document = scenario_document("tiny-evening-bottleneck")
    with server.client() as client:
        client.post(
            "/api/scenarios/import?filename=westside.zip",
            content=_zip(_folder_files("westside-iop")),
        )
        client.post(
            "/api/scenarios/import?filename=week.zip",
            content=_zip({"scenario.yaml": "name: x\nclients: /etc/passwd\n"}),
        )
        solve_id = client.post("/api/solves", json={"scenario": document}).json()["id"]
        list(events(client, solve_id))
        schedule = client.get(f"/api/solves/{solve_id}/schedule").json()
        client.post("/api/check", json={"scenario": document, "schedule": schedule})
        client.post("/api/files/schedule.xlsx", json={"scenario": document, "schedule": schedule})
    time.sleep(0.5)  # the log line of the last request is written after its answer
    lines = [line for line in server.log().splitlines() if line.strip()]
    access = [line for line in lines if "optimizer.service.access" in line]
    assert len(access) >= 7
    pattern = re.compile(
        r"INFO optimizer\.service\.access: (GET|POST|DELETE) /[A-Za-z0-9_./\-]* \d{3} \d+ms"
    )
    for line in access:
        assert pattern.fullmatch(line), line
        assert "?" not in line and "filename" not in line
    jobs = re.compile(r"INFO optimizer\.service\.jobs: job [A-Za-z0-9_\-]{16}[ :].*")
    for line in lines:
        if "optimizer.service.jobs" in line:
            assert jobs.fullmatch(line), line
    text = server.log()
    # Names, uploaded file names (query strings) and the content of refused uploads.
    for secret in ("Maria G.", "James T.", "westside.zip", "week.xlsx", "/etc/passwd"):
        assert secret not in text


def test_token_is_required_beyond_loopback(tmp_path: Path) -> None:
    # Without a token a non-loopback bind refuses to start (it never listens).
    refused = start_server_expecting_exit(tmp_path / "refused.log", "0.0.0.0")
    assert refused.returncode == 2
    assert "no token is set" in refused.stderr
    short = start_server_expecting_exit(tmp_path / "short.log", "0.0.0.0", token="short")
    assert short.returncode == 2 and "has 5 characters" in short.stderr
    server = start_server(tmp_path / "token.log", host="0.0.0.0", env={"IOP_TOKEN": TOKEN})
    try:
        with server.client() as with_token, server.client(token="x" * 20) as wrong:
            anonymous = server.client(token="")
            anonymous.headers.pop("Authorization", None)
            assert anonymous.get("/api/health").status_code == 401
            assert anonymous.get("/openapi.json").status_code == 401
            assert anonymous.get("/api/health").headers["www-authenticate"] == "Bearer"
            assert wrong.get("/api/health").status_code == 401
            assert with_token.get("/api/health").status_code == 200
            # The page itself holds no data; it asks for the token and sends it.
            assert anonymous.get("/").status_code == 200
            anonymous.close()
    finally:
        server.stop()


def start_server_expecting_exit(
    log: Path, host: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "cli.py"), "serve", "--host", host]
    command += ["--port", str(free_port())] + (["--token", token] if token else [])
    env = {k: v for k, v in os.environ.items() if k != "IOP_TOKEN"}
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, check=False
    )


def _tree(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def test_eight_solves_at_once_all_finish_with_a_bounded_queue(tmp_path: Path) -> None:
    # Two solves run at once (one process each), eight may be accepted; the ninth is refused
    # while the eight are not finished. Memory grows with the running processes only.
    server = start_server(
        tmp_path / "eight.log", "--concurrent", "2", "--queue", "8", "--workers", "2"
    )
    document = scenario_document("westside-iop")
    samples: list[tuple[int, int]] = []
    done = threading.Event()

    def sample() -> None:
        root = psutil.Process(server.process.pid)
        while not done.is_set():
            tree = _tree(root)
            workers = _solve_workers(tree)
            rss = 0
            for p in tree:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            samples.append((len(workers), rss))
            time.sleep(0.2)

    try:
        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        with server.client() as client:
            ids = [
                client.post(
                    "/api/solves", json={"scenario": document, "time_limit": 3, "seed": seed}
                )
                for seed in range(8)
            ]
            assert [r.status_code for r in ids] == [202] * 8
            ninth = client.post("/api/solves", json={"scenario": document, "time_limit": 3})
            assert ninth.status_code == 429
            assert ninth.headers["retry-after"] == "10"
            finals = [
                [data for name, data in events(client, r.json()["id"]) if name == "end"][0]
                for r in ids
            ]
            assert [f["status"] for f in finals] == ["done"] * 8
            for answer in ids:
                data = client.get(f"/api/solves/{answer.json()['id']}/schedule").json()
                assert_checked(document, data)
    finally:
        done.set()
        server.stop()
    most_workers = max(w for w, _ in samples)
    peak_rss = max(r for _, r in samples)
    assert 1 <= most_workers <= 2, samples
    # Server, fork server and two solves (each under 0.5 GiB): far below 8 running at once.
    assert peak_rss < 2 * 2**30, f"{peak_rss / 2**20:.0f} MiB"
    print(f"peak processes solving {most_workers}, peak RSS {peak_rss / 2**20:.0f} MiB")


def _solve_workers(tree: list[psutil.Process]) -> list[psutil.Process]:
    """Worker processes: the children of the fork server (the server's forkserver child)."""
    workers = []
    for process in tree:
        try:
            if "forkserver" in " ".join(process.cmdline()):
                workers.extend(
                    p for p in process.children() if p.status() != psutil.STATUS_ZOMBIE
                )
        except psutil.Error:
            pass
    return workers


def test_previous_week_is_taken_and_changes_come_back(server: Server) -> None:
    document = scenario_document("tiny-evening-bottleneck")
    with server.client() as client:
        first = client.post("/api/solves", json={"scenario": document}).json()["id"]
        list(events(client, first))
        last_week = client.get(f"/api/solves/{first}/schedule").json()
        again = client.post("/api/solves", json={"scenario": document, "previous": last_week})
        assert again.status_code == 202
        list(events(client, again.json()["id"]))
        data = client.get(f"/api/solves/{again.json()['id']}/schedule").json()
    # The same week again: every continuing client keeps their days and blocks.
    assert data["changes"] == [] and data["summary"]["objective"] == 10
    assert_checked(document, data)


def test_an_internal_error_is_a_500_with_a_reference_and_no_data(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from optimizer.service import ServiceConfig, create_app
    from optimizer.service import app as service_app

    document = scenario_document("tiny-evening-bottleneck")

    def broken(*args: Any) -> None:
        client_id = document["clients"][6]["client_id"]  # C07
        raise RuntimeError(f"{client_id} of the SUD track")  # a message quoting client data

    monkeypatch.setattr(service_app, "check_schedule", broken)

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(ServiceConfig()))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(
                "/api/check",
                json={"scenario": document, "schedule": {"assignments": [], "sessions": []}},
            )

    answer = asyncio.run(post())
    assert answer.status_code == 500
    (issue,) = answer.json()["issues"]
    reference = re.fullmatch(r"internal error \(reference ([0-9a-f]{8})\)", issue["problem"])
    assert reference, issue
    assert "C07" not in answer.text and "Traceback" not in answer.text
    assert reference.group(1) in caplog.text and "RuntimeError" in caplog.text
    assert "C07" not in caplog.text
