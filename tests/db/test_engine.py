"""SQLite in one process: writers take turns on one connection, first come first served, and a
report reads beside them."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.engine import OWNER_ONLY, create_engine, reading, session_factory
from bot.db.errors import is_transient


async def test_writers_wait_in_the_order_they_came_and_none_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    sessions = session_factory(engine)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE turns (n INTEGER)"))
        holding = asyncio.Event()
        release = asyncio.Event()

        async def first() -> None:
            async with sessions.begin() as session:
                await session.execute(text("INSERT INTO turns VALUES (0)"))
                holding.set()
                await release.wait()

        async def writer(n: int) -> None:
            async with sessions.begin() as session:
                await session.execute(text("INSERT INTO turns VALUES (:n)"), {"n": n})

        held = asyncio.create_task(first())
        await holding.wait()
        writers = []
        for n in range(1, 41):
            writers.append(asyncio.create_task(writer(n)))
            await asyncio.sleep(0)  # each asks for the connection before the next
        # A report reads meanwhile, from its own connection, without waiting for the writers.
        async with reading(sessions) as report:
            seen = (await report.execute(text("SELECT count(*) FROM turns"))).scalar_one()
        assert seen == 0
        release.set()
        await asyncio.gather(held, *writers)
        async with sessions() as session:
            order = (await session.execute(text("SELECT n FROM turns ORDER BY rowid"))).scalars()
            assert list(order) == list(range(41))
    finally:
        await engine.dispose()


async def test_a_writer_that_waits_past_the_busy_timeout_is_told_to_try_again(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}", sqlite_busy_timeout=0.2)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as holder:
            await holder.execute(text("CREATE TABLE t (n INTEGER)"))
            with pytest.raises(Exception) as raised:  # noqa: PT011 (any error: it is classified)
                async with sessions.begin() as waiter:
                    await waiter.execute(text("INSERT INTO t VALUES (1)"))
        assert is_transient(raised.value)
    finally:
        await engine.dispose()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask most systems default to, under which new files are readable by anyone."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
async def test_the_database_and_its_wal_and_shm_are_the_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "backcheck.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (note TEXT)"))
            await connection.execute(text("INSERT INTO notes VALUES ('private')"))
        async with engine.connect() as connection:  # WAL and shared memory exist while open
            await connection.execute(text("SELECT * FROM notes"))
            files = [path, path.with_name("backcheck.db-wal"), path.with_name("backcheck.db-shm")]
            assert all(file.exists() for file in files)
            assert [_mode(file) for file in files] == [OWNER_ONLY] * 3
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("open_umask")
async def test_files_left_readable_by_an_earlier_run_are_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    for name in ("old.db", "old.db-wal", "old.db-shm"):
        (tmp_path / name).touch(mode=0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert [_mode(tmp_path / name) for name in ("old.db", "old.db-wal", "old.db-shm")] == [
        OWNER_ONLY
    ] * 3
