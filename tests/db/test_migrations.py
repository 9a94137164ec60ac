"""The migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config
from bot.db.models import Base
from tests.support.databases import DATABASES, PostgresServer


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


def _execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Run ``statements`` in one transaction; the rows of the last one."""

    async def _run() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(text(statement))
            rows = [tuple(row) for row in result] if result.returns_rows else []
        await engine.dispose()
        return rows

    return asyncio.run(_run())


def test_people_halfway_through_settings_move_to_the_settings_steps(fresh_database: str) -> None:
    config = alembic_config(fresh_database)
    command.upgrade(config, "0005")
    people = ", ".join(
        f"({n}, {n}, {n}, 'en', 'active', 0, '2026-11-20 09:00:00')" for n in (1, 2, 3)
    )
    _execute(
        fresh_database,
        "INSERT INTO people (id, telegram_user_id, chat_id, language, status, missed_in_a_row, "
        f"created_at) VALUES {people}",
        "INSERT INTO conversations (person_id, step, answers, question_number, updated_at) VALUES "
        """(1, 'zone_pick', '{"flow": "settings", "zone_matches": [["America/Chicago", "X"]]}', """
        "4, '2026-11-20 09:00:00'), "
        """(2, 'checkin_time', '{"flow": "enrol", "pain": 6}', 9, '2026-11-20 09:00:00'), """
        """(3, 'checkin_time', '{"flow": "settings"}', 2, '2026-11-20 09:00:00')""",
    )
    command.upgrade(config, "0006")
    steps = _execute(fresh_database, "SELECT person_id, step FROM conversations ORDER BY 1")
    assert steps == [(1, "settings_zone_pick"), (2, "checkin_time"), (3, "settings_time")]

    command.downgrade(config, "0005")
    rows = _execute(fresh_database, "SELECT person_id, step, answers FROM conversations ORDER BY 1")
    flows = [
        (person, step, (json.loads(a) if isinstance(a, str) else a)["flow"])
        for person, step, a in rows
    ]
    assert flows == [
        (1, "zone_pick", "settings"),
        (2, "checkin_time", "enrol"),
        (3, "checkin_time", "settings"),
    ]
