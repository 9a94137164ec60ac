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
from bot.runtime.process import (
    Parts,
    parts,
    reaching_telegram,
    stopped_within,
    until_stopped,
    wind_down,
)
from bot.telegram.sender import CONCURRENT_CHATS

IDLE_POLL_SECONDS = 0.2
"""While another worker still holds claims, how often to look whether everything is sent."""


async def run_worker(settings: Settings, *, until_idle: bool) -> None:
    """Send what is owed until SIGINT or SIGTERM, or with ``until_idle`` until nothing is."""
    # One connection per chat sent to at once.
    async with (
        parts(settings, connections=CONCURRENT_CHATS) as process,
        reaching_telegram(process.sender.bot, process.stop),
    ):
        process.sender.start()
        if until_idle:
            # A stop mid-drain winds down as any worker's does: no new claim, sends in flight
            # finished or handed back.
            winding_down = asyncio.create_task(_stop_when_asked(process))
            try:
                await _drain(process)
            finally:
                if not winding_down.done():
                    winding_down.cancel()
                    await process.dispatcher.stop()
                await asyncio.gather(winding_down, return_exceptions=True)
            return
        scheduler = process.scheduler()
        try:
            async with health_server(process.sessions, settings, process.clock, scheduler):
                scheduler.start()
                await until_stopped(process.stop)
        finally:
            await wind_down(process, scheduler)


async def _stop_when_asked(process: Parts) -> None:
    await until_stopped(process.stop)
    await process.dispatcher.stop()


async def _drain(process: Parts) -> None:
    while not process.stop.is_set():
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
        await stopped_within(process.stop, IDLE_POLL_SECONDS)
