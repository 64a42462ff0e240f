"""Real server processes for tests that cross process boundaries (scale-out, browsers)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_database_url() -> str:
    """The URL of the database the running test uses, for a server process to share it."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


class Daphne:
    """One daphne process on a fixed port, which a test may kill and start again."""

    def __init__(self, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            # Several servers and the test process share the database's connection limit.
            "DATABASE_POOL_MAX": "8",
            # Tests flush the database and create bots and tokens with the same ids again; a
            # server living across tests must not answer from the previous test's copy.
            "HITL_CONFIG_CACHE_SECONDS": "0",
            # Fake receivers (a Graph API, a webhook) listen on this machine.
            "OUTGOING_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            # Every test's server counts from the same address: only tests/reliability's
            # limit tests turn the limits on.
            "RATE_LIMITS_ENABLED": "false",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, startup_timeout: float = 30) -> Daphne:
        # The Procfile's entry point, as production runs it.
        command = [sys.executable, "-m", "hitl_project.serve", "-b", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "-p", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _wait_for_port(self.port, self.process, startup_timeout)
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful close, as in a crash."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextmanager
def daphne(env: dict[str, str] | None = None, startup_timeout: float = 30) -> Iterator[str]:
    """Serve the project with daphne on a free port; yields its base URL."""
    server = Daphne(env).start(startup_timeout)
    try:
        yield server.url
    finally:
        server.stop()


class DeliveryWorker:
    """One `manage.py deliver` process on the test's database, which a test may stop (SIGTERM),
    kill and start again."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_POOL_MAX": "8",
            # The fake receivers (a bot, a Graph API) listen on this machine.
            "OUTGOING_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, *args: str) -> DeliveryWorker:
        command = [sys.executable, "manage.py", "deliver", "--interval", "0.1", *args]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Ready once its loop logs that it started: a SIGTERM before that would kill it.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "deliver started" in line:
                break
        else:
            raise RuntimeError(f"deliver exited with {self.process.wait()}")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        return self

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, as a deploy does: the worker ends after the delivery under way."""
        if self.process is None:
            return None
        self.process.terminate()
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self.process.kill()
            self.process.wait()
            self.process = None
        return code


@contextmanager
def delivery_worker(env: dict[str, str] | None = None) -> Iterator[DeliveryWorker]:
    worker = DeliveryWorker(env).start()
    try:
        yield worker
    finally:
        worker.stop()


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"daphne did not listen on {port} within {timeout} s")
