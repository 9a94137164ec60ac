"""The test databases: a SQLite file per test, and a PostgreSQL database per run.

Most tests run on SQLite only. Those whose SQL differs between the databases (the queue's
claims and leases, locks, the batch path, stats, export, migrations) run on both: marked
``@pytest.mark.each_database``, each of their tests that uses a database (the ``database_url``,
``engine`` or ``bot`` fixture) runs once on each.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest

PG_SERVER = os.environ.get("BACKCHECK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
"""The PostgreSQL server the tests create their database on (trust authentication)."""
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


def reachable() -> str | None:
    """None if the server answers, else why not."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {PG_SERVER} is not reachable: {error}"
    return None


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
