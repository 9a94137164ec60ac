"""When to ask: the "Cadence" section of CARE-RULES.md.

Daily check-ins for days 0-14, every other day to day 42, weekly to day 84, at the person's
chosen local time; one reminder 4 hours after an unanswered check-in; a pause after three
missed in a row; after recovery, four weekly prevention tips (PH-PREVENT). Days are local
calendar days after onset, because "daily at 09:00" means the person's own calendar and clock,
across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.care.localtime import local_date, local_instant, require_aware
from bot.care.quiet import in_quiet_hours

DEFAULT_CHECKIN_TIME = time(9, 0)
EARLIEST_CHECKIN = time(8, 0)
"""The end of quiet hours: a check-in never wakes anyone."""
LATEST_CHECKIN = time(21, 0)
"""Late enough for shift workers, early enough to answer before quiet hours."""

DAILY_UNTIL_DAY = 14
EVERY_OTHER_UNTIL_DAY = 42
EVERY_OTHER_STEP = 2
WEEKLY_STEP = 7
FOLLOW_UP_DAYS = 84
"""The last check-in day: twelve weeks, when acute back pain becomes chronic (NICE NG59)."""

REMINDER_DELAY = timedelta(hours=4)
MISSED_BEFORE_PAUSE = 3

PREVENT_TIPS_WEEKS = 4
"""PH-PREVENT: "Weekly tips for four weeks, then the follow-up ends"."""
_WEEK = timedelta(weeks=1)


def valid_checkin_time(checkin_time: time) -> bool:
    """Whether a person may choose ``checkin_time``: a naive wall time from 08:00 to 21:00."""
    return checkin_time.tzinfo is None and EARLIEST_CHECKIN <= checkin_time <= LATEST_CHECKIN


def _require_checkin_time(checkin_time: time) -> time:
    if not valid_checkin_time(checkin_time):
        raise ValueError(
            f"check-in time must be from {EARLIEST_CHECKIN} to {LATEST_CHECKIN}, got {checkin_time}"
        )
    return checkin_time


def is_checkin_day(day: int) -> bool:
    """Whether ``day`` (0 = the local date of onset) has a check-in.

    Days 0-14 daily; then the even days 16-42; then every seventh day 49-84, so 42 and 84
    are check-in days and 15, 43 and 85 are not.
    """
    if 0 <= day <= DAILY_UNTIL_DAY:
        return True
    if day <= EVERY_OTHER_UNTIL_DAY:
        return day % EVERY_OTHER_STEP == 0
    return day <= FOLLOW_UP_DAYS and day % WEEKLY_STEP == 0


def episode_day(onset_at: datetime, moment: datetime, zone: ZoneInfo) -> int:
    """Local calendar days from onset's date to ``moment``'s date: 0 on the day of onset.

    Calendar days, not 24-hour periods, so a strain at 23:00 is on day 1 the next morning, as
    the person would count it. ``ValueError`` if ``moment`` is before onset.
    """
    onset = require_aware(onset_at, "onset_at")
    if require_aware(moment) < onset:
        raise ValueError(f"{moment} is before onset {onset}")
    return (local_date(moment, zone) - local_date(onset, zone)).days


@dataclass(frozen=True)
class Slot:
    """One scheduled check-in: its day after onset, the local date and the UTC due time."""

    day: int
    local_date: date
    due_at: datetime

    @property
    def key(self) -> str:
        """The slot's part of the due queue's unique key: one check-in per local date."""
        return self.local_date.isoformat()


def next_checkin(
    *, onset_at: datetime, zone: ZoneInfo, checkin_time: time, after: datetime
) -> Slot | None:
    """The first check-in due strictly after ``after`` (and after onset); ``None`` past day 84.

    The due time is ``checkin_time`` on the person's clock on a check-in day. A wall time
    skipped by a daylight-saving jump moves forward to the jump; a repeated one takes its
    first occurrence (see :func:`bot.care.localtime.local_instant`). Walking from slot to slot
    (``after`` = the previous ``due_at``) gives each check-in day exactly once.
    """
    onset = require_aware(onset_at, "onset_at")
    earliest = max(require_aware(after, "after"), onset)
    wall = _require_checkin_time(checkin_time)
    onset_date = local_date(onset, zone)
    # Slots on earlier local dates are all before ``earliest``: check-in times (08:00-21:00)
    # are hours away from any daylight-saving change, which happen at night.
    first_day = max(0, (local_date(earliest, zone) - onset_date).days)
    for day in range(first_day, FOLLOW_UP_DAYS + 1):
        if not is_checkin_day(day):
            continue
        slot_date = onset_date + timedelta(days=day)
        due_at = local_instant(slot_date, wall, zone)
        if due_at > earliest:
            return Slot(day, slot_date, due_at)
    return None


def reminder_at(due_at: datetime, zone: ZoneInfo) -> datetime | None:
    """The one reminder for an unanswered check-in: 4 hours after it was due.

    ``None`` when that falls in quiet hours (a check-in due at 18:00 or later). CARE-RULES.md
    says "never in quiet hours"; postponing to 08:00 would remind about yesterday's check-in
    at the time today's is nearly due, so the reminder is dropped and the next check-in asks.
    """
    reminder = require_aware(due_at, "due_at") + REMINDER_DELAY
    return None if in_quiet_hours(reminder, zone) else reminder


def should_pause(missed_in_a_row: int) -> bool:
    """Three check-ins missed in a row: the bot says it will pause (/checkin or /resume)."""
    if missed_in_a_row < 0:
        raise ValueError(f"missed_in_a_row cannot be negative, got {missed_in_a_row}")
    return missed_in_a_row >= MISSED_BEFORE_PAUSE


def prevention_tip_times(
    recovered_at: datetime, zone: ZoneInfo, checkin_time: time
) -> list[datetime]:
    """PH-PREVENT: four weekly tips at the check-in time, 1 to 4 weeks after recovery.

    The recovery message itself (TR-RECOVERED) opens the phase; the tips follow on the same
    weekday at the person's usual hour, and after the fourth the follow-up ends. They are kept
    even past day 84: a person who recovers late still gets the prevention advice that the
    seed article says matters "as much as short-term relief".
    """
    recovered_date = local_date(require_aware(recovered_at, "recovered_at"), zone)
    wall = _require_checkin_time(checkin_time)
    return [
        local_instant(recovered_date + week * _WEEK, wall, zone)
        for week in range(1, PREVENT_TIPS_WEEKS + 1)
    ]
