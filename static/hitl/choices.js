// Quick-reply choices sent with the agent's next message, typed (separated by commas) or
// brought by a template: the web chat, Messenger, WhatsApp and Telegram show them as buttons,
// and the one the user clicks comes back as the user's message.

const byId = (id) => document.getElementById(id);

export function choicesField() {
  const toggle = byId("composer-choices-toggle");
  const field = byId("composer-choices-field");
  const input = byId("composer-choices");
  if (!toggle || !field || !input) return null;

  function open(shown) {
    field.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
  }
  toggle.addEventListener("click", () => {
    open(field.hidden);
    if (!field.hidden) input.focus();
  });

  return {
    // The payload of the message being sent, or undefined without choices.
    payload() {
      const titles = input.value
        .split(",")
        .map((title) => title.trim())
        .filter(Boolean);
      if (field.hidden || !titles.length) return undefined;
      return { type: "quick_reply", choices: titles.map((title) => ({ title, value: title })) };
    },
    fill(choices) {
      if (!choices?.length) return;
      input.value = choices.map((choice) => choice.title).join(", ");
      open(true);
    },
    reset() {
      input.value = "";
      open(false);
    },
  };
}
