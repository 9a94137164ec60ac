"""Sending a reply: escalations first, each marked sent as soon as Telegram has accepted it.

Messages are posted with the Bot API's own JSON (``Bot._post``) instead of
``Bot.send_message``: the answer is not needed, and turning it back into a ``Message``, keyboard
and all, cost about a quarter of a send (BENCHMARKS.md). ``_post`` is the step every
``Bot`` method ends in, so the rest is unchanged: ``ExtBot``'s rate limiter, the request's time-outs
and Telegram's errors raised as ``RetryAfter``, ``Forbidden``, ``BadRequest``, ``NetworkError``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.conversation.escalate import mark_delivered
from bot.conversation.turn import Outgoing
from bot.telegram.attachments import send_attachment
from bot.telegram.keyboards import markup

log = logging.getLogger(__name__)

# Fail at import rather than at the first send if a new PTB renames the private step.
if not callable(getattr(Bot, "_post", None)):  # pragma: no cover
    raise ImportError("telegram.Bot no longer has _post; bot.telegram.delivery needs updating")


async def _send_message(bot: Bot, chat_id: int, text: str, reply_markup: Any = None) -> None:
    """``sendMessage``, without building or parsing python-telegram-bot objects."""
    data: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if reply_markup is not None:
        data["reply_markup"] = reply_markup
    await bot._post("sendMessage", data)


class Delivery:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        alert_chat_id: int | None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._alert_chat_id = alert_chat_id

    async def send(self, bot: Bot, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Send in order. A failure stops the rest: an undelivered escalation stays claimed
        in the due queue and is sent again when its lease runs out."""
        for message in messages:
            if message.attachment is not None:
                await send_attachment(bot, chat_id, message)
                continue
            await _send_message(bot, chat_id, message.text, markup(message))
            if message.escalation_ids:
                async with self._sessions.begin() as session:
                    await mark_delivered(session, message.escalation_ids, self._clock.now())
            if message.admin_alert and self._alert_chat_id is not None:
                await self._alert(bot, message.admin_alert)

    async def _alert(self, bot: Bot, text: str) -> None:
        """The operators' alert is a copy: its failure must not stop the person's reply."""
        assert self._alert_chat_id is not None
        try:
            await _send_message(bot, self._alert_chat_id, text)
        except TelegramError as error:
            log.warning("admin alert not delivered: %s", type(error).__name__)
