"""The one place a ``Bot`` is made: the Application and the send-only worker use the same one.

The limits come from the settings here and nowhere else: Telegram's limits on a live bot, none
against a local Bot API server (``TELEGRAM_RATE_LIMITS=false``). Tests and benchmarks pass their
own transport or limiter.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Settings
from bot.telegram.ratelimit import ChatRateLimiter, Lane, without_limits

CONNECTIONS = 64
"""Requests to the Bot API in flight at once, each on a connection of its own: at Telegram's
usual 50-300 ms an answer, a few hundred requests a second, several times what the bulk rate and
the replies of a busy clinic need."""


class BoundedHTTPXRequest(HTTPXRequest):
    """python-telegram-bot's ``HTTPXRequest`` with at most ``connections`` requests in flight;
    the others wait their turn here, in the order they came.

    httpcore's pool goes through every request it holds each time one starts or ends, so with
    hundreds of them waiting for a connection (a burst of replies, a slow Bot API) that work
    grows with the square of the burst: it was the largest single cost of a busy process
    (BENCHMARKS.md, "Replies under load"). Waiting on a semaphore costs nothing per waiter.
    """

    def __init__(self, connections: int, **options: Any) -> None:
        super().__init__(connection_pool_size=connections, **options)
        self._in_flight = asyncio.Semaphore(connections)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._in_flight:
            return await super().do_request(*args, **kwargs)


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
    """The bot, talking to ``TELEGRAM_API_BASE_URL`` with ``TELEGRAM_BOT_TOKEN`` over
    python-telegram-bot's ``HTTPXRequest`` with at most ``connections`` connections.

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
        request=request
        or BoundedHTTPXRequest(
            connections,
            read_timeout=telegram.send_timeout,
            write_timeout=telegram.send_timeout,
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=rate_limiter,
    )
