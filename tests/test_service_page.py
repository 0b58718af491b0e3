"""The coordinator's page in a real headless Chromium (Playwright driving Debian's
chromium): upload the example workbook, solve, see the week, move a client and see the
checker's verdict change, read an unscheduled client's story, download the workbook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from service_server import CHROMIUM, SCENARIOS, Server, launch_chromium, start_server

from optimizer import load_scenario
from optimizer.io.workbook import write_workbook_scenario

WAIT_MS = 120_000
"""Longest wait for the page (a solve on a loaded machine); never a measured figure."""


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("page") / "server.log")
    yield server
    server.stop()


@pytest.fixture
def page(page_server: Server) -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1440, "height": 900}
        )
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(page_server.url)
        yield tab
        browser.close()
        assert not errors, errors


def test_upload_solve_move_check_explain_download(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    # tiny-evening-bottleneck README: C01-C04 in EVE on two evenings, C07-C08 in AM on two
    # days, two slots a day: 2 x 2 EVE groups + 2 x 2 AM groups = 8 sessions; C05 and C06
    # unscheduled (T01's weekly limit of 4 sessions).
    workbook = write_workbook_scenario(
        load_scenario(SCENARIOS / "tiny-evening-bottleneck"), tmp_path / "program.xlsx"
    )
    started = time.perf_counter()
    page.set_input_files("#file", str(workbook))
    expect(page.locator("#facts")).to_contain_text("8 clients, 2 therapists, rooms not modelled")
    page.fill("#time-limit", "30")
    page.click("#solve-btn")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)
    print(f"upload to checked week: {time.perf_counter() - started:.1f} s")
    grid = page.locator("#view table.grid")
    expect(grid.locator(".session")).to_have_count(8)
    expect(page.locator("#tab-unscheduled")).to_have_text("Unscheduled (2)")
    expect(page.locator("#place-panel")).to_be_visible()

    # Move C07 from its morning group into an evening group of the same day: two blocks
    # that day and an evening group of 5 (at most 4): the checker says BROKEN at once.
    morning = grid.locator(".session", has_text="T02").first
    morning.click()
    member = page.locator("#drawer .members li", has_text="C07")
    select = member.locator("select")
    evening = select.locator("option", has_text=" EVE ").first.get_attribute("value")
    assert evening
    select.select_option(evening)
    member.locator("button.move-client").click()
    expect(page.locator("#verdict")).to_contain_text("BROKEN", timeout=WAIT_MS)
    expect(page.locator("#violations")).to_contain_text("C07")
    expect(page.locator("#summary-line")).to_contain_text("edited by hand")

    # The download is the week as shown: C07's moved session is in the workbook.
    with page.expect_download() as download:
        page.click('[data-file="schedule.xlsx"]')
    saved = tmp_path / "schedule.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    sheet = book["Assignments"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    moved = [
        r
        for r in rows[1:]
        if r[header.index("client_id")] == "C07" and r[header.index("block")] == "EVE"
    ]
    assert len(moved) == 1 and len(rows) - 1 == 24  # 6 clients x 2 days x 2 slots
    book.close()

    page.click("#undo-btn")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)

    # Move a whole evening session to T02, who works 08:00-16:00 only: broken again.
    grid.locator(".session", has_text="T01").first.click()
    page.locator("#drawer .form select").nth(2).select_option("T02")
    page.click("#drawer .form button.primary")
    expect(page.locator("#verdict")).to_contain_text("BROKEN", timeout=WAIT_MS)
    expect(page.locator("#violations")).to_contain_text("T02")
    page.click("#reset-btn")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)

    # An unscheduled client: the reason, then the explain story naming T01's limit.
    page.click('.tabs button[data-view="unscheduled"]')
    page.locator("#view button.link", has_text="C05").click()
    page.click("#drawer .explain-btn")
    expect(page.locator("#drawer .explain .story")).to_contain_text("T01", timeout=WAIT_MS)


def test_place_a_new_intake_and_apply_an_option(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    # tiny-evening-bottleneck (see above). C05 fits nowhere, even moving others (T01's
    # weekly limit). A new intake N01 (SUD, TWO-DAY, free all day) fits by joining C07 and
    # C08's morning groups: one option; applied, 7 of 9 clients are scheduled and the
    # checker still finds every rule kept.
    workbook = write_workbook_scenario(
        load_scenario(SCENARIOS / "tiny-evening-bottleneck"), tmp_path / "program.xlsx"
    )
    page.set_input_files("#file", str(workbook))
    page.fill("#time-limit", "30")
    page.click("#solve-btn")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)
    expect(page.locator("#place-panel")).to_be_visible()

    page.fill("#place-client", "C05")
    expect(page.locator("#intake")).to_be_hidden()  # a client of the scenario
    page.click("#place-btn")
    expect(page.locator("#place-result .place-story")).to_contain_text(
        "no option without moving others", timeout=WAIT_MS
    )
    expect(page.locator("#place-result ol.options")).to_have_count(0)

    page.fill("#place-client", "N01")
    expect(page.locator("#intake")).to_be_visible()  # a new intake: track, plan, times
    page.fill("#intake-track", "SUD")
    page.select_option("#intake-plan", "TWO-DAY")
    page.click("#place-btn")
    options = page.locator("#place-result ol.options > li")
    expect(options).to_have_count(1, timeout=WAIT_MS)
    expect(options.first).to_contain_text("in AM")
    expect(options.first).to_contain_text("✓ OK: no rule is broken")
    expect(options.first.locator("tbody tr")).to_have_count(4)  # two days x two slots
    options.first.locator("button.apply-option").click()
    expect(page.locator("#place-result")).to_contain_text("Applied option 1: N01")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)
    expect(page.locator("#summary-line")).to_contain_text("7 of 9 clients scheduled")
    page.click('.tabs button[data-view="clients"]')
    expect(page.locator("#view tr", has_text="N01")).to_contain_text("AM")
    # Undo takes the option back; the intake stays in the scenario, not placed.
    page.click("#undo-btn")
    expect(page.locator("#verdict")).to_have_text("OK: no rule is broken", timeout=WAIT_MS)
    expect(page.locator("#summary-line")).to_contain_text("6 of 9 clients scheduled")


def test_invalid_workbook_shows_its_problems_in_place(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    path = write_workbook_scenario(
        load_scenario(SCENARIOS / "tiny-evening-bottleneck"), tmp_path / "program.xlsx"
    )
    book = load_workbook(path)
    book["clients"]["C3"] = "IOP-9"  # row 3 = C02; column C = plan
    book.save(path)
    page.set_input_files("#file", str(path))
    issues = page.locator("#issues")
    expect(issues).to_be_visible()
    expect(issues).to_contain_text("program.xlsx, sheet clients, row 3, column plan (C)")
    expect(issues).to_contain_text("unknown plan 'IOP-9'")
    expect(page.locator("#solve-panel")).to_be_hidden()
