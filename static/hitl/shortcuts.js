// Keyboard shortcuts of the workspace. Each one does what a click would: it presses the page's
// own button (so what the server's allowedActions hid stays out of reach) or moves the focus.
// None fires while the agent types (an input, a textarea, a select, anything contenteditable),
// with a modifier held, or while a dialog is open; `?` lists them in a dialog.

import { gettext } from "./i18n.js";

const byId = (id) => document.getElementById(id);

const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

function isTyping(target) {
  return target instanceof Element && (target.isContentEditable || target.closest(TYPING));
}

function usable(control) {
  return Boolean(control) && !control.hidden && !control.disabled && !control.closest("[hidden]");
}

// `list` holds the rows (`row` selector), each with a button marked aria-current when selected;
// `assign`, `resolve`: the pane's buttons; `composer`: the textarea; `trigger`: the bot's
// template character; `dialog`: the help <dialog>, `opener`: a button that opens it too.
export function installShortcuts({ list, row, assign, resolve, composer, trigger, dialog, opener }) {
  function move(step) {
    const buttons = [...list.querySelectorAll(`${row} button`)];
    if (!buttons.length) return;
    const current = buttons.findIndex((button) => button.getAttribute("aria-current") === "true");
    const index =
      current < 0 ? 0 : Math.min(Math.max(current + step, 0), buttons.length - 1);
    // Focus first: the list draws its rows anew on select and gives the focus back to the row
    // that had it.
    buttons[index].focus();
    buttons[index].click();
  }

  function press(control) {
    if (usable(control)) control.click();
  }

  function focusComposer() {
    if (!usable(composer)) return false;
    composer.focus();
    return true;
  }

  function openTemplates() {
    if (!focusComposer()) return;
    const start = composer.selectionStart;
    const before = composer.value.slice(0, start);
    // The menu opens on the trigger at the start of a word only.
    const text = before && !/\s$/.test(before) ? ` ${trigger}` : trigger;
    composer.setRangeText(text, start, composer.selectionEnd, "end");
    composer.dispatchEvent(new Event("input", { bubbles: true }));
  }

  const shortcuts = [
    { key: "j", label: gettext("Next handoff"), run: () => move(1) },
    { key: "k", label: gettext("Previous handoff"), run: () => move(-1) },
    { key: "a", label: gettext("Assign the handoff to me"), run: () => press(assign) },
    { key: "r", label: gettext("Resolve the handoff"), run: () => press(resolve) },
    { key: "c", label: gettext("Write to the user (focus the composer)"), run: focusComposer },
    { key: "t", label: gettext("Open the templates"), run: openTemplates },
    { key: "?", label: gettext("Show these shortcuts"), run: showHelp },
  ];
  // Translators: the Escape key's name on a keyboard.
  const notes = [{ key: gettext("Esc"), label: gettext("Leave the composer") }];

  function showHelp() {
    if (!dialog.open) dialog.showModal();
  }

  const table = dialog.querySelector("[data-slot=shortcuts]");
  table.replaceChildren(
    ...[...shortcuts, ...notes].map(({ key, label }) => {
      const term = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      term.append(kbd);
      const description = document.createElement("dd");
      description.textContent = label;
      const line = document.createElement("div");
      line.append(term, description);
      return line;
    }),
  );
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  // Escape leaves the composer, so the keys are shortcuts again; an open template menu takes
  // that Escape first (composer.js marks it handled).
  composer?.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) composer.blur();
  });
  opener?.addEventListener("click", showHelp);

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector("dialog[open]")) return;
    const shortcut = shortcuts.find((s) => s.key === event.key);
    if (!shortcut) return;
    event.preventDefault();
    shortcut.run();
  });
  return shortcuts;
}

// The workspace page's controls, by the ids its template gives them.
export function installWorkspaceShortcuts(trigger) {
  return installShortcuts({
    list: byId("handoff-list"),
    row: ".handoff",
    assign: byId("assign-button"),
    resolve: byId("resolve-button"),
    composer: byId("composer-text"),
    trigger,
    dialog: byId("shortcuts-help"),
    opener: byId("shortcuts-button"),
  });
}
