"""Why a client is unscheduled, in a coordinator's words: the static causes.

Static causes hold whatever the other clients do, so they are found from the scenario and the
candidates alone, before or after solving, in milliseconds: the client is not in the program
this week, cannot attend enough days (each lost day named with its reason), the primary
therapist or a therapist speaking the client's language never works while the client can
come, no qualified therapist or room exists, the cohort is too small for a group, the
``avoid`` list excludes every group, the plan's sessions do not fit the slots of the
client's days, the therapists' weekly and daily limits leave too few sessions, or a single
therapist in every block leaves no room for an individual session.

When none holds, :func:`unscheduled_reasons` asks the solver whether any schedule of the
week includes the client (:mod:`optimizer.search.exists`): only then does the reason say
capacity went to the other clients (which :mod:`optimizer.explain` details); otherwise it
says that no schedule can include the client, or that the check could not tell.
"""

from __future__ import annotations

import logging

from .causes_attendance import Cause, away_days, away_text, days_text, ids_text, pairs_text
from .causes_sessions import static_causes
from .model.candidates import Candidates
from .scenario import Client, Scenario
from .search.exists import Exists, ScheduleExists
from .search.params import SearchParams

# Cause, days_text, ids_text, away_text, away_days and static_causes are defined in the
# causes modules; they are named here too, where explain/ and apps have imported them from.
__all__ = [
    "Cause",
    "away_days",
    "away_text",
    "capacity_reason",
    "days_text",
    "ids_text",
    "impossible_reason",
    "static_causes",
    "static_reason",
    "undecided_reason",
    "unscheduled_reasons",
]

log = logging.getLogger(__name__)


def static_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str | None:
    """The static causes as one sentence, or None when there is none."""
    causes = static_causes(scenario, candidates, client)
    if not causes:
        return None
    return "; also ".join(c.message for c in causes[:2])


def capacity_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str:
    """The reason of a client whom some schedule of the week includes (checked: see
    :func:`unscheduled_reasons`), but not this one: others took the places."""
    pairs = candidates.attendable[client.client_id]
    resources = "groups, therapists and rooms" if scenario.rooms else "groups and therapists"
    return (
        f"not enough capacity this week: the client can attend {pairs_text(pairs)}, but the "
        f"{client.track} {resources} then went to the scheduled clients "
        "(the explain command names the limits and the changes that would fit them in)"
    )


def impossible_reason(scenario: Scenario, candidates: Candidates, client: Client) -> str:
    """The reason of a client whom no schedule of the week can include although no static
    cause names why (proven by the solver: the client's track alone, the client in)."""
    pairs = candidates.attendable[client.client_id]
    return (
        f"no schedule of this week can include the client, even with every other client left "
        f"out (checked by the solver): the client can attend {pairs_text(pairs)}, but plan "
        f"{client.plan} and the {client.track} sessions the therapists can hold then do not "
        "fit together (the explain command names the rules in conflict)"
    )


def undecided_reason(
    scenario: Scenario, candidates: Candidates, client: Client, checked: bool = True
) -> str:
    """The reason of a client for whom it is not known whether any schedule includes them
    (the check could not decide in its time, or, ``checked`` False, the solve was stopped
    before it): capacity or a rule that cannot be met, not said which."""
    pairs = candidates.attendable[client.client_id]
    why = (
        "the solver could not decide in the time of its check"
        if checked
        else "the solve was stopped before checking"
    )
    return (
        f"not scheduled: the client can attend {pairs_text(pairs)}, but {why} whether any "
        "schedule of this week can include the client, so this may be capacity or a rule "
        "that cannot be met (the explain command looks further)"
    )


def unscheduled_reasons(
    scenario: Scenario,
    candidates: Candidates,
    scheduled: set[str],
    params: SearchParams | None = None,
    *,
    check: bool = True,
) -> dict[str, str]:
    """A reason for every client not in ``scheduled``, in client order.

    A static cause when one holds; otherwise (with ``check``) the solver decides whether
    any schedule of the week includes the client (:class:`ScheduleExists`, within
    ``params``' deterministic limits, so the reasons are the same on every run): then the
    capacity sentence; when none does, that no schedule can (the rules conflict); when it
    cannot tell, so. Without ``check`` (a stopped solve) the sentence says it was not
    checked.
    """
    unscheduled = [c.client_id for c in scenario.clients if c.client_id not in scheduled]
    exists = ScheduleExists(scenario, params or SearchParams(), unscheduled) if check else None
    reasons = {}
    for client in scenario.clients:
        if client.client_id in scheduled:
            continue
        reason = static_reason(scenario, candidates, client)
        if reason is not None:
            pass
        elif exists is None:
            reason = undecided_reason(scenario, candidates, client, checked=False)
        else:
            write = {
                Exists.YES: capacity_reason,
                Exists.NO: impossible_reason,
                Exists.UNKNOWN: undecided_reason,
            }[exists.check(client.client_id)]
            reason = write(scenario, candidates, client)
        reasons[client.client_id] = reason
    if exists is not None and exists.spent:
        log.info("unscheduled reasons: checks used %.2f deterministic seconds", exists.spent)
    return reasons
