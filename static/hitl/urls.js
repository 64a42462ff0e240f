// Only web addresses become links or images: a message's payload may come from an anonymous
// visitor or a bot, and a javascript: link would run in the page that shows it.
export function webUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
