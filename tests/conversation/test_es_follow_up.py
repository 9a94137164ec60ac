"""ES-FOLLOW-UP: after an EMERGENCY or URGENT escalation the bot asks whether help came, at the
right local time, once per escalation, across restarts, and stores the answer."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import DueKind, DueMessage, Escalation, EscalationOutcome
from bot.fake_telegram.models import SentMessage
from bot.fake_telegram.person import Person
from bot.insight.export import COLUMNS
from bot.texts import ENGLISH
from tests.support.enrol import checkin_with_flag, enrol
from tests.support.harness import ADMIN_USER, BotUnderTest

pytestmark = pytest.mark.each_database

GOT_HELP = ENGLISH.FOLLOW_UP_LABELS["got_help"]
NOT_YET = ENGLISH.FOLLOW_UP_LABELS["not_yet"]
FINE = ENGLISH.FOLLOW_UP_LABELS["fine"]


async def _escalations(bot: BotUnderTest) -> list[Escalation]:
    async with bot.sessions() as session:
        return list(await session.scalars(select(Escalation).order_by(Escalation.id)))


async def _ticks(bot: BotUnderTest, start: datetime, end: datetime, every: timedelta) -> None:
    """The due queue ticked from ``start`` up to (not at) ``end``, each tick's sends done."""
    moment = start
    while moment < end:
        await bot.tick_at(moment)
        await bot.sender.idle()
        moment += every


def _follow_ups(person: Person) -> list[SentMessage]:
    return [m for m in person.messages if "Did you get help?" in (m.text or "")]


async def test_es_follow_up_three_hours_after_an_emergency_and_got_help_resumes(
    bot: BotUnderTest,
) -> None:
    ada = bot.api.person(7101, "Ada")
    await enrol(bot, ada)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ada, "Both legs")
    said = bot.clock.now()

    await bot.tick_at(said + timedelta(hours=3) - timedelta(minutes=1))
    assert _follow_ups(ada) == []
    await bot.tick_at(said + timedelta(hours=3))
    [asked] = _follow_ups(ada)
    assert "both legs" in (asked.text or "")
    assert asked.button_labels == [GOT_HELP, NOT_YET, FINE]
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.NO_ANSWER  # asked; no answer yet

    replies = await bot.tap(ada, GOT_HELP)
    assert ENGLISH.FOLLOW_UP_GOT_HELP in (replies[0].text or "")
    # Held after the emergency: answering the follow-up carries the check-in on.
    assert "That's all" in replies[-1].button_labels
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.GOT_HELP
    assert escalation.outcome_at == bot.clock.now()
    # Asked once per escalation, whatever comes later.
    for hours in (1, 6, 24):
        await bot.tick_at(said + timedelta(hours=3 + hours))
    assert len(_follow_ups(ada)) == 1
    await ada.press_data(asked.message_id, f"b1|0|fu:{escalation.id}:fine")
    await bot.handle_updates()
    assert bot.api.callback_answers[-1].text == ENGLISH.FOLLOW_UP_NOTED
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.GOT_HELP


async def test_es_follow_up_in_quiet_hours_waits_for_0800_across_a_restart(
    bot: BotUnderTest,
) -> None:
    lee = bot.api.person(7102, "Lee")
    await enrol(bot, lee)
    # 20:30 in London (UTC in November): three hours on is 23:30, a quiet hour.
    bot.clock.set(datetime(2026, 11, 25, 20, 30, tzinfo=UTC))
    await checkin_with_flag(bot, lee, "Chest pain")
    await bot.tick_at(datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    assert _follow_ups(lee) == []
    await bot.restart()
    await bot.tick_at(datetime(2026, 11, 26, 7, 59, tzinfo=UTC))
    assert _follow_ups(lee) == []
    await bot.tick_at(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    [asked] = _follow_ups(lee)
    assert "chest pain" in (asked.text or "").lower()
    await bot.restart()
    await bot.tick_at(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    assert len(_follow_ups(lee)) == 1


async def test_es_follow_up_not_yet_repeats_the_escalation_at_once(bot: BotUnderTest) -> None:
    ada = bot.api.person(7103, "Ada")
    await enrol(bot, ada)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ada, "Both legs")
    await bot.tick_at(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))

    replies = await bot.tap(ada, NOT_YET)
    [again] = replies
    assert (again.text or "").startswith("🚨 This needs emergency care now.")
    assert "Call 999 now" in (again.text or "")
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.NOT_YET
    # "Not yet" can still become "seen" later.
    await bot.tap(ada, GOT_HELP)
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.GOT_HELP


async def test_es_follow_up_after_urgent_is_the_next_morning_at_the_checkin_time(
    bot: BotUnderTest,
) -> None:
    bo = bot.api.person(7104, "Bo")
    await enrol(bot, bo)
    bot.clock.set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    await checkin_with_flag(bot, bo, "Fever or very unwell")
    await bot.tap(bo, "That's all")
    await bot.tap(bo, "No")
    await bot.tap(bo, "Skip")

    await bot.tick_at(datetime(2026, 11, 26, 8, 59, tzinfo=UTC))
    assert _follow_ups(bo) == []
    await bot.tick_at(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    [asked] = _follow_ups(bo)
    assert "contact a doctor that day" in (asked.text or "")
    # The follow-up is answered mid-check-in: it counts, and the check-in question stays live.
    await bot.command(bo, "checkin")
    replies = await bot.tap(bo, FINE)
    assert "call 999 now" in (replies[-1].text or "")
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.FINE
    answered = await bot.tap(bo, "4")
    assert "Anything new" in (answered[-1].text or "")


async def test_es_follow_up_a_newer_emergency_takes_over_a_pending_urgent_one(
    bot: BotUnderTest,
) -> None:
    bo = bot.api.person(7105, "Bo")
    await enrol(bot, bo)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, bo, "Fever or very unwell")
    bot.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    await bot.tap(bo, "Both legs")

    await bot.tick_at(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    [asked] = _follow_ups(bo)
    assert "both legs" in (asked.text or "")
    assert "high temperature" in (asked.text or "").lower()
    assert "emergency care" in (asked.text or "")
    await bot.tap(bo, GOT_HELP)
    # The URGENT follow-up of the next morning was taken over: never sent.
    await bot.tick_at(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert len(_follow_ups(bo)) == 1
    assert {e.outcome for e in await _escalations(bot)} == {EscalationOutcome.GOT_HELP}
    async with bot.sessions() as session:
        owed = list(
            await session.scalars(select(DueMessage).where(DueMessage.kind == DueKind.FOLLOW_UP))
        )
    assert sorted(row.status.value for row in owed) == ["cancelled", "sent"]


async def test_es_follow_up_a_forged_answer_changes_nothing(bot: BotUnderTest) -> None:
    ada = bot.api.person(7106, "Ada")
    eve = bot.api.person(7107, "Eve")
    await enrol(bot, ada)
    await enrol(bot, eve)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ada, "Both legs")
    await bot.tick_at(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    [escalation] = await _escalations(bot)
    # Eve sends Ada's follow-up answer on a message of her own chat, and garbage.
    own = eve.messages[-1].message_id
    for data in (f"b1|0|fu:{escalation.id}:got_help", "b1|0|fu:x:fine", "b1|0|fu:1:no_answer"):
        await eve.press_data(own, data)
        await bot.handle_updates()
        assert bot.api.callback_answers[-1].text == ENGLISH.STALE_BUTTON
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.NO_ANSWER


async def test_es_follow_up_answers_reach_the_operators_alerts_stats_and_export(
    bot: BotUnderTest,
) -> None:
    ada = bot.api.person(7108, "Ada")
    await enrol(bot, ada)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ada, "Both legs")
    admin = bot.api.person(ADMIN_USER, "Admin")
    [before] = await bot.command(admin, "alerts")
    assert (before.text or "").splitlines()[1].endswith("; follow-up due")

    await bot.tick_at(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await bot.tap(ada, GOT_HELP)
    [after] = await bot.command(admin, "alerts")
    assert (after.text or "").splitlines()[1].endswith("; got help")
    _picture, figures = await bot.command(admin, "stats")
    assert "• got help: 1 / 1" in (figures.text or "").splitlines()
    [document] = await bot.command(admin, "export")
    rows = list(csv.reader(io.StringIO((document.file_bytes or b"").decode())))
    outcomes = [row[COLUMNS.index("escalation_outcomes")] for row in rows[1:]]
    assert "RF-LEGS-BOTH=got_help" in outcomes


async def test_es_follow_up_survives_telegram_failing_and_a_restart_and_is_asked_once(
    bot: BotUnderTest,
) -> None:
    """The follow-up is owed like an escalation: Telegram answering 500 when it is due, then a
    restart, and it still comes, once, when Telegram is back."""
    ada = bot.api.person(7109, "Ada")
    await enrol(bot, ada)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ada, "Both legs")
    bot.api.faults.server_error("sendMessage", ada.chat_id, times=1_000_000)
    await bot.tick_at(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    await bot.sender.idle()
    assert _follow_ups(ada) == []
    assert bot.api.calls_to("sendMessage")[-1].status == 500  # it was tried, and failed
    await bot.restart()
    bot.api.faults.clear()
    for minutes in (1, 3, 10, 30):
        await bot.tick_at(datetime(2026, 11, 25, 14, minutes, tzinfo=UTC))
        await bot.sender.idle()
    [asked] = _follow_ups(ada)
    assert asked.button_labels == [GOT_HELP, NOT_YET, FINE]
    await bot.tap(ada, GOT_HELP)
    [escalation] = await _escalations(bot)
    assert escalation.outcome is EscalationOutcome.GOT_HELP


async def test_es_follow_up_is_never_given_up_and_the_operators_hear_when_it_fails(
    bot: BotUnderTest,
) -> None:
    """Seven hours of Telegram failing, longer than an ordinary message is retried: the
    follow-up is retried like the escalation it follows, the operators are told after its
    second failure, and it comes once when Telegram is back."""
    ben = bot.api.person(7110, "Ben")
    await enrol(bot, ben)
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, ben, "Both legs")
    bot.api.faults.server_error("sendMessage", ben.chat_id, times=1_000_000)
    due = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    await _ticks(bot, due, due + timedelta(hours=7), timedelta(minutes=5))
    assert _follow_ups(ben) == []
    [told] = [line for line in bot.admin_messages if line.startswith("NOT DELIVERED YET")]
    assert "follow-up question (did they get help?) after this EMERGENCY escalation" in told
    assert "RF-LEGS-BOTH" in told

    bot.api.faults.clear()
    back = due + timedelta(hours=7)
    await _ticks(bot, back, back + timedelta(seconds=120), timedelta(seconds=30))
    [asked] = _follow_ups(ben)
    assert asked.button_labels == [GOT_HELP, NOT_YET, FINE]


async def test_es_follow_up_held_up_past_22_00_waits_for_08_00(bot: BotUnderTest) -> None:
    """Telegram failing from the follow-up's time until 23:00: retried until then, and once
    Telegram is back it waits for 08:00 on the person's clock instead of arriving at night."""
    cy = bot.api.person(7111, "Cy")
    await enrol(bot, cy)  # London
    bot.clock.set(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    await checkin_with_flag(bot, cy, "Both legs")
    bot.api.faults.server_error("sendMessage", cy.chat_id, times=1_000_000)
    due = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    await _ticks(bot, due, due + timedelta(hours=9), timedelta(minutes=5))  # to 23:00
    bot.api.faults.clear()
    night = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    await _ticks(bot, night, night + timedelta(hours=9), timedelta(minutes=10))  # to 07:50
    assert _follow_ups(cy) == []
    await bot.tick_at(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    await bot.sender.idle()
    [asked] = _follow_ups(cy)
    assert asked.button_labels == [GOT_HELP, NOT_YET, FINE]
