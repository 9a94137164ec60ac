"""Forgetting a day of sent messages while people talk: how long a turn waits for the tidy.

    python bench/forget.py                              # 60,000 rows, both databases
    python bench/forget.py --rows 200000 --database sqlite
    python bench/forget.py --bot-tree /tmp/before       # another checkout's bot

Once a day the worker deletes the outbox rows sent more than a day ago
(``Dispatcher.forget_sent``). A day of 10,000 people is about 60,000 of them: a check-in and
the replies to four or five taps each. On SQLite every write transaction holds the one write
lock, and the writer runs a transaction's statements on the event loop's thread, so a long
``DELETE`` stops every turn, and the loop itself, until it is done.

Each run gets a fresh database at the schema of the bot under test, holding ``--rows`` outbox
rows sent two days ago and a tenth as many sent an hour ago (kept). While the tidy runs, a
stand-in for people's turns opens a one-statement write transaction every 10 ms, and a timer
that wakes every millisecond records how late it woke. Printed: rows forgotten and left, the
tidy's wall time, the turns' wait for their transaction (p50, p99, max) and the event loop's
longest stall.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine import code_version, fresh_database, machine_lines

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
"""The tidy's hour (04:00 UTC)."""
TURN_EVERY = 0.010
TICK = 0.001


async def seed(url: str, old: int, recent: int) -> None:
    from sqlalchemy import insert

    from bot.db.engine import create_engine
    from bot.db.models import OutboxKind, OutboxMessage, OutboxStatus

    engine = create_engine(url)
    try:
        for count, at in ((old, NOW - timedelta(days=2)), (recent, NOW - timedelta(hours=1))):
            rows = [
                {
                    "chat_id": 10_000_000 + number % 10_000,
                    "person_id": None,
                    "kind": OutboxKind.REPLY,
                    "priority": 1,
                    "payload": {"text": "How is your back today?"},
                    "status": OutboxStatus.SENT,
                    "attempts": 0,
                    "due_at": at,
                    "created_at": at,
                    "sent_at": at,
                }
                for number in range(count)
            ]
            for start in range(0, len(rows), 5_000):
                async with engine.begin() as connection:
                    await connection.execute(
                        insert(OutboxMessage.__table__), rows[start : start + 5_000]
                    )
    finally:
        await engine.dispose()


async def measure(url: str) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from bot.clock import ManualClock
    from bot.config import load_settings
    from bot.db.engine import create_engine, session_factory
    from bot.db.models import OutboxMessage
    from bot.runtime.dispatcher import Dispatcher
    from bot.telegram.bot import make_bot
    from bot.telegram.sender import Sender

    settings = load_settings(
        telegram_bot_token="123456:BENCH",
        telegram_api_base_url="http://127.0.0.1:9/bot",
        database_url=url,
        default_timezone="Europe/London",
    )
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = ManualClock(NOW)
    dispatcher = Dispatcher(
        sessions, settings, clock, Sender(sessions, settings, clock, make_bot(settings))
    )
    waits: list[float] = []
    stalls: list[float] = []
    done = asyncio.Event()

    async def turns() -> None:
        while not done.is_set():
            started = time.perf_counter()
            async with sessions.begin() as session:
                await session.execute(text("SELECT 1"))
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(TURN_EVERY)

    async def timer() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            stalls.append(time.perf_counter() - started - TICK)

    try:
        async with sessions() as session:
            before = await session.scalar(select(func.count()).select_from(OutboxMessage))
        side = [asyncio.create_task(turns()), asyncio.create_task(timer())]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await dispatcher.forget_sent()
        wall = time.perf_counter() - started
        done.set()
        await asyncio.gather(*side)
        async with sessions() as session:
            left = await session.scalar(select(func.count()).select_from(OutboxMessage))
    finally:
        await engine.dispose()
    waits.sort()
    return {
        "forgotten": int(before or 0) - int(left or 0),
        "left": int(left or 0),
        "wall_s": wall,
        "turns": len(waits),
        "wait_p50_ms": 1000 * statistics.median(waits),
        "wait_p99_ms": 1000 * waits[int(0.99 * (len(waits) - 1))],
        "wait_max_ms": 1000 * waits[-1],
        "stall_max_ms": 1000 * max(stalls),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="rows sent two days ago")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--bot-tree", type=Path, default=REPO, help="checkout whose bot/ runs")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.bot_tree.resolve()))
    from bot.db.migrate import upgrade_to_head

    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print("## Machine and versions")
    print(f"- bot under test: {args.bot_tree} at {code_version(args.bot_tree)}")
    print("\n".join(machine_lines(databases)))
    print()
    print(
        "| code | database | rows sent 2 days ago | forgotten | kept | tidy (s) | turns | "
        "turn's wait p50 / p99 / max (ms) | loop's longest stall (ms) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for database in databases:
        with fresh_database(database, "forget") as url:
            upgrade_to_head(url)
            asyncio.run(seed(url, args.rows, args.rows // 10))
            result = asyncio.run(measure(url))
        print(
            f"| {code_version(args.bot_tree)} | {database} | {args.rows:,} | "
            f"{result['forgotten']:,} | {result['left']:,} | {result['wall_s']:.2f} | "
            f"{result['turns']:,} | {result['wait_p50_ms']:.1f} / {result['wait_p99_ms']:.1f} / "
            f"{result['wait_max_ms']:.0f} | {result['stall_max_ms']:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
