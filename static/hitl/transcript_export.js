// The selected conversation's transcript (issue 24): a link that downloads it as an HTML file,
// and, when the user's e-mail address is known, a button that sends it to them. Both call the
// REST API (mod/hitlnext/conversations/<id>/transcript), which checks who may.

import { gettext, interpolate } from "./i18n.js";
import { act } from "./pane.js";

const byId = (id) => document.getElementById(id);

// `request(url, options)` is the page's JSON call with its CSRF token.
export function createTranscriptExport(request) {
  const ui = {
    box: byId("transcript-export"),
    download: byId("transcript-download"),
    email: byId("transcript-email"),
    sent: byId("transcript-email-sent"),
  };
  let current = null;

  ui.email.addEventListener("click", () => {
    if (!current) return;
    const { base, address } = current;
    act(ui.email, async () => {
      const answer = await request(`${base}/email`, { method: "POST", body: {} });
      ui.sent.textContent = interpolate(gettext("Transcript sent to %s."), [answer.to || address]);
    });
  });

  // `apiBase`: the bot's HITL-next API; `conversationId` and `user` (with its attributes).
  return {
    show(apiBase, conversationId, user) {
      const base = `${apiBase}conversations/${conversationId}/transcript`;
      const address = typeof user?.attributes?.email === "string" ? user.attributes.email : "";
      if (current?.base !== base) ui.sent.textContent = "";
      current = { base, address };
      ui.box.hidden = false;
      ui.download.href = base;
      ui.email.hidden = !address;
      ui.email.textContent = interpolate(gettext("E-mail transcript to %s"), [address]);
    },
    hide() {
      current = null;
      ui.box.hidden = true;
    },
  };
}
