"""Finds the words of a Django template that a reader would see but no translator could.

What is left of a template once everything translated or not shown is taken out must have no
letters: comments, {% blocktranslate %} blocks, every other tag ({% translate %} included) and
variable, <script> and <style> bodies, and attributes nobody reads (`{% block body_class %}`
fills one). Attributes people do read
(placeholder, title, aria-label, alt, a button's value) are checked like text. Not seen: a
literal passed to a tag (`{% include ... with label="x" %}`), so templates pass such labels
through {% translate "x" as name %} first.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# The product's name, in titles and beside its one-letter mark ("h"), is not translated.
PRODUCT_NAME = re.compile(r"\bhitl\b")
BRAND_MARK = "h"
READ_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})

_LETTER = re.compile(r"[^\W\d_]")
_REMOVED = [
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    # A block that fills an attribute nobody reads, such as base.html's <body class>.
    re.compile(r"\{%\s*block\s+\w*class\s*%\}.*?\{%\s*endblock\s*%\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def _check(self, text: str) -> None:
        text = " ".join(text.split())
        if text != BRAND_MARK and _LETTER.search(PRODUCT_NAME.sub("", text)):
            self.found.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES:
                self._check(value or "")
        if tag == "input" and (values.get("type") or "") in BUTTON_INPUTS:
            self._check(values.get("value") or "")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self._check(data)


def unmarked_strings(source: str) -> list[str]:
    """The visible text of a template that is not marked for translation."""
    for pattern in _REMOVED:
        source = pattern.sub(" ", source)
    reader = _Reader()
    reader.feed(source)
    reader.close()
    return reader.found
