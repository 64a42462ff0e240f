// The notification bell: the unread count and the latest notifications, live from the
// `notification.created` events the page's socket (live.js) passes on as "hitl:event".
// Marking read goes through the REST API.

import { age, number } from "./format.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

const byId = (id) => document.getElementById(id);
const root = byId("bell");
const state = JSON.parse(byId("bell-state").textContent);
const csrfToken = root.dataset.csrf;

const ui = {
  button: byId("bell-button"),
  count: byId("bell-count"),
  panel: byId("bell-panel"),
  list: byId("bell-list"),
  empty: byId("bell-empty"),
  readAll: byId("bell-read-all"),
};

// Newest first; the page starts with the latest ones the server rendered.
const items = new Map(state.notifications.map((n) => [n.id, n]));
let unread = state.unreadCount;

// Only a link to this site or an http(s) one: the server checks it too.
const SAFE_LINK = /^(https?:\/\/|\/(?!\/))/i;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive: true,
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(interpolate(gettext("The server answered %s."), [response.status]));
  }
  return response.json();
}

function renderItem(n) {
  const node = byId("tpl-bell-item").content.firstElementChild.cloneNode(true);
  const slot = (name) => node.querySelector(`[data-slot="${name}"]`);
  node.dataset.notificationId = n.id;
  node.className = `bell-item bell-item--${n.level}${n.read ? "" : " bell-item--unread"}`;
  const link = slot("link");
  link.href = n.link && SAFE_LINK.test(n.link) ? n.link : "#";
  slot("message").textContent = n.message;
  const time = slot("time");
  time.dateTime = n.createdAt;
  time.textContent = age(n.createdAt);
  slot("read").hidden = n.read;
  return node;
}

function render() {
  const shown = [...items.values()].sort((a, b) => b.id - a.id);
  ui.list.replaceChildren(...shown.map(renderItem));
  ui.empty.hidden = shown.length > 0;
  unread = Math.max(0, unread);
  ui.count.textContent = number(unread);
  ui.count.hidden = unread === 0;
  const label = unread
    ? interpolate(ngettext("Notifications, %s unread", "Notifications, %s unread", unread), [
        number(unread),
      ])
    : gettext("Notifications");
  ui.button.setAttribute("aria-label", label);
  ui.readAll.hidden = unread === 0;
}

function setRead(ids) {
  for (const id of ids) {
    const n = items.get(id);
    if (n && !n.read) {
      n.read = true;
      unread -= 1;
    }
  }
  render();
}

async function markRead(ids) {
  // Each notification is marked through a bot of its own workspace.
  const byApi = new Map();
  for (const id of ids) {
    const api = state.botApis[items.get(id)?.botId];
    if (api) byApi.set(api, [...(byApi.get(api) || []), id]);
  }
  setRead(ids);
  const requests = [...byApi].map(([api, batch]) => post(`${api}notifications/read`, { ids: batch }));
  await Promise.all(requests);
}

async function markAllRead() {
  const requests = state.workspaceApis.map((api) => post(`${api}notifications/read`, { all: true }));
  await Promise.all(requests);
  for (const n of items.values()) n.read = true;
  unread = 0;
  render();
}

function openPanel(open) {
  ui.panel.hidden = !open;
  ui.button.setAttribute("aria-expanded", String(open));
}

ui.button.addEventListener("click", () => openPanel(ui.panel.hidden));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !ui.panel.hidden) {
    openPanel(false);
    ui.button.focus();
  }
});
document.addEventListener("click", (event) => {
  if (!ui.panel.hidden && !root.contains(event.target)) openPanel(false);
});
ui.readAll.addEventListener("click", () => markAllRead().catch(() => {}));
ui.list.addEventListener("click", (event) => {
  const item = event.target.closest(".bell-item");
  if (!item) return;
  const id = Number(item.dataset.notificationId);
  const wasUnread = items.get(id) && !items.get(id).read;
  if (event.target.closest("[data-slot=read]")) {
    event.preventDefault();
    markRead([id]).catch(() => {});
  } else if (wasUnread) {
    // Following the link reads it; keepalive lets the request finish after navigating away.
    markRead([id]).catch(() => {});
  }
});

document.addEventListener("hitl:event", (event) => {
  const { type, payload } = event.detail;
  if (type === "notification.created") {
    if (items.has(payload.id)) return; // rendered by the server and replayed
    items.set(payload.id, payload);
    if (!payload.read) unread += 1;
    render();
  } else if (type === "conversation.deleted") {
    // Their rows went with the conversation.
    for (const n of [...items.values()]) {
      if (n.conversationId !== payload.id) continue;
      items.delete(n.id);
      if (!n.read) unread -= 1;
    }
    render();
  }
});

render();
setInterval(render, 60000);
