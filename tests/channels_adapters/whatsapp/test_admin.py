"""A workspace admin connects a WhatsApp number to their bots, and sees only their own."""

from __future__ import annotations

import pytest

from agents import services
from channels_adapters.models import WhatsAppSettings
from tests.factories import BotFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

URL = "/admin/channels_adapters/whatsappsettings/"


@pytest.fixture
def boss(client, workspace):
    user = services.agent_create(
        workspace=workspace, username="boss", password="x-long-pass-1", role="admin"
    )
    client.force_login(user)
    return user


def test_an_admin_adds_a_number_with_its_templates(client, boss, bot):
    response = client.post(
        f"{URL}add/",
        {
            "bot": bot.pk,
            "phone_number_id": "106540352242922",
            "waba_id": "102290129340398",
            "verify_token": "verify-me",
            "app_secret": "secret",
            "access_token": "token",
            "template_names": "order_update en_US\r\nfeedback_request\r\n",
        },
    )

    assert response.status_code == 302
    number = WhatsAppSettings.objects.get()
    assert number.templates == {"order_update": "en_US", "feedback_request": "en_US"}
    page = client.get(f"{URL}{number.pk}/change/").content.decode()
    assert 'type="password"' in page


def test_only_their_own_numbers_and_bots(client, boss, bot):
    foreign = BotFactory(workspace=WorkspaceFactory(name="Elsewhere"))
    for n, some_bot in enumerate((bot, foreign)):
        WhatsAppSettings.objects.create(bot=some_bot, phone_number_id=f"p-{n}", waba_id="w")

    rows = list(client.get(URL).context["cl"].result_list)
    form = client.get(f"{URL}add/").context["adminform"].form

    assert [row.bot for row in rows] == [bot]
    assert list(form.fields["bot"].queryset) == [bot]
