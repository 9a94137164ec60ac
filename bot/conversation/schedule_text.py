"""Saying when something will happen, on the person's own clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def when_text(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """ "today at 09:00", "tomorrow at 09:00" or "Friday 28 November at 09:00", local time."""
    local = moment.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B')} at {clock}"
