"""``python -m bot worker``: the due queue without the conversation, to scale out deliveries.

Any number of these can run beside the live process on one PostgreSQL database; the claim's
``SKIP LOCKED`` and leases keep each message to one sender.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, or_, select
from telegram import Bot

from bot.config import Settings
from bot.db.models import DueMessage, DueStatus
from bot.runtime.dispatcher import CONCURRENT_CHATS
from bot.runtime.process import Parts, parts, until_stopped
from bot.telegram.bot import make_bot

IDLE_POLL_SECONDS = 0.2
"""While another worker still holds claims, how often to look whether the queue is drained."""


async def run_worker(settings: Settings, *, until_idle: bool) -> None:
    """Send what is due until SIGINT or SIGTERM, or with ``until_idle`` until nothing is."""
    # One connection per chat sent to at once.
    async with parts(settings) as process, make_bot(settings, connections=CONCURRENT_CHATS) as bot:
        if until_idle:
            await _drain(process, bot)
            return
        scheduler = process.scheduler(bot)
        scheduler.start()
        try:
            await until_stopped()
        finally:
            scheduler.shutdown(wait=False)


async def _drain(process: Parts, bot: Bot) -> None:
    while True:
        await process.dispatcher.tick(bot)
        async with process.sessions() as session:
            left = await session.scalar(
                select(func.count()).where(
                    or_(
                        DueMessage.status == DueStatus.CLAIMED,
                        (DueMessage.status == DueStatus.PENDING)
                        & (DueMessage.due_at <= process.clock.now()),
                    )
                )
            )
        if not left:
            return
        await asyncio.sleep(IDLE_POLL_SECONDS)
