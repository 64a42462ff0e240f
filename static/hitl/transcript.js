// The selected conversation's transcript: loaded when it is selected, then kept as its messages
// arrive or change (messages.js draws and places each one). `item`, a handoff or a
// conversation, names the user for the messages the user wrote.

import { userName } from "./format.js";
import { renderMessage, showMessage } from "./messages.js";
import { showNotice } from "./pane.js";

// `limit`: how many messages a page holds; the transcript opens on the newest page and loads
// the older ones as the reader scrolls up, keeping what they read in place.
export function createTranscript(list, limit) {
  // Messages arriving or changing while a transcript loads are kept, then placed after it.
  let loading = null;
  // Where the older pages come from: the conversation, its API and whether there are more.
  let older = null;

  function fill(messages, item) {
    list.replaceChildren(...messages.map((m) => renderMessage(m, userName(item))));
  }

  function expectOlder(conversationId, item, api, messages) {
    older = { conversationId, item, api, more: messages.length >= limit, busy: false };
  }

  async function loadOlder() {
    const source = older;
    if (!source || !source.more || source.busy || !source.api) return;
    const first = list.firstElementChild;
    if (!first) return;
    source.busy = true;
    try {
      const path = `conversations/${source.conversationId}/messages?limit=${limit}`;
      const messages = await source.api(`${path}&before=${first.dataset.id}`);
      if (older !== source) return;
      source.more = messages.length >= limit;
      const height = list.scrollHeight;
      list.prepend(...messages.map((m) => renderMessage(m, userName(source.item))));
      // The message the reader was looking at stays where it was.
      list.scrollTop += list.scrollHeight - height;
    } catch (error) {
      showNotice(error.message);
    } finally {
      source.busy = false;
    }
  }

  list.addEventListener("scroll", () => {
    if (list.scrollTop < 200) loadOlder();
  });

  function scrollToEnd() {
    list.scrollTop = list.scrollHeight;
  }

  function place(message, item, update = false) {
    showMessage(list, message, userName(item), { update });
  }

  // A message of the shown conversation (from the socket): placed now, or once it has loaded.
  function add(message, item, update = false) {
    if (loading && loading.conversationId === message.conversationId) {
      loading.arrived.push([message, update]);
    } else {
      place(message, item, update);
    }
  }

  // The messages the page came with; `conversationId` and `api` let it page back.
  function show(messages, item, conversationId = null, api = null) {
    fill(messages, item);
    expectOlder(conversationId, item, api, messages);
    scrollToEnd();
  }

  // `api(path)` answers the REST path of the bot the conversation belongs to.
  async function load(conversationId, item, api) {
    loading = { conversationId, arrived: [] };
    const mine = loading;
    older = null;
    list.replaceChildren();
    list.setAttribute("aria-busy", "true");
    try {
      const messages = await api(`conversations/${conversationId}/messages?limit=${limit}`);
      if (loading !== mine) return;
      fill(messages, item);
      expectOlder(conversationId, item, api, messages);
      for (const [message, update] of mine.arrived) place(message, item, update);
      scrollToEnd();
    } catch (error) {
      if (loading === mine) showNotice(error.message);
    } finally {
      if (loading === mine) {
        loading = null;
        list.removeAttribute("aria-busy");
      }
    }
  }

  const isEmpty = () => !list.children.length;

  return { add, isEmpty, load, place, show };
}
