"""Place one client into a week's schedule without moving anyone else (SPEC §7).

An intake coordinator asks "where can this new client fit?" while the client waits, so the
answer comes from a model of that one client (:mod:`optimizer.weekly.seats`: their days,
blocks and a session per slot, joining group sessions that run or opening new ones, with
everything else fixed), solved once per option: after each option its days and blocks are
ruled out and the next best is found. Every option is applied to the schedule's own rows
and judged by the independent checker before it is offered; options are ranked by the
change of the weighted secondary objective, recomputed from the rows (:mod:`optimizer.terms`).

Only when no option leaves everyone in place does the slower search run: the fewest other
clients of the client's track to move (:mod:`optimizer.weekly.movers`), then the client and
those clients placed with everyone else fixed, within a time limit.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from ..check import check_schedule
from ..errors import Issue, did_you_mean
from ..io.schedule import Schedule, read_schedule
from ..model.candidates import attendable
from ..result import Result
from ..scenario import Client, Scenario, requirement
from ..schedule import ASSIGNMENT_COLUMNS, SESSION_COLUMNS, Session, WeekSchedule
from ..search.params import SearchParams
from ..terms import secondary_terms, therapist_capacity
from ..windows import DAY_NAMES
from .movers import ReleaseModel
from .placement import (
    Move,
    PlacedSession,
    PlaceInputError,
    Placement,
    PlaceOption,
    TableEdit,
)
from .seats import TERMS_WITHOUT_PREVIOUS, Fit, placement_model

log = logging.getLogger(__name__)

DEFAULT_TOP = 5
"""Options offered unless asked otherwise."""
DEFAULT_TIME_LIMIT = 10.0
"""Seconds for the options that move others (searched only when no option leaves everyone
in place)."""
MOST_REJECTED = 3
"""Fits the checker may reject before the search for more stops (each one a rule the model
does not know; none is expected)."""
NOT_YET_PLACED = "not in the schedule this client was placed into (added to the scenario later)"
"""Reason written for scenario clients whom the schedule names nowhere."""


def place(
    scenario: Scenario,
    schedule: Schedule | Result | str | PathLike[str],
    client_id: str,
    top: int = DEFAULT_TOP,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    params: SearchParams | None = None,
) -> Placement:
    """Up to ``top`` ways to fit ``client_id`` (a client of ``scenario`` who is not
    scheduled in ``schedule``: a new intake, a waitlisted or unscheduled client) into
    ``schedule`` without changing any other client's sessions, best first. ``schedule`` is
    a schedule folder's tables (:func:`~optimizer.io.read_schedule`), the folder itself, or
    a :class:`~optimizer.result.Result` of :func:`~optimizer.solve.solve`.

    The client may join group sessions that run (same track, a place left, nobody they
    avoid) and new sessions may open (a free qualified therapist and room); options differ
    in the client's days or blocks. Each is judged valid by the independent checker. When
    none exists, the options that move the fewest other clients of the client's track
    (searched for at most ``time_limit`` seconds), each naming whom and how.

    Raises :class:`PlaceInputError` when the client is not in the scenario (with a
    did-you-mean), is already scheduled, or when the schedule breaks rules of its own and
    no option was found. ``seed`` makes the solves reproducible; ``params`` are the search's
    tuning numbers (default :class:`SearchParams`).
    """
    started = time.perf_counter()
    if top < 1:
        raise PlaceInputError([Issue("top", f"{top} options cannot be shown", "ask for 1 or more")])
    tables = _tables(schedule)
    week = _PlacingWeek.of(scenario, tables, client_id, params or SearchParams(), seed)
    client = week.client
    who = f"{client_id} ({client.track}, plan {client.plan})"
    if not week.can_attend:
        week.require_valid_schedule()
        return week.placement(
            [],
            "none",
            f"{who} cannot attend any block this week (their available and busy times or "
            "dates, telehealth clearance, or fewer days or hours than their plan needs): no "
            "option, even moving others.",
            started,
        )
    options, proven = _without_moving(week, top)
    if options:
        count = f"{len(options)} option{'s' if len(options) != 1 else ''}"
        return week.placement(
            options,
            "found",
            f"{who}: {count} without moving anyone else, best first (each checked: no rule "
            "is broken).",
            started,
        )
    week.require_valid_schedule()
    options, none_at_all = _moving_others(week, top, started + time_limit)
    without = "none" if proven else "unknown"
    head = (
        f"{who}: no option without moving others."
        if proven
        else f"{who}: no option without moving others was found in time."
    )
    if options:
        message = (
            f"{head} Options that move other clients instead, fewest first ({len(options)} "
            "found; each checked: no rule is broken)."
        )
    elif none_at_all:
        message = f"{head} Moving other clients of track {client.track} does not help either."
    else:
        message = (
            f"{head} No option moving other clients of track {client.track} was found "
            "within the time limit."
        )
    return week.placement(options, without, message, started, moves_others=bool(options))


# ---------------------------------------------------------------------------------------
# The call's week


@dataclass(frozen=True)
class _PlacingWeek:
    """One call of :func:`place`: the scenario, the schedule's rows (every scenario client
    named: those it lacks are listed as not placed yet), the same schedule as sessions, and
    the client."""

    scenario: Scenario
    client: Client
    tables: Schedule
    session_rows: tuple[dict[str, Any], ...]
    """The rows of ``tables.sessions``, read once."""
    base: WeekSchedule
    capacities: Mapping[str, int]
    """Every therapist's :func:`therapist_capacity` (sessions a week)."""
    base_terms: Mapping[str, int]
    params: SearchParams
    seed: int

    @classmethod
    def of(
        cls, scenario: Scenario, schedule: Schedule, client_id: str, params: SearchParams, seed: int
    ) -> _PlacingWeek:
        clients = {c.client_id: c for c in scenario.clients}
        if client_id not in clients:
            raise PlaceInputError(
                [
                    Issue(
                        "client_id",
                        f"unknown client '{client_id}'{did_you_mean(client_id, clients)}",
                        "use a client_id of the scenario's clients table (add a new intake "
                        "there first)",
                    )
                ]
            )
        assigned = schedule.assignments["client_id"]
        if (assigned == client_id).any():
            count = int((assigned == client_id).sum())
            raise PlaceInputError(
                [
                    Issue(
                        "client_id",
                        f"{client_id} is already scheduled ({count} sessions in the schedule)",
                        "place fits a client who is not scheduled; to move them, edit the "
                        "schedule or solve again",
                    )
                ]
            )
        named = set(assigned) | set(schedule.unscheduled["client_id"])
        missing = [
            {"client_id": c.client_id, "reason": NOT_YET_PLACED}
            for c in scenario.clients
            if c.client_id not in named
        ]
        unscheduled = pd.concat(
            [schedule.unscheduled, pd.DataFrame(missing, columns=schedule.unscheduled.columns)],
            ignore_index=True,
        )
        tables = dataclasses.replace(schedule, unscheduled=unscheduled.astype(str))
        session_rows = tuple(_records(schedule.sessions))
        base = WeekSchedule.from_rows(scenario, _records(schedule.assignments), session_rows)
        base = _known_part(scenario, base)
        capacities = {t.therapist_id: therapist_capacity(scenario, t) for t in scenario.therapists}
        return cls(
            scenario,
            clients[client_id],
            tables,
            session_rows,
            base,
            capacities,
            _terms(scenario, base, capacities),
            params,
            seed,
        )

    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def can_attend(self) -> bool:
        req = requirement(self.scenario, self.client)
        return bool(attendable(self.scenario, self.client, req))

    def require_valid_schedule(self) -> None:
        """Raise :class:`PlaceInputError` when the schedule breaks rules of its own (no
        option could then be valid): the rules broken, as ``check`` names them."""
        tables = dataclasses.replace(self.tables, summary=None)
        errors = [v for v in check_schedule(self.scenario, tables) if v.severity == "error"]
        if errors:
            raise PlaceInputError(
                [
                    Issue(
                        "schedule",
                        f"breaks {len(errors)} rule(s) of its own, e.g. {errors[0].rule}: "
                        f"{errors[0].message}",
                        "run check on it and correct it (or solve again) before placing a client",
                    )
                ]
            )

    def placement(
        self,
        options: list[PlaceOption],
        without_moving: str,
        message: str,
        started: float,
        moves_others: bool = False,
    ) -> Placement:
        ranked = sorted(options, key=lambda o: (len(o.moves), o.penalty))
        return Placement(
            scenario=self.scenario,
            client_id=self.client_id,
            options=tuple(dataclasses.replace(o, rank=idx + 1) for idx, o in enumerate(ranked)),
            moves_others=moves_others,
            without_moving=without_moving,
            message=message,
            seconds=time.perf_counter() - started,
        )


def _tables(schedule: Schedule | Result | str | PathLike[str]) -> Schedule:
    """A schedule's tables, cells as text, from any of the forms :func:`place` takes."""
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, Result):
        return Schedule(
            assignments=schedule.assignments.astype(str),
            sessions=schedule.sessions.astype(str),
            unscheduled=schedule.unscheduled.astype(str),
        )
    return read_schedule(Path(schedule))


def _known_part(scenario: Scenario, week: WeekSchedule) -> WeekSchedule:
    """The sessions of known types with their clients of the scenario. What a hand edit
    left outside the scenario stays out of the model and the terms; the checker judges the
    rows as they are (and such a schedule is refused, see ``require_valid_schedule``)."""
    known = {c.client_id for c in scenario.clients}
    typed = (s for s in week.sessions if s.session_type in scenario.session_types)
    return _with_clients(typed, known.__contains__)


def _with_clients(sessions: Iterable[Session], keep: Callable[[str], bool]) -> WeekSchedule:
    """The sessions with only the clients ``keep`` holds; sessions left empty stop running."""
    out = []
    for session in sessions:
        members = tuple(cid for cid in session.clients if keep(cid))
        if len(members) == session.size:
            out.append(session)
        elif members:
            out.append(dataclasses.replace(session, clients=members))
    return WeekSchedule(tuple(out))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")  # type: ignore[return-value]


def _terms(
    scenario: Scenario, schedule: WeekSchedule, capacities: Mapping[str, int]
) -> dict[str, int]:
    values = secondary_terms(scenario, schedule, capacities=capacities)
    return {name: values[name] for name in TERMS_WITHOUT_PREVIOUS}


# ---------------------------------------------------------------------------------------
# The two searches


def _without_moving(week: _PlacingWeek, top: int) -> tuple[list[PlaceOption], bool]:
    """Up to ``top`` checked options that move nobody, and whether "none other exists" is
    proven (the model found no further fit, and the checker rejected none)."""
    model = placement_model(week.scenario, [week.client_id], week.base, capacities=week.capacities)
    options: list[PlaceOption] = []
    rejected = 0
    for fit in model.fits(week.params, week.params.place_solve_seconds, week.seed):
        option = _option(week, fit, week.base, frozenset())
        if option is None:
            rejected += 1
            if rejected > MOST_REJECTED:
                break
            continue
        options.append(option)
        if len(options) == top:
            break
    return options, model.last_status == "INFEASIBLE" and not rejected


def _moving_others(week: _PlacingWeek, top: int, deadline: float) -> tuple[list[PlaceOption], bool]:
    """Up to ``top`` checked options that move the fewest other clients (searched until
    ``deadline``, a ``time.perf_counter()`` value), and whether it is proven that moving
    clients of the client's track cannot help.

    First each client alone, those who share the client's possible days and blocks first
    (their group places, their therapists' time); when nobody alone makes room, the track
    model (:class:`ReleaseModel`) names the fewest clients to move together.
    """
    options: list[PlaceOption] = []
    tried = []
    for other in _single_candidates(week):
        if deadline - time.perf_counter() <= week.params.min_run_seconds:
            return options, False
        released = frozenset({other})
        tried.append(released)
        option = _released_option(week, released, deadline)
        if option is not None:
            options.append(option)
            if len(options) == top:
                break
    if options:
        return options, False
    releases = ReleaseModel(week.scenario, week.base, week.client_id)
    for released in tried:
        releases.rule_out(released, with_supersets=False)
    while len(options) < top:
        group = releases.next_release(week.params, deadline, week.seed)
        if group is None:
            break
        option = _released_option(week, group, deadline)
        releases.rule_out(group, with_supersets=option is not None)
        if option is not None:
            options.append(option)
    return options, not options and releases.last_status == "INFEASIBLE"


def _single_candidates(week: _PlacingWeek) -> list[str]:
    """Scheduled clients who may make room by moving alone, the likeliest first: those of
    the client's track by how many of the client's possible days and blocks they attend,
    then those of other tracks who attend any of them (their sessions hold therapists and
    rooms then), then the rest of the track (their sessions hold therapists' weekly caps)."""
    client = week.client
    pairs = set(attendable(week.scenario, client, requirement(week.scenario, client)))
    track_of = {c.client_id: c.track for c in week.scenario.clients}
    attended = week.base.attendance()
    ranked = []
    for cid, days in attended.items():
        shared = sum(1 for day, block in days.items() if (day, block) in pairs)
        same_track = track_of.get(cid) == client.track
        if shared or same_track:
            group = 0 if same_track and shared else 1 if shared else 2
            ranked.append((group, -shared, cid))
    return [cid for *_rank, cid in sorted(ranked)]


def _released_option(
    week: _PlacingWeek, released: frozenset[str], deadline: float
) -> PlaceOption | None:
    """The best checked option placing the client and the ``released`` clients with
    everyone else fixed (None when there is none, or none within ``deadline``)."""
    fixed = _with_clients(week.base.sessions, lambda cid: cid not in released)
    before = {cid: [s for s in week.base.sessions if cid in s.clients] for cid in released}
    placed = [week.client_id, *sorted(released)]
    model = placement_model(week.scenario, placed, fixed, before, week.capacities)
    limit = max(0.0, min(week.params.place_solve_seconds, deadline - time.perf_counter()))
    fit = next(model.fits(week.params, limit, week.seed), None)
    if fit is None:
        log.debug("moving %s does not make room", ", ".join(sorted(released)))
        return None
    return _option(week, fit, fixed, released)


# ---------------------------------------------------------------------------------------
# An option: the fit applied to the rows, checked, described


def _option(
    week: _PlacingWeek, fit: Fit, fixed: WeekSchedule, released: frozenset[str]
) -> PlaceOption | None:
    """The option of a fit (None when the checker finds a broken rule in it)."""
    after = fit.applied_to(fixed)
    placed = {week.client_id, *released}
    tables, edit = _edited_tables(week, after, placed)
    errors = [v for v in check_schedule(week.scenario, tables) if v.severity == "error"]
    if errors:
        log.warning(
            "an option for %s breaks %d rule(s) (%s): not offered",
            week.client_id,
            len(errors),
            ", ".join(sorted({v.rule for v in errors})),
        )
        return None
    terms = _terms(week.scenario, after, week.capacities)
    change = {name: terms[name] - week.base_terms[name] for name in terms}
    weights = week.scenario.weights
    penalty = sum(getattr(weights, name) * value for name, value in change.items())
    if not released and penalty != fit.penalty:
        # The model's terms and optimizer.terms disagree: the ranking may be off.
        log.warning("option penalty %d by the model, %d from the rows", fit.penalty, penalty)
    before = {s.session_id: s for s in week.base.sessions}
    mine = sorted((s for s in after.sessions if week.client_id in s.clients), key=Session.order)
    return PlaceOption(
        rank=0,
        client_id=week.client_id,
        attendance=tuple(
            (day, block) for cid, day, block in fit.attendance if cid == week.client_id
        ),
        sessions=tuple(PlacedSession.of(s, opened(before, s)) for s in mine),
        penalty=penalty,
        terms=change,
        moves=_moves(week.base, after, released),
        edit=edit,
        schedule=tables,
    )


def _moves(before: WeekSchedule, after: WeekSchedule, released: frozenset[str]) -> tuple[Move, ...]:
    """The released clients whose sessions differ between the two schedules."""
    by_id = {s.session_id: s for s in before.sessions}

    def sessions_of(schedule: WeekSchedule, cid: str) -> dict[tuple[Any, ...], Session]:
        return {
            (s.session_id, s.session_type, s.day, s.start, s.therapist_id, s.room_id): s
            for s in schedule.sessions
            if cid in s.clients
        }

    moves = []
    for cid in sorted(released):
        old, new = sessions_of(before, cid), sessions_of(after, cid)
        if old.keys() == new.keys():
            continue
        moves.append(
            Move(
                client_id=cid,
                leaves=tuple(
                    PlacedSession.of(old[k], False)
                    for k in sorted(old.keys() - new.keys(), key=lambda k: old[k].order())
                ),
                joins=tuple(
                    PlacedSession.of(new[k], opened(by_id, new[k]))
                    for k in sorted(new.keys() - old.keys(), key=lambda k: new[k].order())
                ),
            )
        )
    return tuple(moves)


def _edited_tables(
    week: _PlacingWeek, after: WeekSchedule, placed: set[str]
) -> tuple[Schedule, TableEdit]:
    """The schedule's rows with the placed clients' rows replaced by theirs in ``after``:
    every other client's assignment rows stay exactly as they are; a session they share
    changes only its ``size``; a session nobody attends any more is dropped."""
    tables = week.tables
    assignments = tables.assignments
    gone = assignments[assignments["client_id"].isin(placed)]
    added = [
        {k: str(v) for k, v in s.assignment_row(cid).items()}
        for cid, s in sorted(
            ((cid, s) for s in after.sessions for cid in s.clients if cid in placed),
            key=lambda pair: (pair[0], *pair[1].order()),
        )
    ]
    before = {s.session_id: s for s in week.base.sessions}
    now = {s.session_id for s in after.sessions}
    rows = week.session_rows
    row_of = {row["session_id"]: row for row in rows}
    upserted = []
    for session in after.sessions:
        old = before.get(session.session_id)
        if opened(before, session) or session.session_id not in row_of:
            upserted.append({k: str(v) for k, v in session.row().items()})
        elif old is not None and session.size != old.size:
            upserted.append({**row_of[session.session_id], "size": str(session.size)})
    removed = [sid for sid in before if sid not in now and sid in row_of]
    edit = TableEdit(
        assignments_removed=tuple(zip(gone["client_id"], gone["session_id"], strict=True)),
        assignments_added=tuple(added),
        sessions_removed=tuple(removed),
        sessions_upserted=tuple(upserted),
    )
    return _applied(tables, rows, edit, placed), edit


def _applied(
    tables: Schedule, session_rows: Iterable[dict[str, Any]], edit: TableEdit, placed: set[str]
) -> Schedule:
    """The tables after ``edit`` (rows in the canonical order: assignments by client, then
    day and time; sessions by day, time, block and id)."""
    kept = tables.assignments[~tables.assignments["client_id"].isin(placed)]
    assignments = pd.concat(
        [kept, pd.DataFrame(list(edit.assignments_added), columns=ASSIGNMENT_COLUMNS)],
        ignore_index=True,
    )
    assignments = assignments.sort_values(
        ["client_id"], kind="stable", key=lambda col: col.astype(str)
    ).reset_index(drop=True)
    by_id = {row["session_id"]: row for row in edit.sessions_upserted}
    removed = set(edit.sessions_removed)
    rows = [
        by_id.pop(row["session_id"], row)
        for row in session_rows
        if row["session_id"] not in removed
    ]
    rows += list(by_id.values())
    rows.sort(key=lambda r: (_day_order(r["day"]), r["start"], r["block"], r["session_id"]))
    unscheduled = tables.unscheduled[~tables.unscheduled["client_id"].isin(placed)]
    return Schedule(
        assignments=assignments.astype(str),
        sessions=pd.DataFrame(rows, columns=SESSION_COLUMNS).astype(str),
        unscheduled=unscheduled.reset_index(drop=True),
    )


def opened(before: Mapping[str, Session], session: Session) -> bool:
    """True when ``session`` does not run in the schedule ``before`` (by id): a new session,
    or one whose id named another session there (an individual session that became a group
    of the same therapist in the same slot)."""
    old = before.get(session.session_id)
    return old is None or (
        old.session_type, old.track, old.day, old.block, old.slot_idx, old.therapist_id,
        old.room_id,
    ) != (
        session.session_type, session.track, session.day, session.block, session.slot_idx,
        session.therapist_id, session.room_id,
    )  # fmt: skip


def _day_order(day: str) -> int:
    lowered = [d.lower() for d in DAY_NAMES]
    text = str(day).strip().lower()
    return lowered.index(text) if text in lowered else len(DAY_NAMES)
