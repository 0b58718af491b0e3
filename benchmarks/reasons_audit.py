"""Audit of the unscheduled reasons that blame capacity (issue 18 item 9).

For random small weeks (the property tests' generator, ``tests/test_properties.py``) and
seeded benchmark weeks, solve each, and for every unscheduled client whose reason is the
capacity sentence, ask CP-SAT whether *any* schedule includes that client: the client's
track alone (tracks never share a group, so the other tracks can only take therapists and
rooms away), the client forced in, every other client of the track free to come or not.
The capacity sentence is wrong when no such schedule exists.

    python -m benchmarks.reasons_audit --random 300 --sizes S:3,M:2

prints one line per wrong sentence and the totals: capacity reasons, of which no schedule
exists, of which nobody of the track was scheduled, and undecided checks; then how many
reasons of each other kind were written (static causes, "no schedule can include", "could
not decide"). With ``--verify-others`` every other reason, each of which says that no
schedule can include the client, is checked too: a schedule found is a wrong reason.

The check here is deliberately not :mod:`optimizer.search.exists` (which it audits): the
client is forced in by a constraint, not an assumption, with no hand-style shortcut and a
wall-clock limit of its own.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from ortools.sat.python import cp_model

from optimizer import Scenario, solve
from optimizer.model.candidates import build_candidates
from optimizer.model.cpmodel import IOPModel

from .generate import generate

CAPACITY = "not enough capacity"


def random_weeks(count: int) -> Iterator[dict[str, Any]]:
    """``count`` random weeks of the property tests' generator, the same on every run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from hypothesis import HealthCheck, given, settings
    from test_properties import scenario_data

    weeks: list[dict[str, Any]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(scenario_data())
    def collect(data: dict[str, Any]) -> None:
        weeks.append(data)

    collect()
    yield from weeks


def schedule_exists(scenario: Scenario, client_id: str, seconds: float) -> str:
    """``yes``, ``no`` or ``unknown``: is there a schedule with ``client_id`` in it?"""
    track = next(c.track for c in scenario.clients if c.client_id == client_id)
    mine = {c.client_id for c in scenario.clients if c.track == track}
    sub = scenario.replace(
        clients=tuple(
            c.model_copy(update={"avoid": tuple(a for a in c.avoid if a in mine)})
            for c in scenario.clients
            if c.client_id in mine
        ),
        pins=(),
    )
    candidates = build_candidates(sub)
    if not candidates.attendable.get(client_id):
        return "no"
    iop = IOPModel(candidates)
    iop.model.add(iop.scheduled_vars[client_id] == 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.solve(iop.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "yes"
    return "no" if status == cp_model.INFEASIBLE else "unknown"


@click.command()
@click.option("--random", "random_count", default=300, show_default=True, help="Random weeks.")
@click.option("--sizes", default="S:3", show_default=True, help="Benchmark weeks, SIZE:SEEDS,...")
@click.option("--time-limit", default=5.0, show_default=True, help="Seconds per solve.")
@click.option("--check-seconds", default=10.0, show_default=True, help="Seconds per check.")
@click.option(
    "--verify-others", is_flag=True, help="Check the reasons that say no schedule exists too."
)
def main(
    random_count: int, sizes: str, time_limit: float, check_seconds: float, verify_others: bool
) -> None:
    """Count the capacity reasons for which no schedule with the client exists."""
    weeks: list[tuple[str, dict[str, Any]]] = [
        (f"random-{i}", data) for i, data in enumerate(random_weeks(random_count))
    ]
    for item in filter(None, sizes.split(",")):
        size, seeds = item.split(":")
        weeks += [(f"{size}-{seed}", generate(size, seed)) for seed in range(int(seeds))]
    totals = {"weeks": 0, "capacity": 0, "no schedule": 0, "track empty": 0, "unknown": 0}
    kinds = {"static cause": 0, "no schedule can include": 0, "could not decide": 0}
    others = {"checked": 0, "wrong": 0, "unknown": 0}
    started = time.perf_counter()
    for name, data in weeks:
        scenario = Scenario.from_data(data)
        result = solve(scenario, time_limit=time_limit, workers=1, seed=0)
        if not result.has_schedule:
            continue
        totals["weeks"] += 1
        scheduled = set(result.assignments["client_id"])
        track_of = {c.client_id: c.track for c in scenario.clients}
        for client_id, reason in zip(
            result.unscheduled["client_id"], result.unscheduled["reason"], strict=True
        ):
            if CAPACITY not in reason:
                kind = (
                    "no schedule can include"
                    if reason.startswith("no schedule of this week")
                    else "could not decide"
                    if "could not decide" in reason
                    else "static cause"
                )
                kinds[kind] += 1
                if verify_others and kind != "could not decide":
                    others["checked"] += 1
                    exists = schedule_exists(scenario, client_id, check_seconds)
                    others["unknown"] += exists == "unknown"
                    if exists == "yes":
                        others["wrong"] += 1
                        click.echo(f"{name} {client_id}: a schedule exists, yet: {reason}")
                continue
            totals["capacity"] += 1
            exists = schedule_exists(scenario, client_id, check_seconds)
            if exists == "unknown":
                totals["unknown"] += 1
            if exists != "no":
                continue
            totals["no schedule"] += 1
            empty = not any(track_of[c] == track_of[client_id] for c in scheduled)
            totals["track empty"] += empty
            click.echo(f"{name} {client_id}: no schedule exists{' (track empty)' if empty else ''}")
    click.echo(
        f"{totals['weeks']} weeks solved; {totals['capacity']} capacity reasons, of which "
        f"{totals['no schedule']} have no schedule at all ({totals['track empty']} with nobody "
        f"of the track scheduled), {totals['unknown']} undecided "
        f"({time.perf_counter() - started:.0f} s)"
    )
    click.echo("other reasons: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items()))
    if verify_others:
        click.echo(
            f"of those saying no schedule exists, {others['checked']} checked: "
            f"{others['wrong']} have a schedule, {others['unknown']} undecided"
        )


if __name__ == "__main__":
    main()
