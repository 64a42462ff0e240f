// The web chat page (/chat/<bot_id>/): one visitor's conversation over /ws/chat/<bot_id>/,
// with the REST endpoint as a fallback while the socket is down.

import { gettext, interpolate } from "./i18n.js";
import { webUrl } from "./urls.js";

const root = document.querySelector(".webchat");
const log = root.querySelector("[data-log]");
const statusLine = root.querySelector("[data-status]");
const typingLine = root.querySelector("[data-typing]");
const choicesBox = root.querySelector("[data-choices]");
const errorLine = root.querySelector("[data-error]");
const composer = root.querySelector("[data-composer]");
const input = composer.querySelector("textarea");

const storageKey = `hitl.chat.${root.dataset.botId}`;
let token = readStoredToken() || root.dataset.token;
storeToken(token);

const rendered = new Map(); // message id -> <li>
const unacked = new Map(); // clientMessageId -> frame sent on the socket, resent over REST if it drops
let lastId = 0;
let socket = null;
let retryDelay = 1000;
let pollTimer = null;
let typingTimer = null;
let errorTimer = null;

// Storage can be blocked (private modes, third-party iframes); the page's token still works.
function readStoredToken() {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

function storeToken(value) {
  try {
    localStorage.setItem(storageKey, value);
  } catch {
    /* the visitor gets a new id next time; nothing else breaks */
  }
}

function newClientId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function setStatus(text) {
  statusLine.textContent = text;
}

function showError(text) {
  errorLine.textContent = text;
  errorLine.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorLine.hidden = true), 8000);
}

function agentCard(agent) {
  const card = document.createElement("div");
  card.className = "webchat__agent";
  let avatar;
  if (agent.avatarUrl) {
    avatar = document.createElement("img");
    avatar.src = agent.avatarUrl;
    avatar.alt = "";
  } else {
    avatar = document.createElement("span");
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = (agent.name || "?").trim().charAt(0).toUpperCase();
  }
  avatar.className = "webchat__avatar";
  const name = document.createElement("span");
  name.className = "webchat__agent-name";
  name.textContent = agent.name;
  card.append(avatar, name);
  return card;
}

function ownFile(url) {
  const parsed = new URL(url);
  return parsed.origin === window.location.origin && parsed.pathname.startsWith("/files/");
}

function attachmentLinks(payload) {
  const list = document.createElement("ul");
  list.className = "webchat__attachments";
  for (const attachment of payload.attachments || []) {
    const url = webUrl(attachment?.url);
    if (!url) continue;
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    // A picture an agent sent (served by this site, /files/<token>/...) shows in the chat; one
    // from anywhere else stays a link, so the page fetches no address a message names.
    if (attachment.type === "image" && ownFile(url)) {
      const image = document.createElement("img");
      image.className = "webchat__picture";
      image.src = url;
      image.alt = attachment.name || gettext("Picture from the agent");
      link.append(image);
    } else {
      link.textContent = attachment.name || attachment.type || gettext("attachment");
    }
    item.append(link);
    list.append(item);
  }
  return list;
}

function messageItem(message) {
  const item = document.createElement("li");
  item.className = `webchat__message webchat__message--${message.direction}`;
  item.dataset.id = message.id;
  const agent = message.agent || (message.payload && message.payload.agent);
  if (agent && agent.name) item.append(agentCard(agent));
  if (message.text) {
    const text = document.createElement("p");
    text.className = "webchat__text";
    text.textContent = message.text;
    item.append(text);
  }
  if (message.payload && message.payload.attachments) item.append(attachmentLinks(message.payload));
  return item;
}

function render(message, { older = false } = {}) {
  if (rendered.has(message.id)) return;
  const item = messageItem(message);
  item.payload = message.payload || {};
  // By id, not arrival: events of one commit can arrive in another order than they were made.
  const later = [...log.children].find((el) => el.dataset.id && Number(el.dataset.id) > message.id);
  log.insertBefore(item, later || log.querySelector(".webchat__message--sending"));
  rendered.set(message.id, item);
  lastId = Math.max(lastId, message.id);
  if (older) return;
  if (message.direction === "agent") hideTyping();
  showChoices();
  log.scrollTop = log.scrollHeight;
}

// A long conversation opens on its last page; scrolling up reads the older ones, the visitor's
// place kept.
const PAGE = 100;
let olderLeft = true;
let loadingOlder = false;

async function loadOlder() {
  const first = [...log.children].find((el) => el.dataset.id);
  if (!olderLeft || loadingOlder || !first) return;
  loadingOlder = true;
  try {
    const response = await fetch(`${root.dataset.messagesUrl}?before=${first.dataset.id}`, {
      headers: { "X-Hitl-Chat-Token": token },
    });
    if (!response.ok) return;
    const { messages } = await response.json();
    olderLeft = messages.length >= PAGE;
    const height = log.scrollHeight;
    messages.forEach((message) => render(message, { older: true }));
    log.scrollTop += log.scrollHeight - height;
  } catch {
    /* offline: the next scroll tries again */
  } finally {
    loadingOlder = false;
  }
}

log.addEventListener("scroll", () => {
  if (log.scrollTop < 100) loadOlder();
});

function showChoices() {
  choicesBox.replaceChildren();
  const last = [...log.children].filter((el) => el.dataset.id).pop();
  const payload = last && last.payload;
  if (!payload || payload.type !== "quick_reply" || !Array.isArray(payload.choices)) return;
  for (const choice of payload.choices) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "webchat__choice";
    button.textContent = choice.title;
    button.addEventListener("click", () => {
      choicesBox.replaceChildren();
      send(choice.title, { type: "quick_reply", value: choice.value });
    });
    choicesBox.append(button);
  }
}

function showTyping(frame) {
  if (!frame.typing) return hideTyping();
  typingLine.textContent = frame.agent.name
    ? interpolate(gettext("%s is typing…"), [frame.agent.name])
    : gettext("The agent is typing…");
  typingLine.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, 6000);
}

function hideTyping() {
  typingLine.hidden = true;
}

function sendingItem(text, clientId) {
  const item = messageItem({ id: "", direction: "incoming", text, payload: {} });
  item.classList.add("webchat__message--sending");
  item.dataset.clientId = clientId;
  delete item.dataset.id;
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

function acknowledge(clientId, message) {
  unacked.delete(clientId);
  const pending = log.querySelector(`[data-client-id="${clientId}"]`);
  if (pending) pending.remove();
  if (message) render(message);
}

function refuse(clientId, text) {
  unacked.delete(clientId);
  const pending = log.querySelector(`[data-client-id="${clientId}"]`);
  if (pending) pending.classList.add("webchat__message--failed");
  showError(text);
}

async function postMessage(frame) {
  let response;
  try {
    response = await fetch(root.dataset.messagesUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hitl-Chat-Token": token },
      body: JSON.stringify(frame),
    });
  } catch {
    return; // offline: it stays unacked and goes again when the socket is back
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) acknowledge(frame.clientMessageId, body.message);
  else {
    const refused = interpolate(gettext("The message was refused (%s)."), [response.status]);
    refuse(frame.clientMessageId, body.message || refused);
  }
}

function send(text, payload) {
  const frame = { type: "message", text, clientMessageId: newClientId() };
  if (payload) frame.payload = payload;
  sendingItem(text, frame.clientMessageId);
  unacked.set(frame.clientMessageId, frame);
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  else postMessage(frame);
}

function handle(frame) {
  if (frame.type === "history") {
    if (!rendered.size) olderLeft = frame.messages.length >= PAGE;
    frame.messages.forEach((message) => render(message));
  }
  else if (frame.type === "message") render(frame.message);
  else if (frame.type === "ack") acknowledge(frame.clientMessageId, frame.message);
  else if (frame.type === "typing") showTyping(frame);
  else if (frame.type === "error") {
    if (frame.clientMessageId) refuse(frame.clientMessageId, frame.message);
    else showError(frame.message);
  }
}

async function poll() {
  try {
    const response = await fetch(`${root.dataset.messagesUrl}?after=${lastId}`, {
      headers: { "X-Hitl-Chat-Token": token },
    });
    if (response.ok) (await response.json()).messages.forEach(render);
  } catch {
    /* still offline */
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const params = new URLSearchParams({ token });
  if (lastId) params.set("after", lastId);
  socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}?${params}`);
  socket.addEventListener("open", () => {
    setStatus(gettext("Connected"));
    retryDelay = 1000;
    clearInterval(pollTimer);
    pollTimer = null;
    for (const frame of unacked.values()) socket.send(JSON.stringify(frame));
  });
  socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    if (event.code === 4403 && token !== root.dataset.token) {
      // A stored id this server no longer accepts (its secret changed): start afresh.
      token = root.dataset.token;
      storeToken(token);
      connect();
      return;
    }
    if (event.code === 4403 || event.code === 4404) {
      setStatus(gettext("This chat is not available."));
      composer.querySelector("button").disabled = true;
      return;
    }
    setStatus(gettext("Reconnecting…"));
    // Frames the socket may have dropped go over REST; the client id makes a double harmless.
    for (const frame of unacked.values()) postMessage(frame);
    if (!pollTimer) pollTimer = setInterval(poll, 3000);
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  });
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

connect();
