"""The weekly cycle (SPEC §7): last week's schedule, the goal order with continuing
clients, re-planning the rest of a week from a date, placing one client into a week.

- :mod:`.previous`: last week's schedule matched to this week (who continues, what they
  had) and ``changes.csv``;
- :mod:`.keep`: a first schedule that keeps continuing clients on (a subset of) last
  week's days and blocks;
- :mod:`.replan`: the sessions of a schedule before a date, kept exactly, and the model
  constraints that keep them;
- :mod:`.absences`: when that week cannot be completed, the clients who must miss days
  and the ``away`` dates that let it be completed (the input error);
- :mod:`.undo`: after a re-plan's search, the needless therapist, room and group changes
  taken back where the checker allows;
- :mod:`.goals`: the goal order (continuing clients, clients served, changes, the rest)
  as objectives of the week's model;
- :mod:`.place`: placing one client into a week's schedule::

    from optimizer.weekly import place
    placement = place(scenario, read_schedule("out/week-50"), "C041", top=5)
    placement.options[0].sessions     # the client's days, blocks and sessions
    placement.write("out/week-50-with-C041")
"""

from .absences import UnfinishableWeekError, with_absences
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
    "UnfinishableWeekError",
    "place",
    "with_absences",
]
