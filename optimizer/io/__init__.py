"""Reading scenarios and schedules, writing outputs."""

from .read import load_scenario
from .schedule import Schedule, read_schedule

__all__ = ["Schedule", "load_scenario", "read_schedule"]
