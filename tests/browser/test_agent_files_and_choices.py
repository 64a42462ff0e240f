"""The agent sends a picture or a file from the composer (picked, dropped) and the web chat
visitor sees it; a disguised script is refused with a notice; the agent sends choices (typed,
or from a template) and the visitor's click comes back to the agent."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from agents.services import agent_create
from channels_adapters import services as adapter_services
from handoffs import services
from handoffs.models import Attachment, Conversation, MessageTemplate
from tests.factories import BotFactory, ConversationFactory
from tests.servers import daphne

from .conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def live_url(django_db_setup, tmp_path_factory):
    """The server keeps the files it is sent under a temporary MEDIA_ROOT."""
    with daphne({"MEDIA_ROOT": str(tmp_path_factory.mktemp("media"))}) as url:
        yield url


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def chat(new_page, live_url):
    """An assigned handoff of a web chat visitor: the agent's page and the visitor's."""
    bot = BotFactory(bot_id="shop", name="Shop")
    sam = agent_create(workspace=bot.workspace, username="sam", password=PASSWORD)
    token = adapter_services.web_token_new(bot=bot)
    visitor = adapter_services.web_user_from_token(bot=bot, token=token)
    conversation = ConversationFactory(
        end_user__bot=bot, end_user__channel="web", end_user__external_id=visitor, channel="web"
    )
    handoff, _ = services.handoff_request(conversation=conversation)
    services.agent_set_online(membership=sam.memberships.get(), online=True)
    services.handoff_assign(handoff=handoff, agent=sam)
    agent_page = new_page(sam)
    agent_page.goto(f"/workspace/{bot.bot_id}/?handoff={handoff.pk}")
    expect(agent_page.locator("#live-status")).to_have_attribute("data-state", "live")
    user_page = new_page()
    user_page.context.add_cookies(
        [{"name": "hitl_chat", "value": token, "url": f"{live_url}/chat/{bot.bot_id}/"}]
    )
    user_page.goto(f"/chat/{bot.bot_id}/")
    expect(user_page.locator("[data-log] .webchat__message").first).to_be_visible()
    return bot, agent_page, user_page


def paste(page, name: str, mime: str, data: bytes) -> None:
    """A file pasted into the composer's text (a screenshot from the clipboard, say)."""
    page.evaluate(
        """([name, mime, bytes]) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
          const init = { clipboardData: transfer, bubbles: true, cancelable: true };
          document.getElementById("composer-text").dispatchEvent(new ClipboardEvent("paste", init));
        }""",
        [name, mime, list(data)],
    )


def drop(page, name: str, mime: str, data: bytes) -> None:
    """A file dropped on the composer, as the browser's drag and drop delivers it."""
    page.evaluate(
        """([name, mime, bytes]) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
          const form = document.getElementById("composer");
          const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
          form.dispatchEvent(new DragEvent("drop", init));
        }""",
        [name, mime, list(data)],
    )


def test_the_agent_sends_a_picture_and_the_visitor_sees_it(chat):
    bot, agent_page, user_page = chat

    agent_page.set_input_files(
        "#composer-file", files=[{"name": "map.png", "mimeType": "image/png", "buffer": png()}]
    )

    sent = agent_page.locator("#transcript .msg--agent img")
    expect(sent).to_have_count(1)
    picture = user_page.locator(".webchat__message--agent img.webchat__picture")
    expect(picture).to_have_attribute("alt", "map.png")
    # Loaded: the visitor's browser fetched the link without signing in, and the policy let it.
    user_page.wait_for_function(
        "() => document.querySelector('img.webchat__picture')?.naturalWidth === 40"
    )
    screenshot(user_page, "webchat-agent-picture.png")
    assert agent_page.js_errors == [] and user_page.js_errors == []


def test_a_dropped_pdf_reaches_the_visitor_as_a_link(chat):
    bot, agent_page, user_page = chat

    drop(agent_page, "invoice.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")

    expect(agent_page.locator("#transcript .msg--agent").get_by_role("link")).to_have_text(
        "Open invoice.pdf"
    )
    link = user_page.locator(".webchat__message--agent").get_by_role("link", name="invoice.pdf")
    expect(link).to_have_attribute("href", Attachment.objects.get().message.payload["url"])


def test_a_script_named_as_a_picture_is_refused_with_a_notice(chat):
    bot, agent_page, user_page = chat

    drop(agent_page, "cat.png", "image/png", b"<script>alert(1)</script>")

    expect(agent_page.locator("#notice")).to_contain_text("This type of file cannot be sent")
    assert not Attachment.objects.exists()
    expect(user_page.locator(".webchat__message--agent")).to_have_count(0)


def test_the_visitor_clicks_a_choice_the_agent_sent(chat):
    bot, agent_page, user_page = chat

    agent_page.get_by_role("button", name="Choices").click()
    agent_page.get_by_label("Choices the user can click, separated by commas").fill("Yes, No")
    composer = agent_page.get_by_label("Message to the user")
    composer.fill("Did that solve it?")
    composer.press("Enter")

    choices = user_page.locator("[data-choices] button")
    expect(choices).to_have_text(["Yes", "No"])
    choices.first.click()
    expect(agent_page.locator("#transcript .msg--incoming").last).to_contain_text("Yes")
    expect(agent_page.locator("#composer-choices-field")).to_be_hidden()
    assert agent_page.js_errors == [] and user_page.js_errors == []


def test_a_template_brings_its_choices(chat):
    bot, agent_page, user_page = chat
    MessageTemplate.objects.create(
        bot=bot, name="rate", text="How did we do?", choices="Great\nFine\nPoor"
    )
    agent_page.reload()
    composer = agent_page.get_by_label("Message to the user")

    composer.fill(":rat")
    composer.press("Enter")

    field = agent_page.get_by_label("Choices the user can click, separated by commas")
    expect(field).to_have_value("Great, Fine, Poor")
    composer.press("Enter")
    expect(user_page.locator("[data-choices] button")).to_have_text(["Great", "Fine", "Poor"])


def test_a_picture_pasted_in_the_conversations_view_reaches_the_visitor(chat):
    bot, agent_page, user_page = chat
    conversation_id = Conversation.objects.get().pk
    agent_page.goto("/workspace/conversations/")
    agent_page.locator(f'.conv[data-id="{conversation_id}"] button').click()
    expect(agent_page.get_by_label("Message to the user")).to_be_visible()

    paste(agent_page, "screenshot.png", "image/png", png())

    expect(agent_page.locator("#transcript .msg--agent img")).to_have_count(1)
    expect(user_page.locator("img.webchat__picture")).to_have_attribute("alt", "screenshot.png")
    assert agent_page.js_errors == []
