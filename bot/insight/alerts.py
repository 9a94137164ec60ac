"""The operators' /alerts: the latest EMERGENCY and URGENT escalations, and whether they went out.

A line carries the person's pseudonym and the rule id, never a name or a Telegram id, so the
list can be read out in a clinic's alert chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.constants import MessageLimit

from bot.care import Level
from bot.config import Settings
from bot.db.models import Escalation, Person
from bot.insight.counts import outcome_key
from bot.pseudonym import pseudonymiser
from bot.texts import Texts

ALERT_LEVELS = (Level.EMERGENCY, Level.URGENT)


@dataclass(frozen=True)
class Alert:
    pseudonym: str
    rule_id: str
    level: Level
    created_at: datetime
    sent_at: datetime | None
    """When Telegram accepted the message to the person; None while it is still owed."""
    outcome: str
    """What came of it: a key of :data:`bot.texts.OUTCOME_LABELS`."""


async def latest_alerts(session: AsyncSession, settings: Settings, limit: int = 20) -> list[Alert]:
    """The ``limit`` newest EMERGENCY and URGENT escalations, newest first."""
    rows = await session.execute(
        select(
            Escalation.person_id,
            Person.created_at,
            Escalation.rule_id,
            Escalation.level,
            Escalation.created_at,
            Escalation.sent_at,
            Escalation.outcome,
            Escalation.withdrawn_at,
        )
        .join(Person, Person.id == Escalation.person_id)
        .where(Escalation.level.in_([int(level) for level in ALERT_LEVELS]))
        .order_by(Escalation.created_at.desc(), Escalation.id.desc())
        .limit(limit)
    )
    of = pseudonymiser(settings)
    return [
        Alert(
            of(person_id, enrolled_at),
            rule_id,
            Level(level),
            created_at,
            sent_at,
            outcome_key(outcome, withdrawn_at is not None),
        )
        for person_id, enrolled_at, rule_id, level, created_at, sent_at, outcome, withdrawn_at in (
            rows.tuples()
        )
    ]


def format_alerts(alerts: Sequence[Alert], zone: ZoneInfo, words: Texts) -> str:
    """One line per alert in the operator's local time; plain text, within one message."""
    if not alerts:
        return words.ALERTS_NONE
    lines = [words.ALERTS_HEADER.format(zone=zone.key)]
    for alert in alerts:
        created = alert.created_at.astimezone(zone)
        if alert.sent_at is None:
            delivery = words.ALERTS_NOT_SENT
        else:
            sent = alert.sent_at.astimezone(zone)
            shown = (
                words.catalogue.clock(sent)
                if sent.date() == created.date()
                else words.catalogue.moment(sent, full=False)
            )
            delivery = words.ALERTS_SENT.format(when=shown)
        lines.append(
            words.ALERTS_LINE.format(
                when=words.catalogue.moment(created, full=False),
                level=alert.level.name,
                pseudonym=alert.pseudonym,
                rule_id=alert.rule_id,
                delivery=words.ALERTS_OUTCOME.format(
                    delivery=delivery, outcome=words.OUTCOME_LABELS[alert.outcome]
                ),
            )
        )
    while len(lines) > 2 and sum(len(line) + 1 for line in lines) > MessageLimit.MAX_TEXT_LENGTH:
        lines.pop()  # the oldest go first
    return "\n".join(lines)
