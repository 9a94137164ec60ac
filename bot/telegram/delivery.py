"""Sending a reply: escalations first, each marked sent as soon as Telegram has accepted it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.conversation.escalate import mark_delivered
from bot.conversation.turn import Outgoing
from bot.telegram.attachments import send_attachment
from bot.telegram.keyboards import markup

log = logging.getLogger(__name__)


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
            await bot.send_message(chat_id, message.text, reply_markup=markup(message))
            if message.escalation_ids:
                async with self._sessions.begin() as session:
                    await mark_delivered(session, message.escalation_ids, self._clock.now())
            if message.admin_alert and self._alert_chat_id is not None:
                await self._alert(bot, message.admin_alert)

    async def _alert(self, bot: Bot, text: str) -> None:
        """The operators' alert is a copy: its failure must not stop the person's reply."""
        assert self._alert_chat_id is not None
        try:
            await bot.send_message(self._alert_chat_id, text)
        except TelegramError as error:
            log.warning("admin alert not delivered: %s", type(error).__name__)
