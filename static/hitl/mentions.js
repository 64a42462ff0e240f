// "@name" in a note: a listbox of the workspace's colleagues under the textarea (ARIA combobox:
// arrows move, Enter or Tab inserts "@username", Escape closes). The server reads the mentions
// of the saved note and notifies the agents named (handoffs/services/mentions.py); this only
// helps to write a name it will recognise.

// `people()` answers the workspace's agents as { agentId, name, username }.
export function attachMentions(input, list, people) {
  let menu = { open: false, items: [], active: 0, start: 0 };
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function mentionQuery() {
    const before = input.value.slice(0, input.selectionStart);
    const at = before.lastIndexOf("@");
    // Only at the start of a word, so an e-mail address does not open the list.
    if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]))) return null;
    const query = before.slice(at + 1);
    return /\s/.test(query) || query.length > 40 ? null : { start: at, query: query.toLowerCase() };
  }

  function open(items, start) {
    menu = { open: true, items, active: 0, start };
    list.replaceChildren(
      ...items.map((person, index) => {
        const option = document.createElement("li");
        option.id = `${list.id}-option-${index}`;
        option.setAttribute("role", "option");
        const name = document.createElement("span");
        name.className = "mention__name";
        name.textContent = person.name;
        const handle = document.createElement("span");
        handle.className = "mention__handle";
        handle.textContent = `@${person.username}`;
        option.append(name, " ", handle);
        // mousedown, not click: the textarea must keep focus and its caret.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          insert(index);
        });
        return option;
      }),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function highlight(index) {
    menu.active = (index + menu.items.length) % menu.items.length;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === menu.active));
      if (i === menu.active) option.scrollIntoView({ block: "nearest" });
    });
    input.setAttribute("aria-activedescendant", `${list.id}-option-${menu.active}`);
  }

  function close() {
    menu = { open: false, items: [], active: 0, start: 0 };
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function update() {
    const found = mentionQuery();
    if (!found) return close();
    const matches = (p) =>
      p.username.toLowerCase().includes(found.query) || p.name.toLowerCase().includes(found.query);
    // Names that start with what was typed come first.
    const starts = (p) =>
      p.username.toLowerCase().startsWith(found.query) || p.name.toLowerCase().startsWith(found.query)
        ? 0
        : 1;
    const items = people()
      .filter((p) => p.username && matches(p))
      .sort((a, b) => starts(a) - starts(b) || a.name.localeCompare(b.name))
      .slice(0, 8);
    if (!items.length) return close();
    open(items, found.start);
  }

  function insert(index) {
    const person = menu.items[index];
    const text = input.value;
    const caret = input.selectionStart;
    const mention = `@${person.username} `;
    input.value = text.slice(0, menu.start) + mention + text.slice(caret);
    const position = menu.start + mention.length;
    input.setSelectionRange(position, position);
    close();
    input.focus();
  }

  input.addEventListener("keydown", (event) => {
    if (!menu.open) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(menu.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(menu.active);
    } else if (event.key === "Escape") {
      // Handled here: the page's Escape (leave the field) waits for the next one.
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("input", update);
  input.addEventListener("click", update);
  input.addEventListener("blur", close);

  return { close };
}
