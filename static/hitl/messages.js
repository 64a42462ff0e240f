// A message of a transcript as both workspace pages draw it (the markup is
// handoffs/workspace/_message.html): who wrote it, what, when, and, for what we send to the
// user's channel ourselves (Messenger), whether it got there.

import { clock } from "./format.js";

export const summary = (message) => (message ? message.text || `[${message.type}]` : "");

// The user's display name comes from the page: a message carries only the user's id.
export function authorOf(message, userName) {
  if (message.direction === "incoming") return userName;
  if (message.direction === "agent") return message.author?.name || "Agent";
  return message.direction === "outgoing" ? "Bot" : "System";
}

function deliveryText(message) {
  if (message.deliveryStatus === "pending") return "Sending…";
  if (message.deliveryStatus === "failed") {
    return `Not delivered${message.deliveryError ? `: ${message.deliveryError}` : ""}`;
  }
  return "";
}

export function renderMessage(message, userName) {
  const node = document.getElementById("tpl-message").content.firstElementChild.cloneNode(true);
  const slot = (name) => node.querySelector(`[data-slot="${name}"]`);
  node.dataset.id = message.id;
  node.className = `msg msg--${message.direction}`;
  node.classList.toggle("msg--failed", message.deliveryStatus === "failed");
  slot("author").textContent = authorOf(message, userName);
  slot("text").textContent = summary(message);
  const time = slot("time");
  time.dateTime = message.createdAt;
  time.textContent = clock(message.createdAt);
  const delivery = slot("delivery");
  delivery.textContent = deliveryText(message);
  delivery.hidden = !delivery.textContent;
  return node;
}

// message.updated (its delivery's outcome): redrawn in place when the transcript shows it.
export function replaceMessage(transcript, message, userName) {
  const shown = transcript.querySelector(`[data-id="${message.id}"]`);
  if (shown) shown.replaceWith(renderMessage(message, userName));
}
