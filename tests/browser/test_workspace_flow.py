"""The agent workspace in a real browser against a live daphne: the whole life of a handoff."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from agents.services import agent_create, api_token_create
from handoffs import services
from handoffs.models import Handoff
from tests.factories import BotFactory, LabelFactory, MessageTemplateFactory
from tests.servers import ROOT

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GREETING = "Hello Ada, I'm Sam from billing. Let me look at your invoice."
DOCS_SCREENSHOT = ROOT / "docs" / "workspace.png"


@pytest.fixture
def team():
    bot = BotFactory(bot_id="acme-support", name="Acme Support")
    for name in ("billing", "vip"):
        LabelFactory(bot=bot, name=name)
    MessageTemplateFactory(bot=bot, name="hello", text=GREETING)
    MessageTemplateFactory(bot=bot, name="bye", text="Thanks, have a great day!")
    sam = agent_create(
        workspace=bot.workspace, username="sam", password=PASSWORD, display_name="Sam Carter"
    )
    kim = agent_create(
        workspace=bot.workspace, username="kim", password=PASSWORD, display_name="Kim Park"
    )
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    return bot, sam, kim, key


def bot_api(live_url: str, bot, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{live_url}/api/v1/bots/{bot.bot_id}/",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def request_handoff(api: httpx.Client, user_id: str, text: str, variables: dict) -> dict:
    """What a bot does: forward the user's message, then ask for a human."""
    message = api.post(
        "channels/api/messages", json={"userId": user_id, "text": text, "user": variables}
    )
    assert message.status_code == 201, message.text
    handoff = api.post("mod/hitlnext/handoffs", json={"userId": user_id, "userChannel": "api"})
    assert handoff.status_code == 201, handoff.text
    return handoff.json()


def log_in(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/workspace/acme-support/$"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def save_docs_screenshot(path) -> None:
    """The README's picture, quantized to stay small; rewritten only when asked or missing."""
    if DOCS_SCREENSHOT.exists() and not os.environ.get("HITL_UPDATE_SCREENSHOT"):
        return
    DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=96).save(DOCS_SCREENSHOT, optimize=True)


def test_agent_takes_a_handoff_from_arrival_to_resolution(live_url, new_page, team):
    bot, sam, kim, key = team
    sam_page = new_page()
    log_in(sam_page, "sam")
    kim_page = new_page(kim)
    kim_page.goto(f"/workspace/{bot.bot_id}/")
    expect(kim_page.locator("#live-status")).to_have_attribute("data-state", "live")

    # Going online goes through the API; the label changes once the server said yes.
    sam_page.locator("label.switch").click()
    expect(sam_page.locator("#online-label")).to_have_text("Online")
    expect(sam_page.get_by_role("switch", name="Online")).to_be_checked()

    with bot_api(live_url, bot, key) as api:
        created = request_handoff(
            api,
            "ada-42",
            "My invoice is charged twice, can a human help?",
            {"fullName": "Ada Lovelace", "email": "ada@example.com", "plan": "Pro"},
        )
        item = f'.handoff[data-id="{created["id"]}"]'

        # Both agents see it arrive without a reload.
        for page in (sam_page, kim_page):
            expect(page.locator(item)).to_contain_text("Ada Lovelace")
            expect(page.locator(item)).to_contain_text("charged twice")
            expect(page.locator(f"{item} [data-slot=unread]")).to_be_visible()

        sam_page.locator(f"{item} button").click()
        expect(sam_page.locator("#transcript .msg--incoming")).to_contain_text("charged twice")
        expect(sam_page.locator("#transcript .msg--system")).to_contain_text("transferred")
        expect(sam_page.locator("#profile dt").first).to_have_text("Name")
        expect(sam_page.locator("#profile")).to_contain_text("ada@example.com")

        sam_page.get_by_role("button", name="Assign to me").click()
        expect(sam_page.locator("#conversation-status")).to_have_text("assigned")
        # Kim's default list shows the queue and her own handoffs: it leaves, live.
        expect(kim_page.locator(item)).to_have_count(0)

        composer = sam_page.get_by_label("Message to the user")
        composer.press_sequentially(":hel")
        templates = sam_page.get_by_role("listbox", name="Templates").get_by_role("option")
        expect(templates).to_have_count(1)
        expect(templates).to_contain_text(":hello")
        composer.press("Enter")
        expect(composer).to_have_value(GREETING)
        composer.press("Enter")
        expect(sam_page.locator("#transcript .msg--agent")).to_contain_text(GREETING)
        expect(composer).to_have_value("")

        transcript = api.get(f"mod/hitlnext/conversations/{created['conversationId']}/messages")
        agent_messages = [m for m in transcript.json() if m["direction"] == "agent"]
        assert [m["text"] for m in agent_messages] == [GREETING]
        assert agent_messages[0]["author"]["name"] == "Sam Carter"

        sam_page.get_by_label("Add a note").fill("Refund the second charge once finance confirms.")
        sam_page.get_by_role("button", name="Add note").click()
        expect(sam_page.locator("#notes .note")).to_contain_text("Refund the second charge")
        sam_page.locator("#labels").get_by_label("billing").check()
        expect(sam_page.locator(f"{item} [data-slot=tags]")).to_have_text("billing")

        # Another user asks while Sam works: the queue grows on top of the list.
        second = request_handoff(
            api, "grace-7", "Can I change my delivery address?", {"fullName": "Grace Hopper"}
        )
        expect(sam_page.locator(".handoff").first).to_have_attribute("data-id", str(second["id"]))
        save_docs_screenshot(screenshot(sam_page, "workspace-assigned.png"))

    sam_page.get_by_role("button", name="Resolve").click()
    expect(sam_page.locator("#conversation-status")).to_have_text("resolved")
    expect(sam_page.locator("#composer")).to_be_hidden()
    screenshot(sam_page, "workspace-resolved.png")

    handoff = Handoff.objects.get(pk=created["id"])
    assert handoff.status == "resolved"
    assert handoff.agent == sam
    assert [label.name for label in handoff.labels.all()] == ["billing"]
    assert handoff.conversation.notes.get().author == sam
    assert sam_page.js_errors == [] and kim_page.js_errors == []


def test_a_lost_race_says_who_won(live_url, new_page, team):
    bot, sam, kim, key = team
    with bot_api(live_url, bot, key) as api:
        created = request_handoff(api, "grace-7", "Hello?", {"fullName": "Grace Hopper"})
    kim.memberships.update(online=True)
    kim_page = new_page(kim)
    # This page hears no events, as if its socket were slow: only the API can tell it.
    kim_page.route_web_socket(re.compile(r"/ws/workspace/"), lambda socket: None)
    kim_page.goto(f"/workspace/{bot.bot_id}/?handoff={created['id']}")
    expect(kim_page.get_by_role("button", name="Assign to me")).to_be_visible()

    sam.memberships.update(online=True)
    services.handoff_assign(handoff=Handoff.objects.get(pk=created["id"]), agent=sam)
    kim_page.get_by_role("button", name="Assign to me").click()

    expect(kim_page.get_by_role("alert")).to_have_text(
        re.compile("This handoff is already assigned to Sam Carter")
    )
    expect(kim_page.locator("#conversation-status")).to_have_text("assigned")
    expect(kim_page.get_by_role("button", name="Assign to me")).to_be_hidden()
    assert kim_page.js_errors == []


def test_the_buttons_follow_what_the_server_allows_me_live(live_url, new_page, team):
    bot, sam, kim, key = team
    bot.enable_conversation_deletion = True
    bot.save()
    with bot_api(live_url, bot, key) as api:
        created = request_handoff(api, "ada-1", "Hello?", {"fullName": "Ada Lovelace"})
    kim.memberships.update(online=True)
    kim_page = new_page(kim)
    kim_page.goto(f"/workspace/{bot.bot_id}/?handoff={created['id']}")
    expect(kim_page.get_by_role("button", name="Assign to me")).to_be_visible()
    expect(kim_page.get_by_role("button", name="Delete conversation")).to_be_hidden()

    sam.memberships.update(online=True)
    sam_page = new_page(sam)
    sam_page.goto(f"/workspace/{bot.bot_id}/?handoff={created['id']}")
    sam_page.get_by_role("button", name="Assign to me").click()
    expect(sam_page.get_by_role("button", name="Delete conversation")).to_be_visible()

    # The event says the handoff changed; the page asks the server what Kim may do now.
    expect(kim_page.locator("#conversation-status")).to_have_text("assigned")
    expect(kim_page.get_by_role("button", name="Assign to me")).to_be_hidden()
    expect(kim_page.get_by_role("button", name="Resolve")).to_be_hidden()
    expect(kim_page.get_by_role("button", name="Delete conversation")).to_be_hidden()
    assert kim_page.js_errors == [] and sam_page.js_errors == []


def test_reconnecting_socket_replays_what_it_missed(live_url, new_page, team):
    bot, sam, kim, key = team
    sockets = []

    def route(socket) -> None:
        sockets.append(socket)
        if len(sockets) > 1:
            socket.connect_to_server()

    page = new_page(kim)
    page.route_web_socket(re.compile(r"/ws/workspace/"), route)
    page.goto(f"/workspace/{bot.bot_id}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    first_url = sockets[0].url

    with bot_api(live_url, bot, key) as api:
        created = request_handoff(api, "linus-1", "Is anyone there?", {"fullName": "Linus"})
    # Made while the first socket heard nothing; the next one must ask for it.
    sockets[0].close(code=1012, reason="server restart")

    expect(page.locator(f'.handoff[data-id="{created["id"]}"]')).to_contain_text("Linus")
    assert re.search(r"after=\d+", first_url)
    assert sockets[1].url == first_url
    assert page.js_errors == []


def test_an_agent_sees_another_typing(live_url, new_page, team):
    bot, sam, kim, key = team
    with bot_api(live_url, bot, key) as api:
        created = request_handoff(api, "mary-3", "Hi", {"fullName": "Mary Jackson"})
    sam.memberships.update(online=True)
    services.handoff_assign(handoff=Handoff.objects.get(pk=created["id"]), agent=sam)
    pages = []
    for agent in (kim, sam):
        page = new_page(agent)
        page.goto(f"/workspace/{bot.bot_id}/?handoff={created['id']}")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        pages.append(page)
    kim_page, sam_page = pages

    sam_page.get_by_label("Message to the user").press_sequentially("Let me check")

    expect(kim_page.locator("#typing")).to_have_text("Sam Carter is typing…")
    expect(sam_page.locator("#typing")).to_have_text("")
    assert kim_page.js_errors == [] and sam_page.js_errors == []


def test_an_admin_hands_a_waiting_handoff_to_an_agent(live_url, new_page, team):
    bot, sam, kim, key = team
    boss = agent_create(workspace=bot.workspace, username="boss", password=PASSWORD, role="admin")
    kim.memberships.update(online=True)
    with bot_api(live_url, bot, key) as api:
        created = request_handoff(api, "alan-1", "Help?", {"fullName": "Alan Turing"})
    page = new_page(boss)
    page.goto(f"/workspace/{bot.bot_id}/?handoff={created['id']}")

    page.get_by_label("Assign to").select_option(label="Kim Park")
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.locator("#conversation-status")).to_have_text("assigned")
    expect(page.locator("#conversation-meta")).to_contain_text("Kim Park")
    assert Handoff.objects.get(pk=created["id"]).agent_id == kim.pk
    assert page.js_errors == []
