"""Guards on the parts that override the stack's own: each fails when the framework moves
under it, and each has a setting that turns it off (STYLE.md, "Clever parts carry a guard")."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import django
from autobahn import util as autobahn_util
from daphne import http_protocol as daphne_http
from django.core.handlers.asgi import ASGIHandler
from twisted.web import http as twisted_http

from hitl_project.asgi_handler import SyncChainASGIHandler
from hitl_project.autobahn_debug import NOT_FORMATTED

ROOT = Path(__file__).resolve().parents[1]


def _digest(*functions) -> str:
    """The first 16 hex digits of the sha256 of the functions' source, in order."""
    source = "".join(inspect.getsource(function) for function in functions)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


# sha256 of Django 5.2.19's ASGIHandler.handle, which SyncChainASGIHandler.handle replaces.
HANDLE_DIGEST = "98faeb5bef800331"


def test_the_handler_replaces_the_handle_of_the_django_it_was_read_from():
    """On a Django upgrade: compare asgi_handler.handle with the new ASGIHandler.handle, carry
    over what changed, then update HANDLE_DIGEST (and the pin in pyproject.toml)."""
    assert django.VERSION[:2] == (5, 2), "SyncChainASGIHandler was written for Django 5.2"
    assert _digest(ASGIHandler.handle) == HANDLE_DIGEST


def test_the_stock_handler_when_the_setting_is_off(settings):
    import hitl_project.asgi as asgi

    try:
        settings.SYNC_CHAIN_HANDLER = False
        stock = importlib.reload(asgi).django_asgi_app
        settings.SYNC_CHAIN_HANDLER = True
        ours = importlib.reload(asgi).django_asgi_app
    finally:
        importlib.reload(asgi)

    assert type(stock) is ASGIHandler
    assert type(ours) is SyncChainASGIHandler


def _tuning_seen(**env: str) -> str:
    """What the server entry point leaves the interpreter with, before it serves."""
    code = (
        "import gc, sys, hitl_project.serve as s;"
        "import daphne.cli as c; c.CommandLineInterface.run = lambda self, argv: None;"
        "from autobahn.websocket import protocol as p; from daphne import http_protocol as h;"
        "from twisted.internet import tcp;"
        "s.main([]); print(gc.get_threshold()[0], sys.getswitchinterval(),"
        " p.pformat([1]), h.WebRequest.__name__, p.hlval(7), tcp.Connection.write.__module__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[-2]


def test_importing_the_app_leaves_the_interpreter_alone():
    code = "import gc, hitl_project.asgi; print(gc.get_threshold()[0])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.split()[-1] == "700", result.stderr


def test_the_server_entry_point_tunes_the_interpreter_unless_told_not_to():
    tuned = f"10000 0.001 {NOT_FORMATTED} UnparsedBodyRequest 7 hitl_project.eager_writes"
    stock = f"700 0.005 [1] WebRequest {autobahn_util.hlval(7)} twisted.internet._newtls"
    assert _tuning_seen() == tuned
    assert _tuning_seen(HITL_RUNTIME_TUNING="false") == stock


# autobahn 26.11.1's calls of `pformat`, which hitl_project.autobahn_debug leaves unformatted
# below debug level: two debug lines and Timings.__str__ (timings are off unless asked for).
PFORMAT_CALLS = [
    "return pformat(self._timings)",
    'self.log.debug("\\n{attrs}", attrs=pformat(configAttrLog))',
    "transport_details=pformat(self._transport_details.marshal()),",
]


def test_autobahn_formats_with_pformat_for_debug_lines_only_as_when_it_was_read():
    """On an autobahn upgrade: check that every `pformat` call still feeds only a debug line
    (or something as unused), then update PFORMAT_CALLS."""
    from autobahn.websocket import protocol

    source = inspect.getsource(protocol)
    calls = [line.strip() for line in source.splitlines() if "pformat(" in line]

    assert calls == PFORMAT_CALLS


def test_autobahn_colours_its_log_arguments_for_log_lines_only_as_when_it_was_read():
    """On an autobahn upgrade: every call of `hltype` and `hlval` in the WebSocket modules must
    still be an argument of a log call, as hitl_project.autobahn_debug assumes."""
    from autobahn.twisted import websocket
    from autobahn.websocket import protocol

    calls = []
    for module in (protocol, websocket):
        tree = ast.parse(inspect.getsource(module))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("hltype", "hlval"):
                parent = parents[node]
                while not (isinstance(parent, ast.Call) and _is_log_call(parent)):
                    assert parent in parents, f"{module.__name__}:{node.lineno} feeds no log"
                    parent = parents[parent]
                calls.append(parent.func.attr)

    assert len(calls) == 26
    assert set(calls) == {"debug", "error"}


def _is_log_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and getattr(func.value, "attr", "") == "log"


# sha256 of Twisted 26.10.0's write path that hitl_project.eager_writes goes around: the
# buffer's state (`FileDescriptor.__init__`), the buffered `write` and `writeSequence`,
# `doWrite` (which drains the buffer), `writeSomeData` (how a TCP connection sends), the TLS
# mixin's `write` (which eager_writes replaces on tcp.Connection), and the flags it reads:
# closing, half-closing, aborting, a registered producer.
TWISTED_WRITE_DIGEST = "89a45abaf86f506b"


def test_eager_writes_go_around_the_write_path_of_the_twisted_it_was_read_from():
    """On a Twisted upgrade: check that hitl_project/eager_writes.py still reads the buffer
    (`_tempDataLen`, `dataBuffer`, `offset`) and the connection's state as the new write path
    keeps them, then update TWISTED_WRITE_DIGEST."""
    from twisted.internet import _newtls, abstract, tcp

    path = (
        abstract.FileDescriptor.__init__,
        abstract.FileDescriptor.write,
        abstract.FileDescriptor.writeSequence,
        abstract.FileDescriptor.doWrite,
        tcp.Connection.writeSomeData,
        _newtls.ConnectionMixin.write,
        abstract.FileDescriptor.loseConnection,
        abstract.FileDescriptor.loseWriteConnection,
        tcp._AbortingMixin.abortConnection,
        abstract._ConsumerMixin.registerProducer,
    )

    assert _digest(*path) == TWISTED_WRITE_DIGEST


def test_daphne_and_twisted_still_build_requests_as_when_request_bodies_was_written():
    """hitl_project/request_bodies.py, on a daphne or Twisted upgrade: daphne's factory must
    still look up its module's WebRequest for each connection, and Twisted's Request still
    take the switch."""
    build = inspect.getsource(daphne_http.HTTPFactory.buildProtocol)
    switch = inspect.signature(twisted_http.Request.__init__).parameters["parsePOSTFormSubmission"]

    assert "protocol.requestFactory = WebRequest" in build
    assert switch.default is True


# sha256 of Django 5.2.19's PostgreSQL DatabaseWrapper.pool and ._close, which
# hitl_project.postgresql's DatabaseWrapper replaces and extends.
POOL_DIGEST = "e5c2654fdf2d5090"
CLOSE_DIGEST = "8e39d0e91862198c"


def test_the_pool_is_built_as_by_the_django_it_was_read_from():
    """On a Django upgrade: compare hitl_project/postgresql/base.py with the new backend's
    `pool` and `_close`, carry over what changed, then update the digests."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    assert django.VERSION[:2] == (5, 2), "hitl_project.postgresql was written for Django 5.2"
    assert _digest(DatabaseWrapper.pool.fget) == POOL_DIGEST
    assert _digest(DatabaseWrapper._close) == CLOSE_DIGEST


def _setting_seen(expression: str, **env: str) -> str:
    """`settings.<expression>` as a process started with `env` reads it."""
    code = f"from django.conf import settings; print(settings.{expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "hitl_project.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def _engine_seen(**env: str) -> str:
    database = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hitl"}
    return _setting_seen("DATABASES['default']['ENGINE']", **database, **env)


def test_djangos_own_backend_when_the_setting_is_off():
    assert _engine_seen() == "hitl_project.postgresql"
    assert _engine_seen(DATABASE_POOL_CHECK_BYPASS="0") == "django.db.backends.postgresql"
    assert _engine_seen(DATABASE_POOL="false") == "django.db.backends.postgresql"


# sha256 of Channels 4.3.2's `get_user` (whose rules agents.sessions.session_user follows for
# the sockets) and `AsyncConsumer.dispatch` (which WorkspaceConsumer.dispatch replaces).
GET_USER_DIGEST = "3124b316d7d6472c"
DISPATCH_DIGEST = "39f34e7d4fb0f655"
# sha256 of Django 5.2.19's ModelBackend.get_user and db.SessionStore._get_session_from_db,
# whose reads agents.sessions writes out.
MODEL_BACKEND_GET_USER_DIGEST = "ab2f0fe767938110"
SESSION_READ_DIGEST = "775c8d22becd60bd"


def test_the_socket_reads_its_user_and_dispatches_as_the_channels_it_was_read_from():
    """On a Channels or Django upgrade: compare agents/sessions.py and
    WorkspaceConsumer.dispatch with the new `get_user`, `ModelBackend.get_user`, the session
    read and `AsyncConsumer.dispatch`, carry over what changed, update the digests."""
    from channels.auth import get_user
    from channels.consumer import AsyncConsumer
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.sessions.backends.db import SessionStore

    assert _digest(get_user.func) == GET_USER_DIGEST
    assert _digest(AsyncConsumer.dispatch) == DISPATCH_DIGEST
    assert _digest(ModelBackend.get_user) == MODEL_BACKEND_GET_USER_DIGEST
    assert _digest(SessionStore._get_session_from_db) == SESSION_READ_DIGEST


# sha256 of channels-redis 4.3.0's pub/sub layer parts that hitl_project.channel_layer
# replaces (`_get_layer`, `new_channel`, `send`, `receive`, `_receive_message`) or builds on
# (the loop layer's and shard's state, `flush`, `subscribe`).
PUBSUB_DIGEST = "ea2a6a91a5dc9438"


def test_the_process_channel_layer_extends_the_channels_redis_it_was_read_from():
    """On a channels-redis upgrade: compare hitl_project/channel_layer.py with the new
    pubsub.py's parts below, carry over what changed, then update PUBSUB_DIGEST."""
    from channels_redis.pubsub import RedisPubSubChannelLayer as Layer
    from channels_redis.pubsub import RedisPubSubLoopLayer as LoopLayer
    from channels_redis.pubsub import RedisSingleShardConnection as Shard

    parts = [
        Layer._get_layer,
        LoopLayer.__init__,
        LoopLayer.new_channel,
        LoopLayer.send,
        LoopLayer.receive,
        LoopLayer.flush,
        Shard.__init__,
        Shard.subscribe,
        Shard._receive_message,
    ]

    assert _digest(*parts) == PUBSUB_DIGEST


def _layer_seen(**env: str) -> str:
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    return _setting_seen("CHANNEL_LAYERS['default']['BACKEND']", **redis, **env)


def test_channels_redis_own_layer_when_the_setting_is_off():
    assert _layer_seen() == "hitl_project.channel_layer.ProcessChannelLayer"
    assert _layer_seen(HITL_PROCESS_CHANNELS="false") == (
        "channels_redis.pubsub.RedisPubSubChannelLayer"
    )
