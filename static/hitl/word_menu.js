// A listbox under a textarea while the word before the caret starts with a trigger character
// (the ARIA combobox pattern: arrows move, Enter or Tab inserts, Escape closes). The composer's
// templates (composer.js) and a note's "@" mentions (mentions.js) are two of them.

// `find(query)`: the items for the lowercased word typed after `trigger` ([] closes the menu);
// `render(item)`: an option's contents; `text(item)`: what replaces the trigger and the word.
// Where the two menus differ: `maxLength` (a longer word is no longer looked up), `idPrefix`
// (options are `${idPrefix}-option-${index}`), `combobox` (the input carries the combobox role
// and aria-expanded), `stopEscape` (the Escape that closes the menu goes no further than the
// input), `onInsert(item)` after an insertion.
export function wordMenu(
  input,
  list,
  {
    trigger,
    find,
    render,
    text,
    maxLength = Infinity,
    idPrefix = list.id,
    combobox = false,
    stopEscape = false,
    onInsert,
  },
) {
  let menu = { open: false, items: [], active: 0, start: 0 };
  const optionId = (index) => `${idPrefix}-option-${index}`;
  if (combobox) {
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
  }

  function query() {
    const before = input.value.slice(0, input.selectionStart);
    const at = before.lastIndexOf(trigger);
    // Only at the start of a word, so "https://", "12:30" or an e-mail address do not open it.
    if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]))) return null;
    const word = before.slice(at + trigger.length);
    return /\s/.test(word) || word.length > maxLength
      ? null
      : { start: at, query: word.toLowerCase() };
  }

  function open(items, start) {
    menu = { open: true, items, active: 0, start };
    list.replaceChildren(
      ...items.map((item, index) => {
        const option = document.createElement("li");
        option.id = optionId(index);
        option.setAttribute("role", "option");
        option.append(...render(item));
        // mousedown, not click: the textarea must keep focus and its caret.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          insert(index);
        });
        return option;
      }),
    );
    list.hidden = false;
    if (combobox) input.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function highlight(index) {
    menu.active = (index + menu.items.length) % menu.items.length;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === menu.active));
      if (i === menu.active) option.scrollIntoView({ block: "nearest" });
    });
    input.setAttribute("aria-activedescendant", optionId(menu.active));
  }

  function close() {
    menu = { open: false, items: [], active: 0, start: 0 };
    list.hidden = true;
    list.replaceChildren();
    if (combobox) input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function update() {
    const found = query();
    if (!found) return close();
    const items = find(found.query);
    if (!items.length) return close();
    open(items, found.start);
  }

  function insert(index) {
    const item = menu.items[index];
    const value = input.value;
    const caret = input.selectionStart;
    const inserted = text(item);
    input.value = value.slice(0, menu.start) + inserted + value.slice(caret);
    const position = menu.start + inserted.length;
    input.setSelectionRange(position, position);
    close();
    input.focus();
    onInsert?.(item);
  }

  // Whether the key was the menu's: the caller's own keys (Enter sends) wait while it is open.
  function onKey(event) {
    if (!menu.open) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(menu.active + (event.key === "ArrowDown" ? 1 : -1));
      return true;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      insert(menu.active);
      return true;
    }
    if (event.key === "Escape") {
      // Marked handled, so the page's Escape (leave the field) waits for the next one; with
      // `stopEscape` the document's listeners do not see it at all.
      event.preventDefault();
      if (stopEscape) event.stopPropagation();
      close();
      return true;
    }
    return false;
  }

  input.addEventListener("input", update);
  input.addEventListener("click", update);
  input.addEventListener("blur", close);

  return { close, onKey };
}

// A span of an option, styled by its class.
export function optionPart(className, text) {
  const part = document.createElement("span");
  part.className = className;
  part.textContent = text;
  return part;
}
