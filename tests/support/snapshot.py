"""Every row of every table, to prove that bad input changed nothing, or that an erasure erased.

The outbox is left out of the snapshot: it holds the bot's answer to the bad input itself (the
tests check that answer), not anything about the person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.db.models import Base, OutboxMessage
from tests.support.harness import BotUnderTest


async def snapshot(bot: BotUnderTest) -> dict[str, list[tuple[Any, ...]]]:
    async with bot.sessions() as session:
        tables = {}
        for table in Base.metadata.sorted_tables:
            if table.name == OutboxMessage.__tablename__:
                continue
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
        return tables


async def rows_in_every_table(bot: BotUnderTest) -> dict[str, int]:
    """How many rows each table holds, the outbox aside (see the module's docstring)."""
    async with bot.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name != OutboxMessage.__tablename__
        }
