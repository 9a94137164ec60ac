"""Shared fixtures: real databases (a SQLite file and a fresh PostgreSQL database) per run.

PostgreSQL runs at 127.0.0.1:5432 (``BACKCHECK_TEST_PG`` overrides the server URL). Each test
run creates its own database and drops it afterwards. Under CI a server that cannot be reached
fails the tests; elsewhere they skip and say why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config
from bot.db.models import Base

PG_SERVER = os.environ.get("BACKCHECK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def async_url(dsn: str, database: str) -> str:
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_SERVER, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class PostgresServer:
    """Creates and drops databases on the test server for this run."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"backcheck_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return async_url(PG_SERVER, name)

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL at {PG_SERVER} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
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


@pytest.fixture(params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite_template: Path
) -> str:
    """A migrated, empty database of each kind: a new SQLite file, or the run's PostgreSQL one."""
    if request.param == "sqlite":
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
