"""APScheduler drives the clock: one short-interval tick for the due queue and the outbox, one
daily digest, the outbox's daily tidying and the daily erasure past ``RETENTION_DAYS``.

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

from bot.runtime.digest import DailyDigest
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.retention import Retention

TICK_SECONDS = 2.0
QUEUE_JOB = "due-queue"
DIGEST_JOB = "daily-digest"
TIDY_JOB = "outbox-tidying"
TIDY_AT = time(4, 0)
"""UTC: a quiet hour in most of the world."""
RETENTION_JOB = "retention"
RETENTION_AT = time(4, 10)


def build_scheduler(
    dispatcher: Dispatcher, digest: DailyDigest, digest_time: time, retention: Retention
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )

    async def tick() -> None:
        await dispatcher.tick()

    async def owe_digest() -> None:
        await digest.owe_yesterday()

    scheduler.add_job(tick, IntervalTrigger(seconds=TICK_SECONDS), id=QUEUE_JOB)
    scheduler.add_job(
        owe_digest,
        CronTrigger(hour=digest_time.hour, minute=digest_time.minute, timezone=digest.zone),
        id=DIGEST_JOB,
    )
    scheduler.add_job(
        dispatcher.forget_sent, CronTrigger(hour=TIDY_AT.hour, minute=TIDY_AT.minute), id=TIDY_JOB
    )

    async def erase_lapsed() -> None:
        await retention.erase_lapsed()

    scheduler.add_job(
        erase_lapsed,
        CronTrigger(hour=RETENTION_AT.hour, minute=RETENTION_AT.minute),
        id=RETENTION_JOB,
    )
    return scheduler
