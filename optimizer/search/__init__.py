"""The search: tuning numbers, the one CP-SAT solver factory, and the search stages.

``params`` (:class:`SearchParams`), ``solver`` (:func:`make_solver`), ``control`` (the
time keeper and stop button every CP-SAT run goes through), and the stages that
:func:`optimizer.solve.solve` strings together: ``greedy`` (the hand-style first schedule),
``tracks`` (bettering it one track at a time), ``keep`` (last week kept), ``phases`` (the
whole week's two phases) and ``bounds`` (the disjoint-core bound).
"""

from .params import SearchParams, SearchParamsError
from .solver import Role, make_solver

__all__ = ["Role", "SearchParams", "SearchParamsError", "make_solver"]
