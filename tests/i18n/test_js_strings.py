"""Every string static/hitl's modules show goes through gettext (tests/i18n/js_strings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.i18n.js_strings import untranslated

STATIC = Path(__file__).resolve().parents[2] / "static" / "hitl"
# The embed snippet runs on other sites, without the catalog: it carries its one default title
# in English, French and Spanish itself.
OFF_SITE = {"widget.js"}
MODULES = sorted(path for path in STATIC.glob("*.js") if path.name not in OFF_SITE)


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_every_visible_string_goes_through_gettext(module):
    findings = untranslated(module.read_text(encoding="utf-8"))
    assert not findings, f"{module.name}: wrap in gettext():\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize(
    "snippet",
    [
        'line.textContent = "Live";',
        "button.title = `Open ${name}`;",
        'image.alt = ok ? gettext("Sent") : "Failed";',
        'input.placeholder = "Search";',
        'button.setAttribute("aria-label", "Close the panel");',
        'if (!confirm("Delete it?")) return;',
        "alert(`Saved ${count} notes`);",
        'showNotice("The conversation was deleted.");',
        'select.append(new Option("Choose an agent", ""));',
        'const rows = [{ key: "j", label: "next row" }];',
        'throw new ApiError(0, { message: "offline" });',
        "const question = `Delete the whole conversation with ${name}?`;",
        'return done ? "Saving…" : "";',
        'node.textContent = interpolate(gettext("With %s"), ["an agent"]);',
        'return message.author?.name || "Agent";',
        'return outgoing ? "Bot" : "System";',
    ],
)
def test_a_planted_untranslated_string_is_caught(snippet):
    assert untranslated(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'line.textContent = gettext("Live");',
        'button.title = interpolate(gettext("Open %s"), [name]);',
        'label.textContent = ngettext("%s note", "%s notes", n);',
        'badge.textContent = pgettext("handoff status", "pending");',
        "time.textContent = `${hours}:${minutes}`;",
        'meta.textContent = [channel, bot].join(" · ");',
        'image.alt = message.direction === "incoming" ? gettext("Image") : gettext("Sent");',
        'if (event.key === "Escape") close();',
        'headers["Content-Type"] = "application/json";',
        # A comment's words, and a regular expression's quote, are not strings.
        '// Don\'t "translate" this comment.\nconst next = /rel="next"/.exec(link);',
        'line.textContent = `${who} · ${gettext("now")}`;',
        'if (now >= due) return "breached";',
        'const next = response.headers.get("Link") || "";',
    ],
)
def test_a_translated_or_technical_string_passes(snippet):
    assert untranslated(snippet) == [], snippet


def test_the_finding_names_the_line_and_the_text():
    [finding] = untranslated('const a = 1;\nline.textContent = "Live";\n')
    assert (finding.line, finding.text) == (2, "Live")
