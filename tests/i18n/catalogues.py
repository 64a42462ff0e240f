"""A small reader of gettext .po files: enough for the checks of tests/i18n, no dependency."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

_FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$')


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The key gettext.GNUTranslations files it under ("context\\x04msgid" with a context)."""
        context = self.fields.get("msgctxt")
        msgid = self.fields["msgid"]
        return f"{context}\x04{msgid}" if context is not None else msgid

    @property
    def translations(self) -> list[str]:
        return [value for name, value in sorted(self.fields.items()) if name.startswith("msgstr")]


def read_po(text: str) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") first; obsolete (#~) ones left out."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = Entry()
        current = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := _FIELD.match(line):
                current = match.group(1)
                entry.fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"'):
                entry.fields[current] += ast.literal_eval(line)
        if "msgid" in entry.fields:
            entries.append(entry)
    return entries
