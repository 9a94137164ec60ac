"""The database is the only state: restarts and second workers continue where the last left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import CheckIn, Person, PersonStatus
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database


async def test_a_restart_mid_enrolment_resumes_at_the_next_tap(bot: BotUnderTest) -> None:
    eve = bot.api.person(1010, "Eve")
    await bot.command(eve, "start")
    await bot.tap(eve, "I agree")
    await bot.tap(eve, "16 to 49")

    await bot.restart()

    replies = await bot.tap(eve, "Yes, longer ago")
    assert "A few safety questions first." in (replies[-1].text or "")
    for _group in range(4):
        await bot.tap(eve, "None of these")
    await bot.tap(eve, "4-7 days ago")
    await bot.restart()
    await bot.tap(eve, "Exercise or sport")
    await bot.tap(eve, "3")
    await bot.tap(eve, "Yes")
    await bot.send(eve, "Berlin")
    closing = await bot.tap(eve, "20:00")
    assert "You're all set" in (closing[-1].text or "")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 1010))
    assert person is not None
    assert person.status is PersonStatus.ACTIVE
    assert person.timezone == "Europe/Berlin"


async def test_a_restart_mid_checkin_keeps_the_pain_already_given(bot: BotUnderTest) -> None:
    ivy = bot.api.person(1011, "Ivy")
    await enrol(bot, ivy)
    bot.clock.advance(timedelta(days=1))
    await bot.command(ivy, "checkin")
    await bot.tap(ivy, "5")
    await bot.restart()
    await bot.tap(ivy, "No")
    await bot.tap(ivy, "Yes")
    closing = await bot.send(ivy, "Walked to the shop")
    assert "1 point better than when you started" in (closing[-1].text or "")
    async with bot.sessions() as session:
        check_in = await session.scalar(select(CheckIn))
    assert check_in is not None
    assert (check_in.pain, check_in.walked, check_in.note) == (5, True, "Walked to the shop")
