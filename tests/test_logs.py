"""Logs an operator can read and ship: one format with timestamps in every process, JSON on
demand, the request's id on its lines, and a failure that repeats every second summarised."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import httpx
import pytest

from hitl_project.logs import RepeatSummary
from tests.servers import ROOT, _wait_for_port, free_port, shared_database_url

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def logger_with_summary(clock: Clock) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatSummary(window=60, clock=clock))
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger("tests.repeats")
    log.handlers = [handler]
    log.propagate = False
    return log, stream


def test_the_same_error_every_second_is_one_line_a_minute_and_says_how_many_it_held():
    clock = Clock()
    log, stream = logger_with_summary(clock)

    for second in range(120):
        clock.now = 1000.0 + second
        try:
            raise ConnectionError("Redis is gone")
        except ConnectionError:
            log.exception("publishing event %s failed", second)

    lines = [line for line in stream.getvalue().splitlines() if line.startswith("ERROR")]
    assert lines == [
        "ERROR publishing event 0 failed",
        "ERROR publishing event 60 failed [59 more like this in the last 60 s]",
    ]
    assert stream.getvalue().count("Traceback") == 2


def test_different_errors_and_info_lines_are_never_held_back():
    clock = Clock()
    log, stream = logger_with_summary(clock)

    for _ in range(3):
        log.info("a request")
        log.error("the database is gone")
        log.error("Redis is gone")

    assert stream.getvalue().count("a request") == 3
    assert stream.getvalue().count("gone") == 2


def run_worker(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "sweep", "--once"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": shared_database_url(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_with_timestamps_on_stdout():
    lines = run_worker().splitlines()

    assert any("sweep started" in line for line in lines)
    assert lines and all(TIMESTAMP.match(line) for line in lines), lines


@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_json_lines_with_log_format_json():
    lines = run_worker(LOG_FORMAT="json").splitlines()

    records = [json.loads(line) for line in lines]
    started = next(record for record in records if record["message"] == "sweep started")
    assert started["level"] == "INFO" and started["logger"] == "handoffs.management.worker"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", started["timestamp"])


@pytest.mark.django_db(transaction=True)
def test_a_request_id_is_echoed_and_on_the_requests_log_lines():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hitl_project.serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "PYTHONUNBUFFERED": "1",
            "LOG_FORMAT": "json",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_port(port, server, 30)
        given = httpx.get(
            f"http://127.0.0.1:{port}/no-such-page/",
            headers={"X-Request-ID": "lb-4711"},
            timeout=10,
        )
        made = httpx.get(f"http://127.0.0.1:{port}/api/schema/", timeout=10)
        forged = httpx.get(
            f"http://127.0.0.1:{port}/api/schema/", headers={"X-Request-ID": "<b>" * 50}, timeout=10
        )
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=20)

    assert given.headers["X-Request-ID"] == "lb-4711"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    # Every line in the one format: none printed a second time by Django's own DEBUG handler.
    assert [line for line in log.splitlines() if line.strip() and not line.startswith("{")] == []
    records = [json.loads(line) for line in log.splitlines()]
    mine = [record for record in records if record.get("requestId") == "lb-4711"]
    # Django's own "Not Found" warning and the access line, both named by the request's id.
    assert {record["logger"] for record in mine} == {"django.request", "hitl.access"}
    access = next(record for record in mine if record["logger"] == "hitl.access")
    assert '"GET /no-such-page/" 404' in access["message"]
