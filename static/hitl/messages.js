// A message of a transcript as both workspace pages draw it (the markup is
// handoffs/workspace/_message.html): who wrote it, what, when, and, for what we send to the
// user's channel ourselves (Messenger), whether it got there.

import { clock } from "./format.js";
import { gettext, interpolate } from "./i18n.js";
import { webUrl } from "./urls.js";

// A handoff without a user message has `{}` (as Botpress's userConversation): no summary.
export const summary = (message) => (message?.id ? message.text || `[${message.type}]` : "");

// The user's display name comes from the page: a message carries only the user's id.
export function authorOf(message, userName) {
  if (message.direction === "incoming") return userName;
  if (message.direction === "agent") return message.author?.name || gettext("Agent");
  return message.direction === "outgoing" ? gettext("Bot") : gettext("System");
}

// A delivery only moves forward (pending, then failed or sent; failed, then sent on a retry;
// then delivered and read, where the channel tells: WhatsApp).
const DELIVERY_RANK = { pending: 1, failed: 2, sent: 3, delivered: 4, read: 5 };
const rankOf = (message) => DELIVERY_RANK[message.deliveryStatus] || 0;

// Messenger attachments ({type, url}) and Botpress content payloads (image, file, video, audio).
function attachmentsOf(message) {
  const payload = message.payload || {};
  const found = Array.isArray(payload.attachments)
    ? payload.attachments.map((a) => ({ type: a?.type, url: a?.url, name: a?.name }))
    : [];
  for (const type of ["image", "file", "video", "audio"]) {
    // Once: an agent's file names its address in both (handoffs/services/attachments.py).
    const url = payload[type];
    if (typeof url === "string" && !found.some((a) => a.url === url)) found.push({ type, url });
  }
  return found
    .map((a) => ({ type: a.type, name: a.name, url: ownMedia(message, a.url) || webUrl(a.url) }))
    .filter((a) => a.url);
}

// A WhatsApp user's file: Meta keeps it behind the access token, so hitl serves it itself
// (channels_adapters' media view), from this site's own address.
const WHATSAPP_MEDIA = /^\/channels\/whatsapp\/[\w-]+\/media\/[^/?#]+\/$/;
function ownMedia(message, url) {
  if (message.channel !== "whatsapp" || typeof url !== "string" || !WHATSAPP_MEDIA.test(url)) {
    return null;
  }
  return new URL(url, window.location.origin).href;
}

// Pictures shown in the page: Facebook's CDN for Messenger, this site for WhatsApp.
function showsPicture(message, attachment) {
  if (attachment.type !== "image") return false;
  // A picture an agent sent, served by this site (/files/<token>/...).
  const own = new URL(attachment.url);
  if (own.origin === window.location.origin && own.pathname.startsWith("/files/")) return true;
  if (message.channel === "messenger") return true;
  return message.channel === "whatsapp" && new URL(attachment.url).origin === window.location.origin;
}

function renderAttachments(slot, message) {
  for (const attachment of attachmentsOf(message)) {
    const link = document.createElement("a");
    link.href = attachment.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    // Shown in the page only from Facebook's CDN or this site (WhatsApp): an image anyone else
    // names would make every agent's browser fetch an address of the sender's choosing.
    if (showsPicture(message, attachment)) {
      const image = document.createElement("img");
      image.src = attachment.url;
      image.alt =
        message.direction === "incoming"
          ? gettext("Image from the user's message")
          : gettext("Image sent");
      image.loading = "lazy";
      image.referrerPolicy = "no-referrer";
      link.append(image);
    } else {
      const name = typeof attachment.name === "string" && attachment.name;
      const what = name || attachment.type || gettext("attachment");
      link.textContent = interpolate(gettext("Open %s"), [what]);
    }
    slot.append(link);
  }
  slot.hidden = !slot.childElementCount;
}

function deliveryText(message) {
  if (message.deliveryStatus === "pending") return gettext("Sending…");
  if (message.deliveryStatus === "delivered") return gettext("Delivered");
  if (message.deliveryStatus === "read") return gettext("Read");
  if (message.deliveryStatus === "failed") {
    // The channel's own words about the failure follow, as the server has them.
    const error = message.deliveryError;
    return error ? interpolate(gettext("Not delivered: %s"), [error]) : gettext("Not delivered");
  }
  return "";
}

export function renderMessage(message, userName) {
  const node = document.getElementById("tpl-message").content.firstElementChild.cloneNode(true);
  const slot = (name) => node.querySelector(`[data-slot="${name}"]`);
  node.dataset.id = message.id;
  node.className = `msg msg--${message.direction}`;
  node.classList.toggle("msg--failed", message.deliveryStatus === "failed");
  node.dataset.rank = rankOf(message);
  slot("author").textContent = authorOf(message, userName);
  slot("text").textContent = summary(message);
  renderAttachments(slot("attachments"), message);
  const time = slot("time");
  time.dateTime = message.createdAt;
  time.textContent = clock(message.createdAt);
  const delivery = slot("delivery");
  delivery.textContent = deliveryText(message);
  delivery.hidden = !delivery.textContent;
  return node;
}

// A message that arrived (message.created, or the page's own POST) or changed
// (message.updated), put in id order, and never back to an earlier delivery state: events can
// come out of order (the outbox catch-up), an update before the message it changes, and the
// POST's answer after the socket's news. An update of a message older than the transcript's
// first is not shown. Returns whether the message was added at the end.
export function placeMessage(transcript, message, userName, { update = false } = {}) {
  const shown = transcript.querySelector(`[data-id="${message.id}"]`);
  if (shown) {
    if (rankOf(message) > Number(shown.dataset.rank)) {
      shown.replaceWith(renderMessage(message, userName));
    }
    return false;
  }
  const first = transcript.firstElementChild;
  if (update && first && message.id < Number(first.dataset.id)) return false;
  const node = renderMessage(message, userName);
  const later = [...transcript.children].find((child) => Number(child.dataset.id) > message.id);
  transcript.insertBefore(node, later || null);
  return !later;
}

// Placed, and the transcript kept at its end when the reader was there, or wrote it.
export function showMessage(transcript, message, userName, options) {
  const atEnd = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
  const follow = atEnd || message.direction === "agent";
  if (placeMessage(transcript, message, userName, options) && follow) {
    transcript.scrollTop = transcript.scrollHeight;
  }
}
