"""The admins' daily digest: yesterday's figures, once a day, whatever the number of workers.

Every worker runs the job; the first to insert the day's ``digests`` row owes the message, in the
same transaction, to the outbox, which sends it like any operators' alert; the others find the
row there and stay quiet. The figures are :func:`bot.insight.counts.digest_text`.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Digest, OutboxKind
from bot.insight.counts import digest_text
from bot.queue import outbox
from bot.texts import texts_for


class DailyDigest:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self.zone = ZoneInfo(settings.care.default_timezone)

    async def owe_yesterday(self) -> str | None:
        """Owe yesterday's figures to the alert chat; None if another worker already did."""
        chat = self._settings.admin.alert_chat_id
        if chat is None:
            return None
        now = self._clock.now()
        day = now.astimezone(self.zone).date() - timedelta(days=1)
        try:
            async with self._sessions.begin() as session:
                session.add(Digest(day=day, sent_at=now))
                await session.flush()
                text = await digest_text(
                    session, day, self.zone, texts_for(self._settings.admin.language)
                )
                letter = outbox.Letter(chat, None, OutboxKind.ALERT, {"text": text})
                await outbox.post(session, [letter], now)
        except IntegrityError:
            return None
        return text
