"""Engines and sessions for both supported databases.

SQLite is the embedded default and allows one writer at a time: every transaction starts with
``BEGIN IMMEDIATE`` so two workers never both read a person's state and then both write it
(a deferred transaction would fail with "database is locked" at its first write instead of
waiting). WAL lets readers carry on while one writes, and foreign keys must be switched on per
connection or ``ON DELETE CASCADE`` silently does nothing.

Within one process, SQLite's writers queue for the process's one connection (first come,
first served, while the event loop goes on) rather than in SQLite's busy handler, which sleeps
and polls: a writer that has waited longest could lose the lock again and again to newcomers,
and under load a reply waited tens of seconds behind later ones (BENCHMARKS.md, "Replies under
load"). The busy handler still arbitrates between processes (``run`` beside a ``worker``).
Once a transaction holds the lock, its statements run at once on the event loop's thread
(:mod:`bot.db.sqlite_writer`), so the lock is held for the transaction's own work only.

Reports that read for seconds (an operator's stats or export) run in :func:`reading` sessions:
on SQLite they get a connection of their own whose transaction begins deferred, so under WAL
they never hold the writers' lock or their connection, and a check-in answered meanwhile is
saved at once.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, NullPool, Result, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db import sqlite_writer

SQLITE_BUSY_TIMEOUT = 5.0
"""Seconds a SQLite write waits for another writer (``DATABASE_SQLITE_BUSY_TIMEOUT``)."""
POOL_SIZE = 10
"""PostgreSQL connections a process keeps open (``DATABASE_POOL_SIZE``)."""
READ_ONLY = "backcheck_read_only"
"""An execution option for long reads (stats, exports): on SQLite their transaction begins
DEFERRED, so a read of a million rows does not hold the write lock while it runs."""
# (Every other transaction begins IMMEDIATE: see the module's docstring.)

OWNER_ONLY = 0o600
"""The mode of every file holding people's data: the database, its -wal and -shm, exports."""
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")

_sqlite_readers: WeakKeyDictionary[Engine, AsyncEngine] = WeakKeyDictionary()
"""Each SQLite engine's engine for reports: a fresh connection per report, closed after it."""


def _configure_sqlite(engine: AsyncEngine, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        # (The writer's connection is opened that way.)
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked (some builds default to
        # it, others do not): erasure must not depend on how SQLite was compiled.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # maintenance outside any transaction (erase_traces' checkpoint)
        if options.get(READ_ONLY):
            # A read in WAL mode sees one snapshot and takes no lock a writer waits for.
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(
    url: str,
    *,
    sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT,
    pool_size: int = POOL_SIZE,
    **options: Any,
) -> AsyncEngine:
    """An async engine for ``url`` with the per-database settings BackCheck relies on."""
    # Parameters are people's answers and notes: never in an error's text or a log line.
    options.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() != "sqlite":
        # A fixed set of connections, each opened once: an overflow connection would be closed
        # when given back, and opening one (and asyncpg's look-up of the JSON types) costs more
        # than the turn it serves. No ping before each use either, a round trip per turn:
        # a connection found dead fails its transaction, SQLAlchemy then drops every pooled
        # connection, and the turn is tried again (DATABASE_RETRY_SECONDS) on a fresh one.
        return create_async_engine(url, pool_size=pool_size, max_overflow=0, **options)
    _owner_only(make_url(url).database)
    # One connection, so the process's writers wait in turn (see the module's docstring); a
    # writer that waits longer than the busy timeout fails as it would in SQLite's own wait.
    # Its transactions run their statements on the event loop's thread (bot.db.sqlite_writer).
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=sqlite_busy_timeout,
        async_creator=sqlite_writer.connector(url),
        **options,
    )
    _configure_sqlite(engine, sqlite_busy_timeout)
    reader = create_async_engine(url, poolclass=NullPool, **options)
    _configure_sqlite(reader, sqlite_busy_timeout)
    _sqlite_readers[engine.sync_engine] = reader
    return engine


def _owner_only(database: str | None) -> None:
    """Make the SQLite file readable by the bot's own user alone, whatever the umask: SQLite
    gives the -wal and -shm files it creates the mode of the database file, so the file is made
    (or narrowed to) 0600 before SQLite first opens it, and companions left by an earlier run
    are narrowed too."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, OWNER_ONLY))
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(OWNER_ONLY)


ERASED_TABLES = (
    "people",
    "episodes",
    "check_ins",
    "escalations",
    "conversations",
    "due_messages",
    "outbox",
)
"""Where a person's rows live: the tables their erasure deletes from."""


async def erase_traces(sessions: async_sessionmaker[AsyncSession]) -> None:
    """After a person's rows are deleted and committed, make the bytes go too, where the
    database allows: SQLite copies the zeroed pages (``secure_delete``) into the file and
    empties the WAL, which still held the old pages; PostgreSQL vacuums the tables the rows
    were in, so their space is reused (what stays until then is in the README)."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        return
    # Outside any transaction; on SQLite on a connection of its own, closed after (the
    # process's writing connection keeps its settings).
    async with _sqlite_readers.get(engine.sync_engine, engine).connect() as connection:
        outside = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if engine.dialect.name == "sqlite":
            await outside.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            await outside.exec_driver_sql(f"VACUUM (SKIP_LOCKED) {', '.join(ERASED_TABLES)}")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so a reply can be rendered from them."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def read_only_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection for a long read: one snapshot for all its statements.

    SQLite: a DEFERRED transaction (:data:`READ_ONLY`), which takes no write lock. PostgreSQL:
    REPEATABLE READ, READ ONLY. Only a session with no transaction yet can begin one that way;
    a session already in a transaction keeps it.
    """
    if session.in_transaction():
        return await session.connection()
    options: dict[str, Any] = {READ_ONLY: True}
    if session.get_bind().dialect.name == "postgresql":
        options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return await session.connection(execution_options=options)


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reports: one read-only snapshot that leaves SQLite's write lock free."""
    bind = sessions.kw.get("bind")
    reader = _sqlite_readers.get(bind.sync_engine) if isinstance(bind, AsyncEngine) else None
    async with sessions() if reader is None else sessions(bind=reader) as session:
        await read_only_connection(session)
        yield session
        await session.rollback()


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed. Both drivers report it (asyncpg from the
    command's status, SQLite from the cursor); the typed ``Result`` does not declare it."""
    return int(getattr(result, "rowcount", 0) or 0)
