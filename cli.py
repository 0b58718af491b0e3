"""Command line of the IOP timetable optimizer (SPEC §6).

Commands parse arguments, call the library and print; all logic lives in ``optimizer``.
Exit codes: 0 done, 1 rule violations or failed variants, 2 invalid input, 3 no schedule
found in the time limit, 130 interrupted.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import click

from optimizer import (
    OptimizerError,
    Result,
    SolveStatus,
    load_scenario,
    read_schedule,
    solve,
)
from optimizer.check import check_schedule, format_violations

EXIT_INVALID_INPUT = 2
EXIT_NO_SCHEDULE = 3
EXIT_INTERRUPTED = 130


def _fail_input(error: OptimizerError) -> None:
    click.echo(f"error: invalid input ({len(error.issues)} problem(s)):", err=True)
    for issue in error.issues:
        click.echo(f"  {issue}", err=True)
    sys.exit(EXIT_INVALID_INPUT)


def folder_name(scenario_name: str) -> str:
    """A file-system friendly folder name for a scenario name."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", scenario_name).strip("-").lower()
    return slug or "schedule"


def _print_summary(result: Result, out: Path | None) -> None:
    total = len(result.scenario.clients)
    click.echo(
        f"status {result.status.value}: served {result.scheduled_clients} of {total} clients "
        f"(objective {result.objective}, bound {result.best_bound}) in {result.solve_seconds:.1f}s"
    )
    if result.secondary:
        terms = ", ".join(f"{name} {value}" for name, value in result.secondary.items())
        click.echo(f"secondary penalties: {terms}")
    if len(result.unscheduled):
        click.echo(
            f"unscheduled: {', '.join(result.unscheduled['client_id'])} "
            "(reasons in unscheduled.csv)"
        )
    if out is not None:
        click.echo(f"wrote {out}")


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
    help="Search workers (default: cores, at most 8).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Random seed of the search.",
)
@click.pass_context
def solve_command(
    ctx: click.Context,
    scenario: Path,
    out_dir: Path | None,
    time_limit: float,
    workers: int | None,
    seed: int,
) -> None:
    """Solve a week: SCENARIO is a scenario folder or a YAML/JSON file."""
    try:
        data = load_scenario(scenario)
    except OptimizerError as error:
        _fail_input(error)
    result = solve(
        data,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        handle_signals=True,
        log_search=ctx.obj["verbose"] >= 2,
    )
    if not result.has_schedule:
        click.echo(
            f"status {result.status.value}: no schedule found in {time_limit:g}s; nothing written",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED if result.interrupted else EXIT_NO_SCHEDULE)
    out = out_dir or Path("out") / folder_name(data.name)
    result.write(out)
    _print_summary(result, out)
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
def check_command(scenario: Path, schedule_dir: Path) -> None:
    """Check a schedule folder (hand-edited ones too) against every rule of the scenario."""
    try:
        data = load_scenario(scenario)
        schedule = read_schedule(schedule_dir)
    except OptimizerError as error:
        _fail_input(error)
    violations = check_schedule(data, schedule)
    click.echo(format_violations(violations))
    if any(v.severity == "error" for v in violations):
        sys.exit(1)


if __name__ == "__main__":
    main()
