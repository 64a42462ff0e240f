"""The French and Spanish JavaScript catalogs: complete, compiled, current, and served."""

from __future__ import annotations

import gettext
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.i18n.js_strings import TRANSLATORS, tokenize
from tests.i18n.js_strings import _callee as callee
from tests.i18n.po_files import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fr", "es"]


def po_path(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "djangojs.po"


def messages(language: str):
    return [entry for entry in read_po(po_path(language)) if entry.msgid and not entry.obsolete]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    entries = messages(language)
    assert entries
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr)]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    header = read_po(po_path(language))[0]
    assert "fuzzy" not in header.flags
    assert f"Language: {language}\n" in header.msgstr[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_matches_the_po(language):
    """A fresh checkout runs without gettext's tools: the .mo must say what the .po says."""
    with po_path(language).with_suffix(".mo").open("rb") as compiled:
        # Keyed as msgfmt writes them: "context\x04msgid", and (msgid, n) for plural forms.
        compiled_messages = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for entry in messages(language):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            found = [compiled_messages.get((key, n)) for n in range(len(entry.msgstr))]
        else:
            found = [compiled_messages.get(key)]
        assert found == entry.msgstr, entry.msgid


def test_every_gettext_string_of_the_modules_is_in_the_catalogs():
    """A string wrapped after the last `makemessages` would show in English in every language."""
    wrapped = set()
    for module in (ROOT / "static" / "hitl").glob("*.js"):
        _, masked, literals = tokenize(module.read_text(encoding="utf-8"))
        wrapped |= {lit.text for lit in literals if callee(masked, lit.start) in TRANSLATORS}
    assert wrapped
    for language in LANGUAGES:
        known = set()
        for entry in messages(language):
            known |= {entry.msgid, entry.msgid_plural, entry.msgctxt}
        assert wrapped - known == set(), language


def served_catalog(client, language: str) -> dict:
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # Django writes no catalog at all when it has no translation.
    found = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.DOTALL)
    return json.loads(found.group(1)) if found else {}


def test_the_catalog_answers_french_to_a_french_browser(client):
    catalog = served_catalog(client, "fr-FR,fr;q=0.9,en;q=0.5")
    assert catalog["Live"] == "En direct"
    assert catalog["Notifications, %s unread"] == [
        "Notifications, %s non lue",
        "Notifications, %s non lues",
    ]


def test_the_catalog_answers_spanish_to_a_spanish_browser(client):
    assert served_catalog(client, "es")["Live"] == "En directo"


def test_the_catalog_is_empty_in_english(client):
    """English is the source: gettext gives each string back as written."""
    assert served_catalog(client, "en") == {}


def test_a_browser_revalidates_the_catalog_of_its_language(client):
    url = reverse("javascript-catalog")
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert "no-cache" in french["Cache-Control"]
    assert "private" in french["Cache-Control"]
    assert "Accept-Language" in french["Vary"]
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=french["ETag"])
    assert again.status_code == 304
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es", HTTP_IF_NONE_MATCH=french["ETag"])
    assert spanish.status_code == 200


def test_every_process_answers_the_same_etag(client):
    """Behind a load balancer, a browser's copy stays good whichever process it meets."""
    french = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="fr")
    other_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from django.utils import translation; translation.activate('fr');"
            "from hitl_project.js_catalog import catalog_etag; print(catalog_etag(None))",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hitl_project.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert french["ETag"] == f'"{other_process.stdout.split()[-1]}"'


@pytest.mark.django_db
def test_every_page_loads_the_catalog_before_its_modules(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in page
    catalog = page.index(f'<script src="{reverse("javascript-catalog")}"></script>')
    assert catalog < page.index("</head>")
