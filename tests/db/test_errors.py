"""Which database errors pass: real errors from both databases, classified."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.db.engine import create_engine
from bot.db.errors import is_transient
from bot.runtime.logs import FORMAT, WithoutMessages


async def _error(url: str, *statements: str, busy_timeout: float = 0.1) -> BaseException:
    """The error the last of ``statements`` raises (each in its own transaction)."""
    engine = create_engine(url, sqlite_busy_timeout=busy_timeout)
    try:
        for statement in statements[:-1]:
            async with engine.begin() as connection:
                await connection.execute(text(statement))
        with pytest.raises(Exception) as raised:  # noqa: PT011 (any error: it is classified)
            async with engine.begin() as connection:
                await connection.execute(text(statements[-1]))
        return raised.value
    finally:
        await engine.dispose()


async def test_sqlite_a_full_disk_passes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'full.db'}"
    error = await _error(
        url,
        "CREATE TABLE notes (note TEXT)",
        # The database may not grow past its present size: the next page cannot be written.
        "PRAGMA max_page_count = 1",
        f"INSERT INTO notes VALUES ('{'x' * 5000}')",
    )
    assert "database or disk is full" in str(error)
    assert is_transient(error)


async def test_sqlite_a_write_lock_held_elsewhere_passes(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "locked.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE notes (note TEXT)")
    other.execute("BEGIN IMMEDIATE")
    try:
        error = await _error(f"sqlite+aiosqlite:///{path}", "INSERT INTO notes VALUES ('x')")
    finally:
        other.execute("COMMIT")
        other.close()
    assert "database is locked" in str(error)
    assert is_transient(error)


async def test_sqlite_a_wrong_statement_does_not_pass(tmp_path: Path) -> None:
    error = await _error(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "SELECT * FROM nowhere")
    assert isinstance(error, DBAPIError)
    assert not is_transient(error)


@pytest.mark.postgres
async def test_postgresql_a_server_that_refuses_connections_passes(postgres_url: str) -> None:
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    assert url != postgres_url
    error = await _error(url, "SELECT 1")
    assert is_transient(error)


@pytest.mark.postgres
async def test_postgresql_a_wrong_statement_or_a_broken_rule_does_not_pass(
    postgres_url: str,
) -> None:
    assert not is_transient(await _error(postgres_url, "SELECT * FROM nowhere"))
    person = "(1, 1, 'active', 0, now())"
    duplicate = await _error(
        postgres_url,
        "INSERT INTO people (telegram_user_id, chat_id, status, missed_in_a_row, created_at) "
        f"VALUES {person}, {person}",
    )
    assert isinstance(duplicate, IntegrityError)
    assert not is_transient(duplicate)


@pytest.mark.each_database
async def test_a_failed_statement_is_logged_without_the_persons_words(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A note is a person's words. SQLAlchemy leaves the parameters out of its error's text
    (``hide_parameters``); PostgreSQL's driver still quotes the value in its own message, so the
    process's log formatter keeps an exception's type and frames, never its message."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE private_notes (id INTEGER PRIMARY KEY)"))
        with pytest.raises(DBAPIError) as raised:
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO private_notes (id) VALUES (:id)"),
                    {"id": "my neighbour Margaret helped me lift"},
                )
        assert "SQL parameters hidden due to hide_parameters=True" in str(raised.value)
        with caplog.at_level(logging.ERROR):
            logging.getLogger("bot.test").error("update 1 failed", exc_info=raised.value)
        [record] = caplog.records
        logged = WithoutMessages(FORMAT).format(record)
        assert type(raised.value).__qualname__ in logged
        assert "Margaret" not in logged
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS private_notes"))
        await engine.dispose()
