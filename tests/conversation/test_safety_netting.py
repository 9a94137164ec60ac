"""After an escalation: nothing reassuring after "call now" (ES-HOLD), a way back from a
mistaken tap (ES-MISTAP), the first check-in question that names every emergency sign, and
TR-PERSIST-42 said once at enrolment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.care import Level, RedFlag
from bot.db.models import (
    CheckIn,
    Conversation,
    DueKind,
    DueMessage,
    Episode,
    Escalation,
    OutboxMessage,
)
from bot.fake_telegram.models import SentMessage
from bot.fake_telegram.person import Person
from bot.texts import ENGLISH, Contacts
from tests.support.enrol import checkin_with_flag, enrol, through_red_flags
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

CARRY = ENGLISH.HOLD_LABELS["carry"]
MISTAP = ENGLISH.HOLD_LABELS["mistap"]
REASSURING = ("On track", "usually", "all set", "Next check-in", "Thanks, that's saved")


async def _escalations(bot: BotUnderTest) -> list[Escalation]:
    async with bot.sessions() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def _step(bot: BotUnderTest) -> str:
    async with bot.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    return conversation.step


async def _emergency_in_a_checkin(bot: BotUnderTest, person: Person) -> list[SentMessage]:
    await enrol(bot, person)
    bot.clock.advance(timedelta(days=3))
    return await checkin_with_flag(bot, person, "Both legs")


def _is_held_emergency(message: SentMessage) -> bool:
    return (message.text or "").startswith("🚨 This needs emergency care now.") and (
        message.button_labels == [CARRY, MISTAP]
    )


async def test_es_hold_an_emergency_in_a_checkin_is_the_last_thing_said(
    bot: BotUnderTest,
) -> None:
    ada = bot.api.person(7001, "Ada")
    replies = await _emergency_in_a_checkin(bot, ada)

    [emergency] = replies
    assert _is_held_emergency(emergency)
    assert "Call 999 now" in (emergency.text or "")
    assert await _step(bot) == "emergency_hold"
    # Typed text gets the emergency message again, never the next question.
    again = await bot.send(ada, "what now?")
    assert _is_held_emergency(again[-1])
    assert not any(word in (m.text or "") for m in again for word in REASSURING)

    # /checkin carries on at the question where the exchange stopped, not a new check-in.
    carried = await bot.command(ada, "checkin")
    assert ENGLISH.HOLD_CARRY_ON in (carried[-1].text or "")
    assert "That's all" in carried[-1].button_labels
    assert "Both legs" not in carried[-1].button_labels
    await bot.tap(ada, "That's all")
    await bot.tap(ada, "No")
    closing = await bot.tap(ada, "Skip")
    assert "Thanks, that's saved." in (closing[-1].text or "")
    # Carried on after the emergency, the closing reply still reassures nothing.
    assert "On track" not in (closing[-1].text or "")
    assert "usually" not in (closing[-1].text or "")
    assert (closing[-1].text or "").endswith(ENGLISH.EMERGENCY_AFTER.format(emergency="999"))
    async with bot.sessions() as session:
        check_in = await session.scalar(select(CheckIn).where(CheckIn.day == 3))
    assert check_in is not None
    assert check_in.pain == 5
    assert check_in.red_flags == [RedFlag.LEGS_BOTH.value]


async def test_es_hold_an_emergency_at_enrolment_stops_the_questionnaire(
    bot: BotUnderTest,
) -> None:
    lee = bot.api.person(7002, "Lee")
    await through_red_flags(bot, lee)
    await bot.tap(lee, "In the last few hours")
    replies = await bot.tap(lee, "A serious fall or accident")

    [emergency] = replies
    assert _is_held_emergency(emergency)
    assert "serious accident or fall" in (emergency.text or "")
    # Nothing more is asked; /start carries on at the pain question, where it stopped.
    carried = await bot.command(lee, "start")
    assert "How bad is your back pain" in (carried[-1].text or "")
    assert "10" in carried[-1].button_labels
    await bot.tap(lee, "6")
    await bot.tap(lee, "Only some")
    await bot.send(lee, "London")
    done = await bot.tap(lee, "09:00 (usual)")
    assert "You're all set." in (done[-1].text or "")
    [escalation] = await _escalations(bot)
    assert (escalation.rule_id, escalation.level) == ("RF-TRAUMA", Level.EMERGENCY)
    assert escalation.episode_id is not None


async def test_es_hold_nothing_routine_is_sent_while_held_for_up_to_a_day(
    bot: BotUnderTest,
) -> None:
    ada = bot.api.person(7003, "Ada")
    await _emergency_in_a_checkin(bot, ada)
    held = len(ada.messages)

    # The next morning's check-in time: no prompt while held (only ES-FOLLOW-UP's question,
    # three hours after the emergency), and the day after is still owed.
    bot.clock.advance(timedelta(hours=20))
    await bot.tick()
    [asked] = ada.messages[held:]
    assert "Did you get help?" in (asked.text or "")
    assert await _step(bot) == "emergency_hold"
    async with bot.sessions() as session:
        owed = await session.scalar(
            select(DueMessage).where(
                DueMessage.kind == DueKind.CHECKIN, DueMessage.due_at > bot.clock.now()
            )
        )
    assert owed is not None

    # A day on, the hold has lapsed: the check-in is asked again as usual.
    bot.clock.set(owed.due_at)
    await bot.tick()
    assert "How bad is your back pain" in (ada.messages[-1].text or "")


async def test_es_mistap_withdraws_only_after_a_confirmation(bot: BotUnderTest) -> None:
    ada = bot.api.person(7004, "Ada")
    await _emergency_in_a_checkin(bot, ada)

    asked = await bot.tap(ada, MISTAP)
    assert ENGLISH.RED_FLAG_QUESTIONS[RedFlag.LEGS_BOTH] in (asked[-1].text or "")
    assert asked[-1].button_labels == list(ENGLISH.MISTAP_LABELS.values())
    # Not confirming repeats the escalation, and withdraws nothing.
    repeated = await bot.tap(ada, ENGLISH.MISTAP_LABELS["keep"])
    assert _is_held_emergency(repeated[-1])
    [escalation] = await _escalations(bot)
    assert escalation.withdrawn_at is None

    await bot.tap(ada, MISTAP)
    resumed = await bot.tap(ada, ENGLISH.MISTAP_LABELS["withdraw"])
    assert ENGLISH.MISTAP_WITHDRAWN in (resumed[0].text or "")
    assert "That's all" in resumed[-1].button_labels
    [escalation] = await _escalations(bot)
    assert escalation.withdrawn_at == bot.clock.now()
    assert escalation.sent_at is not None  # the row stays, as it was said
    async with bot.sessions() as session:
        check_in = await session.get(CheckIn, escalation.check_in_id)
    assert check_in is not None
    assert check_in.red_flags == []
    assert "WITHDRAWN: EMERGENCY" in bot.admin_messages[-1]
    assert "RF-LEGS-BOTH" in bot.admin_messages[-1]
    assert "Ada" not in bot.admin_messages[-1]


async def test_es_mistap_at_enrolment_clears_the_flag_from_the_answers(bot: BotUnderTest) -> None:
    kim = bot.api.person(7005, "Kim")
    await bot.command(kim, "start")
    for label in ("I agree", "16 to 49", "No, first time", "Bladder", MISTAP):
        await bot.tap(kim, label)
    resumed = await bot.tap(kim, ENGLISH.MISTAP_LABELS["withdraw"])
    # Back at the same screen, the withdrawn flag offered again.
    assert "Bladder" in resumed[-1].button_labels
    for _group in range(4):
        await bot.tap(kim, "None of these")
    for label in ("In the last few hours", "Lifting or bending", "6", "Only some"):
        await bot.tap(kim, label)
    await bot.send(kim, "London")
    await bot.tap(kim, "09:00 (usual)")
    async with bot.sessions() as session:
        episode = await session.scalar(select(Episode))
    assert episode is not None
    assert episode.enrolment_red_flags == []


async def test_es_hold_urgent_closing_reply_reassures_nothing_and_ends_on_the_advice(
    bot: BotUnderTest,
) -> None:
    bo = bot.api.person(7006, "Bo")
    await enrol(bot, bo)
    bot.clock.advance(timedelta(days=2))
    urgent = await checkin_with_flag(bot, bo, "Fever or very unwell", pain="4")
    assert (urgent[0].text or "").startswith("❗ Please contact a doctor today.")
    # URGENT does not hold: the check-in goes on.
    assert "That's all" in urgent[-1].button_labels
    await bot.tap(bo, "That's all")
    await bot.tap(bo, "No")
    closing = await bot.tap(bo, "Skip")
    said = "\n".join(message.text or "" for message in closing)
    assert "Thanks, that's saved." in said
    assert "On track" not in said
    assert "usually" not in said
    contacts = Contacts(bot.settings.care.emergency_number, bot.settings.care.urgent_care_text)
    assert (closing[-1].text or "").endswith(ENGLISH.urgent_again_text(contacts))


async def test_the_first_checkin_question_names_every_emergency_sign(bot: BotUnderTest) -> None:
    eve = bot.api.person(7007, "Eve")
    await enrol(bot, eve)
    bot.clock.advance(timedelta(days=1))
    await bot.command(eve, "checkin")
    [asked] = await bot.tap(eve, "3")
    text = asked.text or ""
    for sign in (
        "bladder or bowels",
        "numbness around your bottom or genitals",
        "sexual function",
        "both legs",
        "weakness in one",
        "chest pain",
        "fever",
    ):
        assert sign in text


async def test_tr_persist_42_at_enrolment_is_said_exactly_once(bot: BotUnderTest) -> None:
    gil = bot.api.person(7008, "Gil")
    await through_red_flags(bot, gil)
    [told] = await bot.tap(gil, "More than 6 weeks ago")
    assert "more than 6 weeks deserves a proper check" in (told.text or "")
    for minutes in (1, 3, 10, 60):
        bot.clock.advance(timedelta(minutes=minutes))
        await bot.tick()
    assert [m for m in gil.messages if "6 weeks" in (m.text or "")] == [told]
    [escalation] = await _escalations(bot)
    assert escalation.rule_id == "TR-PERSIST-42"
    assert escalation.sent_at is not None
    async with bot.sessions() as session:
        owed = list(await session.scalars(select(OutboxMessage)))
    assert all(row.status.value == "sent" for row in owed)


async def test_es_mistap_under_urgent_is_asked_once_more_and_withdrawn_on_confirmation(
    bot: BotUnderTest,
) -> None:
    bo = bot.api.person(7009, "Bo")
    await enrol(bot, bo)
    bot.clock.advance(timedelta(days=2))
    [urgent, flags] = await checkin_with_flag(bot, bo, "Fever or very unwell", pain="4")
    assert "That's all" in flags.button_labels
    assert urgent.button_labels == [MISTAP]
    # The check-in goes on; the URGENT message's button stays live meanwhile.
    await bot.tap(bo, "That's all")
    asked = await bot.tap(bo, MISTAP)
    assert ENGLISH.RED_FLAG_QUESTIONS[RedFlag.FEVER] in (asked[-1].text or "")
    assert "contact NHS 111 today" in (asked[-1].text or "")
    # "I do have it" repeats the URGENT message and withdraws nothing.
    repeated = await bot.tap(bo, ENGLISH.MISTAP_LABELS["keep"])
    assert (repeated[0].text or "").startswith("❗ Please contact a doctor today.")
    [escalation] = await _escalations(bot)
    assert escalation.withdrawn_at is None

    await bot.tap(bo, MISTAP)
    resumed = await bot.tap(bo, ENGLISH.MISTAP_LABELS["withdraw"])
    assert ENGLISH.MISTAP_WITHDRAWN in (resumed[0].text or "")
    assert resumed[-1].button_labels == ["Yes", "No"]  # the walk question, asked again
    [escalation] = await _escalations(bot)
    assert escalation.withdrawn_at == bot.clock.now()
    async with bot.sessions() as session:
        check_in = await session.get(CheckIn, escalation.check_in_id)
    assert check_in is not None
    assert check_in.red_flags == []
    assert "WITHDRAWN: URGENT" in bot.admin_messages[-1]
    # Withdrawn: the closing reply is an ordinary one, and no follow-up comes.
    await bot.tap(bo, "No")
    closing = await bot.tap(bo, "Skip")
    assert "Please remember" not in "\n".join(m.text or "" for m in closing)
    bot.clock.advance(timedelta(days=1))
    await bot.tick()
    assert not any("Did you get help?" in (m.text or "") for m in bo.messages)


async def test_one_live_question_when_checkin_meets_the_scheduled_prompt(
    bot: BotUnderTest,
) -> None:
    cy = bot.api.person(7010, "Cy")
    await enrol(bot, cy)
    async with bot.sessions() as session:
        due = await session.scalar(
            select(DueMessage.due_at)
            .where(DueMessage.kind == DueKind.CHECKIN)
            .order_by(DueMessage.due_at)
        )
    assert due is not None
    # /checkin a minute before the prompt is due, and again: the same question, still live.
    bot.clock.set(due - timedelta(minutes=1))
    [first] = await bot.command(cy, "checkin")
    [again] = await bot.command(cy, "checkin")
    assert first.text == again.text
    assert first.reply_markup == again.reply_markup  # the same question number: both live
    # The prompt comes due behind it: no second question.
    bot.clock.set(due)
    await bot.tick()
    assert cy.messages[-1] is again
    # A tap on the first copy is taken at once.
    replies = await bot.tap(cy, "5")
    assert "Anything new" in (replies[-1].text or "")
    async with bot.sessions() as session:
        check_in = await session.scalar(select(CheckIn).where(CheckIn.pain == 5))
    assert check_in is not None
    assert check_in.due_at == due  # the day's prompt, answered: it counts as owed


async def test_es_hold_urgent_at_enrolment_ends_on_the_urgent_advice(bot: BotUnderTest) -> None:
    ivy = bot.api.person(7011, "Ivy")
    await bot.command(ivy, "start")
    for label in ("I agree", "16 to 49", "No, first time"):
        await bot.tap(ivy, label)
    while "Had cancer" not in ivy.messages[-1].button_labels:
        await bot.tap(ivy, "None of these")
    urgent = await bot.tap(ivy, "Had cancer")
    assert (urgent[0].text or "").startswith("❗ Please contact a doctor today.")
    await bot.tap(ivy, "That's all")
    while "None of these" in ivy.messages[-1].button_labels:
        await bot.tap(ivy, "None of these")
    for label in ("In the last few hours", "Lifting or bending", "6", "Only some"):
        await bot.tap(ivy, label)
    await bot.send(ivy, "London")
    done = await bot.tap(ivy, "09:00 (usual)")
    contacts = Contacts(bot.settings.care.emergency_number, bot.settings.care.urgent_care_text)
    said = "\n".join(message.text or "" for message in done)
    assert "usually" not in said
    assert "On track" not in said
    assert (done[-1].text or "").endswith(ENGLISH.urgent_again_text(contacts))
