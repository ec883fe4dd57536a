// actorgraph review page (the "Review" tab): a steward pastes or uploads an article, the
// extractor proposes events (POST /extract), the steward accepts, rejects, edits or adds them,
// validates the review document (POST /validate) and commits it with a token (POST /batches).
// A module of its own, loaded by index.html beside explorer.js (each by a versioned URL); it
// shares nothing with explorer.js but the page (the tabs are explorer.js's).
//
// The review document is the records of a review file (seeds/README.md, graph/ingest.py) with
// the article's text under `text`, as /extract answers it under `review`: this page only
// leaves out the candidates not accepted and writes the steward's edits into the records.

const $ = (sel) => document.querySelector(sel);
const ID = "https://w3id.org/actorgraph/id/";
const REVIEW_TYPE = "application/vnd.actorgraph.review+json";

/** The event types of seeds/README.md's table; the first three are meetings (participants). */
const TYPES = [
  "Meeting", "Conference", "PhoneCall", "Statement", "Accusation", "Criticism", "Denial",
  "CooperationOffer", "Invitation", "Rejection", "Request", "Demand", "Support", "Cooperation",
  "AidProvision", "Sanction", "Threat", "Investigation", "Concession", "Mobilisation", "Coercion",
  "ArmedAction",
];
const MEETINGS = new Set(["Meeting", "Conference", "PhoneCall"]);
const MODALITIES = ["none", "negated", "hypothetical", "future", "historical"];
const DECISIONS = { undecided: "Undecided", accepted: "Accepted", rejected: "Rejected" };
/** What the server treats as the same character when it looks a quote up (graph/build.py). */
const EQUIVALENT = { "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " " };
const ROLE_FIELDS = ["agent", "on_behalf_of", "host", "reported_via", "targets", "participants", "addressee", "mediators"];

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
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// ----------------------------------------------------------------------------------- the API
class ApiError extends Error {
  constructor(message, status, problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

/** A request to this API with the steward's token when one is given; JSON back, or an ApiError
 * in the API's words (its problem+json `detail`). */
async function call(path, { method = "GET", type = null, body = null, headers = {}, token = true } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== null) {
    init.body = body;
    init.headers["Content-Type"] = type;
  }
  const secret = $("#review-token").value.trim();
  if (token && secret) init.headers.Authorization = `Bearer ${secret}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(`The server did not answer (${e.message}).`, 0, null);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    /* not JSON: the status line says it */
  }
  if (!response.ok) {
    const message = data?.detail || data?.title || `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status, data);
  }
  return { status: response.status, data };
}

// --------------------------------------------------------------------------------- the state
const state = {
  answer: null, // what /extract answered
  review: null, // its review document (records and `text`)
  text: "", // the article's text, as the server read it
  actors: new Map(), // id → {id, label, kind, status}: the article's actors and those found
  items: [], // one per candidate or added event (see item())
  selected: null, // the id of the selected card
  added: 0, // events added by the steward so far
  committed: null, // the batch of the last commit, until the document changes
  attempt: null, // {payload, key}: a retried commit of the same payload reuses its key
};

/** A candidate or an added event: its record in the review document and the steward's edits. */
function item(record, candidate, n) {
  const meeting = MEETINGS.has(record.type);
  const others = (meeting ? record.participants || [] : record.targets || []).filter((a) => a !== record.agent);
  return {
    id: record.id,
    n,
    record, // as /extract proposed it (or as added)
    candidate, // the /extract candidate: rule, trigger, confidence, evidence (null when added)
    status: "undecided",
    draft: false, // an event being added: left out until its form is saved
    edits: [], // what the steward changed, for the event's note
    type: record.type,
    agent: record.agent,
    others,
    unnamed: Boolean(record.target_unnamed),
    modality: record.modality || "none",
    quote: record.quote,
    occurrence: record.occurrence || null,
    start: null, // where its words are in state.text (UTF-16 offsets), for the highlight
    end: null,
    problems: [], // what the last validation said about it
  };
}
const byId = (id) => state.items.find((i) => i.id === id);
const label = (id) => state.actors.get(id)?.label || id;

function say(text, error = false) {
  const s = $("#review-status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

// ------------------------------------------------------------------------ quotes and offsets
const normalise = (s) => s.replace(/[\u2018\u2019\u201c\u201d\u00a0]/g, (c) => EQUIVALENT[c]);

/** Where ``quote`` occurs in the text, as the server counts (non-overlapping, quotes and
 * no-break spaces normalised): UTF-16 offsets of each occurrence. */
function occurrences(quote) {
  const needle = normalise(quote.trim());
  const hay = normalise(state.text);
  const found = [];
  if (!needle) return found;
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) found.push(at);
  return found;
}

/** The UTF-16 offset of each code point offset of the text (the server counts code points). */
function codePointIndex(text) {
  const index = [0];
  let at = 0;
  for (const ch of text) {
    at += ch.length;
    index.push(at);
  }
  return index;
}

/** Where an item's words are: the candidate's evidence, else its quote and occurrence. */
function place(it, index) {
  if (it.candidate && it.quote === it.record.quote) {
    it.start = index[it.candidate.evidence.start];
    it.end = index[it.candidate.evidence.end];
    return;
  }
  const found = occurrences(it.quote);
  const at = found[(it.occurrence || 1) - 1];
  it.start = at ?? null;
  it.end = at === undefined ? null : at + it.quote.trim().length;
}

// ------------------------------------------------------------------------------- propose
async function propose(event) {
  event.preventDefault();
  const form = $("#review-source");
  if (!form.reportValidity()) return;
  const params = new URLSearchParams({ url: $("#review-url").value.trim(), file: state.file || "pasted.txt" });
  const published = $("#review-published").value;
  if (published) params.set("published", published);
  const button = $("#review-propose");
  button.disabled = true;
  say("Reading the article…");
  let answer;
  try {
    ({ data: answer } = await call(`extract?${params}`, {
      method: "POST",
      type: "text/plain; charset=utf-8",
      body: $("#review-paste").value,
    }));
  } catch (e) {
    say(e.message, true);
    return;
  } finally {
    button.disabled = false;
  }
  load(answer);
}

/** Upload: the file's text into the text area (UTF-8 only, as /extract reads it). */
async function upload() {
  const file = $("#review-file").files[0];
  if (!file) return;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    $("#review-paste").value = text.replace(/^\uFEFF/, "");
    state.file = file.name.slice(0, 200);
    say(`${file.name}: ${plural(text.length, "character")} read. Give its URL and propose events.`);
  } catch {
    say(`${file.name} is not UTF-8 text: save it as UTF-8 and upload it again.`, true);
  }
}

function load(answer) {
  state.answer = answer;
  state.review = answer.review;
  state.text = answer.review.text;
  state.actors = new Map(answer.actors.map((a) => [a.id, { id: a.id, label: a.label, kind: a.kind, status: a.status }]));
  const candidates = new Map(answer.events.map((e) => [e.id, e]));
  state.items = answer.review.events.map((record, i) => item(record, candidates.get(record.id) || null, i + 1));
  state.selected = null;
  state.added = 0;
  state.committed = null;
  state.attempt = null;
  const index = codePointIndex(state.text);
  for (const it of state.items) place(it, index);

  const x = answer.extractor;
  $("#review-meta").textContent =
    `Proposed by ${x.name} ${x.version} with ${x.pipeline || "no trained pipeline"} · ` +
    `article ${answer.article.id}${answer.article.published ? ` · published ${answer.article.published}` : ""}`;
  $("#review-warnings").replaceChildren(...answer.warnings.map((w) => el("li", {}, w)));
  $("#review-warnings").hidden = !answer.warnings.length;
  $("#review-headline").value = answer.review.article.title || "";
  $("#review-work").hidden = false;
  $("#review-intro").hidden = true;
  $("#review-source-box").open = false; // room for the review; the summary opens it again
  $(".review-cards").hidden = false;
  $("#review-steward").hidden = false;
  $("#review-report").replaceChildren();
  renderText();
  renderCards();
  const n = state.items.length;
  say(
    n
      ? `${plural(n, "candidate")} proposed${answer.warnings.length ? `, ${plural(answer.warnings.length, "warning")}` : ""}: accept, reject or edit each one.`
      : "No candidate proposed: add the events from the text.",
  );
  document.body.dataset.review = answer.article.id; // for tests and scripts: the article under review
}

// --------------------------------------------------------------------------- the text
/** The article with each event's words in a <mark>: focusable, and linked to its card. Where
 * events share words (one sentence, two events) the mark stands for all of them. */
function renderText() {
  const pre = $("#review-text");
  const placed = state.items.filter((i) => i.start !== null && i.end > i.start);
  const cuts = [...new Set([0, state.text.length, ...placed.flatMap((i) => [i.start, i.end])])].sort((a, b) => a - b);
  const parts = [];
  for (let k = 0; k < cuts.length - 1; k++) {
    const [a, b] = [cuts[k], cuts[k + 1]];
    const words = state.text.slice(a, b);
    const over = placed.filter((i) => i.start <= a && i.end >= b);
    if (!over.length) {
      parts.push(words);
      continue;
    }
    const mark = el("mark", {
      class: "hl",
      tabindex: "0",
      role: "button",
      "data-ids": over.map((i) => i.id).join(" "),
      "aria-describedby": over.map((i) => `card-${i.id}-title`).join(" "),
      onclick: () => {
        if (!window.getSelection().isCollapsed) return; // selecting words, not choosing a card
        fromMark(mark, false);
      },
      onkeydown: (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          fromMark(mark, true);
        }
      },
    }, words);
    parts.push(mark);
  }
  pre.replaceChildren(...parts);
  paintMarks();
}

/** The marks' look follows the decisions and the selection. */
function paintMarks() {
  for (const mark of document.querySelectorAll("#review-text mark")) {
    const its = mark.dataset.ids.split(" ").map(byId).filter(Boolean);
    const rank = (i) => ({ accepted: 2, undecided: 1, rejected: 0 })[i.status];
    const best = its.reduce((a, b) => (rank(b) > rank(a) ? b : a));
    mark.className = `hl ${best.status}${its.some((i) => i.id === state.selected) ? " current" : ""}`;
    mark.title = `${its.map((i) => `${i.n}. ${i.type || "new event"} (${DECISIONS[i.status].toLowerCase()})`).join("; ")}: choose to select its card`;
  }
}

/** A mark chosen: select its event's card (the next one, if the mark stands for several). */
function fromMark(mark, keyboard) {
  const ids = mark.dataset.ids.split(" ");
  const at = ids.indexOf(state.selected);
  select(ids[(at + 1) % ids.length], { focusCard: keyboard, scrollCard: true });
}

function select(id, { focusCard = false, scrollCard = false, scrollText = false } = {}) {
  state.selected = id;
  for (const card of document.querySelectorAll("#review-cards .card")) {
    const on = card.dataset.id === id;
    card.classList.toggle("selected", on);
    card.setAttribute("aria-current", on ? "true" : "false");
  }
  paintMarks();
  const card = document.getElementById(`card-${id}`);
  if (card && scrollCard) card.scrollIntoView({ block: "nearest" });
  if (card && focusCard) card.focus({ preventScroll: scrollCard });
  if (scrollText) markOf(id)?.scrollIntoView({ block: "center" });
}
const markOf = (id) => [...document.querySelectorAll("#review-text mark")].find((m) => m.dataset.ids.split(" ").includes(id));

// --------------------------------------------------------------------------- the cards
function renderCards() {
  $("#review-cards").replaceChildren(...state.items.map(card));
  summary();
}

/** Redraw one card (keeping the focus on the same control) and what depends on it. */
function refresh(it, focus = null) {
  const old = document.getElementById(`card-${it.id}`);
  const fresh = card(it);
  const editing = old?.querySelector("form.card-editor"); // an open form stays open, as it was
  if (editing) {
    fresh.querySelector(".actions").after(editing);
    fresh.querySelector("[data-action=edit]").setAttribute("aria-expanded", "true");
  }
  if (old) old.replaceWith(fresh);
  else $("#review-cards").append(fresh);
  if (focus) fresh.querySelector(focus)?.focus();
  paintMarks();
  summary();
}

function card(it) {
  const meeting = MEETINGS.has(it.type);
  const c = it.candidate;
  const roles = [
    ["Agent", label(it.agent)],
    meeting
      ? ["Participants", [it.agent, ...it.others].map(label).join(", ")]
      : ["Targets", it.others.length ? it.others.map(label).join(", ") : it.unnamed ? "none named in the text" : "none"],
  ];
  const r = it.record;
  if (r.on_behalf_of) roles.push(["On behalf of", label(r.on_behalf_of)]);
  if (r.addressee?.length) roles.push(["Addressee", r.addressee.map(label).join(", ")]);
  if (r.host) roles.push(["Host", label(r.host)]);
  roles.push(["Modality", it.modality]);
  roles.push(["Confidence", c ? String(c.confidence) : r.confidence !== undefined ? String(r.confidence) : "—"]);
  roles.push(["Rule", c ? `${c.rule}${c.trigger?.text ? ` (trigger “${c.trigger.text}”)` : ""}` : "added by the steward"]);
  const title = `card-${it.id}-title`;
  const node = el(
    "li",
    {
      class: `card ${it.status}${state.selected === it.id ? " selected" : ""}`,
      id: `card-${it.id}`,
      "data-id": it.id,
      "data-status": it.status,
      tabindex: "-1",
      "aria-labelledby": title,
      "aria-current": state.selected === it.id ? "true" : "false",
      onclick: (e) => {
        if (e.target.closest("button, input, select, textarea, label, a")) return;
        select(it.id, { scrollText: true });
      },
    },
    el(
      "div",
      { class: "card-head" },
      el("h3", { id: title }, el("span", { class: "num" }, `${it.n}.`), ` ${it.type || "New event"}`, it.edits.length ? el("span", { class: "tag" }, "edited") : null, !c ? el("span", { class: "tag" }, "added") : null),
      el("span", { class: `decision ${it.status}` }, DECISIONS[it.status]),
    ),
    el("dl", { class: "roles" }, roles.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    el("blockquote", { class: "quote" }, it.quote),
    it.start === null ? el("p", { class: "status error" }, "These words are not in the article.") : null,
    el(
      "div",
      { class: "actions", role: "group", "aria-label": `Candidate ${it.n}` },
      el("button", { type: "button", "data-action": "accept", "aria-pressed": String(it.status === "accepted"), onclick: () => decide(it, "accepted", "[data-action=accept]") }, "Accept"),
      el("button", { type: "button", "data-action": "reject", "aria-pressed": String(it.status === "rejected"), onclick: () => decide(it, "rejected", "[data-action=reject]") }, "Reject"),
      el("button", { type: "button", "data-action": "edit", "aria-expanded": "false", onclick: () => edit(it) }, "Edit"),
      it.start !== null ? el("button", { type: "button", "data-action": "show", onclick: () => showInText(it) }, "Show in the text") : null,
    ),
    it.problems.length
      ? el("ul", { class: "problems", "aria-label": `What the validation said about candidate ${it.n}` }, it.problems.map((p) => el("li", {}, p)))
      : null,
  );
  return node;
}

function decide(it, status, focus) {
  if (status === "accepted" && (!it.type || !it.agent)) {
    say(`Give event ${it.n} its type and agent first.`, true);
    return edit(it, { isNew: it.draft });
  }
  it.status = it.status === status ? "undecided" : status; // a pressed button again: undecided
  changed();
  refresh(it, focus);
}

function showInText(it) {
  select(it.id, { scrollText: true });
  markOf(it.id)?.focus({ preventScroll: true });
}

/** The document changed: an earlier validation or commit no longer speaks for it. */
function changed() {
  state.committed = null;
  $("#review-commit").disabled = false;
  for (const it of state.items) it.problems = [];
  for (const card of document.querySelectorAll("#review-cards .problems")) card.remove();
  $("#review-report").replaceChildren();
}

function summary() {
  const count = (s) => state.items.filter((i) => i.status === s).length;
  const [accepted, rejected, undecided] = [count("accepted"), count("rejected"), count("undecided")];
  $("#review-summary").replaceChildren(
    "Validate and Commit send the accepted events only: ",
    el("strong", {}, `${accepted} accepted`),
    ` · ${rejected} rejected · ${undecided} undecided.`,
  );
  $("#review-accept-rest").disabled = !undecided;
  $("#review-commit").disabled = Boolean(state.committed);
}

// ----------------------------------------------------------------------------- the editor
/** The edit form of a card (or of a new event): type, quote (new events), agent, targets or
 * participants, modality; a search adds actors of the graph to the choices. */
function edit(it, { isNew = false } = {}) {
  const node = document.getElementById(`card-${it.id}`);
  const open = node.querySelector("form.card-editor");
  if (open) return open.querySelector("select")?.focus();
  node.querySelector("[data-action=edit]")?.setAttribute("aria-expanded", "true");
  const f = `ed-${it.id}`;
  const draft = { type: it.type, agent: it.agent, others: new Set(it.others), unnamed: it.unnamed, modality: it.modality, quote: it.quote, occurrence: it.occurrence };
  const typeSelect = el("select", { id: `${f}-type`, required: true }, !it.type ? el("option", { value: "" }, "Choose a type") : null, TYPES.map((t) => el("option", { value: t, selected: t === draft.type }, t)));
  const agentSelect = el("select", { id: `${f}-agent`, required: true });
  const roleBox = el("fieldset", { class: "choices" });
  const unnamedBox = el("input", { type: "checkbox", id: `${f}-unnamed`, checked: draft.unnamed });
  const unnamedRow = el("div", { class: "check" }, unnamedBox, el("label", { for: `${f}-unnamed` }, "The text names no target"));
  const modalitySelect = el("select", { id: `${f}-modality` }, MODALITIES.map((m) => el("option", { value: m, selected: m === draft.modality }, m)));
  const error = el("p", { class: "form-error", role: "alert" });
  const quoteArea = !it.candidate ? el("textarea", { id: `${f}-quote`, rows: "3", required: true, spellcheck: "false" }) : null;
  if (quoteArea) quoteArea.value = draft.quote || "";
  const occurrenceSelect = el("select", { id: `${f}-occurrence` });
  const occurrenceRow = el("div", { class: "row" }, el("label", { for: `${f}-occurrence` }, "Which occurrence"), occurrenceSelect);
  const found = el("ul", { class: "found", "aria-label": "Actors found" });
  const query = el("input", { type: "search", id: `${f}-find`, autocomplete: "off", spellcheck: "false" });

  const choices = () => {
    draft.type = typeSelect.value;
    draft.agent = agentSelect.value || draft.agent;
    const meeting = MEETINGS.has(draft.type);
    const pool = [...state.actors.values()].sort((a, b) => a.label.localeCompare(b.label));
    agentSelect.replaceChildren(
      ...(draft.agent ? [] : [el("option", { value: "" }, "Choose the agent")]),
      ...pool.map((a) => el("option", { value: a.id, selected: a.id === draft.agent }, `${a.label} (${a.kind})`)),
    );
    roleBox.replaceChildren(
      el("legend", {}, meeting ? "Participants besides the agent" : "Targets"),
      ...pool
        .filter((a) => a.id !== draft.agent)
        .map((a) =>
          el(
            "label",
            {},
            el("input", { type: "checkbox", value: a.id, checked: draft.others.has(a.id), onchange: (e) => (e.target.checked ? draft.others.add(a.id) : draft.others.delete(a.id)) }),
            ` ${a.label}`,
          ),
        ),
    );
    unnamedRow.hidden = meeting;
  };
  const occurrenceChoices = () => {
    if (!quoteArea) return (occurrenceRow.hidden = true);
    const n = occurrences(quoteArea.value).length;
    occurrenceRow.hidden = n < 2;
    occurrenceSelect.replaceChildren(...Array.from({ length: n }, (_, k) => el("option", { value: String(k + 1), selected: k + 1 === draft.occurrence }, `${k + 1} of ${n}`)));
  };
  typeSelect.addEventListener("change", choices);
  agentSelect.addEventListener("change", () => {
    draft.agent = agentSelect.value;
    draft.others.delete(draft.agent);
    choices();
  });
  quoteArea?.addEventListener("input", () => {
    draft.occurrence = null;
    occurrenceChoices();
  });
  const find = async () => {
    const q = query.value.trim();
    if (!q) return;
    found.replaceChildren(el("li", { class: "hint" }, "Searching…"));
    let hits;
    try {
      ({ data: hits } = await call(`actors?q=${encodeURIComponent(q)}&limit=6`, { token: false }));
    } catch (e) {
      found.replaceChildren(el("li", { class: "status error" }, e.message));
      return;
    }
    found.replaceChildren(
      ...hits.results.map((h) =>
        el("li", {}, el("button", {
          type: "button",
          onclick: (e) => {
            state.actors.set(h.id, { id: h.id, label: h.label, kind: h.kind, status: "known" });
            choices();
            e.target.closest("li").replaceChildren(el("span", { class: "hint" }, `${h.label}: now among the choices.`));
            roleBox.querySelector(`input[value="${CSS.escape(h.id)}"]`)?.focus();
          },
        }, `Add ${h.label} (${h.kind})`)),
      ),
    );
    if (!hits.results.length) found.append(el("li", { class: "hint" }, "No actor of the graph has this name."));
  };
  query.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      find();
    }
  });

  const close = () => {
    const node = document.getElementById(`card-${it.id}`); // redrawn since, perhaps
    if (it.draft) {
      state.items = state.items.filter((i) => i !== it);
      node.remove();
      renderText();
      summary();
      $("#review-add").focus();
      return;
    }
    form.remove();
    node.querySelector("[data-action=edit]")?.setAttribute("aria-expanded", "false");
    node.querySelector("[data-action=edit]")?.focus();
  };
  const save = (e) => {
    e.preventDefault();
    const meeting = MEETINGS.has(typeSelect.value);
    const others = [...draft.others].filter((a) => a !== agentSelect.value);
    const problem =
      (!typeSelect.value && "Choose the event's type.") ||
      (!agentSelect.value && "Choose the agent: who acts, or who speaks.") ||
      (meeting && !others.length && "A meeting needs another participant besides the agent.") ||
      (!meeting && !others.length && !unnamedBox.checked && "Choose a target, or tick “The text names no target”.") ||
      (quoteArea && !quoteArea.value.trim() && "Give the event's words, as the article has them.") ||
      (quoteArea && !occurrences(quoteArea.value).length && "These words are not in the article: copy them from it exactly.");
    if (problem) {
      error.textContent = problem;
      return;
    }
    const before = { type: it.type, agent: it.agent, others: it.others.join(","), modality: it.modality, quote: it.quote };
    it.type = typeSelect.value;
    it.agent = agentSelect.value;
    it.others = others;
    it.unnamed = !meeting && !others.length && unnamedBox.checked;
    it.modality = modalitySelect.value;
    if (quoteArea) {
      it.quote = quoteArea.value.trim();
      it.occurrence = occurrences(it.quote).length > 1 ? Number(occurrenceSelect.value || 1) : null;
      place(it, codePointIndex(state.text));
    }
    if (!isNew) {
      const what = [];
      if (before.type !== it.type) what.push(`type ${before.type} → ${it.type}`);
      if (before.agent !== it.agent) what.push(`agent ${before.agent} → ${it.agent}`);
      if (before.others !== it.others.join(",")) what.push(`${MEETINGS.has(it.type) ? "participants" : "targets"} → ${it.others.join(", ") || "none"}`);
      if (before.modality !== it.modality) what.push(`modality ${before.modality} → ${it.modality}`);
      it.edits.push(...what);
    }
    it.status = "accepted";
    it.draft = false;
    changed();
    if (quoteArea) renderText();
    form.remove();
    refresh(it, "[data-action=edit]");
    say(isNew ? `Event ${it.n} added and accepted.` : `Candidate ${it.n} ${it.edits.length ? "edited and " : ""}accepted.`);
  };

  const form = el(
    "form",
    { class: "card-editor", "aria-label": isNew ? `New event ${it.n}` : `Edit candidate ${it.n}`, onsubmit: save },
    quoteArea ? el("div", { class: "row" }, el("label", { for: `${f}-quote` }, "Words of the event (verbatim)"), quoteArea) : null,
    quoteArea ? occurrenceRow : null,
    el("div", { class: "row" }, el("label", { for: `${f}-type` }, "Type"), typeSelect),
    el("div", { class: "row" }, el("label", { for: `${f}-agent` }, "Agent"), agentSelect),
    roleBox,
    unnamedRow,
    el("div", { class: "row" }, el("label", { for: `${f}-modality` }, "Modality"), modalitySelect),
    el(
      "div",
      { class: "find" },
      el("label", { for: `${f}-find` }, "Another actor of the graph"),
      el("div", { class: "inline" }, query, el("button", { type: "button", onclick: find }, "Find")),
      found,
    ),
    error,
    el("div", { class: "inline" }, el("button", { type: "submit", class: "primary" }, isNew ? "Add the event" : "Save and accept"), el("button", { type: "button", onclick: close }, "Cancel")),
  );
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !(e.target === query && query.value)) {
      e.preventDefault();
      close();
    }
  });
  choices();
  occurrenceChoices();
  node.querySelector(".actions").after(form);
  select(it.id, { scrollCard: true });
  (quoteArea && !quoteArea.value ? quoteArea : typeSelect).focus();
}

// ----------------------------------------------------------------------- add from selection
/** The words selected in the article: UTF-16 offsets in the text, trimmed; null if none. */
function selection() {
  const pre = $("#review-text");
  const sel = window.getSelection();
  if (!sel.rangeCount || sel.isCollapsed) return null;
  // only what lies in the article (a triple click may reach past it)
  const range = sel.getRangeAt(0).cloneRange();
  const whole = document.createRange();
  whole.selectNodeContents(pre);
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) range.setStart(whole.startContainer, whole.startOffset);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) range.setEnd(whole.endContainer, whole.endOffset);
  if (range.collapsed) return null;
  const before = whole.cloneRange();
  before.setEnd(range.startContainer, range.startOffset);
  let start = before.toString().length;
  let end = start + range.toString().length;
  while (start < end && /\s/.test(state.text[start])) start++;
  while (end > start && /\s/.test(state.text[end - 1])) end--;
  return start < end ? { start, end } : null;
}

function addFromSelection() {
  if (!state.review) return;
  const picked = selection();
  const quote = picked ? state.text.slice(picked.start, picked.end) : "";
  const found = picked ? occurrences(quote) : [];
  // which occurrence the selection is (1-based), when the same words occur more than once
  const occurrence = found.length > 1 ? Math.max(1, found.findIndex((at) => at >= picked.start) + 1 || found.length) : null;
  // the actors the words mention: the first as agent, the others as targets
  const index = codePointIndex(state.text);
  const mentioned = [];
  if (picked) {
    for (const a of state.answer.actors) {
      for (const m of a.mentions) {
        const at = index[m.start];
        if (at >= picked.start && index[m.end] <= picked.end && !m.place) mentioned.push({ id: a.id, at });
      }
    }
  }
  mentioned.sort((a, b) => a.at - b.at);
  const ids = [...new Set(mentioned.map((m) => m.id))];
  do state.added += 1;
  while (byId(`${state.review.article.id}-s${state.added}`));
  const record = { id: `${state.review.article.id}-s${state.added}`, type: "", agent: ids[0] || "", targets: ids.slice(1), quote };
  const it = item(record, null, state.items.length + 1);
  it.occurrence = occurrence;
  it.draft = true;
  state.items.push(it);
  place(it, index);
  if (!quote) it.start = it.end = null;
  window.getSelection().removeAllRanges();
  renderText();
  refresh(it);
  edit(it, { isNew: true });
  say(picked ? `New event from “${quote.length > 60 ? `${quote.slice(0, 59)}…` : quote}”: give its type and roles.` : "No words selected in the article: type the event's words in the form, or select them first.");
}

// ------------------------------------------------------------------------ the document
/** The dates of an event the steward adds, as the extractor dates its candidates
 * (graph/extract/output.py): bounded by the article's publication date, else by today. */
function dates() {
  const a = state.review.article;
  if (a.published) {
    return { date_latest: a.published, date_basis: "publication", date_note: "Not printed next to the event: bounded by the article's publication date." };
  }
  return {
    date_latest: a.published_latest || new Date().toISOString().slice(0, 10),
    date_basis: "external",
    date_note: "The article's date is unknown: bounded by the day of extraction.",
  };
}

/** The review document of the accepted events, with the steward's edits. */
function reviewDocument() {
  const chosen = state.items.filter((i) => i.status === "accepted");
  const ids = new Set(chosen.map((i) => i.id));
  const claims = new Map((state.review.claims || []).map((c) => [c.id, c]));
  const events = [];
  const keptClaims = [];
  for (const it of chosen) {
    const meeting = MEETINGS.has(it.type);
    const e = it.candidate || it.record.date_basis ? { ...it.record } : { ...it.record, ...dates() };
    e.type = it.type;
    e.agent = it.agent;
    delete e.targets;
    delete e.participants;
    delete e.target_unnamed;
    if (meeting) e.participants = [it.agent, ...it.others];
    else if (it.others.length) e.targets = [...it.others];
    else e.target_unnamed = true;
    if (it.modality === "none") delete e.modality;
    else e.modality = it.modality;
    if (it.type !== it.record.type) {
      delete e.cameo; // a code must stay in its type's quad class: the type's default then
      delete e.report_cameo;
    }
    e.quote = it.quote;
    if (it.occurrence) e.occurrence = it.occurrence;
    else delete e.occurrence;
    // the claims it makes or denies go with it (none for a meeting); `about` follows its targets
    const own = [...(it.record.claims || []), ...(it.record.denies_claim || [])].filter((c) => claims.has(c));
    delete e.claims;
    delete e.denies_claim;
    if (own.length && !meeting) {
      e[it.type === "Denial" ? "denies_claim" : "claims"] = own;
      const was = it.record.targets || [];
      for (const c of own) {
        const claim = { ...claims.get(c) };
        if (it.others.length && String(claim.about) === String(was)) claim.about = [...it.others];
        keptClaims.push(claim);
      }
    }
    const answered = (it.record.responds_to || []).filter((r) => ids.has(r));
    if (answered.length) e.responds_to = answered;
    else delete e.responds_to;
    if (!it.candidate) e.note = "Added by a steward on the review page.";
    else if (it.edits.length) e.note = `${it.record.note || ""} Edited by a steward on the review page: ${it.edits.join("; ")}.`.trim();
    events.push(e);
  }
  // the new actors (not yet in the graph) that the events and claims kept refer to
  const used = new Set();
  for (const e of events) for (const f of ROLE_FIELDS) [e[f]].flat().forEach((a) => a && used.add(a));
  for (const c of keptClaims) (c.about || []).forEach((a) => used.add(a));
  const doc = {
    ...state.review,
    article: { ...state.review.article, title: $("#review-headline").value.trim() || state.review.article.title },
    actors: (state.review.actors || []).filter((a) => used.has(a.id)),
    claims: keptClaims,
    events,
    text: state.text,
  };
  return doc;
}

// ---------------------------------------------------------------------- validate and commit
/** The cards a result or a problem concerns: the events whose ids it names (an event's own IRI,
 * its evidence's or its claims', or "events[3] (id)" in a problem's detail). */
function concerned(...texts) {
  // ids are kebab-case: a boundary is anything else ("/", " ", ")"), or a claim's "-claim"
  return state.items.filter((it) => {
    const pattern = new RegExp(`(^|[^a-z0-9-])${it.id}($|[^a-z0-9-]|-claim($|[^a-z0-9-]))`);
    return texts.some((t) => t && pattern.test(t));
  });
}

function showProblems(items, general, heading, error) {
  for (const it of state.items) it.problems = [];
  for (const { its, message } of items) for (const it of its) it.problems.push(message);
  for (const it of state.items) refresh(it);
  const report = $("#review-report");
  report.replaceChildren(el("p", { class: `status${error ? " error" : " ok"}` }, heading));
  if (general.length) report.append(el("ul", { class: "problems" }, general.map((g) => el("li", {}, g))));
  report.scrollIntoView({ block: "nearest" });
  const first = state.items.find((i) => i.problems.length);
  if (first) select(first.id, { scrollCard: true });
}

/** A SHACL report (POST /validate's answer, or a 422's `report`) beside the cards. */
function showReport(report, heading) {
  const results = report.results || [];
  const placed = results.map((r) => ({ its: concerned(r.focus_node, r.value), message: `${r.severity}: ${r.message}`, r }));
  const general = placed.filter((p) => !p.its.length).map((p) => `${p.r.focus_node}${p.r.result_path ? ` (${p.r.result_path})` : ""}: ${p.message}`);
  showProblems(placed.filter((p) => p.its.length), general, heading, true);
}

/** A problem+json answer beside the cards it names, and in full under the buttons. */
function showProblem(e, what) {
  const detail = e.message;
  const lines = detail.split("\n").map((l) => l.trim()).filter(Boolean);
  const placed = lines.map((l) => ({ its: concerned(l), message: l })).filter((p) => p.its.length);
  showProblems(placed, lines, `${what} (${e.status || "no answer"}):`, true);
}

function payload() {
  const doc = reviewDocument();
  if (!doc.events.length) {
    $("#review-report").replaceChildren(el("p", { class: "status error" }, "Accept at least one event first: only accepted events are validated and committed."));
    return null;
  }
  return JSON.stringify(doc);
}

async function validate() {
  const body = payload();
  if (body === null) return;
  const button = $("#review-validate");
  button.disabled = true;
  $("#review-report").replaceChildren(el("p", { class: "status" }, "Validating…"));
  try {
    const { data } = await call("validate", { method: "POST", type: REVIEW_TYPE, body });
    if (data.conforms) {
      showProblems([], [], `Conforms: ${plural(JSON.parse(body).events.length, "event")}, ${plural(data.new_triples, "new triple")}, ${plural(data.new_edges ?? data.derived_edges, "new edge")}. Ready to commit.`, false);
      $("#review-report").dataset.conforms = "true";
    } else {
      showReport(data, `Does not conform: ${plural(data.results.length, "problem")}.`);
      $("#review-report").dataset.conforms = "false";
    }
  } catch (e) {
    showProblem(e, "Not validated");
  } finally {
    button.disabled = false;
  }
}

/** A key for Idempotency-Key: a retry of the same payload (after a lost answer) gets the batch
 * committed then instead of a second one. */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function commit() {
  const body = payload();
  if (body === null) return;
  if (state.attempt?.payload !== body) state.attempt = { payload: body, key: randomKey() };
  const button = $("#review-commit");
  button.disabled = true;
  $("#review-report").replaceChildren(el("p", { class: "status" }, "Committing…"));
  let batch;
  try {
    const source = state.review.article.url;
    ({ data: batch } = await call(`batches?${new URLSearchParams({ source, comment: "Reviewed on the review page" })}`, {
      method: "POST",
      type: REVIEW_TYPE,
      body,
      headers: { "Idempotency-Key": state.attempt.key },
    }));
  } catch (e) {
    button.disabled = false;
    if (e.status === 422 && e.problem?.report) showReport(e.problem.report, `Not committed: the document does not conform (${e.message}).`);
    else showProblem(e, "Not committed");
    if (e.status === 401) {
      $("#review-report").append(el("p", { class: "hint" }, "A commit writes to the graph: give your steward token above, then commit again."));
      $("#review-token").focus();
    }
    return;
  }
  state.committed = batch;
  state.attempt = null;
  const doc = JSON.parse(body);
  const article = doc.article.id;
  const actors = [...new Set(doc.events.flatMap((e) => [e.agent, ...(e.targets || []), ...(e.participants || [])]))];
  for (const it of state.items) it.problems = [];
  for (const it of state.items) refresh(it);
  $("#review-report").replaceChildren(
    el("p", { class: "status ok", id: "review-committed" }, `Committed as batch ${batch.id}: ${plural(doc.events.length, "event")}, ${plural(batch.new_triples, "new triple")}, ${plural(batch.derived_edges, "edge")}.`),
    el(
      "ul",
      { class: "links" },
      el("li", {}, el("a", { href: `articles/${encodeURIComponent(article)}/text`, target: "_blank", rel: "noopener" }, "The stored article text")),
      el("li", {}, el("a", { href: `batches/${encodeURIComponent(batch.id)}`, target: "_blank", rel: "noopener" }, "The batch record")),
      actors.map((a) => el("li", {}, el("a", { href: `#actor=${encodeURIComponent(a)}` }, `The network of ${label(a)}`))),
    ),
  );
  $("#review-report").dataset.batch = batch.id;
  $("#review-report").scrollIntoView({ block: "nearest" });
  summary();
  say(`Committed: batch ${batch.id}.`);
}

// ------------------------------------------------------------------------------------- start
function setUp() {
  $("#review-source").addEventListener("submit", propose);
  $("#review-file").addEventListener("change", upload);
  $("#review-paste").addEventListener("input", () => (state.file = null));
  $("#review-add").addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
  $("#review-add").addEventListener("click", addFromSelection);
  $("#review-accept-rest").addEventListener("click", () => {
    for (const it of state.items) if (it.status === "undecided") it.status = "accepted";
    changed();
    renderCards();
    paintMarks();
  });
  $("#review-headline").addEventListener("input", changed);
  $("#review-validate").addEventListener("click", validate);
  $("#review-commit").addEventListener("click", commit);
  const fromHash = () => location.hash === "#review" && $("#tab-review").click(); // a link to the tab
  window.addEventListener("hashchange", fromHash);
  fromHash();
}

setUp();
