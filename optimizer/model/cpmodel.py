"""The CP-SAT model of SPEC §3 and §4, built from :class:`Candidates`.

Formulation (why it is shaped this way):

* Clients join a *group context* (day, block, slot, track, type), not a particular group:
  a context holds ``copies`` interchangeable group sessions whose sizes are integer
  variables, ordered by size to break the symmetry between copies. Only clients who appear
  in an ``avoid`` pair inside the context get explicit per-copy variables.
* Therapists lead a context (at most one group each, since a therapist is in one session at
  a time); which copy they lead is decided after solving, which is exact because copies of
  one context are identical for every therapist qualified for it.
* Rooms are assigned per copy (their capacity bounds the copy's size); individual sessions
  only need *some* free room serving the type, so they are counted per slot. Sessions of
  virtual (telehealth) blocks have no room.
* Hours (rule 10): a client's minutes on an attended day are those of the block, so the
  weekly minimum is one linear constraint on the attendance variables.
* Clock-time conflicts (therapist, room) are cliques of an interval graph: at every session
  start time, the sessions covering it may use a therapist or room at most once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ortools.sat.python import cp_model

from ..scenario import Requirement, Scenario
from ..terms import PreviousAttendance, comfortable_size, therapist_capacity
from ..windows import DAY_NAMES, day_index
from .candidates import Candidates, GroupContext, IndividualOption, room_class

ClientDayBlock = tuple[str, str, str]
GroupName = tuple[str, ...]
"""A named constraint group, e.g. ``("therapist-week", "T03")`` (see ``named_groups``)."""


@dataclass
class GroupVars:
    """Variables of one group context."""

    context: GroupContext
    join_vars: dict[str, cp_model.IntVar]
    run_vars: list[cp_model.IntVar]
    size_vars: list[cp_model.IntVar]
    lead_vars: dict[str, cp_model.IntVar]
    room_vars: list[dict[str, cp_model.IntVar]]
    member_vars: dict[str, list[cp_model.IntVar]] = field(default_factory=dict)
    """Per-copy membership of clients who have an ``avoid`` partner in this context."""


@dataclass
class IndividualVars:
    option: IndividualOption
    therapist_vars: dict[str, cp_model.IntVar]


T = TypeVar("T")


def instants(items: Iterable[tuple[int, int, T]]) -> Iterator[tuple[int, list[T]]]:
    """Each start minute among ``items`` (start, end, payload), with the payloads of the
    items running then (``start <= minute < end``): at any clock time the items running
    are those running at the latest start before it, so these are every clash there is."""
    items = list(items)
    for point in sorted({start for start, _end, _payload in items}):
        yield point, [payload for start, end, payload in items if start <= point < end]


def clock_block(scenario: Scenario, minute: int) -> str:
    """The block a named clock-time group at ``minute`` (a session start) is told in: the
    first block (in scenario order) with a slot starting then, else the first whose clock
    span holds it. Where blocks overlap (ADOL 17:30-18:20, EVE from 18:00), the sessions
    that clash at 18:00 are told as EVE's time, the block a client needing 18:00 is in."""
    for block, slots in scenario.blocks.items():
        if any(start == minute for start, _end in slots):
            return block
    for block in scenario.blocks:
        start, end = scenario.block_span(block)
        if start <= minute < end:
            return block
    return ""


class IOPModel:
    """A CP-SAT model of one week; ``primary`` and ``secondary`` are its objective terms."""

    def __init__(
        self,
        candidates: Candidates,
        named_groups: bool = False,
        previous: PreviousAttendance | None = None,
        alternatives: Mapping[str, Sequence[Requirement]] | None = None,
    ) -> None:
        """``named_groups``: add the relaxable families (therapist caps and clock time, group
        sizes, room capacity and clock time) only if an enforcement literal per named group
        is true (``group_literals``), so that assumptions on them give explainable cores.
        ``previous``: last week's attendance of continuing clients (the ``changes`` term).
        ``alternatives``: per client, other requirements (the plan prorated to fewer days):
        exactly one of the plan's and theirs holds, the one whose literal in
        ``plan_literals`` (the plan's first) is true (clients of a week under way who may
        miss some of its days: :mod:`optimizer.weekly.absences`)."""
        self.candidates = candidates
        self.named_groups = named_groups
        self.previous = previous
        self.alternatives: Mapping[str, Sequence[Requirement]] = alternatives or {}
        self.plan_literals: dict[str, list[cp_model.IntVar]] = {}
        self.group_literals: dict[GroupName, cp_model.IntVar] = {}
        self.scenario: Scenario = candidates.scenario
        self.model = cp_model.CpModel()
        self.scheduled_vars: dict[str, cp_model.IntVar] = {}
        self.attend_vars: dict[ClientDayBlock, cp_model.IntVar] = {}
        self.groups: list[GroupVars] = []
        self.individuals: list[IndividualVars] = []
        self.individual_room_vars: dict[tuple[str, str, int, str], dict[str, cp_model.IntVar]] = {}
        self.secondary_terms: dict[str, cp_model.LinearExprT] = {}
        self.copy_pins: dict[int, list[tuple[str | None, str | None, str | None]]] = {}
        """Per group index, pinned (client, therapist, room) ties honoured at extraction."""
        # Interchangeable rooms are counted per class (named by its first room); named
        # groups keep one variable per room, so that explanations name the room.
        members: dict[str, tuple[str, ...]] = (
            {r.room_id: (r.room_id,) for r in self.scenario.rooms or ()}
            if named_groups
            else candidates.room_members
        )
        self.room_members: dict[str, tuple[str, ...]] = members
        """Per room variable's id, the rooms it stands for (see ``Candidates.room_members``)."""
        self.room_rep = room_class(members)
        self._upper: dict[int, int] = {}
        """Upper bounds of the integer room counts (every other clock-time term is 0/1)."""

        self._add_client_variables()
        for cid, others in sorted(self.alternatives.items()):
            if self.candidates.attendable.get(cid):
                self.plan_literals[cid] = [
                    self.model.new_bool_var(f"plan[{cid},{index}]")
                    for index in range(1 + len(others))
                ]
                self.model.add_exactly_one(self.plan_literals[cid])
        self._add_group_variables()
        self._add_individual_variables()
        self._add_full_blocks()
        self._add_days_and_session_counts()
        self._add_hours()
        self._add_rooms()
        self._add_staff_limits()
        self._add_clock_conflicts()
        self.primary = cp_model.LinearExpr.weighted_sum(
            list(self.scheduled_vars.values()),
            [c.priority for c in self.scenario.clients],
        )
        self.secondary: cp_model.LinearExprT = 0
        """Weighted secondary penalty; built by :meth:`add_secondary_terms` (phase 2 only)."""

    def literal(self, name: GroupName) -> cp_model.IntVar:
        """The enforcement literal of a named constraint group (created on first use)."""
        if name not in self.group_literals:
            self.group_literals[name] = self.model.new_bool_var("group[" + ",".join(name) + "]")
        return self.group_literals[name]

    def _add_named(
        self, constraint: cp_model.BoundedLinearExpression | bool, name: GroupName
    ) -> None:
        ct = self.model.add(constraint)
        if self.named_groups:
            ct.only_enforce_if(self.literal(name))

    # ---- variables ------------------------------------------------------------------

    def _add_client_variables(self) -> None:
        m = self.model
        for client in self.scenario.clients:
            cid = client.client_id
            self.scheduled_vars[cid] = m.new_bool_var(f"scheduled[{cid}]")
            if not self.candidates.attendable[cid]:
                m.add(self.scheduled_vars[cid] == 0)
            for day, block in self.candidates.attendable[cid]:
                var = m.new_bool_var(f"attend[{cid},{day},{block}]")
                self.attend_vars[(cid, day, block)] = var
                m.add_implication(var, self.scheduled_vars[cid])

    def _add_group_variables(self) -> None:
        """Rule 5: group sizes, one track per context, avoid pairs never in one copy."""
        m = self.model
        avoid = {c.client_id: set(c.avoid) for c in self.scenario.clients}
        for c in self.scenario.clients:  # avoid is symmetric
            for other in c.avoid:
                avoid.setdefault(other, set()).add(c.client_id)
        for ctx in self.candidates.groups:
            name = f"{ctx.day},{ctx.block},{ctx.slot_idx},{ctx.track},{ctx.session_type}"
            stype = self.scenario.session_types[ctx.session_type]
            join = {cid: m.new_bool_var(f"join[{cid},{name}]") for cid in ctx.clients}
            runs = [m.new_bool_var(f"run[{name},{k}]") for k in range(ctx.copies)]
            # Named groups: a relaxed size limit lets a group grow to the whole context.
            top = max(ctx.max_size, len(ctx.clients)) if self.named_groups else ctx.max_size
            sizes = [m.new_int_var(0, top, f"size[{name},{k}]") for k in range(ctx.copies)]
            leads = {t: m.new_bool_var(f"lead[{t},{name}]") for t in ctx.therapists}
            reps = dict.fromkeys(self.room_rep[r] for r in ctx.rooms)
            rooms = [
                {r: m.new_bool_var(f"room[{r},{name},{k}]") for r in reps}
                for k in range(ctx.copies)
            ]
            gv = GroupVars(ctx, join, runs, sizes, leads, rooms)
            members = set(ctx.clients)
            avoiders = sorted(cid for cid in ctx.clients if avoid.get(cid, set()) & members)
            for cid in avoiders:
                gv.member_vars[cid] = [
                    m.new_bool_var(f"member[{cid},{name},{k}]") for k in range(ctx.copies)
                ]
            m.add(sum(leads.values()) == sum(runs))
            m.add(sum(sizes) == sum(join.values()))
            # Anyone joining means the first copy runs: redundant for the integer model, but
            # it lets the LP relaxation see that every group needs a whole therapist.
            for var in join.values():
                m.add(runs[0] >= var)
            for k in range(ctx.copies):
                m.add(sizes[k] >= stype.min_size * runs[k])
                m.add(sizes[k] <= top * runs[k])
                if self.named_groups and top > ctx.max_size:
                    self._add_named(
                        sizes[k] <= ctx.max_size, ("group-size", ctx.track, ctx.day, ctx.block)
                    )
                if k:
                    m.add(runs[k - 1] >= runs[k])
                    m.add(sizes[k - 1] >= sizes[k])
            if avoiders:
                for cid in avoiders:
                    m.add(sum(gv.member_vars[cid]) == join[cid])
                for k in range(ctx.copies):
                    m.add(sizes[k] >= sum(gv.member_vars[cid][k] for cid in avoiders))
                    for cid in avoiders:
                        for other in sorted(avoid[cid] & set(avoiders)):
                            if cid < other:
                                m.add_bool_or(
                                    [gv.member_vars[cid][k].Not(), gv.member_vars[other][k].Not()]
                                )
            self.groups.append(gv)

    def _add_individual_variables(self) -> None:
        m = self.model
        for opt in self.candidates.individuals:
            name = f"{opt.client_id},{opt.day},{opt.block},{opt.slot_idx},{opt.session_type}"
            self.individuals.append(
                IndividualVars(
                    opt, {t: m.new_bool_var(f"indiv[{name},{t}]") for t in opt.therapists}
                )
            )
        if self.scenario.rooms is None:
            return
        used_keys = {
            (o.day, o.block, o.slot_idx, o.session_type)
            for o in self.candidates.individuals
            if not self.scenario.is_virtual(o.block)
        }
        for key in sorted(used_keys, key=lambda k: (day_index(k[0]), k[1], k[2], k[3])):
            reps = dict.fromkeys(self.room_rep[r] for r in self.candidates.individual_rooms[key])
            self.individual_room_vars[key] = {
                r: m.new_int_var(0, len(self.room_members[r]), f"iroom[{r},{key}]") for r in reps
            }
            for r, var in self.individual_room_vars[key].items():
                self._upper[var.index] = len(self.room_members[r])

    # ---- client rules (SPEC §3 rules 1-4) ------------------------------------------------

    def _client_slot_terms(self) -> dict[tuple[str, str, str, int], list[cp_model.IntVar]]:
        terms: dict[tuple[str, str, str, int], list[cp_model.IntVar]] = defaultdict(list)
        for gv in self.groups:
            ctx = gv.context
            for cid, var in gv.join_vars.items():
                terms[(cid, ctx.day, ctx.block, ctx.slot_idx)].append(var)
        for iv in self.individuals:
            o = iv.option
            terms[(o.client_id, o.day, o.block, o.slot_idx)].extend(iv.therapist_vars.values())
        return terms

    def _add_full_blocks(self) -> None:
        """Rule 2: exactly one session in every slot of an attended block, none elsewhere."""
        terms = self._client_slot_terms()
        for (cid, day, block), attend in self.attend_vars.items():
            for slot_idx in range(len(self.scenario.blocks[block])):
                self.model.add(sum(terms.get((cid, day, block, slot_idx), [])) == attend)

    def _add_days_and_session_counts(self) -> None:
        """Rules 1-3: one block a day, min..max days, weekly minimum/maximum per type."""
        m = self.model
        by_client_day: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        by_client: dict[str, list[cp_model.LinearExprT]] = defaultdict(list)
        for (cid, day, _block), var in self.attend_vars.items():
            by_client_day[(cid, day)].append(var)
        for (cid, _day), vars_ in by_client_day.items():
            if len(vars_) > 1:
                m.add_at_most_one(vars_)
            by_client[cid].append(sum(vars_))
        type_count: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for gv in self.groups:
            for cid, var in gv.join_vars.items():
                type_count[(cid, gv.context.session_type)].append(var)
        for iv in self.individuals:
            type_count[(iv.option.client_id, iv.option.session_type)].extend(
                iv.therapist_vars.values()
            )
        for client in self.scenario.clients:
            cid = client.client_id
            if not self.candidates.attendable[cid]:
                continue
            scheduled = self.scheduled_vars[cid]
            days = cp_model.LinearExpr.sum(by_client[cid])
            for index, req in enumerate(self._requirements(cid)):
                rules = [days >= req.min_days * scheduled, days <= req.max_days * scheduled]
                for type_id in self.scenario.session_types:
                    count = cp_model.LinearExpr.sum(type_count.get((cid, type_id), []))
                    least, most = req.min_sessions[type_id], req.max_sessions[type_id]
                    if least:
                        rules.append(count >= least * scheduled)
                    if most is not None:
                        rules.append(count <= most * scheduled)
                for rule in rules:
                    self._add_for_plan(rule, cid, index)

    def _requirements(self, cid: str) -> list[Requirement]:
        """The client's plan this week, then its ``alternatives``."""
        return [self.candidates.requirements[cid], *self.alternatives.get(cid, ())]

    def _add_for_plan(
        self, rule: cp_model.BoundedLinearExpression | bool, cid: str, index: int
    ) -> None:
        """``rule`` of requirement ``index`` of the client (0: the plan's); with
        ``alternatives``, held only if that requirement's literal is true."""
        ct = self.model.add(rule)
        if cid in self.plan_literals:
            ct.only_enforce_if(self.plan_literals[cid][index])

    def _add_hours(self) -> None:
        """Rule 10: a scheduled client's session minutes reach the plan's weekly minimum.

        A client attending a block has a session in every slot of it (rule 2), so their
        minutes on a day are the block's: the weekly sum is linear in the attendance
        variables. The daily minimum needs no constraint: the candidates keep only blocks
        that give it (:func:`~optimizer.model.candidates.attendable`).
        """
        minutes: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (cid, _day, block), var in self.attend_vars.items():
            minutes[cid].append((self.scenario.block_minutes(block), var))
        for cid, terms in minutes.items():
            total = cp_model.LinearExpr.weighted_sum(
                [var for _, var in terms], [length for length, _ in terms]
            )
            for index, req in enumerate(self._requirements(cid)):
                if req.min_minutes_per_week:
                    rule = total >= req.min_minutes_per_week * self.scheduled_vars[cid]
                    self._add_for_plan(rule, cid, index)

    # ---- sessions (SPEC §3 rules 5-8) ----------------------------------------------------

    def _add_rooms(self) -> None:
        """Rule 8: every running session has one room that serves it and holds its size."""
        if self.scenario.rooms is None:
            return
        m = self.model
        capacity = {r.room_id: r.capacity for r in self.scenario.rooms}
        for gv in self.groups:
            if self.scenario.is_virtual(gv.context.block):
                continue  # held by video: no room
            for k, rooms in enumerate(gv.room_vars):
                m.add(sum(rooms.values()) == gv.run_vars[k])
                self._add_named(
                    gv.size_vars[k] <= sum(capacity[r] * var for r, var in rooms.items()),
                    ("room-capacity", gv.context.day, gv.context.block),
                )
        per_key: dict[tuple[str, str, int, str], list[cp_model.IntVar]] = defaultdict(list)
        for iv in self.individuals:
            o = iv.option
            per_key[(o.day, o.block, o.slot_idx, o.session_type)].extend(iv.therapist_vars.values())
        for key, rooms in self.individual_room_vars.items():
            m.add(sum(rooms.values()) == sum(per_key[key]))

    def therapist_events(self) -> dict[str, list[tuple[str, int, int, cp_model.IntVar]]]:
        """Per therapist, every session variable that would take them: (day, start, end,
        variable) of each group lead and individual session."""
        events: dict[str, list[tuple[str, int, int, cp_model.IntVar]]] = defaultdict(list)
        for gv in self.groups:
            ctx = gv.context
            for t, var in gv.lead_vars.items():
                events[t].append((ctx.day, ctx.start, ctx.end, var))
        for iv in self.individuals:
            o = iv.option
            for t, var in iv.therapist_vars.items():
                events[t].append((o.day, o.start, o.end, var))
        return events

    def _room_events(self) -> dict[str, list[tuple[str, int, int, cp_model.IntVar]]]:
        events: dict[str, list[tuple[str, int, int, cp_model.IntVar]]] = defaultdict(list)
        for gv in self.groups:
            ctx = gv.context
            for rooms in gv.room_vars:
                for r, var in rooms.items():
                    events[r].append((ctx.day, ctx.start, ctx.end, var))
        for (day, block, slot_idx, _type), rooms in self.individual_room_vars.items():
            start, end = self.scenario.blocks[block][slot_idx]
            for r, var in rooms.items():
                events[r].append((day, start, end, var))
        return events

    def _add_staff_limits(self) -> None:
        """Rule 7: therapist daily and weekly session caps (what is left of them)."""
        events = self.therapist_events()
        for therapist in self.scenario.therapists:
            tid = therapist.therapist_id
            mine = events.get(tid, [])
            week_cap = self.candidates.week_cap.get(tid)
            if week_cap is not None and len(mine) > week_cap:
                self._add_named(sum(var for *_, var in mine) <= week_cap, ("therapist-week", tid))
            per_day: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for day, _s, _e, var in mine:
                per_day[day].append(var)
            for day, vars_ in per_day.items():
                day_cap = self.candidates.day_cap.get((tid, day))
                if day_cap is not None and len(vars_) > day_cap:
                    self._add_named(sum(vars_) <= day_cap, ("therapist-day", tid, day))

    def _add_clock_conflicts(self) -> None:
        """Rules 7-8: a therapist or room is in at most one session at any clock time."""
        for kind, events in (
            ("therapist-time", self.therapist_events()),
            ("room-time", self._room_events()),
        ):
            for owner, mine in sorted(events.items()):
                by_day: dict[str, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
                for day, start, end, var in mine:
                    by_day[day].append((start, end, var))
                # A class of interchangeable rooms holds as many sessions as it has rooms.
                limit = len(self.room_members[owner]) if kind == "room-time" else 1
                for day, items in by_day.items():
                    for point, covering in instants(items):
                        if sum(self._upper.get(var.index, 1) for var in covering) <= limit:
                            continue
                        if self.named_groups:
                            name = (kind, owner, day, clock_block(self.scenario, point))
                            self._add_named(sum(covering) <= limit, name)
                        elif limit == 1:
                            self.model.add_at_most_one(covering)
                        else:
                            self.model.add(sum(covering) <= limit)

    # ---- objective ----------------------------------------------------------------------

    def add_secondary_terms(self) -> None:
        """SPEC §4 secondary goals as penalties (lower is better), weighted by ``weights``.

        Each term (defined in :mod:`optimizer.terms`) is built only when its weight is
        positive, so switched-off goals cost the search nothing; and only when asked for
        (phase 2), so the primary search (phase 1) carries none of their variables.
        """
        if self.secondary_terms:
            return
        weights = self.scenario.weights
        for name, build in self._term_builders().items():
            if getattr(weights, name) > 0:
                self.secondary_terms[name] = build()
        self.secondary = sum(
            getattr(weights, name) * term for name, term in self.secondary_terms.items()
        )

    def term(self, name: str) -> cp_model.LinearExprT:
        """One secondary term of :meth:`add_secondary_terms`, unweighted, built alone (its
        auxiliary variables, if any, are created now)."""
        return self._term_builders()[name]()

    def _term_builders(self) -> dict[str, Callable[[], cp_model.LinearExprT]]:
        return {
            "preferred_block": self._term_preferred_block,
            "same_block": self._term_same_block,
            "group_sessions": self._term_group_sessions,
            "small_groups": self._term_small_groups,
            "group_continuity": self._term_group_continuity,
            "individual_by_group_leader": self._term_individual_by_group_leader,
            "therapist_load": self._term_therapist_load,
            "changes": self._term_changes,
        }

    def _term_preferred_block(self) -> cp_model.LinearExprT:
        client_by_id = {c.client_id: c for c in self.scenario.clients}
        return sum(
            var
            for (cid, _day, block), var in self.attend_vars.items()
            if client_by_id[cid].preferred_block not in (None, block)
        )

    def _term_same_block(self) -> cp_model.LinearExprT:
        m = self.model
        extra_blocks = []
        by_client_block: dict[str, dict[str, list[cp_model.IntVar]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for (cid, _day, block), var in self.attend_vars.items():
            by_client_block[cid][block].append(var)
        for cid, blocks in by_client_block.items():
            if len(blocks) < 2:
                continue
            used = []
            for block, vars_ in blocks.items():
                used_var = m.new_bool_var(f"uses_block[{cid},{block}]")
                for var in vars_:
                    m.add_implication(var, used_var)
                used.append(used_var)
            extra = m.new_int_var(0, len(blocks) - 1, f"extra_blocks[{cid}]")
            m.add(extra >= sum(used) - 1)
            extra_blocks.append(extra)
        return sum(extra_blocks)

    def _term_group_sessions(self) -> cp_model.LinearExprT:
        return sum(var for gv in self.groups for var in gv.run_vars)

    def _term_small_groups(self) -> cp_model.LinearExprT:
        m = self.model
        shortfalls = []
        for idx, gv in enumerate(self.groups):
            stype = self.scenario.session_types[gv.context.session_type]
            comfortable = comfortable_size(stype)
            if comfortable <= stype.min_size:
                continue
            for k, (run, size) in enumerate(zip(gv.run_vars, gv.size_vars, strict=True)):
                short_var = m.new_int_var(0, comfortable, f"short[{idx},{k}]")
                m.add(short_var >= comfortable * run - size)
                shortfalls.append(short_var)
        return sum(shortfalls)

    def _term_group_continuity(self) -> cp_model.LinearExprT:
        """Facilitators a client meets per group type, beyond one.

        A client joining a context meets every therapist leading a copy there (an upper
        bound when a context runs several copies; the reported value is the schedule's).
        """
        m = self.model
        met_vars: dict[tuple[str, str], dict[str, cp_model.IntVar]] = defaultdict(dict)
        for gv in self.groups:
            type_id = gv.context.session_type
            for cid, join in gv.join_vars.items():
                met = met_vars[(cid, type_id)]
                for tid, lead in gv.lead_vars.items():
                    if tid not in met:
                        met[tid] = m.new_bool_var(f"meets[{cid},{type_id},{tid}]")
                    m.add_bool_or([join.Not(), lead.Not(), met[tid]])
        extras = []
        for (cid, type_id), met in met_vars.items():
            if len(met) < 2:
                continue
            extra = m.new_int_var(0, len(met) - 1, f"extra_facilitators[{cid},{type_id}]")
            m.add(extra >= sum(met.values()) - 1)
            extras.append(extra)
        return sum(extras)

    def _term_individual_by_group_leader(self) -> cp_model.LinearExprT:
        """Individual sessions (no primary therapist) with a therapist leading none of the
        client's groups: ``led[c,t]`` may be 1 only if ``t`` leads a context ``c`` joins."""
        m = self.model
        has_primary = {c.client_id for c in self.scenario.clients if c.primary_therapist}
        sessions_with: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for iv in self.individuals:
            if iv.option.client_id in has_primary:
                continue
            for tid, var in iv.therapist_vars.items():
                sessions_with[(iv.option.client_id, tid)].append(var)
        shared: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        for gv in self.groups:
            for cid, join in gv.join_vars.items():
                for tid, lead in gv.lead_vars.items():
                    if (cid, tid) not in sessions_with:
                        continue
                    both = m.new_bool_var(f"led_by[{cid},{tid},{len(shared[(cid, tid)])}]")
                    m.add_implication(both, join)
                    m.add_implication(both, lead)
                    shared[(cid, tid)].append(both)
        penalties: list[cp_model.LinearExprT] = []
        for (cid, tid), vars_ in sessions_with.items():
            if not shared.get((cid, tid)):
                penalties.append(sum(vars_))
                continue
            led = m.new_bool_var(f"leads_group_of[{cid},{tid}]")
            m.add(led <= sum(shared[(cid, tid)]))
            not_led = m.new_int_var(0, len(vars_), f"individual_not_led[{cid},{tid}]")
            m.add(not_led >= sum(vars_) - len(vars_) * led)
            penalties.append(not_led)
        return sum(penalties)

    def _term_therapist_load(self) -> cp_model.LinearExprT:
        """Load of the busiest therapist in whole percent of capacity (rounded up)."""
        m = self.model
        max_load = m.new_int_var(0, 100, "max_therapist_load")
        events = self.therapist_events()
        for therapist in self.scenario.therapists:
            mine = events.get(therapist.therapist_id, [])
            capacity = therapist_capacity(self.scenario, therapist)
            if mine and capacity:
                m.add(capacity * max_load >= 100 * sum(var for *_, var in mine))
        return max_load

    def _term_changes(self) -> cp_model.LinearExprT:
        """Days on which a continuing client's block differs from last week."""
        if not self.previous:
            return 0
        by_client_day: dict[tuple[str, str], dict[str, cp_model.IntVar]] = defaultdict(dict)
        for (cid, day, block), var in self.attend_vars.items():
            by_client_day[(cid, day)][block] = var
        changed: list[cp_model.LinearExprT] = []
        for cid, days in self.previous.items():
            if cid not in self.scheduled_vars:
                continue
            for day in DAY_NAMES:
                now = by_client_day.get((cid, day), {})
                before = days.get(day)
                if before is None:
                    changed.append(sum(now.values()))
                elif before in now:
                    changed.append(1 - now[before])
                else:
                    changed.append(1)
        return sum(changed)
