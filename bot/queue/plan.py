"""What the bot owes a person next, written into the due queue.

Only the next check-in is ever owed, never a series: each check-in, when it goes out, owes the
one after it. So a pause, a changed time or a week of downtime can never leave a backlog, and
a person gets at most one catch-up prompt (ARCHITECTURE principle 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import care
from bot.care.localtime import local_instant
from bot.db.models import (
    CheckIn,
    CheckInStatus,
    DueKind,
    Episode,
    EpisodeStatus,
    Person,
    PersonStatus,
)
from bot.queue.owed import Owed, cancel, owe

FOLLOW_UP_END_SLOT = "day-84"
SWITCH_SLOT = "switch"
SCHEDULED_KINDS = (DueKind.CHECKIN, DueKind.REMINDER, DueKind.SWITCH, DueKind.END)
"""What a pause, a stop or a change of settings takes back (escalations are never taken back)."""


class Schedulable(Protocol):
    """What scheduling reads of a person: a ``Person``, or the batch path's plain row."""

    @property
    def timezone(self) -> str | None: ...

    @property
    def checkin_time(self) -> time | None: ...


class HasOnset(Protocol):
    """What scheduling reads of an episode: an ``Episode``, or the batch path's plain row."""

    @property
    def onset_at(self) -> datetime: ...


def zone_of(person: Schedulable) -> ZoneInfo:
    assert person.timezone is not None, "an enrolled person has a time zone"
    return ZoneInfo(person.timezone)


def checkin_time_of(person: Schedulable) -> time:
    return person.checkin_time or care.DEFAULT_CHECKIN_TIME


async def answered_slots(session: AsyncSession, episode_id: int, since: str) -> set[str]:
    """The local dates from ``since`` on that already have an answered check-in."""
    rows = await session.scalars(
        select(CheckIn.slot).where(
            CheckIn.episode_id == episode_id,
            CheckIn.status == CheckInStatus.ANSWERED,
            CheckIn.slot >= since,
        )
    )
    return set(rows)


def next_slot(
    person: Schedulable, episode: HasOnset, after: datetime, skip: set[str]
) -> care.Slot | None:
    """The next check-in after ``after`` whose day is not already checked in."""
    zone, wall = zone_of(person), checkin_time_of(person)
    slot = care.next_checkin(onset_at=episode.onset_at, zone=zone, checkin_time=wall, after=after)
    while slot is not None and slot.key in skip:
        slot = care.next_checkin(
            onset_at=episode.onset_at, zone=zone, checkin_time=wall, after=slot.due_at
        )
    return slot


def follow_up_end_at(person: Person, episode: Episode) -> datetime:
    """Day 84, once its check-in has had the reminder's time to be answered (never in quiet
    hours): TR-CHRONIC-84 if the person is still followed."""
    zone = zone_of(person)
    onset_date = episode.onset_at.astimezone(zone).date()
    end_date = onset_date + timedelta(days=care.FOLLOW_UP_DAYS)
    last_checkin = local_instant(end_date, checkin_time_of(person), zone)
    return care.out_of_quiet_hours(last_checkin + care.REMINDER_DELAY, zone)


async def replan(
    session: AsyncSession,
    person: Person,
    episode: Episode | None,
    now: datetime,
    *,
    answered: Iterable[CheckIn] | None = None,
) -> None:
    """Owe exactly what the person's state calls for from ``now`` on.

    Pending scheduled messages are taken back first, so this is safe to call after any change
    (enrolment, a check-in, settings, pause, resume, unblocking). Days already checked in are
    skipped, and so is the day of enrolment, whose answers gave the baseline. ``answered``: the
    episode's answered check-ins, when the caller has them (a finished check-in has just read
    them for the trend), so they are not read again.
    """
    await cancel(session, person.id, SCHEDULED_KINDS)
    if (
        person.status is not PersonStatus.ACTIVE
        or person.blocked_at is not None
        or episode is None
        or episode.status is not EpisodeStatus.ACTIVE
    ):
        return
    zone = zone_of(person)
    today = now.astimezone(zone).date().isoformat()
    if answered is None:
        skip = await answered_slots(session, episode.id, today)
    else:
        skip = {check_in.slot for check_in in answered if check_in.slot >= today}
    skip.add(episode.started_at.astimezone(zone).date().isoformat())
    owed: list[Owed] = []
    slot = next_slot(person, episode, now, skip)
    if slot is not None:
        owed.append(Owed(person.id, DueKind.CHECKIN, slot.key, slot.due_at))
    protocol = care.Protocol(episode.protocol)
    switch = care.switch_at(episode.onset_at, zone)
    if care.needs_switch_message(protocol) and switch > now:
        owed.append(Owed(person.id, DueKind.SWITCH, SWITCH_SLOT, switch))
    owed.append(
        Owed(
            person.id, DueKind.END, FOLLOW_UP_END_SLOT, max(now, follow_up_end_at(person, episode))
        )
    )
    await owe(session, owed, now)


async def owe_prevention_tips(session: AsyncSession, person: Person, now: datetime) -> None:
    """PH-PREVENT: four weekly tips after recovery replace the check-ins."""
    await cancel(session, person.id, SCHEDULED_KINDS)
    times = care.prevention_tip_times(now, zone_of(person), checkin_time_of(person))
    await owe(
        session,
        [
            Owed(person.id, DueKind.TIP, f"tip-{number}", moment, {"number": number})
            for number, moment in enumerate(times, start=1)
        ],
        now,
    )
