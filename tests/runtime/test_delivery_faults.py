"""Telegram's answers handled on purpose: 429, 5xx, 403 and the bot being blocked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import DueKind, DueMessage, DueStatus, Person
from bot.runtime.dispatcher import BACKOFF, MAX_ATTEMPTS
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def _checkin_row(bot: BotUnderTest) -> DueMessage:
    """Tuesday's check-in row (Wednesday's is owed as soon as Tuesday's is prepared)."""
    async with bot.sessions() as session:
        row = await session.scalar(
            select(DueMessage).where(
                DueMessage.kind == DueKind.CHECKIN, DueMessage.slot == "2026-11-24"
            )
        )
    assert row is not None
    return row


async def test_429_waits_retry_after_then_sends_once(bot: BotUnderTest) -> None:
    mia = bot.api.person(7001, "Mia")
    await enrol(bot, mia)
    bot.api.faults.retry_after(30, "sendMessage", mia.chat_id)
    mark = mia.mark()
    assert await bot.tick_at(TUESDAY_9) == 0
    row = await _checkin_row(bot)
    assert row.status is DueStatus.PENDING
    assert row.due_at == TUESDAY_9 + timedelta(seconds=30)
    assert await bot.tick_at(TUESDAY_9 + timedelta(seconds=29)) == 0
    assert await bot.tick_at(TUESDAY_9 + timedelta(seconds=30)) == 1
    assert len([m for m in mia.messages[mark:] if "Check-in, day 1" in (m.text or "")]) == 1


async def test_5xx_retries_with_backoff_then_fails_and_logs(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    ned = bot.api.person(7002, "Ned")
    await enrol(bot, ned)
    bot.api.faults.server_error("sendMessage", ned.chat_id, status=502, times=MAX_ATTEMPTS)
    moment = TUESDAY_9
    for attempt in range(1, MAX_ATTEMPTS):
        assert await bot.tick_at(moment) == 0
        row = await _checkin_row(bot)
        assert row.status is DueStatus.PENDING
        assert row.attempts == attempt
        assert row.due_at == moment + BACKOFF * 2 ** (attempt - 1)
        moment = row.due_at
    with caplog.at_level(logging.ERROR):
        assert await bot.tick_at(moment) == 0
    row = await _checkin_row(bot)
    assert row.status is DueStatus.FAILED
    assert (row.last_error or "").startswith("NetworkError")
    assert any("failed after" in record.getMessage() for record in caplog.records)


async def test_403_marks_the_person_blocked_and_drops_what_is_owed(bot: BotUnderTest) -> None:
    oz = bot.api.person(7003, "Oz")
    await enrol(bot, oz)
    await oz.block_bot()
    bot.api.take_updates()  # Telegram's my_chat_member update is tested below; here only 403
    assert await bot.tick_at(TUESDAY_9) == 0
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
        pending = list(
            await session.scalars(select(DueMessage).where(DueMessage.status == DueStatus.PENDING))
        )
    assert person is not None
    assert person.blocked_at == TUESDAY_9
    assert pending == []
    # Coming back with /start reactivates the schedule.
    await oz.unblock_bot()
    bot.api.take_updates()
    bot.clock.set(TUESDAY_9 + timedelta(hours=1))
    await bot.command(oz, "start")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
        owed = await session.scalar(
            select(DueMessage).where(
                DueMessage.status == DueStatus.PENDING, DueMessage.kind == DueKind.CHECKIN
            )
        )
    assert person is not None
    assert person.blocked_at is None
    assert owed is not None
    assert owed.due_at == TUESDAY_9 + timedelta(days=1)


async def test_a_blocked_update_from_telegram_stops_the_schedule(bot: BotUnderTest) -> None:
    pam = bot.api.person(7004, "Pam")
    await enrol(bot, pam)
    await bot.act(pam, pam.block_bot())
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    assert person.blocked_at is not None
    assert await bot.tick_at(TUESDAY_9) == 0
    assert not any(call.method == "sendMessage" and call.status == 403 for call in bot.api.calls)
    await bot.act(pam, pam.unblock_bot())
    assert await bot.tick_at(TUESDAY_9 + timedelta(days=1)) == 1


async def test_escalations_go_ahead_of_a_backlog_of_checkins(bot: BotUnderTest) -> None:
    from bot.queue import owed as queue

    people = [bot.api.person(7100 + index, f"P{index}") for index in range(3)]
    for person in people:
        await enrol(bot, person)
    # The last person reports a red flag, but the handler dies before sending it.
    bot.clock.set(TUESDAY_9 - timedelta(minutes=5))
    await bot.command(people[2], "checkin")
    await bot.tap(people[2], "6")
    await bot.tap(people[2], "Yes")
    bot.api.faults.server_error("sendMessage", people[2].chat_id, status=500)
    await people[2].press("Chest pain")
    [update] = bot.api.take_updates()
    from telegram import Update

    await bot.application.process_update(Update.de_json(update, bot.application.bot))
    bot.errors.clear()
    bot.clock.set(TUESDAY_9 + queue.LEASE)
    async with bot.sessions.begin() as session:
        [first] = await queue.claim(session, bot.clock.now(), 1)
    assert first.kind is DueKind.ESCALATION


async def test_a_batch_of_failures_is_settled_in_one_update_each(bot: BotUnderTest) -> None:
    from sqlalchemy import event

    people = [bot.api.person(7200 + index, f"Q{index}") for index in range(3)]
    for person in people:
        await enrol(bot, person)
    bot.api.faults.server_error("sendMessage", people[0].chat_id, status=502)
    bot.api.faults.server_error("sendMessage", people[1].chat_id, status=503)
    bot.api.faults.retry_after(30, "sendMessage", people[2].chat_id)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = bot.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await bot.tick_at(TUESDAY_9) == 0
    finally:
        event.remove(engine, "before_cursor_execute", count)
    retries = [s for s in statements if s.startswith("UPDATE due_messages") and "last_error=" in s]
    assert len(retries) == 1, retries
    async with bot.sessions() as session:
        rows = list(
            await session.scalars(
                select(DueMessage)
                .where(DueMessage.kind == DueKind.CHECKIN, DueMessage.slot == "2026-11-24")
                .order_by(DueMessage.person_id)
            )
        )
    assert [row.status for row in rows] == [DueStatus.PENDING] * 3
    assert [row.due_at for row in rows] == [
        TUESDAY_9 + BACKOFF,
        TUESDAY_9 + BACKOFF,
        TUESDAY_9 + timedelta(seconds=30),
    ]
    assert [(row.last_error or "")[:3] for row in rows] == ["Net", "Net", "429"]
