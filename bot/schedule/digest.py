"""The admins' daily digest: yesterday's figures, once a day, whatever the number of workers.

Every worker runs the job; the first to insert the day's ``digests`` row sends, the others find
the row there and stay quiet. Figures are SQL aggregates, never rows loaded into Python. The
counting functions below are shared with the operators' /stats (``bot.insight.stats``), so a
figure means the same thing in both places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot import care, texts
from bot.clock import Clock
from bot.config import Settings
from bot.db.models import CheckIn, Digest, Episode, Escalation


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts (its first existing minute on a DST day)."""
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class CheckInCounts:
    """Check-ins in a window of time ``[start, end)``."""

    sent: int
    """Sent in the window (scheduled or asked for with /checkin)."""
    answered: int
    """Answered in the window, whenever they were sent."""
    responded: int
    """Of those sent in the window, how many have been answered by now."""

    @property
    def response_rate(self) -> float | None:
        """``responded / sent``; None when nothing was sent (not 0 %: nobody was asked)."""
        return self.responded / self.sent if self.sent else None


async def enrolled_between(session: AsyncSession, start: datetime, end: datetime) -> int:
    """Episodes started (enrolments completed) in ``[start, end)``."""
    value = await session.scalar(
        select(func.count()).where(Episode.started_at >= start, Episode.started_at < end)
    )
    return int(value or 0)


async def checkins_between(session: AsyncSession, start: datetime, end: datetime) -> CheckInCounts:
    """Two index range reads: by time sent (with how many were answered) and by time answered."""
    sent, responded = (
        await session.execute(
            select(func.count(), func.count(CheckIn.answered_at)).where(
                CheckIn.sent_at >= start, CheckIn.sent_at < end
            )
        )
    ).one()
    answered = await session.scalar(
        select(func.count()).where(CheckIn.answered_at >= start, CheckIn.answered_at < end)
    )
    return CheckInCounts(sent=int(sent), answered=int(answered or 0), responded=int(responded))


async def escalations_between(
    session: AsyncSession, start: datetime, end: datetime
) -> Mapping[tuple[care.Level, str], int]:
    """Escalations created in ``[start, end)``, counted by (level, rule id)."""
    rows = await session.execute(
        select(Escalation.level, Escalation.rule_id, func.count())
        .where(Escalation.created_at >= start, Escalation.created_at < end)
        .group_by(Escalation.level, Escalation.rule_id)
    )
    return {(care.Level(level), str(rule_id)): int(n) for level, rule_id, n in rows.tuples()}


def by_level(escalations: Mapping[tuple[care.Level, str], int]) -> dict[care.Level, int]:
    """Every level, most urgent first, with 0 where there were none."""
    totals = dict.fromkeys(sorted(care.Level, reverse=True), 0)
    for (level, _rule_id), number in escalations.items():
        totals[level] += number
    return totals


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
        start = local_midnight(day, self.zone)
        end = local_midnight(day + timedelta(days=1), self.zone)
        checkins = await checkins_between(session, start, end)
        levels = by_level(await escalations_between(session, start, end))
        return texts.DIGEST.format(
            day=f"{day:%A} {day.day} {day:%B}",
            enrolled=await enrolled_between(session, start, end),
            sent=checkins.sent,
            answered=checkins.answered,
            emergency=levels[care.Level.EMERGENCY],
            urgent=levels[care.Level.URGENT],
            soon=levels[care.Level.SOON],
        )
