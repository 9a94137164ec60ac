"""SQLite's writing connection: a transaction's statements run at once on the event loop's
thread; what can wait for a lock (BEGIN, anything outside a write transaction) never holds the
event loop up."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, read_only_connection, session_factory


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "writer.db"


@pytest.fixture
async def engine(path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}", sqlite_busy_timeout=2.0)

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_function(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("thread_ident", 0, threading.get_ident)

    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def other_process(path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's connection to the same file (``worker`` beside ``run``, a CLI)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    yield connection
    connection.close()


async def write_note(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    async with sessions.begin() as session:
        await session.execute(text("INSERT INTO notes VALUES (:n)"), {"n": n})


async def note_behind_the_other_process(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    other_process: sqlite3.Connection,
) -> asyncio.Task[None]:
    """The other process holds the write lock, and a note is being written here: returned
    once its BEGIN IMMEDIATE has been asked (and is waiting for that lock)."""
    other_process.execute("BEGIN IMMEDIATE")
    asked = asyncio.Event()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _seen(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            asked.set()

    writing = asyncio.create_task(write_note(sessions, 1))
    await asked.wait()
    return writing


async def test_a_write_transaction_runs_its_statements_without_giving_the_loop_a_turn(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rounds = 0

    async def counting() -> None:
        nonlocal rounds
        while True:
            rounds += 1
            await asyncio.sleep(0)

    counter = asyncio.create_task(counting())
    try:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))  # the lock is taken by now
            before = rounds
            for n in range(10):
                await session.execute(text("INSERT INTO notes VALUES (:n)"), {"n": n})
            seen = (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one()
            during = rounds - before
            on = (await session.execute(text("SELECT thread_ident()"))).scalar_one()
    finally:
        counter.cancel()
    assert seen == 10
    assert during == 0  # the lock was held for the transaction's own work only
    assert on == threading.get_ident()
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM notes"))).scalar_one() == 10


async def test_outside_a_write_transaction_statements_run_in_the_connections_thread(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        connection = await read_only_connection(session)  # BEGIN DEFERRED: no write lock
        on = (await connection.execute(text("SELECT thread_ident()"))).scalar_one()
    assert on != threading.get_ident()


async def test_waiting_for_another_process_s_write_lock_leaves_the_loop_free(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    other_process: sqlite3.Connection,
) -> None:
    writing = await note_behind_the_other_process(engine, sessions, other_process)
    # The other process lets go only when this event loop tells it to: were BEGIN waiting on
    # the loop's thread, this would never run and the write would fail at the busy timeout.
    await asyncio.sleep(0)
    other_process.execute("COMMIT")
    await writing
    assert other_process.execute("SELECT n FROM notes").fetchall() == [(1,)]


async def test_a_writer_cancelled_while_waiting_for_the_lock_leaves_the_connection_usable(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    other_process: sqlite3.Connection,
) -> None:
    cancelled = await note_behind_the_other_process(engine, sessions, other_process)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    other_process.execute("COMMIT")
    await write_note(sessions, 2)
    assert other_process.execute("SELECT n FROM notes").fetchall() == [(2,)]


async def test_an_error_inside_a_write_transaction_rolls_all_of_it_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO notes VALUES (1)"))
            await session.execute(text("INSERT INTO notes VALUES (1)"))
    async with sessions.begin() as session:
        await session.execute(text("INSERT INTO notes VALUES (2)"))
    async with sessions() as session:
        kept = (await session.execute(text("SELECT n FROM notes"))).scalars().all()
    assert kept == [2]
