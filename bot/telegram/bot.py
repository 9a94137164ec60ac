"""The one place a ``Bot`` is made: the Application and the send-only worker use the same one.

The limits come from the settings here and nowhere else: Telegram's limits on a live bot, none
against a local Bot API server (``TELEGRAM_RATE_LIMITS=false``). Tests and benchmarks pass their
own transport or limiter.
"""

from __future__ import annotations

from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import BaseRequest

from bot.config import Settings
from bot.telegram.ratelimit import ChatRateLimiter, Lane, without_limits
from bot.telegram.transport import AiohttpRequest

CONNECTIONS = 64
"""Requests to the Bot API in flight at once, each on a connection of its own: at Telegram's
usual 50-300 ms an answer, a few hundred requests a second, several times what the bulk rate and
the replies of a busy clinic need. The others wait their turn, in the order they came."""
POLL_READ_TIMEOUT = 5.0
"""Seconds a long poll waits for Telegram beyond the poll's own timeout (python-telegram-bot
adds them up)."""


def file_url(api_base_url: str) -> str:
    """The file endpoint beside a Bot API base URL (``.../bot`` -> ``.../file/bot``)."""
    root, _, last = api_base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}"


def make_bot(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Lane] | None = None,
    connections: int = CONNECTIONS,
) -> ExtBot[Lane]:
    """The bot, talking to ``TELEGRAM_API_BASE_URL`` with ``TELEGRAM_BOT_TOKEN`` over aiohttp
    (:mod:`bot.telegram.transport`) with at most ``connections`` connections.

    ``getUpdates`` keeps a transport of its own (one connection) so a long poll never holds a
    connection a reply is waiting for. Every other request waits ``TELEGRAM_SEND_TIMEOUT`` for
    Telegram's answer: a send that timed out is sent again, so the wait is long enough for a
    slow success to be known as one (python-telegram-bot's default, 5 s, is not).
    """
    telegram = settings.telegram
    if rate_limiter is None:
        rate_limiter = (
            ChatRateLimiter(bulk_max_rate=telegram.bulk_rate)
            if telegram.rate_limits
            else without_limits()
        )
    return ExtBot(
        settings.require_token().get_secret_value(),
        base_url=telegram.api_base_url,
        base_file_url=file_url(telegram.api_base_url),
        request=request or AiohttpRequest(connections, read_timeout=telegram.send_timeout),
        get_updates_request=AiohttpRequest(1, read_timeout=POLL_READ_TIMEOUT),
        rate_limiter=rate_limiter,
    )
