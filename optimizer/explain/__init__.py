"""Why a client is unscheduled, and what would let them in.

:func:`explain` tells one client's story in three steps:

1. **Static causes** (:mod:`optimizer.reasons`): what keeps the client out whatever the others
   do (not in the program, too few days, the primary therapist never available, ...).
2. **Dynamic causes**: a feasibility model with the client forced in, every client of the
   given schedule kept scheduled, single worker and no objective, where the relaxable
   constraint families are guarded by one enforcement literal per *named group* (a
   therapist's weekly cap, a therapist's daily cap on one day, a therapist's hours in one
   block of one day, group sizes of one track in one block and day, rooms, the client's own
   windows, "client X stays scheduled"). Assuming every literal gives an infeasible core;
   deleting literals while the rest stays infeasible shrinks it to a minimal set, which is
   phrased ("EVE SUD groups are full Mon-Thu; T03's week is at its limit (30 sessions)").
3. **Suggestions**: concrete scenario changes (the primary therapist works the client's
   block, the client could come one more block, a plan with fewer days, a higher cap, ...),
   each *verified* by building the changed scenario and solving it with the client forced in
   and the same clients kept scheduled.

Every solve is a single-worker feasibility check with a small time limit, so explaining a
client of a 60-client week takes seconds.

Layout: :mod:`.api` is the door (:func:`explain`); :mod:`.result` the returned data
(:class:`Explanation`, :class:`Suggestion`, :class:`Change`, JSON and text); :mod:`.cores`
the named-group model and its shrinking; :mod:`.causes` the causes in words;
:mod:`.suggestions` the changes and their verification; :mod:`.fits` the feasibility
checks (each solver a ``Role.CHECK`` solver of :func:`~optimizer.search.solver.make_solver`);
:mod:`.edits` building and applying scenario changes. Every tuning number is a field of
:class:`~optimizer.search.params.ExplainParams`, the ``explain`` section of
:class:`~optimizer.search.params.SearchParams`.
"""

from ..search.params import ExplainParams
from .api import DEFAULT_EXPLAIN_TIME, UnknownClientError, explain, week_schedule
from .edits import apply_changes
from .fits import fits
from .result import Change, Explanation, Suggestion

__all__ = [
    "DEFAULT_EXPLAIN_TIME",
    "Change",
    "ExplainParams",
    "Explanation",
    "Suggestion",
    "UnknownClientError",
    "apply_changes",
    "explain",
    "fits",
    "week_schedule",
]
