"""RETENTION_DAYS: a daily job erases the people whose follow-up ended longer ago, exactly as
/delete erases one (their row, and everything that cascades from it; then the bytes).

A follow-up ends when its last episode ends: the day it was stopped, ended at day 84 or after
the prevention tips. An episode left open (paused, or the bot blocked) cannot run past day 84,
and the tips past four weeks after recovery, so those are its end. Someone who never finished
enrolling is kept from the day they agreed. Nothing of an episode still running is erased.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import care
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import erase_traces, reading
from bot.db.models import Episode, Person

log = logging.getLogger(__name__)

FOLLOW_UP_LENGTH = timedelta(days=care.FOLLOW_UP_DAYS)
TIPS_LENGTH = timedelta(weeks=care.PREVENT_TIPS_WEEKS)
ERASE_AT_ONCE = 50
"""People erased per transaction: short transactions, so replies never wait long (500 people
with a month of check-ins each held SQLite's write lock, and the event loop, for 130 ms;
BENCHMARKS.md, "The daily tidy")."""

EpisodeEnds = tuple[datetime | None, datetime | None, datetime | None]
"""An episode's onset, recovery and end, any of them absent."""


def follow_up_ended(agreed_at: datetime, episodes: Iterable[EpisodeEnds]) -> datetime:
    """When the person's follow-up ended, or will end (see the module's docstring)."""
    last = agreed_at
    for onset_at, recovered_at, ended_at in episodes:
        if ended_at is not None:
            end = ended_at
        elif recovered_at is not None:
            end = recovered_at + TIPS_LENGTH
        elif onset_at is not None:
            end = onset_at + FOLLOW_UP_LENGTH
        else:
            continue
        last = max(last, end)
    return last


class Retention:
    """The daily erasure of people past ``RETENTION_DAYS``."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._kept = timedelta(days=settings.care.retention_days)
        self._clock = clock

    async def erase_lapsed(self) -> int:
        """Erase everyone whose follow-up ended more than the retention period ago; how many."""
        lapsed = await self._lapsed(self._clock.now() - self._kept)
        for start in range(0, len(lapsed), ERASE_AT_ONCE):
            async with self._sessions.begin() as session:
                chunk = lapsed[start : start + ERASE_AT_ONCE]
                await session.execute(delete(Person).where(Person.id.in_(chunk)))
        if lapsed:
            await erase_traces(self._sessions)
            log.info("retention: %s people erased", len(lapsed))
        return len(lapsed)

    async def _lapsed(self, before: datetime) -> Sequence[int]:
        async with reading(self._sessions) as session:
            rows = await session.execute(
                select(
                    Person.id,
                    Person.created_at,
                    Episode.onset_at,
                    Episode.recovered_at,
                    Episode.ended_at,
                )
                .outerjoin(Episode, Episode.person_id == Person.id)
                .order_by(Person.id)
            )
            lapsed = []
            for person_id, group in groupby(rows.tuples(), key=lambda row: row[0]):
                rows_of_person = list(group)
                agreed_at = rows_of_person[0][1]
                ends = [
                    (onset, recovered, ended) for _, _, onset, recovered, ended in rows_of_person
                ]
                if follow_up_ended(agreed_at, ends) < before:
                    lapsed.append(person_id)
        return lapsed
