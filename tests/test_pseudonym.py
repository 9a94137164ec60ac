"""A pseudonym is never handed on: not even when SQLite gives a deleted person's id to the next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import load_settings
from bot.db.engine import session_factory
from bot.db.models import Person, PersonStatus
from bot.pseudonym import pseudonym

pytestmark = pytest.mark.each_database

FIRST_WROTE = datetime(2026, 11, 25, 9, 0, 0, 123456, tzinfo=UTC)


def _person(telegram_user_id: int, created_at: datetime) -> Person:
    return Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        status=PersonStatus.ACTIVE,
        missed_in_a_row=0,
        created_at=created_at,
    )


async def test_whoever_enrols_after_a_delete_gets_a_pseudonym_of_their_own(
    engine: AsyncEngine,
) -> None:
    settings = load_settings(admin_pseudonym_secret="a-deployment-secret")
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        session.add(_person(1001, FIRST_WROTE))
        erased = _person(1002, FIRST_WROTE + timedelta(minutes=1))
        session.add(erased)
    async with sessions.begin() as session:
        await session.execute(delete(Person).where(Person.id == erased.id))
    newcomer = _person(1003, FIRST_WROTE + timedelta(days=1))
    async with sessions.begin() as session:
        session.add(newcomer)
    async with sessions() as session:
        stored = await session.get(Person, newcomer.id)
        assert stored is not None
        alias_now = pseudonym(settings, stored.id, stored.created_at)

    if engine.dialect.name == "sqlite":
        assert newcomer.id == erased.id  # SQLite reuses the highest id once it is free
    assert alias_now != pseudonym(settings, erased.id, erased.created_at)
    # What was stored names the person as the live object did: one pseudonym per person.
    assert alias_now == pseudonym(settings, newcomer.id, newcomer.created_at)
