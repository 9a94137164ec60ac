"""The database away for a while: what a person sends is stored and answered, or apologised for.

PostgreSQL goes away at the network (a TCP proxy the test cuts); SQLite's write lock is held by
another connection, as a long report or another process would hold it. Within
``DATABASE_RETRY_SECONDS`` the answer is stored and replied to as if nothing happened; beyond
it, the person is told, without the database, to send it again, and nothing is half-stored.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.db.models import CheckIn, DueMessage, DueStatus, OutboxMessage, OutboxStatus
from bot.fake_telegram.person import Person
from tests.support.database_away import proxied_bot, send_failing, write_lock_held
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest, bot_under_test
from tests.support.seed import seed_due_checkins
from tests.support.snapshot import snapshot

APOLOGY = "Sorry, I couldn't save that. Please send it again."
NOTE = "Sore after gardening"


async def _at_the_note(bot: BotUnderTest, person: Person) -> None:
    await enrol(bot, person)
    bot.clock.advance(timedelta(days=1))
    await bot.command(person, "checkin")
    for label in ("5", "No", "Yes"):
        await bot.tap(person, label)
    assert (person.last.text or "").startswith("Anything to note")


def _retried(caplog: pytest.LogCaptureFixture) -> bool:
    """The update's transaction failed at least once and was tried again."""
    return any("trying again" in record.getMessage() for record in caplog.records)


async def _note_stored(bot: BotUnderTest) -> str | None:
    async with bot.sessions() as session:
        return await session.scalar(select(CheckIn.note))


@pytest.mark.postgres
async def test_postgresql_away_for_two_seconds_while_a_note_is_typed(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with proxied_bot(postgres_url, database_retry_seconds=10) as (bot, proxy):
        eve = bot.api.person(9301, "Eve")
        await _at_the_note(bot, eve)
        proxy.cut()
        asyncio.get_running_loop().call_later(2.0, proxy.restore)
        with caplog.at_level(logging.WARNING):
            replies = await bot.send(eve, NOTE)

        assert (replies[-1].text or "").startswith("Thanks, that's saved.")
        assert await _note_stored(bot) == NOTE
        assert _retried(caplog)


@pytest.mark.postgres
async def test_postgresql_away_longer_than_the_retries_is_apologised_for(
    postgres_url: str,
) -> None:
    async with proxied_bot(postgres_url, database_retry_seconds=1) as (bot, proxy):
        fay = bot.api.person(9302, "Fay")
        await _at_the_note(bot, fay)
        before = await snapshot(bot)
        proxy.cut()
        assert await send_failing(bot, fay, NOTE) == [APOLOGY]

        proxy.restore()
        assert await snapshot(bot) == before  # nothing half-stored
        replies = await bot.send(fay, NOTE)  # sent again, as asked: now it is saved
        assert (replies[-1].text or "").startswith("Thanks, that's saved.")
        assert await _note_stored(bot) == NOTE


async def test_sqlite_locked_by_another_writer_for_a_second_is_waited_out(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with bot_under_test(
        database_url, database_sqlite_busy_timeout=0.2, database_retry_seconds=10
    ) as bot:
        gus = bot.api.person(9303, "Gus")
        await _at_the_note(bot, gus)
        async with write_lock_held(database_url) as other:
            asyncio.get_running_loop().call_later(1.0, other.execute, "COMMIT")
            with caplog.at_level(logging.WARNING):
                replies = await bot.send(gus, NOTE)

        assert (replies[-1].text or "").startswith("Thanks, that's saved.")
        assert await _note_stored(bot) == NOTE
        assert _retried(caplog)


async def test_sqlite_locked_beyond_the_retries_is_apologised_for(database_url: str) -> None:
    async with bot_under_test(
        database_url, database_sqlite_busy_timeout=0.2, database_retry_seconds=0.5
    ) as bot:
        hal = bot.api.person(9304, "Hal")
        await _at_the_note(bot, hal)
        before = await snapshot(bot)
        async with write_lock_held(database_url):
            assert await send_failing(bot, hal, NOTE) == [APOLOGY]

        assert await snapshot(bot) == before
        assert await _note_stored(bot) is None


async def test_a_reply_sent_while_sqlite_is_locked_is_marked_later_and_never_sent_again(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram has the reply, but the write lock is held when it would be marked sent: the
    row stays claimed (its lease renewed), the mark is tried again until the lock is free,
    and the reply is not sent a second time."""
    async with bot_under_test(database_url, database_sqlite_busy_timeout=0.2) as bot:
        hal = bot.api.person(9305, "Hal")
        await _at_the_note(bot, hal)
        before = len(bot.api.sent_to(hal.chat_id))
        sends = len(bot.api.calls_to("sendMessage"))
        bot.api.faults.slow(0.5, "sendMessage", chat_id=hal.chat_id)
        with caplog.at_level(logging.ERROR):
            replying = asyncio.create_task(bot.send(hal, NOTE))
            for _ in range(500):  # until the reply reaches Telegram: the turn has committed
                if len(bot.api.calls_to("sendMessage")) > sends:
                    break
                await asyncio.sleep(0.01)
            async with write_lock_held(database_url) as other:
                asyncio.get_running_loop().call_later(1.5, other.execute, "COMMIT")
                await replying
        assert any("could not mark" in record.getMessage() for record in caplog.records)
        sent = bot.api.sent_to(hal.chat_id)[before:]
        assert [(m.text or "").startswith("Thanks, that's saved.") for m in sent] == [True]
        await bot.tick()  # nothing is owed again
        assert len(bot.api.sent_to(hal.chat_id)) == before + 1
        async with bot.sessions() as session:
            statuses = set(
                await session.scalars(
                    select(OutboxMessage.status).where(OutboxMessage.chat_id == hal.chat_id)
                )
            )
        assert statuses == {OutboxStatus.SENT}


async def test_a_full_disk_while_check_ins_are_decided_gives_none_up(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's disk fills up as the due check-ins are turned into messages: those it stops
    stay owed, not given up, and once there is room again they go out when their lease runs
    out; everyone gets their check-in once."""
    async with bot_under_test(database_url) as bot:
        await seed_due_checkins(
            bot.sessions.kw["bind"], 60, bot.clock.now(), first_user_id=9_400_000
        )
        people = [bot.api.person(9_400_000 + n) for n in range(60)]
        async with bot.sessions.begin() as session:  # the file may grow no further
            pages = await session.scalar(text("PRAGMA page_count"))
            await session.execute(text(f"PRAGMA max_page_count = {pages}"))
        with caplog.at_level(logging.WARNING):
            await bot.tick()
        assert any("the database failed" in r.getMessage() for r in caplog.records)
        assert [person for person in people if not person.messages]  # held back by the fault
        async with bot.sessions() as session:
            statuses = set(await session.scalars(select(DueMessage.status)))
        assert DueStatus.FAILED not in statuses

        async with bot.sessions.begin() as session:  # room again
            await session.execute(text("PRAGMA max_page_count = 1073741823"))
        bot.clock.advance(bot.settings.queue.lease + timedelta(seconds=1))
        await bot.tick()
        for person in people:
            [check_in] = person.messages
            assert (check_in.text or "").startswith("Check-in, day 1")
