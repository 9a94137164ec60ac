"""The daily tidy while people talk: how long a turn waits for it, and the event loop.

    python bench/tidy.py                             # both jobs, both databases
    python bench/tidy.py --rows 300000 --people 5000 --database sqlite
    python bench/tidy.py --bot-tree /tmp/before      # another checkout's bot

Once a day the worker deletes the outbox rows sent more than a day ago
(``Dispatcher.forget_sent``) and erases the people whose follow-up ended more than
``RETENTION_DAYS`` ago (``Retention.erase_lapsed``). A day of 10,000 people is about 60,000
sent rows: a check-in and the replies to four or five taps each. On SQLite every write
transaction holds the one write lock, and the writer runs a transaction's statements on the
event loop's thread, so one long ``DELETE`` stops every turn, and the loop itself, until it
is done.

Each job runs on a fresh database at the schema of the bot under test. ``forget``: ``--rows``
outbox rows sent two days ago and a tenth as many sent an hour ago (kept). ``erase``:
``--people`` people enrolled three years ago, each with 30 answered check-ins. While the job
runs, a stand-in for people's turns opens a one-statement write transaction every 10 ms, and
a timer that wakes every millisecond records how late it woke. Printed: rows or people gone
and kept, the job's wall time, the turns' wait for their transaction (p50, p99, max) and the
event loop's longest stall.
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
ENROLLED = NOW - timedelta(days=3 * 365)
"""When the ``erase`` job's people enrolled: their follow-up ended long before the retention."""
CHECK_INS = 30
TURN_EVERY = 0.010
TICK = 0.001
CHUNK = 5_000


async def _insert(url: str, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from bot.db.engine import create_engine

    engine = create_engine(url)
    try:
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(table), rows[start : start + CHUNK])
    finally:
        await engine.dispose()


async def seed_sent(url: str, old: int) -> None:
    """``old`` rows sent two days ago, and a tenth as many an hour ago."""
    from bot.db.models import OutboxKind, OutboxMessage, OutboxStatus

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
        for count, at in ((old, NOW - timedelta(days=2)), (old // 10, NOW - timedelta(hours=1)))
        for number in range(count)
    ]
    await _insert(url, OutboxMessage.__table__, rows)


async def seed_lapsed(url: str, people: int) -> None:
    """``people`` enrolled three years ago (as the scale tests seed them), each with
    :data:`CHECK_INS` answered check-ins."""
    from bot.db.engine import create_engine
    from bot.db.models import CheckIn, CheckInStatus

    sys.path.insert(1, str(REPO))
    from tests.support.seed import seed_due_checkins

    engine = create_engine(url)
    try:
        await seed_due_checkins(engine, people, ENROLLED, first_user_id=10_000_000)
    finally:
        await engine.dispose()
    rows = [
        {
            "episode_id": person,
            "person_id": person,
            "slot": f"d{day}",
            "day": day,
            "due_at": ENROLLED + timedelta(days=day),
            "sent_at": ENROLLED + timedelta(days=day),
            "answered_at": ENROLLED + timedelta(days=day, minutes=5),
            "status": CheckInStatus.ANSWERED,
            "pain": 4,
            "red_flags": [],
            "walked": True,
            "note": "a bit stiff this morning",
        }
        for person in range(1, people + 1)
        for day in range(CHECK_INS)
    ]
    await _insert(url, CheckIn.__table__, rows)


async def measure(url: str, job: str) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from bot.clock import ManualClock
    from bot.config import load_settings
    from bot.db.engine import create_engine, session_factory
    from bot.db.models import OutboxMessage, Person
    from bot.runtime.dispatcher import Dispatcher
    from bot.runtime.retention import Retention
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
    if job == "forget":
        sender = Sender(sessions, settings, clock, make_bot(settings))
        tidy = Dispatcher(sessions, settings, clock, sender).forget_sent
        table: Any = OutboxMessage
    else:
        tidy = Retention(sessions, settings, clock).erase_lapsed
        table = Person
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

    async def count() -> int:
        async with sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)

    try:
        before = await count()
        side = [asyncio.create_task(turns()), asyncio.create_task(timer())]
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await tidy()
        wall = time.perf_counter() - started
        done.set()
        await asyncio.gather(*side)
        left = await count()
    finally:
        await engine.dispose()
    waits.sort()
    return {
        "before": before,
        "gone": before - left,
        "left": left,
        "wall_s": wall,
        "turns": len(waits),
        "wait_p50_ms": 1000 * statistics.median(waits),
        "wait_p99_ms": 1000 * waits[int(0.99 * (len(waits) - 1))],
        "wait_max_ms": 1000 * waits[-1],
        "stall_max_ms": 1000 * max(stalls),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="forget: rows sent 2 days ago")
    parser.add_argument("--people", type=int, default=2_000, help="erase: people lapsed")
    parser.add_argument("--job", choices=("forget", "erase", "both"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--bot-tree", type=Path, default=REPO, help="checkout whose bot/ runs")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.bot_tree.resolve()))
    from bot.db.migrate import upgrade_to_head

    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    jobs = ("forget", "erase") if args.job == "both" else (args.job,)
    version = code_version(args.bot_tree)
    print("## Machine and versions")
    print(f"- bot under test: {args.bot_tree} at {version}")
    print("\n".join(machine_lines(databases)))
    print()
    print(
        "| code | job | database | rows or people | gone | kept | job (s) | turns | "
        "turn's wait p50 / p99 / max (ms) | loop's longest stall (ms) |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for job in jobs:
        for database in databases:
            with fresh_database(database, "tidy") as url:
                upgrade_to_head(url)
                if job == "forget":
                    asyncio.run(seed_sent(url, args.rows))
                else:
                    asyncio.run(seed_lapsed(url, args.people))
                result = asyncio.run(measure(url, job))
            print(
                f"| {version} | {job} | {database} | {result['before']:,} | "
                f"{result['gone']:,} | {result['left']:,} | {result['wall_s']:.2f} | "
                f"{result['turns']:,} | {result['wait_p50_ms']:.1f} / "
                f"{result['wait_p99_ms']:.1f} / {result['wait_max_ms']:.0f} | "
                f"{result['stall_max_ms']:.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
