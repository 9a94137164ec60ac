"""Tests stay on loopback: a connection or name lookup beyond 127.0.0.1 / ::1 fails the test.

As in python-telegram-bot's own tests (``tests/auxil/networking.py``), an accidental call to the
real Telegram, or anywhere else, must fail loudly rather than pass on a machine that happens to
be online. Proxy variables are cleared so that no HTTP client routes loopback traffic through a
proxy either.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fail loudly on any attempt to reach beyond 127.0.0.1 / ::1, and ignore proxy settings."""
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(what: object) -> OSError:
        attempts.append(what)
        return ConnectionRefusedError(f"tests may only reach loopback, not {what!r}")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise refuse(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise refuse(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    yield attempts
    assert not attempts, f"a test tried to leave loopback: {attempts}"


def free_port() -> int:
    """A loopback port nothing listens on now, for a server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def first_answer(client: httpx.AsyncClient, url: str, timeout: float = 30) -> httpx.Response:  # noqa: ASYNC109
    """The first answer from ``url`` of a server still starting (refused connections are
    tried again every 0.1 s); ``TimeoutError`` if none comes in ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                return await client.get(url)
            except httpx.TransportError:
                await asyncio.sleep(0.1)
