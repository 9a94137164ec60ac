"""APScheduler drives the clock: one short-interval tick for the due queue, one daily digest.

No job per person (STYLE counter-examples): the queue's cost grows with what is due, not with
the number of people, and a restart loses nothing because the queue is in the database.
``coalesce`` folds ticks missed while the process was busy into one; ``max_instances=1`` keeps
a slow tick from overlapping the next.
"""

from __future__ import annotations

from datetime import UTC, time

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from telegram import Bot

from bot.runtime.digest import DailyDigest
from bot.runtime.dispatcher import Dispatcher

TICK_SECONDS = 2.0
QUEUE_JOB = "due-queue"
DIGEST_JOB = "daily-digest"


def build_scheduler(
    bot: Bot, dispatcher: Dispatcher, digest: DailyDigest, digest_time: time
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )

    async def tick() -> None:
        await dispatcher.tick(bot)

    async def send_digest() -> None:
        await digest.send_yesterday(bot)

    scheduler.add_job(tick, IntervalTrigger(seconds=TICK_SECONDS), id=QUEUE_JOB)
    scheduler.add_job(
        send_digest,
        CronTrigger(hour=digest_time.hour, minute=digest_time.minute, timezone=digest.zone),
        id=DIGEST_JOB,
    )
    return scheduler
