// The list of a page (handoffs, conversations): rows cloned from a <template> and filled by
// their data-slot names. The page filters and orders the items; this draws them.

import { age, clock } from "./format.js";

export function fromTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

export const slot = (node, name) => node.querySelector(`[data-slot="${name}"]`);

export function showBadge(badge, { kind, label }) {
  badge.textContent = label;
  badge.className = `badge badge--${kind}`;
}

// The age keeps the list short; the exact time is a hover away.
function showAge(time, iso) {
  time.dateTime = iso;
  time.textContent = age(iso);
  time.title = clock(iso);
}

// The slots every row has; the page fills its own after.
export function renderRow(templateId, { id, name, status, last, channel, time, current }) {
  const node = fromTemplate(templateId);
  node.dataset.id = id;
  slot(node, "name").textContent = name;
  showBadge(slot(node, "status"), status);
  slot(node, "last").textContent = last;
  slot(node, "channel").textContent = channel;
  showAge(slot(node, "age"), time);
  const button = node.querySelector("button");
  if (current) button.setAttribute("aria-current", "true");
  else button.removeAttribute("aria-current");
  return node;
}

// Every change draws all rows anew: the row that had the focus gets it back, so a keyboard
// user is not thrown to the top of the page. A click on a row selects its item.
export function itemList({ list, empty, row, onSelect }) {
  list.addEventListener("click", (event) => {
    const item = event.target.closest(row);
    if (item) onSelect(Number(item.dataset.id));
  });
  return function show(nodes) {
    const focused = document.activeElement?.closest?.(row)?.dataset.id;
    list.replaceChildren(...nodes);
    empty.hidden = nodes.length > 0;
    if (focused) list.querySelector(`[data-id="${focused}"] button`)?.focus();
  };
}
