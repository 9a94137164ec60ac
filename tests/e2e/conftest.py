"""The ``bot`` fixture: the real Application, a real database, the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import create_engine, session_factory
from bot.fake_telegram import FakeTelegram
from tests.e2e.harness import ADMIN_CHAT, ADMIN_USER, BotUnderTest

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
"""A Monday, 10:00 in London (UTC in winter)."""


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotUnderTest]:
    async with bot_under_test(database_url) as under_test:
        yield under_test


@asynccontextmanager
async def bot_under_test(database_url: str) -> AsyncIterator[BotUnderTest]:
    clock = ManualClock(START)
    async with FakeTelegram(wall_clock=lambda: clock.now().timestamp()) as api:
        api.group(chat_id=ADMIN_CHAT, title="Clinic alerts")
        settings = load_settings(
            telegram_bot_token=api.token,
            telegram_api_base_url=api.base_url,
            database_url=database_url,
            admin_alert_chat_id=ADMIN_CHAT,
            admin_ids=frozenset({ADMIN_USER}),
            emergency_number="999",
            urgent_care_text="NHS 111",
            default_timezone="Europe/London",
            telegram_rate_limits=False,
        )
        engine = create_engine(database_url)
        under_test = BotUnderTest(api, clock, session_factory(engine), settings)
        await under_test.start()
        try:
            yield under_test
        finally:
            await under_test.application.shutdown()
            await engine.dispose()
