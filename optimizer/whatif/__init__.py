"""What-if batches: named variants of one scenario, solved in parallel and compared.

A what-if file names a base scenario and variants, each a list of edits (``set``, ``add``,
``remove``, ``update``, ``scale``); :func:`run_batch` solves every variant on a local process
pool or a ``dask.distributed`` cluster and returns the comparison table.

The modules, each importing only those listed before it:

``edits``       the edit kinds, applied to a scenario's plain data
``file``        the what-if file: :func:`load_whatif`, :class:`WhatIf`, :class:`Variant`
``worker``      solving one variant in a worker process (:func:`solve_variant`)
``executors``   the local process pool and the Dask cluster
``comparison``  the comparison table, its text, CSV and bar chart
``batch``       :func:`run_batch`: all of the above in order
"""

from __future__ import annotations

from ..schedule import gap_percent
from .batch import run_batch, share_cores
from .comparison import (
    COMPARISON_COLUMNS,
    ERROR_STATUS,
    SOLVED,
    comparison_figure,
    comparison_table,
    format_comparison,
    over_time_limit,
    plot_comparison,
    succeeded,
    unproven,
    write_comparison_csv,
)
from .edits import EDIT_KINDS, ID_COLUMNS, Edit, EditProblem, apply_edit
from .executors import DaskExecutor, Executor, LocalExecutor
from .file import WHATIF_FILE_NAMES, Variant, WhatIf, WhatIfError, load_whatif
from .worker import VariantOutcome, VariantTask, result_row, solve_variant

__all__ = [
    "COMPARISON_COLUMNS",
    "EDIT_KINDS",
    "ERROR_STATUS",
    "ID_COLUMNS",
    "SOLVED",
    "WHATIF_FILE_NAMES",
    "DaskExecutor",
    "Edit",
    "EditProblem",
    "Executor",
    "LocalExecutor",
    "Variant",
    "VariantOutcome",
    "VariantTask",
    "WhatIf",
    "WhatIfError",
    "apply_edit",
    "comparison_figure",
    "comparison_table",
    "format_comparison",
    "gap_percent",
    "load_whatif",
    "over_time_limit",
    "plot_comparison",
    "result_row",
    "run_batch",
    "share_cores",
    "solve_variant",
    "succeeded",
    "unproven",
    "write_comparison_csv",
]
