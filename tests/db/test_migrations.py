"""The migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config
from bot.db.models import Base
from tests.conftest import DATABASES, PostgresServer


@pytest.fixture(params=DATABASES)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


def _tables(url: str) -> set[str]:
    async def _read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(_read())


def test_upgrade_downgrade_upgrade_matches_the_models(fresh_database: str) -> None:
    config: Config = alembic_config(fresh_database)
    model_tables = set(Base.metadata.tables)

    command.upgrade(config, "head")
    assert _tables(fresh_database) - {"alembic_version"} == model_tables

    command.downgrade(config, "base")
    assert _tables(fresh_database) - {"alembic_version"} == set()

    command.upgrade(config, "head")
    assert _tables(fresh_database) - {"alembic_version"} == model_tables
    # Raises if autogenerate finds any difference between the models and the migrated schema.
    command.check(config)
