"""Queries: the handoff list and a conversation's messages at 100k handoffs / 1M messages.

Seeds with INSERT ... SELECT generate_series (a minute or two), then calls the endpoints
in-process through Django's test client: query count (CaptureQueriesContext) and time per page.

    python -m bench.queries [--quick] [--handoffs 100000] [--pages 50]
"""

from __future__ import annotations

import argparse
import random
import time
from types import SimpleNamespace
from typing import Any

from .common import percentile, prepare, print_table, write_json

LONG_CONVERSATIONS = 100  # each with 1,000 messages; every other conversation has 9
LONG_LENGTH = 1000
SHORT_LENGTH = 9


def insert_select(model: Any, columns: dict[str, str], source: str, params: list[Any]) -> int:
    """INSERT INTO <model> (...) SELECT <expressions> <source>; `params` are the source's.

    NOT NULL fields not given take their Python default, so the seed follows the models as
    they grow instead of breaking on the next migration.
    """
    from django.db import connection, models

    names, expressions, values = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if field.column in columns:
            names.append(field.column)
            expressions.append(columns[field.column])
        elif field.null:
            continue
        elif isinstance(field, models.DateTimeField):
            names.append(field.column)
            expressions.append("now()")
        else:
            names.append(field.column)
            expressions.append("%s")
            values.append(field.get_db_prep_save(field.get_default(), connection))
    unknown = set(columns) - set(names)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(expressions)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values + params)
        return cursor.rowcount


def update_last_user_messages(*, bot_id: int) -> int:
    from django.db import connection

    from handoffs.models import Conversation, Message

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Conversation._meta.db_table} AS c SET last_user_message_id = "
            f"(SELECT max(m.id) FROM {Message._meta.db_table} AS m "
            "WHERE m.conversation_id = c.id AND m.direction = 'incoming') WHERE c.bot_id = %s",
            [bot_id],
        )
        return cursor.rowcount


def seed(*, bot_id: str, agent_id: int, handoffs: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from handoffs.models import Bot, Conversation, EndUser, Handoff, Label, Message, Note

    bot = Bot.objects.get(bot_id=bot_id)
    agent = str(int(agent_id))
    timings = {}

    def step(name: str, run: Any) -> None:
        began = time.perf_counter()
        rows = run()
        timings[name] = {"rows": rows, "seconds": round(time.perf_counter() - began, 1)}
        print(f"  seeded {rows:>9,} {name} in {timings[name]['seconds']} s", flush=True)

    with transaction.atomic():
        step(
            "end users",
            lambda: insert_select(
                EndUser,
                {
                    "bot_id": str(int(bot.pk)),
                    "channel": "'api'",
                    "external_id": "'seed-' || g",
                    "created_at": "now() - g * interval '1 minute'",
                },
                "FROM generate_series(1, %s) AS g",
                [handoffs],
            ),
        )
        step(
            "conversations",
            lambda: insert_select(
                Conversation,
                {
                    "bot_id": "u.bot_id",
                    "end_user_id": "u.id",
                    "channel": "u.channel",
                    "created_at": "u.created_at",
                    "last_message_at": "u.created_at",
                },
                f"FROM {EndUser._meta.db_table} AS u WHERE u.bot_id = %s ORDER BY u.id",
                [bot.pk],
            ),
        )
        # 2% pending, 3% assigned to the agent, the rest closed: a realistic, deep history.
        step(
            "handoffs",
            lambda: insert_select(
                Handoff,
                {
                    "bot_id": "c.bot_id",
                    "conversation_id": "c.id",
                    "status": "CASE WHEN c.id %% 100 < 2 THEN 'pending' "
                    "WHEN c.id %% 100 < 5 THEN 'assigned' "
                    "WHEN c.id %% 100 < 90 THEN 'resolved' ELSE 'expired' END",
                    "agent_id": f"CASE WHEN c.id %% 100 BETWEEN 2 AND 89 THEN {agent} END",
                    "created_at": "c.created_at",
                    "assigned_at": "CASE WHEN c.id %% 100 BETWEEN 2 AND 89 THEN c.created_at END",
                    "resolved_at": "CASE WHEN c.id %% 100 >= 5 THEN c.created_at END",
                },
                f"FROM {Conversation._meta.db_table} AS c WHERE c.bot_id = %s ORDER BY c.id",
                [bot.pk],
            ),
        )
        conversations = f"FROM {Conversation._meta.db_table} AS c"
        step(
            "messages",
            lambda: insert_select(
                Message,
                {
                    "conversation_id": "c.id",
                    "direction": "CASE WHEN n %% 2 = 1 THEN 'incoming' ELSE 'outgoing' END",
                    "text": "'message ' || n",
                    "created_at": "c.created_at + n * interval '1 second'",
                },
                f"{conversations} CROSS JOIN LATERAL generate_series(1, "
                f"CASE WHEN c.id < (SELECT min(id) + %s FROM {Conversation._meta.db_table}) "
                "THEN %s ELSE %s END) AS n WHERE c.bot_id = %s ORDER BY c.id, n",
                [LONG_CONVERSATIONS, LONG_LENGTH, SHORT_LENGTH, bot.pk],
            ),
        )
        # What message services keep on each conversation as they store its messages.
        step(
            "last user messages",
            lambda: update_last_user_messages(bot_id=bot.pk),
        )
        step(
            "notes",
            lambda: insert_select(
                Note,
                {"conversation_id": "c.id", "text": "'a note'", "author_id": agent},
                f"{conversations} WHERE c.bot_id = %s AND c.id %% 10 = 0",
                [bot.pk],
            ),
        )
        labels = [Label.objects.create(bot=bot, name=f"label-{i}").pk for i in range(5)]
        through = Handoff.labels.through._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {through} (handoff_id, label_id) "
                f"SELECT h.id, (%s::bigint[])[1 + h.id %% 5] FROM {Handoff._meta.db_table} AS h "
                "WHERE h.bot_id = %s AND h.id %% 7 = 0",
                [labels, bot.pk],
            )
            timings["handoff labels"] = {"rows": cursor.rowcount}
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = {"seconds": round(time.perf_counter() - began, 1)}
    return timings


def measure(urls: list[str], token: str, *, follow: int = 0) -> dict[str, Any]:
    """GET each URL in-process: query count, wall time and the time spent in SQL.

    With `follow`, `urls` is one start page and the next `follow - 1` pages are those its
    `Link` header points to, page after page, as a client walks the list.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get(urls[0])  # warm: imports, the plan cache, the bot row
    pending = list(urls)
    times, sql_times, counts, sizes = [], [], [], []
    while pending and len(times) < max(follow, len(urls)):
        url = pending.pop(0)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        counts.append(len(captured))
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
        sizes.append(len(response.json()))
        link = response.headers.get("Link")
        if follow and link:
            pending.append(link.split(";")[0].strip("<>").replace("http://testserver", ""))
    return {
        "requests": len(times),
        "queries_min": min(counts),
        "queries_max": max(counts),
        "rows_per_page": round(sum(sizes) / len(sizes), 1),
        "median_ms": 1000 * percentile(times, 50),
        "p99_ms": 1000 * percentile(times, 99),
        "sql_median_ms": 1000 * percentile(sql_times, 50),
    }


def measure_scrape(scrapes: int) -> dict[str, Any]:
    """What a Prometheus scrape costs: the exposition, with the queue, backlog and worker
    figures read from the database (handoffs/metrics.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from prometheus_client import REGISTRY, generate_latest

    generate_latest(REGISTRY)
    times, sql_times, counts = [], [], []
    for _ in range(scrapes):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            generate_latest(REGISTRY)
            times.append(time.perf_counter() - began)
        counts.append(len(captured))
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries))
    return {
        "requests": scrapes,
        "queries_min": min(counts),
        "queries_max": max(counts),
        "rows_per_page": 1,
        "median_ms": 1000 * percentile(times, 50),
        "p99_ms": 1000 * percentile(times, 99),
        "sql_median_ms": 1000 * percentile(sql_times, 50),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k handoffs, 10 pages")
    parser.add_argument("--handoffs", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50, help="pages per series")
    args = parser.parse_args()
    handoffs = 10_000 if args.quick else min(args.handoffs, 1_000_000)
    pages = 10 if args.quick else min(args.pages, 500)

    prepared = prepare(bare=False)
    print(f"seeding {handoffs:,} handoffs...", flush=True)
    timings = seed(bot_id=prepared.bot_id, agent_id=prepared.user_id, handoffs=handoffs)

    from hitl_project.runtime_tuning import tune_runtime

    # As the server process does at startup (hitl_project/serve.py).
    tune_runtime()
    from handoffs.api.pagination import encode_cursor
    from handoffs.models import Conversation, Handoff, Message
    from handoffs.models.handoffs import HISTORY_RANK

    base = f"/api/v1/bots/{prepared.bot_id}/mod/hitlnext/handoffs"
    ids = list(Handoff.objects.order_by("id").values_list("id", flat=True))
    middle = encode_cursor(SimpleNamespace(queue_rank=HISTORY_RANK, pk=ids[len(ids) // 2]))
    near_end = encode_cursor(SimpleNamespace(queue_rank=HISTORY_RANK, pk=ids[-50 * pages - 1]))
    conversation_ids = list(Conversation.objects.order_by("id").values_list("id", flat=True))
    rng = random.Random(10)
    short = rng.sample(conversation_ids[LONG_CONVERSATIONS:], pages)
    long = [conversation_ids[i % LONG_CONVERSATIONS] for i in range(pages)]
    messages = f"/api/v1/bots/{prepared.bot_id}/mod/hitlnext/conversations/{{}}/messages"
    first = f"{base}?limit=50"
    # (start URLs, pages to follow through `Link`; 0: just these URLs)
    series = {
        "handoffs: first pages": ([first], pages),
        "handoffs: from the middle": ([f"{first}&cursor={middle}"], pages),
        "handoffs: last pages": ([f"{first}&cursor={near_end}"], pages),
        "handoffs: status=pending": ([f"{first}&status=pending"], pages),
        "handoffs: agentId": ([f"{first}&agentId={prepared.user_id}"], pages),
        # What Botpress's HITL-next UI asks: everything, up to the 1,000 cap, in one page.
        "handoffs: no limit (1,000)": ([base] * min(pages, 10), 0),
        "handoffs: column=createdAt&desc=true": ([f"{base}?column=createdAt&desc=true"] * 5, 0),
        "messages: default limit": ([messages.format(c) for c in short], 0),
        "messages: limit=500 of 1,000": ([messages.format(c) + "?limit=500" for c in long], 0),
    }
    rows = []
    for name, (urls, follow) in series.items():
        rows.append({"series": name, **measure(urls, prepared.token, follow=follow)})
        print(f"  {name}: median {rows[-1]['median_ms']:.1f} ms", flush=True)
    rows.append({"series": "/metrics: one scrape", **measure_scrape(pages)})
    print(f"  /metrics: median {rows[-1]['median_ms']:.1f} ms", flush=True)

    print_table(
        f"Queries at {Handoff.objects.count():,} handoffs / {Message.objects.count():,} messages"
        " (in-process, ms per page)",
        ["series", "pages", "rows", "queries", "median", "p99", "sql med"],
        [
            [
                r["series"],
                r["requests"],
                r["rows_per_page"],
                f"{r['queries_min']}"
                + ("" if r["queries_min"] == r["queries_max"] else f"-{r['queries_max']}"),
                r["median_ms"],
                r["p99_ms"],
                r["sql_median_ms"],
            ]
            for r in rows
        ],
    )
    write_json("queries", {"handoffs": handoffs, "seed": timings, "rows": rows})


if __name__ == "__main__":
    main()
