"""CP-SAT: what can happen (candidates), then variables, constraints and objective."""

from .candidates import Candidates, build_candidates
from .cpmodel import IOPModel

__all__ = ["Candidates", "IOPModel", "build_candidates"]
