"""Counting what happened in a window of time: shared by the operators' /stats and the daily
digest, so a figure means the same thing in both places.

Figures are SQL aggregates over indexed time columns, never rows loaded into Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import care
from bot.db.models import CheckIn, Episode, Escalation, EscalationOutcome
from bot.texts import Texts


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


OUTCOME_KEYS = ("got_help", "not_yet", "fine", "withdrawn", "no_answer", "pending")
"""What came of an EMERGENCY or URGENT escalation, in the order the operators read them."""
FOLLOWED_UP = [int(level) for level in care.FOLLOWED_UP_LEVELS]


def outcome_key(outcome: EscalationOutcome | str | None, withdrawn: bool) -> str:
    """One of :data:`OUTCOME_KEYS`: withdrawn (ES-MISTAP) first, else the follow-up's answer,
    else ``pending`` (not asked yet)."""
    if withdrawn:
        return "withdrawn"
    return EscalationOutcome(outcome).value if outcome is not None else "pending"


async def outcomes_between(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """EMERGENCY and URGENT escalations created in ``[start, end)``, by outcome."""
    withdrawn = Escalation.withdrawn_at.is_not(None)
    rows = await session.execute(
        select(Escalation.outcome, withdrawn, func.count())
        .where(
            Escalation.created_at >= start,
            Escalation.created_at < end,
            Escalation.level.in_(FOLLOWED_UP),
        )
        .group_by(Escalation.outcome, withdrawn)
    )
    counts = dict.fromkeys(OUTCOME_KEYS, 0)
    for outcome, was_withdrawn, n in rows.tuples():
        counts[outcome_key(outcome, bool(was_withdrawn))] += int(n)
    return counts


def by_level(escalations: Mapping[tuple[care.Level, str], int]) -> dict[care.Level, int]:
    """Every level, most urgent first, with 0 where there were none."""
    totals = dict.fromkeys(sorted(care.Level, reverse=True), 0)
    for (level, _rule_id), number in escalations.items():
        totals[level] += number
    return totals


async def digest_text(session: AsyncSession, day: date, zone: ZoneInfo, words: Texts) -> str:
    """The admins' daily digest: ``day``'s figures, its local midnight to the next."""
    start = local_midnight(day, zone)
    end = local_midnight(day + timedelta(days=1), zone)
    checkins = await checkins_between(session, start, end)
    levels = by_level(await escalations_between(session, start, end))
    return words.DIGEST.format(
        day=words.catalogue.day_and_month(local_midnight(day, zone)),
        enrolled=await enrolled_between(session, start, end),
        sent=checkins.sent,
        answered=checkins.answered,
        emergency=levels[care.Level.EMERGENCY],
        urgent=levels[care.Level.URGENT],
        soon=levels[care.Level.SOON],
    )
