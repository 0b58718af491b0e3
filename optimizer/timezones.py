"""The program's time zone: the scenario's ``timezone:``, else the zone of this machine.

Calendars (``.ics``) carry wall-clock times with a ``TZID``, so a week needs a zone. A
scenario that names none gets the zone of the machine writing the outputs: a coordinator's
computer is almost always where the program is, whereas any fixed default (this package
used Los Angeles) is silently wrong for most programs. A machine whose zone has no IANA name
(none configured, as in a bare container) gives UTC. Whichever is used is named in the
printed summary, in ``summary.json`` (``timezone``, ``timezone_source``), on the report
page and in the workbook, so a wrong guess is seen before a calendar reaches a phone.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

import tzlocal

if TYPE_CHECKING:
    from .scenario import Scenario

logger = logging.getLogger(__name__)

FALLBACK_TIMEZONE = "UTC"
"""The zone used when the scenario names none and the machine's zone has no IANA name."""

TimezoneSource = Literal["scenario", "machine", "fallback"]


@dataclass(frozen=True)
class ProgramTimezone:
    """The IANA zone a week's outputs use, and where it came from."""

    name: str
    source: TimezoneSource

    def zone(self) -> ZoneInfo:
        """The zone itself, for date arithmetic (daylight-saving changes included)."""
        return ZoneInfo(self.name)

    def describe(self) -> str:
        """The zone as a coordinator reads it, with how it was chosen when not set by them."""
        hint = "add e.g. 'timezone: America/New_York' (an IANA name) to the scenario"
        if self.source == "scenario":
            return f"{self.name} (the scenario's timezone)"
        if self.source == "machine":
            return (
                f"{self.name}, this computer's time zone (the scenario sets none; {hint} "
                "if the program is elsewhere)"
            )
        return f"{self.name} (the scenario sets no time zone and this computer has none; {hint})"


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this Python knows (``America/New_York``)."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # unknown key, malformed key, a folder ("America")
        return False
    return True


def _known(name: str | None) -> str | None:
    return name if name and is_timezone(name) else None


def _from_tz_variable() -> str | None:
    """The zone named by the ``TZ`` environment variable (``Area/City``, ``:Area/City`` or a
    path into a zoneinfo folder), or None."""
    text = os.environ.get("TZ", "").strip().removeprefix(":")
    if os.path.isabs(text):
        real = os.path.realpath(text).replace(os.sep, "/")
        marker = "/zoneinfo/"
        text = real[real.rindex(marker) + len(marker) :] if marker in real else ""
    return _known(text)


def machine_timezone() -> str | None:
    """IANA name of this machine's time zone, or None when it has none (or none we can name).

    ``TZ`` comes first (read on every call, so a test or a service can set it); then the
    system's configuration through ``tzlocal`` (``/etc/localtime``, the Windows registry).
    """
    named = _from_tz_variable()
    if named:
        return named
    try:
        return _known(tzlocal.get_localzone_name())
    except Exception as exc:  # conflicting or unreadable system settings: not the user's input
        logger.debug("this machine's time zone cannot be named: %s", exc)
        return None


def program_timezone(scenario: Scenario) -> ProgramTimezone:
    """The zone of the scenario's week: its ``timezone``, else this machine's, else UTC."""
    if scenario.timezone:
        return ProgramTimezone(scenario.timezone, "scenario")
    machine = machine_timezone()
    if machine:
        return ProgramTimezone(machine, "machine")
    return ProgramTimezone(FALLBACK_TIMEZONE, "fallback")
