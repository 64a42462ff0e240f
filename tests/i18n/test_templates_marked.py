"""Every word a template shows is marked for translation (issue 24): a new unmarked string in
any of the project's templates, e-mails included, fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers import ROOT

from .unmarked import unmarked_strings

TEMPLATE_DIRS = [ROOT / "templates", ROOT / "handoffs" / "templates", ROOT / "agents" / "templates"]
TEMPLATES = sorted(
    path
    for folder in TEMPLATE_DIRS
    for path in folder.rglob("*")
    if path.suffix in {".html", ".txt"}
)


def test_the_walk_finds_the_templates():
    names = {path.relative_to(ROOT).as_posix() for path in TEMPLATES}

    assert "handoffs/templates/handoffs/workspace/page.html" in names
    assert "agents/templates/agents/email/invitation_body.txt" in names
    assert "templates/chat/chat.html" in names
    assert len(names) >= 35


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_visible_string_is_marked(path: Path):
    assert unmarked_strings(path.read_text()) == []


def test_it_catches_an_unmarked_text_node():
    source = '{% load i18n %}<p>{% translate "Marked" %}</p><p>Not marked</p>'

    assert unmarked_strings(source) == ["Not marked"]


@pytest.mark.parametrize(
    "source, found",
    [
        ('<input placeholder="Write here">', ["Write here"]),
        ('<button title="Close it">×</button>', ["Close it"]),
        ('<span aria-label="Online">', ["Online"]),
        ('<img alt="Your avatar" src="{{ url }}">', ["Your avatar"]),
        ('<input type="submit" value="Save">', ["Save"]),
    ],
)
def test_it_catches_an_unmarked_attribute_people_read(source, found):
    assert unmarked_strings(source) == found


def test_it_catches_text_beside_a_variable_and_in_an_email():
    assert unmarked_strings("Hello {{ name }},\n{% url 'login' %}") == ["Hello ,"]


def test_marked_strings_and_what_nobody_reads_pass():
    source = """{% load i18n %}{# a note #}{% comment %}Not shown{% endcomment %}
<html lang="{{ LANGUAGE_CODE }}"><head><script>const x = "text";</script>
<style>.a::after { content: "word"; }</style></head>
<body class="page"><!-- a comment -->
<a href="/x" class="link" data-state="connecting">{% translate "Go" %}</a>
<input placeholder="{% translate "Write here" %}" name="text" type="text" value="typed">
<option value="oldest">{% translate "Oldest first" %}</option>
<p>{% blocktranslate trimmed with name=user.name %}
Hello {{ name }}, <strong>welcome</strong>.
{% endblocktranslate %}</p>
<p class="brand"><span class="brand__mark">h</span> hitl · {{ bot.name }} – 42</p>
</body></html>"""

    assert unmarked_strings(source) == []
