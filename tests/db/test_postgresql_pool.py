"""PostgreSQL: a fixed set of connections, opened once and reused, and a server restart costs
one failed try (which the turn's retry absorbs), not one per dead connection."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, session_factory
from bot.db.errors import is_transient

pytestmark = pytest.mark.postgres


async def _backend(sessions: async_sessionmaker[AsyncSession], hold: float = 0.0) -> int:
    """The server process of the connection a transaction ran on."""
    async with sessions() as session, session.begin():
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        if hold:
            await session.execute(text(f"SELECT pg_sleep({hold})"))
        assert isinstance(pid, int)
        return pid


async def test_turns_share_the_pools_connections_instead_of_opening_new_ones(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, pool_size=3)
    sessions = session_factory(engine)
    try:
        # Ten turns at once, three times over: more than the pool holds, so some wait.
        backends: set[int] = set()
        for _ in range(3):
            backends |= set(
                await asyncio.gather(*(_backend(sessions, hold=0.05) for _ in range(10)))
            )
        assert len(backends) == 3
    finally:
        await engine.dispose()


async def test_after_a_server_restart_one_try_fails_and_the_next_finds_fresh_connections(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, pool_size=3)
    sessions = session_factory(engine)
    try:
        before = set(await asyncio.gather(*(_backend(sessions, hold=0.05) for _ in range(3))))
        assert len(before) == 3
        admin = create_engine(postgres_url)
        try:
            async with admin.begin() as connection:  # what a restart does to every connection
                await connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) pid"),
                    {"pids": sorted(before)},
                )
        finally:
            await admin.dispose()

        with pytest.raises(DBAPIError) as failed:
            await _backend(sessions)
        assert is_transient(failed.value)

        after = set(await asyncio.gather(*(_backend(sessions, hold=0.05) for _ in range(3))))
        assert len(after) == 3
        assert not after & before
    finally:
        await engine.dispose()
