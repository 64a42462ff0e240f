// The composer under a transcript, with the markup both pages give the same ids: Enter sends,
// Shift+Enter adds a line, and the message sent joins the transcript. Where the page asks for
// them: the bot's templates behind its trigger character, and the agent's typing told to the
// others (typingLine shows theirs).

import { gettext, interpolate } from "./i18n.js";

const byId = (id) => document.getElementById(id);

// `selected()` is the handoff or conversation written to; `post(item, text)` sends the text and
// answers the message; `act` runs it (pane.js). `templates`: { trigger, items };
// `tellTyping(item, typing)` sends the agent's typing state. `choices` (choices.js): quick
// replies sent with the text as `post(item, text, payload)`'s payload; a template fills them.
export function createComposer({ act, selected, post, transcript, templates, tellTyping, choices }) {
  const form = byId("composer");
  const input = byId("composer-text");
  const off = byId("composer-off");
  const menu = templates
    ? templateMenu(input, byId("template-list"), templates, (t) => choices?.fill(t.choices))
    : null;

  // Told when it starts, again at most every 3 s while it goes on, and once when it stops.
  let typingSentAt = 0;
  let typingOn = false;
  function typing(on) {
    if (!tellTyping) return;
    const item = selected();
    if (!item) return;
    const now = Date.now();
    if (on && typingOn && now - typingSentAt < 3000) return;
    if (!on && !typingOn) return;
    typingOn = on;
    typingSentAt = now;
    tellTyping(item, on);
  }

  input.addEventListener("keydown", (event) => {
    if (menu?.onKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    menu?.update();
    typing(input.value.length > 0);
  });
  input.addEventListener("click", () => menu?.update());
  input.addEventListener("blur", () => {
    menu?.close();
    typing(false);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const item = selected();
    const text = input.value;
    if (!item || !text.trim()) return;
    act(form.querySelector("button[type=submit]"), async () => {
      const message = await post(item, text, choices?.payload());
      input.value = "";
      choices?.reset();
      typing(false);
      transcript.place(message, item);
    });
  });

  return {
    // Where the server allows writing; elsewhere `hint` says why not.
    offer(allowed, hint) {
      form.hidden = !allowed;
      off.hidden = allowed;
      off.textContent = hint;
    },
    closeMenu: () => menu?.close(),
  };
}

// Who else is writing in the shown conversation; one who stops telling is taken off after 6 s.
export function typingLine(line) {
  const timers = new Map();
  return {
    show(who, typing) {
      clearTimeout(timers.get(who));
      if (!typing) {
        line.textContent = "";
        return;
      }
      line.textContent = interpolate(gettext("%s is typing…"), [who]);
      timers.set(who, setTimeout(() => (line.textContent = ""), 6000));
    },
    clear() {
      line.textContent = "";
    },
  };
}

// The bot's templates, a listbox under the input while the agent types the trigger and a name.
function templateMenu(input, list, { trigger, items: templates }, onInsert) {
  let menu = { open: false, items: [], active: 0, start: 0 };

  function templateQuery() {
    const before = input.value.slice(0, input.selectionStart);
    const at = before.lastIndexOf(trigger);
    // Only at the start of a word, so "https://" or "12:30" do not open the list.
    if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]))) return null;
    const query = before.slice(at + trigger.length);
    return /\s/.test(query) ? null : { start: at, query: query.toLowerCase() };
  }

  function open(items, start) {
    menu = { open: true, items, active: 0, start };
    list.replaceChildren(
      ...items.map((template, index) => {
        const option = document.createElement("li");
        option.id = `template-option-${index}`;
        option.setAttribute("role", "option");
        const name = document.createElement("span");
        name.className = "template__name";
        name.textContent = `${trigger}${template.name}`;
        const text = document.createElement("span");
        text.className = "template__text";
        text.textContent = template.text;
        option.append(name, text);
        // mousedown, not click: the textarea must keep focus and its caret.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          insert(index);
        });
        return option;
      }),
    );
    list.hidden = false;
    highlight(0);
  }

  function highlight(index) {
    menu.active = (index + menu.items.length) % menu.items.length;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === menu.active));
      if (i === menu.active) option.scrollIntoView({ block: "nearest" });
    });
    input.setAttribute("aria-activedescendant", `template-option-${menu.active}`);
  }

  function close() {
    menu = { open: false, items: [], active: 0, start: 0 };
    list.hidden = true;
    list.replaceChildren();
    input.removeAttribute("aria-activedescendant");
  }

  function update() {
    const found = templateQuery();
    if (!found) return close();
    // Names that start with what was typed come first.
    const starts = (t) => (t.name.toLowerCase().startsWith(found.query) ? 0 : 1);
    const items = templates
      .filter((t) => t.name.toLowerCase().includes(found.query))
      .sort((a, b) => starts(a) - starts(b));
    if (!items.length) return close();
    open(items, found.start);
  }

  function insert(index) {
    const template = menu.items[index];
    const text = input.value;
    const caret = input.selectionStart;
    input.value = text.slice(0, menu.start) + template.text + text.slice(caret);
    const position = menu.start + template.text.length;
    input.setSelectionRange(position, position);
    close();
    input.focus();
    onInsert?.(template);
  }

  // Whether the key was the menu's: while it is open, arrows move, Enter or Tab inserts and
  // Escape closes it.
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
      event.preventDefault();
      close();
      return true;
    }
    return false;
  }

  return { close, onKey, update };
}
