"""Pseudonyms for client ids, so a schedule can be shared without identifying anyone.

A pseudonym is ``P-`` followed by the first hex digits of HMAC-SHA256(key, client_id). The
same key gives the same pseudonym for the same client on every run, so redacted outputs of
one week can be compared, while nobody without the key can map a pseudonym back to a client.
The default key is derived from the scenario's name and week: stable, but guessable by
anyone who knows the scenario and the id format (``C001``...), so pass a secret ``key``
(the CLI reads ``IOP_REDACT_KEY``) when the shared files leave the program.

Redaction replaces the id in every table, in the reasons of unscheduled clients, in the
``avoid`` lists of the scenario the reports are drawn from, and drops client names.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import fields, replace
from typing import TYPE_CHECKING

import pandas as pd

from .scenario import Scenario

if TYPE_CHECKING:
    from .result import Result

PREFIX = "P-"
DIGITS = 10
"""Hex digits of a pseudonym: 40 bits, so 5,000 clients collide with odds below 1 in 10^4
(and a collision is detected and resolved with longer pseudonyms)."""


def default_key(scenario: Scenario) -> str:
    """The key used when none is given: the scenario's name and week start."""
    return f"{scenario.name}|{scenario.week_start.isoformat()}"


def pseudonym(client_id: str, key: str, digits: int = DIGITS) -> str:
    """``P-`` and the first ``digits`` hex digits of HMAC-SHA256(key, client_id)."""
    digest = hmac.new(key.encode("utf-8"), client_id.encode("utf-8"), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:digits]


def pseudonyms(scenario: Scenario, key: str | None = None) -> dict[str, str]:
    """Pseudonym of every client of the scenario (distinct for distinct ids)."""
    key = default_key(scenario) if key is None else key
    ids = [c.client_id for c in scenario.clients]
    for digits in (DIGITS, 16, 64):
        mapping = {cid: pseudonym(cid, key, digits) for cid in ids}
        if len(set(mapping.values())) == len(set(ids)):
            return mapping
    raise AssertionError("SHA-256 collision")  # pragma: no cover


def _replace_ids_in_text(text: str, mapping: dict[str, str], pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda match: mapping[match.group(0)], text)


def _id_pattern(mapping: dict[str, str]) -> re.Pattern[str]:
    # Longest ids first so that C10 is not read as C1 followed by 0; an id only counts when
    # it stands alone (not inside a longer word, date or id).
    ids = sorted(mapping, key=len, reverse=True)
    alternatives = "|".join(re.escape(cid) for cid in ids) or "(?!)"
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def redact_scenario(scenario: Scenario, mapping: dict[str, str]) -> Scenario:
    """The scenario with client ids replaced by pseudonyms and client names removed.

    The copy is validated like the original (the mapping is one-to-one, so every reference
    still holds).
    """
    clients = tuple(
        client.updated(
            client_id=mapping[client.client_id],
            avoid=tuple(mapping.get(other, other) for other in client.avoid),
            name=None,
        )
        for client in scenario.clients
    )
    pins = tuple(
        pin.updated(client_id=mapping.get(pin.client_id, pin.client_id)) if pin.client_id else pin
        for pin in scenario.pins
    )
    return scenario.updated(clients=clients, pins=pins)


def redact_result(result: Result, key: str | None = None) -> Result:
    """A copy of ``result`` in which no client id or name appears, only pseudonyms.

    Every writer and report draws from the result and its scenario, so every file written
    from the copy is redacted. ``key`` defaults to :func:`default_key`.
    """
    mapping = pseudonyms(result.scenario, key)
    pattern = _id_pattern(mapping)

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        # Every text cell of every table: ids in their own column, in reasons, in change
        # descriptions, in lists ("C1;C2").
        frame = frame.copy()
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = [
                    _replace_ids_in_text(value, mapping, pattern)
                    if isinstance(value, str)
                    else value
                    for value in frame[column]
                ]
        return frame

    # Every table of the result (assignments, sessions, unscheduled, changes, and any added
    # later), so that a new output cannot slip through unredacted.
    tables = {
        item.name: table(value)
        for item in fields(result)
        if isinstance(value := getattr(result, item.name), pd.DataFrame)
    }
    parameters = dict(result.parameters)
    parameters["redacted"] = True
    return replace(
        result,
        scenario=redact_scenario(result.scenario, mapping),
        parameters=parameters,
        **tables,  # type: ignore[arg-type]  # only the DataFrame fields
    )
