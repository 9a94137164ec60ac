"""One-off operations an operator runs from the command line against the running service's
database (``python -m bot requeue``)."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.queue import outbox, owed


async def requeue_failed(settings: Settings) -> tuple[int, int]:
    """Owe again, now, every outbox message given up and every due row that failed; the
    running workers send them on their next tick. Returns (messages, due rows)."""
    engine = create_engine(settings.database.url)
    now = SystemClock().now()
    try:
        async with session_factory(engine).begin() as session:
            messages = await outbox.requeue_failed(session, now)
            rows = await owed.requeue_failed(session, now)
    finally:
        await engine.dispose()
    return messages, rows
