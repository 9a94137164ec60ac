"""``python -m bot worker``: the due queue and the outbox without the conversation, to scale out
deliveries.

Any number of these can run beside the live process on one PostgreSQL database; the claims'
``SKIP LOCKED`` and leases keep each message to one sender.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, or_, select

from bot.config import Settings
from bot.db.models import DueMessage, DueStatus, OutboxMessage, OutboxStatus
from bot.runtime.health import health_server
from bot.runtime.process import Parts, parts, reaching_telegram, until_stopped, wind_down
from bot.telegram.sender import CONCURRENT_CHATS

IDLE_POLL_SECONDS = 0.2
"""While another worker still holds claims, how often to look whether everything is sent."""


async def run_worker(settings: Settings, *, until_idle: bool) -> None:
    """Send what is owed until SIGINT or SIGTERM, or with ``until_idle`` until nothing is."""
    # One connection per chat sent to at once.
    async with (
        parts(settings, connections=CONCURRENT_CHATS) as process,
        reaching_telegram(process.sender.bot),
    ):
        process.sender.start()
        if until_idle:
            try:
                await _drain(process)
            finally:
                await process.dispatcher.stop()
            return
        scheduler = process.scheduler()
        try:
            async with health_server(process.sessions, settings, process.clock, scheduler):
                scheduler.start()
                await until_stopped()
        finally:
            await wind_down(process, scheduler)


async def _drain(process: Parts) -> None:
    while True:
        await process.dispatcher.tick()
        now = process.clock.now()
        async with process.sessions() as session:
            due = await session.scalar(
                select(func.count()).where(
                    or_(
                        DueMessage.status == DueStatus.CLAIMED,
                        (DueMessage.status == DueStatus.PENDING) & (DueMessage.due_at <= now),
                    )
                )
            )
            owed = await session.scalar(
                select(func.count()).where(
                    or_(
                        OutboxMessage.status == OutboxStatus.CLAIMED,
                        (OutboxMessage.status == OutboxStatus.PENDING)
                        & (OutboxMessage.due_at <= now),
                    )
                )
            )
        if not due and not owed:
            return
        await asyncio.sleep(IDLE_POLL_SECONDS)
