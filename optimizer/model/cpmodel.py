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
  only need *some* free room serving the type, so they are counted per slot.
* Clock-time conflicts (therapist, room) are cliques of an interval graph: at every session
  start time, the sessions covering it may use a therapist or room at most once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..scenario import Scenario
from ..windows import day_index
from .candidates import Candidates, GroupContext, IndividualOption

ClientDayBlock = tuple[str, str, str]


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


class IOPModel:
    """A CP-SAT model of one week; ``primary`` and ``secondary`` are its objective terms."""

    def __init__(self, candidates: Candidates) -> None:
        self.candidates = candidates
        self.scenario: Scenario = candidates.scenario
        self.model = cp_model.CpModel()
        self.scheduled_vars: dict[str, cp_model.IntVar] = {}
        self.attend_vars: dict[ClientDayBlock, cp_model.IntVar] = {}
        self.groups: list[GroupVars] = []
        self.individuals: list[IndividualVars] = []
        self.individual_room_vars: dict[tuple[str, str, int, str], dict[str, cp_model.IntVar]] = {}
        self.secondary_terms: dict[str, cp_model.LinearExpr] = {}

        self._add_client_variables()
        self._add_group_variables()
        self._add_individual_variables()
        self._add_full_blocks()
        self._add_days_and_session_counts()
        self._add_rooms()
        self._add_staff_limits()
        self._add_clock_conflicts()
        self.primary = cp_model.LinearExpr.weighted_sum(
            list(self.scheduled_vars.values()),
            [c.priority for c in self.scenario.clients],
        )
        self._add_secondary_terms()

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
            sizes = [m.new_int_var(0, ctx.max_size, f"size[{name},{k}]") for k in range(ctx.copies)]
            leads = {t: m.new_bool_var(f"lead[{t},{name}]") for t in ctx.therapists}
            rooms = [
                {r: m.new_bool_var(f"room[{r},{name},{k}]") for r in ctx.rooms}
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
                m.add(sizes[k] <= ctx.max_size * runs[k])
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
            (o.day, o.block, o.slot_idx, o.session_type) for o in self.candidates.individuals
        }
        for key in sorted(used_keys, key=lambda k: (day_index(k[0]), k[1], k[2], k[3])):
            self.individual_room_vars[key] = {
                r: m.new_bool_var(f"iroom[{r},{key}]")
                for r in self.candidates.individual_rooms[key]
            }

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
        by_client: dict[str, list[cp_model.IntVar]] = defaultdict(list)
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
            req = self.candidates.requirements[cid]
            if not self.candidates.attendable[cid]:
                continue
            scheduled = self.scheduled_vars[cid]
            days = sum(by_client[cid])
            m.add(days >= req.min_days * scheduled)
            m.add(days <= req.max_days * scheduled)
            for type_id in self.scenario.session_types:
                count = sum(type_count.get((cid, type_id), []))
                least, most = req.min_sessions[type_id], req.max_sessions[type_id]
                if least:
                    m.add(count >= least * scheduled)
                if most is not None:
                    m.add(count <= most * scheduled)

    # ---- sessions (SPEC §3 rules 5-8) ----------------------------------------------------

    def _add_rooms(self) -> None:
        """Rule 8: every running session has one room that serves it and holds its size."""
        if self.scenario.rooms is None:
            return
        m = self.model
        capacity = {r.room_id: r.capacity for r in self.scenario.rooms}
        for gv in self.groups:
            for k, rooms in enumerate(gv.room_vars):
                m.add(sum(rooms.values()) == gv.run_vars[k])
                m.add(gv.size_vars[k] <= sum(capacity[r] * var for r, var in rooms.items()))
        per_key: dict[tuple[str, str, int, str], list[cp_model.IntVar]] = defaultdict(list)
        for iv in self.individuals:
            o = iv.option
            per_key[(o.day, o.block, o.slot_idx, o.session_type)].extend(iv.therapist_vars.values())
        for key, rooms in self.individual_room_vars.items():
            m.add(sum(rooms.values()) == sum(per_key[key]))

    def _therapist_events(self) -> dict[str, list[tuple[str, int, int, cp_model.IntVar]]]:
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
        m = self.model
        events = self._therapist_events()
        for therapist in self.scenario.therapists:
            tid = therapist.therapist_id
            mine = events.get(tid, [])
            week_cap = self.candidates.week_cap.get(tid)
            if week_cap is not None and len(mine) > week_cap:
                m.add(sum(var for *_, var in mine) <= week_cap)
            per_day: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for day, _s, _e, var in mine:
                per_day[day].append(var)
            for day, vars_ in per_day.items():
                day_cap = self.candidates.day_cap.get((tid, day))
                if day_cap is not None and len(vars_) > day_cap:
                    m.add(sum(vars_) <= day_cap)

    def _add_clock_conflicts(self) -> None:
        """Rules 7-8: a therapist or room is in at most one session at any clock time."""
        for events in (self._therapist_events(), self._room_events()):
            for _owner, mine in sorted(events.items()):
                by_day: dict[str, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
                for day, start, end, var in mine:
                    by_day[day].append((start, end, var))
                for items in by_day.values():
                    for point in sorted({start for start, _e, _v in items}):
                        covering = [var for start, end, var in items if start <= point < end]
                        if len(covering) > 1:
                            self.model.add_at_most_one(covering)

    # ---- objective ----------------------------------------------------------------------

    def _add_secondary_terms(self) -> None:
        """SPEC §4 secondary goals as penalties (lower is better), weighted by ``weights``."""
        m = self.model
        s = self.scenario
        weights = s.weights
        client_by_id = {c.client_id: c for c in s.clients}
        off_preference = [
            var
            for (cid, _day, block), var in self.attend_vars.items()
            if client_by_id[cid].preferred_block not in (None, block)
        ]
        self.secondary_terms["preferred_block"] = sum(off_preference)

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
        self.secondary_terms["same_block"] = sum(extra_blocks)
        self.secondary_terms["group_sessions"] = sum(
            var for gv in self.groups for var in gv.run_vars
        )
        self.secondary = (
            weights.preferred_block * self.secondary_terms["preferred_block"]
            + weights.same_block * self.secondary_terms["same_block"]
            + weights.group_sessions * self.secondary_terms["group_sessions"]
        )
