"""Pins checked row by row and pair by pair (optimizer/pins.py)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from optimizer import Scenario, ScenarioError
from optimizer.pins import ResolvedPin, _contradiction, _pairs_to_check, _Tables

DATA: dict[str, Any] = {
    "name": "pins",
    "week_start": "2026-12-14",
    "days": ["Mon", "Tue"],
    "blocks": {"AM": ["09:00-09:50", "10:00-10:50"], "EVE": ["18:00-18:50"]},
    "session_types": {
        "g": {"kind": "group", "min_size": 2, "max_size": 12},
        "ind": {"kind": "individual"},
    },
    "plans": {"P": {"min_days": 1, "max_days": 1, "sessions": {"g": 1}}},
    "clients": [
        {"client_id": "C1", "track": "SUD", "plan": "P", "avoid": "C2"},
        {"client_id": "C2", "track": "SUD", "plan": "P"},
        {"client_id": "C3", "track": "MH", "plan": "P"},
    ],
    "therapists": [
        {"therapist_id": "T1", "skills": "g;ind"},
        {"therapist_id": "T2", "skills": "g", "tracks": "MH"},
        {"therapist_id": "T3", "skills": "ind"},
    ],
    "rooms": [
        {"room_id": "R1", "capacity": 12},
        {"room_id": "R2", "capacity": 1, "serves": "ind"},
    ],
}
AT = {"day": "Mon", "block": "AM", "start": "09:00"}


@pytest.mark.parametrize(
    ("pin", "problem"),
    [
        ({"kind": "client_session", "client_id": "C1", "session_type": "g", **AT,
          "therapist_id": "T3"}, "therapist T3 cannot deliver g"),  # T3: individual only
        ({"kind": "client_session", "client_id": "C1", "session_type": "g", **AT,
          "therapist_id": "T2"}, "therapist T2 does not lead SUD groups"),  # T2: MH only
        ({"kind": "group_session", "session_type": "g", "track": "SUD", **AT,
          "room_id": "R2"}, "room R2 does not serve g"),  # R2: individual only
        ({"kind": "group_session", "session_type": "ind", **AT},
         "'ind' is not a group type"),  # a group_session pin pins a group
        ({"kind": "client_session", "client_id": "C1", "session_type": "ind", **AT,
          "room_id": "R2"}, "rooms of individual sessions cannot be pinned"),
        ({"kind": "client_block", "client_id": "C1", "block": "AM", "therapist_id": "T1"},
         "a client_block pin fixes only day and block"),
        ({"kind": "client_session", "client_id": "C1", "session_type": "g", **AT,
          "track": "SUD"}, "only a group_session pin takes a track"),
        ({"kind": "group_session", "session_type": "g", "track": "ADOL", **AT},
         "unknown track 'ADOL'"),
        ({"kind": "group_session", "session_type": "g", "day": "Mon", "block": "EVE",
          "slot": 2}, "block EVE has 1 slots, not 2"),
        ({"kind": "group_session", "session_type": "g", "day": "Mon", "block": "AM",
          "start": "09:30"}, "no slot of block AM starts at 09:30"),
        ({"kind": "group_session", "session_type": "g", "day": "Mon", "block": "AM"},
         "a group_session pin needs a start (or slot)"),
        ({"kind": "client_block", "client_id": "C1"}, "a client_block pin needs a day or a block"),
        ({"kind": "client_block", "client_id": "C1", "day": "Wed"}, "Wed is not an operating day"),
        ({"kind": "group_session", "client_id": "C1", "session_type": "g", **AT},
         "a group_session pin names no client"),
    ],
)  # fmt: skip
def test_a_bad_pin_row_is_named(pin: dict[str, Any], problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_data({**DATA, "pins": [pin]})
    assert problem in str(caught.value)
    assert "pins[0]" in str(caught.value)


def test_avoiding_clients_pinned_to_one_group_contradict() -> None:
    pins = [
        {"kind": "client_session", "client_id": c, "session_type": "g", **AT, "therapist_id": "T1"}
        for c in ("C1", "C2")
    ]
    with pytest.raises(ScenarioError, match="clients C1 and C2 avoid each other"):
        Scenario.from_data({**DATA, "pins": pins})


def _random_pins(rng: random.Random, count: int) -> list[ResolvedPin]:
    """Pins of every kind at random places (each valid on its own)."""
    pins = []
    for idx in range(count):
        kind = rng.choice(["client_block", "client_session", "group_session"])
        block = rng.choice(["AM", "EVE"])
        slot = rng.randrange(2 if block == "AM" else 1)
        client = rng.choice(["C1", "C2", "C3"]) if kind != "group_session" else None
        pins.append(
            ResolvedPin(
                row_idx=idx,
                kind=kind,
                client_id=client,
                session_type=None if kind == "client_block" else rng.choice(["g", "ind"]),
                track=None,
                day=rng.choice(["Mon", "Tue", None] if kind == "client_block" else ["Mon", "Tue"]),
                block=block,
                slot_idx=None if kind == "client_block" else slot,
                therapist_id=None if kind == "client_block" else rng.choice(["T1", "T3", None]),
                room_id=None if kind == "client_block" else rng.choice(["R1", "R2", None]),
            )
        )
    return pins


def test_only_pairs_that_can_contradict_are_checked() -> None:
    # Every contradicting pair is among the pairs checked (one client, or one therapist
    # or room on one day), and the checked pairs come in the order of a full check.
    scenario = Scenario.from_data(DATA)
    tables = _Tables.of(scenario)
    pins = _random_pins(random.Random(15), 60)
    checked = _pairs_to_check(pins)
    contradicting = [
        (i, j)
        for j, i in itertools.product(range(len(pins)), repeat=2)
        if i < j and _contradiction(scenario, tables, pins[i], pins[j])
    ]
    assert contradicting  # the random pins do contradict somewhere
    assert set(contradicting) <= set(checked)
    assert [pair for pair in checked if pair in set(contradicting)] == contradicting
    assert len(checked) < len(pins) * (len(pins) - 1) // 2  # fewer than all pairs
