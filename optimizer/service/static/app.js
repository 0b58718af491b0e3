// The coordinator's page: upload a scenario, solve it, see and edit the week, check it.
// Plain JavaScript, no build step and nothing loaded from elsewhere. Every value from the
// scenario or the schedule is put on the page as text (never as HTML).
"use strict";

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const TYPE_COLOURS = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];

const state = {
  token: sessionStorage.getItem("iop-token") || "",
  scenario: null,       // the scenario document (SPEC §2, tables inlined, no names)
  solveId: null,
  summary: null,        // summary.json of the solve
  schedule: null,       // {assignments, sessions, unscheduled} as shown (edits included)
  solved: null,         // the solver's schedule, for "back to the solver's week"
  history: [],          // earlier schedules, for undo
  view: "grid",
  check: null,          // the checker's last answer
  features: {},
  abort: null,          // stops reading the event stream
};

// ---- small helpers ---------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === "data") for (const [k, v] of Object.entries(value)) el.dataset[k] = v;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
function show(el, visible = true) { el.hidden = !visible; return el; }
function clone(value) { return JSON.parse(JSON.stringify(value)); }
function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

async function api(method, path, body, options = {}) {
  const headers = {};
  if (state.token) headers["Authorization"] = `Bearer ${state.token}`;
  let payload;
  if (options.raw) { payload = body; headers["Content-Type"] = "application/octet-stream"; }
  else if (body !== undefined) { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  const response = await fetch(path, { method, headers, body: payload, signal: options.signal });
  if (response.status === 401) show($("token-box"));
  return response;
}

async function issuesOf(response) {
  try {
    const data = await response.json();
    if (data && Array.isArray(data.issues)) return data.issues;
  } catch (err) { /* not JSON */ }
  return [{ where: "service", problem: `answered ${response.status}`, fix: "try again" }];
}

function issuesTable(issues) {
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, "Where"), h("th", {}, "Problem"), h("th", {}, "How to fix it"))),
    h("tbody", {}, issues.map((i) => h("tr", {}, h("td", { class: "where" }, i.where), h("td", {}, i.problem), h("td", {}, i.fix || "")))));
}

function typeClass(type) {
  const types = Object.keys(state.scenario.session_types);
  return TYPE_COLOURS[Math.max(0, types.indexOf(type)) % TYPE_COLOURS.length];
}

function shortType(type) {
  return type.split(/[_-]/).map((w) => w.slice(0, 1).toUpperCase() + w.slice(1)).join(" ");
}

function dateOf(day) {
  const start = new Date(`${state.scenario.week_start}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() + DAYS.indexOf(day));
  return start.toISOString().slice(0, 10);
}

function slotsOf(block) {
  const value = state.scenario.blocks[block];
  return (Array.isArray(value) ? value : value.slots).map((s) => s.split("-").map((t) => t.trim()));
}

function slotIndex(block, start) {
  return slotsOf(block).findIndex(([s]) => s === start);
}

function weekDays() {
  return DAYS.filter((d) => state.scenario.days.includes(d));
}

// ---- token -------------------------------------------------------------------------------

$("token-save").addEventListener("click", () => {
  state.token = $("token").value.trim();
  sessionStorage.setItem("iop-token", state.token);
  show($("token-box"), false);
  start();
});

// ---- 1. upload ---------------------------------------------------------------------------

async function upload(file) {
  show($("issues"), false);
  show($("facts"), false);
  $("scenario-name").textContent = `reading ${file.name}…`;
  const response = await api("POST", `/api/scenarios/import?filename=${encodeURIComponent(file.name)}`, file, { raw: true });
  if (!response.ok) {
    const issues = await issuesOf(response);
    // The file cannot be used: nothing of an earlier scenario stays on screen beside it.
    state.scenario = state.schedule = state.solved = state.summary = state.check = null;
    for (const id of ["solve-panel", "week-panel", "download-panel", "place-panel", "drawer"]) show($(id), false);
    $("verdict").hidden = true;
    $("print-btn").hidden = true;
    $("scenario-name").textContent = "";
    $("issues-title").textContent = `${file.name} cannot be used yet: ${plural(issues.length, "problem")}`;
    clear($("issues-body")).append(...issues.map((i) => h("tr", {}, h("td", { class: "where" }, i.where), h("td", {}, i.problem), h("td", {}, i.fix || ""))));
    show($("issues"));
    return;
  }
  const data = await response.json();
  state.scenario = data.scenario;
  state.schedule = state.solved = state.summary = state.check = null;
  state.history = [];
  const f = data.facts;
  $("scenario-name").textContent = f.name;
  clear($("facts")).append(
    h("span", { class: "ok-mark" }, "✓"),
    ` ${f.name} · week starting ${f.week_start} · ${plural(f.clients, "client")}, ${plural(f.therapists, "therapist")}`,
    f.rooms === null ? ", rooms not modelled" : `, ${plural(f.rooms, "room")}`,
    f.pins ? `, ${plural(f.pins, "pin")}` : "",
  );
  show($("facts"));
  show($("solve-panel"));
  for (const id of ["week-panel", "download-panel", "place-panel"]) show($(id), false);
  $("verdict").hidden = true;
  $("progress-text").textContent = "";
  $("progress-fill").style.width = "0%";
}

$("file").addEventListener("change", (ev) => { if (ev.target.files[0]) upload(ev.target.files[0]); });
$("drop").addEventListener("dragover", (ev) => { ev.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (ev) => {
  ev.preventDefault();
  $("drop").classList.remove("over");
  if (ev.dataTransfer.files[0]) upload(ev.dataTransfer.files[0]);
});

// ---- 2. solve ----------------------------------------------------------------------------

function showProgress(p) {
  const limit = p.time_limit || Number($("time-limit").value) || 1;
  const pct = Math.min(100, (100 * (p.elapsed_seconds || 0)) / limit);
  $("progress-fill").style.width = `${pct.toFixed(1)}%`;
  $("progress").setAttribute("aria-valuenow", pct.toFixed(0));
  let text = `${(p.elapsed_seconds || 0).toFixed(1)} s of at most ${limit} s`;
  if (p.phase === 1) text += ` · clients served (weighted): ${p.objective} · at most ${p.best_bound}`;
  else if (p.phase === 2) text += " · everyone who can be served is; now improving preferences and groups";
  $("progress-text").textContent = text;
}

async function readEvents(id, signal) {
  const response = await api("GET", `/api/solves/${id}/events`, undefined, { signal });
  if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return null;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      let data = "";
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) continue;
      const payload = JSON.parse(data);
      if (name === "progress") showProgress(payload);
      else if (name === "status" && payload.status === "running") $("stop-btn").hidden = false;
      else if (name === "end") return payload;
    }
  }
}

async function solve() {
  const body = {
    scenario: state.scenario,
    time_limit: Number($("time-limit").value) || 30,
    seed: Number($("seed").value) || 0,
  };
  show($("solve-error"), false);
  $("solve-btn").disabled = true;
  $("progress-text").textContent = "queued…";
  $("progress-fill").style.width = "0%";
  const response = await api("POST", "/api/solves", body);
  if (!response.ok) {
    solveFailed(await issuesOf(response));
    return;
  }
  const { id } = await response.json();
  state.solveId = id;
  state.abort = new AbortController();
  let final;
  try {
    final = await readEvents(id, state.abort.signal);
  } catch (err) {
    final = null;
  }
  if (!final) final = await (await api("GET", `/api/solves/${id}`)).json();
  $("stop-btn").hidden = true;
  $("solve-btn").disabled = false;
  if (!final.has_schedule) {
    solveFailed([final.error || { where: "solve", problem: `ended ${final.status} without a schedule`, fix: "try a longer time limit" }]);
    return;
  }
  const scheduleResponse = await api("GET", `/api/solves/${id}/schedule`);
  const data = await scheduleResponse.json();
  state.summary = data.summary;
  state.solved = { assignments: data.assignments, sessions: data.sessions, unscheduled: data.unscheduled };
  state.schedule = clone(state.solved);
  state.history = [];
  $("progress-fill").style.width = "100%";
  const s = data.summary;
  $("progress-text").textContent =
    `${s.status}${s.interrupted ? " (stopped early: the best week found so far)" : ""} · ` +
    `${s.scheduled_clients} of ${s.clients} clients scheduled in ${Number(s.solve_seconds).toFixed(1)} s`;
  renderWeek();
  await runCheck();
}

function solveFailed(issues) {
  $("solve-btn").disabled = false;
  $("stop-btn").hidden = true;
  $("progress-text").textContent = "";
  clear($("solve-error")).append(issuesTable(issues));
  show($("solve-error"));
}

$("solve-btn").addEventListener("click", solve);
$("stop-btn").addEventListener("click", async () => {
  if (!state.solveId) return;
  $("stop-btn").disabled = true;
  $("progress-text").textContent += " · stopping…";
  await api("DELETE", `/api/solves/${state.solveId}`);
  $("stop-btn").disabled = false;
});

// ---- 3. the week -------------------------------------------------------------------------

function sessionsBy(filter) {
  return state.schedule.sessions.filter(filter).sort((a, b) =>
    (a.session_type + a.track + a.therapist_id).localeCompare(b.session_type + b.track + b.therapist_id));
}

function members(sessionId) {
  return state.schedule.assignments.filter((a) => a.session_id === sessionId).map((a) => a.client_id).sort();
}

function flagged() {
  const ids = new Set();
  for (const v of (state.check && state.check.violations) || []) {
    if (v.severity === "error") v.ids.forEach((id) => ids.add(id));
  }
  return ids;
}

function sessionCard(s, bad) {
  const isBad = bad.has(s.session_id) || members(s.session_id).some((c) => bad.has(c));
  return h("button", {
    type: "button",
    class: `session ${typeClass(s.session_type)}${isBad ? " bad" : ""}`,
    data: { sid: s.session_id },
    title: `${s.session_type} ${s.track || ""} · ${s.therapist_id}${s.room_id ? " · " + s.room_id : ""} · ${s.size}`,
    on: { click: () => openSession(s.session_id) },
  },
  h("span", { class: "type" }, shortType(s.session_type)),
  s.track ? h("span", { class: "track" }, s.track) : null,
  h("span", { class: "who" }, s.therapist_id, s.room_id ? ` · ${s.room_id}` : ""),
  h("span", { class: "size" }, s.track ? `${s.size}` : members(s.session_id).join(", ")));
}

function gridView() {
  const bad = flagged();
  const days = weekDays();
  const table = h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, h("th", { class: "corner" }, ""),
      days.map((d) => h("th", {}, d, h("span", { class: "date" }, dateOf(d).slice(5)))))));
  const body = h("tbody");
  for (const block of Object.keys(state.scenario.blocks)) {
    slotsOf(block).forEach(([start, end], idx) => {
      const row = h("tr", { class: idx === 0 ? "block-start" : "" },
        h("th", { class: "slot" }, h("span", { class: "block" }, idx === 0 ? block : ""), h("span", { class: "time" }, `${start}–${end}`)));
      for (const day of days) {
        const here = sessionsBy((s) => s.day === day && s.block === block && s.start === start);
        row.append(h("td", {}, here.map((s) => sessionCard(s, bad))));
      }
      body.append(row);
    });
  }
  table.append(body);
  return h("div", { class: "scroll" }, table);
}

function therapistView() {
  const bad = flagged();
  const days = weekDays();
  const table = h("table", { class: "grid by-person" },
    h("thead", {}, h("tr", {}, h("th", {}, "Therapist"), days.map((d) => h("th", {}, d)), h("th", {}, "Sessions"))));
  const body = h("tbody");
  for (const t of state.scenario.therapists) {
    const own = state.schedule.sessions.filter((s) => s.therapist_id === t.therapist_id);
    body.append(h("tr", {}, h("th", {}, t.therapist_id),
      days.map((d) => h("td", {}, own.filter((s) => s.day === d)
        .sort((a, b) => a.start.localeCompare(b.start)).map((s) => sessionCard(s, bad)))),
      h("td", { class: "num" }, own.length)));
  }
  table.append(body);
  return h("div", { class: "scroll" }, table);
}

function clientView() {
  const bad = flagged();
  const days = weekDays();
  const table = h("table", { class: "grid by-person" },
    h("thead", {}, h("tr", {}, h("th", {}, "Client"), h("th", {}, "Track"), h("th", {}, "Plan"), days.map((d) => h("th", {}, d)))));
  const body = h("tbody");
  const unscheduled = new Set(state.schedule.unscheduled.map((u) => u.client_id));
  for (const c of state.scenario.clients) {
    const rows = state.schedule.assignments.filter((a) => a.client_id === c.client_id);
    const cells = days.map((d) => {
      const blocks = [...new Set(rows.filter((a) => a.day === d).map((a) => a.block))];
      return h("td", { class: blocks.length ? "attends" : "" }, blocks.join(" + "));
    });
    body.append(h("tr", { class: bad.has(c.client_id) ? "bad" : unscheduled.has(c.client_id) ? "unscheduled" : "" },
      h("th", {}, h("button", { type: "button", class: "link", data: { cid: c.client_id }, on: { click: () => openClient(c.client_id) } }, c.client_id)),
      h("td", {}, c.track), h("td", {}, c.plan), cells));
  }
  table.append(body);
  return h("div", { class: "scroll" }, table);
}

function unscheduledView() {
  const list = state.schedule.unscheduled;
  if (!list.length) return h("p", { class: "ok" }, "Every client of the scenario is scheduled.");
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, h("th", {}, "Client"), h("th", {}, "Why not scheduled"), h("th", {}, ""))),
    h("tbody", {}, list.map((u) => h("tr", {},
      h("th", {}, h("button", { type: "button", class: "link", data: { cid: u.client_id }, on: { click: () => openUnscheduled(u.client_id) } }, u.client_id)),
      h("td", {}, u.reason),
      h("td", {}, h("button", { type: "button", class: "small", on: { click: () => openUnscheduled(u.client_id) } }, "Explain"))))));
}

const VIEWS = { grid: gridView, therapists: therapistView, clients: clientView, unscheduled: unscheduledView };

function renderWeek() {
  const s = state.summary;
  $("week-title").textContent = `Week of ${state.scenario.week_start}`;
  const scheduled = new Set(state.schedule.assignments.map((a) => a.client_id)).size;
  const edited = state.history.length ? " · edited by hand" : "";
  $("summary-line").textContent =
    `${scheduled} of ${state.scenario.clients.length} clients scheduled · ${plural(state.schedule.sessions.length, "session")} · ` +
    `solver: ${s.status}${s.interrupted ? " (stopped early)" : ""}${edited}`;
  $("tab-unscheduled").textContent = `Unscheduled (${state.schedule.unscheduled.length})`;
  for (const tab of document.querySelectorAll(".tabs button")) tab.classList.toggle("active", tab.dataset.view === state.view);
  clear($("view")).append(VIEWS[state.view]());
  $("undo-btn").disabled = !state.history.length;
  $("reset-btn").disabled = !state.history.length;
  for (const id of ["week-panel", "download-panel"]) show($(id));
  show($("place-panel"), Boolean(state.features.place));
  $("print-btn").hidden = false;
  fillPlaceClients();
}

for (const tab of document.querySelectorAll(".tabs button")) {
  tab.addEventListener("click", () => { state.view = tab.dataset.view; renderWeek(); });
}

// ---- the checker -------------------------------------------------------------------------

async function runCheck() {
  const verdict = $("verdict");
  verdict.textContent = "checking…";
  verdict.className = "verdict pending";
  verdict.hidden = false;
  const response = await api("POST", "/api/check", { scenario: state.scenario, schedule: state.schedule });
  if (!response.ok) {
    verdict.textContent = "the checker could not run";
    verdict.className = "verdict broken";
    return;
  }
  state.check = await response.json();
  verdict.textContent = state.check.verdict;
  verdict.className = `verdict ${state.check.ok ? "ok" : "broken"}`;
  const errors = state.check.violations.filter((v) => v.severity === "error");
  const box = clear($("violations"));
  if (errors.length) {
    box.append(h("h3", {}, `The checker found ${plural(errors.length, "broken rule")}`),
      h("ul", {}, errors.map((v) => h("li", {}, h("code", {}, v.rule), " ", v.ids.length ? `${v.ids.join(", ")}: ` : "", v.message))));
  }
  show(box, errors.length > 0);
  renderWeek();
}

// ---- editing -----------------------------------------------------------------------------

function edit(change) {
  const before = clone(state.schedule);
  const message = change(state.schedule);
  if (message) { alertInDrawer(message); state.schedule = before; return; }
  state.history.push(before);
  tidy(state.schedule);
  closeDrawer();
  renderWeek();
  runCheck();
}

function tidy(schedule) {
  // Sizes follow the assignments; a session nobody attends any more does not run.
  const counts = {};
  for (const a of schedule.assignments) counts[a.session_id] = (counts[a.session_id] || 0) + 1;
  schedule.sessions = schedule.sessions.filter((s) => counts[s.session_id]);
  for (const s of schedule.sessions) s.size = counts[s.session_id];
  const scheduled = new Set(schedule.assignments.map((a) => a.client_id));
  schedule.unscheduled = schedule.unscheduled.filter((u) => !scheduled.has(u.client_id));
}

function newSessionId(schedule, day, block, start, therapist) {
  const base = `${day}-${block}-${slotIndex(block, start) + 1}-${therapist}`;
  const taken = new Set(schedule.sessions.map((s) => s.session_id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

function setSessionTime(schedule, session, day, block, start) {
  const [, end] = slotsOf(block)[slotIndex(block, start)];
  const oldId = session.session_id;
  Object.assign(session, { day, date: dateOf(day), block, start, end });
  session.session_id = newSessionId({ sessions: schedule.sessions.filter((s) => s !== session) }, day, block, start, session.therapist_id);
  for (const a of schedule.assignments) {
    if (a.session_id === oldId) Object.assign(a, { session_id: session.session_id, day, date: session.date, block, start, end, therapist_id: session.therapist_id, room_id: session.room_id });
  }
}

function moveClientToSession(clientId, fromId, toId) {
  return (schedule) => {
    const row = schedule.assignments.find((a) => a.client_id === clientId && a.session_id === fromId);
    const target = schedule.sessions.find((s) => s.session_id === toId);
    if (!row || !target) return "That session is no longer in the week.";
    Object.assign(row, {
      session_id: target.session_id, session_type: target.session_type, day: target.day, date: target.date,
      block: target.block, start: target.start, end: target.end, therapist_id: target.therapist_id, room_id: target.room_id,
    });
    return null;
  };
}

function moveSession(sessionId, day, slot, therapist, room) {
  return (schedule) => {
    const session = schedule.sessions.find((s) => s.session_id === sessionId);
    if (!session) return "That session is no longer in the week.";
    const [block, start] = slot.split(" ");
    session.therapist_id = therapist;
    session.room_id = room;
    setSessionTime(schedule, session, day, block, start);
    return null;
  };
}

function moveClientDay(clientId, fromDay, toDay, toBlock) {
  // The client's sessions of one day go to another day: each to the session of the same
  // type (and track) in the same slot there, or a new session with the same therapist.
  return (schedule) => {
    const rows = schedule.assignments.filter((a) => a.client_id === clientId && a.day === fromDay);
    if (!rows.length) return `${clientId} does not attend on ${fromDay}.`;
    const targetSlots = slotsOf(toBlock);
    for (const row of rows) {
      const idx = slotIndex(row.block, row.start);
      if (idx < 0 || idx >= targetSlots.length) return `${toBlock} has no slot ${idx + 1}; move the sessions one by one.`;
      const [start, end] = targetSlots[idx];
      const source = schedule.sessions.find((s) => s.session_id === row.session_id);
      if (!source) return `${row.session_id} is not in sessions; reload the week.`;
      const isGroup = Boolean(source.track);
      const existing = isGroup && schedule.sessions.find((s) => s.day === toDay && s.block === toBlock && s.start === start &&
        s.session_type === row.session_type && s.track === source.track);
      let target = existing;
      if (!target) {
        target = { ...source, day: toDay, date: dateOf(toDay), block: toBlock, start, end, size: 0 };
        target.session_id = newSessionId(schedule, toDay, toBlock, start, source.therapist_id);
        schedule.sessions.push(target);
      }
      Object.assign(row, {
        session_id: target.session_id, day: toDay, date: target.date, block: toBlock, start, end,
        therapist_id: target.therapist_id, room_id: target.room_id,
      });
    }
    return null;
  };
}

$("undo-btn").addEventListener("click", () => {
  if (!state.history.length) return;
  state.schedule = state.history.pop();
  renderWeek();
  runCheck();
});
$("reset-btn").addEventListener("click", () => {
  state.schedule = clone(state.solved);
  state.history = [];
  renderWeek();
  runCheck();
});

// ---- the drawer: a session, a client, an unscheduled client --------------------------------

function openDrawer(...content) {
  clear($("drawer-body")).append(...content);
  show($("drawer"));
}
function closeDrawer() { show($("drawer"), false); }
function alertInDrawer(message) {
  $("drawer-body").prepend(h("p", { class: "error" }, message));
  show($("drawer"));
}
$("drawer-close").addEventListener("click", closeDrawer);
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeDrawer(); });

function sessionLabel(s) {
  return `${s.day} ${s.block} ${s.start} · ${s.session_type}${s.track ? " " + s.track : ""} · ${s.therapist_id}${s.room_id ? " · " + s.room_id : ""} (${s.size})`;
}

function options(values, selected) {
  return values.map(([value, label]) => h("option", { value, selected: value === selected }, label));
}

function openSession(sessionId) {
  const s = state.schedule.sessions.find((x) => x.session_id === sessionId);
  if (!s) return;
  const others = state.schedule.sessions.filter((x) => x.session_id !== sessionId)
    .sort((a, b) => (DAYS.indexOf(a.day) - DAYS.indexOf(b.day)) || a.block.localeCompare(b.block) || a.start.localeCompare(b.start));
  const who = members(sessionId);
  const memberRows = who.map((cid) => {
    const select = h("select", { class: "move-target", "aria-label": `move ${cid} to` },
      options([["", "another session…"], ...others.map((o) => [o.session_id, sessionLabel(o)])], ""));
    return h("li", {}, h("button", { type: "button", class: "link", on: { click: () => openClient(cid) } }, cid), " ",
      h("span", { class: "move" }, "move to ", select,
        h("button", { type: "button", class: "small move-client", data: { cid },
          on: { click: () => select.value && edit(moveClientToSession(cid, sessionId, select.value)) } }, "Move")));
  });
  const slots = Object.keys(state.scenario.blocks).flatMap((b) => slotsOf(b).map(([start]) => [`${b} ${start}`, `${b} ${start}`]));
  const day = h("select", {}, options(weekDays().map((d) => [d, d]), s.day));
  const slot = h("select", {}, options(slots, `${s.block} ${s.start}`));
  const therapist = h("select", {}, options(state.scenario.therapists.map((t) => [t.therapist_id, t.therapist_id]), s.therapist_id));
  const rooms = state.scenario.rooms ? [["", "no room"], ...state.scenario.rooms.map((r) => [r.room_id, r.room_id])] : [["", "no room"]];
  const room = h("select", {}, options(rooms, s.room_id || ""));
  openDrawer(
    h("h3", {}, `${shortType(s.session_type)}${s.track ? " · " + s.track : ""}`),
    h("p", {}, `${s.day} ${dateOf(s.day)}, ${s.block} ${s.start}–${s.end} · ${s.therapist_id}${s.room_id ? " · room " + s.room_id : ""}`),
    h("p", { class: "muted" }, `session ${s.session_id} · ${plural(who.length, "client")}`),
    h("h4", {}, "Clients"),
    h("ul", { class: "members" }, memberRows),
    h("h4", {}, "Move the whole session"),
    h("div", { class: "form" },
      h("label", {}, "Day ", day), h("label", {}, "Slot ", slot),
      h("label", {}, "Therapist ", therapist), h("label", {}, "Room ", room),
      h("button", { type: "button", class: "primary", on: { click: () => edit(moveSession(sessionId, day.value, slot.value, therapist.value, room.value)) } }, "Move session")),
  );
}

function openClient(clientId) {
  const client = state.scenario.clients.find((c) => c.client_id === clientId);
  const rows = state.schedule.assignments.filter((a) => a.client_id === clientId)
    .sort((a, b) => (DAYS.indexOf(a.day) - DAYS.indexOf(b.day)) || a.start.localeCompare(b.start));
  const unscheduled = state.schedule.unscheduled.find((u) => u.client_id === clientId);
  const content = [
    h("h3", {}, clientId),
    client ? h("p", {}, `${client.track} · plan ${client.plan}${client.preferred_block ? " · prefers " + client.preferred_block : ""}`) : null,
  ];
  if (unscheduled) {
    content.push(h("p", {}, unscheduled.reason), explainButton(clientId));
  } else {
    content.push(h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["Day", "Time", "Session", "Therapist", "Room"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.map((a) => h("tr", {}, h("td", {}, `${a.day} ${a.block}`), h("td", {}, `${a.start}–${a.end}`),
        h("td", {}, h("button", { type: "button", class: "link", on: { click: () => openSession(a.session_id) } }, a.session_type)),
        h("td", {}, a.therapist_id), h("td", {}, a.room_id || ""))))));
    const attended = [...new Set(rows.map((a) => a.day))];
    const from = h("select", {}, options(attended.map((d) => [d, d])));
    const to = h("select", {}, options(weekDays().map((d) => [d, d])));
    const block = h("select", {}, options(Object.keys(state.scenario.blocks).map((b) => [b, b]), rows[0] && rows[0].block));
    content.push(h("h4", {}, "Move a day"),
      h("p", { class: "muted" }, "Each session of that day goes to the same kind of session in the same slot of the new day (a new one if there is none)."),
      h("div", { class: "form" }, h("label", {}, "From ", from), h("label", {}, "to ", to), h("label", {}, "block ", block),
        h("button", { type: "button", class: "primary", on: { click: () => edit(moveClientDay(clientId, from.value, to.value, block.value)) } }, "Move day")));
  }
  openDrawer(...content);
}

function explainButton(clientId) {
  const out = h("div", { class: "explain" });
  const button = h("button", { type: "button", class: "primary explain-btn", on: { click: async () => {
    button.disabled = true;
    clear(out).append(h("p", { class: "muted" }, "Working out why (re-solving small models, up to 15 s)…"));
    const response = await api("POST", "/api/explain", { scenario: state.scenario, schedule: state.schedule, client_id: clientId, time_limit: 15 });
    button.disabled = false;
    if (!response.ok) { clear(out).append(issuesTable(await issuesOf(response))); return; }
    const e = await response.json();
    const fits = e.suggestions.filter((s) => s.verified);
    const tried = e.suggestions.filter((s) => !s.verified && s.status !== "not tried");
    clear(out).append(
      h("p", { class: "story" }, e.summary),
      e.causes.length ? h("div", {}, h("h4", {}, "Why"), h("ul", {}, e.causes.map((c) => h("li", {}, c.message)))) : null,
      fits.length ? h("div", {}, h("h4", {}, "Would fit if (each verified by re-solving)"), h("ul", { class: "fits" }, fits.map((s) => h("li", {}, s.description)))) : null,
      tried.length ? h("div", {}, h("h4", {}, "Tried, not enough on its own"), h("ul", {}, tried.map((s) => h("li", {}, `${s.description} (${s.status})`)))) : null,
      h("p", { class: "muted" }, `${Number(e.seconds).toFixed(1)} s`));
  } } }, "Why, and what would let them in?");
  return h("div", {}, button, out);
}

function openUnscheduled(clientId) { openClient(clientId); }

// ---- 4. place a new intake ------------------------------------------------------------------

function fillPlaceClients() {
  const scheduled = new Set(state.schedule.assignments.map((a) => a.client_id));
  clear($("place-clients")).append(...state.scenario.clients.filter((c) => !scheduled.has(c.client_id))
    .map((c) => h("option", { value: c.client_id })));
  const tracks = [...new Set(state.scenario.clients.map((c) => c.track))].sort();
  clear($("intake-tracks")).append(...tracks.map((t) => h("option", { value: t })));
  const plan = $("intake-plan").value;
  clear($("intake-plan")).append(...options(Object.keys(state.scenario.plans).map((p) => [p, p]), plan));
  const block = $("intake-block").value;
  clear($("intake-block")).append(...options([["", "no block"], ...Object.keys(state.scenario.blocks).map((b) => [b, b])], block));
  showIntake();
}

function showIntake() {
  const id = $("place-client").value.trim();
  show($("intake"), Boolean(id) && !state.scenario.clients.some((c) => c.client_id === id));
}
$("place-client").addEventListener("input", showIntake);

function placeScenario(clientId) {
  // A client of the scenario as it is; a new intake is added to a copy (kept only if an
  // option for them is applied).
  if (state.scenario.clients.some((c) => c.client_id === clientId)) return state.scenario;
  const client = { client_id: clientId, track: $("intake-track").value.trim(), plan: $("intake-plan").value };
  if ($("intake-available").value.trim()) client.available = $("intake-available").value.trim();
  if ($("intake-busy").value.trim()) client.busy = $("intake-busy").value.trim();
  if ($("intake-block").value) client.preferred_block = $("intake-block").value;
  return { ...state.scenario, clients: [...state.scenario.clients, client] };
}

function signed(n) { return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0"; }

function daysText(days) {
  const blocks = [...new Set(days.map((d) => d.block))];
  return blocks.length === 1 ? `${days.map((d) => d.day).join(", ")} in ${blocks[0]}` : days.map((d) => `${d.day} ${d.block}`).join(", ");
}

function placedSessionsTable(sessions) {
  return h("table", { class: "list" },
    h("thead", {}, h("tr", {}, ["Day", "Time", "Session", "Joins or new", "Therapist", "Room", "Size"].map((t) => h("th", {}, t)))),
    h("tbody", {}, sessions.map((s) => h("tr", {},
      h("td", {}, `${s.day} ${s.block}`), h("td", {}, `${s.start}–${s.end}`), h("td", {}, s.session_type + (s.track ? ` · ${s.track}` : "")),
      h("td", {}, s.new ? "new" : `joins ${s.session_id}`), h("td", {}, s.therapist_id), h("td", {}, s.room_id || ""), h("td", { class: "num" }, s.size)))));
}

function moveText(m) {
  const brief = (s) => `${s.day} ${s.block} ${s.start} ${s.session_type} (${s.therapist_id})`;
  return `${m.client_id} leaves ${m.leaves.map(brief).join(", ")}; joins ${m.joins.map(brief).join(", ")}`;
}

function applyEdit(edit) {
  return (schedule) => {
    const gone = new Set(edit.assignments_removed.map((r) => `${r.client_id}\u0000${r.session_id}`));
    schedule.assignments = schedule.assignments.filter((a) => !gone.has(`${a.client_id}\u0000${a.session_id}`))
      .concat(edit.assignments_added.map((r) => ({ ...r })));
    const removed = new Set(edit.sessions_removed);
    const upserted = new Map(edit.sessions_upserted.map((r) => [r.session_id, { ...r }]));
    schedule.sessions = schedule.sessions.filter((s) => !removed.has(s.session_id))
      .map((s) => { const row = upserted.get(s.session_id); upserted.delete(s.session_id); return row || s; })
      .concat([...upserted.values()]);
    return null;
  };
}

function admitIntake(scenario, clientId) {
  // The intake joins the scenario, and every week kept on the page (undo, back to the
  // solver's week) lists them as not placed, so that the checker judges each one whole.
  state.scenario = scenario;
  for (const week of [state.schedule, state.solved, ...state.history]) {
    if (!week.unscheduled.some((u) => u.client_id === clientId)) {
      week.unscheduled.push({ client_id: clientId, reason: "new intake, not placed yet" });
    }
  }
}

function applyOption(scenario, clientId, option) {
  if (scenario !== state.scenario) admitIntake(scenario, clientId);
  edit(applyEdit(option.edit));
  clear($("place-result")).append(h("p", { class: "ok" },
    `Applied option ${option.rank}: ${clientId} ${daysText(option.days)}` +
    (option.moves.length ? `, moving ${option.moves.map((m) => m.client_id).join(", ")}` : "") +
    ". The checker's verdict is at the top."));
}

function placementView(scenario, clientId, data) {
  return [
    h("p", { class: "place-story" }, data.message),
    data.options.length ? h("ol", { class: "options" }, data.options.map((o) => h("li", { data: { rank: o.rank } },
      h("div", { class: "option-head" },
        h("strong", {}, daysText(o.days)),
        h("span", {}, `secondary objective ${signed(o.penalty)}`),
        h("span", { class: "terms" }, Object.entries(o.terms).filter(([, v]) => v).map(([k, v]) => `${k} ${signed(v)}`).join(", ")),
        h("span", { class: "checked" }, `✓ ${o.checked}`),
        h("button", { type: "button", class: "small apply-option", on: { click: () => applyOption(scenario, clientId, o) } }, "Apply to this week")),
      o.moves.length ? h("ul", { class: "moves" }, o.moves.map((m) => h("li", {}, moveText(m)))) : null,
      placedSessionsTable(o.sessions))))
      : null,
    h("p", { class: "muted" }, `${Number(data.seconds).toFixed(1)} s`),
  ];
}

$("place-btn").addEventListener("click", async () => {
  const out = clear($("place-result"));
  const clientId = $("place-client").value.trim();
  if (!clientId) { out.append(h("p", { class: "error" }, "Enter the client's id.")); return; }
  const scenario = placeScenario(clientId);
  out.append(h("p", { class: "muted" }, "Looking for options…"));
  $("place-btn").disabled = true;
  const response = await api("POST", "/api/place", {
    scenario, schedule: state.schedule, client_id: clientId, top: Number($("place-top").value) || 5,
  });
  $("place-btn").disabled = false;
  if (!response.ok) { clear(out).append(issuesTable(await issuesOf(response))); return; }
  clear(out).append(...placementView(scenario, clientId, await response.json()));
});

// ---- 5. downloads ---------------------------------------------------------------------------

for (const button of document.querySelectorAll("[data-file]")) {
  button.addEventListener("click", async () => {
    const name = button.dataset.file;
    button.disabled = true;
    const response = await api("POST", `/api/files/${name}`, { scenario: state.scenario, schedule: state.schedule, summary: state.summary });
    button.disabled = false;
    if (!response.ok) { alertInDrawer((await issuesOf(response)).map((i) => `${i.where}: ${i.problem}`).join("; ")); return; }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
}

$("print-btn").addEventListener("click", () => window.print());

// ---- start ----------------------------------------------------------------------------------

async function start() {
  const response = await api("GET", "/api/health");
  if (response.ok) state.features = (await response.json()).features || {};
}

start();
