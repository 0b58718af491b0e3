"""The comparison of a batch: one row per variant, as a table, text, CSV and a bar chart.

A ``FEASIBLE`` row is *unproven*: its search stopped on the time limit with the objective
below its bound, so more clients may fit and its ``delta_scheduled`` is what the search
found, not a firm answer. The ``gap`` column, the printed table (a ``*`` and a note) and the
chart (hatched, lighter bars with the proven upper limit drawn as a marker) all say so.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..io.csvcells import neutralise
from ..schedule import gap_percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SOLVED = ("OPTIMAL", "FEASIBLE")
ERROR_STATUS = "ERROR"
"""Row status of a variant whose solve crashed (a bug or a lost worker), not of bad input."""

COMPARISON_COLUMNS = (
    "variant",
    "status",
    "objective",
    "best_bound",
    "gap",
    "scheduled_clients",
    "unscheduled_clients",
    "sessions",
    "therapist_hours",
    "solve_seconds",
    "time_limit",
    "workers",
    "delta_scheduled",
    "clients",
    "error",
    "proven_better_than",
)


def failed_row(
    name: str, status: str, error: str, clients: int | None = None, **known: Any
) -> dict[str, Any]:
    """The comparison row of a variant without a schedule: ``error`` says why; ``known``
    fills other columns that are known (``time_limit``, ``workers``)."""
    row: dict[str, Any] = dict.fromkeys(COMPARISON_COLUMNS)
    row.update(variant=name, status=status, clients=clients, error=error, **known)
    return row


def comparison_table(rows: Sequence[Mapping[str, Any]], baseline: str) -> pd.DataFrame:
    """Rows in variant order, with ``delta_scheduled`` against the baseline variant."""
    table = pd.DataFrame(list(rows)).reindex(columns=list(COMPARISON_COLUMNS))
    counts = ("objective", "best_bound", "scheduled_clients", "unscheduled_clients", "sessions")
    for column in (*counts, "clients", "workers"):
        table[column] = table[column].astype("Int64")
    for column in ("therapist_hours", "solve_seconds", "time_limit"):
        table[column] = table[column].astype("Float64")
    table["gap"] = pd.array(
        [_gap_cell(o, b) for o, b in zip(table["objective"], table["best_bound"], strict=True)],
        dtype="Float64",
    )
    table["error"] = table["error"].astype(object).fillna("").astype(str)
    base = table.loc[table["variant"] == baseline, "scheduled_clients"]
    base_value = base.iloc[0] if len(base) else pd.NA
    table["delta_scheduled"] = (table["scheduled_clients"] - base_value).astype("Int64")
    table["proven_better_than"] = proven_better_than(table)
    return table


def proven_better_than(table: pd.DataFrame) -> list[str]:
    """Per row, the variants it is *proven* to serve more than, ``;``-separated in table
    order: those whose ``best_bound`` is below this row's ``objective``. That holds whatever
    more time would find, since the row's optimum is at least its objective and the other's
    optimum at most its bound; so unproven rows can be ranked too, where their ranges part.
    Empty for a row without a schedule."""
    bounds = [
        (str(name), bound)
        for name, bound in zip(table["variant"], table["best_bound"], strict=True)
        if pd.notna(bound)
    ]
    cells = []
    for name, objective in zip(table["variant"], table["objective"], strict=True):
        below = [] if pd.isna(objective) else [o for o, b in bounds if o != name and b < objective]
        cells.append(";".join(below))
    return cells


def _gap_cell(objective: Any, best_bound: Any) -> float | None:
    """The ``gap`` column: :func:`~optimizer.schedule.gap_percent` to one decimal (the same
    measure as the live progress line); 0 for a proven row, ``None`` without a schedule."""
    gap = gap_percent(objective, best_bound)
    return None if gap is None else round(gap, 1)


def unproven(table: pd.DataFrame) -> pd.Series:
    """Rows with a schedule that is not proven optimal (``FEASIBLE``): more may fit."""
    return table["status"] == "FEASIBLE"


SLOW_NOTE = (
    "solve_seconds above time_limit ({variants}): with one CP-SAT worker a solve's limit is "
    "counted in deterministic time, so that the batch gives the same table on every run; a "
    "busy machine does that work more slowly. --workers 2 or more per solve limits the wall "
    "clock instead (then runs may differ)."
)
"""Printed when one-worker solves took longer than their limit (docs/whatif.md)."""


def over_time_limit(table: pd.DataFrame) -> pd.Series:
    """One-worker rows whose solve took longer (wall clock) than their time limit."""
    late = (table["workers"] == 1) & (table["solve_seconds"] > table["time_limit"])
    return late.fillna(False).astype(bool)


UNPROVEN_NOTE = (
    "* not proven optimal (FEASIBLE): the search stopped on the time limit with the objective "
    "below its bound, so more clients may fit (up to best_bound, priority-weighted; gap = "
    "how far at most). Its delta is what the search found, not a firm answer: give it more "
    "time (--time-limit) before comparing."
)


RANKED_NOTE = (
    "proven to serve more (priority-weighted) than the variants after '>', whatever more time "
    "would find (objective above their best_bound):"
)


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison table as text for a terminal: the gap in percent, a ``*`` on the delta
    of every unproven row with a note saying what it means, the proven ranking
    (``proven_better_than``), a note when one-worker solves took longer than their time
    limit, and errors below the table.

    ``time_limit`` and ``workers`` are left out of the printed table (they are in the CSV).
    """
    shown = (
        table.drop(columns=["time_limit", "workers", "error", "proven_better_than"])
        .astype(object)
        .where(table.notna(), "-")
    )
    shown["gap"] = ["-" if pd.isna(gap) else f"{gap:.1f}%" for gap in table["gap"]]
    marked = unproven(table)
    shown["delta_scheduled"] = [
        f"{delta}*" if mark else str(delta)
        for delta, mark in zip(shown["delta_scheduled"], marked, strict=True)
    ]
    lines = [shown.to_string(index=False)]
    if marked.any():
        lines.append(UNPROVEN_NOTE)
    ranked = [
        f"  {name} > {better.replace(';', ', ')}"
        for name, better in zip(table["variant"], table["proven_better_than"], strict=True)
        if better
    ]
    if ranked:
        lines.append(RANKED_NOTE)
        lines.extend(ranked)
    slow = [str(name) for name in table.loc[over_time_limit(table), "variant"]]
    if slow:
        lines.append(SLOW_NOTE.format(variants=", ".join(slow)))
    for name, error in zip(table["variant"], table["error"], strict=True):
        if error:
            lines.append(f"{name}: {error}")
    return "\n".join(lines)


def succeeded(table: pd.DataFrame) -> bool:
    """True when every variant of a comparison table has a schedule."""
    return bool(table["status"].isin(SOLVED).all())


def write_comparison_csv(table: pd.DataFrame, path: Path) -> None:
    """Numbers as numbers (a delta of -2 is not a formula); text cells neutralised."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(table.columns))
        for row in table.astype(object).itertuples(index=False, name=None):
            writer.writerow(
                [
                    "" if pd.isna(value) else str(value) if _is_number(value) else neutralise(value)
                    for value in row
                ]
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


PROVEN_COLOR = "#2a6f97"
UNPROVEN_COLOR = "#9cc3dc"  # lighter: a count the search found, not a proven one


def plot_comparison(table: pd.DataFrame, path: Path) -> Path:
    """Write :func:`comparison_figure` as a PNG to ``path`` (100 dpi)."""
    comparison_figure(table).savefig(path, dpi=100)
    return path


def comparison_figure(table: pd.DataFrame) -> Figure:
    """A bar chart of scheduled clients per variant over the clients of each variant.

    Proven (``OPTIMAL``) rows are solid bars. Unproven (``FEASIBLE``) rows are hatched and
    lighter, labelled with their status and gap, and carry a marker at the most clients
    that can be scheduled, ``min(clients, best_bound)``: every priority is at least 1, so
    no schedule serves more clients than its objective, hence than the bound. Rows without a
    schedule show their status.
    """
    # matplotlib is slow to import: only a batch that draws a chart pays for it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(table["variant"])
    scheduled = [0 if pd.isna(v) else int(v) for v in table["scheduled_clients"]]
    clients = [0 if pd.isna(v) else int(v) for v in table["clients"]]
    status = [str(s) for s in table["status"]]
    marked = list(unproven(table))
    figure = Figure(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(names)))
    axes.bar(positions, clients, color="#dddddd", label="clients in the variant")
    proven = [i for i in positions if status[i] == "OPTIMAL"]
    axes.bar(
        proven,
        [scheduled[i] for i in proven],
        color=PROVEN_COLOR,
        label="scheduled, proven optimal",
    )
    found = [i for i in positions if marked[i]]
    limits = [min(clients[i], int(table["best_bound"].iloc[i])) for i in found]
    if found:
        axes.bar(
            found,
            [scheduled[i] for i in found],
            color=UNPROVEN_COLOR,
            hatch="//",
            edgecolor=PROVEN_COLOR,
            label="scheduled, not proven: more may fit",
        )
        axes.scatter(
            found, limits, marker="_", s=500, linewidths=2, color="black", zorder=3,
            label="at most (proven bound)",
        )  # fmt: skip
    top = dict(zip(found, limits, strict=True))
    for i in positions:
        if status[i] not in SOLVED:
            text = status[i]
        elif marked[i]:
            text = f"{scheduled[i]}\n{status[i]}\ngap {table['gap'].iloc[i]:.1f}%"
        else:
            text = str(scheduled[i])
        height = max(scheduled[i], top.get(i, 0))
        axes.annotate(
            text,
            (i, height),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_xticks(positions, names, rotation=30, ha="right")
    axes.set_ylabel("clients")
    axes.set_title("Scheduled clients per variant")
    axes.set_ylim(0, max([*clients, 1]) * 1.6)  # headroom for the labels and the legend
    axes.legend(loc="upper right", ncol=2, fontsize=8)
    figure.tight_layout()
    return figure
