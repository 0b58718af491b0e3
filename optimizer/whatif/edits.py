"""The edits of a what-if variant, applied to a scenario's plain data.

Each edit kind takes the data of :meth:`Scenario.to_data` and returns an edited copy, or
raises :class:`EditProblem` saying why it does not apply (the caller names the variant and
the edit). The kinds, as written in a what-if file:

``set``
    deep-merge into the scenario (``days``, ``blocks``, ``session_types``, ``plans``,
    ``rules``, ``weights``, ``closed_dates``, ...); ``null`` removes a key (e.g. a block).
``add``
    rows appended to ``clients`` / ``therapists`` / ``rooms``, inline or a CSV file path
    (relative to the what-if file).
``remove``
    ids dropped per table; a removed client is also dropped from other clients' ``avoid``.
``update``
    per-id field changes, e.g. ``{therapists: {T04: {available: "Mon-Fri 12:00-21:00"}}}``;
    ``null`` clears a field.
``scale``
    ``{clients: {times: n, where: {field: value or [values]}}}`` (or ``{clients: n}``): the
    matching rows appear ``n`` times in total; copies get the ids ``<id>-x2``, ``<id>-x3``...
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, did_you_mean
from ..io.read import TABLES, read_table
from ..scenario import Plan, Rules, Scenario, SessionType, Weights

EDIT_KINDS = ("set", "add", "remove", "update", "scale")
ID_COLUMNS = {"clients": "client_id", "therapists": "therapist_id", "rooms": "room_id"}


@dataclass(frozen=True)
class Edit:
    """One edit of a variant: its kind (``set``, ``add``, ...) and its payload as written."""

    kind: str
    payload: Any

    def label(self) -> str:
        """The edit as a user names it, e.g. ``remove therapists``."""
        if isinstance(self.payload, Mapping) and self.payload:
            return f"{self.kind} {', '.join(str(key) for key in self.payload)}"
        return self.kind


class EditProblem(Exception):
    """Why an edit does not apply; the caller adds the variant and the edit."""


def apply_edit(data: dict[str, Any], edit: Edit, folder: Path) -> dict[str, Any]:
    """The scenario data with ``edit`` applied (a copy); CSV paths are relative to ``folder``.

    Raises :class:`EditProblem` when the edit does not apply.
    """
    return _APPLY[edit.kind](data, edit.payload, folder)


def _tables_of(payload: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for table, value in payload.items():
        if table not in TABLES:
            raise EditProblem(
                f"unknown table '{table}'{did_you_mean(str(table), TABLES)}; "
                f"use one of: {', '.join(TABLES)}"
            )
        yield str(table), value


def _set_keys(path: tuple[str, ...]) -> Sequence[str] | None:
    """Keys allowed under ``path`` in a ``set`` edit; ``None`` = any name (a block, a plan)."""
    if not path:
        return [key for key in Scenario.model_fields if key not in TABLES]
    nested: dict[tuple[str, ...], Sequence[str] | None] = {
        ("rules",): list(Rules.model_fields),
        ("weights",): list(Weights.model_fields),
        ("blocks",): None,
        ("session_types",): None,
        ("plans",): None,
    }
    if path in nested:
        return nested[path]
    if len(path) == 2 and path[0] == "session_types":
        return list(SessionType.model_fields)
    if len(path) == 2 and path[0] == "plans":
        return list(Plan.model_fields)
    if len(path) == 3 and path[0] == "plans" and path[2] in ("sessions", "max_sessions"):
        return None
    return ()  # a value, not a mapping: replaced as a whole


def _merge(target: dict[str, Any], changes: Mapping[str, Any], path: tuple[str, ...]) -> None:
    allowed = _set_keys(path)
    for key, value in changes.items():
        key = str(key)
        here = ".".join((*path, key))
        if allowed is not None and key not in allowed:
            if not path and key in TABLES:
                raise EditProblem(f"'{key}' is a table; change it with add, remove or update")
            raise EditProblem(f"unknown key '{here}'{did_you_mean(key, allowed)}")
        if value is None:
            if key not in target:
                raise EditProblem(f"cannot remove '{here}': it is not in the scenario")
            del target[key]
        elif isinstance(value, Mapping) and _set_keys((*path, key)) != ():
            current = target.get(key)
            if not isinstance(current, dict):
                current = {}
            target[key] = current
            _merge(current, value, (*path, key))
        else:
            target[key] = copy.deepcopy(value)


def _apply_set(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    _merge(data, payload, ())
    return data


def _check_columns(row: Any, table: str, at: str) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise EditProblem(f"{at} is not a mapping of column: value")
    known = list(TABLES[table].model_fields)
    for column in row:
        if column not in known:
            raise EditProblem(f"{at}: unknown column '{column}'{did_you_mean(str(column), known)}")
    key = ID_COLUMNS[table]
    if row.get(key) in (None, ""):
        raise EditProblem(f"{at} has no {key}")
    return {str(col): value for col, value in row.items()}


def _apply_add(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, rows in _tables_of(payload):
        key = ID_COLUMNS[table]
        if isinstance(rows, str):
            try:
                records, _ = read_table(folder / rows, table, display=rows)
            except ScenarioError as exc:
                raise EditProblem("; ".join(str(issue) for issue in exc.issues)) from None
        elif isinstance(rows, list):
            records = [
                _check_columns(row, table, f"{table}[{idx}]") for idx, row in enumerate(rows)
            ]
        else:
            raise EditProblem(f"{table}: give a list of rows or a CSV file name")
        existing = data.setdefault(table, [])
        ids = {str(row[key]) for row in existing}
        for record in records:
            if str(record[key]) in ids:
                raise EditProblem(f"{table}: id '{record[key]}' already exists")
            ids.add(str(record[key]))
            existing.append(record)
    return data


def _id_list(value: Any, table: str) -> list[str]:
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise EditProblem(f"{table}: give a list of ids")
    return [str(item).strip() for item in items if str(item).strip()]


def _apply_remove(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, value in _tables_of(payload):
        key = ID_COLUMNS[table]
        rows = data.get(table) or []
        known = [str(row[key]) for row in rows]
        drop = _id_list(value, table)
        for item in drop:
            if item not in known:
                raise EditProblem(f"{table}: unknown id '{item}'{did_you_mean(item, known)}")
        data[table] = [row for row in rows if str(row[key]) not in drop]
        if table == "clients":  # an avoid list may name only clients of the week
            for row in data[table]:
                avoid = [a for a in _id_list(row.get("avoid") or [], table) if a not in drop]
                row["avoid"] = ";".join(avoid)
    return data


def _apply_update(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, changes in _tables_of(payload):
        key = ID_COLUMNS[table]
        if not isinstance(changes, Mapping):
            raise EditProblem(f"{table}: give a mapping of id: {{column: value}}")
        rows = {str(row[key]): row for row in data.get(table) or []}
        for item, fields in changes.items():
            item = str(item)
            if item not in rows:
                raise EditProblem(f"{table}: unknown id '{item}'{did_you_mean(item, rows)}")
            fields = _check_columns({key: item, **(fields or {})}, table, f"{table} {item}")
            if str(fields[key]) != item:
                raise EditProblem(f"{table} {item}: the id cannot be changed; remove and add")
            for column, value in fields.items():
                if value is None:
                    rows[item].pop(column, None)
                else:
                    rows[item][column] = value
    return data


def _apply_scale(data: dict[str, Any], payload: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for table, spec in _tables_of(payload):
        key = ID_COLUMNS[table]
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec = {"times": spec}
        if not isinstance(spec, Mapping) or set(spec) - {"times", "where"}:
            raise EditProblem(f"{table}: write {{times: n, where: {{column: value}}}}")
        times = spec.get("times")
        if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 100:
            raise EditProblem(f"{table}: times must be a whole number from 1 to 100")
        where = spec.get("where") or {}
        if not isinstance(where, Mapping):
            raise EditProblem(f"{table}: where must be a mapping of column: value")
        _check_columns({key: "x", **where}, table, f"{table} where")
        rows = data.get(table) or []
        matching = [row for row in rows if _matches(row, where)]
        if not matching:
            raise EditProblem(f"{table}: no row matches {dict(where)}")
        ids = {str(row[key]) for row in rows}
        for copy_idx in range(2, times + 1):
            for row in matching:
                twin = dict(row, **{key: f"{row[key]}-x{copy_idx}"})
                if twin[key] in ids:
                    raise EditProblem(f"{table}: the copy id '{twin[key]}' already exists")
                ids.add(twin[key])
                rows.append(twin)
        data[table] = rows
    return data


def _matches(row: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    for column, wanted in where.items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if str(row.get(column, "")) not in {str(option) for option in options}:
            return False
    return True


_APPLY: dict[str, Callable[[dict[str, Any], Any, Path], dict[str, Any]]] = {
    "set": _apply_set,
    "add": _apply_add,
    "remove": _apply_remove,
    "update": _apply_update,
    "scale": _apply_scale,
}
