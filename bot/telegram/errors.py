"""The one error handler: log without secrets, then tell the operators.

Never the token (httpx logs request URLs, which contain it, so its logger is kept at WARNING in
:mod:`bot.logs`) and never what a person wrote: the report names the update and the error type.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)


class ErrorReporter:
    def __init__(self, alert_chat_id: int | None) -> None:
        self._alert_chat_id = alert_chat_id

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
                f"BackCheck error while handling update {update_id}: {type(error).__name__}. "
                "See the bot's log for the traceback.",
            )
        except TelegramError as report_error:
            log.warning("error report not delivered: %s", type(report_error).__name__)
