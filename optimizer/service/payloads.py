"""The service's request and response bodies (SPEC §8), and their conversions.

Scenarios travel as the single-document form of SPEC §2 (tables inlined as lists of
records) and are validated by :meth:`optimizer.Scenario.from_data`, so a bad one gets the
same structured issues as the CLI prints. Schedules travel as ``{"assignments": [...],
"sessions": [...], "unscheduled": [...]}`` with the SPEC §5 columns.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from ..errors import Issue, ScenarioError
from ..io.schedule import SCHEDULE_COLUMNS, Schedule  # the one definition of the §5 columns
from ..scenario import Scenario
from ..weekly.placement import Move, PlacedSession  # the answer's own records

SCENARIO_MARK = "x-iop-scenario"
"""Marks where the OpenAPI document puts a reference to the Scenario schema."""
ScenarioDocument = Annotated[
    dict[str, Any], WithJsonSchema({"type": "object", SCENARIO_MARK: True})
]
"""A scenario as one document (SPEC §2), tables inlined as records; validated by
:func:`scenario_from_document` (not by the request model) so that its issues are the
library's own."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


def _row_model(name: str, file_name: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        column: ((int | None, None) if column == "size" else (str, ""))
        for column in SCHEDULE_COLUMNS[file_name]
    }
    return create_model(name, __base__=_Row, **fields)


AssignmentRow = _row_model("AssignmentRow", "assignments.csv")
SessionRow = _row_model("SessionRow", "sessions.csv")
UnscheduledRow = _row_model("UnscheduledRow", "unscheduled.csv")


class ScheduleTables(BaseModel):
    """A week's schedule: the rows of assignments.csv, sessions.csv and unscheduled.csv."""

    model_config = ConfigDict(extra="ignore")

    assignments: list[AssignmentRow] = Field(default_factory=list, max_length=200_000)  # type: ignore[valid-type]
    sessions: list[SessionRow] = Field(default_factory=list, max_length=100_000)  # type: ignore[valid-type]
    unscheduled: list[UnscheduledRow] = Field(default_factory=list, max_length=10_000)  # type: ignore[valid-type]


class IssueOut(BaseModel):
    where: str
    problem: str
    fix: str = ""


class IssuesOut(BaseModel):
    """Why a request was refused (422, 413, 429, ...): one entry per problem."""

    issues: list[IssueOut]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    features: dict[str, bool] = Field(
        description="Optional parts of this version, e.g. {'place': false}."
    )


class SolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioDocument
    time_limit: float | None = Field(
        default=None, gt=0, description="Seconds (default: the service's default, 60)."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    previous: ScheduleTables | None = Field(
        default=None, description="Last week's schedule: continuing clients keep their days."
    )


class SolveState(BaseModel):
    """Where a solve is; ``summary`` (the content of summary.json) once it has ended."""

    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Any] | None = None
    error: IssueOut | None = None
    has_schedule: bool = False


class ScheduleOut(ScheduleTables):
    summary: dict[str, Any] = Field(default_factory=dict)
    changes: list[dict[str, str]] | None = None


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioDocument
    schedule: ScheduleTables


class ViolationOut(BaseModel):
    rule: str
    ids: list[str]
    message: str
    severity: Literal["error", "warning"] = "error"


class CheckOut(BaseModel):
    ok: bool = Field(description="True when no rule is broken (warnings allowed).")
    verdict: str
    violations: list[ViolationOut]


class ExplainRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioDocument
    schedule: ScheduleTables | None = None
    client_id: str = Field(min_length=1, max_length=100)
    time_limit: float | None = Field(default=None, gt=0, description="Seconds (default 15).")


class PlaceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioDocument
    schedule: ScheduleTables
    client_id: str = Field(min_length=1, max_length=100)
    top: int = Field(default=5, ge=1, le=50)
    time_limit: float | None = Field(
        default=None,
        gt=0,
        description="Seconds for options that move other clients, searched only when no "
        "option leaves everyone in place (default 10).",
    )


class PlaceDayOut(BaseModel):
    day: str
    date: str
    block: str


class AssignmentRef(BaseModel):
    client_id: str
    session_id: str


class TableEditOut(BaseModel):
    """The option as an edit of the week's tables (apply it to your copy of the week)."""

    assignments_removed: list[AssignmentRef]
    assignments_added: list[dict[str, str]]
    sessions_removed: list[str]
    sessions_upserted: list[dict[str, str]] = Field(
        description="Rows that replace the row of the same session_id, or are added."
    )


class PlaceOptionOut(BaseModel):
    rank: int
    days: list[PlaceDayOut]
    sessions: list[PlacedSession]
    penalty: int = Field(
        description="Change of the weighted secondary objective (lower is better)."
    )
    terms: dict[str, int] = Field(description="Change of each secondary term.")
    moves: list[Move]
    checked: str
    edit: TableEditOut


class PlaceOut(BaseModel):
    """The options to fit one client into the week, best first (SPEC §7)."""

    client_id: str
    found: bool
    moves_others: bool = Field(description="The options move other clients (none moves nobody).")
    without_moving: Literal["found", "none", "unknown"] = Field(
        description="found: options move nobody; none: proven that no option moves nobody; "
        "unknown: none was found in time."
    )
    message: str
    options: list[PlaceOptionOut]
    seconds: float


class ExportRequest(BaseModel):
    """A schedule (possibly edited by hand) to turn into a downloadable file."""

    model_config = ConfigDict(extra="forbid")

    scenario: ScenarioDocument
    schedule: ScheduleTables
    summary: dict[str, Any] | None = Field(
        default=None, description="summary.json of the solve the schedule came from."
    )


class Submitted(BaseModel):
    id: str
    status: Literal["queued"]


# ---------------------------------------------------------------------------------------
# Conversions


def scenario_from_document(document: dict[str, Any]) -> Scenario:
    """Validate a scenario document; issues are located as ``scenario.clients[3].plan``."""
    if any(isinstance(document.get(table), str) for table in ("clients", "therapists", "rooms")):
        raise ScenarioError(
            [
                Issue(
                    "scenario",
                    "names table files; a request must inline its tables as lists of records",
                    "upload the folder as .zip to /api/scenarios/import, or inline the rows",
                )
            ]
        )
    try:
        return Scenario.from_data(document)
    except ScenarioError as exc:  # the library locates by key path: clients[3].plan
        raise ScenarioError(
            [Issue(f"scenario.{i.where}", i.problem, i.fix) for i in exc.issues]
        ) from None


def schedule_from_tables(tables: ScheduleTables) -> Schedule:
    """A :class:`optimizer.Schedule` (text cells) from request rows."""
    frames = {}
    for name, rows in (
        ("assignments.csv", tables.assignments),
        ("sessions.csv", tables.sessions),
        ("unscheduled.csv", tables.unscheduled),
    ):
        columns = SCHEDULE_COLUMNS[name]
        records = [
            {c: "" if getattr(row, c) is None else str(getattr(row, c)) for c in columns}
            for row in rows
        ]
        frames[name] = pd.DataFrame(records, columns=columns, dtype=str)
    return Schedule(
        assignments=frames["assignments.csv"],
        sessions=frames["sessions.csv"],
        unscheduled=frames["unscheduled.csv"],
    )


def _plain(value: Any) -> Any:
    """A JSON-ready cell: numpy numbers become Python numbers, missing values ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if hasattr(value, "item"):
        return value.item()
    return value


def frame_records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Rows of a data frame as JSON-ready records."""
    if frame is None:
        return []
    columns = list(frame.columns)
    return [
        {column: _plain(value) for column, value in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def issues_out(issues: list[Issue]) -> dict[str, Any]:
    """The 4xx body: ``{"issues": [{"where", "problem", "fix"}]}``."""
    return {"issues": [{"where": i.where, "problem": i.problem, "fix": i.fix} for i in issues]}
