// The composer under a transcript, with the markup both pages give the same ids: Enter sends,
// Shift+Enter adds a line, and the message sent joins the transcript. Where the page asks for
// them: the bot's templates behind its trigger character, and the agent's typing told to the
// others (typingLine shows theirs).

import { gettext, interpolate } from "./i18n.js";
import { optionPart, wordMenu } from "./word_menu.js";

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
  // The menu follows the input, clicks and blur itself (word_menu.js).
  input.addEventListener("input", () => typing(input.value.length > 0));
  input.addEventListener("blur", () => typing(false));

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
  return wordMenu(input, list, {
    trigger,
    // Names that start with what was typed come first.
    find(query) {
      const starts = (t) => (t.name.toLowerCase().startsWith(query) ? 0 : 1);
      return templates
        .filter((t) => t.name.toLowerCase().includes(query))
        .sort((a, b) => starts(a) - starts(b));
    },
    render: (template) => [
      optionPart("template__name", `${trigger}${template.name}`),
      optionPart("template__text", template.text),
    ],
    text: (template) => template.text,
    idPrefix: "template",
    onInsert,
  });
}
