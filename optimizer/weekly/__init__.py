"""The weekly cycle (SPEC §7): placing one client into a week's schedule.

from optimizer.weekly import place
placement = place(scenario, read_schedule("out/week-50"), "C041", top=5)
placement.options[0].sessions     # the client's days, blocks and sessions
placement.write("out/week-50-with-C041")
"""

from .place import DEFAULT_TIME_LIMIT, DEFAULT_TOP, place
from .placement import Move, PlacedSession, PlaceInputError, Placement, PlaceOption, TableEdit

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_TOP",
    "Move",
    "PlaceInputError",
    "PlaceOption",
    "PlacedSession",
    "Placement",
    "TableEdit",
    "place",
]
