// Files from the composer: its attach button, a paste into the text, or a drop on the composer
// sends the file to the user (POST .../conversations/<id>/attachments, multipart); the server
// checks its size and type and answers the message, which joins the transcript.

import { ApiError, unreachable } from "./api.js";

const byId = (id) => document.getElementById(id);

// `selected()` is the handoff or conversation written to; `upload(item, file)` sends the file
// and answers the message; `act` runs it (pane.js), whose notice tells a refusal.
export function attachFiles({ act, selected, upload, transcript, types }) {
  const form = byId("composer");
  const picker = byId("composer-file");
  const button = byId("composer-attach");
  const text = byId("composer-text");
  if (!form || !picker || !button) return;
  if (types?.length) picker.accept = types.join(",");

  function send(files) {
    const item = selected();
    if (!item || form.hidden || !files.length) return;
    act(button, async () => {
      for (const file of files) transcript.place(await upload(item, file), item);
    });
  }

  button.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    send([...picker.files]);
    picker.value = "";
  });
  text.addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (!files.length) return; // text pastes as usual
    event.preventDefault();
    send(files);
  });
  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  form.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    form.classList.add("composer--drop");
  });
  form.addEventListener("dragleave", () => form.classList.remove("composer--drop"));
  form.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    form.classList.remove("composer--drop");
    send([...event.dataTransfer.files]);
  });
}

// A multipart POST with the page's CSRF token; failures as ApiError, as api.js's requests.
export async function uploadFile(url, csrfToken, file) {
  const body = new FormData();
  body.append("file", file);
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
      body,
    });
  } catch {
    throw new ApiError(0, { message: unreachable() });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
