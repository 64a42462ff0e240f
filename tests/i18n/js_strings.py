"""Finds the user-visible string literals of a JavaScript module that skip gettext.

A small tokenizer (comments, strings, template literals and their `${}` parts, regular
expressions) marks where each literal is; two rules then flag the ones a person would read
untranslated:

- a literal with letters in what a page shows: an assignment to textContent, title, alt,
  placeholder, ariaLabel or label; setAttribute("aria-label" | "title" | "placeholder" | "alt");
  alert, confirm, prompt, showNotice, showError, setStatus, new Option, new Notification; the
  `label:`, `hint:` and `message:` of an object;
- anywhere, a literal that reads as English words: a capitalised word followed by others, or
  a text ending in "…"; and a capitalised word given as a value (returned, a branch of `?:`,
  a fallback after `||` or `??`).

A literal is translated when it is an argument of gettext, ngettext, pgettext or npgettext;
one compared with `===` (a status, a key name) is a value, not a text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRANSLATORS = {"gettext", "ngettext", "pgettext", "npgettext", "gettext_noop"}
LETTERS = re.compile(r"[^\W\d_]")
SENTENCE = re.compile(r"^\s*[A-Z][a-z]+[’']?[a-z]*(\s+\S+)+|…\s*$")
WORD = re.compile(r"^[A-Z][a-z]")
GIVEN = re.compile(r"(?:\breturn|[?:]|\|\||\?\?)\s*$")
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^")
# A "/" after these starts a regular expression; after a name or a ")", it divides.
REGEX_WORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "throw"}

SINKS = [
    (
        r"\.(?:textContent|innerText|innerHTML|title|placeholder|ariaLabel|alt|label)\s*\+?=(?!=)",
        "statement",
    ),
    (
        r"\.setAttribute\(\s*[\"'](?:aria-label|aria-description|title|placeholder|alt)[\"']\s*,",
        "args",
    ),
    (r"\b(?:alert|confirm|prompt|showNotice|showError|setStatus)\(", "args"),
    (r"\bnew\s+(?:Option|Notification)\(", "args"),
    (r"\b(?:label|hint|message)\s*:(?!:)", "value"),
]


@dataclass
class Literal:
    start: int
    end: int
    text: str  # what the reader sees of it: a template's parts outside `${}`


@dataclass
class Finding:
    line: int
    text: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r} ({self.rule})"


def tokenize(source: str) -> tuple[str, str, list[Literal]]:
    """(code, masked, literals): code has comments blanked; masked also has the literals'
    contents (and regular expressions') blanked, so brackets in them do not count."""
    code = list(source)
    masked = list(source)
    literals: list[Literal] = []
    # Each frame: ["code", brace depth] inside a template's `${}`, or ["template", Literal].
    stack: list[list] = []
    i, n = 0, len(source)

    def blank(start: int, end: int, keep_code: bool = False) -> None:
        for k in range(start, end):
            if source[k] != "\n":
                masked[k] = "x"
                if not keep_code:
                    code[k] = " "

    def previous_significant(at: int) -> str:
        k = at - 1
        while k >= 0 and masked[k].isspace():
            k -= 1
        if k < 0:
            return ""
        if masked[k].isalnum() or masked[k] in "_$":
            end = k + 1
            while k >= 0 and (masked[k].isalnum() or masked[k] in "_$"):
                k -= 1
            return "".join(masked[k + 1 : end])
        return masked[k]

    def template_part(start: int) -> int:
        """Reads a template's text from `start` to its end or to a `${`; returns the index."""
        literal = stack[-1][1]
        k = start
        while k < n:
            if source[k] == "\\":
                k += 2
                continue
            if source[k] == "`":
                literal.text += source[start:k]
                blank(start, k, keep_code=True)
                literal.end = k + 1
                stack.pop()
                return k + 1
            if source.startswith("${", k):
                literal.text += source[start:k] + " "
                blank(start, k, keep_code=True)
                stack.append(["code", 0])
                return k + 2
            k += 1
        raise ValueError("unterminated template literal")

    while i < n:
        if stack and stack[-1][0] == "template":
            i = template_part(i)
            continue
        c = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            blank(i, end)
            i = end
        elif c in "'\"":
            k = i + 1
            while source[k] != c:
                k += 2 if source[k] == "\\" else 1
            literals.append(Literal(i, k + 1, source[i + 1 : k]))
            blank(i + 1, k, keep_code=True)
            i = k + 1
        elif c == "`":
            literal = Literal(i, i, "")
            literals.append(literal)
            stack.append(["template", literal])
            i += 1
        elif c == "/":
            before = previous_significant(i)
            if before == "" or before in REGEX_BEFORE or before in REGEX_WORDS:
                k, in_class = i + 1, False
                while in_class or source[k] != "/":
                    if source[k] == "\\":
                        k += 1
                    elif source[k] == "[":
                        in_class = True
                    elif source[k] == "]":
                        in_class = False
                    k += 1
                blank(i + 1, k, keep_code=True)
                i = k + 1
            else:
                i += 1
        elif stack and c == "{":
            stack[-1][1] += 1
            i += 1
        elif stack and c == "}":
            if stack[-1][1] == 0:
                stack.pop()  # back to the template's text
            else:
                stack[-1][1] -= 1
            i += 1
        else:
            i += 1
    return "".join(code), "".join(masked), literals


def _callee(masked: str, at: int) -> str | None:
    """The name of the call whose parentheses hold position `at`, if any."""
    depth = 0
    for k in range(at - 1, -1, -1):
        ch = masked[k]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                name = re.search(r"([\w$.]+)\s*$", masked[:k])
                return name.group(1).split(".")[-1] if name else None
            depth -= 1
    return None


def _compared(masked: str, literal: Literal) -> bool:
    before = masked[: literal.start].rstrip()
    after = masked[literal.end :].lstrip()
    return bool(re.search(r"[!=]==?$", before) or re.match(r"[!=]==?", after))


def _extent_end(masked: str, start: int, kind: str) -> int:
    depth = 0
    for k in range(start, len(masked)):
        ch = masked[k]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return k
        elif depth == 0 and (ch == ";" or (kind == "value" and ch == ",")):
            return k
    return len(masked)


def untranslated(source: str) -> list[Finding]:
    code, masked, literals = tokenize(source)
    line_of = lambda at: source.count("\n", 0, at) + 1  # noqa: E731
    inside = lambda at: any(lit.start <= at < lit.end for lit in literals)  # noqa: E731

    def plain(literal: Literal) -> bool:
        return _callee(masked, literal.start) not in TRANSLATORS and not _compared(masked, literal)

    findings: dict[int, Finding] = {}
    for pattern, kind in SINKS:
        for match in re.finditer(pattern, code):
            if inside(match.start()):
                continue
            end = _extent_end(masked, match.end(), kind)
            for literal in literals:
                shown = match.end() <= literal.start < end and LETTERS.search(literal.text)
                if shown and plain(literal):
                    findings[literal.start] = Finding(
                        line_of(literal.start), literal.text, "shown on the page"
                    )
    for literal in literals:
        given = WORD.match(literal.text) and GIVEN.search(masked[: literal.start])
        if literal.start in findings or not (SENTENCE.search(literal.text) or given):
            continue
        if plain(literal):
            findings[literal.start] = Finding(line_of(literal.start), literal.text, "reads as text")
    return sorted(findings.values(), key=lambda finding: finding.line)
