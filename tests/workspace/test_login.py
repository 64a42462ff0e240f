"""Login, logout and password reset: Django's auth views with our templates."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert b"Log in" in response.content
    assert b"Forgot your password?" in response.content


def test_anonymous_home_goes_to_login(client):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/workspace/"


def test_logging_in_lands_in_the_workspace(client, agent, bot):
    response = client.post(
        "/accounts/login/", {"username": agent.username, "password": "secret-pass-123"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/workspace/{bot.bot_id}/"


def test_wrong_password_is_refused(client, agent):
    response = client.post("/accounts/login/", {"username": agent.username, "password": "nope"})

    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_logged_in_user_skips_the_login_page(login, agent, bot):
    response = login(agent).get("/accounts/login/")

    assert response.status_code == 302


def test_logout_is_a_post(login, agent):
    client = login(agent)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/workspace/").status_code == 302


def test_password_reset_emails_a_working_link(agent):
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": agent.email}, follow=True)

    assert b"Check your email" in response.content
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-pass-42", "new_password2": "a-new-long-pass-42"},
        follow=True,
    )
    assert b"Password saved" in done.content
    assert client.login(username=agent.username, password="a-new-long-pass-42")


def test_password_reset_for_unknown_email_sends_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []
