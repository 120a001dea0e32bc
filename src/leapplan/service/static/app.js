// leapplan dashboard: plain JavaScript, no build step, no external assets.
// Talks to the JSON API described in src/leapplan/service/API.md.
"use strict";

(function () {
  const TOKEN_KEY = "leapplan.token";
  const CHART_ROWS = 24;
  const TABLE_ROWS = 500; // more roll-up rows than this: narrow by unit, period or product
  const SMALL_TREE = 60; // a tree this small starts fully open
  const REFRESH_MS = 30000; // the dashboard reloads its figures this often while the tab is visible
  const REGION_KINDS = ["province", "prefecture", "city", "county", "township"];
  const SVG_NS = "http://www.w3.org/2000/svg";

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    me: null,
    scenario: null,
    units: [],
    byId: new Map(),
    children: new Map(),
    selected: null, // unit id or null (= default view)
    clientId: null, // idempotency key of the report being entered; kept until it is stored
    timer: null,
    gen: 0, // refresh generation: answers of older refreshes are dropped
    expanded: new Set(), // tree nodes shown open
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

  function errorText(body, status) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) {
      return body.detail.map((d) => (d.loc ? d.loc.filter((p) => p !== "body").join(".") + ": " : "") + d.msg).join("; ");
    }
    return "the server answered " + status;
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
      logout("Your session has ended; please log in again.");
      throw new ApiError(401, "not logged in");
    }
    if (!response.ok) throw new ApiError(response.status, errorText(body, response.status));
    return { status: response.status, body: body };
  }

  function query(params) {
    const parts = Object.entries(params)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(v));
    return parts.length ? "?" + parts.join("&") : "";
  }

  // ---- log in / out ----------------------------------------------------------------------------
  function showLogin(message) {
    $("app-view").hidden = true;
    $("who").hidden = true;
    $("login-view").hidden = false;
    $("login-error").textContent = message || "";
    $("login-user").focus();
  }

  function logout(message) {
    state.token = "";
    state.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
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
      $("login-error").textContent = e.status === 401 ? "Wrong user name or password." : "Could not log in: " + e.message;
    }
  }

  // ---- units -----------------------------------------------------------------------------------
  function indexUnits(units) {
    state.units = units;
    state.byId = new Map(units.map((u) => [u.id, u]));
    state.children = new Map();
    for (const u of units) {
      if (!u.parent) continue;
      if (!state.children.has(u.parent)) state.children.set(u.parent, []);
      state.children.get(u.parent).push(u);
    }
  }

  function descendants(id) {
    const out = [];
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop();
      out.push(cur);
      for (const c of state.children.get(cur) || []) stack.push(c.id);
    }
    return out;
  }

  function writableUnits() {
    const me = state.me;
    if (!me) return [];
    if (me.role === "county_liaison" && me.unit) return descendants(me.unit).map((id) => state.byId.get(id)).filter(Boolean);
    if (me.role === "enterprise" && me.unit) return [state.byId.get(me.unit)].filter(Boolean);
    return [];
  }

  function unitButton(u) {
    const label = el("button", { type: "button", class: "unit", "data-unit": u.id, onclick: () => select(u.id) }, u.name, el("span", { class: "kind" }, u.kind));
    if (u.id === state.selected) label.classList.add("selected");
    return label;
  }

  function sortedChildren(parentId) {
    return (state.children.get(parentId) || []).slice().sort((a, b) => {
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
    const roots = state.units.filter((u) => REGION_KINDS.includes(u.kind) && !u.parent);
    tree.append(el("div", { class: "group" }, "Regions and enterprises"));
    tree.append(el("ul", {}, ...roots.map(treeNode)));
    const zones = state.units.filter((u) => u.kind === "zone");
    if (zones.length) {
      tree.append(el("div", { class: "group" }, "Collaboration zones"));
      tree.append(el("ul", {}, ...zones.map(treeNode)));
    }
    const networks = state.units.filter((u) => u.kind === "network");
    if (networks.length) {
      tree.append(el("div", { class: "group" }, "Industrial networks"));
      tree.append(el("ul", {}, ...networks.map(treeNode)));
    }
  }

  function defaultUnit() {
    const me = state.me;
    if (me && me.unit && state.byId.has(me.unit)) return me.unit;
    const root = state.units.find((u) => REGION_KINDS.includes(u.kind) && !u.parent);
    return root ? root.id : null;
  }

  function select(id) {
    state.selected = id;
    if (id) expandTo(id);
    const unitSel = $("r-unit");
    if (id && Array.from(unitSel.options).some((o) => o.value === id)) unitSel.value = id;
    renderTree();
    refreshData();
  }

  // ---- roll-up ---------------------------------------------------------------------------------
  async function loadRollup(gen) {
    const unit = state.byId.get(state.selected);
    const period = $("filter-period").value;
    const product = $("filter-product").value;
    let rows = [];
    let shown;
    if (unit && (unit.kind === "zone" || unit.kind === "network")) {
      const group = unit.kind;
      const own = await api("/api/rollup" + query({ group: group, unit: unit.id, period: period, product: product }));
      rows = own.body;
      if (unit.kind === "zone") {
        // the zone's member regions (centre city and counties) underneath the zone total
        const all = await api("/api/rollup" + query({ group: "region", period: period, product: product }));
        const members = new Set(state.units.filter((u) => u.zone === unit.id && u.kind !== "enterprise" && (!u.parent || state.byId.get(u.parent).zone !== unit.id)).map((u) => u.id));
        rows = rows.concat(all.body.filter((r) => members.has(r.unit)));
      }
      shown = unit.name;
    } else {
      const all = await api("/api/rollup" + query({ group: "region", period: period, product: product }));
      const keep = new Set();
      if (unit) {
        keep.add(unit.id);
        for (const c of state.children.get(unit.id) || []) keep.add(c.id);
        rows = all.body.filter((r) => keep.has(r.unit));
      } else {
        rows = all.body;
      }
      shown = unit ? unit.name + " and the units directly under it" : "";
    }
    const order = new Map(((state.scenario && state.scenario.periods) || []).map((p, i) => [p, i]));
    const selectedId = state.selected;
    rows.sort((a, b) => (a.unit === selectedId ? 0 : 1) - (b.unit === selectedId ? 0 : 1) || unitName(a.unit).localeCompare(unitName(b.unit)) || (order.get(a.period) ?? 0) - (order.get(b.period) ?? 0) || a.product.localeCompare(b.product));
    if (gen !== state.gen) return; // a newer refresh is under way
    $("rollup-scope").textContent = shown ? "— " + shown : "";
    renderRollupTable(rows);
    renderChart(rows);
  }

  function fulfilment(row) {
    if (row.planned === null || row.planned === undefined || row.planned <= 0) return null;
    return (row.reported || 0) / row.planned;
  }

  function renderRollupTable(rows) {
    const body = $("rollup-table").querySelector("tbody");
    body.replaceChildren();
    for (const r of rows.slice(0, TABLE_ROWS)) {
      const f = fulfilment(r);
      const p = productInfo(r.product);
      body.append(
        el("tr", { "data-unit": r.unit, "data-period": r.period, "data-product": r.product },
          el("td", {}, unitName(r.unit)),
          el("td", {}, r.period),
          el("td", {}, p.name + (p.unit ? " (" + p.unit + ")" : "")),
          el("td", { class: "num planned" }, fmt(r.planned)),
          el("td", { class: "num reported" }, fmt(r.reported)),
          el("td", { class: "num audited" }, fmt(r.audited)),
          el("td", { class: "num" + (f !== null && f < 0.9 ? " low" : "") }, f === null ? "–" : Math.round(f * 100) + " %"),
        ),
      );
    }
    if (rows.length > TABLE_ROWS) {
      body.append(el("tr", {}, el("td", { colspan: 7, class: "hint" }, "Showing " + TABLE_ROWS + " of " + rows.length + " rows: pick a unit, period or product to see the rest.")));
    }
    $("rollup-table").hidden = rows.length === 0;
    $("rollup-empty").hidden = rows.length !== 0;
  }

  function renderChart(rows) {
    const box = $("rollup-chart");
    box.replaceChildren();
    const data = rows.slice(0, CHART_ROWS);
    if (!data.length) return;
    const labelW = 300;
    const barW = 520;
    const valueW = 140;
    const rowH = 34;
    const width = labelW + barW + valueW;
    const height = data.length * rowH + 8;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "plan, reported and audited quantities" });
    data.forEach((r, i) => {
      const y = i * rowH + 4;
      const top = Math.max(r.planned || 0, r.reported || 0, r.audited || 0) || 1;
      const p = productInfo(r.product);
      chart.append(svg("text", { x: 0, y: y + 13 }, unitName(r.unit) + " · " + r.period));
      chart.append(svg("text", { x: 0, y: y + 26, class: "dim" }, p.name + (p.unit ? " (" + p.unit + ")" : "")));
      const series = [["planned", r.planned], ["reported", r.reported], ["audited", r.audited]];
      series.forEach(([name, value], k) => {
        const w = value ? Math.max(1, (value / top) * barW) : 0;
        const bar = svg("rect", { x: labelW, y: y + k * 9, width: w.toFixed(1), height: 8, class: name });
        bar.append(svg("title", {}, name + ": " + fmt(value)));
        chart.append(bar);
      });
      const f = fulfilment(r);
      const note = "plan " + fmt(r.planned) + (f === null ? "" : " · " + Math.round(f * 100) + " %");
      chart.append(svg("text", { x: labelW + barW + 8, y: y + 17, class: "dim" }, note));
    });
    box.append(chart);
    if (rows.length > CHART_ROWS) box.append(el("p", { class: "hint" }, "The chart shows the first " + CHART_ROWS + " of " + rows.length + " rows; pick a period or product to narrow it. Each row is scaled to its own largest value."));
    else box.append(el("p", { class: "hint" }, "Each row is scaled to its own largest value (products have different units)."));
  }

  // ---- flags, agreements, reports --------------------------------------------------------------
  function inSelection(unitId) {
    const unit = state.byId.get(state.selected);
    if (!unit || unit.kind === "network") return true;
    if (unit.kind === "zone") {
      const u = state.byId.get(unitId);
      return !!u && u.zone === unit.id;
    }
    return descendants(unit.id).includes(unitId);
  }

  async function loadFlags(gen) {
    const { body } = await api("/api/flags");
    if (gen !== state.gen) return;
    const flags = body.filter((f) => inSelection(f.unit)).sort((a, b) => b.report_id - a.report_id);
    const list = $("flags");
    list.replaceChildren();
    $("flag-count").textContent = "(" + flags.length + ")";
    if (!flags.length) list.append(el("li", { class: "none" }, "No flags for this selection."));
    for (const f of flags) {
      const p = productInfo(f.product);
      list.append(
        el("li", { class: "flag " + f.severity, "data-report": f.report_id },
          el("div", {}, f.message),
          el("div", { class: "meta" }, unitName(f.unit) + " · " + f.period + " · " + p.name + " · " + f.check.replace(/_/g, " ") + " · " + f.severity + " · report #" + f.report_id),
        ),
      );
    }
  }

  async function loadAgreements(gen) {
    const { body } = await api("/api/agreements");
    if (gen !== state.gen) return;
    const bad = body.filter((a) => a.status === "late" || a.status === "unfulfilled");
    const list = $("agreements");
    list.replaceChildren();
    $("agreement-count").textContent = "(" + bad.length + " of " + body.length + ")";
    if (!bad.length) list.append(el("li", { class: "none" }, body.length ? "All " + body.length + " agreements are met or on schedule." : "No agreements."));
    for (const a of bad) {
      const what = a.kind === "product" && a.product ? productInfo(a.product).name : a.kind;
      list.append(
        el("li", { class: "agreement " + a.status, "data-agreement": a.id },
          el("div", {}, unitName(a.from) + " → " + unitName(a.to) + ": " + what + " " + fmt(a.delivered) + " of " + fmt(a.quantity) + " " + a.unit + " delivered"),
          el("div", { class: "meta" }, a.status + " · due " + a.due + " · " + a.id + (a.zone ? " · " + unitName(a.zone) : "")),
        ),
      );
    }
  }

  async function loadReports(gen) {
    const unit = state.byId.get(state.selected);
    const params = { limit: 1000 };
    if (unit && unit.kind !== "zone" && unit.kind !== "network") params.unit = unit.id;
    const { body } = await api("/api/reports" + query(params));
    if (gen !== state.gen) return;
    const reports = body.filter((r) => inSelection(r.unit)).reverse().slice(0, 100);
    const tbody = $("reports-table").querySelector("tbody");
    tbody.replaceChildren();
    const planner = state.me && state.me.role === "planner";
    for (const r of reports) {
      const actions = el("td", {});
      if (planner && r.status === "submitted") {
        actions.append(el("button", { type: "button", class: "small", onclick: () => decide(r.id, "approve") }, "Approve"), " ");
        const reason = el("input", { placeholder: "reason", size: 10, "aria-label": "reason for returning report " + r.id });
        actions.append(reason, el("button", { type: "button", class: "small secondary", onclick: () => decide(r.id, "return", reason.value) }, "Return"));
      }
      const flagged = (r.flags || []).length;
      tbody.append(
        el("tr", { "data-report": r.id },
          el("td", {}, unitName(r.unit)),
          el("td", {}, r.period),
          el("td", {}, productInfo(r.product).name),
          el("td", { class: "num" }, fmt(r.produced)),
          el("td", {}, "v" + r.version),
          el("td", {}, el("span", { class: "status " + r.status }, r.status), flagged ? el("span", { class: "low" }, " ⚑ " + flagged) : null, r.return_reason ? el("div", { class: "meta" }, r.return_reason) : null),
          el("td", {}, r.submitted_by || ""),
          actions,
        ),
      );
    }
    $("reports-empty").hidden = reports.length !== 0;
  }

  async function decide(id, action, reason) {
    try {
      if (action === "approve") await api("/api/reports/" + id + "/approve", { method: "POST" });
      else await api("/api/reports/" + id + "/return", { method: "POST", json: { reason: reason || "returned by the planner" } });
      await refreshData();
    } catch (e) {
      alertLine("Could not " + action + " report " + id + ": " + e.message);
    }
  }

  function alertLine(message) {
    const out = $("r-result");
    out.className = "error";
    out.textContent = message;
  }

  // ---- report form -----------------------------------------------------------------------------
  function productOptions(select, blank) {
    select.replaceChildren();
    if (blank) select.append(el("option", { value: "" }, blank));
    for (const p of state.scenario.products) select.append(el("option", { value: p.id }, p.name + (p.unit ? " (" + p.unit + ")" : "")));
  }

  function addInputRow() {
    const product = el("select", { class: "in-product", "aria-label": "input product" });
    productOptions(product, "— product —");
    const qty = el("input", { class: "in-qty", type: "number", min: 0, step: "any", placeholder: "quantity", "aria-label": "input quantity" });
    const row = el("div", { class: "input-row" }, product, qty, el("button", { type: "button", class: "link", onclick: () => row.remove() }, "remove"));
    $("r-inputs").append(row);
  }

  function setupForm() {
    const units = writableUnits();
    const card = $("submit-card");
    card.hidden = units.length === 0;
    if (!units.length) return;
    const unitSel = $("r-unit");
    unitSel.replaceChildren(...units.map((u) => el("option", { value: u.id }, u.name + " (" + u.kind + ")")));
    $("r-period").replaceChildren(...state.scenario.periods.map((p) => el("option", { value: p }, p)));
    productOptions($("r-product"));
    $("r-inputs").replaceChildren();
    addInputRow();
    updateProducedUnit();
    state.clientId = newClientId();
  }

  function updateProducedUnit() {
    const unit = productInfo($("r-product").value).unit;
    $("r-produced-unit").textContent = unit ? "(" + unit + ")" : "";
  }

  async function onSubmitReport(event) {
    event.preventDefault();
    const out = $("r-result");
    out.className = "";
    out.textContent = "Sending…";
    const inputs = {};
    for (const row of $("r-inputs").querySelectorAll(".input-row")) {
      const p = row.querySelector(".in-product").value;
      const q = row.querySelector(".in-qty").value;
      if (p && q !== "") inputs[p] = (inputs[p] || 0) + Number(q);
    }
    const report = {
      client_id: state.clientId,
      unit: $("r-unit").value,
      period: $("r-period").value,
      product: $("r-product").value,
      produced: Number($("r-produced").value),
      inputs: inputs,
      labour: Number($("r-labour").value || 0),
      remark: $("r-remark").value,
    };
    try {
      const { status, body } = await api("/api/reports", { method: "POST", json: report });
      const flags = body.flags || [];
      out.replaceChildren(
        el("span", { class: "ok" }, (status === 201 ? "Stored" : "Already stored") + " as report #" + body.id + " (version " + body.version + ", " + body.status + ")."),
        ...flags.map((f) => el("div", { class: "low" }, "⚑ " + f.message)),
      );
      state.clientId = newClientId();
      $("r-produced").value = "";
      $("r-labour").value = "0";
      $("r-remark").value = "";
      $("r-inputs").replaceChildren();
      addInputRow();
      await refreshData();
      // the server may finish auditing a moment later: look again shortly
      setTimeout(refreshData, 2000);
    } catch (e) {
      // keep the same client_id: resending after a failure cannot store the report twice
      out.className = "error";
      out.textContent = "Not stored: " + e.message;
    }
  }

  // ---- start -----------------------------------------------------------------------------------
  function sectionNote(cardId, message) {
    const card = $(cardId);
    let note = card.querySelector(".section-error");
    if (!message) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = el("p", { class: "error section-error", role: "alert" });
      card.querySelector("h2").after(note);
    }
    note.textContent = message;
  }

  async function refreshData() {
    // each section loads on its own: one failing request does not blank the others
    const sections = [
      [loadRollup, "rollup-card"],
      [loadFlags, "flags-card"],
      [loadAgreements, "agreements-card"],
      [loadReports, "reports-card"],
    ];
    const gen = ++state.gen;
    await Promise.all(
      sections.map(([load, card]) =>
        load(gen).then(
          () => sectionNote(card, ""),
          (e) => {
            if (e.status !== 401) sectionNote(card, "Could not load this part: " + e.message);
          },
        ),
      ),
    );
  }

  async function start() {
    const [me, scenario, units] = await Promise.all([api("/api/me"), api("/api/scenario"), api("/api/units")]);
    state.me = me.body;
    state.scenario = scenario.body;
    indexUnits(units.body);
    $("who-name").textContent = state.me.username + (state.me.unit ? " · " + unitName(state.me.unit) : "");
    $("who-role").textContent = state.me.role.replace(/_/g, " ");
    $("who").hidden = false;
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    const periodSel = $("filter-period");
    periodSel.replaceChildren(el("option", { value: "" }, "all"), ...state.scenario.periods.map((p) => el("option", { value: p }, p)));
    productOptions($("filter-product"), "all");
    setupForm();
    state.selected = defaultUnit();
    state.expanded = new Set(state.units.length <= SMALL_TREE ? state.units.map((u) => u.id) : []);
    for (const u of state.units) if (REGION_KINDS.includes(u.kind) && !u.parent) state.expanded.add(u.id);
    if (state.selected) expandTo(state.selected);
    renderTree();
    await refreshData();
    if (!state.timer) state.timer = setInterval(() => {
      if (state.token && !document.hidden) refreshData();
    }, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", () => logout(""));
    $("refresh").addEventListener("click", refreshData);
    $("filter-period").addEventListener("change", refreshData);
    $("filter-product").addEventListener("change", refreshData);
    $("all-units").addEventListener("click", () => select(null));
    $("report-form").addEventListener("submit", onSubmitReport);
    $("r-add-input").addEventListener("click", addInputRow);
    $("unit-find").addEventListener("input", renderTree);
    $("r-product").addEventListener("change", updateProducedUnit);
    if (state.token) {
      start().catch(() => logout(""));
    } else {
      showLogin("");
    }
  });
})();
