"""Red flags escalate at once, first, stored with the answer that raised them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.care import Level
from bot.db.models import CheckIn, Escalation, OutboxKind, OutboxMessage, OutboxStatus, Person
from bot.texts import ENGLISH
from tests.support.enrol import enrol, through_red_flags
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database


async def _escalations(bot: BotUnderTest) -> list[Escalation]:
    async with bot.sessions() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def test_a_red_flag_at_enrolment_brings_the_emergency_message_first(
    bot: BotUnderTest,
) -> None:
    kim = bot.api.person(1003, "Kim")
    await bot.command(kim, "start")
    await bot.tap(kim, "I agree")
    await bot.tap(kim, "16 to 49")
    await bot.tap(kim, "No, first time")
    replies = await bot.tap(kim, "Bladder")

    first = replies[0].text or ""
    assert first.startswith("🚨 This needs emergency care now.")
    assert "Call 999 now" in first
    assert "pee" in first
    # ES-HOLD: the emergency message is the last thing said; enrolment carries on from it.
    assert replies[-1] is replies[0]
    assert replies[-1].button_labels == list(ENGLISH.HOLD_LABELS.values())
    carried = await bot.tap(kim, ENGLISH.HOLD_LABELS["carry"])
    # The same group is asked again, without the flag just given.
    assert "Bowels" in carried[-1].button_labels
    assert "Bladder" not in carried[-1].button_labels
    [escalation] = await _escalations(bot)
    assert escalation.rule_id == "RF-CES-BLADDER"
    assert escalation.level == Level.EMERGENCY
    assert escalation.sent_at == bot.clock.now()
    assert escalation.check_in_id is None
    async with bot.sessions() as session:
        owed = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.ESCALATION)
        )
    assert owed is not None  # owed in the answer's transaction, then sent and marked
    assert owed.status is OutboxStatus.SENT
    assert owed.payload["escalation_ids"] == [escalation.id]
    alert = bot.admin_messages[-1]
    assert "EMERGENCY" in alert
    assert "RF-CES-BLADDER" in alert
    assert "Kim" not in alert
    assert "1003" not in alert


async def test_a_serious_fall_is_rf_trauma_and_escalates_at_enrolment(bot: BotUnderTest) -> None:
    lee = bot.api.person(1004, "Lee")
    await through_red_flags(bot, lee, age="50 or over")
    await bot.tap(lee, "In the last few hours")
    replies = await bot.tap(lee, "A serious fall or accident")
    assert (replies[0].text or "").startswith("🚨")
    assert "serious accident or fall" in (replies[0].text or "")
    assert [e.rule_id for e in await _escalations(bot)] == ["RF-TRAUMA"]


async def test_a_red_flag_in_a_day_5_checkin_escalates_first(bot: BotUnderTest) -> None:
    ada = bot.api.person(1005, "Ada")
    await enrol(bot, ada)
    bot.clock.advance(timedelta(days=5))

    asked = await bot.command(ada, "checkin")
    assert "day 5" in (asked[-1].text or "")
    await bot.tap(ada, "7")
    await bot.tap(ada, "Yes")
    replies = await bot.tap(ada, "Both legs")

    assert (replies[0].text or "").startswith("🚨 This needs emergency care now.")
    assert "both legs" in (replies[0].text or "")
    [escalation] = await _escalations(bot)
    async with bot.sessions() as session:
        check_in = await session.get(CheckIn, escalation.check_in_id)
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 1005))
    assert check_in is not None
    assert person is not None
    assert escalation.rule_id == "RF-LEGS-BOTH"
    assert escalation.person_id == person.id
    assert check_in.day == 5
    assert check_in.pain == 7
    assert check_in.red_flags == ["RF-LEGS-BOTH"]
    assert escalation.sent_at == bot.clock.now()

    # ES-HOLD: the emergency message ends the exchange; the check-in carries on when Ada says.
    assert replies[-1] is replies[0]
    assert replies[-1].button_labels == list(ENGLISH.HOLD_LABELS.values())
    carried = await bot.tap(ada, ENGLISH.HOLD_LABELS["carry"])
    assert "That's all" in carried[-1].button_labels
    assert "Both legs" not in carried[-1].button_labels
    await bot.tap(ada, "That's all")
    await bot.tap(ada, "No")
    closing = await bot.tap(ada, "Skip")
    assert "Thanks, that's saved." in (closing[-1].text or "")
    assert "1 point worse than when you started" in (closing[-1].text or "")


async def test_an_urgent_flag_names_the_urgent_line(bot: BotUnderTest) -> None:
    bo = bot.api.person(1006, "Bo")
    await enrol(bot, bo)
    bot.clock.advance(timedelta(days=2))
    await bot.command(bo, "checkin")
    await bot.tap(bo, "4")
    await bot.tap(bo, "Yes")
    replies = await bot.tap(bo, "Fever or very unwell")
    text = replies[0].text or ""
    assert text.startswith("❗ Please contact a doctor today.")
    assert "NHS 111" in text
    assert [(e.rule_id, e.level) for e in await _escalations(bot)] == [("RF-FEVER", Level.URGENT)]


async def test_rf_age_50_first_episode_is_told_to_book_a_doctor(bot: BotUnderTest) -> None:
    from tests.support.enrol import Answers

    gus = bot.api.person(1007, "Gus")
    closing = await enrol(bot, gus, Answers(age="50 or over", history="No, first time"))
    texts = [message.text or "" for message in gus.messages]
    soon = next(text for text in texts if text.startswith("Please book an appointment"))
    assert "first time at 50 or over" in soon
    assert texts.index(soon) < texts.index(closing.text or "")
    assert [(e.rule_id, e.level) for e in await _escalations(bot)] == [("RF-AGE-50", Level.SOON)]


async def test_tr_recurrent_reported_at_enrolment_suggests_physiotherapy(
    bot: BotUnderTest,
) -> None:
    from tests.support.enrol import Answers

    hal = bot.api.person(1008, "Hal")
    await enrol(bot, hal, Answers(history="Yes, in the last 12 months"))
    assert any("physiotherapy" in (message.text or "") for message in hal.messages)
    [escalation] = await _escalations(bot)
    assert escalation.rule_id == "TR-RECURRENT"
    assert escalation.episode_id is not None
