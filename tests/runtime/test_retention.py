"""RETENTION_DAYS: people whose follow-up ended longer ago are erased by the daily job, exactly
as /delete erases; anyone still followed, or ended more recently, is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import (
    CheckIn,
    Conversation,
    DueMessage,
    Episode,
    Escalation,
    OutboxMessage,
    Person,
)
from bot.runtime.retention import Retention, follow_up_ended
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

KEPT = timedelta(days=365)


async def _people(bot: BotUnderTest) -> set[int]:
    async with bot.sessions() as session:
        return set(await session.scalars(select(Person.telegram_user_id)))


async def test_retention_erases_a_year_after_the_follow_up_ends(bot: BotUnderTest) -> None:
    stopped = bot.api.person(7401, "Sam")
    await enrol(bot, stopped)
    await bot.command(stopped, "stop")
    await bot.tap(stopped, stopped.last.button_labels[0])  # "Yes, stop"
    stopped_at = bot.clock.now()

    later = bot.api.person(7402, "Lou")  # enrols later, still followed
    bot.clock.set(stopped_at + timedelta(days=300))
    await enrol(bot, later)
    retention = Retention(bot.sessions, bot.settings, bot.clock)
    async with bot.sessions() as session:
        sam_id = await session.scalar(select(Person.id).where(Person.telegram_user_id == 7401))
        assert await session.scalar(select(func.count()).where(Episode.person_id == sam_id))

    bot.clock.set(stopped_at + KEPT - timedelta(minutes=1))
    assert await retention.erase_lapsed() == 0
    assert await _people(bot) == {7401, 7402}

    bot.clock.set(stopped_at + KEPT + timedelta(minutes=1))
    assert await retention.erase_lapsed() == 1
    assert await _people(bot) == {7402}
    async with bot.sessions() as session:
        check_ins = await session.scalar(
            select(func.count())
            .select_from(CheckIn)
            .join(Person)
            .where(Person.telegram_user_id == 7401)
        )
    assert check_ins == 0
    # Erased as /delete erases: no row about Sam in any table.
    async with bot.sessions() as session:
        for model in (Episode, CheckIn, Escalation, Conversation, DueMessage, OutboxMessage):
            left = select(func.count()).select_from(model).where(model.person_id == sam_id)
            assert await session.scalar(left) == 0, model.__tablename__

    privacy = await bot.command(later, "privacy")
    assert "erased after 365 days" in (privacy[-1].text or "")


def test_a_follow_up_left_open_ends_at_day_84_and_tips_four_weeks_after_recovery() -> None:
    agreed = datetime(2026, 1, 1, tzinfo=UTC)
    onset = datetime(2026, 1, 2, tzinfo=UTC)
    assert follow_up_ended(agreed, []) == agreed
    assert follow_up_ended(agreed, [(onset, None, None)]) == onset + timedelta(days=84)
    recovered = onset + timedelta(days=20)
    assert follow_up_ended(agreed, [(onset, recovered, None)]) == recovered + timedelta(weeks=4)
    ended = onset + timedelta(days=10)
    assert follow_up_ended(agreed, [(onset, recovered, ended)]) == ended
