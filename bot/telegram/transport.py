"""python-telegram-bot's requests over aiohttp's client, through the ``BaseRequest`` interface
python-telegram-bot publishes for other HTTP libraries.

Why not the default ``HTTPXRequest``: a busy process spent over a quarter of its CPU inside
httpx and httpcore, about 0.9 ms a request on loopback against 0.1 ms for aiohttp's client
(BENCHMARKS.md, "Replies under load"); a tap costs three requests. aiohttp is already a
dependency (webhooks, the local Bot API server of the tests), and its connector keeps waiters
for a connection in a plain queue, so a burst of replies costs the same per request as one.

Timeouts map onto aiohttp's: ``read_timeout`` is the wait for each read of Telegram's answer
(``sock_read``), ``connect_timeout`` opening a connection (``sock_connect``), ``pool_timeout``
the wait for a free connection plus opening it (``connect``). aiohttp has no write timeout:
a request body is at most a few megabytes (a PDF) and is bounded by the read wait that follows.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

ODVFloat = float | None | object
"""A timeout as python-telegram-bot passes it: seconds, None for none, or its DEFAULT_NONE."""


class AiohttpRequest(BaseRequest):
    """At most ``connections`` requests in flight, each answer awaited ``read_timeout``."""

    def __init__(
        self,
        connections: int,
        *,
        read_timeout: float,
        connect_timeout: float = 5.0,
        pool_timeout: float | None = None,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVFloat = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVFloat = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVFloat = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVFloat = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None else pool + (connect or 0.0),
            sock_connect=connect,
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # The class name only: some of aiohttp's messages quote the URL, which holds the
            # bot token, and this message reaches the log and the outbox's last_error.
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error


def _seconds(given: ODVFloat, default: float | None) -> float | None:
    if isinstance(given, int | float):
        return float(given)
    if given is None:
        return None
    return default


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    """The parameters form-encoded, as Telegram takes them; multipart when files go along."""
    if request_data is None:
        return None
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
