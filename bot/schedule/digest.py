"""The admins' daily digest: yesterday's figures, once a day, whatever the number of workers.

Every worker runs the job; the first to insert the day's ``digests`` row sends, the others find
the row there and stay quiet. Figures are SQL aggregates, never rows loaded into Python.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute
from telegram import Bot

from bot import care, texts
from bot.clock import Clock
from bot.config import Settings
from bot.db.models import CheckIn, Digest, Episode, Escalation


class DailyDigest:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self.zone = ZoneInfo(settings.care.default_timezone)

    async def send_yesterday(self, bot: Bot) -> str | None:
        """Send yesterday's figures to the alert chat; None if another worker already did."""
        chat = self._settings.admin.alert_chat_id
        if chat is None:
            return None
        now = self._clock.now()
        day = now.astimezone(self.zone).date() - timedelta(days=1)
        try:
            async with self._sessions.begin() as session:
                session.add(Digest(day=day, sent_at=now))
                await session.flush()
                text = await self.figures(session, day)
        except IntegrityError:
            return None
        await bot.send_message(chat, text)
        return text

    async def figures(self, session: AsyncSession, day: date) -> str:
        start = datetime.combine(day, time(0), tzinfo=self.zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)

        async def count(column: InstrumentedAttribute[Any]) -> int:
            value = await session.scalar(select(func.count()).where(column >= start, column < end))
            return int(value or 0)

        rows = await session.execute(
            select(Escalation.level, func.count())
            .where(Escalation.created_at >= start, Escalation.created_at < end)
            .group_by(Escalation.level)
        )
        levels = {int(level): int(number) for level, number in rows.tuples()}
        return texts.DIGEST.format(
            day=f"{day:%A} {day.day} {day:%B}",
            enrolled=await count(Episode.started_at),
            sent=await count(CheckIn.sent_at),
            answered=await count(CheckIn.answered_at),
            emergency=levels.get(care.Level.EMERGENCY, 0),
            urgent=levels.get(care.Level.URGENT, 0),
            soon=levels.get(care.Level.SOON, 0),
        )
