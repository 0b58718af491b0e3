"""sessions.csv against assignments.csv: one warning for every difference, and the rebuilt
sessions.csv (what assignments.csv says it should hold).

The rules are judged on the sessions assignments.csv defines (see :mod:`.read`), so a
coordinator who moves a client in assignments.csv alone gets the rules' verdict on the move;
a sessions.csv left behind (a size, a track, a session nobody attends any more, one the
edit created) is a warning, like a stale summary.json, not a broken rule.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import Issue, OptimizerError
from ..io.schedule import Schedule, read_schedule
from ..io.write import write_csv
from ..scenario import Scenario
from .read import SESSION_COLUMNS, Session, Week, read_week
from .report import Findings, plural

SHOWN_DIFFERENCES = 6
"""Differences of sessions.csv spelled out in the warning; the rest are counted."""
REBUILD_HINT = (
    "assignments.csv is the file of record: make changes there, then rebuild sessions.csv "
    "from it (check --write-sessions)"
)
"""How to fix sessions.csv, the end of the warning."""


class AmbiguousSessionsError(OptimizerError):
    """assignments.csv does not define its sessions unambiguously (rows of one session that
    disagree, rows without a session_id): sessions.csv cannot be rebuilt from it."""


def _track(week: Week, session: Session) -> str:
    """A group's track is its clients' (when they agree), an individual session has none."""
    if session.type_id is None:
        return session.track
    if week.scenario.session_types[session.type_id].kind != "group":
        return ""
    tracks = {week.clients[c].track for c in session.members if c in week.clients}
    return tracks.pop() if len(tracks) == 1 else session.track


def rebuilt_rows(week: Week) -> list[dict[str, str]]:
    """sessions.csv as assignments.csv defines it, in sessions.csv's order (new sessions
    after, in the order assignments.csv first names them)."""
    out = []
    for sid, session in week.sessions.items():
        row = dict(session.record)
        row.update(session_id=sid, track=_track(week, session), size=str(len(session.members)))
        out.append({c: row[c] for c in SESSION_COLUMNS})
    return out


def _differences(week: Week) -> tuple[list[str], list[str]]:
    """What sessions.csv says otherwise than assignments.csv: (texts, session ids)."""
    notes = list(week.listed_problems)
    ids: list[str] = []
    rebuilt = {row["session_id"]: row for row in rebuilt_rows(week)}
    for sid, (record, where_text) in week.listed.items():
        if sid not in rebuilt:
            notes.append(f"{sid} ({where_text}) has no client in assignments.csv")
            ids.append(sid)
            continue
        differ = [c for c in SESSION_COLUMNS if record[c] != rebuilt[sid][c]]
        if differ:
            detail = ", ".join(f"{c} '{record[c]}' vs '{rebuilt[sid][c]}'" for c in differ)
            notes.append(f"{sid} ({where_text}): {detail}")
            ids.append(sid)
    for sid, session in week.sessions.items():
        if sid not in week.listed:
            notes.append(f"{sid} ({session.where_text}) is missing")
            ids.append(sid)
    return notes, ids


def check_sessions_csv(week: Week, findings: Findings) -> None:
    """One warning listing how sessions.csv differs from what assignments.csv defines."""
    notes, ids = _differences(week)
    if not notes:
        return
    shown = "; ".join(notes[:SHOWN_DIFFERENCES])
    more = len(notes) - SHOWN_DIFFERENCES
    findings.add(
        "sessions-csv",
        ids,
        f"sessions.csv disagrees with assignments.csv, whose sessions the rules were judged "
        f"on ({plural(len(notes), 'difference')}): {shown}"
        + (f"; and {more} more" if more > 0 else "")
        + f". {REBUILD_HINT}.",
        severity="warning",
    )


def sessions_from_assignments(scenario: Scenario, schedule: Schedule) -> pd.DataFrame:
    """The sessions.csv table that ``schedule``'s assignments.csv defines (track from the
    clients, size = clients assigned), in sessions.csv's order, new sessions last.

    Raises :class:`AmbiguousSessionsError` naming the rows when assignments.csv does not
    say which version of a session is meant.
    """
    findings = Findings()
    week = read_week(scenario, schedule, findings)
    unclear = [
        v for v in findings.violations if v.rule in ("session-mismatch", "session-id-missing")
    ]
    if unclear:
        raise AmbiguousSessionsError(
            [
                Issue(
                    "assignments.csv",
                    violation.message,
                    "give the row the columns of its session, or the session_id it is in",
                )
                for violation in unclear
            ]
        )
    return pd.DataFrame(rebuilt_rows(week), columns=list(SESSION_COLUMNS))


def rewrite_sessions_csv(scenario: Scenario, folder: Path) -> int:
    """Replace ``folder``/sessions.csv by the table its assignments.csv defines (one atomic
    rename, so a failure leaves the old file; a byte-order mark kept as the folder has it).
    Returns the number of sessions written.

    Raises the schedule reader's ``ScheduleReadError`` for unreadable files and
    :class:`AmbiguousSessionsError` when assignments.csv is ambiguous (nothing is written).
    """
    folder = Path(folder)
    table = sessions_from_assignments(scenario, read_schedule(folder))
    with (folder / "assignments.csv").open("rb") as handle:
        bom = handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    handle_no, staging = tempfile.mkstemp(prefix=".sessions.csv.", dir=folder)
    os.close(handle_no)
    try:
        write_csv(table, Path(staging), bom=bom)
        os.replace(staging, folder / "sessions.csv")
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return len(table)
