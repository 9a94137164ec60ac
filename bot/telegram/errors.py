"""The one error handler: log without secrets, then tell the operators.

Never the token (httpx logs request URLs, which contain it, so its logger is kept at WARNING in
:mod:`bot.logs`) and never what a person wrote: the report names the update and the error type.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.texts import Texts

log = logging.getLogger(__name__)


class ErrorReporter:
    def __init__(self, alert_chat_id: int | None, words: Texts) -> None:
        self._alert_chat_id = alert_chat_id
        self._words = words

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "update %s failed: %s",
            update_id,
            type(error).__name__,
            exc_info=error,
            extra={"update_id": update_id},
        )
        if self._alert_chat_id is None:
            return
        try:
            await context.bot.send_message(
                self._alert_chat_id,
                self._words.ERROR_REPORT.format(update_id=update_id, error=type(error).__name__),
            )
        except TelegramError as report_error:
            log.warning("error report not delivered: %s", type(report_error).__name__)
