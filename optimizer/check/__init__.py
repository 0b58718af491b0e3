"""The independent rule checker: does a schedule folder keep every rule of SPEC §3?

This package shares nothing with :mod:`optimizer.model`, :mod:`optimizer.solve` or
:mod:`optimizer.reasons`, and it re-derives every rule from the scenario data and the CSV
rows itself (merged windows, commute gaps, proration of partial weeks, ...), so that a bug
in the model cannot hide itself. It judges hand-edited folders too: a malformed row is a
violation, never a crash (only an unreadable file is :func:`read_schedule`'s
``ScheduleReadError``).

Which data wins: assignments.csv. Its ``session_id`` says which session a client is in and
its rows define the session (type, day, date, block, start, end, therapist, room), so a
coordinator can move a client by editing assignments.csv alone and get the rules' verdict
on the move. sessions.csv is the summary: where it differs from what assignments.csv
defines (a stale size or track, a session nobody attends, a session it lacks, other
columns) that is one ``sessions-csv`` *warning*, like a stale summary.json, and
:func:`rewrite_sessions_csv` (``check --write-sessions``) rebuilds it. Rows of one session
that disagree among themselves are a ``session-mismatch`` (the version sessions.csv also
has, else the most common one, is judged).

Rule codes (stable; every violation has severity ``error`` unless marked *warning*):

Malformed rows
    ``unknown-client``        a client id that is not in the scenario
    ``unknown-therapist``     a therapist id that is not in the scenario
    ``therapist-missing``     a session without a therapist_id (rule 7: exactly one)
    ``unknown-room``          a room id that is not in the scenario
    ``unknown-session-type``  a session type that is not in the scenario
    ``unknown-day``           a day that is not a day name or not an operating day
    ``bad-date``              a date that is not week_start plus the day's offset
    ``unknown-block``         a block that is not in the scenario
    ``bad-time``              start/end that are not the times of one slot of the block
    ``session-id-missing``    an assignments.csv row without a session_id
    ``duplicate-assignment``  the same client twice in one session
    ``duplicate-unscheduled`` a client listed twice in unscheduled.csv
    ``unscheduled-reason``    an unscheduled.csv row without a reason
    ``session-mismatch``      an assignments.csv row whose session columns differ from the
                              version of its session that is judged

SPEC §3
    ``plan-days``             rule 1: days attended outside [min_days, max_days] (prorated)
    ``client-block``          rule 2: two blocks in a day, a slot of an attended block
                              without a session, or two sessions in one slot
    ``session-count``         rule 3: weekly count of a type below the minimum or above the
                              maximum (individual-kind types: exactly the minimum unless
                              ``max_sessions`` allows more; group types: no maximum unless
                              ``max_sessions``)
    ``availability``          rule 4: the client cannot attend that block that day (windows,
                              commute (none to a virtual block), admit/discharge, away
                              dates, closed dates, operating days)
    ``group-size``            rule 5: a group outside [min_size, max_size]
    ``track-mix``             rule 5: a group mixing tracks
    ``avoid-pair``            rule 5: a group holding two clients who avoid each other
    ``therapist-track``       rule 5: a group led by a therapist not serving its track
    ``individual-size``       rule 6: an individual session with more than one client
    ``primary-therapist``     rule 6: an individual session not with the primary therapist
    ``language``              rule 6: an individual session with a therapist who does not
                              speak the client's language
    ``therapist-skill``       rule 7: a therapist without the session type in ``skills``
    ``therapist-availability`` rule 7: a session outside the therapist's hours, in a busy
                              window or on a date the therapist is away
    ``therapist-overlap``     rule 7: a therapist in two sessions overlapping in clock time
    ``therapist-daily-cap``   rule 7: more sessions in a day than max_sessions_per_day
    ``therapist-weekly-cap``  rule 7: more sessions in the week than max_sessions_per_week
    ``room-missing``          rule 8: the scenario has rooms but a session of an in-person
                              block has no room
    ``room-unexpected``       the scenario has no rooms but a session names one
    ``room-serves``           rule 8: a room that does not serve the session type
    ``room-capacity``         rule 8: more clients than the room holds
    ``room-availability``     rule 8: a session outside the room's availability
    ``room-overlap``          rule 8: a room hosting two sessions overlapping in clock time
    ``virtual-room``          rule 8: a session of a virtual (telehealth) block names a room
    ``client-overlap``        rule 9: a client in two sessions overlapping in clock time
                              (outside the same slot of one block, which is ``client-block``)
    ``hours-day``             rule 10: an attended day whose sessions last less than the
                              plan's ``min_hours_per_day`` (never prorated)
    ``hours-week``            rule 10: a week whose sessions last less than the plan's
                              ``min_hours_per_week`` (prorated like the session minimums)
    ``telehealth``            rule 10: a client without ``telehealth: yes`` in a virtual block
    ``unscheduled-partial``   a client listed in unscheduled.csv who also has sessions
    ``client-missing``        a client with neither sessions nor an unscheduled.csv row

Pins (``pins.csv``; hard, see :mod:`optimizer.pins`)
    ``pin``                   a pin not kept (client pins bind scheduled clients only)

Re-planning from a date (with ``previous`` and ``from_date``, SPEC §7)
    ``past-changed``          a session before the date that is not the previous
                              schedule's exactly (gone, added, or another type, time,
                              therapist, room or clients)

sessions.csv (*warning*)
    ``sessions-csv``          sessions.csv differs from the sessions assignments.csv defines
                              (one warning listing the differences)

summary.json (*warnings*; a missing summary.json is fine)
    ``summary-field``         a required field is missing
    ``summary-status``        status is not OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN
    ``summary-objective``     objective is not the sum of priorities of scheduled clients,
                              or best_bound is below it
    ``summary-counts``        scheduled_clients / unscheduled_clients differ from the files

Windows are half-open ``[start, end)`` in minutes after midnight; days are indices 0 = Mon.

Layout: :mod:`.read` parses the files into sessions and attendances (the malformed-row
codes); one module per rule family judges them (:mod:`.sessions`: sessions and groups;
:mod:`.staff`: therapist and room time and caps; :mod:`.clients`: days, blocks, counts,
availability, overlaps; :mod:`.hours`: hours and telehealth; :mod:`.pins`; :mod:`.past`:
the sessions before a re-planning date; :mod:`.agreement`: sessions.csv against
assignments.csv, and its rebuild; :mod:`.summary`); :mod:`.semantics` re-derives the SPEC §2
windows and proration (of days, sessions and hours); :mod:`.report` holds the codes, the
findings and their text; :mod:`.checker` runs the families in one ordered list.
"""

from .agreement import AmbiguousSessionsError, rewrite_sessions_csv, sessions_from_assignments
from .checker import check_schedule, week_errors
from .report import RULES, CheckReport, Violation, format_violations

__all__ = [
    "RULES",
    "AmbiguousSessionsError",
    "CheckReport",
    "Violation",
    "check_schedule",
    "format_violations",
    "rewrite_sessions_csv",
    "sessions_from_assignments",
    "week_errors",
]
