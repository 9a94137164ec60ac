"""When an escalation cannot reach the person: the operators are told, never left guessing.

A person who has blocked the bot is owed nothing more (a new /start brings it back), but an
escalation they were owed is reported to the operators rather than dropped in silence.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import OutboxKind, Person
from bot.queue import outbox
from bot.queue.owed import mark_blocked
from bot.texts import Texts, texts_for

log = logging.getLogger(__name__)

BLOCKED = "blocked the bot"


def operators_alerts(settings: Settings, lines: Sequence[str]) -> list[outbox.Letter]:
    """Each line logged at WARNING, and as letters to the operators' alert chat if there is
    one. The lines are pseudonymous."""
    for line in lines:
        log.warning("%s", line)
    chat = settings.admin.alert_chat_id
    if chat is None:
        return []
    return [outbox.Letter(chat, None, OutboxKind.ALERT, {"text": line}) for line in lines]


def note_of(row: outbox.Claimed, words: Texts) -> str:
    """The escalation's pseudonymous description, as the turn that owed it wrote it."""
    return str(row.payload.get("escalation_note") or words.UNDELIVERED_UNKNOWN)


async def person_blocked(
    session: AsyncSession, settings: Settings, person: Person, now: datetime
) -> None:
    """Stop owing the person anything; report any escalation they will now not get."""
    await mark_blocked(session, [person.id], now)
    cancelled = await outbox.cancel_person(session, person.id, BLOCKED)
    words = texts_for(settings.admin.language)
    lines = [words.UNDELIVERED_BLOCKED.format(note=note_of(row, words)) for row in cancelled]
    await outbox.post(session, operators_alerts(settings, lines), now)
