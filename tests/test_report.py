"""Outputs people use: report.html (rendered in headless chromium), schedule.xlsx, calendars.

Tiny scenarios, each solved once per module (about a second each).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import icalendar
import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import Result, Scenario, cli, load_scenario, read_schedule, solve, write_reports
from optimizer.check import check_schedule
from optimizer.io.csvcells import restore
from optimizer.io.schedule import SCHEDULE_COLUMNS
from optimizer.report.progress import format_progress
from optimizer.result import Progress

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCREENSHOTS = SCENARIOS.parent / "docs" / "screenshots.py"
NAMES = {"C1": "Zelda Quux", "C5": "Yorick Vamp", "C7": "Xavier Wendt"}


def tiny_data(**overrides) -> dict:
    """Two tracks, three therapists, three rooms, seven clients; C7 cannot come (Sat only)."""
    clients = [
        {"client_id": f"C{i}", "track": "SUD" if i <= 4 else "MH", "plan": "P"} for i in range(1, 8)
    ]
    for client in clients:
        client["name"] = NAMES.get(client["client_id"])
    clients[6]["available"] = "Sat 09:00-12:00"
    data = {
        "name": "report test",
        "week_start": "2026-12-14",
        "timezone": "America/Los_Angeles",
        "days": ["Mon", "Tue"],
        "blocks": {"AM": ["09:00-09:50", "10:00-10:50"]},
        "session_types": {
            "group_therapy": {"kind": "group", "min_size": 2, "max_size": 6},
            "individual": {"kind": "individual"},
        },
        "plans": {
            "P": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 1, "individual": 1}}
        },
        "clients": clients,
        "therapists": [
            {"therapist_id": "T1", "skills": "group_therapy;individual", "max_sessions_per_day": 4},
            {"therapist_id": "T2", "skills": "group_therapy;individual"},
            {"therapist_id": "T3", "skills": "individual"},
        ],
        "rooms": [
            {"room_id": "R1", "capacity": 6},
            {"room_id": "R2", "capacity": 6},
            {"room_id": "R3", "capacity": 1, "serves": "individual"},
        ],
    }
    data.update(overrides)
    return data


def dst_data() -> dict:
    """Mon 2026-10-26 (PDT, UTC-7) and Sun 2026-11-01 (PST, UTC-8): DST ends inside the week."""
    return tiny_data(
        name="dst week",
        week_start="2026-10-26",
        days=["Mon", "Sun"],
        blocks={"AM": ["09:00-09:50"]},
        plans={"P": {"min_days": 2, "max_days": 2, "sessions": {"group_therapy": 2}}},
        clients=[{"client_id": f"C{i}", "track": "SUD", "plan": "P"} for i in range(1, 4)],
        therapists=[{"therapist_id": "T1", "skills": "group_therapy"}],
        rooms=None,
    )


def solved(data: dict) -> Result:
    result = solve(Scenario.from_data(data), time_limit=5, workers=1, seed=0)
    assert result.has_schedule
    return result


@pytest.fixture(scope="module")
def tiny_result() -> Result:
    result = solved(tiny_data())
    assert result.scheduled_clients == 6 and list(result.unscheduled["client_id"]) == ["C7"]
    return result


@pytest.fixture(scope="module")
def tiny_folder(tiny_result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_result.write(tmp_path_factory.mktemp("tiny") / "out")


@pytest.fixture(scope="module")
def named_folder(tiny_result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("named") / "out"
    return tiny_result.write(folder, names=True, client_calendars=True)


# ---- the folder ---------------------------------------------------------------------------


def test_every_output_is_in_the_folder_and_owner_only(tiny_folder: Path) -> None:
    names = {p.name for p in tiny_folder.iterdir()}
    assert {"report.html", "schedule.xlsx", "calendars"} <= names
    assert {p.name for p in (tiny_folder / "calendars").iterdir()} == {"T1.ics", "T2.ics", "T3.ics"}
    for path in [tiny_folder, *tiny_folder.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_outputs_can_be_switched_off(tiny_result: Result, tmp_path: Path) -> None:
    folder = tiny_result.write(tmp_path / "bare", report=False, xlsx=False, calendars=False)
    assert sorted(p.name for p in folder.iterdir()) == [
        "assignments.csv",
        "sessions.csv",
        "summary.json",
        "unscheduled.csv",
    ]


# ---- schedule.xlsx ------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A workbook value as the CSV writes it: dates ISO, times HH:MM (24:00 is a day)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        assert value.time() == dt.time(0), value  # a date, not a moment
        return value.date().isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        assert value == dt.timedelta(days=1), value
        return "24:00"
    return restore(str(value))


def sheet_rows(path: Path, title: str) -> tuple[list[str], list[list[str]]]:
    sheet = load_workbook(path)[title]
    rows = [[cell_text(v) for v in row] for row in sheet.values]
    return rows[0], rows[1:]


@pytest.mark.parametrize(
    ("title", "table"),
    [
        ("Sessions", "sessions.csv"),
        ("Assignments", "assignments.csv"),
        ("Unscheduled", "unscheduled.csv"),
    ],
)
def test_workbook_sheets_match_the_csvs(tiny_folder: Path, title: str, table: str) -> None:
    schedule = read_schedule(tiny_folder)
    frame = {
        "sessions.csv": schedule.sessions,
        "assignments.csv": schedule.assignments,
        "unscheduled.csv": schedule.unscheduled,
    }[table]
    header, rows = sheet_rows(tiny_folder / "schedule.xlsx", title)
    assert header == SCHEDULE_COLUMNS[table]
    assert rows == frame.fillna("").values.tolist()


def test_workbook_layout(tiny_folder: Path) -> None:
    book = load_workbook(tiny_folder / "schedule.xlsx")
    assert book.sheetnames == [
        "Week",
        "Sessions",
        "Assignments",
        "By therapist",
        "By client",
        "Unscheduled",
        "Compliance",
        "Summary",
    ]
    schedule = read_schedule(tiny_folder)
    assert book["By therapist"].max_row - 1 == len(schedule.sessions)
    assert book["By client"].max_row - 1 == len(schedule.assignments)
    for sheet in book.worksheets[1:]:  # the Week grid has its own layout (tested below)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        assert sheet.column_dimensions["A"].width > 5
    # One fill per session type, the same on every row of that type.
    sessions = book["Sessions"]
    type_col = SCHEDULE_COLUMNS["sessions.csv"].index("session_type") + 1
    fills: dict[str, set[str]] = {}
    for row in range(2, sessions.max_row + 1):
        stype = sessions.cell(row, type_col).value
        fills.setdefault(stype, set()).add(sessions.cell(row, 1).fill.fgColor.rgb)
    assert all(len(colours) == 1 for colours in fills.values())
    assert len({next(iter(c)) for c in fills.values()}) == len(fills) == 2
    summary = dict(list(book["Summary"].values)[1:12])
    assert summary["status"] in ("OPTIMAL", "FEASIBLE")
    assert summary["scheduled_clients"] == 6


@pytest.mark.parametrize(
    ("title", "columns"),
    [
        ("Sessions", ("date", "start", "end")),
        ("Assignments", ("date", "start", "end")),
        ("By therapist", ("date", "start", "end")),
        ("By client", ("date", "start", "end")),
    ],
)
def test_workbook_dates_and_times_are_values(
    tiny_folder: Path, title: str, columns: tuple[str, ...]
) -> None:
    """Excel sorts, filters and computes with them (issue 18, item 7): not text."""
    sheet = load_workbook(tiny_folder / "schedule.xlsx")[title]
    header = [cell.value for cell in sheet[1]]
    date_col, start_col, end_col = (header.index(c) + 1 for c in columns)
    assert sheet.max_row > 1
    for row in range(2, sheet.max_row + 1):
        date, start, end = (sheet.cell(row, c) for c in (date_col, start_col, end_col))
        assert isinstance(date.value, dt.datetime) and date.number_format == "yyyy-mm-dd"
        assert date.value.date() in (dt.date(2026, 12, 14), dt.date(2026, 12, 15))
        for cell in (start, end):
            assert isinstance(cell.value, dt.time) and cell.number_format == "hh:mm"
        # Slots of 50 minutes: Excel can subtract the times.
        minutes = (end.value.hour * 60 + end.value.minute) - (
            start.value.hour * 60 + start.value.minute
        )
        assert minutes == 50
    summary = dict(list(load_workbook(tiny_folder / "schedule.xlsx")["Summary"].values)[1:])
    assert summary["week_start"] == dt.datetime(2026, 12, 14)


def test_a_block_ending_at_midnight(tmp_path: Path) -> None:
    # One late block 22:00-24:00 in two slots; C1 and C2 (SUD) share a group in each slot.
    data = tiny_data(
        days=["Mon"],
        blocks={"LATE": ["22:00-23:00", "23:00-24:00"]},
        plans={"P": {"min_days": 1, "max_days": 1, "sessions": {"group_therapy": 2}}},
        clients=[{"client_id": f"C{i}", "track": "SUD", "plan": "P"} for i in (1, 2)],
        rooms=None,
    )
    result = solved(data)
    folder = result.write(tmp_path / "late", calendars=False, report=False)
    assert not check_schedule(result.scenario, read_schedule(folder))
    sheet = load_workbook(folder / "schedule.xlsx")["Sessions"]
    ends = {row[7].value: row[7].number_format for row in sheet.iter_rows(min_row=2)}
    # 24:00 is stored as one whole day, shown "24:00" by [hh]:mm ("hh:mm" would show 00:00).
    assert sorted(ends.values()) == ["[hh]:mm", "hh:mm"]
    _, rows = sheet_rows(folder / "schedule.xlsx", "Sessions")
    assert sorted(r[7] for r in rows) == ["23:00", "24:00"]


def test_unreadable_dates_in_an_edited_folder_stay_text(
    tiny_result: Result, tmp_path: Path
) -> None:
    folder = tiny_result.write(tmp_path / "edited", report=False, xlsx=False, calendars=False)
    text = (folder / "sessions.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")
    date_idx, start_idx = SCHEDULE_COLUMNS["sessions.csv"].index("date"), 6
    edited = first.copy()
    edited[date_idx], edited[start_idx] = "2026-02-30", "09:75"
    (folder / "sessions.csv").write_text(
        text.replace(",".join(first), ",".join(edited), 1), encoding="utf-8"
    )
    write_reports(tiny_result.scenario, folder, report=False, calendars=False)
    sheet = load_workbook(folder / "schedule.xlsx")["Sessions"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == first[0])
    assert (row[date_idx].value, row[start_idx].value) == ("2026-02-30", "09:75")
    assert row[date_idx].data_type == "s"


def week_cells(path: Path) -> tuple[list[str], dict[str, tuple[str, str]], list[list[object]]]:
    """The Week sheet: its header, session id -> (slot label, day header), and its rows."""
    sheet = load_workbook(path)["Week"]
    rows = [list(row) for row in sheet.values]
    header = [str(v) for v in rows[0]]
    found: dict[str, tuple[str, str]] = {}
    slot = ""
    for row in rows[1:]:
        slot = str(row[0]) if row[0] else slot
        for day, value in zip(header[1:], row[1:], strict=True):
            if value and value != "closed":
                session_id = str(value).splitlines()[-1].removeprefix("session ")
                assert session_id not in found, session_id
                found[session_id] = (slot, day)
    return header, found, rows


def test_week_sheet_is_the_grid(tiny_folder: Path) -> None:
    header, found, rows = week_cells(tiny_folder / "schedule.xlsx")
    assert header == ["block / slot", "Mon 14 Dec", "Tue 15 Dec"]
    sessions = read_schedule(tiny_folder).sessions
    number = {"09:00": 1, "10:00": 2}
    expected = {
        r.session_id: (f"AM {number[r.start]}, {r.start}-{r.end}", f"{r.day} {r.date[8:]} Dec")
        for r in sessions.itertuples()
    }
    assert found == expected  # every session once, in its slot and day
    # A slot takes as many rows as its busiest day has sessions then.
    busiest = sessions.groupby(["start", "day"]).size().groupby("start").max()
    labels = [row[0] for row in rows[1:]]
    assert len(rows) - 1 == busiest.sum()
    assert [label for label in labels if label] == ["AM 1, 09:00-09:50", "AM 2, 10:00-10:50"]
    sheet = load_workbook(tiny_folder / "schedule.xlsx")["Week"]
    assert sheet.freeze_panes == "B2"
    assert sheet.page_setup.orientation == "landscape"
    colours = {"group_therapy": "CFE2F3", "individual": "FCE5CD"}
    by_id = {r.session_id: r.session_type for r in sessions.itertuples()}
    for row in sheet.iter_rows(min_row=2, min_col=2):
        for cell in row:
            if cell.value:
                session_id = str(cell.value).splitlines()[-1].removeprefix("session ")
                assert cell.fill.fgColor.rgb.endswith(colours[by_id[session_id]])


def test_week_sheet_shows_closed_days(tmp_path: Path) -> None:
    result = solved(tiny_data(closed_dates=["2026-12-15"]))
    folder = result.write(tmp_path / "closed", report=False, calendars=False)
    assert not check_schedule(result.scenario, read_schedule(folder))
    header, found, rows = week_cells(folder / "schedule.xlsx")
    assert header == ["block / slot", "Mon 14 Dec", "Tue 15 Dec (closed)"]
    assert {day for _, day in found.values()} == {"Mon 14 Dec"}
    assert [row[2] for row in rows[1:]] == ["closed"] * (len(rows) - 1)


def test_formula_like_ids_are_written_as_text(tmp_path: Path) -> None:
    data = tiny_data(
        days=["Mon"],
        clients=[
            {"client_id": "=1+1", "track": "-SUD", "plan": "P"},
            {"client_id": "@C2", "track": "-SUD", "plan": "P"},
        ],
        rooms=None,
    )
    folder = solved(data).write(tmp_path / "out", report=False, calendars=False)
    book = load_workbook(folder / "schedule.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'=1+1", "'@C2", "'-SUD"} <= texts
    _, rows = sheet_rows(folder / "schedule.xlsx", "Assignments")
    assert {row[0] for row in rows} == {"=1+1", "@C2"}


# ---- calendars ----------------------------------------------------------------------------


def events(path: Path, zone: str = "America/Los_Angeles") -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert calendar.get("version") == "2.0" and calendar.get("prodid")
    assert [tz.get("tzid") for tz in calendar.walk("VTIMEZONE")] == [zone]
    return list(calendar.walk("VEVENT"))


def local(date: str, clock: str, zone: str = "America/Los_Angeles") -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(
        dt.date.fromisoformat(date), dt.time.fromisoformat(clock), tzinfo=ZoneInfo(zone)
    )


def test_therapist_calendars_hold_exactly_their_sessions(tiny_folder: Path) -> None:
    sessions = read_schedule(tiny_folder).sessions
    for therapist_id in ("T1", "T2", "T3"):
        mine = sessions[sessions["therapist_id"] == therapist_id]
        expected = sorted(
            (local(r.date, r.start), local(r.date, r.end), r.room_id, r.session_type)
            for r in mine.itertuples()
        )
        found = []
        for event in events(tiny_folder / "calendars" / f"{therapist_id}.ics"):
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            assert str(start.tzinfo) == "America/Los_Angeles"
            assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
            summary = str(event["summary"]).lower().replace(" ", "_")
            found.append((start, end, str(event["location"]).removeprefix("Room "), summary))
        assert sorted(found) == expected
        assert len(found) == len(mine) > 0


def test_therapist_calendars_carry_no_client_data(named_folder: Path) -> None:
    """Even with names=True and client calendars on: no client id, name or track."""
    forbidden = [*NAMES.values(), "SUD", "MH"] + [f"C{i}" for i in range(1, 8)]
    for path in (named_folder / "calendars").glob("T*.ics"):
        text = path.read_text(encoding="utf-8")
        for word in forbidden:
            assert not re.search(rf"\b{re.escape(word)}\b", text), (path.name, word)


def test_uids_are_unique_and_stable_across_exports(tiny_result: Result, tmp_path: Path) -> None:
    first = tiny_result.write(tmp_path / "a", report=False, xlsx=False)
    second = tiny_result.write(tmp_path / "b", report=False, xlsx=False)
    uids = [str(e["uid"]) for p in sorted((first / "calendars").iterdir()) for e in events(p)]
    again = [str(e["uid"]) for p in sorted((second / "calendars").iterdir()) for e in events(p)]
    assert uids == again and len(set(uids)) == len(uids)


def test_calendar_times_across_the_dst_change(tmp_path: Path) -> None:
    result = solved(dst_data())
    folder = result.write(tmp_path / "dst", report=False, xlsx=False)
    starts = sorted(e.decoded("dtstart") for e in events(folder / "calendars" / "T1.ics"))
    assert [s.strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-10-26 09:00",
        "2026-11-01 09:00",
    ]
    assert [s.utcoffset() for s in starts] == [dt.timedelta(hours=-7), dt.timedelta(hours=-8)]
    utc = [s.astimezone(dt.UTC).strftime("%H:%M") for s in starts]
    assert utc == ["16:00", "17:00"]
    assert "LOCATION" not in (folder / "calendars" / "T1.ics").read_text()  # no rooms


def test_client_calendars_only_on_request(tiny_folder: Path, named_folder: Path) -> None:
    assert not list((tiny_folder / "calendars").glob("client-*"))
    assignments = read_schedule(named_folder).assignments
    files = sorted(p.name for p in (named_folder / "calendars").glob("client-*.ics"))
    assert files == [f"client-C{i}.ics" for i in range(1, 7)]  # C7 is unscheduled
    for client_id in sorted(set(assignments["client_id"])):
        path = named_folder / "calendars" / f"client-{client_id}.ics"
        mine = assignments[assignments["client_id"] == client_id]
        found = sorted(e.decoded("dtstart") for e in events(path))
        assert found == sorted(local(r.date, r.start) for r in mine.itertuples())
        others = {f"C{i}" for i in range(1, 8)} - {client_id}
        text = path.read_text(encoding="utf-8")
        assert not [o for o in others if re.search(rf"\b{o}\b", text)]


# ---- time zone (issue 18, item 3) ---------------------------------------------------------


def without_zone() -> dict:
    data = tiny_data()
    del data["timezone"]
    return data


def test_a_week_without_a_zone_uses_this_computers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    result = solved(without_zone())
    folder = result.write(tmp_path / "ny")
    schedule = read_schedule(folder)
    assert not check_schedule(result.scenario, schedule)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert (summary["timezone"], summary["timezone_source"]) == ("America/New_York", "machine")
    mine = schedule.sessions[schedule.sessions["therapist_id"] == "T1"]
    starts = sorted(
        e.decoded("dtstart") for e in events(folder / "calendars" / "T1.ics", "America/New_York")
    )
    assert starts == sorted(local(r.date, r.start, "America/New_York") for r in mine.itertuples())
    # Slots start at 09:00 and 10:00; New York in December is UTC-5.
    assert {s.astimezone(dt.UTC).strftime("%H:%M") for s in starts} <= {"14:00", "15:00"}
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "times in America/New_York, this computer&#x27;s time zone" in html
    fields = dict(list(load_workbook(folder / "schedule.xlsx")["Summary"].values)[1:])
    assert (fields["timezone"], fields["timezone_source"]) == ("America/New_York", "machine")


@pytest.mark.parametrize(
    ("zone", "printed"),
    [
        pytest.param(
            None,
            "calendar times in America/New_York, this computer's time zone (the scenario sets "
            "none; add e.g. 'timezone: America/New_York' (an IANA name) to the scenario if the "
            "program is elsewhere)",
            id="this-computers",
        ),
        pytest.param(
            "Europe/Berlin",
            "calendar times in Europe/Berlin (the scenario's timezone)",
            id="the-scenarios",
        ),
    ],
)
def test_solve_and_report_print_the_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str | None, printed: str
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    data = without_zone() | ({"timezone": zone} if zone else {})
    scenario = tmp_path / "tiny.json"
    scenario.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    solve_run = runner.invoke(
        cli.main,
        ["solve", str(scenario), "--out", str(out), "--time-limit", "5", "--workers", "1"],
    )
    assert solve_run.exit_code == 0, solve_run.output
    assert printed in solve_run.output.splitlines()
    assert not check_schedule(load_scenario(scenario), read_schedule(out))
    report_run = runner.invoke(cli.main, ["report", str(scenario), str(out)])
    assert report_run.exit_code == 0, report_run.output
    assert printed in report_run.output.splitlines()
    expected = zone or "America/New_York"
    assert events(out / "calendars" / "T1.ics", expected)


# ---- names --------------------------------------------------------------------------------


def folder_text(folder: Path) -> str:
    parts = [(folder / "report.html").read_text(encoding="utf-8")]
    book = load_workbook(folder / "schedule.xlsx")
    parts += [str(v) for sheet in book.worksheets for row in sheet.values for v in row]
    parts += [p.read_text(encoding="utf-8") for p in (folder / "calendars").iterdir()]
    parts += [p.read_text(encoding="utf-8") for p in folder.glob("*.csv")]
    return "\n".join(parts)


def test_names_absent_by_default(tiny_folder: Path) -> None:
    text = folder_text(tiny_folder)
    assert not [name for name in NAMES.values() if name in text]


def test_names_present_with_names_option(named_folder: Path) -> None:
    html = (named_folder / "report.html").read_text(encoding="utf-8")
    assert all(name in html for name in NAMES.values())  # C7 too: in the unscheduled list
    _, rows = sheet_rows(named_folder / "schedule.xlsx", "By client")
    assert "Zelda Quux" in {row[1] for row in rows}
    for path in named_folder.glob("*.csv"):  # the SPEC §5 files never carry names
        assert not [n for n in NAMES.values() if n in path.read_text(encoding="utf-8")]


# ---- report.html --------------------------------------------------------------------------


def test_html_is_self_contained_and_printable(tiny_folder: Path) -> None:
    html = (tiny_folder / "report.html").read_text(encoding="utf-8")
    assert "@page" in html and "landscape" in html
    for fetch in ("<script", "<link", "src=", "url(", "@import"):
        assert fetch not in html
    assert set(re.findall(r"https?://[^\s\"']*", html)) == {"http://www.w3.org/2000/svg"}
    assert 'id="week-grid"' in html and "<svg" in html
    assert "C7" in html and "unscheduled" in html
    for section in ("therapists", "rooms", "clients", "unscheduled", "utilisation", "summary"):
        assert f'id="{section}"' in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs it)"
)


def screenshots_script() -> ModuleType:
    """``docs/screenshots.py`` as a module: the Chromium flags that work headless here."""
    spec = importlib.util.spec_from_file_location("screenshots", SCREENSHOTS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chromium(args: list[str], page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = screenshots_script().CHROMIUM_FLAGS
    command = [CHROMIUM, *flags, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def pixels_of(png: Path, colour: str) -> tuple[int, list[int]]:
    """How many pixels have ``colour`` (``RRGGBB``, within 2 per channel), and their rows."""
    from matplotlib.image import imread

    rgb = (imread(png)[..., :3] * 255).round().astype(int)
    target = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    hits = (abs(rgb - target) <= 2).all(axis=-1)
    return int(hits.sum()), sorted({int(r) for r in np.nonzero(hits)[0]})


@needs_chromium
def test_report_renders_in_headless_chromium(tiny_folder: Path, tmp_path: Path) -> None:
    page = tiny_folder / "report.html"
    dom = chromium(["--dump-dom"], page, tmp_path / "profile-dom").stdout
    assert re.search(r'<table class="grid" id="week-grid">', dom)
    grid = dom[dom.index('id="week-grid"') : dom.index("</table>", dom.index('id="week-grid"'))]
    for session_id in read_schedule(tiny_folder).sessions["session_id"]:
        assert f'data-session-id="{session_id}"' in grid, session_id

    png = tmp_path / "report.png"
    chromium([f"--screenshot={png}", "--window-size=1600,1200"], page, tmp_path / "profile-png")
    from matplotlib.image import imread

    assert imread(png).shape[:2] == (1200, 1600)
    # The grid is visible: the session-type fills are on screen.
    for colour in ("CFE2F3", "FCE5CD"):  # group_therapy, individual
        assert pixels_of(png, colour)[0] > 500, colour


@needs_chromium
def test_the_screenshot_script_renders_both_pictures(tmp_path: Path) -> None:
    """docs/screenshots.py on a tiny example: both pictures have their size and show the
    page, not the blank one headless Chromium paints when asked to scroll."""
    from matplotlib.image import imread

    done = subprocess.run(
        [sys.executable, str(SCREENSHOTS), "--scenario", str(SCENARIOS / "tiny-saturday")]
        + ["--out-dir", str(tmp_path), "--name", "shot", "--time-limit", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # tiny-saturday: C04 is admitted after, C05 discharged before the Saturday (its README).
    assert "tiny-saturday: OPTIMAL, 3 of 5 clients, objective 3, bound 3" in done.stdout
    top, lower = tmp_path / "shot.png", tmp_path / "shot-load.png"
    assert imread(top).shape[:2] == (1200, 1600)
    assert imread(lower).shape[:2] == (1000, 1600)
    # The top shows the grid (the three group types' fills); the lower one starts just above
    # the utilisation chart: its heading at 260 px, its bar (#4a7ebb) right below.
    for colour in ("CFE2F3", "FCE5CD", "D9EAD3"):  # group therapy, psychoeducation, skills
        assert pixels_of(top, colour)[0] > 500, colour
    count, rows = pixels_of(lower, "4A7EBB")
    assert count > 500
    assert 260 < rows[0] < 360


@pytest.mark.parametrize("example", sorted(p.name for p in SCENARIOS.glob("tiny-*") if p.is_dir()))
def test_every_tiny_example_gets_consistent_outputs(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overlapping blocks, Saturdays, several tracks: each output holds every session."""
    monkeypatch.setenv("TZ", "America/Chicago")  # the examples name no zone: this computer's
    result = solve(load_scenario(SCENARIOS / example), time_limit=5, workers=1, seed=0)
    folder = result.write(tmp_path / "out", client_calendars=True)
    sessions = read_schedule(folder).sessions
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert all(f'data-session-id="{sid}"' in html for sid in sessions["session_id"])
    _, rows = sheet_rows(folder / "schedule.xlsx", "Sessions")
    assert len(rows) == len(sessions)
    counts = sessions["therapist_id"].value_counts()
    for therapist in result.scenario.therapists:
        ics = folder / "calendars" / f"{therapist.therapist_id}.ics"
        assert len(events(ics, "America/Chicago")) == counts.get(therapist.therapist_id, 0)


# ---- existing folders, CLI, progress ------------------------------------------------------


def test_write_reports_for_an_existing_folder(tiny_result: Result, tmp_path: Path) -> None:
    folder = tiny_result.write(tmp_path / "plain", report=False, xlsx=False, calendars=False)
    written = write_reports(tiny_result.scenario, folder, client_calendars=True)
    assert [p.name for p in written] == ["report.html", "schedule.xlsx", "calendars"]
    assert len(list((folder / "calendars").glob("client-*.ics"))) == 6
    again = write_reports(tiny_result.scenario, folder, report=False, xlsx=False)
    assert [p.name for p in again] == ["calendars"]
    assert not list((folder / "calendars").glob("client-*.ics"))  # replaced as a whole
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging left


def test_cli_report_and_solve_options(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.json"
    scenario.write_text(json.dumps(tiny_data()), encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "out"
    solved_run = runner.invoke(
        cli.main,
        [
            "solve",
            str(scenario),
            "--out",
            str(out),
            "--time-limit",
            "5",
            "--workers",
            "1",
            "--no-report",
            "--no-xlsx",
            "--no-calendars",
        ],
    )
    assert solved_run.exit_code == 0, solved_run.output
    assert "solving" not in solved_run.output  # not a terminal: no progress line
    assert not (out / "report.html").exists() and not (out / "calendars").exists()
    report = runner.invoke(cli.main, ["report", str(scenario), str(out), "--no-calendars"])
    assert report.exit_code == 0, report.output
    assert (out / "report.html").exists() and (out / "schedule.xlsx").exists()
    assert not (out / "calendars").exists()
    assert not [n for n in NAMES.values() if n in report.output + solved_run.output]
    quiet = runner.invoke(
        cli.main,
        [
            "solve",
            str(scenario),
            "--out",
            str(tmp_path / "q"),
            "--time-limit",
            "5",
            "--workers",
            "1",
            "--quiet",
            "--names",
            "--client-calendars",
        ],
    )
    assert quiet.exit_code == 0 and quiet.output == ""
    assert (tmp_path / "q" / "calendars" / "client-C1.ics").exists()
    assert "Zelda Quux" in (tmp_path / "q" / "report.html").read_text(encoding="utf-8")
    missing = runner.invoke(cli.main, ["report", str(scenario), str(tmp_path / "nowhere")])
    assert missing.exit_code == 2


def test_progress_line_on_a_terminal(tmp_path: Path) -> None:
    """On a TTY the live line is drawn (carriage returns) and cleared; ids only, no names."""
    import os
    import pty

    scenario = tmp_path / "tiny.json"
    scenario.write_text(json.dumps(tiny_data()), encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "cli.py", "solve", str(scenario), "--out", str(tmp_path / "o")]
    command += ["--time-limit", "3", "--workers", "1", "--no-xlsx", "--no-calendars"]
    leader, follower = pty.openpty()
    done = subprocess.run(
        command, cwd=root, stdout=follower, stderr=subprocess.PIPE, timeout=120, check=False
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert done.returncode == 0, done.stderr
    assert "\rsolving" in shown and "bound" in shown and "gap" in shown
    assert "status " in shown  # the summary follows the cleared line
    assert not [name for name in NAMES.values() if name in shown]


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (None, "searching for a first schedule"),
        (Progress(1.0, 30, 40, 1), "scheduled (weighted) 30  bound 40  gap 25.0%"),
        (Progress(1.0, 40, 40, 1), "gap 0.0%"),
        (Progress(2.0, 12, 9, 2), "phase 2  secondary penalty 12  bound 9  gap 25.0%"),
    ],
)
def test_progress_line(progress: Progress | None, expected: str) -> None:
    line = format_progress(3.25, progress)
    assert "3.2s" in line and expected in line
