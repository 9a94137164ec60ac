"""The database away while the bot runs: PostgreSQL cut off at the network (a TCP proxy in front
of it drops every connection and refuses new ones), SQLite's write lock held by another
connection, as a long report or another process would hold it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url
from telegram import Update

from bot.fake_telegram.person import Person
from tests.support.harness import BotUnderTest, bot_under_test
from tests.support.tcp_proxy import TcpProxy, tcp_proxy


@asynccontextmanager
async def write_lock_held(database_url: str) -> AsyncIterator[sqlite3.Connection]:
    """Another writer holds SQLite's write lock until the block ends (or it commits). Taken
    in a thread: the bot's writer runs a transaction's statements on the event loop, so a
    lock waited for on the loop while the bot is mid-transaction would never be given."""
    path = make_url(database_url).database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("COMMIT")
        other.close()


@asynccontextmanager
async def proxied_bot(
    postgres_url: str, **overrides: Any
) -> AsyncIterator[tuple[BotUnderTest, TcpProxy]]:
    """The bot on PostgreSQL through a proxy the test can cut."""
    url = make_url(postgres_url)
    assert url.host is not None
    async with tcp_proxy(url.host, url.port or 5432) as proxy:
        proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
        async with bot_under_test(proxied, **overrides) as bot:
            yield bot, proxy


@dataclass
class AwayableDatabase:
    """A bot whose database the test can take away, on either database."""

    bot: BotUnderTest
    database_url: str
    proxy: TcpProxy | None

    def away(self) -> AbstractAsyncContextManager[Any]:
        """The database unreachable (PostgreSQL) or locked (SQLite) until the block ends."""
        if self.proxy is None:
            return write_lock_held(self.database_url)
        return self._cut(self.proxy)

    @staticmethod
    @asynccontextmanager
    async def _cut(proxy: TcpProxy) -> AsyncIterator[None]:
        proxy.cut()
        try:
            yield
        finally:
            proxy.restore()


@asynccontextmanager
async def awayable_database(database_url: str, **overrides: Any) -> AsyncIterator[AwayableDatabase]:
    """The bot on ``database_url`` (with ``overrides``), ready to lose its database."""
    if make_url(database_url).get_backend_name() == "sqlite":
        async with bot_under_test(database_url, **overrides) as bot:
            yield AwayableDatabase(bot, database_url, None)
    else:
        async with proxied_bot(database_url, **overrides) as (bot, proxy):
            yield AwayableDatabase(bot, database_url, proxy)


async def send_failing(bot: BotUnderTest, person: Person, text: str) -> list[str]:
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
