"""What every benchmark shares: the database, the seed, server processes, statistics, output.

Everything runs on loopback: PostgreSQL, Redis and the servers on 127.0.0.1, on a database of
its own (`hitl_bench`, dropped and created anew) so a run never touches development or tests.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "hitl_bench")
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")

BOT_ID = "bench-bot"
# Redis pub/sub channels are global, not per database number: ids far above what a test
# database reaches keep our `workspace-<id>` and `enduser-<id>` groups apart from theirs.
ID_BASE = 900_000_000

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"bench runs on loopback only, not {host!r} ({url})")


for _url in (PG_SERVER, REDIS_URL):
    _require_loopback(_url)


def raise_file_limit() -> None:
    """A thousand sockets each side; children inherit the raised limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 10_000 if hard == resource.RLIM_INFINITY else min(hard, 10_000)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


raise_file_limit()


# --- database and seed ---------------------------------------------------------------------


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django() -> None:
    """Django in this process (seeding, in-process views), without a pool or channel layer."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "hitl_project.settings",
            "DATABASE_URL": DATABASE_URL,
            "DATABASE_POOL": "false",
            "REDIS_URL": "",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-not-secret",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    # WhiteNoise warns of the missing collectstatic folder at every in-process request.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()


@dataclass(frozen=True)
class Seed:
    bot_id: str
    token: str
    session_key: str
    workspace_id: int
    user_id: int


def prepare(*, bare: bool = True) -> Seed:
    """A fresh database, migrated for hitl (and the bare project), with one agent and a token."""
    started = time.monotonic()
    create_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if bare:
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=server_env("bare"),
            check=True,
        )
    seed = seed_hitl()
    from django.db import connections

    connections.close_all()
    print(f"prepared {DB_NAME} in {time.monotonic() - started:.1f} s")
    return seed


def seed_hitl() -> Seed:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from agents.models import AgentProfile, Membership, Workspace
    from agents.services import api_token_create
    from handoffs.models import Bot, Conversation

    with connection.cursor() as cursor:
        for model in (Workspace, Conversation):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [model._meta.db_table, ID_BASE],
            )
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    bot = Bot.objects.create(workspace=workspace, bot_id=BOT_ID, name="Bench bot")
    user = get_user_model().objects.create_user(username="bench-agent", password=None)
    AgentProfile.objects.create(user=user, display_name="Bench Agent")
    Membership.objects.create(
        workspace=workspace, user=user, role=Membership.Role.AGENT, online=True
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _, key = api_token_create(workspace=workspace, name="bench")
    return Seed(
        bot_id=bot.bot_id,
        token=key,
        session_key=session.session_key,
        workspace_id=workspace.pk,
        user_id=user.pk,
    )


def seed_web_visitors(seed: Seed, count: int) -> list[str]:
    """`count` web-chat visitors of the seeded bot, each with a conversation of two messages
    (a returning visitor: its socket joins the conversation's group and sends the history);
    returns their chat tokens, made as the widget's are."""
    if count <= 0:
        return []
    from django.db import connections
    from django.utils import timezone

    from channels_adapters.services import web_token_new, web_user_from_token
    from handoffs.models import Bot, Conversation, EndUser, Message

    bot = Bot.objects.get(bot_id=seed.bot_id)
    tokens = [web_token_new(bot=bot) for _ in range(count)]
    ids = [web_user_from_token(bot=bot, token=token) for token in tokens]
    users = EndUser.objects.bulk_create(
        [EndUser(bot=bot, channel="web", external_id=user_id) for user_id in ids]
    )
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        [Conversation(bot=bot, end_user=user, channel="web", last_message_at=now) for user in users]
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, direction=direction, text=text)
        for conversation in conversations
        for direction, text in (("incoming", "Hello?"), ("outgoing", "Hi! How can I help?"))
    )
    # A database that grew to this many users has its statistics; the planner without them
    # chose other plans, and autovacuum's ANALYZE would come at a random moment of the run.
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()
    return tokens


# --- server processes ----------------------------------------------------------------------

# The raw floor (`app="floor"`) is bench/floor.py, a plain `websockets` server.
APPS = {"hitl": "hitl_project", "bare": "bench.bare"}


def server_env(app: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"{APPS.get(app, 'hitl_project')}.settings",
        "DATABASE_URL": DATABASE_URL,
        "DATABASE_POOL": "true",
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # The one token sends every message: its limit stays checked (its cost is measured) but
        # out of reach. Any other limit keeps its default.
        "RATE_LIMIT_TOKEN_MESSAGE": os.environ.get("RATE_LIMIT_TOKEN_MESSAGE", "1000000000/m"),
        # Each run's fresh database numbers its end users from 1 again, while the counters in
        # Redis outlive it: a few fan-out runs within the hour hit `10/h` of a past run's users.
        "RATE_LIMIT_HANDOFF_USER": os.environ.get("RATE_LIMIT_HANDOFF_USER", "1000000000/h"),
        # Every web-chat socket comes from 127.0.0.1 (`--webchat`).
        "RATE_LIMIT_WEBCHAT_SOCKET_IP": os.environ.get(
            "RATE_LIMIT_WEBCHAT_SOCKET_IP", "1000000000/m"
        ),
        "WEBCHAT_SOCKETS_PER_IP": os.environ.get("WEBCHAT_SOCKETS_PER_IP", "1000000"),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    app: str
    kind: str
    port: int
    process: subprocess.Popen
    log: Path
    _cpu_mark: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _command(app: str, kind: str, port: int) -> list[str]:
    # hitl runs as the Procfile runs it (hitl_project/serve.py tunes the interpreter first);
    # the bare app with the servers' own entry points.
    target = [] if app == "hitl" else [f"{APPS.get(app)}.asgi:application"]
    serve = ["-m", "hitl_project.serve"] if app == "hitl" else []
    if kind == "daphne":
        # -v 0: no access log, as uvicorn's --no-access-log (the Procfile's daphne writes one).
        return [
            sys.executable,
            *(serve or ["-m", "daphne"]),
            "-v",
            "0",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            *target,
        ]
    if app == "floor":
        return [sys.executable, "-m", "bench.floor", "--port", str(port), "--redis", REDIS_URL]
    if kind == "uvicorn":
        return [
            sys.executable,
            *([*serve, "--uvicorn"] if serve else ["-m", "uvicorn"]),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            *target,
        ]
    raise ValueError(f"unknown server {kind!r}")


@contextmanager
def servers(app: str, kind: str, count: int = 1, timeout: float = 60) -> Iterator[list[Server]]:
    """`count` server processes of one app on free ports, ready to serve; stopped on exit."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        started: list[Server] = []
        for _ in range(count):
            port = free_port()
            log = LOGS / f"{app}-{kind}-{port}.log"
            handle = stack.enter_context(log.open("wb"))
            process = subprocess.Popen(
                _command(app, kind, port),
                cwd=ROOT,
                env=server_env(app),
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, process)
            started.append(Server(app=app, kind=kind, port=port, process=process, log=log))
        for server in started:
            _wait_ready(server, timeout)
        yield started


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(server: Server, timeout: float) -> None:
    """Listening, and one HTTP request served (the first one pays for imports)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.kind} ({server.app}) exited:\n{tail}")
        try:
            httpx.get(f"{server.url}/ready-probe", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(f"{server.kind} ({server.app}) not ready on {server.port} in {timeout} s")


# --- statistics and output -----------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [value * 1000 for value in seconds]
    return {
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else float("nan"),
    }


def ratio(a: float, b: float) -> float:
    return a / b if b and b == b and a == a else float("nan")


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:
            return "-"
        digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
        return f"{value:.{digits}f}"
    return str(value)


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Right-aligned columns; a shorter row's last cell is a note spanning the rest."""
    cells = [[fmt(value) for value in row] for row in rows]
    full = [row for row in cells if len(row) == len(columns)]
    widths = [max([len(c), *(len(row[i]) for row in full)]) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        aligned = [v.rjust(w) for v, w in zip(row, widths, strict=False)]
        if len(row) < len(columns):
            aligned[-1] = row[-1]
        print("  ".join(aligned))


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_json(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {"benchmark": name, "at": datetime.now(UTC).isoformat(), "machine": machine(), **data}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return path
