// The workspace socket of every agent page: reconnects with backoff, replays what it missed
// with ?after=<last event id>, keeps the agent present, and hands every event to the page and
// to the document as a "hitl:event", where the notification bell listens. Ephemeral messages
// (typing) carry no id and go to onEphemeral.

import { request } from "./api.js";
import { gettext } from "./i18n.js";

export function connectLive({ socketPath, lastEventId, onEvent, onStatus, onEphemeral }) {
  let last = lastEventId;
  let retries = 0;
  let socket;

  function send(message) {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function handOut(event) {
    if (!event) return;
    onEvent(event);
    document.dispatchEvent(new CustomEvent("hitl:event", { detail: event }));
  }

  // An event too big for a frame comes as its head: the page reads it whole over HTTP.
  async function completed(id) {
    try {
      return await request(`/workspace/events/${id}/`);
    } catch {
      return null;
    }
  }

  function open() {
    onStatus("connecting", retries ? gettext("Reconnecting…") : gettext("Connecting…"));
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${socketPath}?after=${last}`);
    socket.addEventListener("open", () => {
      retries = 0;
      onStatus("live", gettext("Live"));
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof data.id !== "number") {
        onEphemeral?.(data);
        return;
      }
      last = Math.max(last, data.id);
      if (data.truncated) {
        completed(data.id).then(handOut);
      } else {
        handOut(data);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) return onStatus("offline", gettext("Logged out"), event.code);
      if (event.code === 4403) return onStatus("offline", gettext("No access"), event.code);
      // Backoff with jitter, so a restarted server is not hit by every agent at once.
      const delay = Math.min(15000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2);
      retries += 1;
      onStatus("connecting", gettext("Reconnecting…"));
      setTimeout(open, delay);
    });
  }

  // Activity keeps the agent online through the bot's session timeout; once a minute is enough.
  let activitySentAt = 0;
  function activity() {
    if (Date.now() - activitySentAt < 60000) return;
    activitySentAt = Date.now();
    send({ type: "activity" });
  }
  document.addEventListener("keydown", activity);
  document.addEventListener("pointerdown", activity);
  setInterval(() => send({ type: "ping" }), 25000);
  open();
  return { send };
}

// The top bar's connection line (#live-status on both agent pages), as onStatus reports it.
export function showLiveStatus(mode, text) {
  const line = document.getElementById("live-status");
  line.dataset.state = mode;
  line.textContent = text;
}
