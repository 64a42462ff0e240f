"""The French and Spanish catalogues are complete and their committed .mo files are what the
.po files say: a fresh machine runs without gettext's tools (README "Languages")."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import ROOT

from .catalogues import read_po

LOCALE = ROOT / "locale"
# Every language offered but the one the strings are written in.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def test_french_and_spanish_are_offered_each_with_a_catalogue():
    assert sorted(TRANSLATED) == ["es", "fr"]
    assert settings.LOCALE_PATHS == [LOCALE]
    assert all(po_path(language).exists() for language in TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = read_po(po_path(language).read_text())[1:]

    assert len(entries) > 300
    untranslated = [e.key for e in entries if not all(e.translations)]
    fuzzy = [e.key for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_header_is_not_fuzzy(language):
    header = read_po(po_path(language).read_text())[0]

    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.fields["msgstr"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_says_what_the_po_says(language):
    """Stale when a .po was edited and `compilemessages` not run (or its .mo not committed)."""
    entries = read_po(po_path(language).read_text())[1:]
    with open(po_path(language).with_suffix(".mo"), "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    expected: dict[object, str] = {}
    for entry in entries:
        if "msgid_plural" in entry.fields:
            for index, text in enumerate(entry.translations):
                expected[(entry.key, index)] = text
        else:
            expected[entry.key] = entry.fields["msgstr"]
    compiled = {key: value for key, value in catalog.items() if key != ""}
    assert compiled == expected


TRANSLATE_TAG = re.compile(r'\{%\s*translate\s+"((?:[^"\\]|\\.)*)"')


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translate_tag_of_the_templates_is_in_the_catalogue(language):
    """A string marked after the last `makemessages` would show in English."""
    msgids = {entry.fields["msgid"] for entry in read_po(po_path(language).read_text())}
    folders = [ROOT / "templates", ROOT / "handoffs" / "templates", ROOT / "agents" / "templates"]
    marked = {
        text
        for folder in folders
        for path in folder.rglob("*.*")
        for text in TRANSLATE_TAG.findall(path.read_text())
    }

    assert marked - msgids == set()
