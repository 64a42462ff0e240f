// The pages' REST calls: JSON in and out with the session's CSRF token; failures as ApiError.

import { gettext, interpolate } from "./i18n.js";

// What a failed call says when its answer says nothing (the API's messages are the server's).
export const unreachable = () => gettext("The server cannot be reached. Check your connection.");
const answered = (status) => interpolate(gettext("The server answered %s."), [status]);

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || answered(status));
    this.status = status;
    this.body = body;
  }
}

async function fetchJson(url, init) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch {
    throw new ApiError(0, { message: unreachable() });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return { response, data };
}

export async function request(url, { method = "GET", body, csrfToken } = {}) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const { data } = await fetchJson(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return data;
}

// A page of a list the API pages with a `Link: <next>; rel="next"` header.
export async function requestPage(url) {
  const { response, data } = await fetchJson(url, { headers: { Accept: "application/json" } });
  const link = response.headers.get("Link") || "";
  const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] ?? null;
  return { items: data, next };
}

// The request of a page, every call with the page's CSRF token.
export function requestWith(csrfToken) {
  return (url, options = {}) => request(url, { ...options, csrfToken });
}
