"""``report.html``: the week on one self-contained page (inline CSS and SVG, no network).

Sections: summary and objective terms, the week grid (days x blocks/slots), utilisation
chart, unscheduled clients with reasons, compliance (each client's hours, days and sessions
against the plan, for the clinical director to sign), one section per therapist (load
against limits), one per room, client index. Prints on A4 or Letter in landscape (``@page``).
Clients appear by id; names only with ``names=True`` (a printed page may be left on a desk).
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ..compliance import COMPLIANCE_COLUMNS, COMPLIANCE_LABELS, client_weeks
from ..schedule import gap_percent
from ..version import __version__
from .common import (
    ReportData,
    block_label,
    records,
    session_card,
    session_minutes,
    type_label,
    week_grid,
    week_order,
)

CSS = """
@page { size: landscape; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 12px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #222; margin: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 22px 0 6px; border-bottom: 2px solid #444; }
h3 { font-size: 13px; margin: 14px 0 4px; }
.muted { color: #666; }
.privacy { font-size: 11px; color: #555; }
.names-warning { background: #fdecea; border: 1px solid #c0392b; padding: 4px 8px; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num, th.num { text-align: right; }
table.grid { width: 100%; table-layout: fixed; }
table.grid th.slot { width: 110px; }
table.grid td { padding: 2px; }
table.grid tr.block-start th, table.grid tr.block-start td { border-top: 2px solid #444; }
.session { border: 1px solid #888; border-radius: 3px; padding: 2px 4px; margin: 2px 0;
           break-inside: avoid; }
.session b { font-weight: 600; }
.session .sid { font-size: 9px; color: #555; }
.closed { background: repeating-linear-gradient(45deg, #f3f3f3, #f3f3f3 6px, #e6e6e6 6px,
          #e6e6e6 12px); color: #777; text-align: center; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 6px;
               border: 1px solid #888; border-radius: 3px; }
.at-limit { background: #fff2cc; }
.over-limit { background: #f4cccc; font-weight: 600; }
.unscheduled { background: #fdecea; border-left: 5px solid #c0392b; padding: 4px 10px; }
.unscheduled td.reason { font-weight: 600; }
.ok { color: #1e7b34; }
tr.short td { background: #f4cccc; }
.signature { margin-top: 14px; display: flex; gap: 40px; }
.signature span { display: inline-block; min-width: 220px; border-bottom: 1px solid #444; }
.cards { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.cards > div { min-width: 120px; }
.cards b { display: block; font-size: 18px; }
.columns { display: flex; flex-wrap: wrap; gap: 12px 28px; }
svg text { font: 11px system-ui, Arial, sans-serif; }
@media print {
  body { margin: 0; font-size: 10px; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  tr, .session, .therapist, .room { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(
    header: list[str],
    rows: list[list[str]],
    cls: str = "",
    numeric: frozenset[int] = frozenset(),
    row_classes: list[str] | None = None,
) -> str:
    """An HTML table; cells in ``rows`` are already-escaped HTML; ``row_classes`` gives each
    row a CSS class ("" for none)."""
    head = "".join(
        f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(header)
    )
    marks = row_classes or [""] * len(rows)
    body = "".join(
        (f'<tr class="{mark}">' if mark else "<tr>")
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row, mark in zip(rows, marks, strict=True)
    )
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Page:
    def __init__(self, data: ReportData, names: bool) -> None:
        self.data = data
        self.names = names
        self.scenario = data.scenario
        self.name_of = data.client_names() if names else {}
        types = list(self.scenario.session_types)
        extra = sorted(set(data.sessions["session_type"]) - set(types))
        self.type_class = {t: f"t{i}" for i, t in enumerate(types + extra)}
        self.is_group = {t: s.is_group for t, s in self.scenario.session_types.items()}

    # ---- pieces --------------------------------------------------------------------

    def client(self, client_id: str) -> str:
        name = self.name_of.get(client_id)
        return f"{_e(client_id)} ({_e(name)})" if name else _e(client_id)

    def type_css(self) -> str:
        return "\n".join(
            f".{cls} {{ background: #{self.data.type_colour(stype)}; }}"
            for stype, cls in self.type_class.items()
        )

    def legend(self) -> str:
        return (
            '<p class="legend">'
            + "".join(
                f'<span class="{cls}">{_e(type_label(stype))}</span>'
                for stype, cls in self.type_class.items()
            )
            + "</p>"
        )

    # ---- sections ------------------------------------------------------------------

    def header(self) -> str:
        s = self.scenario
        dates = self.data.week_dates()
        span = f"{dates[0][1]:%a %d %b %Y} - {dates[-1][1]:%a %d %b %Y}" if dates else ""
        privacy = (
            '<p class="names-warning">This page shows client names (protected health '
            "information). Do not leave it unattended.</p>"
            if self.names
            else '<p class="privacy">Clients are shown by id only.</p>'
        )
        return (
            f"<h1>{_e(s.name)}</h1>"
            f'<p class="muted">Week of {_e(s.week_start.isoformat())} ({_e(span)}), '
            f"times in {_e(self.data.timezone.describe())}. "
            f"Generated {dt.datetime.now():%Y-%m-%d %H:%M} by "
            f"iop-optimizer {_e(__version__)}.</p>{privacy}"
        )

    def summary(self) -> str:
        summary = self.data.summary
        total = len(self.scenario.clients)
        scheduled = self.data.assignments["client_id"].nunique()
        objective, bound = summary.get("objective"), summary.get("best_bound")
        numbers = isinstance(objective, (int, float)) and isinstance(bound, (int, float))
        gap = gap_percent(objective, bound) if numbers else None
        cards = [
            ("Status", summary.get("status", "(no summary.json)")),
            ("Clients scheduled", f"{scheduled} of {total}"),
            ("Objective", objective),
            ("Best bound", bound),
            ("Gap", "-" if gap is None else f"{gap:.1f}%"),
            ("Sessions", len(self.data.sessions)),
            ("Solve time", f"{summary['solve_seconds']}s" if "solve_seconds" in summary else "-"),
        ]
        if summary.get("interrupted"):
            cards.append(("Interrupted", "yes: best schedule found so far"))
        html = '<h2 class="first" id="summary">Summary and objective</h2><div class="cards">'
        html += "".join(f"<div>{_e(k)}<b>{_e(v)}</b></div>" for k, v in cards)
        html += "</div>"
        html += (
            '<p class="muted">Primary objective: priority-weighted number of scheduled '
            "clients (maximised first). Secondary terms are penalties (lower is better), "
            "weighted as below, optimised only among schedules that serve as many.</p>"
        )
        terms = summary.get("objective_terms")
        if not isinstance(terms, dict) or not terms:
            weights = summary.get("weights") or self.scenario.weights.model_dump()
            terms = {
                term: {"value": value, "weight": weights.get(term, "")}
                for term, value in (summary.get("secondary") or {}).items()
            }
        rows = []
        for term, info in terms.items():
            info = info if isinstance(info, dict) else {"value": info}
            value, weight = info.get("value", ""), info.get("weight", "")
            weighted = info.get("weighted")
            if weighted is None and isinstance(value, int) and isinstance(weight, int):
                weighted = value * weight
            rows.append([_e(term), _e(value), _e(weight), _e(weighted), _e(info.get("unit", ""))])
        if rows:
            html += _table(
                ["secondary term", "penalty", "weight", "weighted", "counts"],
                rows,
                numeric=frozenset({1, 2, 3}),
            )
        return html

    def grid(self) -> str:
        grid = week_grid(self.data)
        head = '<th class="slot">block / slot</th>' + "".join(
            f"<th>{_e(day)} {_e(f'{date:%d %b}') if date else ''}"
            + (' <span class="muted">closed</span>' if grid.is_closed(date) else "")
            + "</th>"
            for day, date in grid.columns
        )
        body = []
        for block, number, start, end in grid.rows:
            cls = ' class="block-start"' if number == 1 else ""
            line = f'<tr{cls}><th class="slot">{_e(block_label(self.scenario, block))} {number}<br>'
            line += f'<span class="muted">{_e(start)}-{_e(end)}</span></th>'
            for day, date in grid.columns:
                here = grid.sessions_at(day, block, start, end)
                if grid.is_closed(date) and not here:
                    line += '<td class="closed">closed</td>'
                    continue
                line += "<td>" + "".join(self.session_card(s) for s in here) + "</td>"
            body.append(line + "</tr>")
        return (
            '<h2 class="first" id="week">Week grid</h2>'
            + self.legend()
            + f'<table class="grid" id="week-grid"><thead><tr>{head}</tr></thead>'
            + f"<tbody>{''.join(body)}</tbody></table>"
        )

    def session_card(self, row: dict[str, str]) -> str:
        stype = row["session_type"]
        parts = [
            _e(part)
            for part in session_card(
                row,
                self.is_group.get(stype, bool(row["track"])),
                self.scenario.is_virtual(row["block"]),
            )
        ]
        parts[0] = f"<b>{parts[0]}</b>"
        return (
            f'<div class="session {self.type_class.get(stype, "")}" '
            f'data-session-id="{_e(row["session_id"])}">'
            + " &middot; ".join(parts)
            + f'<div class="sid">{_e(row["session_id"])}</div></div>'
        )

    def chart(self) -> str:
        """Inline SVG bars: therapist hours (against weekly caps) and room occupancy."""
        data = self.data
        load = therapist_load(data)
        therapist_rows = []
        for tid in data.therapist_ids():
            info = load[tid]
            cap = info["max_week"]
            share = info["sessions"] / cap if cap else None
            label = f"{info['sessions']} sessions, {info['minutes'] / 60:.1f} h" + (
                f" of max {cap}" if cap else ""
            )
            therapist_rows.append((tid, info["minutes"] / 60, share, label))
        hours_max = max([r[1] for r in therapist_rows] + [1.0])
        room_rows = []
        open_minutes = program_minutes(data)
        for rid, info in room_use(data).items():
            share = info["minutes"] / open_minutes if open_minutes else 0.0
            seats = f"{info['seat_share']:.0%} of seats filled"
            room_rows.append((rid, share, f"{100 * share:.0f}% of program hours, {seats}"))
        return (
            '<h2 id="utilisation">Utilisation</h2><div class="columns">'
            + _bars(
                "Therapist hours this week",
                [
                    (tid, hours / hours_max, label, share)
                    for tid, hours, share, label in therapist_rows
                ],
                "therapist-chart",
            )
            + (
                _bars(
                    "Room occupancy (booked share of program hours)",
                    [(rid, share, label, None) for rid, share, label in room_rows],
                    "room-chart",
                )
                if room_rows
                else ""
            )
            + "</div>"
        )

    def therapists(self) -> str:
        data = self.data
        load = therapist_load(data)
        html = '<h2 id="therapists">Therapists</h2>'
        for tid in data.therapist_ids():
            info = load[tid]
            day_cells = []
            for day, _date in data.week_dates():
                count = info["per_day"].get(day, 0)
                day_cells.append(_limit_cell(count, info["max_day"]))
            week_cell = _limit_cell(info["sessions"], info["max_week"])
            html += f'<div class="therapist" id="therapist-{_e(tid)}"><h3>{_e(tid)}</h3>'
            skills = ", ".join(info["skills"]) if info["skills"] else "-"
            html += (
                f'<p class="muted">Skills: {_e(skills)}. Tracks: {_e(info["tracks"] or "all")}. '
            )
            html += f"Hours this week: {info['minutes'] / 60:.1f}.</p>"
            header = [d for d, _ in data.week_dates()] + ["week"]
            html += _table(
                ["sessions per day (max " + _e(info["max_day"] or "-") + ")"] + header,
                [["sessions"] + day_cells + [week_cell]],
            )
            rows = data.sessions[data.sessions["therapist_id"] == tid]
            html += (
                self.session_list(rows, show_therapist=False)
                if len(rows)
                else ('<p class="muted">No sessions this week.</p>')
            )
            html += "</div>"
        return html

    def rooms(self) -> str:
        data = self.data
        if not data.room_ids():
            return '<h2 id="rooms">Rooms</h2><p class="muted">This scenario has no rooms.</p>'
        rooms = {r.room_id: r for r in data.scenario.rooms or ()}
        use = room_use(data)
        html = '<h2 id="rooms">Rooms</h2>'
        for rid in data.room_ids():
            room = rooms.get(rid)
            info = use[rid]
            html += f'<div class="room" id="room-{_e(rid)}"><h3>{_e(rid)}</h3><p class="muted">'
            if room is not None:
                serves = ", ".join(room.serves) if room.serves else "all types"
                html += f"Capacity {room.capacity}; serves {_e(serves)}. "
            html += (
                f"{info['sessions']} sessions, {info['minutes'] / 60:.1f} h booked, "
                f"seats filled {info['seat_share']:.0%}.</p>"
            )
            rows = data.sessions[data.sessions["room_id"] == rid]
            html += (
                self.session_list(rows, show_room=False)
                if len(rows)
                else ('<p class="muted">Unused this week.</p>')
            )
            html += "</div>"
        return html

    def session_list(
        self, rows: pd.DataFrame, show_therapist: bool = True, show_room: bool = True
    ) -> str:
        header = ["day", "date", "time", "block", "session type", "track"]
        header += ["therapist"] if show_therapist else []
        header += ["room"] if show_room and self.data.room_ids() else []
        header += ["size", "session id"]
        body = []
        for row in records(week_order(rows)):
            line = [
                _e(row["day"]),
                _e(row["date"]),
                f"{_e(row['start'])}-{_e(row['end'])}",
                _e(row["block"]),
                f'<span class="{self.type_class.get(row["session_type"], "")}">'
                f"{_e(type_label(row['session_type']))}</span>",
                _e(row["track"]),
            ]
            line += [_e(row["therapist_id"])] if show_therapist else []
            line += [_e(row["room_id"])] if show_room and self.data.room_ids() else []
            line += [_e(row["size"]), _e(row["session_id"])]
            body.append(line)
        return _table(header, body, numeric=frozenset({len(header) - 2}))

    def unscheduled(self) -> str:
        frame = self.data.unscheduled
        html = '<h2 id="unscheduled">Unscheduled clients</h2>'
        if not len(frame):
            return html + '<p class="ok">Every client is scheduled.</p>'
        rows = "".join(
            f'<tr><td>{self.client(cid)}</td><td class="reason">{_e(reason)}</td></tr>'
            for cid, reason in zip(frame["client_id"], frame["reason"], strict=True)
        )
        return (
            html
            + f'<div class="unscheduled"><p>{len(frame)} client(s) could not be scheduled:</p>'
            + "<table><thead><tr><th>client</th><th>reason</th></tr></thead>"
            + f"<tbody>{rows}</tbody></table></div>"
        )

    def compliance(self) -> str:
        """Each client's week against the plan (:mod:`optimizer.compliance`)."""
        weeks = client_weeks(self.scenario, self.data.assignments)
        types = list(self.scenario.session_types)
        scheduled = [w for w in weeks if w.scheduled]
        short = [w for w in scheduled if w.shortfalls()]
        html = '<h2 id="compliance">Compliance with the plans</h2>'
        html += (
            '<p class="muted">Per client: days attended against the plan\'s days, days in a '
            "virtual (telehealth) block, scheduled hours a week against the plan's weekly "
            "minimum, the shortest attended day against the daily minimum (minimums after "
            "proration for a partial week), and sessions per type as scheduled/minimum.</p>"
        )
        if short:
            html += (
                f'<p class="over-limit">{len(short)} of {len(scheduled)} scheduled clients '
                f"fall short of their plan: {_e(', '.join(w.client_id for w in short))}.</p>"
            )
        else:
            html += (
                f'<p class="ok">All {len(scheduled)} scheduled clients meet their plan\'s '
                "hours, days and sessions.</p>"
            )
        numeric = {
            idx
            for idx, column in enumerate(COMPLIANCE_COLUMNS)
            if column.startswith(("days", "virtual", "hours", "min_hours", "shortest"))
        }
        rows = [
            [
                self.client(week.client_id) if column == "client_id" else _e(value)
                for column, value in week.row(types).items()
            ]
            for week in weeks
        ]
        html += _table(
            [COMPLIANCE_LABELS.get(column, column) for column in COMPLIANCE_COLUMNS],
            rows,
            numeric=frozenset(numeric),
            row_classes=["short" if week.shortfalls() else "" for week in weeks],
        )
        return html + (
            '<div class="signature"><div>Reviewed by (clinical director): <span></span></div>'
            "<div>Signature: <span></span></div><div>Date: <span></span></div></div>"
        )

    def clients(self) -> str:
        data = self.data
        assignments = data.assignments
        unscheduled = set(data.unscheduled["client_id"])
        known = {c.client_id: c for c in data.scenario.clients}
        ids = sorted(set(known) | set(assignments["client_id"]))
        by_client = {cid: group for cid, group in assignments.groupby("client_id", sort=False)}
        rows = []
        for cid in ids:
            client = known.get(cid)
            mine = by_client.get(cid)
            if mine is not None:
                days = " ".join(dict.fromkeys(mine["day"]))
                blocks = ", ".join(dict.fromkeys(mine["block"]))
                counts = mine["session_type"].value_counts()
                sessions = ", ".join(
                    f"{type_label(t)} {counts[t]}"
                    for t in list(data.scenario.session_types)
                    + sorted(set(counts.index) - set(data.scenario.session_types))
                    if t in counts.index
                )
                individual = mine[[not self.is_group.get(t, False) for t in mine["session_type"]]]
                with_whom = ", ".join(dict.fromkeys(individual["therapist_id"]))
                status = "scheduled"
            else:
                days = blocks = sessions = with_whom = ""
                status = "unscheduled" if cid in unscheduled else "no sessions"
            status_class = "ok" if status == "scheduled" else "over-limit"
            rows.append(
                [
                    self.client(cid),
                    _e(client.track if client else ""),
                    _e(client.plan if client else ""),
                    f'<span class="{status_class}">{status}</span>',
                    _e(days),
                    _e(blocks),
                    _e(sessions),
                    _e(with_whom),
                ]
            )
        return '<h2 id="clients">Client index</h2>' + _table(
            ["client", "track", "plan", "status", "days", "block", "sessions", "individual with"],
            rows,
        )

    def render(self) -> str:
        body = "".join(
            [
                self.header(),
                self.summary(),
                self.grid(),
                self.chart(),
                self.unscheduled(),
                self.compliance(),
                self.therapists(),
                self.rooms(),
                self.clients(),
            ]
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex">'
            f"<title>{_e(self.scenario.name)}</title>"
            f"<style>{CSS}\n{self.type_css()}</style></head><body>{body}</body></html>\n"
        )


def _limit_cell(count: int, limit: int | None) -> str:
    text = f"{count}" + (f" / {limit}" if limit is not None else "")
    if limit is not None and count > limit:
        return f'<span class="over-limit">{text} over</span>'
    if limit is not None and count == limit:
        return f'<span class="at-limit">{text}</span>'
    return text


def _bars(title: str, rows: list[tuple[str, float, str, float | None]], element_id: str) -> str:
    """Horizontal bars; ``rows`` hold (label, length 0..1, text, share of a cap or None)."""
    width, label_w, bar_w, row_h = 520, 70, 200, 18
    height = 24 + row_h * len(rows)
    parts = [
        f'<svg id="{element_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
        f'<text x="0" y="14" font-weight="600">{_e(title)}</text>',
    ]
    for idx, (label, length, text, cap_share) in enumerate(rows):
        y = 22 + idx * row_h
        length = max(0.0, min(1.0, length))
        colour = "#c0392b" if cap_share is not None and cap_share > 1 else "#4a7ebb"
        parts.append(f'<text x="0" y="{y + 12}">{_e(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 6}" fill="#eee"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w * length:.1f}" '
            f'height="{row_h - 6}" fill="{colour}"/>'
        )
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 12}">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def therapist_load(data: ReportData) -> dict[str, dict[str, Any]]:
    """Per therapist: sessions, minutes, sessions per day, limits, skills and tracks."""
    therapists = {t.therapist_id: t for t in data.scenario.therapists}
    out: dict[str, dict[str, Any]] = {}
    for tid in data.therapist_ids():
        therapist = therapists.get(tid)
        rows = data.sessions[data.sessions["therapist_id"] == tid]
        out[tid] = {
            "sessions": len(rows),
            "minutes": sum(
                session_minutes(s, e) for s, e in zip(rows["start"], rows["end"], strict=True)
            ),
            "per_day": rows["day"].value_counts().to_dict(),
            "max_day": therapist.max_sessions_per_day if therapist else None,
            "max_week": therapist.max_sessions_per_week if therapist else None,
            "skills": list(therapist.skills) if therapist else [],
            "tracks": ", ".join(therapist.tracks) if therapist else "",
        }
    return out


def room_use(data: ReportData) -> dict[str, dict[str, Any]]:
    """Per room: sessions, booked minutes and the share of seats filled when booked."""
    capacity = {r.room_id: r.capacity for r in data.scenario.rooms or ()}
    out: dict[str, dict[str, Any]] = {}
    for rid in data.room_ids():
        rows = data.sessions[data.sessions["room_id"] == rid]
        seats = sum(int(s) for s in rows["size"] if s.isdigit())
        offered = capacity.get(rid, 0) * len(rows)
        out[rid] = {
            "sessions": len(rows),
            "minutes": sum(
                session_minutes(s, e) for s, e in zip(rows["start"], rows["end"], strict=True)
            ),
            "seat_share": seats / offered if offered else 0.0,
        }
    return out


def program_minutes(data: ReportData) -> int:
    """Minutes of the week when some block runs: union of slot times over open days."""
    per_day = 0
    intervals = sorted({slot for slots in data.scenario.blocks.values() for slot in slots})
    end_so_far = -1
    for start, end in intervals:
        start = max(start, end_so_far)
        if end > start:
            per_day += end - start
        end_so_far = max(end_so_far, end)
    return per_day * len(data.scenario.open_days())


def render_html(data: ReportData, names: bool = False) -> str:
    """The report page as one HTML string (self-contained: no scripts, fonts or links out)."""
    return _Page(data, names).render()


def write_html(data: ReportData, path: Path, names: bool = False) -> Path:
    """Write ``report.html``; client names only with ``names``."""
    path.write_text(render_html(data, names), encoding="utf-8")
    return path
