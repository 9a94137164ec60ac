"""Fixtures for the fake Telegram's own tests: the server, and a plain PTB client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.fake_telegram import FakeTelegram
from tests.support.fake_bot import make_bot


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(api: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(api) as client:
        yield client
