"""The scenario of SPEC §2 as frozen pydantic models, with cross-reference validation.

Tables arrive as lists of records (from CSV files, YAML/JSON documents or Python objects);
each cell is read by its type of :mod:`optimizer.cells` (multi-valued cells such as
``skills`` or ``avoid`` may be ``;``-separated strings or lists; windows follow the grammar
of :mod:`optimizer.windows`). Every problem is collected and raised at once as a
:class:`~optimizer.errors.ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .cells import (
    YES_NO_HINT,
    AwayDates,
    BlockSlots,
    CellError,
    DayName,
    Id,
    IdList,
    OptionalCount,
    OptionalDate,
    OptionalId,
    OptionalText,
    Windows,
    YesNo,
    blank_to_none,
    date_problem,
    short_value,
    to_day,
)
from .errors import Issue, ScenarioError, did_you_mean
from .timezones import is_timezone
from .windows import (
    DAY_NAMES,
    WINDOW_FORMAT_HINT,
    Interval,
    day_index,
    days_in_program,
    format_interval,
)

# Sizes beyond these are typing accidents, not programs (and would exhaust memory).
MAX_CLIENTS = 5000
MAX_THERAPISTS = 500
MAX_ROOMS = 500
MAX_BLOCKS = 24
MAX_SLOTS_PER_BLOCK = 16
MIN_SLOT_MINUTES = 5

Path = tuple[str | int, ...]
Locator = Callable[[Path], str]


def key_path(path: Path) -> str:
    """Render a validation path as a YAML/JSON key path, e.g. ``clients[3].plan``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "scenario"


class _Validated(BaseModel):
    def updated(self, **changes: Any) -> Self:
        """A copy with some fields replaced (parsed values: model objects, tuples, windows
        as tuples), validated like the original; pydantic's ``model_copy(update=...)``
        would skip validation."""
        return self.model_validate({**dict(self), **changes})


class _Frozen(_Validated):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Row(_Validated):
    """A table row: unknown columns (notes, ...) are ignored, never stored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


# ---------------------------------------------------------------------------------------
# Scenario parts


class SessionType(_Frozen):
    """A kind of session: ``group`` (one therapist, min..max clients) or ``individual``."""

    kind: Literal["group", "individual"]
    min_size: int = Field(default=1, ge=1)
    max_size: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _sizes(self) -> SessionType:
        if self.kind == "group" and self.max_size is None:
            raise ValueError("a group session type needs max_size")
        if self.max_size is not None and self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is above max_size {self.max_size}")
        return self

    @property
    def is_group(self) -> bool:
        return self.kind == "group"


class Plan(_Frozen):
    """A level of care: days per week, weekly minimum (and maximum) sessions per type, and
    the hour minimums (per week and per attended day) that payers and levels of care set."""

    min_days: int = Field(ge=1, le=7)
    max_days: int = Field(ge=1, le=7)
    sessions: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)
    max_sessions: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)
    min_hours_per_week: float | None = Field(
        default=None,
        ge=0,
        le=7 * 24,
        allow_inf_nan=False,
        description="hours of sessions a client needs over the week (prorated with the plan "
        "for a partial week)",
    )
    min_hours_per_day: float | None = Field(
        default=None,
        ge=0,
        le=24,
        allow_inf_nan=False,
        description="hours of sessions a client needs on every attended day (never prorated)",
    )

    @model_validator(mode="after")
    def _days(self) -> Plan:
        if self.min_days > self.max_days:
            raise ValueError(f"min_days {self.min_days} is above max_days {self.max_days}")
        return self


class Rules(_Frozen):
    """Program-wide rules."""

    commute_minutes: int = Field(default=0, ge=0, le=24 * 60)
    continuing_first: YesNo = Field(
        default=True,
        description="with another schedule to keep (--previous), continuing clients who can "
        "still attend stay scheduled before any new client is served (SPEC §7 goal 1); "
        "false drops that goal",
    )


class Weights(_Frozen):
    """Weights of the secondary goals (SPEC §4); the primary goal always dominates them.

    Each is a penalty per unit of its term (see :mod:`optimizer.terms` for the exact
    definitions): a client-day outside the preferred block; an extra block a client uses
    beyond one; a group session that runs; a place short of a comfortable group size; an
    extra facilitator a client meets in one group type; an individual session with a
    therapist who leads none of the client's groups; the busiest therapist's load (percent
    of capacity); a continuing client's day whose block changed since last week. A weight of
    0 switches its term off (the model then builds nothing for it).
    """

    preferred_block: int = Field(default=3, ge=0, le=1000)
    same_block: int = Field(default=5, ge=0, le=1000)
    group_sessions: int = Field(default=1, ge=0, le=1000)
    small_groups: int = Field(default=2, ge=0, le=1000)
    group_continuity: int = Field(default=1, ge=0, le=1000)
    individual_by_group_leader: int = Field(default=1, ge=0, le=1000)
    therapist_load: int = Field(default=1, ge=0, le=1000)
    changes: int = Field(default=10, ge=0, le=1000)


class Client(_Row):
    """One client of the week (clients.csv). ``name`` is never logged or printed."""

    client_id: Id
    track: Id
    plan: Id
    available: Windows = ()
    busy: Windows = ()
    preferred_block: OptionalId = None
    primary_therapist: OptionalId = None
    admit_date: OptionalDate = None
    discharge_date: OptionalDate = None
    away: AwayDates = ()
    """Dates the client will not attend (court, medical, vacation); prorated like
    admission and discharge (SPEC §2)."""
    avoid: IdList = ()
    priority: int = Field(default=1, ge=1, le=1_000_000)
    language: OptionalText = None
    name: OptionalText = Field(default=None, repr=False)
    telehealth: YesNo = False
    """Cleared to attend virtual blocks (SPEC §2)."""

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        value = blank_to_none(value)
        return 1 if value is None else value


class Therapist(_Row):
    """One therapist (therapists.csv)."""

    therapist_id: Id
    skills: IdList
    available: Windows = ()
    busy: Windows = ()
    max_sessions_per_day: OptionalCount = None
    max_sessions_per_week: OptionalCount = None
    tracks: IdList = ()
    languages: IdList = ()
    away: AwayDates = ()
    """Dates the therapist does not work (leave, sick days): no session on them."""

    @property
    def spoken_languages(self) -> tuple[str, ...]:
        """Languages spoken; an empty ``languages`` cell means English only."""
        return tuple(lang.lower() for lang in self.languages) or ("en",)


class Room(_Row):
    """One room (rooms.csv)."""

    room_id: Id
    capacity: int = Field(ge=1, le=10_000)
    serves: IdList = ()
    available: Windows = ()


def _to_pin_kind(value: Any) -> Any:
    return value.strip().lower().replace("-", "_") if isinstance(value, str) else value


OptionalDay = Annotated[
    str | None,
    BeforeValidator(lambda v: None if blank_to_none(v) is None else to_day(blank_to_none(v))),
]


class Pin(_Row):
    """A promise the schedule must keep (pins.csv); see :mod:`optimizer.pins`.

    ``client_block``: the client attends ``block`` on ``day`` (either may be empty: every
    attended day in that block, or some block that day). ``client_session``: the client is in
    a ``session_type`` session at ``day``/``block``/``start`` (or 1-based ``slot``),
    optionally with ``therapist_id`` (and ``room_id`` for a group). ``group_session``: a group
    session of ``session_type`` (and ``track``) runs then, led by ``therapist_id`` and/or in
    ``room_id``.
    """

    kind: Annotated[
        Literal["client_block", "client_session", "group_session"],
        BeforeValidator(_to_pin_kind),
    ]
    client_id: OptionalId = None
    session_type: OptionalId = None
    track: OptionalId = None
    day: OptionalDay = None
    block: OptionalId = None
    start: OptionalText = None
    slot: Annotated[int | None, Field(ge=1), BeforeValidator(blank_to_none)] = None
    therapist_id: OptionalId = None
    room_id: OptionalId = None


# ---------------------------------------------------------------------------------------
# The scenario


class Scenario(_Frozen):
    """One week of one program (SPEC §2). Build it with :meth:`from_data` or a loader."""

    name: str = Field(min_length=1)
    week_start: dt.date
    days: tuple[DayName, ...] = Field(min_length=1)
    closed_dates: tuple[dt.date, ...] = ()
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the program's clock times, e.g. America/New_York; "
        "when absent, the zone of the computer writing the calendars",
    )
    blocks: dict[str, BlockSlots] = Field(min_length=1, max_length=MAX_BLOCKS)
    session_types: dict[str, SessionType] = Field(min_length=1)
    plans: dict[str, Plan] = Field(min_length=1)
    rules: Rules = Rules()
    weights: Weights = Weights()
    clients: tuple[Client, ...] = Field(max_length=MAX_CLIENTS)
    therapists: tuple[Therapist, ...] = Field(max_length=MAX_THERAPISTS)
    rooms: tuple[Room, ...] | None = Field(default=None, max_length=MAX_ROOMS)
    pins: tuple[Pin, ...] = Field(default=(), max_length=MAX_CLIENTS * 10)

    @field_validator("timezone", mode="before")
    @classmethod
    def _known_timezone(cls, value: Any) -> Any:
        # Calendars need real local times (report/calendar.py): reject unknown zones early.
        value = blank_to_none(value)
        if isinstance(value, str) and not is_timezone(value):
            raise ValueError(
                f"unknown time zone '{value}'; use an IANA name such as America/New_York"
            )
        return value

    @model_validator(mode="after")
    def _cross_references(self, info: ValidationInfo) -> Scenario:
        from .pins import pin_issues  # pins.py builds on this module

        issues = reference_issues(self)
        locate: Locator = (info.context or {}).get("locate", key_path)
        located = [Issue(locate(path), problem, fix) for path, problem, fix in issues]
        located += pin_issues(self, locate) if not issues else []
        if located:
            raise ScenarioError(located)
        return self

    # ---- construction ------------------------------------------------------------

    @classmethod
    def from_data(cls, data: Mapping[str, Any], locate: Locator | None = None) -> Scenario:
        """Validate a scenario given as plain data (tables as lists of records).

        Raises :class:`ScenarioError` listing every problem, each located by ``locate``
        (default: the key path, e.g. ``clients[3].plan``).
        """
        locate = locate or key_path
        try:
            return cls.model_validate(dict(data), context={"locate": locate})
        except ValidationError as exc:
            issues = issues_from_validation_error(exc, locate)
            issues += _reference_issues_of_parsed_rows(data, exc, locate)
            raise ScenarioError(issues) from None

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some top-level fields replaced (for variants)."""
        data = self.model_dump(mode="json", by_alias=True)
        data.update(
            {
                key: (value.model_dump(mode="json") if isinstance(value, BaseModel) else value)
                for key, value in changes.items()
            }
        )
        return Scenario.from_data(data)

    def updated(self, **changes: Any) -> Self:
        """A validated copy with some fields replaced by parsed values (model objects,
        tuples), e.g. a sub-week of some clients for a search stage; ScenarioError when
        the copy breaks a rule (located by key path). Cheaper than :meth:`replace`: the
        parts not replaced are not validated again."""
        try:
            return super().updated(**changes)
        except ValidationError as exc:
            raise ScenarioError(issues_from_validation_error(exc, key_path)) from None

    def with_weights(self, weights: Mapping[str, int] | None) -> Scenario:
        """The scenario with some secondary weights replaced by name (ScenarioError for an
        unknown name or a bad value)."""
        if not weights:
            return self
        known = list(Weights.model_fields)
        issues = [
            Issue(f"weight '{name}'", f"unknown objective term{did_you_mean(name, known)}",
                  f"use one of: {', '.join(known)}")
            for name in weights
            if name not in known
        ]  # fmt: skip
        if issues:
            raise ScenarioError(issues)
        try:
            merged = Weights(**{**self.weights.model_dump(), **weights})
        except ValidationError as exc:
            raise ScenarioError(
                issues_from_validation_error(exc, lambda p: f"weight {p[-1]}")
            ) from None
        return self.updated(weights=merged)

    def to_data(self) -> dict[str, Any]:
        """Plain data (JSON-ready) that :meth:`from_data` reads back to an equal scenario."""
        return self.model_dump(mode="json", exclude_none=True)

    # ---- calendar ------------------------------------------------------------------

    def date_of(self, day: str) -> dt.date:
        """Calendar date of an operating day name within this week."""
        return self.week_start + dt.timedelta(days=day_index(day))

    def open_days(self) -> tuple[str, ...]:
        """Operating days that are not closed, in week order."""
        closed = set(self.closed_dates)
        return tuple(
            day for day in sorted(set(self.days), key=day_index) if self.date_of(day) not in closed
        )

    def block_span(self, block: str) -> Interval:
        """Clock span of a block: first slot start to last slot end (minutes)."""
        slots = self.blocks[block]
        return slots[0][0], slots[-1][1]

    def is_virtual(self, block: str) -> bool:
        """True when ``block`` is held by video (``telehealth: true``): no room, no commute,
        telehealth clients only. False for a name that is not a block (a hand-edited
        schedule may carry one)."""
        return getattr(self.blocks.get(block), "telehealth", False)

    def block_minutes(self, block: str) -> int:
        """Session minutes of a client attending ``block`` on a day: a session in every slot
        (SPEC §3 rule 2), so the slots' lengths summed."""
        return sum(end - start for start, end in self.blocks[block])


# ---------------------------------------------------------------------------------------
# Validation helpers


def issues_from_validation_error(exc: ValidationError, locate: Locator) -> list[Issue]:
    """Turn pydantic's errors into located issues with a plain-language fix."""
    issues = []
    for err in exc.errors(include_url=False):
        path = tuple(part for part in err["loc"] if part not in _PYDANTIC_BRANCHES)
        message = err["msg"].removeprefix("Value error, ")
        kind = err["type"]
        value = err.get("input")
        fix = ""
        if kind == "missing":
            message = "is missing"
            fix = "add it"
        elif kind == "extra_forbidden":
            known = _known_keys(path[:-1])
            message = f"unknown key '{path[-1]}'{did_you_mean(str(path[-1]), known)}"
            fix = "remove it or correct its spelling" + (
                f" (known keys: {', '.join(known)})" if known else ""
            )
        elif kind.startswith(("date_", "datetime_")):
            message, fix = date_problem(value)
        elif kind.startswith(("int_", "greater_than", "less_than")):
            message = f"{message} (got {short_value(value)})" if value is not None else message
        elif kind == "too_short":
            message = "is empty" if not value else f"has only {len(value)} entries"
            fix = f"give at least {err.get('ctx', {}).get('min_length', 1)}"
        elif kind == "too_long":  # sizes beyond sense: typing accidents, not programs
            ctx = err.get("ctx", {})
            message = f"has {ctx.get('actual_length')} entries"
            fix = f"at most {ctx.get('max_length')} are accepted"
        elif kind in {"tuple_type", "list_type", "dict_type", "model_type"}:
            wanted = "a mapping" if kind in {"dict_type", "model_type"} else "a list"
            message = f"expected {wanted}, got {short_value(value)}"
            fix = "see the scenario example in the README"
        elif isinstance(err.get("ctx", {}).get("error"), CellError):
            fix = err["ctx"]["error"].fix
        elif message.startswith("expected yes or no"):
            fix = YES_NO_HINT
        elif path and path[0] == "blocks" and "mapping" in message:
            fix = "write a block as a list of slots, or as {slots: [...], telehealth: yes}"
        elif path and path[0] == "blocks":  # a slot, not a window: no day names here
            fix = "write each slot as 'HH:MM-HH:MM', e.g. '09:00-09:50'"
        elif "window" in message:
            fix = WINDOW_FORMAT_HINT
        issues.append(Issue(locate(path), message, fix))
    return issues


# pydantic puts union branch and validator names in ``loc``; they mean nothing to a user.
_PYDANTIC_BRANCHES = {"function-before[_to_windows(), tuple[tuple[int, int, int], ...]]"}


def _known_keys(path: Path) -> list[str]:
    models: dict[str, type[BaseModel]] = {
        "": Scenario,
        "rules": Rules,
        "weights": Weights,
    }
    key = ".".join(str(p) for p in path if isinstance(p, str))
    if path and path[0] == "session_types":
        return list(SessionType.model_fields)
    if path and path[0] == "plans":
        return list(Plan.model_fields)
    model = models.get(key)
    return list(model.model_fields) if model else []


_TABLE_IDS = {"clients": "client_id", "therapists": "therapist_id", "rooms": "room_id"}


def _reference_issues_of_parsed_rows(
    data: Mapping[str, Any], exc: ValidationError, locate: Locator
) -> list[Issue]:
    """Cross-reference problems among the table rows that parse, when some cells do not.

    pydantic skips the model validator once any field fails, so a malformed cell would hide
    an unknown plan in another row until the next run. Here the bad cells are left out (a
    required one gets a neutral stand-in), the rows keep their numbers, and the scenario is
    validated again for its references. When a program-level key (blocks, plans, ...) failed,
    references cannot be judged and nothing more is reported.
    """
    bad: dict[tuple[str, int], set[str]] = {}
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        if len(loc) < 2 or loc[0] not in _TABLE_IDS or not isinstance(loc[1], int):
            return []
        bad.setdefault((str(loc[0]), loc[1]), set()).add(str(loc[2]) if len(loc) > 2 else "")
    plans = data.get("plans")
    stand_ins: dict[str, Any] = {"track": "?", "skills": "", "capacity": 1}
    if isinstance(plans, Mapping) and plans:
        stand_ins["plan"] = next(iter(plans))
    clean = dict(data)
    origin: dict[str, list[int]] = {}
    for table, id_column in _TABLE_IDS.items():
        rows = data.get(table)
        if not isinstance(rows, (list, tuple)):
            continue
        kept: list[Any] = []
        origin[table] = []
        for idx, row in enumerate(rows):
            fields = bad.get((table, idx), set())
            if fields:
                if not isinstance(row, Mapping) or "" in fields or id_column in fields:
                    continue  # no usable id: other rows' references to it cannot be judged
                if "plan" in fields and "plan" not in stand_ins:
                    continue
                row = {k: v for k, v in row.items() if k not in fields}
                row.update({f: stand_ins[f] for f in fields if f in stand_ins})
            kept.append(row)
            origin[table].append(idx)
        clean[table] = kept

    def relocate(path: Path) -> str:
        if len(path) >= 2 and path[0] in origin and isinstance(path[1], int):
            path = (path[0], origin[str(path[0])][path[1]], *path[2:])
        return locate(path)

    try:
        Scenario.model_validate(clean, context={"locate": relocate})
    except ScenarioError as found:
        return found.issues
    except ValidationError:
        return []  # a stand-in did not fit: the cell problems reported are all we know
    return []


def _duplicates(ids: Sequence[str]) -> set[str]:
    return {item for item, count in Counter(ids).items() if count > 1}


Problems = list[tuple[Path, str, str]]
"""Problems found in a scenario, each as (path, problem, fix)."""


def reference_issues(scenario: Scenario) -> Problems:
    """Every cross-reference and consistency problem, as (path, problem, fix)."""
    return [
        *_week_issues(scenario),
        *_plan_issues(scenario),
        *_client_issues(scenario),
        *_type_reference_issues(scenario),
    ]


def _week_issues(s: Scenario) -> Problems:
    """The week's start, days and blocks."""
    out: Problems = []
    if s.week_start.weekday() != 0:
        out.append(
            (
                ("week_start",),
                f"{s.week_start} is a {DAY_NAMES[s.week_start.weekday()]}",
                "week_start must be a Monday",
            )
        )
    for day in _duplicates(list(s.days)):
        out.append((("days",), f"day {day} is listed twice", "list each day once"))

    for block, slots in s.blocks.items():
        if not block.strip() or ";" in block:
            out.append(
                (
                    ("blocks", block),
                    f"block name '{block}' is not usable",
                    "use a short name like AM",
                )
            )
        if not slots:
            out.append((("blocks", block), "has no slots", "list its slots, e.g. ['09:00-09:50']"))
        if len(slots) > MAX_SLOTS_PER_BLOCK:
            out.append(
                (("blocks", block), f"has {len(slots)} slots", f"at most {MAX_SLOTS_PER_BLOCK}")
            )
        for idx, (start, end) in enumerate(slots):
            if end - start < MIN_SLOT_MINUTES:
                out.append(
                    (
                        ("blocks", block, idx),
                        f"slot {format_interval((start, end))} lasts {end - start} minutes",
                        f"a slot lasts at least {MIN_SLOT_MINUTES} minutes",
                    )
                )
            if idx and start < slots[idx - 1][1]:
                out.append(
                    (
                        ("blocks", block, idx),
                        f"slot {format_interval((start, end))} starts before the previous "
                        f"slot {format_interval(slots[idx - 1])} ends",
                        "list slots in time order without overlap",
                    )
                )

    return out


def _plan_issues(s: Scenario) -> Problems:
    """Plans naming unknown types, maximums below minimums, weeks too short for a plan."""
    out: Problems = []
    types = s.session_types
    type_ids = list(types)
    max_slots = max((len(slots) for slots in s.blocks.values()), default=0)
    for plan_id, plan in s.plans.items():
        for field in ("sessions", "max_sessions"):
            for type_id in getattr(plan, field):
                if type_id not in types:
                    out.append(
                        (
                            ("plans", plan_id, field, type_id),
                            f"unknown session type '{type_id}'{did_you_mean(type_id, type_ids)}",
                            f"use one of: {', '.join(type_ids)}",
                        )
                    )
        for type_id, most in plan.max_sessions.items():
            least = plan.sessions.get(type_id, 0)
            if most < least:
                out.append(
                    (
                        ("plans", plan_id, "max_sessions", type_id),
                        f"maximum {most} is below the minimum {least}",
                        "raise max_sessions or lower sessions",
                    )
                )
        out.extend(_hour_issues(s, plan_id, plan))
        needed = sum(plan.sessions.values())
        if needed > plan.max_days * max_slots:
            out.append(
                (
                    ("plans", plan_id, "sessions"),
                    f"needs {needed} sessions a week but {plan.max_days} days of at most "
                    f"{max_slots} slots hold only {plan.max_days * max_slots}",
                    "lower the weekly minimums or raise max_days",
                )
            )

    return out


def _client_issues(s: Scenario) -> Problems:
    """Duplicate ids; clients' plans, blocks, therapists, avoid lists and dates."""
    out: Problems = []
    therapist_ids = [t.therapist_id for t in s.therapists]
    client_ids = [c.client_id for c in s.clients]
    for table, ids, key in (
        ("clients", client_ids, "client_id"),
        ("therapists", therapist_ids, "therapist_id"),
        ("rooms", [r.room_id for r in s.rooms or ()], "room_id"),
    ):
        dupes = _duplicates(ids)
        for idx, item in enumerate(ids):
            if item in dupes:
                out.append(
                    ((table, idx, key), f"duplicate id '{item}'", "give every row its own id")
                )

    known_clients = set(client_ids)
    for idx, client in enumerate(s.clients):
        if client.plan not in s.plans:
            out.append(
                (
                    ("clients", idx, "plan"),
                    f"unknown plan '{client.plan}'{did_you_mean(client.plan, s.plans)}",
                    f"use one of: {', '.join(s.plans)}",
                )
            )
        if client.preferred_block is not None and client.preferred_block not in s.blocks:
            out.append(
                (
                    ("clients", idx, "preferred_block"),
                    f"unknown block '{client.preferred_block}'"
                    f"{did_you_mean(client.preferred_block, s.blocks)}",
                    f"use one of: {', '.join(s.blocks)}",
                )
            )
        if client.primary_therapist is not None and client.primary_therapist not in therapist_ids:
            out.append(
                (
                    ("clients", idx, "primary_therapist"),
                    f"unknown therapist '{client.primary_therapist}'"
                    f"{did_you_mean(client.primary_therapist, therapist_ids)}",
                    "use a therapist_id of the therapists table",
                )
            )
        for other in client.avoid:
            if other == client.client_id:
                out.append(
                    (
                        ("clients", idx, "avoid"),
                        "a client cannot avoid themselves",
                        "remove their own id",
                    )
                )
            elif other not in known_clients:
                out.append(
                    (
                        ("clients", idx, "avoid"),
                        f"unknown client '{other}'{did_you_mean(other, client_ids)}",
                        "use client_ids of the clients table",
                    )
                )
        if (
            client.admit_date
            and client.discharge_date
            and client.admit_date > client.discharge_date
        ):
            out.append(
                (
                    ("clients", idx, "discharge_date"),
                    f"discharge {client.discharge_date} is before admission {client.admit_date}",
                    "swap or correct the dates",
                )
            )

    return out


def _type_reference_issues(s: Scenario) -> Problems:
    """Therapists' skills and rooms' types that name no session type."""
    out: Problems = []
    types = s.session_types
    type_ids = list(types)
    for idx, therapist in enumerate(s.therapists):
        for skill in therapist.skills:
            if skill not in types:
                out.append(
                    (
                        ("therapists", idx, "skills"),
                        f"unknown session type '{skill}'{did_you_mean(skill, type_ids)}",
                        f"use one of: {', '.join(type_ids)}",
                    )
                )
    for idx, room in enumerate(s.rooms or ()):
        for served in room.serves:
            if served not in types:
                out.append(
                    (
                        ("rooms", idx, "serves"),
                        f"unknown session type '{served}'{did_you_mean(served, type_ids)}",
                        f"use one of: {', '.join(type_ids)}",
                    )
                )
    return out


def _hour_issues(scenario: Scenario, plan_id: str, plan: Plan) -> list[tuple[Path, str, str]]:
    """A plan's hour minimums that no client could reach: a day longer than the longest
    block, or a week longer than ``max_days`` of it."""
    if not scenario.blocks or not all(scenario.blocks.values()):
        return []  # reported as a block problem
    longest = max(scenario.blocks, key=scenario.block_minutes)
    most = scenario.block_minutes(longest)
    per_day = hour_minutes(plan.min_hours_per_day)
    per_week = hour_minutes(plan.min_hours_per_week)
    block_text = (
        f"the longest block, {longest} ({len(scenario.blocks[longest])} slots), "
        f"gives {hours_text(most)}"
    )
    out: list[tuple[Path, str, str]] = []
    if per_day > most:
        out.append(
            (
                ("plans", plan_id, "min_hours_per_day"),
                f"plan {plan_id} needs {hours_text(per_day)} a day but {block_text}",
                "lower min_hours_per_day or lengthen a block",
            )
        )
    if per_week > plan.max_days * most:
        out.append(
            (
                ("plans", plan_id, "min_hours_per_week"),
                f"plan {plan_id} needs {hours_text(per_week)} a week but {block_text}, so "
                f"its max_days {plan.max_days} give at most {hours_text(plan.max_days * most)}",
                "lower min_hours_per_week, raise max_days or lengthen a block",
            )
        )
    return out


# ---------------------------------------------------------------------------------------
# Domain rules shared by every consumer of a scenario


class Requirement(BaseModel):
    """What a client's plan asks of them this week, after proration (SPEC §2)."""

    model_config = ConfigDict(frozen=True)

    min_days: int
    max_days: int
    min_sessions: dict[str, int]
    max_sessions: dict[str, int | None]
    """Per session type; ``None`` = no weekly maximum."""
    days_in_program: int
    min_minutes_per_week: int = 0
    """Session minutes the client needs over the week (the plan's ``min_hours_per_week``,
    prorated, rounded up to a whole minute); 0 = no minimum."""
    min_minutes_per_day: int = 0
    """Session minutes the client needs on every attended day (``min_hours_per_day``,
    never prorated); 0 = no minimum."""
    prorated: bool = False
    """True when the week is partial for the client (fewer days in the program than the
    plan's ``min_days``) and the plan was scaled down."""

    def days_for_hours(self, block_minutes: int) -> int:
        """Fewest days attending a block of ``block_minutes`` (session minutes a day) that
        reach the weekly hours and the plan's ``min_days``; may exceed ``max_days``."""
        if not self.min_minutes_per_week:
            return self.min_days
        if block_minutes <= 0:
            return self.max_days + 1
        return max(self.min_days, -(-self.min_minutes_per_week // block_minutes))


def hour_minutes(hours: float | None) -> Fraction:
    """Exact minutes of an hour figure written in a scenario (``7.5`` -> 450; None -> 0)."""
    return Fraction(str(hours)) * 60 if hours else Fraction(0)


def hours_text(minutes: float | Fraction) -> str:
    """Minutes as a coordinator reads hours: ``540`` -> ``9 h``, ``450`` -> ``7.5 h``,
    ``100`` -> ``1.67 h``."""
    return f"{float(minutes) / 60:.2f}".rstrip("0").rstrip(".") + " h"


def requirement(scenario: Scenario, client: Client) -> Requirement:
    """The client's weekly requirement: the plan, prorated for a partial week (SPEC §2).

    With ``d`` open days in the program below the plan's ``min_days``, the days become
    ``d``, each session minimum ``floor(m * d / min_days)`` and the weekly hours
    ``min_hours_per_week * d / min_days``; the daily hours are never prorated. Hours are
    returned as whole minutes, rounded up (a client's session minutes are whole).
    """
    plan = scenario.plans[client.plan]
    present = len(days_in_program(scenario, client))
    min_days, max_days = plan.min_days, plan.max_days
    minimums = {t: plan.sessions.get(t, 0) for t in scenario.session_types}
    week_minutes = hour_minutes(plan.min_hours_per_week)
    prorated = present < plan.min_days
    if prorated:
        minimums = {t: (m * present) // plan.min_days for t, m in minimums.items()}
        min_days = max_days = present
        week_minutes = week_minutes * present / plan.min_days
    maximums: dict[str, int | None] = {}
    for type_id, stype in scenario.session_types.items():
        if type_id in plan.max_sessions:
            maximums[type_id] = plan.max_sessions[type_id]
        elif stype.is_group:
            maximums[type_id] = None
        else:  # individual-kind types: exactly the minimum unless max_sessions allows more
            maximums[type_id] = minimums[type_id]
    return Requirement(
        min_days=min_days,
        max_days=max_days,
        min_sessions=minimums,
        max_sessions=maximums,
        days_in_program=present,
        min_minutes_per_week=math.ceil(week_minutes),
        min_minutes_per_day=math.ceil(hour_minutes(plan.min_hours_per_day)),
        prorated=prorated,
    )
