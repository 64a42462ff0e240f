"""The embedded default under load: SQLite and the in-memory layer, one daphne, as `make run`
serves. User messages over the REST ingest at fixed rates (open loop); every answer that is not
a 2xx counts as an error. Run side by side in one go: hitl's SQLite tuning on (the default:
WAL, immediate transactions) and off (Django's defaults).

    python -m bench.embedded [--quick] [--duration 10] [--rates 25,50,100,150]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from . import load
from .common import (
    LOGS,
    ROOT,
    Seed,
    Server,
    _stop,
    _wait_ready,
    free_port,
    print_table,
    summary_ms,
    write_json,
)

SEED = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from agents.models import Membership, Workspace
from agents.services import api_token_create
from handoffs.models import Bot
workspace = Workspace.objects.create(name="Bench", slug="bench")
bot = Bot.objects.create(workspace=workspace, bot_id="bench-bot", name="Bench bot")
user = User.objects.create_user(username="bench-agent", password=None)
Membership.objects.create(workspace=workspace, user=user, role="agent", online=True)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
_, key = api_token_create(workspace=workspace, name="bench")
print(json.dumps({"token": key, "session": session.session_key, "workspace": workspace.pk,
                  "user": user.pk}))
"""


def embedded_env(database: Path, *, tuned: bool) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "hitl_project.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "SQLITE_TUNING": "true" if tuned else "false",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMITS_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(database: Path, *, tuned: bool) -> Seed:
    env = embedded_env(database, tuned=tuned)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True
    ).stdout.decode()
    data = json.loads(out.strip().splitlines()[-1])
    return Seed(
        bot_id="bench-bot",
        token=data["token"],
        session_key=data["session"],
        workspace_id=data["workspace"],
        user_id=data["user"],
    )


def start(database: Path, *, tuned: bool) -> Server:
    LOGS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = LOGS / f"embedded-{'tuned' if tuned else 'plain'}-{port}.log"
    command = [sys.executable, "-m", "hitl_project.serve", "-v", "0"]
    process = subprocess.Popen(
        [*command, "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=embedded_env(database, tuned=tuned),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(app="hitl", kind="daphne", port=port, process=process, log=log)
    _wait_ready(server, 60)
    return server


async def run_rates(server: Server, seed: Seed, rates: list[float], duration: float) -> list[Any]:
    results = []
    listener = await load.Listener(load.hitl_extract).open(**load.hitl_socket_args(server, seed))
    try:
        async with load.http_client(256) as client:
            send = load.hitl_sender(client, [server], seed)
            await load.closed_loop(send, concurrency=4, duration=2, prefix="warm")
            for rate in rates:
                prefix = f"r{int(rate)}-{uuid.uuid4().hex[:6]}"
                results.append(
                    await load.paced(send, listener, rate=rate, duration=duration, prefix=prefix)
                )
    finally:
        await listener.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per rate")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--rates", default="25,50,100,150")
    args = parser.parse_args()
    duration = 5 if args.quick else args.duration
    rates = [float(rate) for rate in args.rates.split(",")]
    rows, report = [], []
    for tuned in (True, False):
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "db.sqlite3"
            seed = prepare(database, tuned=tuned)
            server = start(database, tuned=tuned)
            try:
                results = load.run(run_rates(server, seed, rates, duration))
            finally:
                _stop(server.process)
        name = "tuned (default)" if tuned else "Django's defaults"
        for result in results:
            latency = summary_ms(result.latencies)
            kinds = ", ".join(f"{k}: {v}" for k, v in sorted(result.error_kinds.items()))
            rows.append(
                [
                    name,
                    result.rate,
                    result.sent,
                    result.shed,
                    result.errors,
                    kinds or "-",
                    result.lost,
                    latency.get("p50"),
                    latency.get("p99"),
                ]
            )
            report.append(
                {
                    "config": name,
                    "rate": result.rate,
                    "sent": result.sent,
                    "shed": result.shed,
                    "errors": result.errors,
                    "error_kinds": dict(result.error_kinds),
                    "lost": result.lost,
                    **latency,
                }
            )
    print_table(
        f"SQLite + in-memory layer, one daphne: REST ingest at fixed rates, {duration:g} s each",
        ["config", "msg/s", "sent", "shed", "errors", "kinds", "lost", "p50 ms", "p99 ms"],
        rows,
    )
    write_json("embedded", {"duration": duration, "rows": report})


if __name__ == "__main__":
    main()
