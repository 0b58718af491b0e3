"""Cell types: what a spreadsheet cell or a YAML value of a scenario may hold, how it is
read (pydantic validators) and how it is written back (serializers, JSON Schema).

Windows, id lists, ids, days, dates, away dates, yes/no cells and blocks (slot lists that may be
virtual). The scenario's models (:mod:`optimizer.scenario`) are built from these types.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)

from .errors import did_you_mean
from .windows import (
    AWAY_FORMAT_HINT,
    DAY_NAMES,
    WINDOW_FORMAT_HINT,
    DateSpan,
    Interval,
    Window,
    day_index,
    format_date_spans,
    format_interval,
    format_windows,
    parse_interval,
    parse_windows,
)

MAX_ID_LENGTH = 100


def short_value(value: Any, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def blank_to_none(value: Any) -> Any:
    """None for an empty cell (None, NaN from a spreadsheet, blank text); text stripped."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _to_windows(value: Any) -> tuple[Window, ...]:
    value = blank_to_none(value)
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (list, tuple)) and len(v) == 3 for v in value):
            return tuple(sorted((int(d), int(s), int(e)) for d, s, e in value))
        value = "; ".join(str(v) for v in value)
    if not isinstance(value, str):
        raise ValueError(f"expected a window list text, got {value!r}")
    return parse_windows(value)


def _to_id_list(value: Any) -> tuple[str, ...]:
    value = blank_to_none(value)
    if value is None:
        return ()
    items = value if isinstance(value, (list, tuple)) else str(value).split(";")
    out = tuple(str(item).strip() for item in items if str(item).strip())
    return out


def _to_interval(value: Any) -> Interval:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return int(value[0]), int(value[1])
    if not isinstance(value, str):
        raise ValueError(f"expected a slot 'HH:MM-HH:MM', got {value!r}")
    return parse_interval(value)


def to_day(value: Any) -> str:
    """The canonical day name (``Mon``..``Sun``) of a day cell."""
    if not isinstance(value, str):
        raise ValueError(f"expected a day name (Mon..Sun), got {value!r}")
    return DAY_NAMES[day_index(value)]


def _to_id(value: Any) -> str:
    value = blank_to_none(value)
    if value is None:
        raise ValueError("an id may not be empty")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if ";" in text:
        raise ValueError(f"id '{text}' may not contain ';'")
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"an id of {len(text)} characters is too long (at most {MAX_ID_LENGTH})")
    return text


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def date_problem(value: Any) -> tuple[str, str]:
    """Why ``value`` is not an ISO date, as (problem, fix) for an :class:`Issue`.

    A value written as ``YYYY-MM-DD`` is told which part does not exist (``2026-02-30``:
    February 2026 has days 01 to 28), since telling its writer to use that format would
    send them looking for a mistake they did not make; anything else is asked for the format.
    """
    text = str(value).strip()
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        if year == 0:
            return f"'{text}' is not a date: there is no year 0000", "check the year"
        if not 1 <= month <= 12:
            return (
                f"'{text}' is not a date: there is no month {month:02d}",
                "check the month: it comes before the day and runs from 01 to 12",
            )
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            return (
                f"'{text}' is not a date: {calendar.month_name[month]} {year} has days 01 "
                f"to {last}",
                "check the day and the month",
            )
    return f"'{text}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-12-14"


class CellError(ValueError):
    """A cell that cannot be read, with the fix its issue shows (see
    :func:`optimizer.scenario.issues_from_validation_error`)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.fix = fix


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise CellError(*date_problem(text))


def _to_date_span(item: Any) -> DateSpan:
    """One ``away`` entry: a date, ``FIRST..LAST``, or a (first, last) pair."""
    if isinstance(item, (list, tuple)) and len(item) == 2:
        first, last = _iso_date(item[0]), _iso_date(item[1])
        text = f"{first}..{last}"
    elif isinstance(item, (dt.date, dt.datetime)):
        first = last = _iso_date(item)
        text = str(first)
    else:
        text = str(item).strip()
        head, dots, tail = text.partition("..")
        if dots and not (head.strip() and tail.strip()):
            end = "first" if not head.strip() else "last"
            raise CellError(f"the range '{text}' has no {end} date", AWAY_FORMAT_HINT)
        try:
            first = _iso_date(head)
            last = _iso_date(tail) if dots else first
        except CellError as exc:  # the date's own fix when it names the part that is wrong
            generic = exc.fix.startswith("write it as")
            raise CellError(str(exc), AWAY_FORMAT_HINT if generic else exc.fix) from None
    if last < first:
        raise CellError(
            f"the range '{text}' ends before it starts",
            f"write the earlier date first: '{last}..{first}'",
        )
    return first, last


def _to_away(value: Any) -> tuple[DateSpan, ...]:
    """``away`` dates: ISO dates or inclusive ranges ``FIRST..LAST`` separated by ``;``
    (or a list of them); empty = none."""
    value = blank_to_none(value)
    if value is None:
        return ()
    if isinstance(value, (dt.date, dt.datetime)):
        items: list[Any] = [value]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [part for part in str(value).split(";") if part.strip()]
    return tuple(sorted({_to_date_span(item) for item in items}))


Windows = Annotated[
    tuple[Window, ...],
    BeforeValidator(_to_windows),
    PlainSerializer(format_windows, return_type=str),
    WithJsonSchema({"type": "string", "description": WINDOW_FORMAT_HINT}),
]
IdList = Annotated[
    tuple[str, ...],
    BeforeValidator(_to_id_list),
    PlainSerializer(lambda ids: ";".join(ids), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "ids separated by ';' (or a list)",
        }
    ),
]
Id = Annotated[str, BeforeValidator(_to_id)]
OptionalText = Annotated[str | None, BeforeValidator(blank_to_none)]
OptionalId = Annotated[
    str | None, BeforeValidator(lambda v: None if blank_to_none(v) is None else _to_id(v))
]
OptionalDate = Annotated[dt.date | None, BeforeValidator(blank_to_none)]
AwayDates = Annotated[
    tuple[DateSpan, ...],
    BeforeValidator(_to_away),
    PlainSerializer(format_date_spans, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string", "format": "date"}},
            ],
            "description": "dates away: ISO dates or inclusive ranges "
            "'2026-12-16..2026-12-18' separated by ';' (or a list); dates outside the week "
            "are ignored",
        }
    ),
]
OptionalCount = Annotated[int | None, Field(ge=0), BeforeValidator(blank_to_none)]
SlotTime = Annotated[
    Interval,
    BeforeValidator(_to_interval),
    PlainSerializer(format_interval, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$"}),
]
DayName = Annotated[
    str,
    BeforeValidator(to_day),
    WithJsonSchema({"type": "string", "enum": list(DAY_NAMES)}),
]


YES_NO_HINT = "write yes or no (true/false and 1/0 are read too)"
_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0"}


def _to_yes_no(value: Any) -> bool:
    """A yes/no cell: yes/no, true/false or 1/0 in any case; empty means no."""
    value = blank_to_none(value)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"expected yes or no, got {short_value(value)}")


_YES_NO_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "boolean"},
        {"enum": [0, 1]},
        {
            "type": "string",
            # JSON Schema patterns have no case-insensitive flag: both cases per letter
            "pattern": r"^\s*([Yy][Ee][Ss]|[Nn][Oo]|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]"
            r"|[01])?\s*$",
        },
    ],
    "description": "yes or no (also true/false, 1/0, any case); empty means no",
}
YesNo = Annotated[bool, BeforeValidator(_to_yes_no), WithJsonSchema(_YES_NO_SCHEMA)]


class Block(tuple[Interval, ...]):
    """A block's slots in time order, each ``(start, end)`` in minutes after midnight.

    It is a tuple of slots, so code that only needs the clock times reads it as one;
    ``telehealth`` is True for a *virtual* block (held by video, SPEC §2): its sessions
    need no room, the commute does not apply, and only clients cleared for telehealth
    attend it.
    """

    telehealth: bool

    def __new__(cls, slots: Iterable[Interval] = (), telehealth: bool = False) -> Block:
        block = super().__new__(cls, tuple(slots))
        block.telehealth = bool(telehealth)
        return block

    def __getnewargs__(self) -> tuple[tuple[Interval, ...], bool]:  # type: ignore[override]
        return tuple(self), self.telehealth

    def __eq__(self, other: object) -> bool:
        return tuple.__eq__(self, other) and self.telehealth == getattr(other, "telehealth", False)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((tuple(self), self.telehealth))

    def __repr__(self) -> str:
        slots = tuple.__repr__(self)
        return f"Block({slots}, telehealth=True)" if self.telehealth else f"Block({slots})"


_BLOCK_KEYS = ("slots", "telehealth")


def _to_block(value: Any, handler: ValidatorFunctionWrapHandler) -> Block:
    """A block: a list of slots, or a mapping ``{slots: [...], telehealth: yes}``."""
    if isinstance(value, Block):
        return Block(handler(tuple(value)), value.telehealth)
    if isinstance(value, Mapping):
        unknown = [str(key) for key in value if key not in _BLOCK_KEYS]
        if unknown:
            raise ValueError(
                f"unknown key '{unknown[0]}'{did_you_mean(unknown[0], _BLOCK_KEYS)} in a block "
                "written as a mapping (it takes slots and telehealth)"
            )
        if "slots" not in value:
            raise ValueError("a block written as a mapping needs its slots")
        return Block(handler(value["slots"]), _to_yes_no(value.get("telehealth")))
    return Block(handler(value))


def _block_data(block: tuple[Interval, ...]) -> list[str] | dict[str, Any]:
    slots = [format_interval(slot) for slot in block]
    if getattr(block, "telehealth", False):
        return {"slots": slots, "telehealth": True}
    return slots


_SLOT_LIST_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$"},
}
BlockSlots = Annotated[
    tuple[SlotTime, ...],
    WrapValidator(_to_block),
    PlainSerializer(_block_data),
    WithJsonSchema(
        {
            "anyOf": [
                _SLOT_LIST_SCHEMA,
                {
                    "type": "object",
                    "properties": {"slots": _SLOT_LIST_SCHEMA, "telehealth": _YES_NO_SCHEMA},
                    "required": ["slots"],
                    "additionalProperties": False,
                },
            ],
            "description": "slots 'HH:MM-HH:MM' in time order; as a mapping with "
            "telehealth: yes, a virtual block (no room, no commute, telehealth clients only)",
        }
    ),
]
