"""Enrolment end to end, over HTTP, on both databases."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from bot.db.models import Conversation, Episode, Escalation, Person, PersonStatus
from tests.support.enrol import Answers, enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database


async def test_a_full_enrolment_stores_the_person_and_advises_ice(bot: BotUnderTest) -> None:
    alex = bot.api.person(1001, "Alex")
    closing = await enrol(bot, alex)

    assert "You're all set" in (closing.text or "")
    assert "Ice for 15-20 minutes" in (closing.text or "")
    assert "tomorrow at 09:00" in (closing.text or "")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 1001))
        assert person is not None
        assert person.status is PersonStatus.ACTIVE
        assert person.timezone == "Europe/London"
        assert person.checkin_time == time(9, 0)
        assert person.consent_at == bot.clock.now()
        episode = await session.scalar(select(Episode).where(Episode.person_id == person.id))
        assert episode is not None
        assert episode.baseline_pain == 6
        assert episode.severity == "moderate"
        assert episode.mechanism == "lifting"
        assert await session.scalar(select(func.count()).select_from(Escalation)) == 0
        conversation = await session.get(Conversation, person.id)
        assert conversation is not None
        assert conversation.step == "idle"


async def test_hurt_three_days_ago_gets_heat_advice_at_once(bot: BotUnderTest) -> None:
    sam = bot.api.person(1002, "Sam")
    closing = await enrol(bot, sam, Answers(onset="2-3 days ago"))
    text = closing.text or ""
    assert "heat" in text.lower()
    assert "Heat for 15-20 minutes" in text
    assert "Ice for 15-20 minutes" not in text
    assert "switch from ice to heat" not in text
