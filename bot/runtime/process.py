"""What every long-running process shares: its parts wired once, and a stop on SIGINT or SIGTERM.

A live process (``run``) and a send-only one (``worker``) tick the same due queue with the same
dispatcher and digest; they differ only in whether an Application answers updates. SIGTERM is
what a platform sends on every deploy, so it stops the process as SIGINT does: the scheduler
first, so no new tick starts, then the Application.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.runtime.digest import DailyDigest
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.jobs import build_scheduler

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Parts:
    """The database, the clock and the due queue's dispatcher of one process."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    dispatcher: Dispatcher

    def scheduler(self, bot: Bot) -> AsyncIOScheduler:
        """The due queue's tick and the daily digest, for ``bot`` to send."""
        digest = DailyDigest(self.sessions, self.settings, self.clock)
        return build_scheduler(bot, self.dispatcher, digest, self.settings.admin.digest_time)


@asynccontextmanager
async def parts(settings: Settings) -> AsyncIterator[Parts]:
    """A process's parts on the wall clock; the database's connections close on the way out."""
    engine = create_engine(settings.database.url)
    sessions = session_factory(engine)
    clock = SystemClock()
    try:
        yield Parts(settings, sessions, clock, Dispatcher(sessions, settings, clock))
    finally:
        await engine.dispose()


async def until_stopped() -> None:
    """Return once SIGINT or SIGTERM arrives."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
