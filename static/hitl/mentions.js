// "@name" in a note: a listbox of the workspace's colleagues under the textarea (ARIA combobox:
// arrows move, Enter or Tab inserts "@username", Escape closes). The server reads the mentions
// of the saved note and notifies the agents named (handoffs/services/mentions.py); this only
// helps to write a name it will recognise.

import { optionPart, wordMenu } from "./word_menu.js";

// `people()` answers the workspace's agents as { agentId, name, username }.
export function attachMentions(input, list, people) {
  const menu = wordMenu(input, list, {
    trigger: "@",
    find(query) {
      const matches = (p) =>
        p.username.toLowerCase().includes(query) || p.name.toLowerCase().includes(query);
      // Names that start with what was typed come first.
      const starts = (p) =>
        p.username.toLowerCase().startsWith(query) || p.name.toLowerCase().startsWith(query)
          ? 0
          : 1;
      return people()
        .filter((p) => p.username && matches(p))
        .sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name))
        .slice(0, 8);
    },
    render: (person) => [
      optionPart("mention__name", person.name),
      " ",
      optionPart("mention__handle", `@${person.username}`),
    ],
    text: (person) => `@${person.username} `,
    maxLength: 40,
    combobox: true,
    // Handled here: the page's Escape (leave the field, close the bell) waits for the next one.
    stopEscape: true,
  });
  input.addEventListener("keydown", menu.onKey);
  return { close: menu.close };
}
