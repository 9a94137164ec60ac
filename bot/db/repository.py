"""The queries the conversation needs, in one place, so each is written (and indexed) once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CheckIn,
    CheckInStatus,
    Conversation,
    DueKind,
    DueMessage,
    DueStatus,
    Episode,
    EpisodeStatus,
    Person,
)


async def lock_person(session: AsyncSession, telegram_user_id: int) -> Person | None:
    """The person, locked until the transaction ends, so two workers never interleave answers.

    PostgreSQL takes a row lock; SQLite has already taken the database's write lock with
    ``BEGIN IMMEDIATE`` (see :mod:`bot.db.engine`) and ignores ``FOR UPDATE``.
    """
    person: Person | None = await session.scalar(
        select(Person).where(Person.telegram_user_id == telegram_user_id).with_for_update()
    )
    return person


async def lock_person_in_conversation(
    session: AsyncSession, telegram_user_id: int
) -> tuple[Person | None, Conversation | None]:
    """As :func:`lock_person`, with the person's conversation in the same statement: every
    update needs both, and on SQLite each statement is a round trip made while the database's
    write lock is held (BENCHMARKS.md, "Replies under load")."""
    row = (
        await session.execute(
            select(Person, Conversation)
            .outerjoin(Conversation, Conversation.person_id == Person.id)
            .where(Person.telegram_user_id == telegram_user_id)
            .with_for_update(of=Person)
        )
    ).first()
    if row is None:
        return None, None
    return row[0], row[1]


async def lock_person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    """As :func:`lock_person`, by the person's own id (the due queue knows people by it)."""
    person: Person | None = await session.scalar(
        select(Person).where(Person.id == person_id).with_for_update()
    )
    return person


async def conversation_of(session: AsyncSession, person: Person | None) -> Conversation | None:
    return await session.get(Conversation, person.id) if person is not None else None


async def current_episode(session: AsyncSession, person_id: int) -> Episode | None:
    """The episode being followed: the newest one that is still active."""
    episode: Episode | None = await session.scalar(
        select(Episode)
        .where(Episode.person_id == person_id, Episode.status == EpisodeStatus.ACTIVE)
        .order_by(Episode.started_at.desc())
        .limit(1)
    )
    return episode


async def latest_episode(session: AsyncSession, person_id: int) -> Episode | None:
    episode: Episode | None = await session.scalar(
        select(Episode)
        .where(Episode.person_id == person_id)
        .order_by(Episode.started_at.desc())
        .limit(1)
    )
    return episode


async def answered_check_ins(session: AsyncSession, episode_id: int) -> Sequence[CheckIn]:
    """This episode's answered check-ins, oldest first: the pain series of the trend rules."""
    result = await session.scalars(
        select(CheckIn)
        .where(CheckIn.episode_id == episode_id, CheckIn.status == CheckInStatus.ANSWERED)
        .order_by(CheckIn.slot)
    )
    return result.all()


async def check_in_for_slot(session: AsyncSession, episode_id: int, slot: str) -> CheckIn | None:
    check_in: CheckIn | None = await session.scalar(
        select(CheckIn).where(CheckIn.episode_id == episode_id, CheckIn.slot == slot)
    )
    return check_in


async def next_owed(session: AsyncSession, person_id: int, kind: DueKind) -> datetime | None:
    """When the queue will next send this person a message of ``kind``."""
    due_at: datetime | None = await session.scalar(
        select(func.min(DueMessage.due_at)).where(
            DueMessage.person_id == person_id,
            DueMessage.kind == kind,
            DueMessage.status == DueStatus.PENDING,
        )
    )
    return due_at
