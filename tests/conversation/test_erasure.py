"""/delete erases: the rows, and on SQLite the bytes in every file of the database; PostgreSQL
vacuums the tables the rows were in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

NOTE = "zebra-quartz-8812 saw Dr Okonkwo"


def _sqlite_bytes(database: str) -> bytes:
    path = Path(database)
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
    return b"".join(file.read_bytes() for file in files if file.exists())


async def test_delete_leaves_no_trace_of_a_note(bot: BotUnderTest) -> None:
    uma = bot.api.person(7301, "Uma")
    await enrol(bot, uma)
    bot.clock.advance(timedelta(days=1))
    await bot.command(uma, "checkin")
    for label in ("4", "No", "Yes"):
        await bot.tap(uma, label)
    await bot.send(uma, NOTE)
    url = make_url(bot.settings.database.url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        assert NOTE.encode() in _sqlite_bytes(str(url.database))  # the scan can see it

    await bot.command(uma, "delete")
    replies = await bot.tap(uma, "Yes, erase everything")
    assert "everything about you is erased" in (replies[-1].text or "")

    if sqlite:
        assert NOTE.encode() not in _sqlite_bytes(str(url.database))
        assert b"Okonkwo" not in _sqlite_bytes(str(url.database))
        return
    async with bot.sessions() as session:
        vacuumed = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_user_tables "
                "WHERE relname = 'check_ins' AND last_vacuum IS NOT NULL"
            )
        )
    assert vacuumed == 1
