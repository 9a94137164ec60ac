"""The admins' daily digest and the scheduler that drives the queue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime.digest import DailyDigest
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.jobs import DIGEST_JOB, QUEUE_JOB, RETENTION_JOB, TIDY_JOB, build_scheduler
from bot.runtime.retention import Retention
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database


async def test_the_daily_digest_sends_yesterdays_figures_once(bot: BotUnderTest) -> None:
    people = [bot.api.person(9000 + index, f"D{index}") for index in range(3)]
    for person in people:
        await enrol(bot, person)  # Monday 23 November
    await bot.tick_at(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # three check-ins asked
    for person in people[:2]:
        await bot.tap(person, "5")
        await bot.tap(person, "Yes")
        await bot.tap(person, "Chest pain" if person is people[0] else "Fever or very unwell")
    digest = DailyDigest(bot.sessions, bot.settings, bot.clock)

    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    monday = await digest.owe_yesterday()
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    tuesday = await digest.owe_yesterday()
    again = await digest.owe_yesterday()  # a second worker, same day
    await bot.tick()  # the digest is an operators' alert: the outbox sends it

    assert monday == (
        "BackCheck, Monday 23 November:\n"
        "• enrolled: 3\n"
        "• check-ins sent: 0, answered: 0\n"
        "• escalations: 0 emergency, 0 urgent, 0 soon"
    )
    assert tuesday == (
        "BackCheck, Tuesday 24 November:\n"
        "• enrolled: 0\n"
        "• check-ins sent: 3, answered: 2\n"
        "• escalations: 1 emergency, 1 urgent, 0 soon"
    )
    assert again is None
    assert bot.admin_messages.count(tuesday) == 1


async def test_one_queue_job_for_everyone_not_one_job_per_person(bot: BotUnderTest) -> None:
    for index in range(5):
        await enrol(bot, bot.api.person(9100 + index, f"J{index}"))
    scheduler = build_scheduler(
        Dispatcher(bot.sessions, bot.settings, bot.clock, bot.sender),
        DailyDigest(bot.sessions, bot.settings, bot.clock),
        time(8, 0),
        Retention(bot.sessions, bot.settings, bot.clock),
    )
    scheduler.start(paused=True)  # jobs get their defaults when the scheduler starts
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {QUEUE_JOB, DIGEST_JOB, TIDY_JOB, RETENTION_JOB}
    queue_job = jobs[QUEUE_JOB]
    assert isinstance(queue_job.trigger, IntervalTrigger)
    assert queue_job.trigger.interval <= timedelta(seconds=5)
    assert queue_job.coalesce is True
    assert queue_job.max_instances == 1
