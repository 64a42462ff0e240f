"""Issue 19, item 1 with real processes: a flood of wrong passwords does not slow the agents'
API down (password hashing is bounded, and the flood is refused early), and the limits count in
Redis, across every process of a deployment."""

from __future__ import annotations

import statistics
import threading
import time
import uuid

import httpx
import pytest

from agents.services import api_token_create
from tests.factories import BotFactory, UserFactory
from tests.servers import Daphne

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def limited(**env: str) -> dict[str, str]:
    # Counters of their own: a prefix no earlier run used.
    return {"RATE_LIMITS_ENABLED": "true", "HITL_REDIS_PREFIX": f"hitl-t-{uuid.uuid4().hex}", **env}


def wrong_sign_in(client: httpx.Client) -> int:
    page = client.get("/accounts/login/")
    token = client.cookies.get("csrftoken", "")
    answer = client.post(
        "/accounts/login/",
        data={"username": "ada", "password": "wrong", "csrfmiddlewaretoken": token},
        headers={"Referer": str(page.url)},
    )
    return answer.status_code


def test_agents_stay_fast_while_wrong_passwords_flood_in():
    bot = BotFactory()
    UserFactory(username="ada")
    _, key = api_token_create(workspace=bot.workspace, name="bot")
    server = Daphne(limited()).start()
    stop = threading.Event()
    flood_answers: list[int] = []

    def flood() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.is_set():
                flood_answers.append(wrong_sign_in(client))

    flooders = [threading.Thread(target=flood) for _ in range(8)]
    try:
        for thread in flooders:
            thread.start()
        time.sleep(1)  # the flood under way before the agents' calls are timed
        timings = []
        with httpx.Client(base_url=server.url, timeout=30) as api:
            for _ in range(20):
                began = time.perf_counter()
                answer = api.get(
                    f"/api/v1/bots/{bot.bot_id}/mod/hitlnext/handoffs",
                    headers={"Authorization": f"Bearer {key}"},
                )
                timings.append(time.perf_counter() - began)
                assert answer.status_code == 200
    finally:
        stop.set()
        for thread in flooders:
            thread.join(30)
        server.stop()

    assert 429 in flood_answers
    # Before: password hashing held every request thread and the agents' median was 3 s.
    assert statistics.median(timings) < 0.5, timings


def test_limits_count_across_processes_through_redis():
    UserFactory(username="ada")
    env = limited(RATE_LIMIT_LOGIN_IP="4/h", AXES_FAILURE_LIMIT="100")
    first, second = Daphne(env).start(), Daphne(env).start()
    try:
        answers = []
        for server in (first, second, first, second, first):
            with httpx.Client(base_url=server.url, timeout=30) as client:
                answers.append(wrong_sign_in(client))
    finally:
        first.stop()
        second.stop()

    assert answers == [200, 200, 200, 200, 429]
