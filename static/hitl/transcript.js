// The selected conversation's transcript: loaded when it is selected, then kept as its messages
// arrive or change (messages.js draws and places each one). `item`, a handoff or a
// conversation, names the user for the messages the user wrote.

import { userName } from "./format.js";
import { renderMessage, showMessage } from "./messages.js";
import { showNotice } from "./pane.js";

// `limit`: how many of the latest messages a load shows.
export function createTranscript(list, limit) {
  // Messages arriving or changing while a transcript loads are kept, then placed after it.
  let loading = null;

  function fill(messages, item) {
    list.replaceChildren(...messages.map((m) => renderMessage(m, userName(item))));
  }

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

  // The messages the page came with.
  function show(messages, item) {
    fill(messages, item);
    scrollToEnd();
  }

  // `api(path)` answers the REST path of the bot the conversation belongs to.
  async function load(conversationId, item, api) {
    loading = { conversationId, arrived: [] };
    const mine = loading;
    list.replaceChildren();
    list.setAttribute("aria-busy", "true");
    try {
      const messages = await api(`conversations/${conversationId}/messages?limit=${limit}`);
      if (loading !== mine) return;
      fill(messages, item);
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
