"""Workspace: the agent's page, transcripts, search, the queue API and reports at a real queue.

With N open handoffs (1,000 and 50,000; `--quick`: 1,000 and 5,000, 100k messages and a
2,000-message transcript), side by side in one run:
the workspace page in headless Chromium (bytes, first row visible, DOM nodes, daphne RSS), a new
handoff reaching an open page, a 20,000-message conversation against a 10-message one, the queue's
last page against its first, and four agents loading the page while a bot polls availability;
then, with the history grown to about a million messages, message-text search and reports.

    python -m bench.workspace [--quick] [--sizes 1000,50000] [--messages 1000000] [--long 20000]
"""

from __future__ import annotations

import os

# A database and a Redis prefix of its own: never the other benchmarks' `hitl_bench`.
os.environ.setdefault("BENCH_DB", "hitl_bench_ws")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("HITL_REDIS_PREFIX", "hitl-bench-ws")

import argparse
import statistics
import threading
import time
from types import SimpleNamespace
from typing import Any

import httpx

from tests.chromium import CHROMIUM, CHROMIUM_ARGS

from .common import (
    Seed,
    Server,
    percentile,
    prepare,
    print_table,
    servers,
    write_json,
)

LONG_CONVERSATION = 20_000
SHORT_CONVERSATION = 10
MESSAGES_PER_HANDOFF = 5
HISTORY_MESSAGES = 15  # per closed conversation, to grow the messages for search
RARE = "zebracorn"  # in a handful of messages
COMMON = "order"  # in every message
PAGE_LOADS = 3
NEW_HANDOFFS = 5
SEARCHES = 20
API_CALLS = 20

TARGETS = {
    "page_kb": 300,
    "first_row_ratio": 1.5,
    "dom_nodes": 5000,
    "rss_growth_mb": 20,
    "new_handoff_s": 1.0,
    "transcript_ratio": 1.5,
    "search_ms": 50,
    "last_page_ratio": 2.0,
    "reports_ms": 300,
    "availability_p99_ms": 100,
}


# --- seed ---------------------------------------------------------------------------------------


def _sql(sql: str, params: list[Any] | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def seed_queue(*, seed: Seed, first: int, count: int) -> float:
    """`count` pending handoffs (users `user-<n>`, named, 5 messages each), newest last."""
    from django.db import transaction

    from handoffs.models import Bot, Conversation, EndUser, Handoff, Message

    from .queries import insert_select, update_last_user_messages

    began = time.perf_counter()
    bot = Bot.objects.get(bot_id=seed.bot_id)
    with transaction.atomic():
        insert_select(
            EndUser,
            {
                "bot_id": str(int(bot.pk)),
                "channel": "'api'",
                "external_id": "'user-' || g",
                "variables": "jsonb_build_object('fullName', 'Person ' || g)",
                # Ten seconds apart, the newest now: 50,000 fit in six days (a report's week).
                "created_at": f"now() - ({int(first + count)} - g) * interval '10 seconds'",
            },
            "FROM generate_series(%s, %s) AS g",
            [first, first + count - 1],
        )
        users = (
            f"FROM {EndUser._meta.db_table} AS u WHERE u.bot_id = %s AND u.external_id = ANY(%s)"
        )
        external_ids = [f"user-{n}" for n in range(first, first + count)]
        insert_select(
            Conversation,
            {
                "bot_id": "u.bot_id",
                "end_user_id": "u.id",
                "channel": "u.channel",
                "paused": "true",
                "created_at": "u.created_at",
                "last_message_at": "u.created_at",
            },
            f"{users} ORDER BY u.created_at",
            [bot.pk, external_ids],
        )
        conversations = (
            f"FROM {Conversation._meta.db_table} AS c JOIN {EndUser._meta.db_table} AS u "
            "ON u.id = c.end_user_id WHERE c.bot_id = %s AND u.external_id = ANY(%s)"
        )
        insert_select(
            Handoff,
            {
                "bot_id": "c.bot_id",
                "conversation_id": "c.id",
                "status": "'pending'",
                "created_at": "c.created_at",
            },
            f"{conversations} ORDER BY c.created_at",
            [bot.pk, external_ids],
        )
        insert_select(
            Message,
            {
                "conversation_id": "c.id",
                "direction": "CASE WHEN n %% 2 = 1 THEN 'incoming' ELSE 'outgoing' END",
                "text": _message_text("c.id", "n"),
                "created_at": "c.created_at + n * interval '1 second'",
            },
            f"{conversations.replace('WHERE', 'CROSS JOIN generate_series(1, %s) AS n WHERE')} "
            "ORDER BY c.id, n",
            [MESSAGES_PER_HANDOFF, bot.pk, external_ids],
        )
        update_last_user_messages(bot_id=bot.pk)
    _sql("VACUUM ANALYZE")
    return time.perf_counter() - began


def _message_text(conversation: str, n: str) -> str:
    return (
        f"'Hello, I need help with my {COMMON} ' || (({conversation} * 7919 + {n}) %% 99991)"
        " || ', it has not arrived yet'"
    )


def seed_conversation(*, seed: Seed, user: str, length: int) -> int:
    """One more pending handoff whose conversation has `length` messages; its id."""
    from django.db import transaction

    from handoffs.models import Bot, Conversation, EndUser, Handoff, Message

    from .queries import insert_select

    bot = Bot.objects.get(bot_id=seed.bot_id)
    with transaction.atomic():
        end_user = EndUser.objects.create(bot=bot, channel="api", external_id=user)
        conversation = Conversation.objects.create(
            bot=bot, end_user=end_user, channel="api", paused=True
        )
        insert_select(
            Message,
            {
                "conversation_id": str(int(conversation.pk)),
                "direction": "CASE WHEN n %% 2 = 1 THEN 'incoming' ELSE 'outgoing' END",
                "text": f"'{user} ' || lpad(n::text, 5, '0')",
                "created_at": f"now() - ({length} - n) * interval '1 second'",
            },
            "FROM generate_series(0, %s) AS n ORDER BY n",
            [length - 1],
        )
        last = Message.objects.filter(conversation=conversation, direction="incoming").last()
        Conversation.objects.filter(pk=conversation.pk).update(last_user_message=last)
        handoff = Handoff.objects.create(bot=bot, conversation=conversation)
    return handoff.pk


def seed_history(*, seed: Seed, messages: int) -> dict[str, Any]:
    """Closed handoffs of the past week, 15 messages each, until the messages reach `messages`;
    the trigram index is built after the rows, as a bulk load would."""
    from handoffs.models import Bot, Conversation, EndUser, Handoff, Message

    from .queries import insert_select

    began = time.perf_counter()
    bot = Bot.objects.get(bot_id=seed.bot_id)
    have = Message.objects.count()
    closed = max(1, (messages - have) // HISTORY_MESSAGES)
    _sql("DROP INDEX IF EXISTS message_text_trgm_idx")
    insert_select(
        EndUser,
        {
            "bot_id": str(int(bot.pk)),
            "channel": "'web'",
            "external_id": "'visitor-' || g",
            "variables": "jsonb_build_object('fullName', 'Visitor ' || g)",
            "created_at": f"now() - g * (interval '6 days' / {int(closed)})",
        },
        "FROM generate_series(1, %s) AS g",
        [closed],
    )
    visitors = (
        f"FROM {EndUser._meta.db_table} AS u WHERE u.bot_id = %s AND u.channel = 'web' "
        "ORDER BY u.id"
    )
    insert_select(
        Conversation,
        {
            "bot_id": "u.bot_id",
            "end_user_id": "u.id",
            "channel": "u.channel",
            "created_at": "u.created_at",
            "last_message_at": "u.created_at",
        },
        visitors,
        [bot.pk],
    )
    web = f"FROM {Conversation._meta.db_table} AS c WHERE c.bot_id = %s AND c.channel = 'web'"
    insert_select(
        Handoff,
        {
            "bot_id": "c.bot_id",
            "conversation_id": "c.id",
            "status": "CASE WHEN c.id %% 10 = 0 THEN 'expired' ELSE 'resolved' END",
            "agent_id": f"CASE WHEN c.id %% 10 = 0 THEN NULL ELSE {int(seed.user_id)} END",
            "created_at": "c.created_at",
            "assigned_at": "CASE WHEN c.id %% 10 = 0 THEN NULL "
            "ELSE c.created_at + (c.id %% 300) * interval '1 second' END",
            "resolved_at": "c.created_at + (600 + c.id %% 900) * interval '1 second'",
        },
        f"{web} ORDER BY c.id",
        [bot.pk],
    )
    insert_select(
        Message,
        {
            "conversation_id": "c.id",
            "direction": "CASE WHEN n %% 2 = 1 THEN 'incoming' ELSE 'agent' END",
            "text": _message_text("c.id", "n"),
            "created_at": "c.created_at + n * interval '1 second'",
        },
        f"{web.replace('WHERE', 'CROSS JOIN generate_series(1, %s) AS n WHERE')} ORDER BY c.id, n",
        [HISTORY_MESSAGES, bot.pk],
    )
    _tag_rare()
    seeded = time.perf_counter() - began
    indexed_at = time.perf_counter()
    _sql(
        f"CREATE INDEX message_text_trgm_idx ON {Message._meta.db_table} "
        "USING gin (UPPER(text) gin_trgm_ops)"
    )
    index_seconds = time.perf_counter() - indexed_at
    _sql("VACUUM ANALYZE")
    return {
        "closed_handoffs": closed,
        "messages": Message.objects.count(),
        "seed_seconds": round(seeded, 1),
        "index_seconds": round(index_seconds, 1),
        "total_seconds": round(time.perf_counter() - began, 1),
    }


def _tag_rare() -> None:
    """The rare word: in five messages, spread over the history."""
    from handoffs.models import Message

    table = Message._meta.db_table
    _sql(
        f"UPDATE {table} SET text = %s WHERE id IN "
        f"(SELECT id FROM {table} WHERE id %% 200000 = 7 ORDER BY id LIMIT 5)",
        [f"Is the {RARE} in stock?"],
    )


# --- the browser --------------------------------------------------------------------------------


def _context(browser: Any, server: Server, seed: Seed) -> Any:
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": seed.session_key, "url": server.url}])
    return context


PAGE_BYTES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const data = performance.getEntriesByType("resource")
    .filter((e) => e.initiatorType === "fetch" || e.initiatorType === "xmlhttprequest")
    .reduce((sum, e) => sum + e.decodedBodySize, 0);
  return { html: nav.decodedBodySize, data };
}"""


def page_load(browser: Any, server: Server, seed: Seed) -> dict[str, Any]:
    """One load of the workspace: bytes, first row visible, DOM nodes, RSS around it."""
    context = _context(browser, server, seed)
    page = context.new_page()
    rss_before = server.rss_mb()
    began = time.perf_counter()
    page.goto(f"/workspace/{seed.bot_id}/", wait_until="commit")
    page.locator("#handoff-list .handoff").first.wait_for(state="visible", timeout=300_000)
    first_row = time.perf_counter() - began
    page.wait_for_load_state("load")
    page.locator("#live-status[data-state=live]").wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(500)  # the counts' request after changes settle
    sizes = page.evaluate(PAGE_BYTES)
    nodes = page.evaluate("() => document.getElementsByTagName('*').length")
    rss_after = server.rss_mb()
    context.close()
    return {
        "first_row_s": first_row,
        "html_bytes": sizes["html"],
        "data_bytes": sizes["data"],
        "dom_nodes": nodes,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
    }


def new_handoff_latency(browser: Any, server: Server, seed: Seed, tag: str) -> list[float]:
    """POST a handoff with the bot's token; seconds until its row shows on an open page,
    sorted newest first (so it lands at the top whatever the queue's length)."""
    context = _context(browser, server, seed)
    page = context.new_page()
    page.goto(f"/workspace/{seed.bot_id}/")
    page.locator("#live-status[data-state=live]").wait_for(state="attached", timeout=60_000)
    page.select_option("#sort", "newest")
    page.wait_for_timeout(1000)
    times = []
    with httpx.Client(base_url=_api(server, seed), headers=_bearer(seed), timeout=30) as api:
        for i in range(NEW_HANDOFFS):
            user = f"late-{tag}-{i}"
            began = time.perf_counter()
            response = api.post(
                "mod/hitlnext/handoffs", json={"userId": user, "userChannel": "api"}
            )
            response.raise_for_status()
            page.locator("#handoff-list .handoff", has_text=user).first.wait_for(
                state="visible", timeout=30_000
            )
            times.append(time.perf_counter() - began)
            page.wait_for_timeout(300)
    context.close()
    return times


def transcript(
    browser: Any, server: Server, seed: Seed, handoff_id: int, user: str, length: int
) -> dict[str, Any]:
    """Seconds until the last message shows; then scroll up page by page to the first."""
    context = _context(browser, server, seed)
    page = context.new_page()
    began = time.perf_counter()
    page.goto(f"/workspace/{seed.bot_id}/?handoff={handoff_id}", wait_until="commit")
    last = f"{user} {length - 1:05}"
    page.locator("#transcript .msg", has_text=last).first.wait_for(state="visible", timeout=60_000)
    opened = time.perf_counter() - began
    messages = page.locator("#transcript .msg")
    first = f"{user} {0:05}"
    pages, scroll_began, page_times = 1, time.perf_counter(), []
    while first not in (messages.first.text_content(timeout=10_000) or ""):
        # The transcript keeps a window of pages: an older page shows as a new first message.
        shown_first = messages.first.get_attribute("data-id")
        page_began = time.perf_counter()
        page.locator("#transcript").evaluate("list => { list.scrollTop = 0; }")
        page.wait_for_function(
            "id => document.querySelector('#transcript .msg').dataset.id !== id",
            arg=shown_first,
            timeout=30_000,
        )
        page_times.append(time.perf_counter() - page_began)
        pages += 1
        if pages > length:
            break
    scrolled = time.perf_counter() - scroll_began
    reached = first in (messages.first.text_content() or "")
    context.close()
    return {
        "open_s": opened,
        "pages_to_first": pages,
        "scroll_s": scrolled,
        "reached_first": reached,
        # Seconds per older page, early and late: does a page cost more as the DOM grows?
        "page_s_first_10": statistics.median(page_times[:10]) if page_times else 0.0,
        "page_s_last_10": statistics.median(page_times[-10:]) if page_times else 0.0,
    }


# --- the API ------------------------------------------------------------------------------------


def _api(server: Server, seed: Seed) -> str:
    return f"{server.url}/api/v1/bots/{seed.bot_id}/"


def _bearer(seed: Seed) -> dict[str, str]:
    return {"Authorization": f"Bearer {seed.token}"}


def timed_gets(server: Server, seed: Seed, path: str, times: int) -> dict[str, Any]:
    durations, sizes = [], []
    with httpx.Client(base_url=_api(server, seed), headers=_bearer(seed), timeout=60) as api:
        api.get(path).raise_for_status()  # warm
        for _ in range(times):
            began = time.perf_counter()
            response = api.get(path)
            durations.append(time.perf_counter() - began)
            response.raise_for_status()
            body = response.json()
            sizes.append(len(body) if isinstance(body, list) else 1)
    return {
        "median_ms": 1000 * statistics.median(durations),
        "p90_ms": 1000 * percentile(durations, 90),
        "rows": max(sizes),
    }


def last_page_cursor() -> str:
    from handoffs.api.pagination import encode_cursor
    from handoffs.models import Handoff
    from handoffs.models.handoffs import DEFAULT_PRIORITY, PRIORITIES

    ids = list(
        Handoff.objects.filter(status="pending").order_by("-id").values_list("id", flat=True)[:51]
    )
    return encode_cursor(SimpleNamespace(queue_rank=PRIORITIES.index(DEFAULT_PRIORITY), pk=ids[-1]))


def agents_and_bot(server: Server, seed: Seed, *, agents: int, seconds: float) -> dict[str, Any]:
    """`agents` threads load the workspace (page, then the counts) over and over while a bot
    polls `GET availability` every 50 ms: the bot's latencies."""
    stop = threading.Event()
    loads: list[float] = []
    bot: list[float] = []

    def agent() -> None:
        cookies = {"sessionid": seed.session_key}
        with httpx.Client(base_url=server.url, cookies=cookies, timeout=120) as client:
            while not stop.is_set():
                began = time.perf_counter()
                client.get(f"/workspace/{seed.bot_id}/").raise_for_status()
                client.get(
                    f"/api/v1/bots/{seed.bot_id}/mod/hitlnext/handoffs/counts"
                ).raise_for_status()
                loads.append(time.perf_counter() - began)

    def poll() -> None:
        with httpx.Client(base_url=_api(server, seed), headers=_bearer(seed), timeout=120) as api:
            while not stop.is_set():
                began = time.perf_counter()
                api.get("mod/hitlnext/availability").raise_for_status()
                bot.append(time.perf_counter() - began)
                time.sleep(0.05)

    threads = [threading.Thread(target=agent) for _ in range(agents)]
    threads.append(threading.Thread(target=poll))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "agents": agents,
        "page_loads": len(loads),
        "load_median_ms": 1000 * percentile(loads, 50) if loads else float("nan"),
        "bot_calls": len(bot),
        "bot_p50_ms": 1000 * percentile(bot, 50),
        "bot_p99_ms": 1000 * percentile(bot, 99),
        "bot_max_ms": 1000 * max(bot),
    }


def reports(server: Server, seed: Seed) -> dict[str, Any]:
    rss_before = server.rss_mb()
    result = timed_gets(server, seed, "mod/hitlnext/reports", 5)
    return {**result, "rss_growth_mb": server.rss_mb() - rss_before}


# --- a stage: N open handoffs ----------------------------------------------------------------


def stage(
    seed: Seed, *, size: int, long_ids: dict[str, int], lengths: dict[str, int], full: bool
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    cursor = last_page_cursor()
    result: dict[str, Any] = {"open_handoffs": size}
    with servers("hitl", "daphne") as (server,):
        result["rss_start_mb"] = server.rss_mb()
        queue = "mod/hitlnext/handoffs?view=unassigned&limit=50"
        result["api_first_page"] = timed_gets(server, seed, queue, API_CALLS)
        result["api_last_page"] = timed_gets(server, seed, f"{queue}&cursor={cursor}", API_CALLS)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page_load(browser, server, seed)  # warm: templates, the first queries
            loads = [page_load(browser, server, seed) for _ in range(PAGE_LOADS)]
            result["page"] = {
                "first_row_s": statistics.median(load["first_row_s"] for load in loads),
                "html_bytes": loads[-1]["html_bytes"],
                "data_bytes": loads[-1]["data_bytes"],
                "dom_nodes": loads[-1]["dom_nodes"],
                "rss_before_mb": loads[0]["rss_before_mb"],
                "rss_after_mb": loads[-1]["rss_after_mb"],
                "loads": loads,
            }
            result["new_handoff_s"] = new_handoff_latency(browser, server, seed, str(size))
            if full:
                result["transcripts"] = {
                    name: {
                        "messages": lengths[name],
                        **transcript(browser, server, seed, long_ids[name], name, lengths[name]),
                    }
                    for name in ("short", "long")
                }
            browser.close()
        if full:
            result["availability_alone"] = agents_and_bot(server, seed, agents=0, seconds=5)
            result["availability_4_agents"] = agents_and_bot(server, seed, agents=4, seconds=15)
        result["rss_end_mb"] = server.rss_mb()
    return result


def history_stage(seed: Seed) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with servers("hitl", "daphne") as (server,):
        for name, term in (("rare", RARE), ("common", COMMON)):
            result[f"search_{name}"] = timed_gets(
                server, seed, f"mod/hitlnext/handoffs?q={term}&limit=50", SEARCHES
            )
            result[f"search_{name}_open"] = timed_gets(
                server,
                seed,
                f"mod/hitlnext/handoffs?q={term}&view=unassigned&limit=50",
                SEARCHES,
            )
            result[f"conversations_{name}"] = timed_gets(
                server, seed, f"mod/hitlnext/conversations?search={term}&limit=50", SEARCHES
            )
        result["reports"] = reports(server, seed)
    return result


# --- output ---------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(stages: list[dict[str, Any]], history: dict[str, Any], seeded: dict[str, Any]) -> None:
    small, large = stages[0], stages[-1]
    print_table(
        "Workspace page (headless Chromium; median of 3 loads after one warm-up)",
        ["open", "html KB", "data KB", "first row s", "DOM", "RSS MB", "RSS +MB", "new s"],
        [
            [
                f"{s['open_handoffs']:,}",
                s["page"]["html_bytes"] / 1024,
                s["page"]["data_bytes"] / 1024,
                s["page"]["first_row_s"],
                s["page"]["dom_nodes"],
                s["page"]["rss_after_mb"],
                s["page"]["rss_after_mb"] - s["page"]["rss_before_mb"],
                statistics.median(s["new_handoff_s"]),
            ]
            for s in stages
        ],
    )
    print_table(
        "Queue over the API (view=unassigned, limit=50; ms)",
        ["open", "first med", "last med", "last/first"],
        [
            [
                f"{s['open_handoffs']:,}",
                s["api_first_page"]["median_ms"],
                s["api_last_page"]["median_ms"],
                s["api_last_page"]["median_ms"] / s["api_first_page"]["median_ms"],
            ]
            for s in stages
        ],
    )
    t = large["transcripts"]
    print_table(
        f"Transcripts at {large['open_handoffs']:,} open handoffs",
        [
            "conversation",
            "open s",
            "pages to first",
            "scroll s",
            "page s (first/last 10)",
            "reached",
        ],
        [
            [
                f"{t['short']['messages']:,} messages",
                t["short"]["open_s"],
                t["short"]["pages_to_first"],
                t["short"]["scroll_s"],
                "-",
                t["short"]["reached_first"],
            ],
            [
                f"{t['long']['messages']:,} messages",
                t["long"]["open_s"],
                t["long"]["pages_to_first"],
                t["long"]["scroll_s"],
                f"{t['long']['page_s_first_10']:.2f} / {t['long']['page_s_last_10']:.2f}",
                t["long"]["reached_first"],
            ],
        ],
    )
    alone, busy = large["availability_alone"], large["availability_4_agents"]
    print_table(
        f"GET availability every 50 ms at {large['open_handoffs']:,} (ms)",
        ["while", "calls", "p50", "p99", "max", "page loads", "load med"],
        [
            [
                "nothing else",
                alone["bot_calls"],
                alone["bot_p50_ms"],
                alone["bot_p99_ms"],
                alone["bot_max_ms"],
                0,
                "-",
            ],
            [
                "4 agents load",
                busy["bot_calls"],
                busy["bot_p50_ms"],
                busy["bot_p99_ms"],
                busy["bot_max_ms"],
                busy["page_loads"],
                busy["load_median_ms"],
            ],
        ],
    )
    print_table(
        f"Search and reports at {seeded['messages']:,} messages (over HTTP, ms)",
        ["request", "median", "p90", "rows"],
        [
            [name.replace("_", " "), r["median_ms"], r["p90_ms"], r["rows"]]
            for name, r in history.items()
        ],
    )
    first_ratio = large["page"]["first_row_s"] / small["page"]["first_row_s"]
    page_kb = (large["page"]["html_bytes"] + large["page"]["data_bytes"]) / 1024
    growth = large["page"]["rss_after_mb"] - large["page"]["rss_before_mb"]
    new_s = max(large["new_handoff_s"])
    transcript_ratio = t["long"]["open_s"] / t["short"]["open_s"]
    search_ms = max(history["search_rare"]["median_ms"], history["search_common"]["median_ms"])
    last_ratio = large["api_last_page"]["median_ms"] / large["api_first_page"]["median_ms"]
    rows = [
        [
            "page HTML + data",
            f"{page_kb:.0f} KB",
            f"<= {TARGETS['page_kb']} KB",
            verdict(page_kb <= TARGETS["page_kb"]),
        ],
        [
            "first row vs 1k",
            f"{first_ratio:.2f}x",
            f"<= {TARGETS['first_row_ratio']}x",
            verdict(first_ratio <= TARGETS["first_row_ratio"]),
        ],
        [
            "DOM nodes",
            large["page"]["dom_nodes"],
            f"< {TARGETS['dom_nodes']}",
            verdict(large["page"]["dom_nodes"] < TARGETS["dom_nodes"]),
        ],
        [
            "RSS growth (3 loads)",
            f"{growth:.1f} MB",
            f"< {TARGETS['rss_growth_mb']} MB",
            verdict(growth < TARGETS["rss_growth_mb"]),
        ],
        [
            "new handoff (max of 5)",
            f"{new_s:.2f} s",
            f"<= {TARGETS['new_handoff_s']} s",
            verdict(new_s <= TARGETS["new_handoff_s"]),
        ],
        [
            f"{t['long']['messages']:,} vs {t['short']['messages']} messages",
            f"{transcript_ratio:.2f}x",
            f"<= {TARGETS['transcript_ratio']}x",
            verdict(transcript_ratio <= TARGETS["transcript_ratio"] and t["long"]["reached_first"]),
        ],
        [
            "search median",
            f"{search_ms:.1f} ms",
            f"<= {TARGETS['search_ms']} ms",
            verdict(search_ms <= TARGETS["search_ms"]),
        ],
        [
            "last vs first page",
            f"{last_ratio:.2f}x",
            f"<= {TARGETS['last_page_ratio']}x",
            verdict(last_ratio <= TARGETS["last_page_ratio"]),
        ],
        [
            "reports",
            f"{history['reports']['median_ms']:.0f} ms, "
            f"+{history['reports']['rss_growth_mb']:.1f} MB",
            f"<= {TARGETS['reports_ms']} ms",
            verdict(history["reports"]["median_ms"] <= TARGETS["reports_ms"]),
        ],
        [
            "availability p99",
            f"{busy['bot_p99_ms']:.0f} ms",
            f"<= {TARGETS['availability_p99_ms']} ms",
            verdict(busy["bot_p99_ms"] <= TARGETS["availability_p99_ms"]),
        ],
    ]
    print_table(
        f"Targets (issue 21) at {large['open_handoffs']:,} open handoffs",
        ["what", "measured", "target", ""],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,000 and 5,000; 100k messages; 2,000 in the long transcript",
    )
    parser.add_argument("--sizes", default="1000,50000", help="open handoffs, comma-separated")
    parser.add_argument("--messages", type=int, default=1_000_000, help="for search")
    parser.add_argument(
        "--long", type=int, default=LONG_CONVERSATION, help="the long conversation's messages"
    )
    args = parser.parse_args()
    # Scrolling back takes long: each older page costs more as the DOM grows (bench/README.md).
    lengths = {"long": 2000 if args.quick else args.long, "short": SHORT_CONVERSATION}
    sizes = [1000, 5000] if args.quick else [int(n) for n in args.sizes.split(",")]
    messages = 100_000 if args.quick else args.messages

    seed = prepare(bare=False)
    from django.core.management import call_command

    # DEBUG=false: WhiteNoise serves the page's scripts from STATIC_ROOT only, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    seeded: dict[str, Any] = {"queue_seconds": {}}
    long_ids = {
        name: seed_conversation(seed=seed, user=name, length=length)
        for name, length in lengths.items()
    }
    stages = []
    have = 2
    for index, size in enumerate(sizes):
        print(f"seeding the queue to {size:,} open handoffs...", flush=True)
        seeded["queue_seconds"][size] = round(
            seed_queue(seed=seed, first=have, count=size - have), 1
        )
        have = size
        print(f"measuring at {size:,}...", flush=True)
        last = index == len(sizes) - 1
        stages.append(stage(seed, size=size, long_ids=long_ids, lengths=lengths, full=last))
        # The late handoffs the stage created count as open too.
        have += NEW_HANDOFFS
    print(f"seeding the history to {messages:,} messages...", flush=True)
    seeded.update(seed_history(seed=seed, messages=messages))
    print(f"  {seeded}", flush=True)
    history = history_stage(seed)
    report(stages, history, seeded)
    write_json(
        "workspace",
        {"sizes": sizes, "seed": seeded, "stages": stages, "history": history, "targets": TARGETS},
    )


if __name__ == "__main__":
    main()
