"""The database away for a while: what a person sends is stored and answered, or apologised for.

PostgreSQL goes away at the network (a TCP proxy the test cuts); SQLite's write lock is held by
another connection, as a long report or another process would hold it. Within
``DATABASE_RETRY_SECONDS`` the answer is stored and replied to as if nothing happened; beyond
it, the person is told, without the database, to send it again, and nothing is half-stored.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram import Update

from bot.db.models import CheckIn
from bot.fake_telegram.person import Person
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest, bot_under_test
from tests.support.snapshot import snapshot
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

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


async def _send_failing(bot: BotUnderTest, person: Person, text: str) -> list[str]:
    """The person types ``text`` and the update fails after its retries: what they are sent.
    (The error reaches the error handler, as it should; the test takes it from there.)"""
    mark = person.mark()
    await person.send(text)
    [update] = bot.api.take_updates()
    await bot.application.process_update(Update.de_json(update, bot.application.bot))
    await bot.sender.idle()
    assert len(bot.errors) == 1
    bot.errors.clear()
    return [message.text or "" for message in person.messages[mark:]]


@asynccontextmanager
async def _proxied_bot(
    postgres_url: str, retry_seconds: float
) -> AsyncIterator[tuple[BotUnderTest, TcpProxy]]:
    url = make_url(postgres_url)
    assert url.host is not None
    async with tcp_proxy(url.host, url.port or 5432) as proxy:
        proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
        async with bot_under_test(proxied, database_retry_seconds=retry_seconds) as bot:
            yield bot, proxy


@pytest.mark.postgres
async def test_postgresql_away_for_two_seconds_while_a_note_is_typed(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with _proxied_bot(postgres_url, retry_seconds=10) as (bot, proxy):
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
    async with _proxied_bot(postgres_url, retry_seconds=1) as (bot, proxy):
        fay = bot.api.person(9302, "Fay")
        await _at_the_note(bot, fay)
        before = await snapshot(bot)
        proxy.cut()
        assert await _send_failing(bot, fay, NOTE) == [APOLOGY]

        proxy.restore()
        assert await snapshot(bot) == before  # nothing half-stored
        replies = await bot.send(fay, NOTE)  # sent again, as asked: now it is saved
        assert (replies[-1].text or "").startswith("Thanks, that's saved.")
        assert await _note_stored(bot) == NOTE


@asynccontextmanager
async def _write_lock_held(database_url: str) -> AsyncIterator[sqlite3.Connection]:
    """Another writer holds SQLite's write lock until the block ends (or it commits)."""
    path = make_url(database_url).database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("COMMIT")
        other.close()


async def test_sqlite_locked_by_another_writer_for_a_second_is_waited_out(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with bot_under_test(
        database_url, database_sqlite_busy_timeout=0.2, database_retry_seconds=10
    ) as bot:
        gus = bot.api.person(9303, "Gus")
        await _at_the_note(bot, gus)
        async with _write_lock_held(database_url) as other:
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
        async with _write_lock_held(database_url):
            assert await _send_failing(bot, hal, NOTE) == [APOLOGY]

        assert await snapshot(bot) == before
        assert await _note_stored(bot) is None
