"""Reads a .po file's entries: enough of the format for the catalogs this project writes."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """The entries, the header (msgid "") first."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry = Entry()
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if "msgid" not in fields:
            continue
        entry.msgid = fields["msgid"]
        entry.msgctxt = fields.get("msgctxt")
        entry.msgid_plural = fields.get("msgid_plural")
        entry.msgstr = [value for key, value in sorted(fields.items()) if key.startswith("msgstr")]
        entries.append(entry)
    return entries
