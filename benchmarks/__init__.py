"""Benchmarks (not part of the product): instance generator, baselines and the runner.

* :mod:`benchmarks.generate` - seeded synthetic weeks (sizes S, M, L, XL)
* :mod:`benchmarks.textbook` - the textbook CP-SAT formulation, as a baseline
* :mod:`benchmarks.greedy` - a "coordinator by hand" heuristic, as a baseline
* :mod:`benchmarks.run` - runs every method on every instance, writes results.csv and
  docs/benchmarks.md
"""
