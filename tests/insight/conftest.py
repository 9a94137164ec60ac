"""The stored histories (a clinic's, one person's episode) on each database, and deployment
settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import Settings, load_settings
from bot.db.engine import session_factory
from bot.db.models import Episode
from bot.insight.doctor_summary import EnrolmentFacts
from bot.insight.history import PainHistory, load_pain_history
from tests.support.clinic import store_history
from tests.support.episode import NOW, seed_episode


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
async def stored(engine: AsyncEngine) -> tuple[PainHistory, EnrolmentFacts]:
    """One person's seeded episode (``tests/support/episode.py``) as the summary reads it."""
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        person, episode = await seed_episode(session)
    async with sessions() as session:
        loaded = await session.scalar(select(Episode).where(Episode.id == episode.id))
        assert loaded is not None
        return await load_pain_history(session, person, loaded, NOW), EnrolmentFacts.of(loaded)


@pytest.fixture
async def empty_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as reading:
        yield reading
