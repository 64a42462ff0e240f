"""Two-factor sign-in: an app's code (or a recovery code) after the password, or nothing."""

from __future__ import annotations

import logging
import re
from base64 import b32encode

import pytest
import time_machine
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agents import services, two_factor
from agents.errors import ApplicationError
from tests.deliveries import deliver_due
from tests.factories import MembershipFactory, UserFactory
from tests.two_factor import app_code, enrol, verified_login

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # UserFactory's
VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/setup/"


def api_me(bot) -> str:
    return f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/agents/me"


def password_login(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"
    return client


def reaches_workspace(client: Client) -> bool:
    response = client.get("/workspace/", follow=True)
    return response.status_code == 200 and response.request["PATH_INFO"].startswith("/workspace/")


def submit_code(client: Client, code: str, next_url: str = "/workspace/"):
    return client.post(VERIFY, {"code": code, "next": next_url})


@pytest.fixture
def enrolled(agent):
    device, codes = enrol(agent)
    return agent, device, codes


# --- the password alone ------------------------------------------------------------------


def test_password_alone_opens_no_workspace_page(enrolled):
    agent, _, _ = enrolled
    client = password_login(agent)

    for path in ["/workspace/", "/workspace/conversations/", "/accounts/profile/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{VERIFY}?next={path.replace('/', '%2F')}"


def test_password_alone_opens_no_api(enrolled, bot):
    agent, _, _ = enrolled
    client = password_login(agent)

    response = client.get(api_me(bot))

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_unverified"


def test_password_alone_opens_no_admin(workspace):
    boss = services.agent_create(
        workspace=workspace, username="boss", password=PASSWORD, role="admin"
    )
    enrol(boss)
    client = Client()
    client.force_login(boss)

    response = client.get("/admin/agents/workspace/")

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_a_verified_admin_has_the_admin(workspace):
    boss = services.agent_create(
        workspace=workspace, username="boss", password=PASSWORD, role="admin"
    )
    device, _ = enrol(boss)

    response = verified_login(Client(), boss, device).get("/admin/agents/workspace/")

    assert response.status_code == 200


def test_the_second_step_page_is_reachable(enrolled):
    agent, _, _ = enrolled

    response = password_login(agent).get(VERIFY)

    assert response.status_code == 200
    assert b'autocomplete="one-time-code"' in response.content


def test_the_second_step_page_gets_the_javascript_catalog(enrolled):
    """Every page loads /jsi18n/ (templates/base.html): a redirect would be no script."""
    agent, _, _ = enrolled

    response = password_login(agent).get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")


def test_a_person_without_an_app_is_not_asked(agent):
    client = password_login(agent)

    assert reaches_workspace(client)


# --- the second step ---------------------------------------------------------------------


def test_a_correct_code_verifies_the_session(enrolled, bot):
    agent, device, _ = enrolled
    client = password_login(agent)

    response = submit_code(client, app_code(device, steps_ahead=1))

    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
    assert reaches_workspace(client)
    assert client.get(api_me(bot)).status_code == 200


def test_a_wrong_code_is_refused_and_logged(enrolled, caplog):
    agent, device, _ = enrolled
    client = password_login(agent)
    wrong = f"{(int(app_code(device, steps_ahead=1)) + 1) % 1_000_000:06d}"

    with caplog.at_level(logging.WARNING, logger="agents.two_factor"):
        response = submit_code(client, wrong)

    assert response.status_code == 200
    assert b"That code is not right." in response.content
    assert not reaches_workspace(client)
    assert f"wrong code from user {agent.pk}" in caplog.text


def test_a_code_is_accepted_once(enrolled):
    agent, device, _ = enrolled
    code = app_code(device, steps_ahead=1)
    assert submit_code(password_login(agent), code).status_code == 302

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        response = submit_code(password_login(agent), code)

    assert response.status_code == 200


def test_a_recovery_code_works_once(enrolled):
    agent, _, codes = enrolled
    first = password_login(agent)

    assert submit_code(first, codes[0].upper()).status_code == 302
    assert reaches_workspace(first)
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=5)):
        second = password_login(agent)
        response = submit_code(second, codes[0])
    assert response.status_code == 200
    assert not reaches_workspace(second)
    assert StaticToken.objects.filter(device__user=agent).count() == len(codes) - 1


def test_after_a_wrong_code_the_next_try_waits(enrolled):
    agent, device, _ = enrolled
    client = password_login(agent)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        submit_code(client, "000000")

        # Even the right code waits: one failure asks for 1 s, the next for 2, then 4...
        response = submit_code(client, app_code(device, steps_ahead=1))

    assert b"Too many wrong codes. Try again in 1 second." in response.content
    with time_machine.travel(now + timezone.timedelta(seconds=2), tick=False):
        assert submit_code(client, app_code(device, steps_ahead=1)).status_code == 302


def test_next_never_leaves_the_site(enrolled):
    agent, device, _ = enrolled
    client = password_login(agent)

    response = submit_code(client, app_code(device, steps_ahead=1), "https://evil.example/")

    assert response["Location"] == "/"


# --- the workspace socket ----------------------------------------------------------------


async def socket_close_code(client: Client) -> int | None:
    """Opens /ws/workspace/ through the whole ASGI stack with the client's session cookie."""
    from hitl_project.asgi import application

    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application,
        "/ws/workspace/",
        headers=[(b"cookie", cookie), (b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    connected, _ = await communicator.connect()
    assert connected
    if await communicator.receive_nothing(timeout=0.5):
        await communicator.disconnect()
        return None
    output = await communicator.receive_output(timeout=1)
    return output.get("code") if output["type"] == "websocket.close" else None


@pytest.mark.django_db(transaction=True)
async def test_password_alone_opens_no_socket():
    agent = await db(lambda: MembershipFactory().user)()
    await db(enrol)(agent)
    client = await db(password_login)(agent)

    assert await socket_close_code(client) == 4401


@pytest.mark.django_db(transaction=True)
async def test_a_verified_session_opens_the_socket():
    agent = await db(lambda: MembershipFactory().user)()
    device, _ = await db(enrol)(agent)
    client = await db(verified_login)(Client(), agent, device)

    assert await socket_close_code(client) is None


# --- setting it up -----------------------------------------------------------------------


def test_setup_shows_the_key_as_qr_code_and_as_text(agent):
    client = Client()
    client.force_login(agent)

    response = client.get(SETUP)

    content = response.content.decode()
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert '<svg class="qr" role="img"' in content
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', content).group(1)
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()
    # The page's markup carries no inline script or style (the CSP forbids them); scripts are
    # files (the JavaScript catalog every page loads).
    assert not re.search(r"<script(?![^>]*\ssrc=)", content) and "style=" not in content


def test_a_reload_keeps_the_same_key(agent):
    client = Client()
    client.force_login(agent)

    client.get(SETUP)
    client.get(SETUP)

    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_the_first_code_turns_it_on_and_shows_recovery_codes_once(agent):
    client = Client()
    client.force_login(agent)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=agent)

    response = client.post(SETUP, {"code": app_code(device)})

    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    device.refresh_from_db()
    assert device.confirmed
    # The session that set it up passed its second step with that code.
    assert reaches_workspace(client)
    assert not any(code in client.get("/accounts/two-factor/").content.decode() for code in codes)


def test_a_wrong_first_code_leaves_it_off(agent):
    client = Client()
    client.force_login(agent)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "12345x"})

    assert b"That code is not right." in response.content
    assert not two_factor.two_factor_state(user=agent).enrolled


def test_an_enrolled_person_cannot_set_up_a_second_app(enrolled):
    agent, device, _ = enrolled
    client = verified_login(Client(), agent, device)

    response = client.get(SETUP)

    assert response["Location"] == "/accounts/two-factor/"
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_setup_is_not_a_way_around_the_second_step(enrolled):
    agent, _, _ = enrolled
    client = password_login(agent)

    client.get(SETUP)
    response = client.post(SETUP, {"code": "123456"})

    assert response.status_code == 302
    assert not reaches_workspace(client)
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_the_profile_links_to_setup(agent):
    client = Client()
    client.force_login(agent)

    content = client.get("/accounts/profile/").content.decode()

    assert "Two-factor sign-in" in content and SETUP in content


# --- recovery codes and turning it off ---------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(enrolled):
    agent, device, old = enrolled
    client = verified_login(Client(), agent, device)

    response = client.post("/accounts/two-factor/recovery-codes/", {"codes-secret": PASSWORD})

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == two_factor.RECOVERY_CODE_COUNT
    tokens = set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert tokens == set(new) and not tokens & set(old)


def test_new_recovery_codes_need_the_password_or_a_code(enrolled):
    agent, device, old = enrolled
    client = verified_login(Client(), agent, device)

    response = client.post("/accounts/two-factor/recovery-codes/", {"codes-secret": "guess"})

    assert b"That password or code is not right." in response.content
    assert StaticToken.objects.filter(device__user=agent).count() == len(old)


def test_turning_it_off_with_a_current_code(enrolled):
    agent, device, _ = enrolled
    client = verified_login(Client(), agent, device)

    response = client.post(
        "/accounts/two-factor/disable/", {"disable-secret": app_code(device, steps_ahead=1)}
    )

    assert response.status_code == 302
    assert not two_factor.two_factor_state(user=agent).enrolled
    assert not StaticToken.objects.filter(device__user=agent).exists()
    assert reaches_workspace(client)


def test_turning_it_off_needs_the_password_or_a_code(enrolled):
    agent, device, _ = enrolled
    client = verified_login(Client(), agent, device)

    client.post("/accounts/two-factor/disable/", {"disable-secret": "guess"})

    assert two_factor.two_factor_state(user=agent).enrolled


def test_a_requiring_workspace_keeps_it_on(enrolled, workspace):
    agent, device, _ = enrolled
    workspace.require_two_factor = True
    workspace.save()

    with pytest.raises(ApplicationError) as refused:
        two_factor.two_factor_disable(user=agent)

    assert refused.value.code == "two_factor_required"
    page = verified_login(Client(), agent, device).get("/accounts/two-factor/")
    assert b"/accounts/two-factor/disable/" not in page.content


# --- a workspace that requires it --------------------------------------------------------


@pytest.fixture
def requiring(workspace):
    workspace.require_two_factor = True
    workspace.save()
    return workspace


def test_a_requiring_workspace_sends_a_member_without_an_app_to_setup(requiring, agent, bot):
    client = password_login(agent)

    page = client.get("/workspace/")
    api = client.get(api_me(bot))

    assert page["Location"] == f"{SETUP}?next=%2Fworkspace%2F"
    assert api.status_code == 403 and api.json()["code"] == "two_factor_setup_required"
    assert client.get("/accounts/two-factor/").status_code == 302
    assert b"Your workspace requires two-factor sign-in" in client.get(SETUP).content


@pytest.mark.django_db(transaction=True)
async def test_a_requiring_workspace_opens_no_socket_before_setup():
    agent = await db(lambda: MembershipFactory(workspace__require_two_factor=True).user)()
    client = await db(password_login)(agent)

    assert await socket_close_code(client) == 4401


def test_setting_it_up_opens_the_workspace(requiring, agent):
    client = password_login(agent)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=agent)

    response = client.post(SETUP, {"code": app_code(device), "next": "/workspace/"})

    assert b'href="/workspace/"' in response.content
    assert reaches_workspace(client)


def test_members_of_other_workspaces_are_not_asked(requiring):
    elsewhere = MembershipFactory().user

    assert reaches_workspace(password_login(elsewhere))


def test_a_workspace_admin_requires_it_in_the_admin(workspace):
    boss = services.agent_create(
        workspace=workspace, username="boss", password=PASSWORD, role="admin"
    )
    client = Client()
    client.force_login(boss)

    response = client.post(
        f"/admin/agents/workspace/{workspace.pk}/change/",
        {
            "name": workspace.name,
            "slug": workspace.slug,
            "require_two_factor": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.require_two_factor
    # Then the admin, who has no app yet, sets one up before anything else.
    assert client.get("/admin/").status_code == 302
    assert client.get(SETUP).status_code == 200


def test_joining_a_requiring_workspace_by_invitation_leads_to_setup(requiring):
    invitation = services.invitation_create(workspace=requiring, email="new@example.com")
    link = services.invitation_send(invitation=invitation, base_url="http://testserver")
    path = re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", link).group(1)
    client = Client()
    assert b"requires two-factor sign-in" in client.get(path).content

    response = client.post(
        path,
        {
            "display_name": "New Person",
            "username": "newbie",
            "password1": "a-long-enough-pass-42",
            "password2": "a-long-enough-pass-42",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fworkspace%2F"
    assert not reaches_workspace(client)
    deliver_due()
    assert len(mail.outbox) == 1


def test_an_existing_account_joining_a_requiring_workspace_sets_it_up(requiring):
    person = UserFactory()
    invitation = services.invitation_create(workspace=requiring, email=person.email)
    link = services.invitation_send(invitation=invitation, base_url="http://testserver")
    path = re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", link).group(1)
    client = password_login(person)

    response = client.post(path, follow=True)

    assert response.redirect_chain[-1][0] == f"{SETUP}?next=%2Fworkspace%2F"


def test_a_bot_token_is_not_asked(requiring, bot):
    _, key = services.api_token_create(workspace=requiring, name="bot")

    response = Client().get(
        f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 200


def test_the_state_costs_one_query(agent, django_assert_num_queries):
    with django_assert_num_queries(1):
        two_factor.pending_step(user=agent, verified=False)


def test_a_superuser_resets_a_lost_device_in_the_admin(enrolled):
    agent, device, _ = enrolled
    root = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200
    # The key is never shown, not even to a superuser.
    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page

    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not two_factor.two_factor_state(user=agent).enrolled
    assert reaches_workspace(password_login(agent))
