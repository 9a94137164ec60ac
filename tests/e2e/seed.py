"""Many enrolled people at once, written straight into the tables (for scale tests)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (
    DUE_PRIORITY,
    DueKind,
    DueMessage,
    DueStatus,
    Episode,
    EpisodeStatus,
    Person,
    PersonStatus,
)

LONDON = ZoneInfo("Europe/London")


async def seed_due_checkins(
    sessions: async_sessionmaker[AsyncSession], user_ids: list[int], now: datetime
) -> None:
    """Enrolled people whose check-in for today is due now: one queue row each."""
    async with sessions.begin() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_user_id": user_id,
                    "chat_id": user_id,
                    "language": "en",
                    "timezone": LONDON.key,
                    "checkin_time": time(9, 0),
                    "consent_at": now - timedelta(days=1),
                    "consent_version": "2026-11",
                    "age_band": "16-49",
                    "status": PersonStatus.ACTIVE,
                    "missed_in_a_row": 0,
                    "created_at": now - timedelta(days=1),
                }
                for user_id in user_ids
            ],
        )
        person_ids = list(await session.scalars(select(Person.id).order_by(Person.id)))
        await session.execute(
            insert(Episode),
            [
                {
                    "person_id": person_id,
                    "onset_at": now - timedelta(days=1),
                    "mechanism": "lifting",
                    "activity": "limited",
                    "severity": "moderate",
                    "baseline_pain": 6,
                    "protocol": "seed",
                    "first_episode": True,
                    "enrolment_red_flags": [],
                    "milestones_done": [],
                    "status": EpisodeStatus.ACTIVE,
                    "started_at": now - timedelta(days=1),
                }
                for person_id in person_ids
            ],
        )
        slot = now.astimezone(LONDON).date().isoformat()
        await session.execute(
            insert(DueMessage),
            [
                {
                    "person_id": person_id,
                    "kind": DueKind.CHECKIN,
                    "slot": slot,
                    "due_at": now - timedelta(minutes=1),
                    "priority": DUE_PRIORITY[DueKind.CHECKIN],
                    "status": DueStatus.PENDING,
                    "attempts": 0,
                    "payload": {},
                    "created_at": now - timedelta(days=1),
                }
                for person_id in person_ids
            ],
        )
