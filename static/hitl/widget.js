/*
 * hitl web chat widget. Add one tag to any page:
 *   <script src="https://hitl.example.com/static/hitl/widget.js" data-bot-id="welcome-bot" async></script>
 * It adds a chat bubble; the chat itself is /chat/<bot_id>/ of the same server, in an iframe.
 * Optional: data-title="Chat with us", data-color="#2563eb".
 * It runs on someone else's page, without hitl's JavaScript catalog: its one default word is
 * in the visitor's browser language here (English, French, Spanish); the chat itself follows
 * the same language through Django's.
 */
(() => {
  const script = document.currentScript;
  if (!script || !script.dataset.botId) {
    console.warn("hitl widget: the script tag needs a data-bot-id attribute.");
    return;
  }
  const origin = new URL(script.src, location.href).origin;
  const botId = script.dataset.botId;
  const defaultTitles = { en: "Chat with us", fr: "Discutez avec nous", es: "Chatea con nosotros" };
  const language = (navigator.language || "en").slice(0, 2).toLowerCase();
  const title = script.dataset.title || defaultTitles[language] || defaultTitles.en;
  const color = script.dataset.color || "#2563eb";

  // Inline styles rather than our stylesheet: this runs on someone else's page, whose CSS must
  // neither restyle the widget nor be restyled by ours.
  const button = document.createElement("button");
  button.type = "button";
  button.className = "hitl-widget-button";
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-expanded", "false");
  button.textContent = "💬";
  Object.assign(button.style, {
    position: "fixed",
    right: "20px",
    bottom: "20px",
    zIndex: "2147483000",
    width: "56px",
    height: "56px",
    borderRadius: "50%",
    border: "none",
    background: color,
    color: "#fff",
    fontSize: "26px",
    cursor: "pointer",
    boxShadow: "0 4px 14px rgba(0, 0, 0, 0.25)",
  });

  let frame = null;

  function openFrame() {
    if (!frame) {
      frame = document.createElement("iframe");
      // Loaded on first open: a visitor who never opens the chat costs the server nothing.
      frame.src = `${origin}/chat/${encodeURIComponent(botId)}/?embed=1`;
      frame.title = title;
      frame.className = "hitl-widget-frame";
      frame.id = `hitl-widget-${botId}`;
      Object.assign(frame.style, {
        position: "fixed",
        right: "20px",
        bottom: "88px",
        zIndex: "2147483000",
        width: "min(380px, calc(100vw - 40px))",
        height: "min(560px, calc(100vh - 120px))",
        border: "none",
        borderRadius: "12px",
        background: "#fff",
        boxShadow: "0 8px 30px rgba(0, 0, 0, 0.25)",
      });
      button.setAttribute("aria-controls", frame.id);
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    button.textContent = "×";
  }

  function closeFrame() {
    frame.style.display = "none";
    button.setAttribute("aria-expanded", "false");
    button.textContent = "💬";
    button.focus();
  }

  button.addEventListener("click", () => {
    if (frame && frame.style.display !== "none") closeFrame();
    else openFrame();
  });

  const mount = () => document.body.appendChild(button);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
