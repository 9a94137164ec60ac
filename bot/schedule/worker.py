"""A send-only worker: the due queue without the conversation, to scale out deliveries.

Any number of these can run beside the polling process on one PostgreSQL database; the claim's
``SKIP LOCKED`` and leases keep each message to one sender.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, or_, select
from telegram.ext import ExtBot

from bot.clock import SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.db.models import DueMessage, DueStatus
from bot.schedule.digest import DailyDigest
from bot.schedule.dispatcher import CONCURRENT_CHATS, Dispatcher
from bot.schedule.jobs import build_scheduler
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.app import file_url
from bot.telegram.ratelimit import ChatRateLimiter, without_limits

IDLE_POLL_SECONDS = 0.2
"""While another worker still holds claims, how often to look whether the queue is drained."""


async def run_worker(settings: Settings, *, until_idle: bool) -> None:
    engine = create_engine(settings.database.url)
    sessions = session_factory(engine)
    clock = SystemClock()
    dispatcher = Dispatcher(sessions, settings, clock)
    bot: ExtBot[int] = ExtBot(
        settings.require_token().get_secret_value(),
        base_url=settings.telegram.api_base_url,
        base_file_url=file_url(settings.telegram.api_base_url),
        rate_limiter=ChatRateLimiter() if settings.telegram.rate_limits else without_limits(),
        # One connection per chat sent to at once.
        request=AiohttpRequest(connection_pool_size=CONCURRENT_CHATS),
    )
    try:
        async with bot:
            if until_idle:
                while True:
                    await dispatcher.tick(bot)
                    async with sessions() as session:
                        left = await session.scalar(
                            select(func.count()).where(
                                or_(
                                    DueMessage.status == DueStatus.CLAIMED,
                                    (DueMessage.status == DueStatus.PENDING)
                                    & (DueMessage.due_at <= clock.now()),
                                )
                            )
                        )
                    if not left:
                        return
                    await asyncio.sleep(IDLE_POLL_SECONDS)
            digest = DailyDigest(sessions, settings, clock)
            when = settings.admin.digest_time
            scheduler = build_scheduler(bot, dispatcher, digest, when.hour, when.minute)
            scheduler.start()
            try:
                await asyncio.Event().wait()
            finally:
                scheduler.shutdown(wait=False)
    finally:
        await engine.dispose()
