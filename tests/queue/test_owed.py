"""``queue.owe`` on both databases: each key owed once, a cancelled one owed again.

PostgreSQL writes a whole call in one statement and SQLite one row per execution; both must
leave the same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.models import DueKind, DueMessage, DueStatus, Person, PersonStatus
from bot.queue.owed import ClaimLost, Owed, claim, fail, owe, settle

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def _person_id(engine: AsyncEngine) -> int:
    async with session_factory(engine).begin() as session:
        person = Person(
            telegram_user_id=1001,
            chat_id=1001,
            language="en",
            timezone="Europe/London",
            checkin_time=time(9, 0),
            status=PersonStatus.ACTIVE,
            missed_in_a_row=0,
            created_at=NOW,
        )
        session.add(person)
        await session.flush()
        return person.id


async def _rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(
                DueMessage.kind,
                DueMessage.slot,
                DueMessage.status,
                DueMessage.due_at,
                DueMessage.payload,
            ).order_by(DueMessage.kind, DueMessage.slot)
        )
        return [tuple(row) for row in rows]


async def test_a_key_is_owed_once_and_the_first_of_duplicates_wins(engine: AsyncEngine) -> None:
    person_id = await _person_id(engine)
    later = NOW + timedelta(days=1)
    async with session_factory(engine).begin() as session:
        await owe(
            session,
            [
                Owed(person_id, DueKind.TIP, "tip-1", NOW, {"number": 1}),
                Owed(person_id, DueKind.TIP, "tip-1", later, {"number": 9}),
                Owed(person_id, DueKind.CHECKIN, "2026-11-26", later),
            ],
            NOW,
        )
    async with session_factory(engine).begin() as session:
        await owe(session, [Owed(person_id, DueKind.TIP, "tip-1", later, {"number": 2})], NOW)
    assert await _rows(engine) == [
        (DueKind.CHECKIN, "2026-11-26", DueStatus.PENDING, later, {}),
        (DueKind.TIP, "tip-1", DueStatus.PENDING, NOW, {"number": 1}),
    ]


async def test_a_cancelled_key_is_owed_again_at_the_new_time(engine: AsyncEngine) -> None:
    person_id = await _person_id(engine)
    later = NOW + timedelta(days=1)
    async with session_factory(engine).begin() as session:
        await owe(session, [Owed(person_id, DueKind.CHECKIN, "2026-11-26", NOW)], NOW)
        await session.execute(update(DueMessage).values(status=DueStatus.CANCELLED, attempts=3))
    async with session_factory(engine).begin() as session:
        await owe(session, [Owed(person_id, DueKind.CHECKIN, "2026-11-26", later)], NOW)
    assert await _rows(engine) == [(DueKind.CHECKIN, "2026-11-26", DueStatus.PENDING, later, {})]
    async with session_factory(engine)() as session:  # never counted again from 0 (settle)
        assert await session.scalar(select(DueMessage.attempts)) == 3


async def test_a_row_claimed_again_since_is_neither_settled_nor_given_up_by_its_first_claim(
    engine: AsyncEngine,
) -> None:
    """A worker whose lease ran out while it decided a row must not commit what it decided:
    another worker has claimed the row since, and will say it once."""
    person_id = await _person_id(engine)
    async with session_factory(engine).begin() as session:
        await owe(session, [Owed(person_id, DueKind.CHECKIN, "2026-11-25", NOW)], NOW)
    lease = timedelta(seconds=30)
    async with session_factory(engine).begin() as session:
        [slow] = await claim(session, NOW, 10, lease)
    later = NOW + lease + timedelta(seconds=1)
    async with session_factory(engine).begin() as session:
        [quick] = await claim(session, later, 10, lease)
    assert (quick.id, quick.attempts) == (slow.id, slow.attempts + 1)

    with pytest.raises(ClaimLost):
        async with session_factory(engine).begin() as session:
            await settle(session, [slow], DueStatus.SENT, later)
    async with session_factory(engine).begin() as session:
        await fail(session, [(slow, "a bug")])
    assert [row[2] for row in await _rows(engine)] == [DueStatus.CLAIMED]

    async with session_factory(engine).begin() as session:
        await settle(session, [quick], DueStatus.SENT, later)
    assert [row[2] for row in await _rows(engine)] == [DueStatus.SENT]
