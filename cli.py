"""``python cli.py ...`` from the repository root: the commands live in :mod:`optimizer.cli`.

Installed, the same command line is ``iop-optimizer ...`` or ``python -m optimizer ...``.
"""

from optimizer.cli import main

@main.command("workbook")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("out_file", type=click.Path(path_type=Path))
@click.option("--names", is_flag=True, help="Keep client names in the clients sheet (PHI).")
def workbook_command(scenario: Path, out_file: Path, names: bool) -> None:
    """Write SCENARIO as one Excel workbook (the template for workbook input)."""
    from optimizer.io.workbook import write_workbook_scenario

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
        from optimizer.service import ServiceConfig, resolve_token, serve
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


if __name__ == "__main__":
    main()
