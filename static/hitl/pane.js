// The pane of the selected item (a handoff, a conversation), with the markup both pages give it
// the same ids: its heading or the empty state, the notice that says what failed, the actions
// that call the REST API, and the selection, kept in the address.

import { showBadge } from "./list.js";

const byId = (id) => document.getElementById(id);
const ui = {
  pane: byId("conversation"),
  empty: byId("conversation-empty"),
  title: byId("conversation-title"),
  status: byId("conversation-status"),
  meta: byId("conversation-meta"),
  notice: byId("notice"),
  noticeText: byId("notice-text"),
};

let noticeTimer;
export function showNotice(text) {
  ui.notice.hidden = false;
  ui.noticeText.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(hideNotice, 12000);
}

function hideNotice() {
  ui.notice.hidden = true;
  ui.noticeText.textContent = "";
}

byId("notice-close").addEventListener("click", hideNotice);

// The control stays disabled until the server has answered, so a second click cannot send the
// same action twice. `onError` sees a failure after the notice has told it.
export async function act(control, action, onError) {
  control.disabled = true;
  try {
    await action();
  } catch (error) {
    showNotice(error.message);
    onError?.(error);
  } finally {
    control.disabled = false;
  }
}

// `heading(item)` gives { title, status: { kind, label }, meta }. Returns whether an item shows.
export function showPane(item, heading) {
  ui.pane.hidden = !item;
  ui.empty.hidden = Boolean(item);
  if (!item) return false;
  const { title, status, meta } = heading(item);
  ui.title.textContent = title;
  showBadge(ui.status, status);
  ui.meta.textContent = meta;
  return true;
}

// What I may do is the server's to say (`allowedActions`, handoffs/permissions.py): a control
// shows only for an action it allows, and none before it has answered.
export function offerActions(allowedActions, controls) {
  const allowed = allowedActions ?? {};
  for (const [action, control] of Object.entries(controls)) control.hidden = !allowed[action];
}

// The selected item's id. take() also puts it in the address (`?name=id`; null takes it out),
// so a reload or a shared link opens the same item, and says whether it is another one.
export function createSelection(name, id) {
  return {
    id,
    take(next) {
      const changed = next !== this.id;
      this.id = next;
      const url = new URL(location.href);
      if (next === null) url.searchParams.delete(name);
      else url.searchParams.set(name, next);
      history.replaceState(null, "", url);
      return changed;
    },
  };
}
