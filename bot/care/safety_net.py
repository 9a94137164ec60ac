"""After an escalation (CARE-RULES.md, "After an escalation (safety-netting)"): when the bot
asks whether the person got help, and the rules' own table.

ES-HOLD and ES-MISTAP are conversation: :mod:`bot.conversation.safety` carries them out. Their
ids are listed here with ES-FOLLOW-UP so the rule table the clinician signs off has them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.care.levels import Level
from bot.care.localtime import local_instant, require_aware
from bot.care.quiet import out_of_quiet_hours

FOLLOW_UP_AFTER_EMERGENCY = timedelta(hours=3)
"""ES-FOLLOW-UP: how long after an EMERGENCY message the bot asks whether help came."""
FOLLOWED_UP_LEVELS = (Level.EMERGENCY, Level.URGENT)


def follow_up_at(level: Level, said_at: datetime, zone: ZoneInfo, checkin_time: time) -> datetime:
    """ES-FOLLOW-UP: three hours after an EMERGENCY message (08:00 if that falls in quiet
    hours); the next morning at the person's check-in time after an URGENT one."""
    said = require_aware(said_at)
    if level is Level.EMERGENCY:
        return out_of_quiet_hours(said + FOLLOW_UP_AFTER_EMERGENCY, zone)
    if level is Level.URGENT:
        next_day = said.astimezone(zone).date() + timedelta(days=1)
        return local_instant(next_day, checkin_time, zone)
    raise ValueError(f"no follow-up for {level.name}")


@dataclass(frozen=True)
class SafetyNetRule:
    """One row of the safety-netting table: when it applies and what the bot does."""

    id: str
    when: str
    does: str
    source: str


_SAFETY_NETTING = "NICE NG59 safety-netting; NHS Back pain (when to call 999, 111)"

SAFETY_NET_RULES: tuple[SafetyNetRule, ...] = (
    SafetyNetRule(
        "ES-HOLD",
        "An EMERGENCY escalation at enrolment or in a check-in",
        "The exchange stops: the EMERGENCY message is the last thing said, with carry on and "
        "I tapped this by mistake; nothing routine is sent for up to 24 hours. After URGENT, "
        "the closing reply reassures nothing and ends by repeating the URGENT advice.",
        _SAFETY_NETTING,
    ),
    SafetyNetRule(
        "ES-FOLLOW-UP",
        "3 hours after an EMERGENCY message (08:00 if in quiet hours); the next morning at "
        "the check-in time after an URGENT one",
        "Did you get help? (seen by someone / not yet / feeling fine now); not yet repeats "
        "the escalation message; the answer, or no answer, is stored with the escalation.",
        _SAFETY_NETTING,
    ),
    SafetyNetRule(
        "ES-MISTAP",
        "I tapped this by mistake, under an EMERGENCY or URGENT message",
        "The flag's full question once more; only a confirmation withdraws it (the row stays, "
        "marked withdrawn; the flag leaves the answer; the operators are told).",
        _SAFETY_NETTING,
    ),
)
