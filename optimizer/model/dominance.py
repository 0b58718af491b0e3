"""Dominance between clients: which client can always take another's place.

Client ``a`` *dominates* ``b`` when, in any schedule that serves ``b`` and not ``a``, giving
``b``'s sessions to ``a`` instead is again a valid schedule serving at least as much priority:
same track (so the same groups), a plan requirement that accepts any week ``b``'s accepts,
every (day, block) ``b`` can attend open to ``a`` too, every individual session ``b`` could
have open to ``a`` with at least the same therapists, at least ``b``'s priority, and nothing
else that sets them apart (no avoid pair, no pin, every other field equal). Clients with
identical options dominate each other; ties are broken by the order of the clients table.

Then some optimal schedule of the primary objective serves ``a`` whenever it serves ``b``
(take an optimal schedule with the most dominant clients; a violated pair could be swapped),
so ``scheduled[a] >= scheduled[b]`` may be added to the primary search. On over-subscribed
weeks this removes the choice of *which* of many interchangeable clients to drop (e.g. only
the first k of a class of identical evening clients can be served), which the search would
otherwise enumerate to prove its bound. The secondary goals (SPEC §4) can tell such clients
apart (preferred block, last week), so the constraints are for the primary phase only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..schedule import WeekSchedule
from .candidates import Candidates
from .cpmodel import IOPModel

MAY_DIFFER = frozenset(
    {
        "client_id",
        "name",
        "priority",
        # these act through the candidates only (attendable pairs, requirement, individual
        # options), which are compared directly:
        "available",
        "busy",
        "admit_date",
        "discharge_date",
        "primary_therapist",
        "language",
        # secondary goals only:
        "preferred_block",
    }
)
"""Client fields that may differ between a dominating and a dominated client; every other
field (present or future) must be equal, so that a rule the model adds later on another
field can never make a pair wrong."""


def dominance_pairs(candidates: Candidates) -> list[tuple[str, str]]:
    """Pairs ``(a, b)``: some optimal schedule (primary objective) serves ``a`` whenever it
    serves ``b``. A transitive reduction between classes of identical clients: a chain inside
    each class, and one pair per covering relation between classes."""
    scenario = candidates.scenario
    excluded = _excluded(candidates)
    individual: dict[str, dict[tuple[str, str, int, str], frozenset[str]]] = defaultdict(dict)
    for o in candidates.individuals:
        individual[o.client_id][(o.day, o.block, o.slot_idx, o.session_type)] = frozenset(
            o.therapists
        )
    signatures: dict[Any, list[str]] = defaultdict(list)
    options: dict[str, _Options] = {}
    for client in scenario.clients:
        cid = client.client_id
        if cid in excluded or not candidates.attendable[cid]:
            continue
        fixed = tuple(
            sorted((k, repr(v)) for k, v in client.model_dump().items() if k not in MAY_DIFFER)
        )
        mine = _Options(
            fixed,
            candidates.requirements[cid].model_dump_json(),
            frozenset(candidates.attendable[cid]),
            individual.get(cid, {}),
        )
        options[cid] = mine
        signatures[(mine.signature(), client.priority)].append(cid)
    classes = list(signatures.values())  # clients in table order inside each class
    priority = {c.client_id: c.priority for c in scenario.clients}
    pairs: list[tuple[str, str]] = []
    for members in classes:
        pairs.extend(zip(members, members[1:], strict=False))
    # between classes: A dominates B when A's options contain B's and A's priority is at
    # least B's; keep only covering pairs (no class C strictly between).
    above: dict[int, set[int]] = defaultdict(set)
    for i, a in enumerate(classes):
        for j, b in enumerate(classes):
            if (
                i != j
                and priority[a[0]] >= priority[b[0]]
                and options[a[0]].contains(options[b[0]])
            ):
                above[j].add(i)
    for j, dominators in above.items():
        for i in dominators:
            if any(i in above.get(k, ()) for k in dominators if k != i):
                continue  # i dominates some k that dominates j: implied
            pairs.append((classes[i][-1], classes[j][0]))
    return pairs


def add_dominance(iop: IOPModel, pairs: Iterable[tuple[str, str]]) -> list[int]:
    """Add ``scheduled[a] >= scheduled[b]`` for each pair; returns the constraints' indices
    (for :func:`remove_constraints` before the secondary phase)."""
    added = []
    for a, b in pairs:
        ct = iop.model.add_implication(iop.scheduled_vars[b], iop.scheduled_vars[a])
        added.append(ct.index)
    return added


def remove_constraints(iop: IOPModel, indices: Iterable[int]) -> None:
    """Empty the implications at ``indices`` (CP-SAT ignores an empty constraint)."""
    for index in indices:
        constraint = iop.model.proto.constraints[index]
        constraint.clear_bool_and()
        constraint.enforcement_literal.clear()


def respect_dominance(schedule: WeekSchedule, pairs: Iterable[tuple[str, str]]) -> WeekSchedule:
    """The schedule with clients swapped until every pair holds: while ``b`` is served and
    ``a`` is not, ``b``'s sessions become ``a``'s (valid by dominance, and never less
    priority)."""
    pairs = list(pairs)
    rename: dict[str, str] = {}
    served = schedule.client_ids()
    changed = True
    while changed:  # each swap serves a client earlier in a fixed order: it ends
        changed = False
        for a, b in pairs:
            if b in served and a not in served:
                rename = {old: (a if new == b else new) for old, new in rename.items()}
                rename.setdefault(b, a)
                served = (served - {b}) | {a}
                changed = True
    if not rename:
        return schedule
    return WeekSchedule(
        tuple(
            replace(s, clients=tuple(rename.get(cid, cid) for cid in s.clients))
            for s in schedule.sessions
        )
    )


@dataclass(frozen=True)
class _Options:
    """What the model lets one client do, compared as sets for dominance."""

    fixed: tuple[tuple[str, str], ...]
    """Every client field outside ``MAY_DIFFER``."""
    requirement: str
    pairs: frozenset[tuple[str, str]]
    """(day, block) pairs the client can attend."""
    individual: Mapping[tuple[str, str, int, str], frozenset[str]]
    """Per (day, block, slot, type), the therapists who can hold the client's session."""

    def signature(self) -> Any:
        return (self.fixed, self.requirement, self.pairs, frozenset(self.individual.items()))

    def contains(self, other: _Options) -> bool:
        """Can a client with these options take over any week of one with ``other``?"""
        if self.fixed != other.fixed or self.requirement != other.requirement:
            return False
        if not other.pairs <= self.pairs:
            return False
        return all(
            key in self.individual and therapists <= self.individual[key]
            for key, therapists in other.individual.items()
        )


def _excluded(candidates: Candidates) -> set[str]:
    """Clients that are never part of a pair: in an avoid pair (they get per-copy
    variables) or named by a pin."""
    scenario = candidates.scenario
    out = {c.client_id for c in scenario.clients if c.avoid}
    out |= {other for c in scenario.clients for other in c.avoid}
    out |= {pin.client_id for pin in scenario.pins if pin.client_id}
    return out
