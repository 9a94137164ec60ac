"""SQLite's writing connection: the statements of a write transaction run where their caller is.

aiosqlite runs every call in a thread of its own, and SQLAlchemy's ``sqlite+aiosqlite`` dialect
makes three or four calls a statement (cursor, execute, fetch, close). Each trip to a thread and
back costs thread switches: about 0.2 ms of CPU on a virtual machine, where the SQLite work of a
small statement is a few microseconds. A turn of ten statements spent most of its CPU there,
all of it while holding the write lock, and every trip waited for the event loop's next round,
so under load the lock was held for the loop's time rather than the turn's (BENCHMARKS.md,
"Replies under load").

Inside a transaction begun ``IMMEDIATE`` no statement can wait for a lock: the connection holds
the write lock, and under WAL readers never block it. A statement there is CPU work on pages in
memory, so it runs at once, on the event loop's thread. What can wait runs in the connection's
own thread, and the event loop goes on meanwhile: ``BEGIN`` (for another process's writer, up
to the busy timeout), ``COMMIT`` (which may checkpoint the WAL to disk), and anything outside a
write transaction. One call at a time: while a call is in the thread (a cancelled caller does
not stop it), the next one queues behind it there.

The object has the interface of the aiosqlite connection the dialect drives, and the engine is
given it through ``create_async_engine(async_creator=...)``. Reports keep aiosqlite (a long read
must not hold up the event loop), and so does maintenance outside any transaction: the dialect
switches a connection to autocommit through aiosqlite's own queue.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

T = TypeVar("T")

_BEGINS_WRITING = re.compile(r"\s*BEGIN\s+(IMMEDIATE|EXCLUSIVE)\b", re.IGNORECASE)
_ENDS = re.compile(r"\s*(COMMIT|END)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Outcome:
    description: Any
    rows: list[Any]
    rowcount: int
    lastrowid: int | None


def _execute(sql: str, parameters: Any, connection: sqlite3.Connection) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Outcome(cursor.description, rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


def _execute_many(sql: str, parameters: Iterable[Any], connection: sqlite3.Connection) -> _Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(sql, parameters)
        return _Outcome(None, [], cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


class WriterCursor:
    """A statement's result, fetched whole when it ran."""

    def __init__(self, connection: WriterConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1
        self._rows: list[Any] = []

    async def execute(self, sql: str, parameters: Any = ()) -> WriterCursor:
        self._take(await self._connection.run(sql, lambda db: _execute(sql, parameters, db)))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> WriterCursor:
        self._take(await self._connection.run(sql, lambda db: _execute_many(sql, parameters, db)))
        return self

    def _take(self, outcome: _Outcome) -> None:
        self.description, self._rows = outcome.description, outcome.rows
        self.rowcount, self.lastrowid = outcome.rowcount, outcome.lastrowid

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    async def close(self) -> None:
        self._rows = []


class WriterConnection:
    def __init__(self, connection: sqlite3.Connection, thread: ThreadPoolExecutor) -> None:
        self._sqlite = connection
        self._thread = thread
        self._in_thread: Future[Any] | None = None
        self._holds_write_lock = False
        self._closed = False

    @property
    def isolation_level(self) -> str | None:
        return self._sqlite.isolation_level

    async def run(self, sql: str, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work`` on the connection: at once inside a write transaction, else in the thread."""
        if self._holds_write_lock and not _ENDS.match(sql) and self._idle():
            result = work(self._sqlite)
        else:
            result = await self._run_in_thread(work)
            if _BEGINS_WRITING.match(sql):
                self._holds_write_lock = True
        if not self._sqlite.in_transaction:
            self._holds_write_lock = False
        return result

    def _idle(self) -> bool:
        # The thread's own future: done only once the call has ended, even if its caller was
        # cancelled meanwhile.
        return self._in_thread is None or self._in_thread.done()

    async def _run_in_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self._in_thread = self._thread.submit(work, self._sqlite)
        return await asyncio.wrap_future(self._in_thread)

    async def cursor(self) -> WriterCursor:
        return WriterCursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> WriterCursor:
        return await WriterCursor(self).execute(sql, parameters)

    async def commit(self) -> None:
        try:
            await self._run_in_thread(lambda db: db.commit())
        finally:
            self._holds_write_lock = self._sqlite.in_transaction

    async def rollback(self) -> None:
        # Never waits for a lock: at once, unless a call is still in the thread.
        try:
            if self._idle():
                self._sqlite.rollback()
            else:
                await self._run_in_thread(lambda db: db.rollback())
        finally:
            self._holds_write_lock = False

    async def create_function(self, *arguments: Any, **options: Any) -> None:
        self._sqlite.create_function(*arguments, **options)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._run_in_thread(lambda db: db.close())
        finally:
            self._thread.shutdown(wait=False)

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate): after whatever is in the thread."""
        if self._closed:
            return
        self._closed = True
        self._thread.submit(self._sqlite.close)
        self._thread.shutdown(wait=False)


def connector(url: str) -> Callable[[], Any]:
    """The ``async_creator`` for ``url``'s SQLite file."""
    database = make_url(url).database or ":memory:"

    async def connect() -> WriterConnection:
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        # Used from two threads, never at once (see the module's docstring); SQLAlchemy, not
        # the driver, begins transactions.
        sqlite = await asyncio.get_running_loop().run_in_executor(
            thread,
            lambda: sqlite3.connect(database, isolation_level=None, check_same_thread=False),
        )
        return WriterConnection(sqlite, thread)

    return connect
