// leapplan dashboard: plain JavaScript, no build step, no external assets (docs/service.md has the API).
// Overview first (plan, fulfilment, completeness, agreements, flags), then drill-down by the unit tree.
"use strict";

(function () {
  const TOKEN_KEY = "leapplan.token";
  const PAGE = 25; // rows per page of long lists
  const SMALL_TREE = 60; // a tree this small starts fully open
  const REFRESH_MS = 30000; // figures reload this often while the tab is visible
  const PLAN_POLL_MS = 2000; // while the plan solves, its progress reloads this often
  const REGION_KINDS = ["province", "prefecture", "city", "county", "township"];
  const SVG_NS = "http://www.w3.org/2000/svg";

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    me: null,
    scenario: null,
    settings: null,
    units: [],
    byId: new Map(),
    children: new Map(),
    period: null,
    selected: null, // unit looked at; null = the user's overview
    expanded: new Set(),
    detailPage: 0,
    reportsPage: 0,
    missingPage: 0,
    clientId: null, // idempotency key of the report being entered; kept until it is stored
    timer: null,
    planTimer: null,
    replanTimer: null,
    replanJob: null, // the latest re-plan as GET /api/plans/replan last gave it
    gen: 0, // refresh generation: answers of older refreshes are dropped
  };

  // ---- small helpers ---------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(x) {
    if (x === null || x === undefined) return "–";
    return Number(x).toLocaleString("en-US", { maximumFractionDigits: Math.abs(x) < 10 ? 2 : 0 });
  }

  function money(x) {
    if (x === null || x === undefined) return "–";
    const a = Math.abs(x);
    if (a >= 1e9) return (x / 1e9).toFixed(1) + " bn yuan";
    if (a >= 1e6) return (x / 1e6).toFixed(1) + " M yuan";
    if (a >= 1e3) return (x / 1e3).toFixed(1) + " k yuan";
    return fmt(x) + " yuan";
  }

  function pct(share) {
    return share === null || share === undefined ? "–" : Math.round(share * 100) + " %";
  }

  function duration(seconds) {
    const s = Math.round(seconds);
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
  }

  function newClientId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function unitName(id) {
    const u = state.byId.get(id);
    return u ? u.name : id;
  }

  function productInfo(id) {
    const products = (state.scenario && state.scenario.products) || [];
    return products.find((p) => p.id === id) || { id: id, name: id, unit: "" };
  }

  function readable(id) {
    return !state.me || state.me.reads === null || state.me.reads.includes(id);
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (state.token) opts.headers.Authorization = "Bearer " + state.token;
    if (opts.json !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const response = await fetch(path, opts);
    let body = null;
    const text = await response.text();
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        body = { detail: text };
      }
    }
    if (response.status === 401 && path !== "/api/token") {
      logout("Your session has ended; please log in again.", false);
      throw new ApiError(401, "not logged in");
    }
    if (!response.ok) throw new ApiError(response.status, body && typeof body.detail === "string" ? body.detail : "the server answered " + response.status);
    return { status: response.status, body: body };
  }

  function query(params) {
    const parts = Object.entries(params)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(v));
    return parts.length ? "?" + parts.join("&") : "";
  }

  function pager(id, page, hasMore, total, onPage) {
    const box = $(id);
    box.replaceChildren();
    if (page === 0 && !hasMore) return;
    box.append(
      el("button", { type: "button", class: "secondary small", disabled: page === 0, onclick: () => onPage(page - 1) }, "‹ Previous"),
      el("span", { class: "count" }, " page " + (page + 1) + (total !== null ? " of " + Math.max(1, Math.ceil(total / PAGE)) : "") + " "),
      el("button", { type: "button", class: "secondary small", disabled: !hasMore, onclick: () => onPage(page + 1) }, "Next ›")
    );
  }

  // ---- log in / out ----------------------------------------------------------------------------
  function showLogin(message) {
    $("app-view").hidden = true;
    $("who").hidden = true;
    $("login-view").hidden = false;
    $("login-error").textContent = message || "";
    $("login-user").focus();
  }

  async function logout(message, tellServer) {
    // the timers stop and the token is dropped first: a refresh firing while the server revokes the token would
    // otherwise be sent with it and refused (401)
    const token = state.token;
    clearInterval(state.timer);
    clearTimeout(state.planTimer);
    clearTimeout(state.replanTimer);
    state.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    state.replanJob = null;
    $("replan-result").textContent = "";
    if (tellServer && token) {
      try {
        await fetch("/api/logout", { method: "POST", headers: { Authorization: "Bearer " + token } });
      } catch (e) {
        /* the token is dropped here whatever the server says */
      }
    }
    state.me = null; // after the answer: a refresh already under way still renders with it
    showLogin(message);
  }

  async function onLogin(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    const form = new URLSearchParams();
    form.set("username", $("login-user").value.trim());
    form.set("password", $("login-pass").value);
    try {
      const { body } = await api("/api/token", { method: "POST", body: form });
      state.token = body.access_token;
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $("login-pass").value = "";
      await start();
    } catch (e) {
      const words = { 401: "Wrong user name or password.", 423: e.message, 429: e.message };
      $("login-error").textContent = words[e.status] || "Could not log in: " + e.message;
    }
  }

  // ---- units -----------------------------------------------------------------------------------
  function indexUnits(units) {
    state.units = units.filter((u) => readable(u.id));
    state.byId = new Map(units.map((u) => [u.id, u]));
    state.children = new Map();
    const add = (parent, u) => {
      if (!state.children.has(parent)) state.children.set(parent, []);
      state.children.get(parent).push(u);
    };
    for (const u of state.units) {
      if (u.parent && readable(u.parent)) add(u.parent, u);
      // a zone's members: its centre city and counties, whose parents lie outside the zone
      if (u.zone && u.kind !== "zone" && REGION_KINDS.includes(u.kind)) {
        const parent = state.byId.get(u.parent);
        if (!parent || parent.zone !== u.zone) add(u.zone, u);
      }
    }
  }

  function roots() {
    return state.units.filter((u) => {
      if (u.kind === "zone" || u.kind === "network") return true;
      return !u.parent || !readable(u.parent);
    });
  }

  function unitButton(u) {
    const b = el("button", { type: "button", class: "unit", "data-unit": u.id, onclick: () => select(u.id) }, u.name, el("span", { class: "kind" }, u.kind));
    if (u.id === currentUnit()) b.classList.add("selected");
    return b;
  }

  function sortedChildren(id) {
    return (state.children.get(id) || []).slice().sort((a, b) => {
      const ea = a.kind === "enterprise" ? 1 : 0;
      const eb = b.kind === "enterprise" ? 1 : 0;
      return ea - eb || a.name.localeCompare(b.name);
    });
  }

  function treeNode(u) {
    const kids = state.children.get(u.id) || [];
    const open = state.expanded.has(u.id);
    const twisty = kids.length
      ? el("button", { type: "button", class: "twisty", "aria-expanded": open ? "true" : "false", "aria-label": (open ? "collapse " : "expand ") + u.name, onclick: () => toggle(u.id) }, open ? "▾" : "▸")
      : el("span", { class: "twisty" });
    return el("li", {}, twisty, unitButton(u), open && kids.length ? el("ul", {}, ...sortedChildren(u.id).map(treeNode)) : null);
  }

  function toggle(id) {
    if (state.expanded.has(id)) state.expanded.delete(id);
    else state.expanded.add(id);
    renderTree();
  }

  function expandTo(id) {
    let cur = id;
    while (cur) {
      state.expanded.add(cur);
      const u = state.byId.get(cur);
      cur = u ? u.parent : null;
    }
  }

  function renderTree() {
    const tree = $("unit-tree");
    tree.replaceChildren();
    const find = $("unit-find").value.trim().toLowerCase();
    if (find) {
      const hits = state.units.filter((u) => u.name.toLowerCase().includes(find) || u.id.toLowerCase().includes(find));
      tree.append(el("div", { class: "group" }, hits.length + " found"));
      tree.append(el("ul", {}, ...hits.slice(0, 60).map((u) => el("li", {}, unitButton(u)))));
      if (hits.length > 60) tree.append(el("p", { class: "hint" }, "Showing 60; type more of the name."));
      return;
    }
    const top = roots();
    const groups = [
      ["Regions and enterprises", top.filter((u) => u.kind !== "zone" && u.kind !== "network")],
      ["Collaboration zones", top.filter((u) => u.kind === "zone")],
    ];
    for (const [title, list] of groups) {
      if (!list.length) continue;
      tree.append(el("div", { class: "group" }, title));
      tree.append(el("ul", {}, ...list.map(treeNode)));
    }
  }

  function currentUnit() {
    return state.selected || (state.overview && state.overview.unit) || null;
  }

  function select(id) {
    state.selected = id;
    state.detailPage = 0;
    state.reportsPage = 0;
    state.missingPage = 0;
    if (id) expandTo(id);
    renderTree();
    refresh();
  }

  // ---- the plan --------------------------------------------------------------------------------
  function renderPlan(plan) {
    const words = {
      none: "No plan is loaded: planned figures are not shown.",
      ready: "The plan is ready.",
    };
    const st = plan.state || "none";
    const status = $("plan-status");
    status.textContent = plan.status ? plan.status.replace("_", " ") : "";
    status.className = "status " + (plan.status === "feasible" ? "approved" : plan.status ? "returned" : "");
    const prog = plan.progress;
    $("plan-progress").hidden = st !== "solving";
    if (st === "solving") {
      const p = prog || {};
      const stage = p.k ? "stage " + p.k + " of " + p.n + ", " + p.stage : "starting";
      $("plan-state").textContent = "Planning: " + stage + ", " + duration(p.elapsed || 0) + " so far. Planned figures appear when it is done.";
      $("plan-bar").max = p.n || 1;
      $("plan-bar").value = p.k ? p.k - 1 : 0;
      $("plan-progress-text").textContent = p.k ? p.k - 1 + " of " + p.n + " stages done" : "";
    } else if (st.startsWith("infeasible")) {
      $("plan-state").textContent = "The plan is infeasible: " + st.slice("infeasible: ".length);
    } else if (st.startsWith("failed")) {
      $("plan-state").textContent = "Planning failed: " + st.slice("failed: ".length);
    } else if (st.startsWith("none:")) {
      $("plan-state").textContent = "No plan: " + st.slice("none: ".length);
    } else {
      $("plan-state").textContent = (words[st] || st) + (plan.source ? " (" + plan.source + ")" : "");
    }
    const targets = plan.targets || [];
    $("targets").hidden = !targets.length;
    $("targets").querySelector("tbody").replaceChildren(
      ...targets.map((t) => {
        const cut = Number(t.cut || 0) > 1e-9;
        const why = cut ? t.explanation || "cut (the plan gives no reason)" : "met";
        return el(
          "tr",
          { class: cut ? "cut" : "met" },
          el("td", {}, t.description || t.id),
          el("td", { class: "num" }, fmt(t.required) + " " + (t.unit || "")),
          el("td", { class: "num" }, fmt(t.achievable)),
          el("td", { class: "num" + (cut ? " low" : "") }, cut ? fmt(t.cut) : "–"),
          el("td", {}, why)
        );
      })
    );
    clearTimeout(state.planTimer);
    if (st === "solving") state.planTimer = setTimeout(pollPlan, PLAN_POLL_MS);
  }

  async function pollPlan() {
    try {
      const { body } = await api("/api/scenario");
      renderPlan(body.planning);
      if (body.planning.state !== "solving") refresh();
    } catch (e) {
      if (e.status !== 401) state.planTimer = setTimeout(pollPlan, PLAN_POLL_MS);
    }
  }

  // ---- plan versions and re-plans --------------------------------------------------------------
  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  async function loadVersions() {
    const { body } = await api("/api/plans");
    const planner = state.me.role === "planner";
    $("versions").querySelector("tbody").replaceChildren(
      ...body.map((v) => {
        const name = el("td", {}, "v" + v.id);
        if (v.active) name.append(" ", el("span", { class: "badge active-plan" }, "active"));
        const changed = v.summary.length ? v.summary.map((line) => el("div", {}, line)) : [v.revises ? "" : v.source];
        const action = el("td", {});
        if (planner && !v.active && v.status !== "infeasible") {
          const button = el("button", { type: "button", class: "small" }, "Activate");
          button.addEventListener("click", () => activate(v.id));
          action.append(button);
        }
        return el(
          "tr",
          { "data-version": String(v.id), class: v.active ? "active" : "" },
          name,
          el("td", {}, when(v.created)),
          el("td", {}, v.created_by || "–"),
          el("td", {}, v.revises ? "v" + v.revises : "–"),
          el("td", {}, v.period || "–"),
          el("td", {}, v.basis || "–"),
          el("td", { class: "changes" }, ...changed),
          action
        );
      })
    );
  }

  function renderReplan(job) {
    const before = state.replanJob;
    state.replanJob = job;
    const running = job.state === "running";
    $("replan").disabled = running;
    $("replan-progress").hidden = !running;
    if (running) {
      const p = job.progress || {};
      const stage = p.n ? "stage " + p.k + " of " + p.n + ", " + p.stage : p.stage || "starting";
      const counted = job.reserve == null ? "" : ", grain reserve counted at " + job.reserve.toLocaleString("en") + " t";
      $("replan-text").textContent = "Re-planning after " + job.period + " (" + job.basis + counted + "): " + stage + ", " + duration(p.elapsed || 0) + " so far.";
      $("replan-bar").max = p.n || 1;
      $("replan-bar").value = p.n ? Math.max(p.k - 1, 0) : 0;
      $("replan-result").textContent = "";
    } else if (job.state === "done") {
      $("replan-result").textContent = "Re-plan done: version v" + job.version + " revises v" + job.revises + ". It is not monitored until it is activated.";
    } else if (job.state === "failed") {
      $("replan-result").textContent = "The re-plan failed: " + job.reason;
    } else if (job.state === "interrupted") {
      $("replan-result").textContent = "The re-plan after " + job.period + " (" + job.basis + ") that " + job.started_by + " started at " + job.started_at + " was interrupted: " + job.reason + ".";
    }
    clearTimeout(state.replanTimer);
    if (running) state.replanTimer = setTimeout(pollReplan, PLAN_POLL_MS);
    const finished = before && before.state === "running" && !running;
    if (finished) loadVersions().catch((e) => e.status !== 401 && alertLine(e.message));
  }

  async function pollReplan() {
    try {
      const { body } = await api("/api/plans/replan");
      renderReplan(body);
    } catch (e) {
      if (e.status !== 401) state.replanTimer = setTimeout(pollReplan, PLAN_POLL_MS);
    }
  }

  async function onReplan() {
    const json = { basis: $("replan-basis").value };
    if ($("replan-period").value) json.period = $("replan-period").value;
    if ($("replan-reserve").value !== "") json.reserve = Number($("replan-reserve").value);
    try {
      const { body } = await api("/api/plans/replan", { method: "POST", json: json });
      renderReplan(body);
    } catch (e) {
      if (e.status !== 401) $("replan-result").textContent = "Cannot re-plan: " + e.message;
    }
  }

  async function activate(id) {
    try {
      await api("/api/plans/" + id + "/activate", { method: "POST" });
      $("replan-result").textContent = "Version v" + id + " is now the plan monitored.";
      await loadVersions();
      refresh();
    } catch (e) {
      if (e.status !== 401) $("replan-result").textContent = "Cannot activate v" + id + ": " + e.message;
    }
  }

  function setupReplan() {
    const planner = state.me.role === "planner";
    $("replan-controls").hidden = !planner;
    const periods = state.scenario.periods.slice(0, -1); // the last period leaves nothing to re-plan
    $("replan-period").replaceChildren(el("option", { value: "" }, "the latest reported"), ...periods.map((p) => el("option", { value: p }, p)));
  }

  // ---- the overview ----------------------------------------------------------------------------
  function tile(id, big, caption, cls) {
    const t = $(id);
    t.className = "tile" + (cls ? " " + cls : "");
    t.querySelector(".big").textContent = big;
    t.querySelector(".caption").textContent = caption;
  }

  function renderTiles(ov) {
    const rows = ov.fulfilment;
    const planned = rows.reduce((s, r) => s + (r.planned || 0), 0);
    const audited = rows.reduce((s, r) => s + (r.audited || 0), 0);
    const anyAudited = rows.some((r) => r.audited !== null);
    const pending = rows.reduce((s, r) => s + r.pending, 0);
    if (!rows.some((r) => r.planned !== null)) tile("tile-fulfilment", "no plan", "fulfilment needs a plan", "");
    else if (!anyAudited && pending) tile("tile-fulfilment", "pending", plural(pending, "report") + " awaiting the audit for " + ov.period, "");
    else if (!anyAudited && rows.some((r) => r.reported)) tile("tile-fulfilment", "0 %", "every report here for " + ov.period + " is flagged: only audited or approved figures count", "bad");
    else if (!anyAudited) tile("tile-fulfilment", "–", "nothing reported yet for " + ov.period, "");
    else tile("tile-fulfilment", pct(audited / planned), "of the plan for " + ov.period + " audited: " + money(audited) + " of " + money(planned), audited < planned ? "warn" : "good");
    const c = ov.completeness;
    tile("tile-completeness", pct(c.share), c.reported + " of " + c.expected + " enterprises reported for " + ov.period, c.share !== null && c.share < 1 ? "warn" : "good");
    const a = ov.agreements;
    const behind = a.behind_total;
    if (!a.total) tile("tile-agreements", "–", "no agreements here", "");
    else if (!a.with_deliveries) tile("tile-agreements", behind + " of " + a.total, "agreements behind as of " + ov.as_of + "; no deliveries recorded yet", behind ? "bad" : "");
    else tile("tile-agreements", behind + " of " + a.total, "agreements late or unfulfilled as of " + ov.as_of, behind ? "bad" : "good");
    const f = ov.flags;
    tile("tile-flags", String(f.errors + f.warnings), plural(f.errors, "error") + " and " + plural(f.warnings, "warning") + " on reports awaiting a planner", f.errors ? "bad" : f.warnings ? "warn" : "good");
  }

  function renderCrumbs(ov) {
    const box = $("crumbs");
    box.replaceChildren();
    for (const p of ov.path) {
      box.append(el("button", { type: "button", class: "link", onclick: () => select(p.unit) }, p.name), " › ");
    }
    box.append(el("strong", {}, ov.name));
    $("fulfilment-scope").textContent = "— " + ov.name + ", " + ov.period;
  }

  function renderChart(ov) {
    const rows = ov.fulfilment;
    const box = $("fulfilment-chart");
    box.replaceChildren();
    const empty = !rows.length || rows.every((r) => r.planned === null && !r.reported);
    $("fulfilment-empty").hidden = !empty;
    if (empty) {
      $("fulfilment-empty").textContent = "No plan and no reports for " + ov.name + " in " + ov.period + " yet.";
      return;
    }
    const scale = Math.max(1, ...rows.map((r) => Math.max(r.planned || 0, r.reported || 0, r.audited || 0)));
    const W = 820;
    const labelW = 230;
    const textW = 110;
    const barW = W - labelW - textW;
    const rowH = 34;
    const chart = svg("svg", { viewBox: "0 0 " + W + " " + rows.length * rowH, role: "img", "aria-label": "fulfilment by unit, one scale" });
    rows.forEach((r, i) => {
      const y = i * rowH;
      const g = svg("g", { class: "row" + (r.has_children || r.kind === "enterprise" ? " drill" : ""), "data-unit": r.unit });
      g.append(svg("rect", { class: "hit", x: 0, y: y, width: W, height: rowH }));
      const label = svg("text", { x: 0, y: y + 20 }, r.name.length > 32 ? r.name.slice(0, 31) + "…" : r.name);
      g.append(label);
      const w = (v) => Math.max(0, (barW * (v || 0)) / scale);
      g.append(svg("rect", { class: "planned", x: labelW, y: y + 4, width: w(r.planned), height: 8 }));
      g.append(svg("rect", { class: "reported", x: labelW, y: y + 13, width: w(r.reported), height: 8 }));
      g.append(svg("rect", { class: "audited", x: labelW, y: y + 22, width: w(r.audited), height: 8 }));
      let words;
      if (r.audited === null) words = auditedWords(r);
      else if (r.planned === null) words = "no plan";
      else if (!r.planned) words = "not planned";
      else words = pct(r.fulfilment === null ? 0 : r.fulfilment);
      const cls = r.audited === null ? (words === "flagged" ? "low" : "dim") : r.fulfilment !== null && r.fulfilment < 0.9 ? "low" : "";
      g.append(svg("text", { x: W - textW + 8, y: y + 20, class: cls }, words));
      const tip = svg("title", {}, r.name + ": planned " + money(r.planned) + ", reported " + money(r.reported) + ", audited " + (r.audited === null ? "pending" : money(r.audited)) + (r.pending ? " (" + r.pending + " reports awaiting the audit)" : ""));
      g.append(tip);
      if (r.has_children || r.kind === "enterprise") g.addEventListener("click", () => select(r.unit));
      chart.append(g);
    });
    box.append(chart);
  }

  function auditedWords(r) {
    // audited is null: reports still await the audit, or every report was flagged (and not approved)
    if (r.pending > 0) return "pending";
    return r.reported ? "flagged" : "nothing reported";
  }

  // ---- detail: planned, reported, audited per product ------------------------------------------
  async function loadDetail(gen) {
    const unit = currentUnit();
    const product = $("detail-product").value;
    const { body } = await api("/api/rollup" + query({ unit: unit, period: state.period, product: product, children: "true" }));
    if (gen !== state.gen) return;
    $("detail-scope").textContent = "— " + unitName(unit) + ", " + state.period;
    const start = state.detailPage * PAGE;
    const rows = body.slice(start, start + PAGE);
    $("detail-table").querySelector("tbody").replaceChildren(
      ...(rows.length
        ? rows.map((r) => {
            const info = productInfo(r.product);
            const share = r.planned && r.audited !== null ? r.audited / r.planned : null;
            return el(
              "tr",
              {},
              el("td", {}, unitName(r.unit)),
              el("td", {}, info.name + " (" + info.unit + ")"),
              el("td", { class: "num" }, r.planned === null ? "–" : fmt(r.planned)),
              el("td", { class: "num" }, fmt(r.reported)),
              el("td", { class: "num" + (r.audited === null ? " dim" : "") }, r.audited === null ? auditedWords(r) : fmt(r.audited)),
              el("td", { class: "num" + (share !== null && share < 0.9 ? " low" : "") }, share === null ? "–" : pct(share))
            );
          })
        : [el("tr", {}, el("td", { colspan: 6, class: "dim" }, "No plan or reports for this unit and period."))])
    );
    pager("detail-pager", state.detailPage, start + PAGE < body.length, body.length, (p) => {
      state.detailPage = p;
      loadDetail(state.gen);
    });
  }

  // ---- completeness ----------------------------------------------------------------------------
  async function loadCompleteness(gen) {
    const find = $("missing-find").value.trim();
    const q = { unit: currentUnit(), period: state.period, find: find, limit: PAGE, offset: state.missingPage * PAGE };
    const { body } = await api("/api/completeness" + query(q));
    if (gen !== state.gen) return;
    $("completeness-count").textContent = "(" + body.reported + " of " + body.expected + ", " + pct(body.share) + ")";
    $("completeness-table").querySelector("tbody").replaceChildren(
      ...body.children.map((c) =>
        el(
          "tr",
          {},
          el("td", {}, el("button", { type: "button", class: "link", onclick: () => select(c.unit) }, c.name)),
          el("td", { class: "num" }, c.reported + " of " + c.expected),
          el("td", { class: "num" + (c.share !== null && c.share < 1 ? " low" : "") }, pct(c.share))
        )
      )
    );
    $("missing-count").textContent = "(" + body.missing_total + ")";
    $("missing").replaceChildren(
      ...(body.missing.length
        ? body.missing.map((m) => el("li", { class: "missing" }, m.name, el("div", { class: "meta" }, unitName(m.region) + " · " + m.products.map((p) => productInfo(p).name).join(", "))))
        : [el("li", { class: "none" }, find ? "None match." : "Everyone has reported.")])
    );
    pager("missing-pager", state.missingPage, (state.missingPage + 1) * PAGE < body.missing_total, body.missing_total, (p) => {
      state.missingPage = p;
      loadCompleteness(state.gen);
    });
  }

  function renderBehind(ov) {
    const a = ov.agreements;
    $("agreement-count").textContent = "(" + a.behind_total + " of " + a.total + ")";
    $("agreements").replaceChildren(
      ...(a.behind.length
        ? a.behind.map((x) =>
            el(
              "li",
              { class: x.status === "unfulfilled" ? "high" : "late" },
              el("strong", {}, x.id), " " + x.status + ": " + fmt(x.delivered) + " of " + fmt(x.quantity) + " " + x.unit + " delivered",
              el("div", { class: "meta" }, unitName(x.from) + " → " + unitName(x.to) + ", " + x.start + " … " + x.due + " (as of " + x.as_of + ")")
            )
          )
        : [el("li", { class: "none" }, a.total ? (a.with_deliveries ? "None behind." : "None behind; no deliveries recorded yet.") : "No agreements here.")])
    );
    const f = ov.flags;
    $("flag-count").textContent = "(" + plural(f.errors, "error") + ", " + plural(f.warnings, "warning") + ")";
    $("flags").replaceChildren(
      ...(f.list.length
        ? f.list.map((x) =>
            el("li", { class: x.severity }, el("strong", {}, x.check), " — " + x.message, el("div", { class: "meta" }, "report " + x.report_id + " · " + unitName(x.unit) + " · " + x.period))
          )
        : [el("li", { class: "none" }, "No open flags.")])
    );
  }

  // ---- reports ---------------------------------------------------------------------------------
  async function loadReports(gen) {
    const q = {
      unit: currentUnit(),
      period: state.period,
      status: $("reports-status").value,
      product: $("reports-product").value,
      limit: PAGE + 1,
      offset: state.reportsPage * PAGE,
    };
    const { body } = await api("/api/reports" + query(q));
    if (gen !== state.gen) return;
    $("reports-scope").textContent = "— " + unitName(currentUnit()) + ", " + state.period;
    const rows = body.slice(0, PAGE);
    $("reports-empty").hidden = rows.length > 0;
    const planner = state.me.role === "planner";
    $("reports-table").querySelector("tbody").replaceChildren(
      ...rows.map((r) => {
        const info = productInfo(r.product);
        const actions = el("td", {});
        if (planner && r.status === "submitted") {
          actions.append(el("button", { type: "button", class: "small", onclick: () => decide(r.id, "approve") }, "Approve"));
          const reason = el("input", { type: "text", placeholder: "reason", "aria-label": "reason for returning report " + r.id, size: 12 });
          actions.append(reason, el("button", { type: "button", class: "small secondary", onclick: () => decide(r.id, "return", reason.value) }, "Return"));
        }
        const flagged = r.flags.some((f) => f.severity === "error");
        return el(
          "tr",
          { "data-report": r.id },
          el("td", {}, unitName(r.unit)),
          el("td", {}, r.period),
          el("td", {}, info.name),
          el("td", { class: "num" + (flagged ? " low" : "") }, fmt(r.produced) + " " + info.unit),
          el("td", {}, String(r.version)),
          el("td", {}, el("span", { class: "status " + r.status }, r.status)),
          el("td", {}, r.submitted_by),
          actions
        );
      })
    );
    pager("reports-pager", state.reportsPage, body.length > PAGE, null, (p) => {
      state.reportsPage = p;
      loadReports(state.gen);
    });
  }

  async function decide(id, action, reason) {
    try {
      if (action === "return" && !reason) throw new ApiError(422, "give a reason for returning the report");
      await api("/api/reports/" + id + "/" + action, action === "return" ? { method: "POST", json: { reason: reason } } : { method: "POST" });
      refresh();
    } catch (e) {
      if (e.status !== 401) alertLine("Report " + id + ": " + e.message);
    }
  }

  function alertLine(message) {
    const line = $("r-result");
    line.className = "error";
    line.textContent = message;
    line.scrollIntoView({ block: "nearest" });
  }

  // ---- the report form -------------------------------------------------------------------------
  function productsOf(unitId) {
    const u = state.byId.get(unitId);
    return (u && u.products) || [];
  }

  function fillProducts() {
    const sel = $("r-product");
    const keep = sel.value;
    sel.replaceChildren(...productsOf($("r-unit").value).map((p) => el("option", { value: p }, productInfo(p).name + " (" + productInfo(p).unit + ")")));
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
    updateProducedUnit();
  }

  function updateProducedUnit() {
    const p = $("r-product").value;
    $("r-produced-unit").textContent = p ? "[" + productInfo(p).unit + "]" : "";
    // a plant says how much of its capacity still stands at the end of the period (re-plans read it)
    const plant = state.byId.get($("r-unit").value);
    $("r-in-service-label").hidden = !(plant && plant.kind === "enterprise");
    $("r-in-service-unit").textContent = p ? "[" + productInfo(p).unit + " a year]" : "";
  }

  function addInputRow() {
    const products = (state.scenario && state.scenario.products) || [];
    const sel = el("select", { class: "in-product", "aria-label": "input product" }, ...products.map((p) => el("option", { value: p.id }, p.name + " (" + p.unit + ")")));
    const qty = el("input", { class: "in-qty", type: "number", min: "0", step: "any", "aria-label": "input quantity" });
    const row = el("div", { class: "input-row" }, sel, qty, el("button", { type: "button", class: "link", onclick: () => row.remove() }, "remove"));
    $("r-inputs").append(row);
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function clearForm() {
    state.clientId = null;
    $("report-form").reset();
    $("r-inputs").replaceChildren();
    $("r-result").textContent = "";
    $("r-result").className = "";
  }

  function setupForm() {
    clearForm();
    const writes = state.me.writes || [];
    $("submit-card").hidden = writes.length === 0;
    $("r-unit").replaceChildren(...writes.map((id) => el("option", { value: id }, unitName(id) + " (" + state.byId.get(id).kind + ")")));
    $("r-period").replaceChildren(...state.scenario.periods.map((p) => el("option", { value: p }, p)));
    $("r-period").value = state.period;
    fillProducts();
  }

  function formBody() {
    const inputs = {};
    for (const row of $("r-inputs").querySelectorAll(".input-row")) {
      const q = row.querySelector(".in-qty").value;
      if (q !== "") inputs[row.querySelector(".in-product").value] = Number(q);
    }
    const body = {
      unit: $("r-unit").value,
      period: $("r-period").value,
      product: $("r-product").value,
      produced: Number($("r-produced").value),
      inputs: inputs,
      labour: Number($("r-labour").value || 0),
      remark: $("r-remark").value,
    };
    if (!$("r-in-service-label").hidden && $("r-in-service").value !== "") body.in_service = Number($("r-in-service").value);
    return body;
  }

  function showStored(body, what) {
    const line = $("r-result");
    const errors = body.flags.filter((f) => f.severity === "error");
    line.className = errors.length ? "error" : "ok";
    line.textContent = what + " report " + body.id + " (version " + body.version + ")" + (body.flags.length ? "; the audit flagged: " + body.flags.map((f) => f.message).join("; ") : "; the audit found nothing wrong.");
    state.clientId = null;
    $("r-produced").value = "";
    $("r-remark").value = "";
    $("r-inputs").replaceChildren();
    refresh();
  }

  async function onSubmitReport(event) {
    event.preventDefault();
    const body = formBody();
    if (!state.clientId) state.clientId = newClientId();
    try {
      const r = await api("/api/reports", { method: "POST", json: Object.assign({ client_id: state.clientId }, body) });
      showStored(r.body, r.status === 201 ? "Stored" : "Already stored:");
    } catch (e) {
      if (e.status === 401) return;
      state.clientId = null;
      const held = /^report (\d+) already holds/.exec(e.message);
      if (held) {
        const line = $("r-result");
        line.className = "error";
        line.replaceChildren(
          "Report " + held[1] + " already holds this unit, product and period. ",
          el("button", { type: "button", class: "small", id: "r-correct", onclick: () => correctInstead(Number(held[1]), body) }, "Correct report " + held[1] + " with these figures")
        );
      } else {
        alertLine(e.message);
      }
    }
  }

  async function correctInstead(id, body) {
    try {
      const r = await api("/api/reports/" + id + "/correct", { method: "POST", json: { produced: body.produced, inputs: body.inputs, labour: body.labour, remark: body.remark, in_service: body.in_service } });
      showStored(r.body, "Corrected");
    } catch (e) {
      if (e.status !== 401) alertLine(e.message);
    }
  }

  // ---- refresh ---------------------------------------------------------------------------------
  async function refresh() {
    const gen = ++state.gen;
    try {
      const { body } = await api("/api/overview" + query({ unit: state.selected, period: state.period }));
      if (gen !== state.gen) return;
      state.overview = body;
      renderPlan(body.plan);
      renderTiles(body);
      renderCrumbs(body);
      renderChart(body);
      renderBehind(body);
      renderTree();
      await Promise.all([loadDetail(gen), loadCompleteness(gen), loadReports(gen), loadVersions()]);
    } catch (e) {
      if (e.status !== 401) alertLine("Could not load the figures: " + e.message);
    }
  }

  async function setCurrent() {
    try {
      const { body } = await api("/api/settings", { method: "PUT", json: { current_period: state.period } });
      state.settings = body;
      $("make-current").hidden = true;
      refresh();
    } catch (e) {
      if (e.status !== 401) alertLine(e.message);
    }
  }

  async function start() {
    const [me, scenario, units, settings] = await Promise.all([api("/api/me"), api("/api/scenario"), api("/api/units"), api("/api/settings")]);
    state.me = me.body;
    state.scenario = scenario.body;
    state.settings = settings.body;
    state.period = state.settings.current_period;
    state.selected = null;
    indexUnits(units.body);
    if (state.units.length <= SMALL_TREE) state.units.forEach((u) => state.expanded.add(u.id));
    else if (state.me.unit) expandTo(state.me.unit);
    $("who-name").textContent = state.me.username;
    $("who-role").textContent = state.me.role.replace("_", " ") + (state.me.unit ? " · " + unitName(state.me.unit) : "");
    $("period").replaceChildren(...state.scenario.periods.map((p) => el("option", { value: p }, p + (p === state.settings.current_period ? " (current)" : ""))));
    $("period").value = state.period;
    const products = state.scenario.products.map((p) => el("option", { value: p.id }, p.name));
    $("detail-product").replaceChildren(el("option", { value: "" }, "all"), ...products);
    $("reports-product").replaceChildren(el("option", { value: "" }, "all"), ...products.map((o) => o.cloneNode(true)));
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("who").hidden = false;
    setupForm();
    setupReplan();
    renderTree();
    await refresh();
    await pollReplan();
    clearInterval(state.timer);
    state.timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, REFRESH_MS);
  }

  // ---- wiring ----------------------------------------------------------------------------------
  $("login-form").addEventListener("submit", onLogin);
  $("logout").addEventListener("click", () => logout("", true));
  $("home").addEventListener("click", () => select(null));
  $("unit-find").addEventListener("input", renderTree);
  $("period").addEventListener("change", () => {
    state.period = $("period").value;
    $("make-current").hidden = !(state.me.role === "planner" && state.period !== state.settings.current_period);
    $("r-period").value = state.period;
    select(state.selected);
  });
  $("make-current").addEventListener("click", setCurrent);
  $("replan").addEventListener("click", onReplan);
  $("detail-product").addEventListener("change", () => {
    state.detailPage = 0;
    loadDetail(state.gen);
  });
  for (const id of ["reports-status", "reports-product"]) {
    $(id).addEventListener("change", () => {
      state.reportsPage = 0;
      loadReports(state.gen);
    });
  }
  $("missing-find").addEventListener("input", () => {
    state.missingPage = 0;
    loadCompleteness(state.gen);
  });
  $("r-unit").addEventListener("change", fillProducts);
  $("r-product").addEventListener("change", updateProducedUnit);
  $("r-add-input").addEventListener("click", addInputRow);
  $("report-form").addEventListener("submit", onSubmitReport);
  for (const id of ["r-unit", "r-period", "r-product"]) $(id).addEventListener("change", () => (state.clientId = null));

  if (state.token) {
    start().catch(() => showLogin(""));
  } else {
    showLogin("");
  }
})();
