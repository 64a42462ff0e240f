"""The SLA marker in the workspace's queue: a handoff near its first-response target says "SLA
near", one past it "SLA breached", one with time left says nothing; as time passes the page
moves the marker by the times the server sent (nearAt, dueAt)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.services import agent_create
from handoffs.models import Handoff
from tests.factories import BotFactory, ConversationFactory

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    bot = BotFactory(
        bot_id="sla-support", name="SLA Support", sla_first_response=timedelta(minutes=10)
    )
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    waited = {"Ada Lovelace": 15, "Grace Hopper": 9, "Alan Turing": 1}
    for name, minutes in waited.items():
        conversation = ConversationFactory(
            end_user__bot=bot, end_user__variables={"fullName": name}, paused=True
        )
        handoff = Handoff.objects.create(bot=bot, conversation=conversation)
        Handoff.objects.filter(pk=handoff.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes)
        )
    return bot, sam


def row(page, name):
    return page.locator("#handoff-list .handoff", has_text=name)


def test_the_queue_marks_handoffs_near_and_past_their_target(new_page, queue):
    bot, sam = queue
    page = new_page(sam)
    page.clock.install(time=timezone.now())
    page.goto(f"/workspace/{bot.bot_id}/")

    expect(row(page, "Ada Lovelace").locator('[data-slot="sla"]')).to_have_text("SLA breached")
    expect(row(page, "Grace Hopper").locator('[data-slot="sla"]')).to_have_text("SLA near")
    expect(row(page, "Alan Turing").locator('[data-slot="sla"]')).to_be_hidden()

    # Two minutes on: Grace's target ran out (the list redraws every 30 s).
    page.clock.fast_forward("02:00")
    expect(row(page, "Grace Hopper").locator('[data-slot="sla"]')).to_have_text("SLA breached")
    expect(row(page, "Alan Turing").locator('[data-slot="sla"]')).to_be_hidden()
    assert page.js_errors == []
