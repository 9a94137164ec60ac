"""Instants and local wall times: the only place the care rules touch time zones.

Everything outside takes and returns aware UTC datetimes; a person's local time matters only
for scheduling (quiet hours, the chosen check-in time, calendar days after onset). Local times
are computed with ``zoneinfo`` so daylight-saving changes follow the IANA database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def require_aware(moment: datetime, name: str = "moment") -> datetime:
    """Return ``moment`` in UTC, refusing a naive datetime.

    A naive datetime has no defined instant: read as local time on one machine and as UTC on
    another, it would move a check-in or an ice-to-heat switch by hours without any error.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date the person sees on their own clock at ``moment``."""
    return require_aware(moment).astimezone(zone).date()


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant at which the clock in ``zone`` shows ``wall`` on ``day``.

    Daylight saving makes some wall times ambiguous and others impossible:

    * an ambiguous time (clocks go back) takes its first occurrence, so a message is never
      delayed by an extra hour and never sent twice;
    * a time that does not exist (clocks go forward) moves forward to the first valid instant,
      the moment the clocks change, so a message is never sent before the time asked for.
    """
    first = datetime.combine(day, wall, tzinfo=zone)  # fold=0: the first occurrence
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == first.replace(tzinfo=None):
        return instant
    return _end_of_gap(first, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jump forward over the non-existent local time ``wall``.

    PEP 495 reads a time in a gap with the offset before the jump (fold=0) or after it
    (fold=1); the jump lies between those two readings, and tzdata transitions fall on whole
    seconds, so a binary search on seconds finds it exactly.
    """
    before = wall.replace(fold=1).astimezone(UTC)
    after = wall.replace(fold=0).astimezone(UTC)
    offset_before = before.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while low < high:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == offset_before:
            low = middle + 1
        else:
            high = middle
    return before + timedelta(seconds=low)
