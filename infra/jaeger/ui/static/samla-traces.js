// Samla traces: a small page over Jaeger's query HTTP API (/api/services, /api/traces).
// It lists recent traces of a service and draws one trace as a waterfall of spans, one
// row per span, coloured by service, with the span's attributes on a click.
"use strict";

const $ = (id) => document.getElementById(id);
const main = $("main");
const PALETTE = ["#1f77b4", "#d95f02", "#2ca02c", "#9467bd", "#e7298a", "#8c564b", "#17becf", "#bcbd22"];
// Samla's services keep fixed colours; any other service gets one from its name.
const serviceColours = new Map([["enrollment", "#1f77b4"], ["sessions", "#d95f02"], ["measures", "#2ca02c"],
  ["notifications", "#9467bd"]]);

function colourOf(service) {
  if (!serviceColours.has(service)) {
    let hash = 0;
    for (const char of service) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    serviceColours.set(service, PALETTE[hash % PALETTE.length]);
  }
  return serviceColours.get(service);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()).data;
}

function ms(micros) {
  if (micros >= 1e6) return `${(micros / 1e6).toFixed(2)} s`;
  if (micros >= 1e3) return `${(micros / 1e3).toFixed(1)} ms`;
  return `${micros} µs`;
}

function tagValue(span, key) {
  const tag = (span.tags || []).find((t) => t.key === key);
  return tag ? tag.value : undefined;
}

function isError(span) {
  return tagValue(span, "error") === true || tagValue(span, "otel.status_code") === "ERROR";
}

// -- one trace ------------------------------------------------------------------------------

function parentOf(span) {
  const ref = (span.references || []).find((r) => r.refType === "CHILD_OF" && r.traceID === span.traceID);
  return ref ? ref.spanID : null;
}

function orderedSpans(trace) {
  // Depth-first from the roots, children by start time: the order a reader follows the work in.
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  for (const span of trace.spans) {
    const parent = parentOf(span);
    if (parent && byId.has(parent)) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(span);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a, b) => a.startTime - b.startTime;
  const out = [];
  const visit = (span, depth) => {
    out.push({ span, depth });
    for (const child of (children.get(span.spanID) || []).sort(byStart)) visit(child, depth + 1);
  };
  roots.sort(byStart).forEach((root) => visit(root, 0));
  return out;
}

function attributesTable(span, process) {
  const rows = [...(span.tags || []), ...((process && process.tags) || []).map((t) => ({ ...t, key: `resource ${t.key}` }))];
  return el("table", { class: "attributes" },
    el("tr", {}, el("th", {}, "span id"), el("td", {}, span.spanID)),
    el("tr", {}, el("th", {}, "start"), el("td", {}, new Date(span.startTime / 1000).toISOString())),
    rows.map((t) => el("tr", {}, el("th", {}, t.key), el("td", {}, String(t.value)))),
    (span.logs || []).map((log) => el("tr", {}, el("th", {}, "event"),
      el("td", {}, log.fields.map((f) => `${f.key}=${f.value}`).join("  ")))));
}

function renderTrace(trace) {
  const rows = orderedSpans(trace);
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(end - start, 1);
  const services = [...new Set(trace.spans.map((s) => trace.processes[s.processID].serviceName))];
  const root = rows[0].span;

  const legend = el("div", { class: "legend" }, services.map((name) =>
    el("span", { class: "service", style: { borderColor: colourOf(name) } }, name)));
  const ticks = el("div", { class: "ticks" }, [0, 0.25, 0.5, 0.75, 1].map((f) =>
    el("span", { style: { left: `${f * 100}%` } }, ms(Math.round(f * total)))));

  const list = el("div", { class: "waterfall" },
    el("div", { class: "row heading" }, el("div", { class: "name" }, "service · operation"), el("div", { class: "lane" }, ticks)));
  for (const { span, depth } of rows) {
    const service = trace.processes[span.processID].serviceName;
    const left = ((span.startTime - start) / total) * 100;
    const width = Math.max((span.duration / total) * 100, 0.3);
    const details = el("div", { class: "details", hidden: "" }, attributesTable(span, trace.processes[span.processID]));
    const row = el("div", { class: `row${isError(span) ? " error" : ""}`, "data-span": span.spanID,
      onclick: () => details.toggleAttribute("hidden") },
      el("div", { class: "name", style: { paddingLeft: `${depth * 14 + 6}px` } },
        el("span", { class: "dot", style: { background: colourOf(service) } }),
        el("b", {}, service), " ", span.operationName),
      el("div", { class: "lane" },
        el("div", { class: "bar", style: { left: `${left}%`, width: `${width}%`, background: colourOf(service) } }),
        // The duration goes after the bar, or before it when the bar ends near the right edge.
        el("span", { class: "duration", style: left + width > 85 ? { right: `${100 - left}%`, marginRight: "4px" }
          : { left: `${left + width}%` } }, ms(span.duration))));
    list.append(row, details);
  }
  main.replaceChildren(
    el("h1", {}, `${trace.processes[root.processID].serviceName}: ${root.operationName}`),
    el("p", { class: "summary" },
      `trace ${trace.traceID} · ${trace.spans.length} spans · ${services.length} services · ${ms(total)} · `,
      `started ${new Date(start / 1000).toISOString()}`),
    legend, list);
  document.title = `Samla traces: ${root.operationName}`;
}

async function showTrace(traceId) {
  main.replaceChildren(el("p", { class: "hint" }, `Loading trace ${traceId}…`));
  try {
    const [trace] = await api(`api/traces/${encodeURIComponent(traceId)}`);
    renderTrace(trace);
  } catch (error) {
    main.replaceChildren(el("p", { class: "problem" }, `Trace ${traceId} not found: ${error.message}`));
  }
}

// -- search ---------------------------------------------------------------------------------

function traceSummary(trace) {
  const rows = orderedSpans(trace);
  const root = rows[0].span;
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const services = [...new Set(trace.spans.map((s) => trace.processes[s.processID].serviceName))];
  return { trace, root, start, duration: end - start, services, errors: trace.spans.filter(isError).length };
}

function renderTraceList(traces, service) {
  const summaries = traces.map(traceSummary).sort((a, b) => b.start - a.start);
  if (!summaries.length) {
    main.replaceChildren(el("p", { class: "hint" }, `No traces of ${service} in this period.`));
    return;
  }
  main.replaceChildren(
    el("h1", {}, `${summaries.length} traces of ${service}`),
    el("table", { class: "traces" },
      el("tr", {}, ["started", "root operation", "services", "spans", "duration", ""].map((h) => el("th", {}, h))),
      summaries.map((s) => el("tr", {},
        el("td", {}, new Date(s.start / 1000).toLocaleTimeString()),
        el("td", {}, el("a", { href: `trace/${s.trace.traceID}`, onclick: (e) => { e.preventDefault(); go(`trace/${s.trace.traceID}`); } },
          `${s.root.operationName}`)),
        el("td", {}, s.services.map((name) => el("span", { class: "service", style: { borderColor: colourOf(name) } }, name))),
        el("td", { class: "number" }, s.trace.spans.length),
        el("td", { class: "number" }, ms(s.duration)),
        el("td", { class: "problem" }, s.errors ? `${s.errors} error${s.errors > 1 ? "s" : ""}` : "")))));
}

async function search(params) {
  const service = params.get("service");
  if (!service) {
    main.replaceChildren(el("p", { class: "hint" }, "Choose a service and press Find traces."));
    return;
  }
  main.replaceChildren(el("p", { class: "hint" }, `Looking for traces of ${service}…`));
  const query = new URLSearchParams({ service, limit: params.get("limit") || "30", lookback: params.get("lookback") || "1h" });
  const end = Date.now() * 1000;
  const lookbackMicros = { "15m": 9e8, "1h": 3.6e9, "6h": 2.16e10, "24h": 8.64e10 }[query.get("lookback")] || 3.6e9;
  query.set("start", String(end - lookbackMicros));
  query.set("end", String(end));
  if (params.get("operation")) query.set("operation", params.get("operation"));
  try {
    renderTraceList(await api(`api/traces?${query}`), service);
  } catch (error) {
    main.replaceChildren(el("p", { class: "problem" }, error.message));
  }
}

async function fillOperations(service) {
  const select = $("operation");
  select.replaceChildren(el("option", { value: "" }, "all"));
  if (!service) return;
  try {
    for (const name of (await api(`api/services/${encodeURIComponent(service)}/operations`)).sort()) {
      select.append(el("option", { value: name }, name));
    }
  } catch (error) {
    /* the list of operations only narrows the search; without it every operation is searched */
  }
}

// -- navigation -----------------------------------------------------------------------------

function go(path) {
  history.pushState({}, "", path);
  route();
}

async function route() {
  const path = location.pathname.replace(/^\/+/, "");
  const params = new URLSearchParams(location.search);
  if (path.startsWith("trace/")) {
    await showTrace(path.slice("trace/".length));
    return;
  }
  for (const key of ["service", "lookback", "limit"]) if (params.get(key)) $(key).value = params.get(key);
  await fillOperations($("service").value);
  if (params.get("operation")) $("operation").value = params.get("operation");
  await search(params.get("service") ? params : new URLSearchParams({ service: $("service").value }));
}

async function start() {
  if (typeof JAEGER_VERSION === "object" && JAEGER_VERSION) $("version").textContent = JAEGER_VERSION.gitVersion || "";
  let services = [];
  try {
    services = ((await api("api/services")) || []).filter((s) => s !== "jaeger").sort();
  } catch (error) {
    main.replaceChildren(el("p", { class: "problem" }, error.message));
  }
  const preferred = services.includes("enrollment") ? "enrollment" : services[0];
  $("service").replaceChildren(...services.map((name) => el("option", { value: name }, name)));
  if (preferred) $("service").value = preferred;
  $("service").addEventListener("change", () => fillOperations($("service").value));
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ service: $("service").value, lookback: $("lookback").value, limit: $("limit").value });
    if ($("operation").value) params.set("operation", $("operation").value);
    go(`search?${params}`);
  });
  $("open-trace").addEventListener("click", () => { if ($("trace-id").value.trim()) go(`trace/${$("trace-id").value.trim()}`); });
  window.addEventListener("popstate", route);
  await route();
}

start();
