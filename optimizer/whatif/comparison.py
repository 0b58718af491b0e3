"""The comparison of a batch: one row per variant, as a table, text, CSV and a bar chart."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.csvcells import neutralise

SOLVED = ("OPTIMAL", "FEASIBLE")
ERROR_STATUS = "ERROR"
"""Row status of a variant whose solve crashed (a bug or a lost worker), not of bad input."""

COMPARISON_COLUMNS = (
    "variant",
    "status",
    "objective",
    "best_bound",
    "scheduled_clients",
    "unscheduled_clients",
    "sessions",
    "therapist_hours",
    "solve_seconds",
    "delta_scheduled",
    "clients",
    "error",
)


def failed_row(name: str, status: str, error: str, clients: int | None = None) -> dict[str, Any]:
    """The comparison row of a variant without a schedule: ``error`` says why."""
    row: dict[str, Any] = dict.fromkeys(COMPARISON_COLUMNS)
    row.update(variant=name, status=status, clients=clients, error=error)
    return row


def comparison_table(rows: Sequence[Mapping[str, Any]], baseline: str) -> pd.DataFrame:
    """Rows in variant order, with ``delta_scheduled`` against the baseline variant."""
    table = pd.DataFrame(list(rows)).reindex(columns=list(COMPARISON_COLUMNS))
    counts = ("objective", "best_bound", "scheduled_clients", "unscheduled_clients", "sessions")
    for column in (*counts, "clients"):
        table[column] = table[column].astype("Int64")
    for column in ("therapist_hours", "solve_seconds"):
        table[column] = table[column].astype("Float64")
    table["error"] = table["error"].fillna("").astype(str)
    base = table.loc[table["variant"] == baseline, "scheduled_clients"]
    base_value = base.iloc[0] if len(base) else pd.NA
    table["delta_scheduled"] = (table["scheduled_clients"] - base_value).astype("Int64")
    return table


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison table as text for a terminal; errors listed below the table."""
    shown = table.drop(columns=["error"]).astype(object).where(table.notna(), "-")
    lines = [shown.to_string(index=False)]
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


def plot_comparison(table: pd.DataFrame, path: Path) -> Path:
    """A bar chart (PNG) of scheduled clients per variant; failed variants are marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(table["variant"])
    scheduled = [0 if pd.isna(v) else int(v) for v in table["scheduled_clients"]]
    clients = [0 if pd.isna(v) else int(v) for v in table["clients"]]
    figure = Figure(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(names))
    axes.bar(positions, clients, color="#dddddd", label="clients in the variant")
    bars = axes.bar(positions, scheduled, color="#2a6f97", label="scheduled")
    for bar, status, count in zip(bars, table["status"], scheduled, strict=True):
        text = str(count) if status in SOLVED else str(status)
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    axes.set_xticks(list(positions), names, rotation=30, ha="right")
    axes.set_ylabel("clients")
    axes.set_title("Scheduled clients per variant")
    axes.set_ylim(0, max([*clients, 1]) * 1.25)  # headroom for the legend above the bars
    axes.legend(loc="upper right", ncol=2, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
