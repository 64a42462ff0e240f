// The conversations view, live: every conversation of the agent's bots, handed off or not.
// Pausing and unpausing call the legacy HITL REST paths (the same services a bot's call runs),
// writing to the user goes through the HITL-next API, and every change arrives as an event on
// the workspace socket (live.js).

import { ApiError, request as apiRequest } from "./api.js";
import { age, clock } from "./format.js";
import { connectLive } from "./live.js";
import { authorOf, renderMessage, showMessage, summary } from "./messages.js";

const byId = (id) => document.getElementById(id);
const state = JSON.parse(byId("conversations-state").textContent);
const { me, bots, filters } = state;

const conversations = new Map(state.conversations.map((c) => [c.id, c]));
let selectedId = state.selectedId;
let nextUrl = state.nextUrl;
// Conversations being fetched because an event named one this page does not know yet, with
// the events that arrived meanwhile (applied once the conversation is in).
const fetching = new Map();

const ui = {
  list: byId("conversation-list"),
  listEmpty: byId("conversation-list-empty"),
  more: byId("more-link"),
  filters: byId("conversation-filters"),
  conversation: byId("conversation"),
  empty: byId("conversation-empty"),
  title: byId("conversation-title"),
  status: byId("conversation-status"),
  meta: byId("conversation-meta"),
  handoffLink: byId("handoff-link"),
  pause: byId("pause-toggle"),
  pauseLabel: byId("pause-label"),
  transcript: byId("transcript"),
  composer: byId("composer"),
  composerText: byId("composer-text"),
  composerOff: byId("composer-off"),
  live: byId("live-status"),
  notice: byId("notice"),
  noticeText: byId("notice-text"),
};

// ---- REST -----------------------------------------------------------------------------

const request = (url, options = {}) =>
  apiRequest(url, { ...options, csrfToken: state.csrfToken });

const api = (c, path, options) => request(bots[c.botId].api + path, options);

let noticeTimer;
function showNotice(text) {
  ui.notice.hidden = false;
  ui.noticeText.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (ui.notice.hidden = true), 12000);
}
byId("notice-close").addEventListener("click", () => (ui.notice.hidden = true));

async function act(control, action) {
  control.disabled = true;
  try {
    await action();
  } catch (error) {
    showNotice(error.message);
  } finally {
    control.disabled = false;
  }
}

// ---- what a conversation shows ------------------------------------------------------------

const slot = (node, name) => node.querySelector(`[data-slot="${name}"]`);
const userName = (c) => c.user?.name || c.userId;
const activity = (c) => c.lastMessageAt || c.createdAt;


// The same rules as the conversation_status filter of the first render.
function status(c) {
  const h = c.openHandoff;
  if (h?.status === "pending") return { kind: "pending", label: "Waiting for an agent" };
  if (h) return { kind: "assigned", label: `With ${h.agent?.name || "an agent"}` };
  if (c.paused) {
    const by = c.pausedBy?.name;
    return { kind: "paused", label: by ? `Paused by ${by}` : "Paused" };
  }
  return { kind: "bot", label: "Bot" };
}


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
  if (!h) return { allowed: false, hint: "Pause the bot to write to the user." };
  if (h.status === "pending") {
    return {
      allowed: false,
      hint: "This user waits for an agent: take the handoff to write to them.",
    };
  }
  return { allowed: false, hint: `${h.agent?.name || "Another agent"} is handling this user.` };
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
  const node = byId("tpl-conversation").content.firstElementChild.cloneNode(true);
  node.dataset.id = c.id;
  slot(node, "name").textContent = userName(c);
  const badge = slot(node, "status");
  const s = status(c);
  badge.textContent = s.label;
  badge.className = `badge badge--${s.kind}`;
  slot(node, "last").textContent = lastLine(c);
  slot(node, "channel").textContent = c.channel;
  slot(node, "bot").textContent = state.scopeBotId ? "" : bots[c.botId]?.name || c.botId;
  slot(node, "user-id").textContent = c.userId;
  const time = slot(node, "age");
  time.dateTime = activity(c);
  time.textContent = age(activity(c));
  time.title = clock(activity(c));
  const button = node.querySelector("button");
  if (c.id === selectedId) button.setAttribute("aria-current", "true");
  return node;
}

function renderList() {
  const focused = document.activeElement?.closest?.(".conv")?.dataset.id;
  const shown = [...conversations.values()].sort(compare);
  ui.list.replaceChildren(...shown.map(renderItem));
  ui.listEmpty.hidden = shown.length > 0;
  ui.more.hidden = !nextUrl;
  if (nextUrl) ui.more.href = nextUrl;
  if (focused) ui.list.querySelector(`[data-id="${focused}"] button`)?.focus();
}

ui.list.addEventListener("click", (event) => {
  const item = event.target.closest(".conv");
  if (item) select(Number(item.dataset.id));
});

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

function appendMessage(message, c, update = false) {
  showMessage(ui.transcript, message, userName(c), { update });
}

function renderPane() {
  const c = conversations.get(selectedId);
  ui.conversation.hidden = !c;
  ui.empty.hidden = Boolean(c);
  if (!c) return;
  ui.title.textContent = userName(c);
  const s = status(c);
  ui.status.textContent = s.label;
  ui.status.className = `badge badge--${s.kind}`;
  const bot = state.scopeBotId ? [] : [bots[c.botId]?.name || c.botId];
  ui.meta.textContent = [c.channel, ...bot, c.userId].join(" · ");
  ui.pause.checked = c.paused;
  ui.pauseLabel.textContent = c.paused ? "Paused" : "Bot active";
  ui.handoffLink.hidden = !c.openHandoff;
  if (c.openHandoff) ui.handoffLink.href = `/workspace/${c.botId}/?handoff=${c.openHandoff.id}`;
  const rule = writeRule(c);
  ui.composer.hidden = !rule.allowed;
  ui.composerOff.hidden = rule.allowed;
  ui.composerOff.textContent = rule.hint || "";
}

// Messages arriving or changing while a transcript loads are kept, then placed after it.
let loading = null;

async function loadTranscript(c) {
  loading = { id: c.id, arrived: [] };
  const mine = loading;
  ui.transcript.replaceChildren();
  ui.transcript.setAttribute("aria-busy", "true");
  try {
    const messages = await api(c, `conversations/${c.id}/messages?limit=${state.transcriptLimit}`);
    if (loading !== mine) return;
    ui.transcript.replaceChildren(...messages.map((m) => renderMessage(m, userName(c))));
    for (const [message, update] of mine.arrived) appendMessage(message, c, update);
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  } catch (error) {
    if (loading === mine) showNotice(error.message);
  } finally {
    if (loading === mine) {
      loading = null;
      ui.transcript.removeAttribute("aria-busy");
    }
  }
}

// Events say what changed, the same for everyone; after each change to the selected
// conversation the page asks the server what I may do with it now.
let actionsAsked = 0;
async function refreshSelected() {
  const c = conversations.get(selectedId);
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
  if (c.id === selectedId) renderPane();
}

async function select(id) {
  const c = conversations.get(id);
  if (!c) return;
  const changed = id !== selectedId;
  selectedId = id;
  const url = new URL(location.href);
  url.searchParams.set("conversation", id);
  history.replaceState(null, "", url);
  renderList();
  renderPane();
  if (!c.allowedActions) refreshSelected();
  if (changed || !ui.transcript.children.length) await loadTranscript(c);
}

ui.pause.addEventListener("change", () => {
  const c = conversations.get(selectedId);
  if (!c) return;
  const pause = ui.pause.checked;
  if (!pause && c.openHandoff) {
    const question = "Unpausing resolves the open handoff and hands the user back to the bot.";
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

ui.composerText.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const c = conversations.get(selectedId);
  const text = ui.composerText.value;
  if (!c || !text.trim()) return;
  act(ui.composer.querySelector("button"), async () => {
    const path = `conversations/${c.id}/messages`;
    const message = await api(c, path, { method: "POST", body: { text } });
    ui.composerText.value = "";
    appendMessage(message, c);
  });
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
  if (c.id !== selectedId) return;
  if (loading?.id === c.id) loading.arrived.push([message, false]);
  else appendMessage(message, c);
}

function onMessageUpdated(message) {
  const c = conversations.get(message.conversationId);
  if (!c || c.id !== selectedId) return;
  if (loading?.id === c.id) loading.arrived.push([message, true]);
  else appendMessage(message, c, true);
}

function onConversation(payload, event) {
  const c = conversations.get(payload.id);
  if (!c) return discover(event, payload.id);
  Object.assign(c, payload);
  renderList();
  if (c.id === selectedId) refreshSelected();
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
  if (c.id === selectedId) refreshSelected();
}

function onUser(user, botId) {
  for (const c of conversations.values()) {
    if (c.botId === botId && c.userId === user.id && c.channel === user.channel) c.user = user;
  }
  renderList();
  if (conversations.has(selectedId)) renderPane();
}

function onDeleted(conversationId) {
  if (!conversations.delete(conversationId)) return;
  if (selectedId === conversationId) {
    selectedId = null;
    showNotice("The conversation was deleted.");
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

function setLive(mode, text) {
  ui.live.dataset.state = mode;
  ui.live.textContent = text;
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
if (selectedId !== null && conversations.has(selectedId)) {
  select(selectedId);
} else if (selectedId !== null) {
  const wanted = selectedId;
  selectedId = null;
  findAndSelect(wanted);
} else {
  renderPane();
}
setInterval(renderList, 30000);
connectLive({
  socketPath: state.socketPath,
  lastEventId: state.lastEventId,
  onEvent,
  onStatus: setLive,
});
