// The agent workspace, live. The server renders the first state; this module keeps it true:
// every action goes through the REST API, every change arrives as an event on /ws/workspace/.

import { requestPage, requestWith } from "./api.js";
import { attachFiles, uploadFile } from "./attachments.js";
import { choicesField } from "./choices.js";
import { createComposer, typingLine } from "./composer.js";
import { clock, number, userName } from "./format.js";
import { gettext, interpolate, pgettext } from "./i18n.js";
import { attachMentions } from "./mentions.js";
import { fromTemplate, itemList, renderRow, slot } from "./list.js";
import { connectLive, showLiveStatus } from "./live.js";
import { summary } from "./messages.js";
import { act as runAction, createSelection, offerActions, showNotice, showPane } from "./pane.js";
import { installWorkspaceShortcuts } from "./shortcuts.js";
import { createTranscript } from "./transcript.js";
import { createTranscriptExport } from "./transcript_export.js";
import { whatsappTemplatePicker } from "./whatsapp_templates.js";

const state = JSON.parse(document.getElementById("workspace-state").textContent);
const { me, bot } = state;
const byId = (id) => document.getElementById(id);

const OPEN = new Set(["pending", "assigned"]);
// The list's order, as the server's (queue_rank): waiting handoffs by priority, most pressing
// first, then assigned ones, then closed ones.
const PRIORITIES = state.priorities;
const rankOf = (h) => {
  if (h.status === "pending") return Math.max(PRIORITIES.indexOf(h.priority), 0);
  return h.status === "assigned" ? PRIORITIES.length : PRIORITIES.length + 1;
};
// The handoffs loaded: the pages of the list shown so far, the selected one, and those that
// events brought into the shown range. The server pages and counts the rest.
const handoffs = new Map(state.handoffs.map((h) => [h.id, h]));
let counts = state.counts;
const agents = new Map(state.agents.map((a) => [a.agentId, a]));
// Per handoff, the id of the last event applied: a late, older event must not win.
const handoffVersion = new Map();
const labels = [...state.labels];
const selection = createSelection("handoff", state.selectedId);
const baseTitle = document.title;
let live = null;

const ui = {
  list: byId("handoff-list"),
  empty: byId("handoff-empty"),
  pendingCount: byId("pending-count"),
  sort: byId("sort"),
  search: byId("handoff-search"),
  statusFilters: byId("status-filters"),
  labelFilters: byId("label-filters"),
  teamFilter: byId("team-filter"),
  priorityFilter: byId("priority-filter"),
  prioritySelect: byId("priority-select"),
  teamCurrent: byId("team-current"),
  teamForm: byId("team-form"),
  teamSelect: byId("team-select"),
  assign: byId("assign-button"),
  resolve: byId("resolve-button"),
  requeue: byId("requeue-button"),
  transferForm: byId("transfer-form"),
  transferAgent: byId("transfer-agent"),
  remove: byId("delete-button"),
  transcript: byId("transcript"),
  typing: byId("typing"),
  details: byId("details"),
  profile: byId("profile"),
  labels: byId("labels"),
  notes: byId("notes"),
  noteForm: byId("note-form"),
  noteText: byId("note-text"),
  online: byId("online-toggle"),
  onlineLabel: byId("online-label"),
  busy: byId("busy-toggle"),
  busyControl: byId("busy-control"),
  meName: byId("me-name"),
  meAvatar: byId("me-avatar"),
  notify: byId("notify-button"),
};

// ---- REST -------------------------------------------------------------------------

const request = requestWith(state.csrfToken);

const api = (path, options) => request(state.apiBase + path, options);
const transcriptExport = createTranscriptExport(request);

// The server sends when a handoff's SLA target turns near and breached (h.sla, only for a bot
// with targets); the list shows which of those moments has passed, as it does for "urgent".
function slaState(h) {
  if (!h.sla) return null;
  const now = Date.now();
  if (now >= Date.parse(h.sla.dueAt)) return "breached";
  return now >= Date.parse(h.sla.nearAt) ? "near" : null;
}

function isUrgent(h) {
  return h.status === "pending" && Date.now() - Date.parse(h.createdAt) > bot.handoffAlert * 60000;
}

// ---- unread: what this agent has seen, per handoff, in this browser --------------------

const seenKey = `hitl.seen.${bot.botId}.${me.agentId}`;
const seen = JSON.parse(localStorage.getItem(seenKey) || "{}");
const lastUserMessageId = (h) => h.userConversation?.id ?? 0;

function isUnread(h) {
  if (!OPEN.has(h.status)) return false;
  if (h.id === selection.id && document.visibilityState === "visible") return false;
  return (seen[h.id] ?? -1) < lastUserMessageId(h);
}

const SEEN_KEPT = 1000;

function markSeen(h) {
  seen[h.id] = lastUserMessageId(h);
  // The newest handoffs' marks only, so the record cannot grow forever.
  const ids = Object.keys(seen).map(Number).sort((a, b) => b - a);
  for (const id of ids.slice(SEEN_KEPT)) delete seen[id];
  localStorage.setItem(seenKey, JSON.stringify(seen));
}

// ---- filters and the handoffs list ------------------------------------------------------

const filtersKey = `hitl.filters.${bot.botId}`;

function checkedValues(container) {
  return [...container.querySelectorAll("input:checked")].map((input) => input.value);
}

function saveFilters() {
  const filters = {
    statuses: checkedValues(ui.statusFilters),
    labels: checkedValues(ui.labelFilters),
    sort: ui.sort.value,
    team: ui.teamFilter.value,
    priority: ui.priorityFilter.value,
  };
  localStorage.setItem(filtersKey, JSON.stringify(filters));
}

function restoreFilters() {
  const saved = JSON.parse(localStorage.getItem(filtersKey) || "null");
  if (!saved) return;
  for (const input of ui.statusFilters.querySelectorAll("input")) {
    input.checked = saved.statuses.includes(input.value);
  }
  for (const input of ui.labelFilters.querySelectorAll("input")) {
    input.checked = saved.labels.includes(input.value);
  }
  ui.sort.value = saved.sort === "newest" ? "newest" : "oldest";
  // A team or priority no longer offered leaves the default.
  for (const [select, value] of [
    [ui.teamFilter, saved.team],
    [ui.priorityFilter, saved.priority],
  ]) {
    if (value !== undefined && [...select.options].some((o) => o.value === value)) {
      select.value = value;
    }
  }
}

// The team filter, as the server reads it (selectors._team_filter): "mine" is my teams', no
// team's, and my own.
function inTeam(h, team) {
  if (!team) return true;
  if (team === "mine") {
    return !h.team || (me.teams || []).includes(h.team.slug) || h.agentId === me.agentId;
  }
  return h.team?.slug === team;
}

function matches(h, statuses, wantedLabels) {
  const mine = h.agentId === me.agentId;
  const shown =
    (h.status === "pending" && statuses.has("unassigned")) ||
    (h.status === "assigned" && statuses.has(mine ? "mine" : "others")) ||
    (!OPEN.has(h.status) && statuses.has(h.status));
  return (
    shown &&
    (!wantedLabels.length || h.tags.some((tag) => wantedLabels.includes(tag))) &&
    inTeam(h, ui.teamFilter.value) &&
    (!ui.priorityFilter.value || h.priority === ui.priorityFilter.value) &&
    // Only the server knows what a search matches (message text): while one is on, the list
    // holds what its pages returned; a handoff an event brings waits for the search to change.
    (!searchTerm() || searched.has(h.id))
  );
}

function compare(a, b) {
  const rank = rankOf(a) - rankOf(b);
  if (rank) return rank;
  const older = Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id;
  return ui.sort.value === "newest" ? -older : older;
}

// The words of a handoff's status and priority; the API's values stay the classes' names.
const STATUS_LABELS = {
  pending: pgettext("handoff status", "pending"),
  assigned: pgettext("handoff status", "assigned"),
  resolved: pgettext("handoff status", "resolved"),
  rejected: pgettext("handoff status", "rejected"),
  expired: pgettext("handoff status", "expired"),
};
const PRIORITY_LABELS = {
  urgent: pgettext("handoff priority", "urgent"),
  high: pgettext("handoff priority", "high"),
  normal: pgettext("handoff priority", "normal"),
  low: pgettext("handoff priority", "low"),
};

const handoffStatus = (h) => ({ kind: h.status, label: STATUS_LABELS[h.status] || h.status });

function renderItem(h) {
  const node = renderRow("tpl-handoff", {
    id: h.id,
    name: userName(h),
    status: handoffStatus(h),
    last: summary(h.userConversation),
    channel: h.userChannel,
    time: h.createdAt,
    current: h.id === selection.id,
  });
  slot(node, "agent").textContent = h.agent ? h.agent.name : "";
  slot(node, "tags").textContent = h.tags.join(", ");
  slot(node, "team").textContent = h.team ? h.team.name : "";
  const priority = slot(node, "priority");
  priority.textContent = PRIORITY_LABELS[h.priority] || h.priority || "";
  priority.className = `badge badge--priority badge--${h.priority}`;
  priority.hidden = !h.priority || h.priority === "normal";
  const urgent = isUrgent(h);
  slot(node, "urgent").hidden = !urgent;
  node.classList.toggle("handoff--urgent", urgent);
  const sla = slaState(h);
  const marker = slot(node, "sla");
  marker.hidden = !sla;
  if (sla) {
    marker.dataset.state = sla;
    marker.textContent = sla === "breached" ? gettext("SLA breached") : gettext("SLA near");
  }
  slot(node, "unread").hidden = !isUnread(h);
  return node;
}

const pendingCount = () => counts.unassigned;

const titleText = () => (pendingCount() ? `(${pendingCount()}) ${baseTitle}` : baseTitle);

const showItems = itemList({
  list: ui.list,
  empty: ui.empty,
  row: ".handoff",
  onSelect: select,
});

// ---- pages of the list: the first with the page, the next ones as the agent scrolls -----

const pager = {
  next: state.handoffsNext,
  // The last handoff of the pages loaded: past it, the server has more to page through, and
  // a handoff an event brings there waits for its page.
  boundary: snapshot(state.handoffs.slice(0, state.handoffsPage).at(-1)),
  generation: 0,
  loading: false,
};

function snapshot(h) {
  return h ? { id: h.id, status: h.status, priority: h.priority, createdAt: h.createdAt } : null;
}

const inRange = (h) => !pager.next || !pager.boundary || compare(h, pager.boundary) <= 0;

const searched = new Set();
const searchTerm = () => ui.search.value.trim();

function listQuery() {
  const query = new URLSearchParams({
    view: checkedValues(ui.statusFilters).join(","),
    limit: String(state.pageSize),
    order: ui.sort.value,
  });
  const wanted = checkedValues(ui.labelFilters);
  if (wanted.length) query.set("tags", wanted.join(","));
  for (const [name, value] of routingFilters()) query.set(name, value);
  if (searchTerm()) query.set("q", searchTerm());
  return query;
}

function routingFilters() {
  const filters = [];
  if (ui.teamFilter.value) filters.push(["team", ui.teamFilter.value]);
  if (ui.priorityFilter.value) filters.push(["priority", ui.priorityFilter.value]);
  return filters;
}

function addPage(items, next) {
  for (const h of items) {
    handoffs.set(h.id, h);
    if (searchTerm()) searched.add(h.id);
    learnLabels(h.tags);
  }
  pager.next = next;
  if (items.length) pager.boundary = snapshot(items.at(-1));
}

// Another filter or order: the list starts again from its first page.
async function reloadList() {
  const generation = ++pager.generation;
  const query = listQuery();
  let page = { items: [], next: null };
  if (query.get("view")) {
    try {
      page = await requestPage(`${state.apiBase}handoffs?${query}`);
    } catch (error) {
      showNotice(error.message);
      return;
    }
  }
  if (generation !== pager.generation) return;
  for (const id of [...handoffs.keys()]) if (id !== selection.id) handoffs.delete(id);
  pager.boundary = null;
  searched.clear();
  addPage(page.items, page.next);
  renderList();
  refreshCounts();
}

async function loadMore() {
  if (!pager.next || pager.loading) return;
  pager.loading = true;
  const generation = pager.generation;
  try {
    const page = await requestPage(pager.next);
    if (generation !== pager.generation) return;
    addPage(page.items, page.next);
    renderList();
  } catch (error) {
    showNotice(error.message);
  } finally {
    pager.loading = false;
  }
}

const more = byId("handoff-more");
new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadMore();
}).observe(more);

let countsTimer = null;
// The filters' counts, from the server, after changes settle.
function refreshCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(async () => {
    const wanted = checkedValues(ui.labelFilters);
    const params = new URLSearchParams(routingFilters());
    if (wanted.length) params.set("tags", wanted.join(","));
    const query = params.size ? `?${params}` : "";
    try {
      counts = await api(`handoffs/counts${query}`);
    } catch {
      return;
    }
    renderCounts();
  }, 300);
}

function renderCounts() {
  const pending = pendingCount();
  ui.pendingCount.textContent = pending ? number(pending) : "";
  for (const input of ui.statusFilters.querySelectorAll("input")) {
    const count = counts[input.value];
    const shown = input.parentElement.querySelector("[data-slot=count]");
    if (shown) shown.textContent = count === undefined ? "" : ` (${number(count)})`;
  }
  if (!flashTimer) document.title = titleText();
}

function renderList() {
  const statuses = new Set(checkedValues(ui.statusFilters));
  const wanted = checkedValues(ui.labelFilters);
  const shown = [];
  for (const h of [...handoffs.values()]) {
    if (matches(h, statuses, wanted) && inRange(h)) shown.push(h);
    // Out of the list: forgotten, so a long shift keeps only what is on screen.
    else if (h.id !== selection.id) handoffs.delete(h.id);
  }
  shown.sort(compare);
  showItems(shown.map(renderItem));
  more.hidden = !pager.next;
  renderCounts();
}

function renderLabelFilters() {
  const checked = new Set(checkedValues(ui.labelFilters));
  const legend = ui.labelFilters.querySelector("legend");
  const inputs = labels.map((name) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = "label-filter";
    input.value = name;
    input.checked = checked.has(name);
    label.append(input, ` ${name}`);
    return label;
  });
  ui.labelFilters.replaceChildren(legend, ...inputs);
  ui.labelFilters.hidden = labels.length === 0;
}

function learnLabels(tags) {
  const fresh = tags.filter((tag) => !labels.includes(tag));
  if (!fresh.length) return;
  labels.push(...fresh);
  labels.sort();
  renderLabelFilters();
}

ui.statusFilters.addEventListener("change", () => (saveFilters(), reloadList()));
ui.labelFilters.addEventListener("change", () => (saveFilters(), reloadList()));
ui.sort.addEventListener("change", () => (saveFilters(), reloadList()));
ui.teamFilter.addEventListener("change", () => (saveFilters(), reloadList()));
ui.priorityFilter.addEventListener("change", () => (saveFilters(), reloadList()));

let searchTimer = null;
// Typing searches once the agent pauses, not at every key.
ui.search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(reloadList, 300);
});

// ---- the selected handoff: conversation and details ------------------------------------

// What I may do with a handoff is the server's to say (handoffs/permissions.py): it comes with
// the page and with every answer of the API as `allowedActions`, never with an event, whose
// payload is the same for every agent. After each change to the selected handoff, and to me,
// the page asks again; until the answer, no action is offered.
let actionsAsked = 0;
async function refreshSelected() {
  const id = selection.id;
  if (id === null) return;
  const asked = ++actionsAsked;
  let fresh;
  try {
    fresh = await api(`handoffs/${id}`);
  } catch {
    return; // gone: its event takes it off the list
  }
  const current = handoffs.get(id);
  if (asked !== actionsAsked || !current) return;
  const newer = Date.parse(fresh.updatedAt) > Date.parse(current.updatedAt);
  handoffs.set(id, newer ? fresh : { ...current, allowedActions: fresh.allowedActions });
  if (newer) renderList();
  if (id === selection.id) renderConversation();
}

function composerHint(h) {
  if (h.status === "pending") {
    return me.online
      ? gettext("Assign this handoff to yourself to write to the user.")
      : gettext("Go online to take this handoff.");
  }
  if (h.status === "assigned") {
    const agent = h.agent?.name;
    return agent
      ? interpolate(gettext("%s is handling this conversation."), [agent])
      : gettext("Another agent is handling this conversation.");
  }
  const status = STATUS_LABELS[h.status] || h.status;
  return interpolate(gettext("This handoff is %s: the bot is talking to the user again."), [
    status,
  ]);
}

const heading = (h) => ({
  title: userName(h),
  status: handoffStatus(h),
  meta: h.userChannel + (h.agent ? ` · ${h.agent.name}` : ""),
});

// The handoff the pane shows. A change to it arrives as an event, which cannot say what I may
// do now: the pane keeps showing it as it was until the server's answer (refreshSelected), so
// a status and the actions it allows always appear together.
let shownId = null;

function renderConversation() {
  const h = handoffs.get(selection.id);
  if (h && !h.allowedActions && h.id === shownId) return;
  shownId = h ? h.id : null;
  ui.details.hidden = !h;
  if (!showPane(h, heading)) return;
  const allowed = h.allowedActions ?? {};
  offerActions(allowed, {
    assign: ui.assign,
    resolve: ui.resolve,
    requeue: ui.requeue,
    transfer: ui.transferForm,
    delete: ui.remove,
  });
  composer.offer(Boolean(allowed.compose), composerHint(h));
  templatePicker.offer(h.userChannel, Boolean(allowed.compose));
  renderTransferOptions(h);
  renderRouting(h, allowed);
  renderDetails(h);
}

function renderRouting(h, allowed) {
  ui.prioritySelect.value = h.priority || "normal";
  ui.prioritySelect.disabled = !allowed.prioritize;
  ui.teamCurrent.textContent = h.team
    ? interpolate(gettext("Team: %s"), [h.team.name])
    : gettext("Team: none");
  ui.teamForm.hidden = !allowed.transferTeam || state.teams.length === 0;
}

function renderTransferOptions(h) {
  const current = ui.transferAgent.value;
  const pending = h.status === "pending";
  ui.transferForm.querySelector("button").textContent = pending
    ? gettext("Assign")
    : gettext("Transfer");
  ui.transferForm.querySelector("label").textContent = pending
    ? gettext("Assign to")
    : gettext("Transfer to");
  const options = [...agents.values()]
    .filter((a) => a.online && a.agentId !== h.agentId)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => new Option(a.name, a.agentId));
  const choose = pending ? gettext("Assign to…") : gettext("Transfer to…");
  ui.transferAgent.replaceChildren(new Option(choose, ""), ...options);
  ui.transferAgent.value = options.some((o) => o.value === current) ? current : "";
}

function renderDetails(h) {
  transcriptExport.show(state.apiBase, h.conversationId, h.user);
  const attributes = h.user?.attributes || {};
  const entries = Object.keys(attributes)
    .filter((key) => key !== "fullName")
    .sort()
    .map((key) => [key, attributes[key]]);
  if (attributes.fullName) entries.unshift([gettext("Name"), attributes.fullName]);
  entries.push([gettext("ID"), h.userId]);
  ui.profile.replaceChildren(
    ...entries.map(([key, value]) => {
      const row = document.createElement("div");
      const term = document.createElement("dt");
      const detail = document.createElement("dd");
      term.textContent = key;
      detail.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
      row.append(term, detail);
      return row;
    }),
  );
  renderCsat(h);
  renderLabelPicker(h);
  renderNotes(h);
}

// The user's satisfaction rating (issue 24), once given.
function renderCsat(h) {
  const line = byId("csat");
  line.hidden = !h.csat;
  if (!h.csat) {
    line.textContent = "";
    return;
  }
  const { score, comment } = h.csat;
  line.textContent = comment
    ? interpolate(gettext("Satisfaction: %(score)s/5 · “%(comment)s”"), { score, comment }, true)
    : interpolate(gettext("Satisfaction: %(score)s/5"), { score }, true);
}

function renderLabelPicker(h) {
  const existing = [...ui.labels.querySelectorAll("input")].map((input) => input.value);
  if (existing.join("\n") !== labels.join("\n")) {
    const legend = ui.labels.querySelector("legend");
    const chips = labels.map((name) => {
      const chip = document.createElement("label");
      chip.className = "chip";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.value = name;
      chip.append(input, ` ${name}`);
      return chip;
    });
    ui.labels.replaceChildren(legend, ...chips);
  }
  // Updated in place, so the checkbox in the agent's hand keeps its focus.
  for (const input of ui.labels.querySelectorAll("input")) {
    input.checked = h.tags.includes(input.value);
  }
}

function renderNote(note) {
  const node = fromTemplate("tpl-note");
  node.dataset.id = note.id;
  slot(node, "text").textContent = note.content;
  slot(node, "author").textContent = note.author?.name || gettext("Someone");
  const time = slot(node, "time");
  time.dateTime = note.createdAt;
  time.textContent = clock(note.createdAt);
  return node;
}

function renderNotes(h) {
  ui.notes.replaceChildren(...(h.comments || []).map(renderNote));
}

const transcript = createTranscript(ui.transcript, state.transcriptLimit);
const othersTyping = typingLine(ui.typing);

async function select(id) {
  const h = handoffs.get(id);
  if (!h) return;
  const changed = selection.take(id);
  markSeen(h);
  renderList();
  renderConversation();
  if (!h.allowedActions) refreshSelected();
  if (changed || transcript.isEmpty()) {
    othersTyping.clear();
    composer.closeMenu();
    await transcript.load(h.conversationId, h, api);
  }
}

function clearSelection() {
  selection.take(null);
  renderList();
  renderConversation();
}

// ---- actions (REST) -------------------------------------------------------------------

const act = (control, action) =>
  runAction(control, action, (error) => {
    // A lost race (someone acted first): show the handoff as the server has it now.
    if (error.status === 422 && error.body?.status) refreshSelected();
  });

const post = (path, body = {}) => api(path, { method: "POST", body });

ui.assign.addEventListener("click", () =>
  act(ui.assign, async () => upsertHandoff(await post(`handoffs/${selection.id}/assign`))),
);
ui.resolve.addEventListener("click", () =>
  act(ui.resolve, async () => upsertHandoff(await post(`handoffs/${selection.id}/resolve`))),
);
ui.requeue.addEventListener("click", () =>
  act(ui.requeue, async () => upsertHandoff(await post(`handoffs/${selection.id}/requeue`))),
);
ui.transferForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const agentId = Number(ui.transferAgent.value);
  if (!agentId) return;
  const button = ui.transferForm.querySelector("button");
  const action = handoffs.get(selection.id)?.status === "pending" ? "assign" : "transfer";
  act(button, async () => {
    upsertHandoff(await post(`handoffs/${selection.id}/${action}`, { agentId }));
  });
});
ui.prioritySelect.addEventListener("change", () => {
  const h = handoffs.get(selection.id);
  if (!h) return;
  const priority = ui.prioritySelect.value;
  act(ui.prioritySelect, async () => {
    try {
      upsertHandoff(await post(`handoffs/${h.id}/priority`, { priority }));
    } catch (error) {
      ui.prioritySelect.value = handoffs.get(h.id)?.priority || "normal";
      throw error;
    }
  });
});
ui.teamForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const team = ui.teamSelect.value;
  if (!team) return;
  act(ui.teamForm.querySelector("button"), async () => {
    upsertHandoff(await post(`handoffs/${selection.id}/transfer`, { team }));
    ui.teamSelect.value = "";
  });
});
ui.remove.addEventListener("click", () => {
  const h = handoffs.get(selection.id);
  if (!h) return;
  const question = gettext(
    "Delete the whole conversation with %s? Its messages, notes and handoffs are erased.",
  );
  if (!confirm(interpolate(question, [userName(h)]))) return;
  act(ui.remove, async () => {
    // The delete URL is rendered for conversation 0: put this conversation's id in its place.
    await api(`conversations/${h.conversationId}`, { method: "DELETE" });
    removeConversation(h.conversationId);
  });
});

ui.labels.addEventListener("change", () => {
  const h = handoffs.get(selection.id);
  if (!h) return;
  const tags = checkedValues(ui.labels);
  act(ui.labels, async () => {
    try {
      upsertHandoff(await post(`handoffs/${h.id}`, { tags }));
    } catch (error) {
      renderLabelPicker(handoffs.get(h.id));
      throw error;
    }
  });
});

// "@" in a note offers the workspace's colleagues (issue 24); the server notifies them.
attachMentions(ui.noteText, byId("note-mentions"), () => [...agents.values()]);

ui.noteForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const h = handoffs.get(selection.id);
  const content = ui.noteText.value.trim();
  if (!h || !content) return;
  act(ui.noteForm.querySelector("button"), async () => {
    addNote(await post(`conversations/${h.conversationId}/notes`, { content }));
    ui.noteText.value = "";
  });
});

ui.online.addEventListener("change", () => {
  const online = ui.online.checked;
  act(ui.online, async () => {
    try {
      updateAgent(await post("agents/me/online", { online }));
    } finally {
      renderMe();
      renderConversation();
    }
  });
});

ui.busy.addEventListener("change", () => {
  const status = ui.busy.checked ? "busy" : "online";
  act(ui.busy, async () => {
    try {
      updateAgent(await post("agents/me/status", { status }));
    } finally {
      renderMe();
    }
  });
});

// ---- composer: Enter sends; the trigger opens the templates ----------------------------

const composer = createComposer({
  act,
  selected: () => handoffs.get(selection.id),
  post: (h, text, payload) =>
    post(`conversations/${h.conversationId}/messages`, payload ? { text, payload } : { text }),
  transcript,
  templates: { trigger: bot.templateTrigger || ":", items: state.templates },
  choices: choicesField(),
  tellTyping: (h, typing) =>
    live?.send({ type: "typing", conversationId: h.conversationId, typing }),
});

attachFiles({
  act,
  selected: () => handoffs.get(selection.id),
  upload: (h, file) =>
    uploadFile(`${state.apiBase}conversations/${h.conversationId}/attachments`, state.csrfToken, file),
  transcript,
  types: state.uploadTypes,
});

const templatePicker = whatsappTemplatePicker({
  botId: bot.botId,
  act,
  selected: () => handoffs.get(selection.id),
  send: (h, name) =>
    post(`conversations/${h.conversationId}/messages`, {
      text: name,
      payload: { type: "template", template: name },
    }),
  transcript,
});

// ---- events from the socket -------------------------------------------------------------

function upsertHandoff(h, eventId) {
  if (eventId !== undefined) {
    if ((handoffVersion.get(h.id) ?? 0) > eventId) return;
    handoffVersion.set(h.id, eventId);
  }
  handoffs.set(h.id, h);
  learnLabels(h.tags);
  renderList();
  refreshCounts();
  if (h.id === selection.id) {
    if (!h.allowedActions) refreshSelected();
    renderConversation();
  }
}

function alertAgent(title, body, handoffId) {
  if (document.visibilityState === "visible") return;
  flashTitle(title);
  if ("Notification" in window && Notification.permission === "granted") {
    const tag = `handoff-${handoffId}`;
    const notification = new Notification(title, { body, tag, silent: true });
    notification.addEventListener("click", () => {
      window.focus();
      select(handoffId);
      notification.close();
    });
  }
}

function toTranscript(message, update) {
  const selected = handoffs.get(selection.id);
  if (!selected || selected.conversationId !== message.conversationId) return false;
  transcript.add(message, selected, update);
  return true;
}

function onMessageUpdated(message) {
  toTranscript(message, true);
}

function onHandoffCreated(h, eventId) {
  const known = handoffs.has(h.id);
  upsertHandoff(h, eventId);
  if (!known && h.status === "pending") {
    const title = interpolate(gettext("New handoff: %s"), [userName(h)]);
    alertAgent(title, summary(h.userConversation), h.id);
  }
}

function onMessage(message) {
  let touched = false;
  for (const h of handoffs.values()) {
    if (h.conversationId !== message.conversationId) continue;
    if (message.direction === "incoming") {
      h.userConversation = message;
      touched = true;
      if (h.status === "assigned" && h.agentId === me.agentId) {
        alertAgent(interpolate(gettext("%s wrote"), [userName(h)]), summary(message), h.id);
      }
    }
  }
  if (toTranscript(message, false) && document.visibilityState === "visible") {
    markSeen(handoffs.get(selection.id));
  }
  if (touched) renderList();
}

function addNote(note) {
  for (const h of handoffs.values()) {
    if (h.conversationId !== note.conversationId) continue;
    h.comments = h.comments || [];
    if (!h.comments.some((c) => c.id === note.id)) h.comments.push(note);
  }
  const selected = handoffs.get(selection.id);
  if (selected && selected.conversationId === note.conversationId) renderNotes(selected);
}

function updateAgent(agent) {
  agents.set(agent.agentId, { ...agents.get(agent.agentId), ...agent });
  if (agent.agentId === me.agentId) {
    const wasOnline = me.online;
    Object.assign(me, agent);
    if (me.online !== wasOnline) refreshSelected();
  }
}

function renderMe() {
  ui.online.checked = Boolean(me.online);
  ui.onlineLabel.textContent = me.online ? gettext("Online") : gettext("Offline");
  ui.busy.checked = me.status === "busy";
  ui.busyControl.hidden = !me.online;
  ui.meName.textContent = me.name;
  if (me.avatarUrl) {
    const image = document.createElement("img");
    image.className = "avatar";
    image.src = me.avatarUrl;
    image.alt = "";
    ui.meAvatar.replaceChildren(image);
  } else {
    const initials = document.createElement("span");
    initials.className = "avatar avatar--initials";
    initials.setAttribute("aria-hidden", "true");
    initials.textContent = (me.name || "?").charAt(0).toUpperCase();
    ui.meAvatar.replaceChildren(initials);
  }
}

// An agent.updated event does not say which workspace it is about; someone in several
// workspaces asks this bot's API for the truth instead of trusting the payload.
let agentsRefresh;
function onAgent(agent) {
  if (state.workspaceCount > 1) {
    clearTimeout(agentsRefresh);
    agentsRefresh = setTimeout(async () => {
      try {
        for (const fresh of await api("agents")) updateAgent(fresh);
      } catch (error) {
        showNotice(error.message);
      }
      renderMe();
      renderConversation();
    }, 200);
    return;
  }
  if (!agents.has(agent.agentId)) return;
  updateAgent(agent);
  renderMe();
  renderConversation();
}

function onUser(user) {
  let touched = false;
  for (const h of handoffs.values()) {
    if (h.userId === user.id && h.userChannel === user.channel) {
      h.user = user;
      touched = true;
    }
  }
  if (!touched) return;
  renderList();
  renderConversation();
}

function removeConversation(conversationId) {
  for (const h of [...handoffs.values()]) {
    if (h.conversationId === conversationId) handoffs.delete(h.id);
  }
  if (selection.id !== null && !handoffs.has(selection.id)) {
    clearSelection();
    showNotice(gettext("The conversation was deleted."));
  } else {
    renderList();
  }
}

function onTyping(data) {
  const selected = handoffs.get(selection.id);
  if (!selected || data.conversationId !== selected.conversationId) return;
  if (data.agent?.agentId === me.agentId) return;
  othersTyping.show(data.agent?.name || userName(selected), data.typing);
}

function applyEvent(event) {
  if (event.botId && event.botId !== bot.botId) return;
  const payload = event.payload;
  switch (event.type) {
    case "handoff.created":
      return onHandoffCreated(payload, event.id);
    case "handoff.updated":
    case "handoff.sla_breached":
      return upsertHandoff(payload, event.id);
    case "message.created":
      return onMessage(payload);
    case "message.updated":
      return onMessageUpdated(payload);
    case "note.created":
      return addNote(payload);
    case "agent.updated":
      return onAgent(payload);
    case "user.updated":
      return onUser(payload);
    case "conversation.deleted":
      return removeConversation(payload.id);
    default:
  }
}

// ---- alerts while the tab is hidden ------------------------------------------------------------

let flashTimer = null;
function flashTitle(text) {
  if (flashTimer) return;
  let on = false;
  flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? `● ${text}` : titleText();
  }, 1000);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  clearInterval(flashTimer);
  flashTimer = null;
  document.title = titleText();
  const selected = handoffs.get(selection.id);
  if (selected) markSeen(selected);
  renderList();
});

if ("Notification" in window && Notification.permission === "default") {
  ui.notify.hidden = false;
  ui.notify.addEventListener("click", async () => {
    await Notification.requestPermission();
    ui.notify.hidden = Notification.permission !== "default";
  });
}

// ---- start ------------------------------------------------------------------------------------

const firstQuery = listQuery().toString();
restoreFilters();
// The page came with the default filters' first page; other saved filters load their own.
if (listQuery().toString() === firstQuery) renderList();
else reloadList();
renderMe();
installWorkspaceShortcuts(bot.templateTrigger || ":");
if (selection.id !== null && handoffs.has(selection.id)) {
  const h = handoffs.get(selection.id);
  renderConversation();
  transcript.show(state.messages, h, h.conversationId, api);
  markSeen(h);
  renderList();
}
setInterval(renderList, 30000);
live = connectLive({
  socketPath: state.socketPath,
  lastEventId: state.lastEventId,
  onEvent: applyEvent,
  onEphemeral: (data) => data.type === "typing" && onTyping(data),
  onStatus(mode, text, code) {
    showLiveStatus(mode, text);
    if (code === 4401) {
      showNotice(gettext("Your session has ended: log in again to keep working."));
    }
  },
});
