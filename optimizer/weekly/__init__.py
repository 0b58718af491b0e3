"""The rolling program (SPEC §7): last week's schedule, the goal order with continuing
clients, re-planning the rest of a week from a date.

- :mod:`.previous`: last week's schedule matched to this week (who continues, what they
  had) and ``changes.csv``;
- :mod:`.keep`: a first schedule that keeps continuing clients on (a subset of) last
  week's days and blocks;
- :mod:`.replan`: the sessions of a schedule before a date, kept exactly, and the model
  constraints that keep them;
- :mod:`.goals`: the goal order (continuing clients, clients served, changes, the rest)
  as objectives of the week's model.
"""
