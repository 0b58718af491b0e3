"""``calendars/``: one iCalendar file (RFC 5545) per therapist, and optionally per client.

Times are local to the program's zone (``scenario.timezone``, else the machine's; see
:mod:`optimizer.timezones`), written as a ``TZID`` with its ``VTIMEZONE``, so a phone shows
09:00 on a program day whatever the daylight-saving state. UIDs are derived from the
session id, the scenario name and the week, so importing a re-planned week updates the
events instead of duplicating them.

Privacy (SPEC §5): a therapist's calendar carries no client id, name or track; a client's
calendar (only with ``client_calendars``) carries their own sessions and no other client.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from ..errors import Issue, ScheduleReadError
from ..version import __version__
from .common import ReportData, minutes, records, type_label

PRODID = f"-//iop-optimizer//{__version__}//EN"
_UID_NAMESPACE = uuid.UUID("6b3f1f0e-6f1c-4f0a-9a53-4c2f3c1d2e7a")


def zone(data: ReportData) -> ZoneInfo:
    """The week's time zone (the scenario's, else this machine's: ``data.timezone``)."""
    return data.timezone.zone()


def local_time(date_text: str, clock: str, tz: ZoneInfo) -> dt.datetime:
    """Wall-clock time ``clock`` (``HH:MM``, ``24:00`` allowed) on an ISO date, in ``tz``.

    Raises ``ValueError`` when the date or the time cannot be read.
    """
    offset = minutes(clock)
    if not 0 <= offset <= 24 * 60:
        raise ValueError(f"'{clock}' is not a time HH:MM")
    midnight = dt.datetime.combine(dt.date.fromisoformat(date_text), dt.time(0), tzinfo=tz)
    return midnight + dt.timedelta(minutes=offset)  # wall-clock arithmetic


def event_uid(data: ReportData, session_id: str, owner: str) -> str:
    """Stable UID: the same session of the same program week gets the same UID on re-import.

    ``owner`` separates the therapist's event from each client's copy; it is hashed, so the
    UID itself names no one.
    """
    key = f"{data.scenario.name}|{data.scenario.week_start.isoformat()}|{session_id}|{owner}"
    return f"{uuid.uuid5(_UID_NAMESPACE, key)}@iop-optimizer"


def _calendar(data: ReportData, title: str, tz: ZoneInfo) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", tz.key)
    return cal


def _finish(cal: icalendar.Calendar, data: ReportData, path: Path) -> Path:
    week = data.scenario.week_start
    cal.add_missing_timezones(
        first_date=week - dt.timedelta(days=366), last_date=week + dt.timedelta(days=366)
    )
    path.write_bytes(cal.to_ical())
    return path


def _event(
    data: ReportData,
    row: dict[str, str],
    owner: str,
    description: str,
    tz: ZoneInfo,
    stamp: dt.datetime,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(data, row["session_id"], owner))
    event.add("dtstamp", stamp)
    # A later export of the same week must win over an earlier one on strict clients.
    event.add("sequence", int(stamp.timestamp()) // 60)  # minutes since 1970
    try:
        start = local_time(row["date"], row["start"], tz)
        end = local_time(row["date"], row["end"], tz)
    except ValueError as exc:  # a hand-edited folder: name the session, not a traceback
        raise ScheduleReadError(
            [Issue(f"session {row['session_id']}", f"cannot be dated ({exc})", "fix its row")]
        ) from None
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", type_label(row["session_type"]))
    if row["room_id"]:
        event.add("location", f"Room {row['room_id']}")
    elif data.scenario.is_virtual(row["block"]):  # a phone shows where to be: on video
        event.add("location", "Video (telehealth)")
    event.add("description", description)
    event.add("transp", "OPAQUE")
    return event


def therapist_calendar(
    data: ReportData, therapist_id: str, stamp: dt.datetime | None = None
) -> icalendar.Calendar:
    """The week of one therapist: session type, room, block and size; no client data."""
    tz = zone(data)
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    cal = _calendar(data, f"{data.scenario.name}: {therapist_id}", tz)
    sessions = data.sessions[data.sessions["therapist_id"] == therapist_id]
    for row in records(sessions):
        stype = data.scenario.session_types.get(row["session_type"])
        size = "" if stype is not None and not stype.is_group else f", {row['size']} clients"
        description = f"Session {row['session_id']}, {row['block']} block{size}"
        cal.add_component(_event(data, row, f"therapist:{therapist_id}", description, tz, stamp))
    return cal


def client_calendar(
    data: ReportData, client_id: str, stamp: dt.datetime | None = None
) -> icalendar.Calendar:
    """The week of one client: their own sessions with type, room and therapist."""
    tz = zone(data)
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    cal = _calendar(data, data.scenario.name, tz)
    rows = data.assignments[data.assignments["client_id"] == client_id]
    for row in records(rows):
        description = f"{row['block']} block, with {row['therapist_id']}"
        cal.add_component(_event(data, row, f"client:{client_id}", description, tz, stamp))
    return cal


def calendar_file_name(kind: str, identifier: str) -> str:
    """A safe file name for an id (ids may hold characters a file system refuses)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in identifier).strip(".")
    return f"{kind}{safe or 'unnamed'}.ics"


def write_calendars(data: ReportData, folder: Path, client_calendars: bool = False) -> list[Path]:
    """Write ``folder/<therapist_id>.ics`` for every therapist (empty week included) and,
    with ``client_calendars``, ``folder/client-<client_id>.ics`` per scheduled client."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    written = [
        _finish(
            therapist_calendar(data, therapist_id, stamp),
            data,
            folder / calendar_file_name("", therapist_id),
        )
        for therapist_id in data.therapist_ids()
    ]
    if client_calendars:
        for client_id in dict.fromkeys(sorted(data.assignments["client_id"])):
            cal = client_calendar(data, client_id, stamp)
            written.append(_finish(cal, data, folder / calendar_file_name("client-", client_id)))
    return written
