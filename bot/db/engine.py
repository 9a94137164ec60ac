"""Engines and sessions for both supported databases.

SQLite is the embedded default and allows one writer at a time: every transaction starts with
``BEGIN IMMEDIATE`` so two workers never both read a person's state and then both write it
(a deferred transaction would fail with "database is locked" at its first write instead of
waiting). WAL lets readers carry on while one writes, and foreign keys must be switched on per
connection or ``ON DELETE CASCADE`` silently does nothing.

Reports that read for seconds (an operator's stats or export) run in :func:`reading` sessions:
on SQLite their transaction begins deferred, so under WAL they never hold the writers' lock
and a check-in answered meanwhile is saved at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_READ_ONLY = "backcheck_read_only"


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` with the per-database settings BackCheck relies on."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so a reply can be rendered from them."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reports: it only reads, and on SQLite it leaves the write lock free."""
    async with sessions() as session:
        await session.connection(execution_options={_READ_ONLY: True})
        yield session
        await session.rollback()
