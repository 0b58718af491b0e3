"""A hand-written week and its valid schedule, editable in place, for the checker's tests.

``tests/data/check/scenario.yaml`` is a tiny week and ``tests/data/check/valid/`` its valid
schedule, written by hand; the comment atop the YAML lists the edge cases it sits on.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from optimizer import Scenario, read_schedule
from optimizer.check import Violation, check_schedule

FIXTURE = Path(__file__).resolve().parent / "data" / "check"
SCENARIO_FILE = FIXTURE / "scenario.yaml"
VALID = FIXTURE / "valid"
TABLES = ("assignments.csv", "sessions.csv", "unscheduled.csv")
SHARED = ("session_type", "day", "date", "block", "start", "end", "therapist_id", "room_id")


@dataclass
class Case:
    """A scenario as plain data and a schedule folder as rows, both editable in place."""

    data: dict[str, Any]
    tables: dict[str, list[dict[str, str]]]
    summary: dict[str, Any] | None = field(default=None)

    # ---- scenario edits ----------------------------------------------------------------

    def row(self, table: str, key: str, value: str) -> dict[str, Any]:
        return next(r for r in self.data[table] if r[key] == value)

    def client(self, cid: str) -> dict[str, Any]:
        return self.row("clients", "client_id", cid)

    def therapist(self, tid: str) -> dict[str, Any]:
        return self.row("therapists", "therapist_id", tid)

    def room(self, rid: str) -> dict[str, Any]:
        return self.row("rooms", "room_id", rid)

    # ---- schedule edits ----------------------------------------------------------------

    def session(self, sid: str) -> dict[str, str]:
        return next(r for r in self.tables["sessions.csv"] if r["session_id"] == sid)

    def assignment(self, cid: str, sid: str) -> dict[str, str]:
        rows = self.tables["assignments.csv"]
        return next(r for r in rows if r["client_id"] == cid and r["session_id"] == sid)

    def edit_session(self, sid: str, **changes: str) -> None:
        """Change a session consistently in sessions.csv and in its assignment rows."""
        self.session(sid).update(changes)
        for row in self.tables["assignments.csv"]:
            if row["session_id"] == sid:
                row.update({k: v for k, v in changes.items() if k in SHARED})

    def add_session(self, sid: str, **columns: str) -> None:
        self.tables["sessions.csv"].append({"session_id": sid, "track": "", "size": "0", **columns})

    def join(self, cid: str, sid: str) -> None:
        """Assign a client to a session (the size column follows)."""
        session = self.session(sid)
        self.tables["assignments.csv"].append(
            {"client_id": cid, "session_id": sid, **{c: session[c] for c in SHARED}}
        )
        session["size"] = str(int(session["size"]) + 1)

    def leave(self, cid: str, sid: str) -> None:
        """Remove a client from a session (the size column follows)."""
        self.tables["assignments.csv"].remove(self.assignment(cid, sid))
        session = self.session(sid)
        session["size"] = str(int(session["size"]) - 1)

    # ---- running the checker -------------------------------------------------------------

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in self.tables.items():
            columns = list(read_csv(VALID / name)[0])
            with (folder / name).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        if self.summary is not None:
            (folder / "summary.json").write_text(json.dumps(self.summary), encoding="utf-8")
        return folder

    def check(self, folder: Path) -> list[Violation]:
        return check_schedule(Scenario.from_data(self.data), read_schedule(self.write(folder)))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@functools.cache
def _valid_case() -> Case:
    data = yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))
    tables = {name: read_csv(VALID / name)[1] for name in TABLES}
    summary = json.loads((VALID / "summary.json").read_text(encoding="utf-8"))
    return Case(data, tables, summary)


def fresh_case() -> Case:
    """The valid week and schedule, a copy the caller may edit."""
    return copy.deepcopy(_valid_case())


def errors_of(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "error"]
