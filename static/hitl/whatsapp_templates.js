// The WhatsApp template picker under the composer: WhatsApp takes free-form messages only
// within 24 hours of the user's last one (the server refuses others and says so), and an
// approved template at any time. The bot's template names come from the channel's own
// endpoint; the picker shows only for a WhatsApp user, where the agent may write.

const byId = (id) => document.getElementById(id);

// `send(item, name)` posts the template and answers the message; `act` runs it (pane.js).
export function whatsappTemplatePicker({ botId, act, selected, send, transcript }) {
  const form = byId("wa-template");
  const select = byId("wa-template-name");
  let names = null;

  async function load() {
    if (names) return names;
    const response = await fetch(`/channels/whatsapp/${encodeURIComponent(botId)}/templates/`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    names = response.ok ? (await response.json()).templates : [];
    select.replaceChildren(
      ...names.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        return option;
      }),
    );
    return names;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const item = selected();
    if (!item || !select.value) return;
    act(form.querySelector("button"), async () => {
      transcript.place(await send(item, select.value), item);
    });
  });

  return {
    async offer(channel, allowed) {
      form.hidden = true;
      if (channel !== "whatsapp" || !allowed) return;
      const found = await load();
      form.hidden = !found.length;
    },
  };
}
