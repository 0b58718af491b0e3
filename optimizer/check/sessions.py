"""Sessions and groups (SPEC §3 rules 5, 6, the skill of rule 7 and the room of rule 8):
each session on its own, with the clients assignments.csv puts in it. (Its size and track
columns are sessions.csv's bookkeeping, compared in :mod:`.agreement`.)"""

from __future__ import annotations

from ..scenario import Client
from .read import Session, Week
from .report import Findings, plural
from .semantics import languages


def check_sessions(week: Week, findings: Findings) -> None:
    """Group rules, individual rules, skills and room fit."""
    for session in week.sessions.values():
        _check_session(week, session, findings)


def _check_session(week: Week, session: Session, findings: Findings) -> None:
    sid, where_text = session.session_id, session.where_text
    count = len(session.members)
    if session.type_id is None:
        return
    stype = week.scenario.session_types[session.type_id]
    members = sorted(
        (week.clients[c] for c in session.members if c in week.clients),
        key=lambda c: c.client_id,
    )
    if stype.kind == "group":
        _check_group(week, session, members, findings)
    else:
        _check_individual(session, members, findings)
    therapist = session.therapist
    if therapist is not None and session.type_id not in therapist.skills:
        findings.add(
            "therapist-skill",
            (sid, therapist.therapist_id),
            f"{session.type_id} is not among the therapist's skills ({where_text}).",
        )
    room = session.room
    if room is not None:
        if room.serves and session.type_id not in room.serves:
            findings.add(
                "room-serves",
                (sid, room.room_id),
                f"room does not serve {session.type_id} ({where_text}).",
            )
        if count > room.capacity:
            findings.add(
                "room-capacity",
                (sid, room.room_id),
                f"{count} clients in a room that holds {room.capacity} ({where_text}).",
            )


def _check_individual(session: Session, members: list[Client], findings: Findings) -> None:
    """Rule 6: one client, with the primary therapist, in the client's language."""
    sid, where_text = session.session_id, session.where_text
    count = len(session.members)
    if count > 1:
        findings.add(
            "individual-size",
            (sid, *sorted(session.members)),
            f"individual session has {count} clients, exactly 1 allowed ({where_text}).",
        )
    therapist = session.therapist
    for client in members:
        primary = client.primary_therapist
        if primary is not None and session.therapist_id != primary:
            findings.add(
                "primary-therapist",
                (sid, client.client_id, session.therapist_id),
                f"individual session is with {session.therapist_id or 'no therapist'}, "
                f"not the client's primary therapist {primary} ({where_text}).",
            )
        if client.language and therapist is not None:
            wanted = client.language.strip().lower()
            if wanted not in languages(therapist):
                findings.add(
                    "language",
                    (sid, client.client_id, therapist.therapist_id),
                    f"therapist does not speak the client's language '{wanted}' ({where_text}).",
                )


def _check_group(week: Week, session: Session, members: list[Client], findings: Findings) -> None:
    """Rule 5: size, one track, no avoided pair, a therapist who leads the track."""
    sid, where_text = session.session_id, session.where_text
    stype = week.scenario.session_types[session.type_id or ""]
    count = len(session.members)
    if count and (count < stype.min_size or (stype.max_size and count > stype.max_size)):
        findings.add(
            "group-size",
            (sid,),
            f"group has {plural(count, 'client')}, allowed {stype.min_size} to "
            f"{stype.max_size} ({where_text}).",
        )
    tracks = sorted({c.track for c in members})
    if len(tracks) > 1:
        by_track = "; ".join(
            f"{t}: {', '.join(c.client_id for c in members if c.track == t)}" for t in tracks
        )
        findings.add(
            "track-mix",
            (sid, *(c.client_id for c in members)),
            f"group mixes tracks ({by_track}) ({where_text}).",
        )
    for idx, first in enumerate(members):
        for second in members[idx + 1 :]:
            if second.client_id in first.avoid or first.client_id in second.avoid:
                findings.add(
                    "avoid-pair",
                    (sid, first.client_id, second.client_id),
                    f"clients who must not share a group are together ({where_text}).",
                )
    therapist = session.therapist
    if therapist is not None and therapist.tracks:
        led = tracks or ([session.track] if session.track else [])
        for track in led:
            if track not in therapist.tracks:
                findings.add(
                    "therapist-track",
                    (sid, therapist.therapist_id),
                    f"therapist does not lead {track} groups (tracks "
                    f"{';'.join(therapist.tracks)}) ({where_text}).",
                )
