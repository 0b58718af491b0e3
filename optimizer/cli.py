"""Command line of the IOP timetable optimizer (SPEC §6).

Click commands only: each parses its arguments, calls the library and prints; the library
raises typed errors (:class:`~optimizer.errors.OptimizerError`) that become messages and exit
codes here. Exit codes: 0 done, 1 rule violations or failed variants, 2 invalid input, 3 no
schedule found in the time limit, 130 interrupted. Run it as ``iop-optimizer``, as
``python -m optimizer`` or, from the repository root, as ``python cli.py``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .check import (
    AmbiguousSessionsError,
    check_schedule,
    format_violations,
    rewrite_sessions_csv,
)
from .errors import OptimizerError
from .explain import DEFAULT_EXPLAIN_TIME, explain
from .io import load_scenario, read_schedule
from .io.folders import default_out_dir
from .redact import pseudonyms, redact_result, redact_scenario
from .report import write_reports
from .report.progress import ProgressLine
from .report.text import summary_text
from .result import SolveStatus
from .solve import solve
from .terms import parse_weight_overrides
from .timezones import program_timezone
from .weekly.place import DEFAULT_TIME_LIMIT as DEFAULT_PLACE_SECONDS
from .weekly.place import DEFAULT_TOP, place
from .weekly.replan import check_replan_date, replan_date
from .whatif import format_comparison, load_whatif, run_batch, succeeded

EXIT_INVALID_INPUT = 2
EXIT_NO_SCHEDULE = 3
EXIT_INTERRUPTED = 130


def _fail_input(error: OptimizerError) -> None:
    click.echo(f"error: invalid input ({len(error.issues)} problem(s)):", err=True)
    for issue in error.issues:
        click.echo(f"  {issue}", err=True)
    sys.exit(EXIT_INVALID_INPUT)


REDACT_KEY_VARIABLE = "IOP_REDACT_KEY"
_REDACT_HELP = (
    "Replace client ids by stable pseudonyms (P-...) in every output and line printed, and "
    f"leave names out; set {REDACT_KEY_VARIABLE} to a secret to make them unguessable."
)


def _redact_key() -> str | None:
    return os.environ.get(REDACT_KEY_VARIABLE) or None


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _interrupt_exits_130(command: Callable[..., None]) -> Callable[..., None]:
    """Ctrl-C or SIGTERM outside the search (loading, building, writing): exit 130 quietly.

    During the search itself ``solve(handle_signals=True)`` takes both signals over and
    returns the best schedule so far; a write that is cut short leaves the previous folder.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt) if in_main else None
        try:
            command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing (more) written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)

    return wrapper


@click.group()
@click.option("-v", "--verbose", count=True, help="Log progress to stderr (-vv for solver logs).")
@click.version_option(package_name="iop-optimizer")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """Weekly timetable optimizer for Intensive Outpatient Programs."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    ctx.obj = {"verbose": verbose}


@main.command("solve")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output folder (default out/<scenario name>).",
)
@click.option(
    "--time-limit", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Search workers (default: cores, at least 4, at most 8).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed of the search.",
)
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option("--no-xlsx", is_flag=True, help="Do not write schedule.xlsx.")
@click.option("--no-calendars", is_flag=True, help="Do not write calendars/*.ics.")
@click.option(
    "--names", is_flag=True, help="Show client names in report.html and schedule.xlsx (PHI)."
)
@click.option(
    "--client-calendars", is_flag=True, help="Also write one calendar per scheduled client."
)
@click.option(
    "--excel-csv",
    is_flag=True,
    help="Start the CSVs with a UTF-8 byte-order mark, so Excel on Windows shows non-ASCII "
    "text (other programs must then read them as utf-8-sig; schedule.xlsx needs no flag).",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress line and no summary (errors still print)."
)
@click.option("--redact", is_flag=True, help=_REDACT_HELP)
@click.option(
    "--previous",
    "previous_dir",
    type=click.Path(path_type=Path),
    help="Last week's schedule folder: continuing clients keep their days and blocks.",
)
@click.option(
    "--from",
    "from_date",
    metavar="DATE",
    help="With --previous (this week's schedule): keep its sessions before DATE exactly and "
    "re-plan DATE onwards (e.g. after a sick call).",
)
@click.option(
    "--weight",
    "weight_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a secondary weight (repeatable), e.g. --weight changes=20.",
)
@click.pass_context
@_interrupt_exits_130
def solve_command(
    ctx: click.Context,
    scenario: Path,
    out_dir: Path | None,
    time_limit: float,
    workers: int | None,
    seed: int,
    no_report: bool,
    no_xlsx: bool,
    no_calendars: bool,
    names: bool,
    client_calendars: bool,
    excel_csv: bool,
    quiet: bool,
    redact: bool,
    previous_dir: Path | None,
    from_date: str | None,
    weight_items: tuple[str, ...],
) -> None:
    """Solve a week: SCENARIO is a scenario folder or a YAML/JSON file.

    Besides the CSVs and summary.json, the output folder gets report.html, schedule.xlsx
    and calendars/ (one .ics per therapist) unless switched off. While solving, a live line
    shows elapsed time, best objective, bound and gap (only on a terminal, not with --quiet).
    """
    if redact and names:
        raise click.UsageError("--names and --redact exclude each other")
    try:
        data = load_scenario(scenario)
        weights = parse_weight_overrides(weight_items)
        replan_date(previous_dir is not None, from_date)
        last_week = read_schedule(previous_dir) if previous_dir is not None else None
    except OptimizerError as error:
        _fail_input(error)
    live = not quiet and sys.stdout.isatty()
    try:
        with ProgressLine(sys.stdout) if live else contextlib.nullcontext() as line:
            result = solve(
                data,
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                progress=line,
                handle_signals=True,
                log_search=ctx.obj["verbose"] >= 2,
                weights=weights,
                previous=last_week,
                from_date=from_date,
            )
    except OptimizerError as error:  # weights or pins that only the model can judge
        _fail_input(error)
    if not result.has_schedule:
        found = "before a schedule was found" if result.interrupted else f"in {time_limit:g}s"
        click.echo(
            f"status {result.status.value}: no schedule {found}; nothing written"
            + (" (the previous folder is unchanged)" if result.interrupted else ""),
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED if result.interrupted else EXIT_NO_SCHEDULE)
    if redact:
        result = redact_result(result, _redact_key())
    out = out_dir or default_out_dir(data.name)
    result.write(
        out,
        report=not no_report,
        xlsx=not no_xlsx,
        calendars=not no_calendars,
        names=names,
        client_calendars=client_calendars,
        csv_bom=excel_csv,
    )
    if not quiet:
        click.echo(summary_text(result, out))
    if result.interrupted:
        click.echo("interrupted: wrote the best schedule found so far", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if result.status is not SolveStatus.OPTIMAL:
        click.echo(
            "note: the number of scheduled clients is not proven maximal (time limit)", err=True
        )


@main.command("check")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("schedule_dir", type=click.Path(path_type=Path))
@click.option(
    "--redact",
    is_flag=True,
    help="The folder was written with --redact: check it under the same pseudonyms.",
)
@click.option(
    "--write-sessions",
    is_flag=True,
    help="After checking, rewrite sessions.csv from assignments.csv (the file of record).",
)
@click.option(
    "--previous",
    "previous_dir",
    type=click.Path(path_type=Path),
    help="With --from: the schedule that was re-planned.",
)
@click.option(
    "--from",
    "from_date",
    metavar="DATE",
    help="The schedule was re-planned from DATE: its sessions before DATE must be those of "
    "--previous, unchanged.",
)
def check_command(
    scenario: Path,
    schedule_dir: Path,
    redact: bool,
    write_sessions: bool,
    previous_dir: Path | None,
    from_date: str | None,
) -> None:
    """Check a schedule folder (hand-edited ones too) against every rule of the scenario.

    The rules are judged on assignments.csv; a sessions.csv that disagrees is a warning.
    """
    try:
        data = load_scenario(scenario)
        when = replan_date(previous_dir is not None, from_date)
        if when is not None:
            check_replan_date(data, when)
        schedule = read_schedule(schedule_dir)
        previous = read_schedule(previous_dir) if previous_dir is not None else None
    except OptimizerError as error:
        _fail_input(error)
    if redact:
        data = redact_scenario(data, pseudonyms(data, _redact_key()))
    violations = check_schedule(data, schedule, previous=previous, from_date=when)
    click.echo(format_violations(violations))
    if write_sessions:
        try:
            count = rewrite_sessions_csv(data, schedule_dir)
            click.echo(f"rewrote {schedule_dir / 'sessions.csv'} ({count} sessions)")
        except AmbiguousSessionsError as error:
            click.echo("sessions.csv not rewritten: assignments.csv is ambiguous", err=True)
            for issue in error.issues:
                click.echo(f"  {issue}", err=True)
    if any(v.severity == "error" for v in violations):
        sys.exit(1)


@main.command("report")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("schedule_dir", type=click.Path(path_type=Path))
@click.option("--names", is_flag=True, help="Show client names in the page and workbook (PHI).")
@click.option(
    "--client-calendars", is_flag=True, help="Also write one calendar per scheduled client."
)
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
@click.option("--no-xlsx", is_flag=True, help="Do not write schedule.xlsx.")
@click.option("--no-calendars", is_flag=True, help="Do not write calendars/*.ics.")
@click.option(
    "--redact",
    is_flag=True,
    help="The folder was written with --redact: report it under the same pseudonyms.",
)
def report_command(
    scenario: Path,
    schedule_dir: Path,
    names: bool,
    client_calendars: bool,
    no_report: bool,
    no_xlsx: bool,
    no_calendars: bool,
    redact: bool,
) -> None:
    """Write report.html, schedule.xlsx and calendars/ for an existing schedule folder."""
    if redact and names:
        raise click.UsageError("--names and --redact exclude each other")
    try:
        data = load_scenario(scenario)
        if redact:
            data = redact_scenario(data, pseudonyms(data, _redact_key()))
        written = write_reports(
            data,
            schedule_dir,
            report=not no_report,
            xlsx=not no_xlsx,
            calendars=not no_calendars,
            names=names,
            client_calendars=client_calendars,
        )
    except OptimizerError as error:
        _fail_input(error)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"calendar times in {program_timezone(data).describe()}")


@main.command("batch")
@click.argument("whatif_file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Output folder (default out/<what-if file stem>).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: a process pool on this machine; dask: a dask.distributed cluster.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address, e.g. tcp://host:8786 (default: a local Dask cluster).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds per variant.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Search workers per solve (default: the cores shared among parallel solves).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def batch_command(
    whatif_file: Path,
    out_dir: Path | None,
    executor: str,
    scheduler: str | None,
    time_limit: float,
    workers: int | None,
    seed: int,
) -> None:
    """Solve every variant of a what-if file and compare them (comparison.csv/.png)."""
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    try:
        whatif = load_whatif(whatif_file)
    except OptimizerError as error:
        _fail_input(error)
    out = out_dir or whatif.default_out_dir()
    with click.progressbar(
        length=len(whatif.variants),
        label="variants",
        file=sys.stderr,
        item_show_func=lambda name: name,
    ) as bar:
        table = run_batch(
            whatif,
            executor=executor,
            scheduler=scheduler,
            time_limit=time_limit,
            workers_per_solve=workers,
            out_dir=out,
            progress=lambda done, total, row: bar.update(1, row["variant"]),
            seed=seed,
        )
    click.echo(format_comparison(table))
    click.echo(f"wrote {out}")
    if not succeeded(table):
        sys.exit(1)


@main.command("explain")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("client_id")
@click.option(
    "--schedule",
    "schedule_dir",
    type=click.Path(path_type=Path),
    help="A solved schedule folder: its scheduled clients stay scheduled (default: solve first).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.5),
    default=DEFAULT_EXPLAIN_TIME,
    show_default=True,
    help="Seconds for the causes and the verified suggestions (one worker).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(
    scenario: Path, client_id: str, schedule_dir: Path | None, time_limit: float, as_json: bool
) -> None:
    """Why CLIENT_ID is unscheduled, and the changes that would let them in (verified)."""
    try:
        data = load_scenario(scenario)
        schedule = read_schedule(schedule_dir) if schedule_dir is not None else None
        result = explain(data, client_id, schedule, time_limit=time_limit)
    except OptimizerError as error:
        _fail_input(error)
    click.echo(result.to_json() if as_json else result.text())


@main.command("place")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("schedule_dir", type=click.Path(path_type=Path))
@click.argument("client_id")
@click.option(
    "--top",
    type=click.IntRange(1, 50),
    default=DEFAULT_TOP,
    show_default=True,
    help="Most options to show.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Write the schedule folder with the first option applied.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the options as JSON.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.5),
    default=DEFAULT_PLACE_SECONDS,
    show_default=True,
    help="Seconds for options that move other clients (searched only when no option "
    "leaves everyone in place).",
)
@_interrupt_exits_130
def place_command(
    scenario: Path,
    schedule_dir: Path,
    client_id: str,
    top: int,
    out_dir: Path | None,
    as_json: bool,
    time_limit: float,
) -> None:
    """Fit CLIENT_ID (not scheduled in SCHEDULE_DIR: a new intake, a waitlisted or
    unscheduled client) into that week without changing anyone else's sessions.

    Prints up to --top options, best first by the secondary objective, each checked by the
    independent checker; when none exists, says so and offers options that move the fewest
    other clients, naming whom and how. Exit 0 with options, 1 without, 2 on invalid input.
    """
    try:
        data = load_scenario(scenario)
        schedule = read_schedule(schedule_dir)
        placement = place(data, schedule, client_id, top=top, time_limit=time_limit)
    except OptimizerError as error:
        _fail_input(error)
    click.echo(placement.to_json() if as_json else placement.text())
    if not placement.found:
        sys.exit(1)
    if out_dir is not None:
        written = placement.write(out_dir)
        click.echo(f"wrote {written} (option 1 applied)", err=as_json)


@main.command("workbook")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("out_file", type=click.Path(path_type=Path))
@click.option("--names", is_flag=True, help="Keep client names in the clients sheet (PHI).")
def workbook_command(scenario: Path, out_file: Path, names: bool) -> None:
    """Write SCENARIO as one Excel workbook (the template for workbook input)."""
    from .io.workbook import write_workbook_scenario

    if out_file.suffix.lower() != ".xlsx":
        raise click.UsageError("OUT_FILE must end in .xlsx")
    try:
        written = write_workbook_scenario(load_scenario(scenario), out_file, names=names)
    except OptimizerError as error:
        _fail_input(error)
    click.echo(f"wrote {written}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--token",
    default=None,
    help="Bearer token every API request must carry (default: $IOP_TOKEN); required on any "
    "address other than loopback.",
)
@click.option(
    "--concurrent",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Solves running at once (one process each).",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Solves accepted and not finished at most (more get 429).",
)
@click.option(
    "--keep",
    "keep_minutes",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Minutes a finished solve's result stays available.",
)
@click.option(
    "--max-time-limit",
    type=click.FloatRange(min=0.1),
    default=600.0,
    show_default=True,
    help="Largest time limit a request may ask for (seconds).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="CP-SAT workers per solve (default: the library's).",
)
def serve_command(
    host: str,
    port: int,
    token: str | None,
    concurrent: int,
    queue_size: int,
    keep_minutes: float,
    max_time_limit: float,
    workers: int | None,
) -> None:
    """Run the HTTP service and the coordinator's page (http://127.0.0.1:8000/)."""
    try:
        from .service import ServiceConfig, resolve_token, serve
    except ImportError as error:
        click.echo(
            f"error: the service needs its extra: pip install -e '.[service]' ({error})", err=True
        )
        sys.exit(EXIT_INVALID_INPUT)
    config = ServiceConfig(
        host=host,
        port=port,
        token=resolve_token(token),
        concurrent_solves=concurrent,
        queue_size=queue_size,
        keep_seconds=keep_minutes * 60,
        max_time_limit=max_time_limit,
        default_time_limit=min(60.0, max_time_limit),
        solve_workers=workers,
    )
    try:
        serve(config)
    except OptimizerError as error:
        _fail_input(error)
