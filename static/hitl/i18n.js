// The pages' words in the reader's language: Django's JavaScript catalog (/jsi18n/, loaded by
// templates/base.html before any module; locale/<lang>/LC_MESSAGES/djangojs.po) gives
// gettext, ngettext for counts, pgettext for a word that needs its context, and interpolate
// for what a sentence names. Dates and numbers follow the page's language (<html lang>)
// through Intl.

export const { gettext, ngettext, pgettext, interpolate } = globalThis.django;

// The browser's own when the page names none.
export const locale = document.documentElement.lang || undefined;
