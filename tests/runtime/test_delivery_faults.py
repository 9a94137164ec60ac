"""Telegram on a bad day: every message still delivered, once, in order; the operators told.

The fake Bot API server answers 500, 403, 429 or a refusal where a test says so; the bot's
clock is moved tick by tick, as APScheduler would move it, so an outage of minutes takes none.
Each test counts what the people and the operators' chat received at the server, and what the
outbox and the due queue hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update

from bot.care import Level, RedFlag
from bot.conversation.turn import Outgoing
from bot.db.models import (
    DueMessage,
    DueStatus,
    Escalation,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Person,
)
from bot.fake_telegram.person import Person as Chat
from bot.queue import outbox
from bot.runtime import dispatcher
from bot.telegram.sender import LONGEST_ESCALATION_WAIT, MAX_AGE
from bot.texts import ENGLISH, Contacts
from tests.support.database_away import AwayableDatabase, awayable_database
from tests.support.enrol import enrol
from tests.support.harness import ADMIN_CHAT, BotUnderTest, bot_under_test
from tests.support.seed import seed_due_checkins

pytestmark = pytest.mark.each_database

TICK = timedelta(seconds=2)
"""How often APScheduler ticks (bot.runtime.jobs.TICK_SECONDS)."""
TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONTACTS = Contacts(emergency_number="999", urgent_care="NHS 111")
EMERGENCY_TEXT = ENGLISH.escalation_text(Level.EMERGENCY, [RedFlag.CHEST.value], CONTACTS)


async def _owe_emergency(bot: BotUnderTest, person_id: int, chat_id: int) -> None:
    """What a turn writes when a person taps "Chest pain": the escalation, its message and the
    operators' alert, owed in one transaction."""
    now = bot.clock.now()
    note = ENGLISH.ADMIN_ALERT.format(
        level="EMERGENCY", pseudonym=f"P-{person_id}", rule_id="RF-CHEST"
    )
    async with bot.sessions.begin() as session:
        escalation = Escalation(
            person_id=person_id,
            rule_id=RedFlag.CHEST.value,
            level=int(Level.EMERGENCY),
            facts={},
            created_at=now,
        )
        session.add(escalation)
        await session.flush()
        message = Outgoing(EMERGENCY_TEXT, escalation_ids=(escalation.id,), escalation_note=note)
        await outbox.post(
            session,
            [
                outbox.Letter(chat_id, person_id, OutboxKind.ESCALATION, message.to_payload()),
                outbox.Letter(ADMIN_CHAT, None, OutboxKind.ALERT, {"text": note}),
            ],
            now,
        )


async def _people(bot: BotUnderTest, count: int, first_user_id: int) -> list[tuple[int, Chat]]:
    """``count`` enrolled people owed a check-in due now: (person id, their chat)."""
    engine = bot.sessions.kw["bind"]
    await seed_due_checkins(engine, count, bot.clock.now(), first_user_id=first_user_id)
    async with bot.sessions() as session:
        rows = await session.execute(
            select(Person.id, Person.telegram_user_id)
            .where(Person.telegram_user_id >= first_user_id)
            .order_by(Person.id)
        )
        return [(person_id, bot.api.person(user_id)) for person_id, user_id in rows]


async def _statuses(bot: BotUnderTest) -> Counter[tuple[OutboxKind, OutboxStatus]]:
    async with bot.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
                OutboxMessage.kind, OutboxMessage.status
            )
        )
        return Counter({(kind, status): count for kind, status, count in rows})


def _texts(chat: Chat) -> list[str]:
    return [message.text or "" for message in chat.messages]


def _arrived_at(chat: Chat, starts: str) -> datetime:
    """When the fake server got the first message starting with ``starts`` (its clock is the
    bot's)."""
    message = next(m for m in chat.messages if (m.text or "").startswith(starts))
    return datetime.fromtimestamp(message.date, UTC)


async def _tick_until(bot: BotUnderTest, end: datetime) -> None:
    while bot.clock.now() < end:
        bot.clock.advance(TICK)
        await bot.tick()


async def test_an_outage_of_five_minutes_loses_nothing_and_escalations_come_within_a_minute(
    bot: BotUnderTest,
) -> None:
    bot.clock.set(TUESDAY_9)
    people = await _people(bot, 35, first_user_id=800_000)
    for person_id, chat in people[:5]:
        await _owe_emergency(bot, person_id, chat.chat_id)
    bot.api.faults.server_error("sendMessage", times=1_000_000)
    await bot.tick()
    await _tick_until(bot, TUESDAY_9 + timedelta(minutes=5))
    assert all(chat.messages == [] for _, chat in people)  # nothing got through...
    statuses = await _statuses(bot)
    assert statuses[(OutboxKind.ESCALATION, OutboxStatus.PENDING)] == 5  # ...nor was given up
    assert statuses[(OutboxKind.SCHEDULED, OutboxStatus.PENDING)] == 35

    bot.api.faults.clear()  # Telegram is back
    recovered = bot.clock.now()
    await _tick_until(bot, recovered + timedelta(minutes=3))

    for _, chat in people[:5]:
        assert _texts(chat).count(EMERGENCY_TEXT) == 1
        assert _arrived_at(chat, EMERGENCY_TEXT[:20]) <= recovered + LONGEST_ESCALATION_WAIT
    for _, chat in people:
        assert sum("Check-in, day 1" in text for text in _texts(chat)) == 1
    alerts = "\n".join(bot.admin_messages)
    assert alerts.count("NOT DELIVERED YET: EMERGENCY escalation") == 5  # told after 2 failures
    assert alerts.count("\nEMERGENCY escalation") + alerts.startswith("EMERGENCY") == 5
    statuses = await _statuses(bot)
    assert set(statuses) <= {
        (kind, OutboxStatus.SENT)
        for kind in (OutboxKind.ESCALATION, OutboxKind.SCHEDULED, OutboxKind.ALERT)
    }


async def test_403_for_a_person_owed_an_emergency_is_reported_not_dropped_in_silence(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    bot.clock.set(TUESDAY_9)
    [(person_id, chat)] = await _people(bot, 1, first_user_id=810_000)
    await _owe_emergency(bot, person_id, chat.chat_id)
    bot.api.faults.blocked("sendMessage", chat.chat_id)
    with caplog.at_level(logging.WARNING):
        await bot.tick()
        await bot.tick()

    assert chat.messages == []
    [report] = [m for m in bot.admin_messages if m.startswith("NOT DELIVERED")]
    assert report == (
        f"NOT DELIVERED: EMERGENCY escalation: person P-{person_id}, rule RF-CHEST. "
        "The person has blocked the bot."
    )
    assert any(
        r.levelno == logging.WARNING and "has blocked the bot" in r.getMessage()
        for r in caplog.records
    )
    async with bot.sessions() as session:
        person = await session.get(Person, person_id)
        owed = await session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.person_id == person_id)
        )
        checkins = await session.scalars(
            select(DueMessage.status).where(DueMessage.person_id == person_id)
        )
        escalation = await session.scalar(select(Escalation))
        assert person is not None
        assert person.blocked_at == TUESDAY_9
        assert set(owed) == {OutboxStatus.CANCELLED}
        assert DueStatus.PENDING not in set(checkins)
        assert escalation is not None
        assert escalation.sent_at is None  # the record says it never reached them


async def test_a_tap_handled_too_late_to_answer_still_gets_its_reply_and_escalation(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    uma = bot.api.person(8201, "Uma")
    await enrol(bot, uma)
    bot.clock.advance(timedelta(days=1))
    await bot.command(uma, "checkin")
    await bot.tap(uma, "5")
    await bot.tap(uma, "Yes")
    bot.api.callback_query_ttl = 0  # every tap is handled after Telegram stopped waiting
    answered = len(bot.api.callback_answers)
    with caplog.at_level(logging.INFO):
        replies = await bot.tap(uma, "Chest pain")

    assert len(bot.api.callback_answers) == answered  # "query is too old"...
    assert bot.api.calls_to("answerCallbackQuery")[-1].status == 400
    assert any("answer was not taken" in record.getMessage() for record in caplog.records)
    # ...and the person still gets the emergency message, with its buttons (ES-HOLD).
    [emergency] = replies
    assert (emergency.text or "").startswith("🚨 This needs emergency care now.")
    assert emergency.button_labels == list(ENGLISH.HOLD_LABELS.values())
    async with bot.sessions() as session:
        escalation = await session.scalar(select(Escalation))
    assert escalation is not None
    assert escalation.sent_at == bot.clock.now()


async def test_sixty_emergencies_at_once_are_not_paced_by_the_operators_alerts(
    database_url: str,
) -> None:
    # Telegram's limits on: one message a second to a person, twenty a minute to a group.
    async with bot_under_test(database_url, telegram_rate_limits=True) as bot:
        bot.clock.set(TUESDAY_9)
        people = await _people(bot, 60, first_user_id=820_000)
        async with bot.sessions.begin() as session:  # the emergencies alone are owed now
            await session.execute(update(DueMessage).values(status=DueStatus.CANCELLED))
        for person_id, chat in people:
            await _owe_emergency(bot, person_id, chat.chat_id)
        # Each person's message and each alert line is a row; the 60 lines go as one message.
        assert await bot.tick() == 60 + 60

    assert all(_texts(chat) == [EMERGENCY_TEXT] for _, chat in people)
    [alert] = bot.admin_messages  # one message for the operators, not sixty at 20 a minute
    assert alert.count("EMERGENCY escalation") == 60


async def test_429_waits_retry_after_without_counting_an_attempt(bot: BotUnderTest) -> None:
    mia = bot.api.person(8202, "Mia")
    await enrol(bot, mia)
    bot.api.faults.retry_after(30, "sendMessage", mia.chat_id)
    assert await bot.tick_at(TUESDAY_9) == 0
    async with bot.sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.SCHEDULED)
        )
    assert row is not None
    assert (row.status, row.attempts, row.due_at) == (
        OutboxStatus.PENDING,
        0,
        TUESDAY_9 + timedelta(seconds=30),
    )
    assert await bot.tick_at(TUESDAY_9 + timedelta(seconds=29)) == 0
    assert await bot.tick_at(TUESDAY_9 + timedelta(seconds=30)) == 1
    assert sum("Check-in, day 1" in text for text in _texts(mia)) == 1


async def test_other_messages_are_given_up_after_six_hours_of_errors_and_can_be_requeued(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    ned = bot.api.person(8203, "Ned")
    await enrol(bot, ned)
    bot.api.faults.server_error("sendMessage", ned.chat_id, status=502, times=1_000_000)
    bot.clock.set(TUESDAY_9)
    with caplog.at_level(logging.ERROR):
        while bot.clock.now() < TUESDAY_9 + MAX_AGE + timedelta(minutes=5):
            bot.clock.advance(timedelta(minutes=1))
            await bot.tick()
    async with bot.sessions() as session:
        failed = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        )
    assert failed is not None
    assert (failed.last_error or "").startswith("NetworkError")
    assert any("given up" in record.getMessage() for record in caplog.records)

    bot.api.faults.clear()
    async with bot.sessions.begin() as session:
        assert await outbox.requeue_failed(session, bot.clock.now()) == 1
    await bot.tick()
    assert sum("Check-in, day 1" in text for text in _texts(ned)) == 1


async def test_a_refused_escalation_is_reported_and_left_for_requeue(bot: BotUnderTest) -> None:
    bot.clock.set(TUESDAY_9)
    [(person_id, chat)] = await _people(bot, 1, first_user_id=830_000)
    await _owe_emergency(bot, person_id, chat.chat_id)
    bot.api.faults.add(
        "sendMessage", chat.chat_id, status=400, description="Bad Request: chat not found"
    )
    await bot.tick()
    await bot.tick()  # the report was owed during the first tick
    [report] = [m for m in bot.admin_messages if m.startswith("NOT DELIVERED")]
    assert "Telegram refused the message (BadRequest: Chat not found)" in report
    assert "python -m bot requeue" in report
    # The chat's check-in, owed after the escalation, still goes: the refusal is settled.
    assert sum("Check-in, day 1" in text for text in _texts(chat)) == 1


async def test_a_chat_gets_its_messages_in_order_even_when_the_first_fails(
    bot: BotUnderTest,
) -> None:
    bot.clock.set(TUESDAY_9)
    [(person_id, chat)] = await _people(bot, 1, first_user_id=840_000)
    await _owe_emergency(bot, person_id, chat.chat_id)
    bot.api.faults.server_error("sendMessage", chat.chat_id, times=3)
    for _ in range(30):
        bot.clock.advance(TICK)
        await bot.tick()
    texts_in_order = _texts(chat)
    assert texts_in_order[0] == EMERGENCY_TEXT  # owed first, so sent first, after its retries
    assert sum("Check-in, day 1" in text for text in texts_in_order) == 1


async def test_the_escalation_a_dead_sender_held_comes_before_any_backlog(
    bot: BotUnderTest,
) -> None:
    bot.clock.set(TUESDAY_9)
    people = await _people(bot, 6, first_user_id=850_000)
    last_id, last_chat = people[-1]
    async with bot.sessions.begin() as session:  # the last one is owed an emergency only
        await session.execute(
            update(DueMessage)
            .where(DueMessage.person_id == last_id)
            .values(status=DueStatus.CANCELLED)
        )
    await bot.dispatcher().decide()  # a backlog of five check-ins in the outbox
    await _owe_emergency(bot, last_id, last_chat.chat_id)
    lease = bot.settings.queue.lease
    async with bot.sessions.begin() as session:  # a sender claims it... and dies
        [held] = await outbox.claim_heads(session, "dead", bot.clock.now(), 1, lease)
    assert held.kind is OutboxKind.ESCALATION
    bot.clock.advance(lease + timedelta(seconds=1))
    async with bot.sessions.begin() as session:
        [first] = await outbox.claim_heads(session, "alive", bot.clock.now(), 1, lease)
    assert first.id == held.id


async def test_sent_messages_are_forgotten_after_a_day_a_few_at_a_time(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    ola = bot.api.person(8204, "Ola")
    await enrol(bot, ola)
    sent = await _count_outbox(bot)
    assert sent > 4
    monkeypatch.setattr(dispatcher, "FORGOTTEN_AT_ONCE", 2)
    commits: list[None] = []
    engine = bot.sessions.kw["bind"].sync_engine
    event.listen(engine, "commit", lambda _connection: commits.append(None))
    bot.clock.advance(timedelta(days=1, minutes=1))
    assert await bot.dispatcher().forget_sent() == sent
    assert await _count_outbox(bot) == 0
    assert len(commits) >= sent // 2  # each transaction forgot two at most


async def _count_outbox(bot: BotUnderTest) -> int:
    async with bot.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def _away_for_a_second(database: AwayableDatabase) -> None:
    async with database.away():
        await asyncio.sleep(1.0)


async def test_an_emergency_whose_failed_send_could_not_be_recorded_goes_when_its_lease_ends(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram fails the EMERGENCY while the database is away (PostgreSQL cut off, SQLite's
    write lock held elsewhere), so the failure cannot be written down: the row is still this
    sender's. Its renewals pass it by, so its lease runs out and it is sent then, once, before
    the check-in behind it; renewed like the rest, it stayed claimed and unsent for as long as
    the process ran."""
    async with awayable_database(database_url, database_sqlite_busy_timeout=0.2) as database:
        bot = database.bot
        bot.clock.set(TUESDAY_9)
        [(person_id, chat)] = await _people(bot, 1, first_user_id=830_000)
        await _owe_emergency(bot, person_id, chat.chat_id)
        bot.api.faults.add("sendMessage", chat.chat_id, status=500, delay=0.5)
        with caplog.at_level(logging.ERROR):
            ticking = asyncio.create_task(bot.tick())
            for _ in range(500):  # until the EMERGENCY reaches Telegram, which will fail it
                if bot.api.calls_to("sendMessage"):
                    break
                await asyncio.sleep(0.01)
            await asyncio.gather(ticking, _away_for_a_second(database))
        assert any("could not record a failed send" in r.getMessage() for r in caplog.records)
        assert EMERGENCY_TEXT not in _texts(chat)

        lease = bot.settings.queue.lease
        bot.clock.advance(lease * 2 / 3)
        await bot.sender.renew()  # the sender's renewal, as it runs every third of a lease
        bot.clock.advance(lease / 3 + TICK)
        await bot.tick()
        assert _texts(chat).count(EMERGENCY_TEXT) == 1
        assert _texts(chat)[0] == EMERGENCY_TEXT  # before the check-in that waited behind it
        statuses = await _statuses(bot)
        assert statuses[(OutboxKind.ESCALATION, OutboxStatus.SENT)] == 1


async def test_an_emergency_failing_for_two_hours_is_still_tried_and_comes_once(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    """A hundred and more failed attempts: the wait between them stays at a minute (doubling
    it without end once overflowed, and the failure could no longer be recorded)."""
    bot.clock.set(TUESDAY_9)
    [(person_id, chat)] = await _people(bot, 1, first_user_id=820_000)
    await _owe_emergency(bot, person_id, chat.chat_id)
    bot.api.faults.server_error("sendMessage", chat.chat_id, times=1_000_000)
    with caplog.at_level(logging.ERROR):
        for _ in range(2 * 60 * 2):  # two hours, a tick every 30 s
            bot.clock.advance(timedelta(seconds=30))
            await bot.tick()
    assert not [r for r in caplog.records if "could not record" in r.getMessage()]
    async with bot.sessions() as session:
        attempts = await session.scalar(
            select(OutboxMessage.attempts).where(OutboxMessage.person_id == person_id)
        )
    assert attempts is not None
    assert attempts > 60  # one a minute at most
    bot.api.faults.clear()
    back = bot.clock.now()
    await _tick_until(bot, back + LONGEST_ESCALATION_WAIT + TICK)
    assert _texts(chat).count(EMERGENCY_TEXT) == 1


async def test_paid_broadcasts_are_asked_for_on_every_message_the_outbox_sends(
    database_url: str,
) -> None:
    """TELEGRAM_PAID_BROADCAST: Telegram takes the due queue's messages beyond 30 a second only
    when each is sent as a paid broadcast; the replies and escalations are paid for too, so
    none of them meets a 429 that the wave caused."""
    async with bot_under_test(
        database_url, telegram_paid_broadcast=True, telegram_bulk_rate=100
    ) as bot:
        bot.clock.set(TUESDAY_9)
        [(person_id, chat), *_] = await _people(bot, 3, first_user_id=840_000)
        await bot.tick()
        await bot.send(chat, "5")
        await _owe_emergency(bot, person_id, chat.chat_id)
        await bot.tick()
        sends = bot.api.calls_to("sendMessage")
        assert len(sends) == 3 + 1 + 2  # check-ins, the reply, the EMERGENCY and its alert
        assert all(call.params.get("allow_paid_broadcast") is True for call in sends)


async def test_without_paid_broadcasts_nothing_is_paid_for(bot: BotUnderTest) -> None:
    bot.clock.set(TUESDAY_9)
    [(_person_id, chat)] = await _people(bot, 1, first_user_id=841_000)
    await bot.tick()
    await bot.send(chat, "5")
    sends = bot.api.calls_to("sendMessage")
    assert len(sends) == 2
    assert not any("allow_paid_broadcast" in call.params for call in sends)
