"""Loading scenarios from disk: folders, single YAML/JSON files, spreadsheet-made CSVs.

Invalid files are copies of ``tests/data/tiny`` with one edit; each issue must name the file
and the spreadsheet row (header = row 1) and column, or the YAML key.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from optimizer import Issue, Scenario, ScenarioError, load_scenario

DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario(DATA / "tiny")


def copy_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file (which must hold it) by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def issues_loading(path: Path) -> list[Issue]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.issues


# ---------------------------------------------------------------------------------------
# Invalid files: (file, old text, new text, where (regex), what the issue says)

C1_ROW = "C1,Ana P.,SUD,IOP-2,,Mon-Fri 12:00-17:00,AM,T1,"  # clients.csv row 2
C2_ROW = "C2,Ben Q.,SUD,IOP-2,"  # row 3
C3_ROW = "C3,Cy R.,SUD,STEP-DOWN,,Mon-Fri 08:00-17:30,EVE,"  # row 4
T2_ROW = "T2,group_therapy;psychoeducation;individual,"  # therapists.csv row 3

INVALID_FILES = [
    pytest.param(
        "scenario.yaml",
        "days: [Mon, Tue]",
        "days: [Mon, Tue",
        r"scenario\.yaml line \d+",
        "is not valid YAML",
        id="broken-yaml",
    ),
    pytest.param(
        "clients.csv",
        "client_id,name,track,plan,",
        "client_id,name,plan,",
        "clients.csv row 1",
        "required column 'track' is missing",
        id="missing-required-column",
    ),
    pytest.param(
        "clients.csv",
        "client_id,name,track,",
        "client_id,name,trak,",
        "clients.csv row 1",
        "required column 'track' is missing (did you mean 'trak'?)",
        id="misspelled-required-column",
    ),
    # A misspelled optional column would silently lose data, so it is an error too.
    pytest.param(
        "clients.csv",
        ",primary_therapist,",
        ",primary_therapits,",
        "clients.csv row 1",
        "unknown column 'primary_therapits' (did you mean 'primary_therapist'?)",
        id="misspelled-optional-column",
    ),
    pytest.param(
        "clients.csv",
        C1_ROW,
        C1_ROW.replace("IOP-2", "IOP2"),
        "clients.csv row 2, column plan",
        "unknown plan 'IOP2' (did you mean 'IOP-2'?)",
        id="unknown-plan-did-you-mean",
    ),
    pytest.param(
        "clients.csv",
        C1_ROW,
        C1_ROW.replace(",T1,", ",T9,"),
        "clients.csv row 2, column primary_therapist",
        "unknown therapist 'T9'",
        id="unknown-primary-therapist",
    ),
    pytest.param(
        "clients.csv",
        C3_ROW,
        C3_ROW.replace(",EVE,", ",PM,"),
        "clients.csv row 4, column preferred_block",
        "unknown block 'PM'",
        id="unknown-block",
    ),
    pytest.param(
        "therapists.csv",
        T2_ROW,
        T2_ROW.replace("psychoeducation", "psychoed"),
        "therapists.csv row 3, column skills",
        "unknown session type 'psychoed' (did you mean 'psychoeducation'?)",
        id="unknown-type-in-skills",
    ),
    pytest.param(
        "rooms.csv",
        "R2,1,individual,",
        "R2,1,individual;grp,",
        "rooms.csv row 3, column serves",
        "unknown session type 'grp'",
        id="unknown-type-in-serves",
    ),
    pytest.param(
        "scenario.yaml",
        "sessions: {group_therapy: 1}}",
        "sessions: {grp: 1}}",
        r"scenario\.yaml: plans\.STEP-DOWN\.sessions\.grp",
        "unknown session type 'grp'",
        id="unknown-type-in-plan",
    ),
    pytest.param(
        "clients.csv",
        C2_ROW,
        C2_ROW.replace("C2,", "C1,"),
        "clients.csv row 3, column client_id",
        "duplicate id 'C1'",
        id="duplicate-client-id",
    ),
    pytest.param(
        "therapists.csv",
        T2_ROW,
        T2_ROW.replace("T2,", "T1,"),
        "therapists.csv row 3, column therapist_id",
        "duplicate id 'T1'",
        id="duplicate-therapist-id",
    ),
    pytest.param(
        "scenario.yaml",
        '["09:00-09:50", "10:00-10:50"]',
        '["09:00-09:50", "09:45-10:50"]',
        r"scenario\.yaml: blocks\.AM\[1\]",
        "starts before the previous slot",
        id="overlapping-slots",
    ),
    pytest.param(
        "scenario.yaml",
        "group_therapy:   {kind: group, min_size: 2",
        "group_therapy:   {kind: group, min_size: 7",
        r"scenario\.yaml: session_types\.group_therapy",
        "min_size 7 is above max_size 6",
        id="min-size-above-max-size",
    ),
    # IOP-2 would need 4 + 1 + 1 = 6 sessions in 2 days of at most 2 slots (4).
    pytest.param(
        "scenario.yaml",
        "sessions: {group_therapy: 2,",
        "sessions: {group_therapy: 4,",
        r"scenario\.yaml: plans\.IOP-2\.sessions",
        "needs 6 sessions a week",
        id="plan-cannot-fit",
    ),
    pytest.param(
        "clients.csv",
        C3_ROW,
        C3_ROW.replace("Mon-Fri 08:00-17:30", "Mon 9-5"),
        "clients.csv row 4, column busy",
        "window 'Mon 9-5'",
        id="malformed-window",
    ),
    pytest.param(
        "clients.csv",
        "2026-12-11",
        "2026-12-32",
        "clients.csv row 6, column discharge_date",
        "'2026-12-32' is not a date",
        id="date-not-a-date",
    ),
    pytest.param(
        "scenario.yaml",
        "closed_dates: []",
        "closed_dates: [2026-02-30]",
        r"scenario\.yaml: closed_dates\[0\]",
        "'2026-02-30' is not a date",
        id="yaml-date-not-a-date",
    ),
    pytest.param(
        "scenario.yaml",
        "week_start: 2026-12-14",
        "week_start: 2026-12-15",
        r"scenario\.yaml: week_start",
        "2026-12-15 is a Tue; week_start must be a Monday",
        id="week-start-not-monday",
    ),
    pytest.param(
        "scenario.yaml",
        "rules:",
        "rule:",
        r"scenario\.yaml: rule",
        "unknown key 'rule' (did you mean 'rules'?)",
        id="misspelled-key",
    ),
    pytest.param(
        "scenario.yaml",
        "clients: clients.csv\n",
        "",
        r"scenario\.yaml: clients",
        "is missing",
        id="missing-table",
    ),
    pytest.param(
        "scenario.yaml",
        "clients: clients.csv",
        "clients: client.csv",
        r"client\.csv",
        "does not exist",
        id="missing-csv-file",
    ),
    pytest.param(
        "rooms.csv",
        "R1,6,,",
        "R1,six,,",
        "rooms.csv row 2, column capacity",
        "six",
        id="capacity-not-a-number",
    ),
    pytest.param(
        "therapists.csv",
        ",6,,SUD,en",
        ",-1,,SUD,en",
        "therapists.csv row 2, column max_sessions_per_day",
        "greater than or equal to 0",
        id="negative-cap",
    ),
    pytest.param(
        "clients.csv",
        C2_ROW + ",,AM,,,,C3,2,",
        C2_ROW + ",,AM,,,,C3,0,",
        "clients.csv row 3, column priority",
        "greater than or equal to 1",
        id="priority-zero",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "says"), INVALID_FILES)
def test_invalid_file(tmp_path: Path, file: str, old: str, new: str, where: str, says: str) -> None:
    folder = copy_tiny(tmp_path)
    edit(folder / file, old, new)
    issues = issues_loading(folder)
    assert any(re.fullmatch(where, i.where) and says in str(i) for i in issues), issues


def test_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    folder = copy_tiny(tmp_path)
    edit(folder / "clients.csv", C2_ROW, C2_ROW.replace("C2,", "C1,"))
    wheres = [i.where for i in issues_loading(folder) if "duplicate" in i.problem]
    assert wheres == ["clients.csv row 2, column client_id", "clients.csv row 3, column client_id"]


def test_every_bad_row_of_every_file_in_one_pass(tmp_path: Path) -> None:
    # Two bad rows in clients.csv and one in therapists.csv: three issues, in file order.
    folder = copy_tiny(tmp_path)
    edit(folder / "clients.csv", C1_ROW, C1_ROW.replace("IOP-2", "IOP2"))
    edit(folder / "clients.csv", C3_ROW, C3_ROW.replace("STEP-DOWN", "STEPDOWN"))
    edit(folder / "therapists.csv", T2_ROW, T2_ROW.replace("psychoeducation", "psychoed"))
    assert [i.where for i in issues_loading(folder)] == [
        "clients.csv row 2, column plan",
        "clients.csv row 4, column plan",
        "therapists.csv row 3, column skills",
    ]


def test_header_problems_of_two_files_in_one_pass(tmp_path: Path) -> None:
    folder = copy_tiny(tmp_path)
    edit(folder / "clients.csv", "client_id,name,track,", "client_id,name,")
    edit(folder / "rooms.csv", "room_id,capacity,", "room_id,")
    issues = issues_loading(folder)
    assert {(i.where, i.problem) for i in issues} == {
        ("clients.csv row 1", "required column 'track' is missing"),
        ("rooms.csv row 1", "required column 'capacity' is missing"),
    }


def test_row_numbers_count_blank_rows_and_multiline_cells(tmp_path: Path) -> None:
    # Row 2 holds a two-line notes cell (one spreadsheet row), then an all-empty row 4 and a
    # blank row 5; the bad plan is in spreadsheet row 6.
    folder = copy_tiny(tmp_path)
    path = folder / "clients.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("likes mornings", '"likes\nmornings"')
    lines[3] = lines[3].replace("STEP-DOWN", "STEPDOWN")
    lines[3:3] = [",,,,,,,,,,,,,", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [i.where for i in issues_loading(folder)] == ["clients.csv row 6, column plan"]


def test_empty_csv(tmp_path: Path) -> None:
    folder = copy_tiny(tmp_path)
    (folder / "rooms.csv").write_text("\n\n", encoding="utf-8")
    (issue,) = issues_loading(folder)
    assert (issue.where, issue.problem) == ("rooms.csv", "is empty")


def test_csv_not_utf8(tmp_path: Path) -> None:
    folder = copy_tiny(tmp_path)
    path = folder / "clients.csv"
    path.write_bytes(
        path.read_text(encoding="utf-8").replace("Ana P.", "Ana Pérez").encode("latin-1")
    )
    (issue,) = issues_loading(folder)
    assert issue.where == "clients.csv"
    assert "not UTF-8" in issue.problem


@pytest.mark.parametrize(
    ("name", "text", "where", "says"),
    [
        pytest.param(
            "week.json",
            '{"name": "x",}',
            r"week\.json line 1",
            "is not valid JSON",
            id="broken-json",
        ),
        pytest.param(
            "week.yaml", "- a\n- b\n", r"week\.yaml", "does not hold a mapping", id="yaml-list"
        ),
        pytest.param("week.yaml", "week_start: !!int x\n", r"week\.yaml.*", "", id="yaml-bad-tag"),
        pytest.param(
            "week.txt",
            "name: x\n",
            r".*week\.txt",
            "is not a .yaml, .yml or .json file",
            id="suffix",
        ),
    ],
)
def test_unreadable_document(tmp_path: Path, name: str, text: str, where: str, says: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    issues = issues_loading(path)
    assert any(re.fullmatch(where, i.where) and says in str(i) for i in issues), issues


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    (missing,) = issues_loading(tmp_path / "nowhere")
    assert missing.problem == "does not exist"
    (empty,) = issues_loading(tmp_path)
    assert empty.problem == "holds no scenario.yaml"


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "says"),
    [
        pytest.param(
            "tiny.yaml",
            "name: Ben Q., track: SUD, plan: IOP-2",
            "name: Ben Q., track: SUD, plan: IOP2",
            "tiny.yaml: clients[1].plan",
            "did you mean 'IOP-2'?",
            id="yaml-inlined-row",
        ),
        pytest.param(
            "tiny.yaml",
            "discharge_date: 2026-12-11",
            "discharge_date: 2026-12-41",
            "tiny.yaml: clients[4].discharge_date",
            "'2026-12-41' is not a date",
            id="yaml-inlined-date",
        ),
        pytest.param(
            "tiny.json",
            '{"therapist_id": "T2"',
            '{"therapist_id": "T1"',
            "tiny.json: therapists[1].therapist_id",
            "duplicate id 'T1'",
            id="json-inlined-row",
        ),
        pytest.param(
            "tiny.json",
            '"available": "Mon-Fri 08:30-17:00"',
            '"available": "Mon 9-5"',
            "tiny.json: therapists[0].available",
            "window 'Mon 9-5'",
            id="json-inlined-window",
        ),
    ],
)
def test_invalid_single_document(
    tmp_path: Path, file: str, old: str, new: str, where: str, says: str
) -> None:
    path = tmp_path / file
    shutil.copy(DATA / file, path)
    edit(path, old, new)
    issues = issues_loading(path)
    assert any(i.where == where and says in i.problem for i in issues), issues


# ---------------------------------------------------------------------------------------
# The same scenario in every form


@pytest.mark.parametrize("form", ["tiny/scenario.yaml", "tiny.yaml", "tiny.json"])
def test_every_form_loads_the_same_scenario(tiny: Scenario, form: str) -> None:
    assert load_scenario(DATA / form) == tiny


def test_tiny_content(tiny: Scenario) -> None:
    # Spot checks that the CSV cells were parsed, not just carried.
    c1, c2 = tiny.clients[0], tiny.clients[1]
    assert c1.busy == tuple((day, 12 * 60, 17 * 60) for day in range(5))
    assert c2.avoid == ("C3",) and c2.priority == 2 and c2.language == "es"
    assert tiny.therapists[0].skills == ("group_therapy", "psychoeducation", "individual")
    assert tiny.therapists[1].max_sessions_per_week == 20
    assert tiny.rooms is not None and tiny.rooms[1].serves == ("individual",)
    assert tiny.rules.commute_minutes == 30


@pytest.mark.parametrize(
    "path",
    [DATA / "tiny", *sorted(p for p in SCENARIOS.iterdir() if (p / "scenario.yaml").is_file())],
    ids=lambda p: p.name,
)
def test_to_data_round_trips(path: Path) -> None:
    scenario = load_scenario(path)
    assert Scenario.from_data(scenario.to_data()) == scenario


def test_notes_are_not_stored(tiny: Scenario) -> None:
    assert "likes mornings" not in repr(tiny.to_data())
    assert "Ana P." not in repr(tiny.clients[0])  # names never reach a log line via repr


def excel_style(text: str) -> str:
    """What a spreadsheet saving "CSV UTF-8" in a ';' locale makes of a plain CSV file."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([f"{cell}  " if cell else cell for cell in row])  # trailing spaces
    width = len(rows[0])
    return (
        "\ufeff" + out.getvalue() + ";" * (width - 1) + "\r\n" + ";" * (width - 1) + "\r\n" + "\r\n"
    )


def test_excel_style_csv_loads_equal(tmp_path: Path, tiny: Scenario) -> None:
    folder = copy_tiny(tmp_path)
    for name in ("clients.csv", "therapists.csv", "rooms.csv"):
        path = folder / name
        path.write_bytes(excel_style(path.read_text(encoding="utf-8")).encode("utf-8"))
    raw = (folder / "therapists.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b'"group_therapy;' in raw
    assert load_scenario(folder) == tiny


def test_excel_style_errors_keep_row_numbers(tmp_path: Path) -> None:
    folder = copy_tiny(tmp_path)
    edit(folder / "clients.csv", C3_ROW, C3_ROW.replace("STEP-DOWN", "STEPDOWN"))
    path = folder / "clients.csv"
    path.write_bytes(excel_style(path.read_text(encoding="utf-8")).encode("utf-8"))
    assert [i.where for i in issues_loading(folder)] == ["clients.csv row 4, column plan"]


def test_misspelled_column_of_an_inlined_row(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    shutil.copy(DATA / "tiny.yaml", path)
    edit(
        path,
        "name: Ben Q., track: SUD, plan: IOP-2",
        "name: Ben Q., track: SUD, plan: IOP-2, prefered_block: AM",
    )
    issues = issues_loading(path)
    assert any(
        i.where == "tiny.yaml: clients[1]"
        and "unknown column 'prefered_block' (did you mean 'preferred_block'?)" in i.problem
        for i in issues
    ), issues
