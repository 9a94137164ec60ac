"""Every row of every table, to prove that bad input changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.models import Base
from tests.e2e.harness import BotUnderTest


async def snapshot(bot: BotUnderTest) -> dict[str, list[tuple[Any, ...]]]:
    async with bot.sessions() as session:
        tables = {}
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
        return tables
