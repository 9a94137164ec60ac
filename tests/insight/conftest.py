"""The stored history of ``history.py`` on each database, and deployment settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import Settings, load_settings
from bot.db.engine import session_factory
from tests.support.clinic import store_history


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        database_url=database_url,
        admin_pseudonym_secret="insight-test-secret",
        default_timezone="America/New_York",
    )


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session over the stored history."""
    sessions = session_factory(engine)
    async with sessions.begin() as writing:
        await store_history(writing)
    async with sessions() as reading:
        yield reading


@pytest.fixture
async def empty_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as reading:
        yield reading
