"""Helpers shared by the local Bot API tests."""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.fake_telegram import FakeTelegram


def make_bot(api: FakeTelegram, *, read_timeout: float = 5.0, token: str | None = None) -> Bot:
    return Bot(
        token or api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


async def raw_call(
    api: FakeTelegram,
    method: str,
    payload: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """One request as JSON over plain aiohttp (no PTB): for what PTB would refuse to send."""
    url = f"{api.base_url}{token or api.token}/{method}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=payload or {}) as response,
    ):
        body = await response.json()
        return response.status, body
