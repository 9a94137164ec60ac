"""Shared fixtures: real databases (a SQLite file per test, a fresh PostgreSQL database per run),
the bot under test, and the loopback-only guard every test runs under.

PostgreSQL runs at 127.0.0.1:5432 (``BACKCHECK_TEST_PG`` overrides the server URL). Each test
run creates its own database and drops it afterwards. Under CI a server that cannot be reached
fails the tests; elsewhere they skip and say why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config
from bot.db.models import Base
from tests.support.databases import DATABASES, PostgresServer, reachable
from tests.support.harness import BotUnderTest, bot_under_test

pytest_plugins = ["tests.support.network"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.each_database``: every test that uses a database runs on both."""
    if metafunc.definition.get_closest_marker("each_database") and (
        "database_url" in metafunc.fixturenames
    ):
        metafunc.parametrize("database_url", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    unreachable = reachable()
    if unreachable is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(unreachable)
        pytest.skip(unreachable)
    server = PostgresServer()
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> str:
    url = postgres_server.create_database()
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{path}"), "head")
    return path


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path
) -> str:
    """A migrated, empty database: a new SQLite file, or under ``each_database`` also the
    run's PostgreSQL one."""
    if getattr(request, "param", "sqlite") == "sqlite":
        path = tmp_path / "backcheck.db"
        shutil.copyfile(migrated_sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def postgres_url(migrated_postgres: str) -> str:
    """The run's PostgreSQL database, emptied for this test."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)

    async def _truncate() -> None:
        engine = create_engine(migrated_postgres)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(_truncate())
    return migrated_postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotUnderTest]:
    """The real Application on ``database_url``, talking HTTP to a fake Telegram."""
    async with bot_under_test(database_url) as under_test:
        yield under_test
