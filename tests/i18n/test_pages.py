"""The workspace in English, French or Spanish (issue 24): the browser's Accept-Language, unless
the agent's profile names a language; dates follow the language; the REST API stays English."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agents.errors import ApplicationError
from agents.language import SESSION_KEY
from agents.models import AgentProfile
from agents.services import agent_profile_set_language

pytestmark = pytest.mark.django_db

LANGUAGE_LOOKUP = 'SELECT "agents_agentprofile"."language"'


def logged_in(user, **headers) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def set_profile_language(user, language: str) -> None:
    AgentProfile.objects.update_or_create(user=user, defaults={"language": language})


def test_without_a_choice_the_workspace_is_english(agent, bot):
    html = logged_in(agent).get(f"/workspace/{bot.bot_id}/").content.decode()

    assert '<html lang="en"' in html
    assert "Log out" in html
    assert "No handoffs match these filters." in html


def test_a_french_browser_gets_the_workspace_in_french(agent, bot):
    response = logged_in(agent, accept_language="fr-FR,fr;q=0.9,en;q=0.5").get(
        f"/workspace/{bot.bot_id}/"
    )
    html = response.content.decode()

    assert '<html lang="fr"' in html
    assert "Se déconnecter" in html
    assert "Aucun transfert ne correspond à ces filtres." in html
    assert "Log out" not in html
    assert response["Content-Language"] == "fr"


def test_a_spanish_browser_gets_the_login_page_in_spanish():
    html = Client(headers={"accept-language": "es"}).get("/accounts/login/").content.decode()

    assert '<html lang="es"' in html
    assert "Iniciar sesión" in html
    assert "¿Ha olvidado su contraseña?" in html


def test_a_language_not_offered_falls_back_to_english(agent, bot):
    html = logged_in(agent, accept_language="de").get(f"/workspace/{bot.bot_id}/").content.decode()

    assert '<html lang="en"' in html
    assert "Log out" in html


def test_the_profile_language_overrides_the_browser(agent, bot):
    set_profile_language(agent, "es")

    html = logged_in(agent, accept_language="fr").get(f"/workspace/{bot.bot_id}/").content.decode()

    assert '<html lang="es"' in html
    assert "Cerrar sesión" in html
    assert "Se déconnecter" not in html


def test_a_blank_profile_language_follows_the_browser(agent, bot):
    set_profile_language(agent, "")

    html = logged_in(agent, accept_language="fr").get(f"/workspace/{bot.bot_id}/").content.decode()

    assert "Se déconnecter" in html


def test_saving_the_profile_switches_the_language_at_once(agent, bot):
    client = logged_in(agent, accept_language="en")

    response = client.post(
        "/accounts/profile/", {"display_name": "Sam", "language": "fr"}, follow=True
    )

    html = response.content.decode()
    assert "Votre profil est enregistré." in html
    assert '<option value="fr" selected>Français</option>' in html
    assert AgentProfile.objects.get(user=agent).language == "fr"
    assert client.session[SESSION_KEY] == "fr"
    assert "Se déconnecter" in client.get(f"/workspace/{bot.bot_id}/").content.decode()

    client.post("/accounts/profile/", {"display_name": "Sam", "language": ""})

    assert "Log out" in client.get(f"/workspace/{bot.bot_id}/").content.decode()


def test_an_unknown_language_is_refused_on_the_form_in_the_page_language(agent):
    client = logged_in(agent, accept_language="fr")

    response = client.post("/accounts/profile/", {"display_name": "Sam", "language": "de"})

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not AgentProfile.objects.filter(user=agent, language="de").exists()


def test_the_service_refuses_an_unknown_language(agent):
    with pytest.raises(ApplicationError) as error:
        agent_profile_set_language(user=agent, language="klingon")

    assert error.value.code == "invalid_language"


def test_the_choice_is_looked_up_once_per_session(agent, bot):
    set_profile_language(agent, "fr")
    client = logged_in(agent)

    with CaptureQueriesContext(connection) as first:
        client.get(f"/workspace/{bot.bot_id}/")
    with CaptureQueriesContext(connection) as second:
        html = client.get(f"/workspace/{bot.bot_id}/").content.decode()

    lookups = [q["sql"] for q in first.captured_queries if q["sql"].startswith(LANGUAGE_LOOKUP)]
    assert len(lookups) == 1
    assert not [q for q in second.captured_queries if q["sql"].startswith(LANGUAGE_LOOKUP)]
    assert "Se déconnecter" in html


def test_an_anonymous_page_costs_no_lookup():
    with CaptureQueriesContext(connection) as queries:
        Client(headers={"accept-language": "fr"}).get("/accounts/login/")

    assert not [q for q in queries.captured_queries if q["sql"].startswith(LANGUAGE_LOOKUP)]


def test_the_rest_api_answers_in_english_whatever_the_browser(bot):
    response = Client(headers={"accept-language": "fr"}).get(
        f"/api/v1/bots/{bot.bot_id}/mod/hitl/sessions"
    )

    assert response.status_code in (401, 403)
    assert response.json()["message"] == "Authentication credentials were not provided."
    assert response["Content-Language"] == "en"
    assert "Accept-Language" not in response.get("Vary", "")


@pytest.mark.parametrize(
    "language, summary, first_day",
    [
        ("en", "from March 2, 2026 to March 8, 2026 (UTC)", "03/02/2026"),
        ("fr", "du 2 mars 2026 au 8 mars 2026 (UTC)", "02/03/2026"),
        ("es", "del 2 de marzo de 2026 al 8 de marzo de 2026 (UTC)", "02/03/2026"),
    ],
)
def test_the_report_dates_follow_the_language(admin, bot, language, summary, first_day):
    response = logged_in(admin, accept_language=language).get(
        f"/workspace/reports/?bot={bot.bot_id}&from=2026-03-02&to=2026-03-08"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert summary in html
    assert f'<time datetime="2026-03-02">{first_day}</time>' in html


def test_the_report_charts_and_weekdays_are_translated(admin, bot):
    html = (
        logged_in(admin, accept_language="fr")
        .get(f"/workspace/reports/?bot={bot.bot_id}")
        .content.decode()
    )

    assert "Transferts créés par heure de la semaine (UTC)" in html
    assert '<th scope="row">lun</th>' in html


def test_the_web_chat_follows_the_end_users_browser(bot):
    response = Client(headers={"accept-language": "es-ES,es"}).get(f"/chat/{bot.bot_id}/")

    page = response.content.decode()
    assert '<html lang="es"' in page
    assert 'placeholder="Escriba un mensaje…"' in page
    assert ">Enviar</button>" in page
