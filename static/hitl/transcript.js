// The selected conversation's transcript: loaded when it is selected, then kept as its messages
// arrive or change (messages.js draws and places each one). `item`, a handoff or a
// conversation, names the user for the messages the user wrote.

import { userName } from "./format.js";
import { renderMessage, showMessage } from "./messages.js";
import { showNotice } from "./pane.js";

// `limit`: how many messages a page holds; the transcript opens on the newest page and loads
// the older ones as the reader scrolls up, keeping what they read in place. Only a window of
// pages stays in the page: keeping every message read so far made each page slower than the
// last (Chromium lays out the whole list on each prepend: 0.1 s a page at first, 1.3 s with
// 20,000 messages), so pages leave at the far end and come back as the reader scrolls down.
export function createTranscript(list, limit, windowPages = 5) {
  // Messages arriving or changing while a transcript loads are kept, then placed after it.
  let loading = null;
  // Where more pages come from: the conversation, its API, and whether older messages or
  // newer ones (dropped from the window) are there to load.
  let source = null;
  const most = limit * windowPages;

  function fill(messages, item) {
    list.replaceChildren(...messages.map((m) => renderMessage(m, userName(item))));
  }

  function expectOlder(conversationId, item, api, messages) {
    const more = messages.length >= limit;
    source = { conversationId, item, api, more, newer: false, busy: false, skipped: [] };
  }

  async function loadPage(direction) {
    const from = source;
    const edge = direction === "before" ? list.firstElementChild : list.lastElementChild;
    if (!from || from.busy || !from.api || !edge) return;
    from.busy = true;
    try {
      const path = `conversations/${from.conversationId}/messages?limit=${limit}`;
      const messages = await from.api(`${path}&${direction}=${edge.dataset.id}`);
      if (source !== from) return;
      const nodes = messages.map((m) => renderMessage(m, userName(from.item)));
      if (direction === "before") {
        from.more = messages.length >= limit;
        const height = list.scrollHeight;
        list.prepend(...nodes);
        // The message the reader was looking at stays where it was.
        list.scrollTop += list.scrollHeight - height;
        while (list.children.length > most) {
          list.lastElementChild.remove();
          from.newer = true;
        }
      } else {
        from.newer = messages.length >= limit;
        list.append(...nodes);
        // What arrived live while the newest were out of the window, and after this page read.
        if (!from.newer) {
          for (const m of from.skipped.splice(0)) showMessage(list, m, userName(from.item));
        }
        const height = list.scrollHeight;
        while (list.children.length > most) {
          list.firstElementChild.remove();
          from.more = true;
        }
        list.scrollTop -= height - list.scrollHeight;
      }
    } catch (error) {
      showNotice(error.message);
    } finally {
      from.busy = false;
    }
  }

  list.addEventListener("scroll", () => {
    if (!source) return;
    if (list.scrollTop < 200 && source.more) loadPage("before");
    const below = list.scrollHeight - list.scrollTop - list.clientHeight;
    if (below < 200 && source.newer) loadPage("after");
  });

  function scrollToEnd() {
    list.scrollTop = list.scrollHeight;
  }

  function place(message, item, update = false) {
    const last = list.lastElementChild;
    if (source?.newer && last && message.id > Number(last.dataset.id)) {
      // The newest messages are out of the window: this one comes with them as the reader
      // scrolls down, or now, with the newest page, when it is the agent's own.
      if (message.direction === "agent" && source.api) {
        load(source.conversationId, item, source.api);
      } else {
        source.skipped.push(message);
      }
      return;
    }
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
    source = null;
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
