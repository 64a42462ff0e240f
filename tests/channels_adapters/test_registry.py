"""The adapters plug into handoffs' registries, and handoffs never imports them."""

from __future__ import annotations

import ast
from pathlib import Path

from channels_adapters import base, bot_connector, messenger
from handoffs import outbound

HANDOFFS = Path(__file__).resolve().parents[2] / "handoffs"


def test_only_channels_we_push_to_have_a_sender():
    assert outbound.sender_for("messenger") is messenger.send
    assert outbound.pushes_to("messenger")
    # Their users' side reads the event stream: the web chat's socket, the bot's webhooks.
    assert not outbound.pushes_to("web")
    assert not outbound.pushes_to("api")


def test_adding_a_channel_is_one_module_in_the_list():
    assert {adapter.CHANNEL for adapter in base.adapters()} == {
        "web",
        "messenger",
        "api",
        "telegram",
        "whatsapp",
    }


def test_the_bot_connector_listens_to_the_event_stream():
    assert bot_connector.on_event in outbound._listeners


def test_handoffs_never_imports_channels_adapters():
    offenders = []
    for path in HANDOFFS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "channels_adapters" for name in names):
                offenders.append(str(path.relative_to(HANDOFFS)))

    assert offenders == []
