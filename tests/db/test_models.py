"""What the database itself guarantees: UTC times, cascades, the queue's unique key, pragmas."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine, session_factory
from bot.db.models import (
    Base,
    CheckIn,
    CheckInStatus,
    Conversation,
    DueKind,
    DueMessage,
    DueStatus,
    Episode,
    EpisodeStatus,
    Escalation,
    Person,
    PersonStatus,
)

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def _person(telegram_user_id: int = 1001) -> Person:
    return Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        language="en",
        timezone="Europe/London",
        checkin_time=time(9, 0),
        status=PersonStatus.ACTIVE,
        missed_in_a_row=0,
        created_at=NOW,
    )


def _episode(person: Person) -> Episode:
    return Episode(
        person=person,
        onset_at=NOW - timedelta(hours=5),
        mechanism="lifting",
        activity="limited",
        severity="moderate",
        baseline_pain=6,
        protocol="seed",
        first_episode=True,
        enrolment_red_flags=[],
        milestones_done=[],
        status=EpisodeStatus.ACTIVE,
        started_at=NOW,
    )


def _due(person_id: int, slot: str = "2026-03-29") -> DueMessage:
    return DueMessage(
        person_id=person_id,
        kind=DueKind.CHECKIN,
        slot=slot,
        due_at=NOW,
        priority=1,
        status=DueStatus.PENDING,
        attempts=0,
        payload={},
        created_at=NOW,
    )


async def test_times_come_back_as_the_same_utc_instant(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    in_new_york = datetime(2026, 3, 28, 20, 30, tzinfo=timezone(timedelta(hours=-4)))
    async with sessions.begin() as session:
        person = _person()
        person.consent_at = in_new_york
        session.add(person)
    async with sessions() as session:
        stored = await session.scalar(select(Person.consent_at))
    assert stored == in_new_york
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    with pytest.raises(Exception, match="naive"):
        async with sessions.begin() as session:
            person = _person()
            person.created_at = datetime(2026, 3, 29, 9, 0)
            session.add(person)


async def test_deleting_a_person_leaves_no_row_about_them(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        person, other = _person(1001), _person(2002)
        episode = _episode(person)
        session.add_all([person, other, episode, _episode(other)])
        await session.flush()
        check_in = CheckIn(
            episode_id=episode.id,
            person_id=person.id,
            slot="2026-03-29",
            day=0,
            status=CheckInStatus.ANSWERED,
            pain=6,
            red_flags=["RF-FEVER"],
        )
        session.add(check_in)
        await session.flush()
        session.add_all(
            [
                Escalation(
                    person_id=person.id,
                    episode_id=episode.id,
                    check_in_id=check_in.id,
                    rule_id="RF-FEVER",
                    level=2,
                    facts={"red_flags": ["RF-FEVER"]},
                    created_at=NOW,
                ),
                _due(person.id),
                _due(other.id),
                Conversation(person_id=person.id, step="pain", answers={}, updated_at=NOW),
            ]
        )
    async with sessions.begin() as session:
        await session.execute(Person.__table__.delete().where(Person.telegram_user_id == 1001))
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            remaining = await session.scalar(select(func.count()).select_from(table))
            if table.name in {"people", "episodes", "due_messages"}:
                assert remaining == 1, table.name  # the other person's row only
            else:
                assert remaining == 0, table.name


async def test_a_message_cannot_be_owed_twice(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        person = _person()
        session.add(person)
        await session.flush()
        person_id = person.id
        session.add(_due(person_id))
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(_due(person_id))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DueMessage)) == 1


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.db'}")
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()
