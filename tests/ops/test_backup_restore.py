"""Back up, lose the data, restore, and the bot carries on, with the commands docs/operations.md
gives operators.

A person enrols and answers a check-in; the database is backed up while the bot runs; then the
data is destroyed (the SQLite file deleted, PostgreSQL's tables truncated); the backup is
restored and a new bot process starts on it. The answered check-in is there, the due queue
still owes the next one, and the person carries on from its first question. SQLite is backed up
as the guide says, with the ``sqlite3`` program and with Python's backup API, safe in WAL mode
while the bot writes; PostgreSQL with ``pg_dump -Fc`` and ``pg_restore --clean --if-exists``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.db.engine import create_engine
from bot.db.migrate import upgrade_to_head
from bot.db.models import Base, CheckIn, CheckInStatus, Person
from bot.texts import ENGLISH
from tests.support.enrol import enrol
from tests.support.harness import START, bot_under_test

USER_ID = 3030
NOTE = "Walked to the shop"
DAY_TWO_PROMPT = START + timedelta(days=2) - timedelta(minutes=30)
"""09:30 London on day 2: the 09:00 check-in is due, the 10:00 switch to heat is not yet."""
PG_TOOLS_TIMEOUT = 120


async def answer_a_checkin_then(database_url: str, back_up: Callable[[], Awaitable[None]]) -> None:
    """A person enrols and answers day 1's check-in; ``back_up`` runs while the bot is live."""
    async with bot_under_test(database_url) as bot:
        ivy = bot.api.person(USER_ID, "Ivy")
        await enrol(bot, ivy)
        bot.clock.advance(timedelta(days=1))
        await bot.command(ivy, "checkin")
        await bot.tap(ivy, "5")
        await bot.tap(ivy, "No")
        await bot.tap(ivy, "Yes")
        closing_reply = await bot.send(ivy, NOTE)
        assert "1 point better than when you started" in (closing_reply[-1].text or "")
        await back_up()


async def carries_on(database_url: str) -> None:
    """A new process on the restored database: the check-in is there and day 2's is asked."""
    await asyncio.to_thread(upgrade_to_head, database_url)  # as every process does at start
    async with bot_under_test(database_url) as bot:
        async with bot.sessions() as session:
            answered = (
                await session.scalars(
                    select(CheckIn).where(CheckIn.status == CheckInStatus.ANSWERED)
                )
            ).all()
        assert [(c.day, c.pain, c.walked, c.note) for c in answered] == [(1, 5, True, NOTE)]

        ivy = bot.api.person(USER_ID, "Ivy")
        await bot.tick_at(DAY_TWO_PROMPT)
        await bot.sender.idle()
        prompts = [message.text or "" for message in ivy.messages]
        assert prompts == [ENGLISH.CHECKIN_PAIN.format(day=2)], "only day 2's check-in is owed"

        replies = await bot.tap(ivy, "4")
        assert (replies[-1].text or "").startswith(ENGLISH.CHECKIN_NEW.splitlines()[0])


async def people(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(Person)) or 0)
    finally:
        await engine.dispose()


# SQLite


def back_up_with_python(database: Path, backup: Path) -> None:
    """The guide's Python snippet: SQLite's online backup into a file made 0600 first."""
    os.close(os.open(backup, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(backup)) as target:
        source.backup(target)


def back_up_with_the_sqlite3_program(database: Path, backup: Path) -> None:
    """The guide's command, under the umask it gives."""
    subprocess.run(
        ["sh", "-c", f"umask 077 && sqlite3 '{database}' \".backup '{backup}'\""],
        check=True,
        timeout=60,
    )


SQLITE_BACKUPS = {
    "python": back_up_with_python,
    "sqlite3": pytest.param(
        back_up_with_the_sqlite3_program,
        marks=pytest.mark.skipif(
            shutil.which("sqlite3") is None, reason="the sqlite3 program is not installed"
        ),
    ),
}


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.mark.parametrize("back_up", list(SQLITE_BACKUPS.values()), ids=list(SQLITE_BACKUPS))
async def test_sqlite_backed_up_while_running_restores_and_carries_on(
    database_url: str, tmp_path: Path, back_up: Callable[[Path, Path], None]
) -> None:
    database = Path(str(make_url(database_url).database))
    backup = tmp_path / "backups" / "backcheck-backup.db"
    backup.parent.mkdir(mode=0o700)

    await answer_a_checkin_then(database_url, lambda: asyncio.to_thread(back_up, database, backup))
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600, "a backup holds health data"
    assert await asyncio.to_thread(integrity, backup) == "ok"

    companions = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]
    for path in companions:
        path.unlink(missing_ok=True)  # the disk is lost
    assert not any(path.exists() for path in companions)

    await asyncio.to_thread(shutil.copyfile, backup, database)
    await asyncio.to_thread(database.chmod, 0o600)
    await carries_on(database_url)


# PostgreSQL


def libpq_url(database_url: str) -> str:
    """pg_dump and pg_restore take a libpq URL, not SQLAlchemy's driver form."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(*arguments: str) -> None:
    subprocess.run(
        arguments,
        check=True,
        timeout=PG_TOOLS_TIMEOUT,
        capture_output=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )


async def destroy_the_data(database_url: str) -> None:
    """Every row gone, as after a mistaken TRUNCATE: the schema stays."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump and pg_restore are not installed",
)
async def test_postgresql_dumped_while_running_restores_and_carries_on(
    postgres_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "backcheck.dump"
    await answer_a_checkin_then(
        postgres_url,
        lambda: asyncio.to_thread(
            pg_tool, "pg_dump", "-Fc", f"--dbname={libpq_url(postgres_url)}", f"--file={dump}"
        ),
    )
    assert dump.stat().st_size > 0

    await destroy_the_data(postgres_url)
    assert await people(postgres_url) == 0

    # All or nothing (--single-transaction): a failed restore leaves the emptied tables as
    # they were, never half of them dropped.
    await asyncio.to_thread(
        pg_tool,
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={libpq_url(postgres_url)}",
        str(dump),
    )
    assert await people(postgres_url) == 1
    await carries_on(postgres_url)
