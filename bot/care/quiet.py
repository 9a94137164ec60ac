"""Quiet hours: no scheduled message wakes a person between 22:00 and 08:00 their time.

CARE-RULES.md sets quiet hours for the ice-to-heat switch (PH-SWITCH) and the check-in
reminder. Escalations ignore them by design: EMERGENCY and URGENT are sent "at once, whatever
the hour", and they are sent in reply to the person, who is awake.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.care.localtime import local_instant, require_aware

QUIET_START = time(22, 0)
"""The first quiet minute: 22:00 itself is quiet."""
QUIET_END = time(8, 0)
"""The first minute after quiet hours: 08:00 itself is not quiet."""


def in_quiet_hours(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether ``moment`` falls in 22:00-08:00 on the person's clock (22:00 in, 08:00 out)."""
    wall = require_aware(moment).astimezone(zone).time()
    return wall >= QUIET_START or wall < QUIET_END


def out_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` itself if it is outside quiet hours, else the next 08:00 on the person's clock.

    The morning is found on the local calendar, so a daylight-saving change during the night
    still gives 08:00 local, in UTC.
    """
    instant = require_aware(moment)
    if not in_quiet_hours(instant, zone):
        return instant
    local = instant.astimezone(zone)
    morning = local.date()
    if local.time() >= QUIET_START:
        morning += timedelta(days=1)
    return local_instant(morning, QUIET_END, zone)
