// Times and names as the pages show them: a clock time today, a short date otherwise, an age,
// and a handoff's or a conversation's user.

import { gettext, interpolate, locale } from "./i18n.js";

const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

export function clock(iso) {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return (today ? timeFormat : dateTimeFormat).format(date);
}

const numberFormat = new Intl.NumberFormat(locale);

// Short, for a list's column: "5 min", "3 h", "2 d" (each language its own abbreviations).
export function age(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  // Translators: an age in a list's narrow column (under a minute; then "5 min", "3 h", "2 d").
  if (seconds < 60) return gettext("now");
  const [format, count] =
    seconds < 3600
      ? [gettext("%(count)s min"), seconds / 60]
      : seconds < 86400
        ? [gettext("%(count)s h"), seconds / 3600]
        : [gettext("%(count)s d"), seconds / 86400];
  return interpolate(format, { count: numberFormat.format(Math.floor(count)) }, true);
}

// A count as the page's language writes it (1,234 or 1 234).
export const number = (count) => numberFormat.format(count);

// A handoff and a conversation carry their user (without a name, its id); a message only the id.
export const userName = (item) => item.user?.name || item.userId;
