"""SQLite in one process: writers take turns on one connection, first come first served, and a
report reads beside them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.engine import create_engine, reading, session_factory
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
