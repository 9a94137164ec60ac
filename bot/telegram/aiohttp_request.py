"""python-telegram-bot's transport over aiohttp: the bot's requests, at a fraction of the CPU.

python-telegram-bot's default transport, ``HTTPXRequest``, spent about 2.5 ms of CPU per request
on loopback, most of it in httpcore's connection pool (BENCHMARKS.md); aiohttp's client, already
a dependency, does the same request for a fraction of that. The semantics are those of
``HTTPXRequest``:

- the same defaults: 5 s to read the answer and to write a request (20 s for a request that
  uploads files), 5 s to connect, 1 s to wait for a free connection of the pool;
- the same parameters: as one JSON body (see :func:`_body`), ``multipart/form-data`` for
  uploads as ``HTTPXRequest`` sends them;
- the same errors: any time-out is ``TimedOut`` (a full pool says so and that nothing was sent),
  any other failure of the connection is ``NetworkError``. Telegram's own answers (429, 403, 5xx)
  are turned into ``RetryAfter``, ``Forbidden``, ``NetworkError`` by ``BaseRequest`` itself.

aiohttp has no time-out for writing alone: the write time-out bounds the whole request together
with the others (``total`` = connect + write + read), the only place aiohttp can enforce it.
Requests for ``getUpdates`` stay with python-telegram-bot's own transport (long polling has its
own time-out rules there). Unlike httpx, the proxy variables of the environment
(``HTTPS_PROXY``...) are not read: aiohttp's ``trust_env`` reads them again on every request,
which measured as more than doubling this transport's CPU per message.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` over one ``aiohttp.ClientSession`` with a bounded connection pool.

    Args:
        connection_pool_size: Connections kept open at most (aiohttp's ``limit``).
        read_timeout: Seconds to wait for each read of the answer.
        write_timeout: Seconds to send a request (see the module's note).
        connect_timeout: Seconds to open a connection.
        pool_timeout: Seconds to wait for a free connection when all are in use.
        media_write_timeout: ``write_timeout`` for requests that upload files.
    """

    __slots__ = (
        "_connect_timeout",
        "_free_connections",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # The pool's wait is ours, so that a full pool is told apart from a slow connect.
        self._free_connections = asyncio.Semaphore(connection_pool_size)

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session; the session must be made inside the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
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
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        body = _body(request_data)
        timeout = _timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, self._media_write_timeout if uploads else self._write_timeout),
            _given(connect_timeout, self._connect_timeout),
        )
        try:
            async with asyncio.timeout(_given(pool_timeout, self._pool_timeout)):
                await self._free_connections.acquire()
        except TimeoutError as error:
            raise TimedOut(POOL_TIMEOUT_MESSAGE) from error
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            self._free_connections.release()


def _timeout(
    read: float | None, write: float | None, connect: float | None
) -> aiohttp.ClientTimeout:
    parts = (connect, write, read)
    return aiohttp.ClientTimeout(
        total=None if None in parts else sum(part for part in parts if part is not None),
        connect=connect,
        sock_read=read,
    )


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | aiohttp.BytesPayload | None:
    """A JSON body, or a multipart form when files are uploaded.

    JSON, which the Bot API accepts as well as forms, is one ``json.dumps`` of the parameters;
    a form would percent-encode every character of an already JSON-encoded keyboard, which
    was a third of this transport's CPU per message.
    """
    if request_data is None:
        return None
    if not request_data.contains_files:
        return aiohttp.BytesPayload(
            json.dumps(request_data.parameters).encode(), content_type="application/json"
        )
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
