"""What every long-running process shares: its parts wired once, and a stop on SIGINT or SIGTERM.

A live process (``run``) and a send-only one (``worker``) tick the same due queue and send the
same outbox; they differ only in whether an Application answers updates. SIGTERM is what a
platform sends on every deploy, so it stops the process as SIGINT does, within seconds and
without losing or repeating a message: nothing new is claimed, sends in flight finish, and
what is still claimed is handed back to be sent at once by the next process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ExtBot

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.runtime.digest import DailyDigest
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.jobs import build_scheduler
from bot.runtime.retention import Retention
from bot.telegram.bot import CONNECTIONS, make_bot
from bot.telegram.ratelimit import Lane, retry_after
from bot.telegram.sender import Sender

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Parts:
    """The database, the clock, the outbox's sender and the due queue's dispatcher; ``stop`` is
    set by SIGINT or SIGTERM from the moment the parts exist, so a stop while Telegram cannot
    be reached yet ends the process as cleanly as one later."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    sender: Sender
    dispatcher: Dispatcher
    stop: asyncio.Event

    def scheduler(self) -> AsyncIOScheduler:
        """The tick, the daily digest and the outbox's tidying."""
        digest = DailyDigest(self.sessions, self.settings, self.clock)
        retention = Retention(self.sessions, self.settings, self.clock)
        return build_scheduler(self.dispatcher, digest, self.settings.admin.digest_time, retention)


@asynccontextmanager
async def parts(settings: Settings, *, connections: int = CONNECTIONS) -> AsyncIterator[Parts]:
    """A process's parts on the wall clock; the database's connections close on the way out."""
    engine = create_engine(
        settings.database.url,
        sqlite_busy_timeout=settings.database.sqlite_busy_timeout,
        pool_size=settings.database.pool_size,
    )
    sessions = session_factory(engine)
    clock = SystemClock()
    sender = Sender(sessions, settings, clock, make_bot(settings, connections=connections))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    try:
        yield Parts(
            settings, sessions, clock, sender, Dispatcher(sessions, settings, clock, sender), stop
        )
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
        await engine.dispose()


STARTUP_LONGEST_WAIT = 30.0
"""Seconds at most between two tries to reach Telegram at start-up."""


@asynccontextmanager
async def reaching_telegram(
    part: Application | ExtBot[Lane],  # type: ignore[type-arg]
    stop: asyncio.Event,
) -> AsyncIterator[None]:
    """Initialize ``part`` (which asks Telegram who the bot is), trying again while Telegram
    cannot be reached, as after a network outage or on a machine that starts before its
    network: one line at WARNING a try, not a traceback and a restart loop. A token Telegram
    refuses stops the process, as no retry can help; so does ``stop`` meanwhile, with exit 0
    (nothing was claimed yet). Shut down on the way out."""
    wait = 1.0
    while True:
        try:
            await part.initialize()
            break
        except InvalidToken:
            # Never the exception itself: its message quotes the token.
            log.error("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather")
            raise SystemExit(2) from None
        except RetryAfter as error:
            await _until_stopped_or(stop, retry_after(error).total_seconds())
        except NetworkError as error:
            log.warning(
                "Telegram cannot be reached yet (%s); trying again in %.0f s",
                type(error).__name__,
                wait,
            )
            await _until_stopped_or(stop, wait)
            wait = min(wait * 2, STARTUP_LONGEST_WAIT)
    try:
        yield
    finally:
        await part.shutdown()


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``, or less if asked to stop meanwhile; whether asked."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _until_stopped_or(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` before trying Telegram again, or leave at once if asked to stop."""
    if await stopped_within(stop, seconds):
        log.info("stopping before Telegram was reached")
        raise SystemExit(0)


async def until_stopped(stop: asyncio.Event) -> None:
    """Return once SIGINT or SIGTERM arrives (or has arrived)."""
    await stop.wait()
    log.info("stopping")


async def wind_down(process: Parts, scheduler: AsyncIOScheduler) -> None:
    """Stop the queue and the outbox: no new tick, sends in flight finished or handed back."""
    scheduler.pause()
    await process.dispatcher.stop()
    scheduler.shutdown(wait=False)
