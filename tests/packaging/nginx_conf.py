"""A reader of nginx configuration files: enough of the syntax for tests to ask what applies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"""#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{};]|[^\s{};"'#]+""")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False)

    def all(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]

    def one(self, name: str, *args: str) -> Directive:
        found = [d for d in self.all(name) if list(args) == d.args[: len(args)]]
        assert len(found) == 1, f"{len(found)} `{name} {' '.join(args)}` in `{self.name}`"
        return found[0]

    def effective(self, name: str) -> list[Directive]:
        """The directives of that name in force here: nginx inherits an array directive such
        as proxy_set_header from the enclosing block only where this block has none of it."""
        here: Directive | None = self
        while here is not None:
            if found := here.all(name):
                return found
            here = here.parent
        return []

    def headers(self) -> dict[str, str]:
        return {d.args[0].lower(): d.args[1] for d in self.effective("proxy_set_header")}


def parse(text: str) -> Directive:
    root = Directive("main", [], [])
    stack = [root]
    words: list[str] = []
    for token in TOKEN.findall(text):
        if token.startswith("#"):
            continue
        if token in (";", "{"):
            directive = Directive(words[0], words[1:], [] if token == "{" else None, stack[-1])
            assert stack[-1].block is not None
            stack[-1].block.append(directive)
            if token == "{":
                stack.append(directive)
            words = []
        elif token == "}":
            assert not words, f"`{' '.join(words)}` lacks its `;`"
            stack.pop()
        else:
            words.append(token[1:-1] if token[0] in "\"'" else token)
    assert len(stack) == 1 and not words, "unbalanced braces or a missing `;`"
    return root


def seconds(value: str) -> float:
    """An nginx time (`90`, `90s`, `1h`, `1m30s`) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w)?", value)
    assert "".join(n + u for n, u in parts) == value, f"not an nginx time: {value!r}"
    return sum(int(n) * units[u or "s"] for n, u in parts)


def size(value: str) -> int:
    """An nginx size (`512`, `10k`, `10m`) in bytes."""
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
