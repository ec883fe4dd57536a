// actorgraph explorer: ego networks (Cytoscape.js), the evidence behind each edge, a SPARQL
// editor. One plain ES module, no build step; every request goes to this app's own API.
import cytoscape from "../cytoscape-3.35.0/cytoscape.esm.min.mjs";

const ID = "https://w3id.org/actorgraph/id/";
const $ = (sel) => document.querySelector(sel);

// ----------------------------------------------------------------------------- look and feel
// Okabe–Ito colours; every kind has a shape too, every polarity a line style too.
const KINDS = [
  { name: "State", kinds: ["State"], color: "#56B4E9", shape: "round-rectangle" },
  {
    name: "Organisation",
    kinds: ["IntergovernmentalOrganisation", "GovernmentBody", "NonGovernmentalOrganisation", "Organisation"],
    color: "#009E73",
    shape: "diamond",
  },
  { name: "News organisation", kinds: ["NewsOrganisation"], color: "#F0E442", shape: "barrel" },
  { name: "Armed group or force", kinds: ["ArmedGroup", "ArmedForce"], color: "#999933", shape: "triangle" },
  { name: "Person", kinds: ["Person"], color: "#CC79A7", shape: "ellipse" },
  { name: "Group", kinds: ["Group"], color: "#DDDDDD", shape: "hexagon" },
];
const OTHER = { name: "Other", color: "#FFFFFF", shape: "octagon" };
const kindOf = (kind) => KINDS.find((k) => k.kinds.includes(kind)) || OTHER;
const POLARITY = {
  cooperative: { name: "Cooperative", color: "#0072B2", line: "solid" },
  hostile: { name: "Hostile", color: "#D55E00", line: "dashed" },
  mixed: { name: "Mixed", color: "#6A3D9A", line: "dotted" },
  none: { name: "Membership / no code", color: "#8C8C8C", line: "solid" },
};
const polarityOf = (p) => POLARITY[p] || POLARITY.none;
/** Beyond this many nodes only the strongest get a label (the rest on hover). */
const LABELLED_NODES = 22;
/** Beyond this many edges, edge labels show on hover and for the selected node's edges. */
const LABELLED_EDGES = 16;
/** The ties listed before "Show all". */
const SHOWN_TIES = 15;

// ----------------------------------------------------------------------------------- the API
class ApiError extends Error {}

/** GET (or POST) a path of this API; an error answer becomes an ApiError in the API's words. */
async function api(path, { accept = "application/json", body = null } = {}) {
  const init = { headers: { Accept: accept } };
  if (body !== null) {
    init.method = "POST";
    init.body = body;
    init.headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`The server did not answer (${e.message}).`);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      message = problem.detail || problem.title || message;
      if (problem.suggestions && problem.suggestions.length) {
        message += ` — did you mean ${problem.suggestions.map(short).join(", ")}?`;
      }
    } catch {
      /* not problem+json: the status line says it */
    }
    throw new ApiError(message);
  }
  return response;
}
const json = async (path, options) => (await api(path, options)).json();

/** The local id of an IRI of ours (actor/taliban → taliban), for paths and links. */
function localId(iri, kind) {
  const base = `${ID}${kind}/`;
  return iri.startsWith(base) ? iri.slice(base.length) : iri;
}
function short(iri) {
  return typeof iri === "string" && iri.startsWith(ID) ? iri.slice(ID.length) : iri;
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c);
  }
  return node;
}
function dateText(o) {
  if (o.date) return o.date;
  if (o.earliest || o.latest) return `${o.earliest || "…"} – ${o.latest || "…"}`;
  return "undated";
}

// -------------------------------------------------------------------------------------- tabs
function selectTab(tab) {
  for (const t of document.querySelectorAll('[role="tab"]')) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "tab-explore" && state.cy) state.cy.resize();
}
function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      selectTab(next);
    });
  });
}

// ---------------------------------------------------------------------------- search (combobox)
function setUpSearch() {
  const input = $("#search");
  const list = $("#suggestions");
  let hits = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", list.children[i].id);
      list.children[i].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const choose = (hit) => {
    input.value = hit.label;
    close();
    load(hit.id, { resetRelations: true });
  };
  const suggest = async () => {
    const q = input.value.trim();
    if (!q) return close();
    const mine = ++asked;
    let answer;
    try {
      answer = await json(`actors?q=${encodeURIComponent(q)}&limit=8`);
    } catch (e) {
      return status(e.message, true);
    }
    if (mine !== asked) return; // a newer keystroke asked since
    hits = answer.results;
    list.replaceChildren(
      ...hits.map((h, i) =>
        el(
          "li",
          { role: "option", id: `suggestion-${i}`, "aria-selected": "false", onmousedown: (e) => (e.preventDefault(), choose(h)) },
          h.label,
          el("small", {}, `${h.kind} · ${h.events} events${h.matched !== h.label ? ` · “${h.matched}”` : ""}`),
        ),
      ),
    );
    if (!hits.length) list.append(el("li", { role: "option", "aria-disabled": "true" }, "No actor has this name."));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(hits.length ? 0 : -1);
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 180);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) return suggest();
      if (!hits.length) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + hits.length) % hits.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (!list.hidden && active >= 0) choose(hits[active]);
      else if (input.value.trim()) load(input.value.trim(), { resetRelations: true });
    } else if (e.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

// ------------------------------------------------------------------------------- ego network
const state = { cy: null, actor: null, relations: [], edges: [], nodes: new Map(), loading: 0 };

function status(text, error = false) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

function style() {
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(color)",
        shape: "data(shape)",
        width: "data(size)",
        height: "data(size)",
        "border-width": 1.5,
        "border-color": "#333",
        label: "data(short_label)",
        "font-size": 11,
        color: "#111",
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 3,
        "text-wrap": "wrap",
        "text-max-width": 100,
        "text-background-color": "#fff",
        "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "min-zoomed-font-size": 6,
      },
    },
    { selector: "node.center", style: { "border-width": 4, "border-color": "#000", "font-weight": "bold", "font-size": 13 } },
    { selector: "node.label-left", style: { "text-halign": "left", "text-valign": "center", "text-margin-x": -4, "text-margin-y": 0 } },
    { selector: "node.label-right", style: { "text-halign": "right", "text-valign": "center", "text-margin-x": 4, "text-margin-y": 0 } },
    { selector: "node.label-top", style: { "text-valign": "top", "text-margin-y": -3 } },
    { selector: "node.quiet", style: { "text-opacity": 0, "text-background-opacity": 0 } },
    { selector: "node.quiet.hover, node.quiet.near", style: { "text-opacity": 1, "text-background-opacity": 0.85, "z-index": 20 } },
    {
      selector: "edge",
      style: {
        width: "data(width)",
        "line-color": "data(color)",
        "line-style": "data(line)",
        "target-arrow-color": "data(color)",
        "target-arrow-shape": "data(arrow)",
        "arrow-scale": 0.8,
        "curve-style": "bezier",
        "control-point-step-size": 18,
        opacity: 0.85,
        label: "data(relation)",
        "font-size": 10,
        color: "#222",
        "text-rotation": "autorotate",
        "text-background-color": "#fff",
        "text-background-opacity": 0.9,
        "text-background-padding": 1,
        "min-zoomed-font-size": 6,
      },
    },
    { selector: "edge.quiet", style: { "text-opacity": 0, "text-background-opacity": 0 } },
    { selector: "edge.quiet.hover, edge.quiet.near, edge:selected", style: { "text-opacity": 1, "text-background-opacity": 0.9, "z-index": 20 } },
    { selector: "edge:selected", style: { opacity: 1, "underlay-color": "#000", "underlay-opacity": 0.25, "underlay-padding": 4 } },
    { selector: "node:selected", style: { "overlay-color": "#000", "overlay-opacity": 0.1 } },
  ];
}

function egoUrl(actor, { radius, relations, from, to }) {
  const params = new URLSearchParams({ radius });
  if (relations) params.set("relations", relations.join(","));
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  return `actors/${encodeURIComponent(actor)}/ego?${params}`;
}

/** Draw ``actor``'s ego network with the current controls. */
async function load(actor, { resetRelations = false } = {}) {
  const radius = $("#radius").value;
  const from = $("#from").value;
  const to = $("#to").value;
  if (resetRelations) state.relations = [];
  const boxes = [...document.querySelectorAll("#relations input")];
  const checked = boxes.filter((b) => b.checked).map((b) => b.value);
  const filtering = !resetRelations && boxes.length && checked.length < boxes.length;
  if (filtering && !checked.length) {
    status("Tick at least one relation.", true);
    state.cy?.elements().remove();
    return;
  }
  const mine = ++state.loading;
  status(`Loading ${actor}…`);
  let graph;
  try {
    graph = await json(egoUrl(actor, { radius, relations: filtering ? checked : null, from, to }));
  } catch (e) {
    if (mine === state.loading) status(e.message, true);
    return;
  }
  if (mine !== state.loading) return;
  state.actor = localId(graph.data.center, "actor");
  if (!filtering) relationBoxes(graph);
  draw(graph);
  history.replaceState(null, "", `#actor=${encodeURIComponent(state.actor)}&radius=${radius}`);
}

function relationBoxes(graph) {
  const present = [...new Set(graph.elements.edges.map((e) => e.data.relation))].sort();
  state.relations = present;
  const box = $("#relations .boxes");
  box.replaceChildren(
    ...present.map((r) =>
      el("label", {}, el("input", { type: "checkbox", value: r, checked: true, onchange: () => load(state.actor) }), r),
    ),
  );
  $("#relations").hidden = !present.length;
}

function draw(graph) {
  const nodes = graph.elements.nodes;
  const edges = graph.elements.edges;
  const strongest = new Set(
    [...nodes]
      .sort((a, b) => b.data.weighted_degree - a.data.weighted_degree || a.data.label.localeCompare(b.data.label))
      .slice(0, LABELLED_NODES)
      .map((n) => n.data.id),
  );
  const maxWeight = Math.max(1, ...edges.map((e) => e.data.weight));
  const elements = [
    ...nodes.map((n) => {
      const k = kindOf(n.data.kind);
      const center = n.data.id === graph.data.center;
      return {
        group: "nodes",
        data: { ...n.data, color: k.color, shape: k.shape, size: center ? 44 : 18 + Math.min(22, 3 * Math.sqrt(n.data.weighted_degree)) },
        classes: [center ? "center" : "", strongest.has(n.data.id) || center ? "" : "quiet"].join(" "),
      };
    }),
    ...edges.map((e) => {
      const p = polarityOf(e.data.polarity);
      return {
        group: "edges",
        data: {
          ...e.data,
          color: p.color,
          line: p.line,
          arrow: e.data.directed === false ? "none" : "triangle",
          width: 1.5 + 5 * Math.sqrt(e.data.weight / maxWeight),
        },
        classes: edges.length > LABELLED_EDGES ? "quiet" : "",
      };
    }),
  ];
  state.edges = edges;
  state.nodes = new Map(nodes.map((n) => [n.data.id, n.data]));
  const cy = state.cy;
  cy.elements().remove();
  cy.add(elements);
  const maxDistance = Math.max(0, ...nodes.map((n) => n.data.distance));
  const layout = cy.layout({
    name: "concentric",
    concentric: (n) => maxDistance - n.data("distance"),
    levelWidth: () => 1,
    minNodeSpacing: nodes.length > 40 ? 14 : 56,
    spacingFactor: nodes.length > 40 ? 0.9 : 1.1,
    startAngle: (3 / 2) * Math.PI,
    animate: false,
    padding: 24,
  });
  layout.one("layoutstop", () => placeLabels(graph.data.center));
  layout.run();
  cy.fit(undefined, 24);
  const d = graph.data;
  const parts = [`${d.label}: ${d.nodes} actors, ${d.edges} ties (radius ${d.radius}).`];
  if (d.omitted) parts.push(`${d.omitted} of ${d.total} actors left out (the weakest ties; at most ${d.max_nodes}).`);
  if (nodes.length > strongest.size) parts.push(`Labels for the ${LABELLED_NODES} strongest actors; hover for the others.`);
  if (edges.length > LABELLED_EDGES) parts.push("Hover an actor or a tie for the relations.");
  status(parts.join(" "));
  $("#cy").setAttribute("aria-label", `Ego network of ${d.label}: ${d.nodes} actors, ${d.edges} ties. The ties are listed in the Evidence panel.`);
  $("#search").value = d.label;
  document.body.dataset.network = d.label; // for tests and scripts: the network drawn last
  if (!performance.getEntriesByName("network-drawn").length) performance.mark("network-drawn"); // benchmarks/page.py
  showTies(d);
  showTimeline();
}

/** Labels outward from the centre, so that the rings' labels do not run into each other. */
function placeLabels(center) {
  const c = state.cy.getElementById(center).position();
  state.cy.nodes().forEach((n) => {
    n.removeClass("label-left label-right label-top");
    if (n.id() === center) return;
    const { x, y } = n.position();
    const dx = x - c.x;
    const dy = y - c.y;
    if (Math.abs(dx) > Math.abs(dy) * 0.6) n.addClass(dx > 0 ? "label-right" : "label-left");
    else if (dy < 0) n.addClass("label-top");
  });
}

function setUpGraph() {
  const cy = cytoscape({
    container: $("#cy"),
    style: style(),
    minZoom: 0.2,
    maxZoom: 4,
    boxSelectionEnabled: false,
  });
  state.cy = cy;
  // the timeline under the graph changes its height: fit the network to what is left
  new ResizeObserver(() => {
    cy.resize();
    cy.fit(undefined, 24);
  }).observe($("#cy"));
  window.actorgraph = { cy }; // for the browser tests and the curious
  cy.on("tap", "node", (e) => {
    $("#search").value = e.target.data("label");
    load(localId(e.target.id(), "actor"), { resetRelations: true });
  });
  cy.on("tap", "edge", (e) => showEdge(e.target.data()));
  cy.on("mouseover", "node", (e) => {
    e.target.addClass("hover");
    e.target.connectedEdges().addClass("near");
    $("#cy").style.cursor = "pointer";
  });
  cy.on("mouseout", "node", (e) => {
    e.target.removeClass("hover");
    e.target.connectedEdges().removeClass("near");
    $("#cy").style.cursor = "";
  });
  cy.on("mouseover", "edge", (e) => {
    e.target.addClass("hover");
    e.target.connectedNodes().addClass("near");
    $("#cy").style.cursor = "pointer";
  });
  cy.on("mouseout", "edge", (e) => {
    e.target.removeClass("hover");
    e.target.connectedNodes().removeClass("near");
    $("#cy").style.cursor = "";
  });
  const redraw = () => state.actor && load(state.actor);
  $("#radius").addEventListener("change", () => state.actor && load(state.actor, { resetRelations: true }));
  $("#from").addEventListener("change", redraw);
  $("#to").addEventListener("change", redraw);
  $("#filters").addEventListener("submit", (e) => e.preventDefault());
}

function legend() {
  const shape = (k) => {
    const s = 16;
    const paths = {
      ellipse: `<circle cx="8" cy="8" r="6.5"/>`,
      "round-rectangle": `<rect x="1.5" y="2.5" width="13" height="11" rx="3"/>`,
      diamond: `<polygon points="8,1 15,8 8,15 1,8"/>`,
      barrel: `<rect x="1.5" y="2.5" width="13" height="11" rx="5" ry="2"/>`,
      triangle: `<polygon points="8,1.5 15,14.5 1,14.5"/>`,
      hexagon: `<polygon points="4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8"/>`,
      octagon: `<polygon points="5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5"/>`,
    };
    return `<svg width="${s}" height="${s}" aria-hidden="true"><g fill="${k.color}" stroke="#333" stroke-width="1.2">${paths[k.shape]}</g></svg>`;
  };
  $("#legend-nodes").replaceChildren(
    ...KINDS.map((k) => {
      const li = el("li", {}, k.name);
      li.insertAdjacentHTML("afterbegin", shape(k));
      return li;
    }),
  );
  $("#legend-edges").replaceChildren(
    ...Object.values(POLARITY).map((p) => {
      const dash = { solid: "", dashed: 'stroke-dasharray="6 4"', dotted: 'stroke-dasharray="2 3"' }[p.line];
      const li = el("li", {}, p.name);
      li.insertAdjacentHTML(
        "afterbegin",
        `<svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" stroke="${p.color}" stroke-width="3" ${dash}/></svg>`,
      );
      return li;
    }),
  );
}

// ----------------------------------------------------------------------------- evidence panel
function edgeName(e) {
  const s = state.nodes.get(e.source)?.short_label || short(e.source);
  const t = state.nodes.get(e.target)?.short_label || short(e.target);
  return `${s} ${e.directed === false ? "—" : "→"} ${t}: ${e.relation}`;
}

/** The ties of the network drawn, strongest first: each opens its evidence (by keyboard too). */
function showTies(d, showAll = false) {
  const panel = $("#evidence");
  const all = [...state.edges].sort((a, b) => b.data.weight - a.data.weight || edgeName(a.data).localeCompare(edgeName(b.data)));
  const ties = all.length > SHOWN_TIES + 3 && !showAll ? all.slice(0, SHOWN_TIES) : all;
  const more =
    ties.length < all.length
      ? el("button", { type: "button", class: "more", onclick: () => (showTies(d, true), panel.querySelectorAll(".ties button")[SHOWN_TIES]?.focus()) }, `Show all ${all.length} ties`)
      : null;
  panel.replaceChildren(
    el("h2", { id: "evidence-title" }, `Ties of ${d.label}`),
    el("p", { class: "hint" }, `Choose a tie (or click an edge) for the events behind it and the articles' words.${ties.length < all.length ? ` The ${SHOWN_TIES} strongest of ${all.length}:` : ""}`),
    el(
      "ul",
      { class: "ties" },
      ties.map((t) =>
        el(
          "li",
          {},
          el(
            "button",
            { type: "button", onclick: () => showEdge(t.data, true) },
            el("span", { class: "swatch", style: null, "data-polarity": t.data.polarity || "none" }),
            `${edgeName(t.data)} (${t.data.weight})`,
          ),
        ),
      ),
    ),
    more,
  );
  for (const s of panel.querySelectorAll(".swatch")) s.style.background = polarityOf(s.dataset.polarity).color;
}

async function showEdge(edge, fromList = false) {
  const panel = $("#evidence");
  state.cy.elements().unselect();
  state.cy.getElementById(edge.id).select();
  const back = el("button", { type: "button", onclick: () => showTies({ label: state.nodes.get(state.cy.$("node.center").id())?.label || "" }) }, "← All ties");
  const title = el("h2", { id: "evidence-title", tabindex: "-1" }, edgeName(edge));
  const p = polarityOf(edge.polarity);
  panel.replaceChildren(
    back,
    title,
    el("p", { class: "hint" }, `${edge.weight} event${edge.weight === 1 ? "" : "s"} · ${p.name.toLowerCase()} · ${dateText({ earliest: edge.earliest, latest: edge.latest })}`),
    el("p", {}, "Loading the events…"),
  );
  if (fromList) title.focus();
  let events;
  try {
    events = await Promise.all(edge.events.map((iri) => json(`events/${encodeURIComponent(localId(iri, "event"))}`)));
  } catch (e) {
    panel.lastChild.replaceWith(el("p", { class: "status error" }, e.message));
    return;
  }
  panel.lastChild.replaceWith(el("ol", { class: "events" }, events.map(eventItem)));
}

function eventItem(ev) {
  const evidence = new Map(ev.evidence.map((x) => [x.iri, x]));
  // one account per report; a membership has no report, its evidence is the account
  const accounts = ev.reports.length
    ? ev.reports.map((r) => ({ quote: r.quote, article: r.article, evidence: evidence.get(r.evidence), date: r }))
    : ev.evidence.map((x) => ({ quote: x.exact || ev.quote, article: ev.article || { iri: x.article }, evidence: x, date: ev }));
  const detail = ev.article;
  return el(
    "li",
    { class: "event" },
    el("header", {}, `${dateText(ev)} · ${ev.type}${ev.modality ? ` · ${ev.modality}` : ""}${ev.inferred ? " · date inferred" : ""}`),
    el("h3", {}, ev.label || short(ev.iri)),
    accounts.map((a) => {
      const same = detail && a.article && detail.iri === a.article.iri;
      const meta = [a.article?.title || short(a.article?.iri), same ? detail.publisher_label : null, same ? detail.published || dateText({ earliest: detail.published_earliest, latest: detail.published_latest }) : null]
        .filter(Boolean)
        .join(" · ");
      return el(
        "div",
        { class: "account" },
        el("blockquote", {}, a.quote || "(no quote)"),
        el("p", { class: "hint" }, meta),
        a.evidence && a.evidence.start !== null && a.article?.iri
          ? el("button", { type: "button", class: "open-article", onclick: () => openArticle(a.article, a.evidence, same ? detail : null) }, "Open the article at this quote")
          : null,
      );
    }),
  );
}

// ------------------------------------------------------------------- timeline and articles
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
const DAY = 86_400_000;
const time = (date) => Date.parse(`${date}T00:00:00Z`);
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

/** Every event (not memberships), fetched once, by IRI: the timeline picks those in view. */
function everyEvent() {
  state.everyEvent ??= (async () => {
    const all = new Map();
    for (let offset = 0; ; offset += 500) {
      const page = await json(`events?limit=500&offset=${offset}`);
      for (const e of page.events) all.set(e.iri, e);
      if (offset + page.limit >= page.total) return all;
    }
  })().catch((e) => {
    state.everyEvent = null;
    throw e;
  });
  return state.everyEvent;
}

/** The events behind the edges drawn, each with the polarity of its edge, oldest first. */
async function eventsInView() {
  const all = await everyEvent();
  const seen = new Map();
  for (const edge of state.edges) {
    for (const iri of edge.data.events) {
      const ev = all.get(iri);
      if (ev && !seen.has(iri)) seen.set(iri, { ...ev, polarity: edge.data.polarity });
    }
  }
  const start = (e) => e.date || e.earliest || e.latest || "9999";
  return [...seen.values()].sort((a, b) => start(a).localeCompare(start(b)) || a.iri.localeCompare(b.iri));
}

async function showTimeline() {
  const edges = state.edges;
  const box = $("#timeline");
  const say = (text, error = false) => {
    $("#timeline-status").textContent = text;
    $("#timeline-status").classList.toggle("error", error);
  };
  let events;
  try {
    events = await eventsInView();
  } catch (e) {
    say(e.message, true);
    return;
  }
  if (edges !== state.edges) return; // a newer network was drawn meanwhile
  const dated = events
    .map((e) => ({ e, from: e.date || e.earliest || e.latest, to: e.date || e.latest || e.earliest }))
    .filter((d) => d.from);
  const undated = events.length - dated.length;
  box.replaceChildren();
  box.dataset.events = String(dated.length);
  showArticles(events, edges);
  if (!dated.length) {
    say(events.length ? `${events.length} undated events in view.` : "No events in view.");
    return;
  }
  let lo = Math.min(...dated.map((d) => time(d.from)));
  let hi = Math.max(...dated.map((d) => time(d.to)));
  if (hi - lo < 60 * DAY) (lo -= 30 * DAY), (hi += 30 * DAY);
  say(
    `${dated.length} event${dated.length === 1 ? "" : "s"} in view, ${isoDay(lo)} to ${isoDay(hi)}` +
      `${undated ? `, ${undated} undated` : ""}. Bars: dates known by their bounds.`,
  );
  const width = Math.max(240, box.clientWidth || 600);
  const pad = 10;
  const x = (t) => pad + ((t - lo) / (hi - lo)) * (width - 2 * pad);
  const LANE = 12;
  const lanes = []; // the right end of the last mark in each lane
  const marks = dated.map((d) => {
    const x0 = x(time(d.from));
    const w = Math.max(8, x(time(d.to) + DAY) - x0);
    let lane = lanes.findIndex((end) => end + 2 < x0);
    if (lane < 0) lane = lanes.length < 6 ? lanes.push(0) - 1 : lanes.indexOf(Math.min(...lanes));
    lanes[lane] = x0 + w;
    return { ...d, x0, w, y: 4 + lane * LANE };
  });
  const axisY = 6 + lanes.length * LANE;
  const height = axisY + 18;
  const ticks = [];
  const y0 = new Date(lo).getUTCFullYear();
  const y1 = new Date(hi).getUTCFullYear();
  const step = Math.max(1, Math.ceil((y1 - y0 + 1) / Math.max(1, Math.floor(width / 60))));
  for (let y = y0; y <= y1 + 1; y += step) {
    const t = Date.UTC(y, 0, 1);
    if (t < lo || t > hi) continue;
    ticks.push(
      svg("line", { x1: x(t), x2: x(t), y1: 0, y2: axisY + 4, stroke: "#bbb" }),
      svg("text", { x: x(t) + 2, y: axisY + 14, "font-size": 11, fill: "#444" }, String(y)),
    );
  }
  const dash = { solid: "", dashed: "4 2", dotted: "1.5 1.5" };
  const chart = svg(
    "svg",
    { width, height, role: "group", "aria-label": `Timeline: ${dated.length} events` },
    svg("line", { x1: pad, x2: width - pad, y1: axisY, y2: axisY, stroke: "#666" }),
    ...ticks,
    ...marks.map((m) => {
      const p = polarityOf(m.e.polarity);
      const name = `${dateText(m.e)} · ${m.e.type} · ${p.name.toLowerCase()}: ${m.e.label || short(m.e.iri)}`;
      const mark = svg(
        "rect",
        {
          x: m.x0, y: m.y, width: m.w, height: 9, rx: m.e.date ? 4.5 : 2,
          fill: p.color, stroke: "#222", "stroke-width": 1, "stroke-dasharray": dash[p.line],
          tabindex: 0, role: "button", class: "mark", "aria-label": name, "data-iri": m.e.iri,
        },
        svg("title", {}, name),
      );
      mark.addEventListener("click", () => showEvent(m.e.iri));
      mark.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          showEvent(m.e.iri);
        }
      });
      return mark;
    }),
  );
  box.append(chart);
}

/** One event's evidence in the side panel (from the timeline). */
async function showEvent(iri) {
  const panel = $("#evidence");
  const back = el("button", { type: "button", onclick: () => showTies({ label: state.nodes.get(state.cy.$("node.center").id())?.label || "" }) }, "← All ties");
  const title = el("h2", { id: "evidence-title", tabindex: "-1" }, "Event");
  panel.replaceChildren(back, title, el("p", {}, "Loading the event…"));
  title.focus();
  let ev;
  try {
    ev = await json(`events/${encodeURIComponent(localId(iri, "event"))}`);
  } catch (e) {
    panel.lastChild.replaceWith(el("p", { class: "status error" }, e.message));
    return;
  }
  title.textContent = ev.label || short(ev.iri);
  panel.lastChild.replaceWith(el("ol", { class: "events" }, eventItem(ev)));
}

/** The articles behind the events in view: title, publisher, date, how many events each reports. */
async function showArticles(events, edges) {
  const counts = new Map();
  for (const e of events) {
    if (!e.article) continue;
    const c = counts.get(e.article.iri) || { article: e.article, events: 0, sample: e.iri };
    c.events += 1;
    counts.set(e.article.iri, c);
  }
  state.articles ??= new Map(); // article IRI → its detail (publisher, date), fetched once
  let rows;
  try {
    rows = await Promise.all(
      [...counts.values()].map(async (c) => {
        if (!state.articles.has(c.article.iri)) {
          const detail = (await json(`events/${encodeURIComponent(localId(c.sample, "event"))}`)).article;
          state.articles.set(c.article.iri, detail);
        }
        return { ...c, detail: state.articles.get(c.article.iri) };
      }),
    );
  } catch (e) {
    $("#articles-status").textContent = e.message;
    return;
  }
  if (edges !== state.edges) return;
  rows.sort((a, b) => b.events - a.events || (a.article.title || "").localeCompare(b.article.title || ""));
  $("#articles-status").textContent = rows.length
    ? `${rows.length} article${rows.length === 1 ? "" : "s"} report the ${events.length} events in view.`
    : "No article reports an event in view.";
  $("#articles").replaceChildren(
    ...rows.map(({ article, detail, events: n }) => {
      const published = detail?.published || dateText({ earliest: detail?.published_earliest, latest: detail?.published_latest });
      return el(
        "li",
        {},
        el("button", { type: "button", class: "link", onclick: () => openArticle(article, null, detail) }, article.title || short(article.iri)),
        el("span", { class: "hint" }, `${detail?.publisher_label || "publisher not stated"} · ${published} · ${n} event${n === 1 ? "" : "s"} in view`),
      );
    }),
  );
}

// ---------------------------------------------------------------------------------- article
async function openArticle(article, evidence, detail) {
  const dialog = $("#article");
  const pre = $("#article-text");
  $("#article-title").textContent = article.title || short(article.iri);
  $("#article-meta").textContent = [detail?.publisher_label, detail?.published, article.file].filter(Boolean).join(" · ");
  pre.textContent = "Loading…";
  if (!dialog.open) dialog.showModal();
  let text;
  try {
    text = await (await api(`articles/${encodeURIComponent(localId(article.iri, "article"))}/text`, { accept: "text/plain" })).text();
  } catch (e) {
    pre.textContent = e.message;
    return;
  }
  // the offsets count Unicode characters (code points), not JavaScript's UTF-16 units
  if (!evidence) {
    pre.textContent = text;
    pre.scrollTop = 0;
    pre.focus();
    return;
  }
  const chars = Array.from(text);
  let start = evidence.start;
  let end = evidence.end;
  if (evidence.exact && chars.slice(start, end).join("") !== evidence.exact) {
    const at = text.indexOf(evidence.exact); // the offsets disagree with the text: find the words
    if (at >= 0) {
      start = Array.from(text.slice(0, at)).length;
      end = start + Array.from(evidence.exact).length;
    }
  }
  const mark = el("mark", { tabindex: "-1" }, chars.slice(start, end).join(""));
  pre.replaceChildren(chars.slice(0, start).join(""), mark, chars.slice(end).join(""));
  mark.scrollIntoView({ block: "center" });
  mark.focus({ preventScroll: true });
}

function setUpArticle() {
  $("#article-close").addEventListener("click", () => $("#article").close());
}

// ------------------------------------------------------------------------------------ SPARQL
const KEYWORDS =
  "SELECT|CONSTRUCT|DESCRIBE|ASK|WHERE|FILTER|OPTIONAL|UNION|MINUS|GRAPH|SERVICE|BIND|VALUES|PREFIX|BASE|DISTINCT|REDUCED|FROM|NAMED|ORDER|GROUP|BY|HAVING|LIMIT|OFFSET|ASC|DESC|AS|NOT|EXISTS|IN|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|SEPARATOR|STR|LANG|LANGMATCHES|DATATYPE|BOUND|IF|COALESCE|REGEX|CONTAINS|STRSTARTS|STRENDS|LCASE|UCASE|YEAR|MONTH|DAY|NOW|IRI|URI|ISIRI|ISLITERAL|ISBLANK|SUBSTR|STRLEN|CONCAT|REPLACE|TRUE|FALSE|a";
const TOKENS = new RegExp(
  [
    "(#[^\\n]*)", // comment
    `("""[\\s\\S]*?"""|'''[\\s\\S]*?'''|"(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*')`, // string
    "(<[^<>\"{}|^`\\\\\\s]*>)", // IRI
    "([?$][A-Za-z0-9_\\u00B7\\u00C0-\\uFFFF]+)", // variable
    "((?:[A-Za-z][\\w-]*)?:(?:[\\w-]+(?:\\.[\\w-]+)*)?)", // prefixed name
    `\\b(${KEYWORDS})\\b`, // keyword
  ].join("|"),
  "gi",
);
const CLASSES = [null, "tok-comment", "tok-str", "tok-iri", "tok-var", "tok-pname", "tok-kw"];

/** The query as HTML with its tokens in spans (keywords, IRIs, prefixed names, strings…). */
export function highlight(text) {
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TOKENS)) {
    const kind = m.findIndex((g, i) => i > 0 && g !== undefined);
    if (kind === 6 && m[0] === "A") continue; // "a" is a keyword only in lower case
    out += esc(text.slice(last, m.index)) + `<span class="${CLASSES[kind]}">${esc(m[0])}</span>`;
    last = m.index + m[0].length;
  }
  return out + esc(text.slice(last)) + "\n";
}

function setUpSparql() {
  const examples = JSON.parse($("#examples").textContent || "[]");
  const select = $("#example");
  const query = $("#query");
  const pre = $("#highlight");
  select.replaceChildren(...examples.map((x, i) => el("option", { value: String(i) }, x.title)));
  const paint = () => {
    pre.innerHTML = highlight(query.value);
    pre.scrollTop = query.scrollTop;
    pre.scrollLeft = query.scrollLeft;
  };
  const pick = () => {
    query.value = examples[Number(select.value)]?.query || "";
    paint();
  };
  const preferred = examples.findIndex((x) => x.name === "who-accused-russia");
  select.value = String(Math.max(0, preferred));
  pick();
  select.addEventListener("change", pick);
  query.addEventListener("input", paint);
  query.addEventListener("scroll", () => {
    pre.scrollTop = query.scrollTop;
    pre.scrollLeft = query.scrollLeft;
  });
  query.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  $("#run").addEventListener("click", run);
}

async function run() {
  const out = $("#results");
  const s = $("#sparql-status");
  s.classList.remove("error");
  s.textContent = "Running…";
  out.replaceChildren();
  const started = performance.now();
  let response;
  try {
    response = await api("sparql", {
      accept: "application/sparql-results+json, application/n-triples;q=0.9",
      body: new URLSearchParams({ query: $("#query").value }),
    });
  } catch (e) {
    s.textContent = e.message;
    s.classList.add("error");
    return;
  }
  const took = `${Math.round(performance.now() - started)} ms`;
  if (!(response.headers.get("content-type") || "").includes("sparql-results+json")) {
    const text = await response.text();
    const triples = parseNTriples(text);
    const shown = triples.slice(0, MAX_TRIPLES);
    s.textContent =
      `A graph: ${triples.length} triple${triples.length === 1 ? "" : "s"} (${took})` +
      (shown.length < triples.length ? `; the first ${MAX_TRIPLES} drawn.` : ".");
    const raw = el("pre", { class: "raw", hidden: true }, text);
    const box = el("div", { class: "construct", role: "img", "aria-label": `The graph the query built: ${shown.length} triples. The raw N-Triples are behind the toggle.` });
    const toggle = el("button", { type: "button", "aria-pressed": "false", onclick: () => {
      const rawShown = raw.hidden;
      raw.hidden = !rawShown;
      box.hidden = rawShown;
      toggle.setAttribute("aria-pressed", String(rawShown));
      toggle.textContent = rawShown ? "Show the graph" : "Show the raw N-Triples";
    } }, "Show the raw N-Triples");
    out.replaceChildren(toggle, box, raw);
    drawTriples(box, shown);
    return;
  }
  const answer = await response.json();
  if ("boolean" in answer) {
    s.textContent = `ASK: ${answer.boolean} (${took}).`;
    return;
  }
  const rows = answer.results.bindings;
  s.textContent = `${rows.length} row${rows.length === 1 ? "" : "s"} (${took}).`;
  out.replaceChildren(table(answer.head.vars, rows));
}

/** At most this many triples of a CONSTRUCT or DESCRIBE answer are drawn. */
const MAX_TRIPLES = 300;
const NT_TERM = /^(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[\w-]+|\^\^<[^>]*>)?)\s*/;

/** N-Triples, one triple a line: [{s, p, o}] with terms as written (IRIs in <>, literals quoted). */
export function parseNTriples(text) {
  const triples = [];
  for (const line of text.split("\n")) {
    let rest = line.trim();
    if (!rest || rest.startsWith("#")) continue;
    const terms = [];
    for (let i = 0; i < 3; i++) {
      const m = NT_TERM.exec(rest);
      if (!m) break;
      terms.push(m[1]);
      rest = rest.slice(m[0].length);
    }
    if (terms.length === 3) triples.push({ s: terms[0], p: terms[1], o: terms[2] });
  }
  return triples;
}

/** A term of N-Triples as a short label: IRIs of ours as CURIEs, literals unquoted. */
function termLabel(term) {
  if (term.startsWith("<")) {
    const iri = term.slice(1, -1);
    const prefixes = [[ID, ""], ["https://w3id.org/actorgraph/ontology#", "ag:"], ["http://www.w3.org/2000/01/rdf-schema#", "rdfs:"], ["http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"], ["https://schema.org/", "schema:"], ["http://schema.org/", "schema:"]];
    for (const [base, name] of prefixes) if (iri.startsWith(base)) return name + iri.slice(base.length).replace("/", ":");
    return iri.split(/[#/]/).filter(Boolean).pop() || iri;
  }
  if (term.startsWith('"')) {
    const value = JSON.parse(term.slice(0, term.lastIndexOf('"') + 1));
    return value.length > 40 ? `${value.slice(0, 39)}…` : value;
  }
  return term;
}

function drawTriples(container, triples) {
  const nodes = new Map();
  const node = (term) => {
    if (!nodes.has(term)) {
      const kind = term.startsWith('"') ? "literal" : term.startsWith("_:") ? "blank" : "iri";
      nodes.set(term, { group: "nodes", data: { id: `n${nodes.size}`, label: termLabel(term), term }, classes: kind });
    }
    return nodes.get(term).data.id;
  };
  const edges = triples.map((t, i) => ({ group: "edges", data: { id: `e${i}`, source: node(t.s), target: node(t.o), label: termLabel(t.p) } }));
  const cy = cytoscape({
    container,
    elements: [...nodes.values(), ...edges],
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 2, "text-wrap": "wrap", "text-max-width": 110, width: 14, height: 14, "background-color": "#56B4E9", "border-width": 1, "border-color": "#333", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
      { selector: "node.literal", style: { shape: "round-rectangle", "background-color": "#F0E442" } },
      { selector: "node.blank", style: { "background-color": "#DDDDDD" } },
      { selector: "edge", style: { label: "data(label)", "font-size": 9, width: 1.2, "line-color": "#888", "target-arrow-color": "#888", "target-arrow-shape": "triangle", "curve-style": "bezier", "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8, color: "#333" } },
    ],
    // the most connected terms in the middle, the rest in rings by degree
    layout: { name: "concentric", concentric: (n) => n.degree(), levelWidth: () => 1, minNodeSpacing: 45, spacingFactor: 1.6, avoidOverlap: true, animate: false, padding: 20 },
    minZoom: 0.1,
    maxZoom: 4,
  });
  if (cy.zoom() > 1) cy.zoom(1).center(); // a small graph at its natural size
  window.actorgraph.construct = cy; // for the browser tests
  return cy;
}

function cell(term) {
  if (!term) return "";
  if (term.type === "uri") {
    if (term.value.startsWith(`${ID}actor/`)) {
      const id = localId(term.value, "actor");
      return el("a", { href: `#actor=${encodeURIComponent(id)}`, title: term.value }, `actor:${id}`);
    }
    return el("span", { title: term.value }, short(term.value));
  }
  return term.value;
}

function table(vars, rows) {
  const sortKey = (term) => {
    if (!term) return "";
    const n = Number(term.value);
    return term.type === "literal" && term.value.trim() !== "" && !Number.isNaN(n) ? n : term.value.toLowerCase();
  };
  const tbody = el("tbody");
  const fill = (list) => tbody.replaceChildren(...list.map((r) => el("tr", {}, vars.map((v) => el("td", {}, cell(r[v]))))));
  const heads = vars.map((v) =>
    el("th", { scope: "col", "aria-sort": "none" }, el("button", { type: "button", onclick: (e) => sortBy(v, e.currentTarget.parentElement) }, v)),
  );
  const sortBy = (v, th) => {
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    heads.forEach((h) => h.setAttribute("aria-sort", "none"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const sorted = [...rows].sort((a, b) => {
      const x = sortKey(a[v]);
      const y = sortKey(b[v]);
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return ascending ? c : -c;
    });
    fill(sorted);
  };
  fill(rows);
  return el("table", {}, el("thead", {}, el("tr", {}, heads)), tbody);
}

// ------------------------------------------------------------------------------------- start
function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const actor = params.get("actor");
  if (!actor) return;
  if (params.get("radius")) $("#radius").value = params.get("radius");
  selectTab($("#tab-explore"));
  if (actor !== state.actor) load(actor, { resetRelations: true });
}

setUpTabs();
setUpSearch();
setUpGraph();
setUpArticle();
setUpSparql();
legend();
if (matchMedia("(max-width: 820px)").matches) $(".legend").open = false;
window.addEventListener("hashchange", fromHash);
fromHash();
