"""The HTTP service of SPEC §8 and the coordinator's page, as one FastAPI application.

Every request passes one guard (:class:`_Guard`): body size limit, host and origin checks,
the bearer token when one is set, security headers, and an access log line that carries
the method, the path without its query, the status and the time, never client data.
Errors reach clients as ``{"issues": [{"where", "problem", "fix"}]}``, never as a
traceback.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..check import check_schedule
from ..errors import Issue, OptimizerError
from ..scenario import Scenario
from ..version import __version__
from ..weekly.place import DEFAULT_TIME_LIMIT
from .config import ServiceConfig
from .files import DOWNLOADS, build_download, import_scenario
from .jobs import FINAL, JobManager, QueueFull, UnknownJob
from .payloads import (
    SCENARIO_MARK,
    CheckOut,
    CheckRequest,
    ExplainRequest,
    ExportRequest,
    Health,
    IssuesOut,
    PlaceOut,
    PlaceRequest,
    ScheduleOut,
    SolveRequest,
    SolveState,
    Submitted,
    issues_out,
    scenario_from_document,
    schedule_from_tables,
)

log = logging.getLogger(__name__)
access_log = logging.getLogger("optimizer.service.access")

STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
EVENT_POLL_SECONDS = 0.25
HEARTBEAT_SECONDS = 1.0
DEFAULT_EXPLAIN_SECONDS = 15.0
DEFAULT_PLACE_SECONDS = DEFAULT_TIME_LIMIT
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'none'",
    ),
]
PROTECTED_PREFIXES = ("/api/", "/openapi.json")
"""Paths that need the token when one is set; the page and its assets hold no data."""
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": IssuesOut, "description": text}
    for code, text in [
        (401, "Missing or wrong bearer token"),
        (413, "Request body too large"),
        (422, "Invalid input: each issue names the table, row and column or the key"),
        (429, "Queue full: try again later"),
    ]
}


def _issues_response(
    status: int, issues: list[Issue], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(issues_out(issues), status_code=status, headers=headers)


# ---------------------------------------------------------------------------------------
# The guard around every request


class _Guard:
    """Size limit, host/origin checks, bearer token, security headers, access log."""

    def __init__(self, app: ASGIApp, config: ServiceConfig) -> None:
        self.app = app
        self.config = config
        self.token = config.token.encode() if config.token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}
        path = scope.get("path", "")

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            refusal = self.refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_logged)
                return
            await self.app(scope, self.limited(receive), send_logged)
        except _BodyTooLarge:
            if not status_holder["started"]:
                await self.too_large()(scope, receive, send_logged)
        except Exception as exc:
            # Starlette re-raises after its error handler answered; anything else that gets
            # here answers 500 without a trace (the trace stays out of every log too: an
            # exception's message may quote client data).
            if not status_holder["started"]:
                log.error("internal error in %s: %s", path[:200], type(exc).__name__)
                await _issues_response(
                    500,
                    [Issue("server", "internal error", "try again; report it if it persists")],
                )(scope, receive, send_logged)
        finally:
            # Method, path (no query string: an uploaded file's name may be a client's),
            # status and time: ids of solves at most, never client data.
            access_log.info(
                "%s %s %d %.0fms",
                scope.get("method", "?"),
                path[:200],
                status_holder["status"],
                (time.perf_counter() - started) * 1000,
            )

    def too_large(self) -> JSONResponse:
        mib = self.config.max_body_bytes / 2**20
        return _issues_response(
            413,
            [Issue("request", f"the body is larger than {mib:g} MiB", "send a smaller scenario")],
        )

    def refusal(self, scope: Scope) -> JSONResponse | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if self.config.loopback and _host_name(host) not in ("localhost", "127.0.0.1", "::1"):
            # A loopback service answers only to loopback names: a web page that rebinds its
            # own domain name to 127.0.0.1 cannot read client data through the browser.
            return _issues_response(
                403, [Issue("Host", "is not a loopback name", "open http://127.0.0.1:PORT/")]
            )
        origin = headers.get("origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != host:
            return _issues_response(
                403, [Issue("Origin", "is another site", "use the service's own page")]
            )
        length = headers.get("content-length")
        if length is not None and (
            not length.isdigit() or int(length) > self.config.max_body_bytes
        ):
            return self.too_large()
        path = scope.get("path", "")
        if self.token is not None and path.startswith(PROTECTED_PREFIXES):
            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), self.token
            ):
                return _issues_response(
                    401,
                    [
                        Issue(
                            "Authorization",
                            "is missing or holds the wrong token",
                            "send 'Authorization: Bearer <token>' with the service's token",
                        )
                    ],
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return None

    def limited(self, receive: Receive) -> Receive:
        received = 0
        limit = self.config.max_body_bytes

        async def wrapped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        return wrapped


class _BodyTooLarge(Exception):
    pass


def _host_name(host: str) -> str:
    """The name part of a Host header (``127.0.0.1:8000`` -> ``127.0.0.1``, ``[::1]:80``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


# ---------------------------------------------------------------------------------------
# The application


def _static(name: str) -> bytes:
    return resources.files("optimizer.service").joinpath("static", name).read_bytes()


def _document_for_page(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a document without client names (the page shows ids only)."""
    data = scenario.to_data()
    for client in data.get("clients", []):
        client.pop("name", None)
    return data


def _scenario_facts(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "week_start": scenario.week_start.isoformat(),
        "clients": len(scenario.clients),
        "therapists": len(scenario.therapists),
        "rooms": None if scenario.rooms is None else len(scenario.rooms),
        "pins": len(scenario.pins),
    }


def create_app(config: ServiceConfig | None = None, manager: JobManager | None = None) -> FastAPI:
    """The service as an ASGI application (run it with :func:`optimizer.service.serve`)."""
    config = config or ServiceConfig()
    jobs = manager or JobManager(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The fork server starts (and imports the library) before the first request is
        # answered, so the first solve does not wait for it.
        await run_in_threadpool(jobs.warm_up)
        yield
        await run_in_threadpool(jobs.close)

    app = FastAPI(
        title="IOP optimizer",
        version=__version__,
        description=(
            "Weekly timetables for Intensive Outpatient Programs (SPEC §8). Solves run in "
            "worker processes; follow one with GET /api/solves/{id}/events. Invalid input "
            "gets 422 with structured issues."
        ),
        docs_url=None,  # the interactive docs load scripts from a CDN: not here
        redoc_url=None,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.jobs = jobs
    app.state.config = config
    _add_error_handlers(app)
    _add_page_routes(app, config)
    _add_solve_routes(app, config, jobs)
    _add_solve_follow_routes(app, jobs)
    _add_schedule_routes(app, config, jobs)
    _add_openapi(app)
    build_stack = app.build_middleware_stack

    def guarded_stack() -> ASGIApp:
        # The guard wraps even Starlette's own error middleware, so it sees every response
        # and every exception that middleware re-raises after answering.
        return _Guard(build_stack(), config)

    app.build_middleware_stack = guarded_stack  # type: ignore[method-assign]
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        issues = []
        for err in exc.errors()[:50]:
            if err.get("type") == "json_invalid":
                issues.append(Issue("body", "is not valid JSON", "send a JSON document"))
                continue
            where = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
            message = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
            issues.append(Issue(where or "body", message, "see /openapi.json for the format"))
        return _issues_response(422, issues)

    @app.exception_handler(OptimizerError)
    async def invalid_input(request: Request, exc: OptimizerError) -> JSONResponse:
        return _issues_response(422, exc.issues)

    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull) -> JSONResponse:
        return _issues_response(
            429,
            [Issue("queue", "is full", "wait for a running solve to finish, then try again")],
            headers={"Retry-After": "10"},
        )

    @app.exception_handler(UnknownJob)
    async def unknown_job(request: Request, exc: UnknownJob) -> JSONResponse:
        return _issues_response(
            404,
            [Issue("id", "no such solve (or its result expired)", "submit the solve again")],
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "refused"
        return _issues_response(
            exc.status_code,
            [Issue(request.url.path[:100], detail, "")],
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        reference = secrets.token_hex(4)
        # The server's log gets the type and the frames, not the message (it may quote data).
        log.error(
            "internal error %s in %s %s: %s\n%s",
            reference,
            request.method,
            request.url.path[:200],
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _issues_response(
            500,
            [
                Issue(
                    "server",
                    f"internal error (reference {reference})",
                    "try again; if it persists, report the reference to the maintainers",
                )
            ],
        )


def _add_page_routes(app: FastAPI, config: ServiceConfig) -> None:
    """The page, its static files, the health check and the scenario import."""

    @app.get("/", include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(_static("index.html"), headers={"cache-control": "no-cache"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            return _issues_response(404, [Issue(name[:100], "no such file", "")])
        return Response(
            _static(name), media_type=STATIC_FILES[name], headers={"cache-control": "no-cache"}
        )

    @app.get("/api/health", response_model=Health, tags=["service"])
    def health() -> dict[str, Any]:
        """Liveness, version and the optional parts this version has."""
        return {
            "status": "ok",
            "version": __version__,
            "features": {"place": True},
        }

    @app.post("/api/scenarios/import", tags=["scenarios"], openapi_extra=_BINARY_BODY)
    async def import_file(
        request: Request,
        filename: str = Query(
            min_length=1,
            max_length=255,
            description="The uploaded file's name; its suffix says the format "
            "(.zip folder, .yaml/.yml/.json document, .xlsx workbook).",
        ),
    ) -> dict[str, Any]:
        """Read an uploaded scenario file into a scenario document (client names left out).

        422 lists every problem, naming the file, sheet, row and column.
        """
        body = await request.body()
        scenario = await run_in_threadpool(import_scenario, body, filename, config)
        return {"scenario": _document_for_page(scenario), "facts": _scenario_facts(scenario)}


def _add_solve_routes(app: FastAPI, config: ServiceConfig, jobs: JobManager) -> None:
    """Solves: submitted, their state and their schedules."""

    @app.post("/api/solves", status_code=202, response_model=Submitted, tags=["solves"])
    def submit(body: SolveRequest) -> dict[str, Any]:
        """Queue a solve; 429 when the queue is full. Follow it with ``/events``."""
        time_limit = body.time_limit or config.default_time_limit
        if time_limit > config.max_time_limit:
            raise OptimizerError(
                [
                    Issue(
                        "time_limit",
                        f"{time_limit:g} s is above this service's limit",
                        f"give at most {config.max_time_limit:g} s",
                    )
                ]
            )
        scenario = scenario_from_document(body.scenario)
        payload = {
            "scenario": scenario.to_data(),
            "time_limit": time_limit,
            "seed": body.seed,
            "workers": config.solve_workers,
            "previous": body.previous.model_dump() if body.previous else None,
        }
        job = jobs.submit("solve", payload, scenario, time_limit)
        return {"id": job.id, "status": "queued"}

    @app.get("/api/solves/{solve_id}", response_model=SolveState, tags=["solves"])
    def state(solve_id: str) -> dict[str, Any]:
        """Status, progress and (once ended) the summary of a solve."""
        return jobs.get(solve_id).state()

    @app.get("/api/solves/{solve_id}/schedule", response_model=ScheduleOut, tags=["solves"])
    def schedule(solve_id: str) -> Any:
        """The schedule (SPEC §5 rows) and its summary; 409 while the solve runs."""
        job = jobs.get(solve_id)
        if job.status not in FINAL:
            return _issues_response(
                409,
                [Issue("solve", f"is {job.status}", "wait until its status is done")],
            )
        if not job.result or not job.result.get("has_schedule"):
            problem = job.error.problem if job.error else "has no schedule"
            return _issues_response(404, [Issue("solve", problem, "see its status for why")])
        result = job.result
        return JSONResponse(
            {
                key: result.get(key)
                for key in ("assignments", "sessions", "unscheduled", "summary", "changes")
            }
        )


def _add_solve_follow_routes(app: FastAPI, jobs: JobManager) -> None:
    """A solve followed (its events), stopped, and its files downloaded."""

    @app.get(
        "/api/solves/{solve_id}/events",
        tags=["solves"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "Event stream"}},
    )
    async def events(solve_id: str, request: Request) -> StreamingResponse:
        """Server-sent events: ``status`` on every change, ``progress`` while running (each
        improvement, and a heartbeat every second), then ``end`` with the final state."""
        job = jobs.get(solve_id)
        return StreamingResponse(
            _event_stream(job, request),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    @app.delete("/api/solves/{solve_id}", response_model=SolveState, tags=["solves"])
    def stop(solve_id: str) -> dict[str, Any]:
        """Stop a solve. A running one ends with its best schedule so far
        (``interrupted: true``, status ``cancelled``); a queued one never starts."""
        return jobs.stop(solve_id).state()

    @app.get(
        "/api/solves/{solve_id}/files/{name}",
        tags=["files"],
        response_class=Response,
        responses={200: {"content": {t: {} for t in set(DOWNLOADS.values())}}},
    )
    def solve_file(solve_id: str, name: Literal[tuple(DOWNLOADS)]) -> Response:  # type: ignore[valid-type]
        """One file of a solve's schedule folder (CSVs, summary.json, report.html,
        schedule.xlsx, calendars.zip, schedule.zip with all of them, scenario.xlsx)."""
        job = jobs.get(solve_id)
        if job.status not in FINAL or not job.result or not job.result.get("has_schedule"):
            return _issues_response(404, [Issue("solve", "has no schedule (yet)", "")])
        assert job.scenario is not None
        return _download(name, job.scenario, job.result, job.result.get("summary"))


def _add_schedule_routes(app: FastAPI, config: ServiceConfig, jobs: JobManager) -> None:
    """Work on a schedule given in the body: its files, the checker, explain and place."""

    @app.post(
        "/api/files/{name}",
        tags=["files"],
        response_class=Response,
        responses={200: {"content": {t: {} for t in set(DOWNLOADS.values())}}},
    )
    def export(name: Literal[tuple(DOWNLOADS)], body: ExportRequest) -> Response:  # type: ignore[valid-type]
        """A file of a schedule given in the body (e.g. one edited by hand on the page)."""
        scenario = scenario_from_document(body.scenario)
        tables = body.schedule.model_dump()
        return _download(name, scenario, tables, body.summary)

    @app.post("/api/check", response_model=CheckOut, tags=["check"])
    def check(body: CheckRequest) -> dict[str, Any]:
        """Every broken rule of SPEC §3 (the independent checker), with the ids involved."""
        scenario = scenario_from_document(body.scenario)
        violations = check_schedule(scenario, schedule_from_tables(body.schedule))
        errors = [v for v in violations if v.severity == "error"]
        rules = len({v.rule for v in errors})
        verdict = (
            f"BROKEN: {len(errors)} violation(s) of {rules} rule(s)"
            if errors
            else "OK: no rule is broken"
        )
        return {
            "ok": not errors,
            "verdict": verdict,
            "violations": [
                {"rule": v.rule, "ids": list(v.ids), "message": v.message, "severity": v.severity}
                for v in violations
            ],
        }

    @app.post("/api/explain", tags=["check"])
    def explain(body: ExplainRequest) -> Any:
        """Why a client is unscheduled, and verified changes that would let them in."""
        scenario = scenario_from_document(body.scenario)
        time_limit = min(body.time_limit or DEFAULT_EXPLAIN_SECONDS, config.max_explain_seconds)
        payload = {
            "scenario": scenario.to_data(),
            "schedule": body.schedule.model_dump() if body.schedule else None,
            "client_id": body.client_id,
            "time_limit": time_limit,
        }
        return _task_response(jobs, "explain", payload, time_limit)

    @app.post("/api/place", tags=["check"], response_model=PlaceOut)
    def place(body: PlaceRequest) -> Any:
        """Options to fit one client who is not scheduled into the week without changing
        anyone else's sessions, best first, each checked by the independent checker; when
        none exists, options that move the fewest other clients, naming whom and how
        (SPEC §7). 422 when the client is already scheduled or not in the scenario."""
        scenario = scenario_from_document(body.scenario)
        time_limit = min(body.time_limit or DEFAULT_PLACE_SECONDS, config.max_explain_seconds)
        payload = {
            "scenario": scenario.to_data(),
            "schedule": body.schedule.model_dump(),
            "client_id": body.client_id,
            "top": body.top,
            "time_limit": time_limit,
        }
        return _task_response(jobs, "place", payload, time_limit)


_BINARY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _download(
    name: str, scenario: Scenario, tables: dict[str, Any], summary: dict[str, Any] | None
) -> Response:
    try:
        content = build_download(name, scenario, tables, summary)
    except FileNotFoundError:
        return _issues_response(404, [Issue(name, "is not part of this schedule", "")])
    return Response(
        content,
        media_type=DOWNLOADS[name],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _task_response(jobs: JobManager, kind: str, payload: dict[str, Any], seconds: float) -> Any:
    job = jobs.run_task(kind, payload, seconds)
    if job.issues:
        return _issues_response(422, job.issues)
    if job.status != "done" or job.result is None:
        error = job.error or Issue(kind, "did not finish", "try again")
        return _issues_response(500 if error.where == "server" else 503, [error])
    return JSONResponse(job.result)


async def _event_stream(job: Any, request: Request) -> AsyncIterator[str]:
    def event(name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n"

    sent_version = -1
    sent_status = None
    sent_progress: dict[str, Any] | None = None
    last_beat = 0.0
    while True:
        if await request.is_disconnected():
            return
        state = job.state()
        now = time.monotonic()
        if job.version != sent_version:
            sent_version = job.version
            improvement = dict(job.progress)
            if improvement and improvement != sent_progress:
                sent_progress = improvement
                last_beat = now
                yield event("progress", state["progress"])
            if state["status"] != sent_status:
                sent_status = state["status"]
                yield event("status", {"id": job.id, "status": sent_status})
        if state["status"] in FINAL:
            yield event("end", state)
            return
        if state["status"] == "running" and now - last_beat >= HEARTBEAT_SECONDS:
            last_beat = now
            yield event("progress", state["progress"])
        await asyncio.sleep(EVENT_POLL_SECONDS)


def _add_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _, definitions = models_json_schema(
            [(Scenario, "validation")], ref_template="#/components/schemas/{model}"
        )
        _point_to_scenario(schema)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(definitions.get("$defs", {}))
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Needed when the service was started with a token "
                "(always on an address other than loopback).",
            }
        }
        schema["security"] = [{"bearer": []}, {}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _point_to_scenario(node: Any) -> None:
    """Replace every marked scenario field by a reference to the Scenario schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and value.get(SCENARIO_MARK):
                node[key] = {"$ref": "#/components/schemas/Scenario"}
            else:
                _point_to_scenario(value)
    elif isinstance(node, list):
        for item in node:
            _point_to_scenario(item)
