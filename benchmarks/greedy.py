"""The "coordinator by hand" baseline: the product's hand-style first schedule, alone.

The same rules seed the product's search (``optimizer.search.greedy``); benchmarked alone
they show what a careful coordinator with a spreadsheet reaches.
"""

from optimizer.search.greedy import GreedyResult, solve_greedy

__all__ = ["GreedyResult", "solve_greedy"]
