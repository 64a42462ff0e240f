// The conversations view, live: every conversation of the agent's bots, handed off or not.
// Pausing and unpausing call the legacy HITL REST paths (the same services a bot's call runs),
// writing to the user goes through the HITL-next API, and every change arrives as an event on
// the workspace socket (live.js).

import { ApiError, requestWith } from "./api.js";
import { attachFiles, uploadFile } from "./attachments.js";
import { choicesField } from "./choices.js";
import { createComposer } from "./composer.js";
import { userName } from "./format.js";
import { gettext, interpolate } from "./i18n.js";
import { itemList, renderRow, slot } from "./list.js";
import { connectLive, showLiveStatus } from "./live.js";
import { authorOf, summary } from "./messages.js";
import { act, createSelection, showNotice, showPane } from "./pane.js";
import { createTranscript } from "./transcript.js";
import { createTranscriptExport } from "./transcript_export.js";

const byId = (id) => document.getElementById(id);
const state = JSON.parse(byId("conversations-state").textContent);
const { me, bots, filters } = state;

const conversations = new Map(state.conversations.map((c) => [c.id, c]));
const selection = createSelection("conversation", state.selectedId);
let nextUrl = state.nextUrl;
// Conversations being fetched because an event named one this page does not know yet, with
// the events that arrived meanwhile (applied once the conversation is in).
const fetching = new Map();

const ui = {
  list: byId("conversation-list"),
  listEmpty: byId("conversation-list-empty"),
  more: byId("more-link"),
  filters: byId("conversation-filters"),
  handoffLink: byId("handoff-link"),
  pause: byId("pause-toggle"),
  pauseLabel: byId("pause-label"),
  transcript: byId("transcript"),
};

// ---- REST -----------------------------------------------------------------------------

const request = requestWith(state.csrfToken);

const api = (c, path, options) => request(bots[c.botId].api + path, options);
const transcriptExport = createTranscriptExport(request);

// ---- what a conversation shows ------------------------------------------------------------

const activity = (c) => c.lastMessageAt || c.createdAt;

// The same rules as the conversation_status filter of the first render.
function status(c) {
  const h = c.openHandoff;
  if (h?.status === "pending") return { kind: "pending", label: gettext("Waiting for an agent") };
  if (h) {
    const agent = h.agent?.name;
    const label = agent ? interpolate(gettext("With %s"), [agent]) : gettext("With an agent");
    return { kind: "assigned", label };
  }
  if (c.paused) {
    const by = c.pausedBy?.name;
    return {
      kind: "paused",
      label: by ? interpolate(gettext("Paused by %s"), [by]) : gettext("Paused"),
    };
  }
  return { kind: "bot", label: gettext("Bot") };
}

const botName = (c) => bots[c.botId]?.name || c.botId;

function lastLine(c) {
  const message = c.lastMessage;
  if (!message) return "";
  if (message.direction === "incoming") return summary(message);
  return `${authorOf(message, userName(c))}: ${summary(message)}`;
}

// Whether I may write is the server's to say (`allowedActions`, handoffs/permissions.py); the
// page only words why not.
function writeRule(c) {
  if (c.allowedActions?.compose) return { allowed: true };
  const h = c.openHandoff;
  if (!c.allowedActions) return { allowed: false, hint: "" };
  if (!h) return { allowed: false, hint: gettext("Pause the bot to write to the user.") };
  if (h.status === "pending") {
    return {
      allowed: false,
      hint: gettext("This user waits for an agent: take the handoff to write to them."),
    };
  }
  const agent = h.agent?.name;
  const hint = agent
    ? interpolate(gettext("%s is handling this user."), [agent])
    : gettext("Another agent is handling this user.");
  return { allowed: false, hint };
}

// ---- the list -----------------------------------------------------------------------------

// Most recent activity first, as the server orders it (a silent conversation by its creation).
function compare(a, b) {
  return Date.parse(activity(b)) - Date.parse(activity(a)) || b.id - a.id;
}

function matchesFilters(c) {
  if (state.scopeBotId && c.botId !== state.scopeBotId) return false;
  if (filters.channel && c.channel !== filters.channel) return false;
  if (filters.paused !== null && c.paused !== filters.paused) return false;
  if (!filters.search) return true;
  const text = [userName(c), c.userId, c.lastMessage?.text || ""].join("\n").toLowerCase();
  return text.includes(filters.search.toLowerCase());
}

function renderItem(c) {
  const node = renderRow("tpl-conversation", {
    id: c.id,
    name: userName(c),
    status: status(c),
    last: lastLine(c),
    channel: c.channel,
    time: activity(c),
    current: c.id === selection.id,
  });
  slot(node, "bot").textContent = state.scopeBotId ? "" : botName(c);
  slot(node, "user-id").textContent = c.userId;
  return node;
}

const showItems = itemList({
  list: ui.list,
  empty: ui.listEmpty,
  row: ".conv",
  onSelect: select,
});

function renderList() {
  showItems([...conversations.values()].sort(compare).map(renderItem));
  ui.more.hidden = !nextUrl;
  if (nextUrl) ui.more.href = nextUrl;
}

// Filters apply as soon as they change; the search applies on Enter or the button.
for (const select of ui.filters.querySelectorAll("select")) {
  select.addEventListener("change", () => ui.filters.requestSubmit());
}

// "Older conversations" fetches the next page of this same view and adds its rows here.
let loadingMore = false;
ui.more.addEventListener("click", async (event) => {
  event.preventDefault();
  if (loadingMore || !nextUrl) return;
  loadingMore = true;
  try {
    const response = await fetch(nextUrl, { credentials: "same-origin" });
    if (!response.ok) throw new ApiError(response.status, null);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const next = JSON.parse(page.getElementById("conversations-state").textContent);
    for (const c of next.conversations) if (!conversations.has(c.id)) conversations.set(c.id, c);
    nextUrl = next.nextUrl;
    renderList();
  } catch (error) {
    showNotice(error.message);
  } finally {
    loadingMore = false;
  }
});

// ---- the selected conversation --------------------------------------------------------------

function heading(c) {
  const bot = state.scopeBotId ? [] : [botName(c)];
  return { title: userName(c), status: status(c), meta: [c.channel, ...bot, c.userId].join(" · ") };
}

function renderPane() {
  const c = conversations.get(selection.id);
  if (!showPane(c, heading)) return transcriptExport.hide();
  transcriptExport.show(bots[c.botId].api, c.id, c.user);
  ui.pause.checked = c.paused;
  ui.pauseLabel.textContent = c.paused ? gettext("Paused") : gettext("Bot active");
  ui.handoffLink.hidden = !c.openHandoff;
  if (c.openHandoff) ui.handoffLink.href = `/workspace/${c.botId}/?handoff=${c.openHandoff.id}`;
  const rule = writeRule(c);
  composer.offer(rule.allowed, rule.hint || "");
}

const transcript = createTranscript(ui.transcript, state.transcriptLimit);

// Events say what changed, the same for everyone; after each change to the selected
// conversation the page asks the server what I may do with it now.
let actionsAsked = 0;
async function refreshSelected() {
  const c = conversations.get(selection.id);
  if (!c) return;
  delete c.allowedActions;
  renderPane();
  const asked = ++actionsAsked;
  try {
    const fresh = await api(c, `conversations/${c.id}`);
    if (asked !== actionsAsked || !conversations.has(c.id)) return;
    Object.assign(c, fresh);
  } catch {
    return; // gone: its event takes it off the list
  }
  renderList();
  if (c.id === selection.id) renderPane();
}

async function select(id) {
  const c = conversations.get(id);
  if (!c) return;
  const changed = selection.take(id);
  renderList();
  renderPane();
  if (!c.allowedActions) refreshSelected();
  if (changed || transcript.isEmpty()) await transcript.load(c.id, c, (path) => api(c, path));
}

ui.pause.addEventListener("change", () => {
  const c = conversations.get(selection.id);
  if (!c) return;
  const pause = ui.pause.checked;
  if (!pause && c.openHandoff) {
    const question = gettext(
      "Unpausing resolves the open handoff and hands the user back to the bot.",
    );
    if (!confirm(question)) {
      ui.pause.checked = true;
      return;
    }
  }
  act(ui.pause, async () => {
    try {
      const url = `${bots[c.botId].legacy}sessions/${c.id}/${pause ? "pause" : "unpause"}`;
      const fresh = await request(url, { method: "POST" });
      Object.assign(c, fresh);
      if (!pause) c.openHandoff = null;
    } finally {
      refreshSelected();
      renderList();
      renderPane();
    }
  });
});

const composer = createComposer({
  act,
  selected: () => conversations.get(selection.id),
  post: (c, text, payload) =>
    api(c, `conversations/${c.id}/messages`, {
      method: "POST",
      body: payload ? { text, payload } : { text },
    }),
  transcript,
  choices: choicesField(),
});

attachFiles({
  act,
  selected: () => conversations.get(selection.id),
  upload: (c, file) =>
    uploadFile(`${bots[c.botId].api}conversations/${c.id}/attachments`, state.csrfToken, file),
  transcript,
  types: state.uploadTypes,
});

// ---- events from the socket ----------------------------------------------------------------

// A conversation the page does not show yet (new, or on a later page): on the first page it
// joins the list when it matches the filters.
async function discover(event, conversationId) {
  if (!state.firstPage) return;
  if (fetching.has(conversationId)) {
    fetching.get(conversationId).push(event);
    return;
  }
  fetching.set(conversationId, []);
  try {
    const c = await request(`${bots[event.botId].api}conversations/${conversationId}`);
    if (!conversations.has(c.id) && matchesFilters(c)) {
      conversations.set(c.id, c);
      renderList();
      for (const later of fetching.get(conversationId)) onEvent(later);
    }
  } catch {
    // Deleted meanwhile, or the connection dropped: the next event tries again.
  } finally {
    fetching.delete(conversationId);
  }
}

function onMessage(message, event) {
  const c = conversations.get(message.conversationId);
  if (!c) return discover(event, message.conversationId);
  if (!c.lastMessage || c.lastMessage.id <= message.id) {
    c.lastMessage = message;
    c.lastMessageAt = message.createdAt;
  }
  renderList();
  if (c.id !== selection.id) return;
  transcript.add(message, c);
}

function onMessageUpdated(message) {
  const c = conversations.get(message.conversationId);
  if (!c || c.id !== selection.id) return;
  transcript.add(message, c, true);
}

function onConversation(payload, event) {
  const c = conversations.get(payload.id);
  if (!c) return discover(event, payload.id);
  Object.assign(c, payload);
  renderList();
  if (c.id === selection.id) refreshSelected();
}

function onHandoff(h) {
  const c = conversations.get(h.conversationId);
  if (!c) return;
  if (h.status === "pending" || h.status === "assigned") {
    c.openHandoff = {
      id: h.id,
      status: h.status,
      agentId: h.agentId,
      agent: h.agent,
      createdAt: h.createdAt,
    };
  } else if (c.openHandoff?.id === h.id) {
    c.openHandoff = null;
  }
  renderList();
  if (c.id === selection.id) refreshSelected();
}

function onUser(user, botId) {
  for (const c of conversations.values()) {
    if (c.botId === botId && c.userId === user.id && c.channel === user.channel) c.user = user;
  }
  renderList();
  if (conversations.has(selection.id)) renderPane();
}

function onDeleted(conversationId) {
  if (!conversations.delete(conversationId)) return;
  if (selection.id === conversationId) {
    selection.id = null;
    showNotice(gettext("The conversation was deleted."));
  }
  renderList();
  renderPane();
}

function onEvent(event) {
  const botId = event.botId;
  if (!botId || !bots[botId]) return;
  if (state.scopeBotId && botId !== state.scopeBotId) return;
  const payload = event.payload;
  switch (event.type) {
    case "message.created":
      return onMessage(payload, event);
    case "message.updated":
      return onMessageUpdated(payload);
    case "conversation.paused":
    case "conversation.unpaused":
      return onConversation(payload, event);
    case "handoff.created":
    case "handoff.updated":
      return onHandoff(payload);
    case "user.updated":
      return onUser(payload, botId);
    case "conversation.deleted":
      return onDeleted(payload.id);
    default:
  }
}

// ---- start ----------------------------------------------------------------------------------

// A conversation named in the address but not on this page (a link from elsewhere).
async function findAndSelect(id) {
  for (const botId of state.scopeBotId ? [state.scopeBotId] : Object.keys(bots)) {
    try {
      const c = await request(`${bots[botId].api}conversations/${id}`);
      conversations.set(c.id, c);
      return select(c.id);
    } catch {
      // Not this bot's: try the next one.
    }
  }
  renderPane();
}

renderList();
if (selection.id !== null && conversations.has(selection.id)) {
  select(selection.id);
} else if (selection.id !== null) {
  const wanted = selection.id;
  selection.id = null;
  findAndSelect(wanted);
} else {
  renderPane();
}
setInterval(renderList, 30000);
connectLive({
  socketPath: state.socketPath,
  lastEventId: state.lastEventId,
  onEvent,
  onStatus: showLiveStatus,
});
