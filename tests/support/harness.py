"""The real bot against the local Bot API server: the test acts as the person, over HTTP.

Updates reach the bot through its handler entry point (``Application.process_update``, as a
webhook delivers them), and the test waits for the outbox's sender to finish the sends the turn
owed, so it knows exactly when an answer has been handled and replied to; one test also runs
real long polling. Everything the bot sends goes over HTTP to the local server and is read back
from there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.db.engine import create_engine, session_factory
from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.models import SentMessage
from bot.fake_telegram.person import Person
from bot.runtime.dispatcher import Dispatcher
from bot.telegram.app import build_application
from bot.telegram.bot import make_bot
from bot.telegram.sender import Sender

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
"""A Monday, 10:00 in London (UTC in winter)."""

ADMIN_CHAT = -100777
ADMIN_USER = 4242
"""The operator's admin (ADMIN_IDS): a person of the clinic's staff, in their own chat."""


@dataclass
class BotUnderTest:
    api: FakeTelegram
    clock: ManualClock
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    application: Application = field(init=False)  # type: ignore[type-arg]
    sender: Sender = field(init=False)
    errors: list[BaseException] = field(default_factory=list)

    async def start(self) -> None:
        self.sender = Sender(self.sessions, self.settings, self.clock, make_bot(self.settings))
        self.application = build_application(self.settings, self.sessions, self.clock, self.sender)
        self.application.add_error_handler(self.record_error)
        await self.application.initialize()

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.sessions, self.settings, self.clock, self.sender)

    async def tick(self) -> int:
        """One tick of the due queue and the outbox at the clock's current time."""
        return await self.dispatcher().tick()

    async def tick_at(self, moment: datetime) -> int:
        self.clock.set(moment)
        return await self.tick()

    async def restart(self) -> None:
        """Stop the bot process and start a new one on the same database: nothing in memory
        survives, as after a crash or a deploy."""
        await self.sender.stop()
        await self.application.shutdown()
        await self.start()

    async def record_error(self, _update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    async def handle_updates(self) -> None:
        """Hand every queued update to the bot and return once each has been handled."""
        for data in self.api.take_updates():
            await self.application.process_update(Update.de_json(data, self.application.bot))
        await self.sender.idle()
        assert not self.errors, f"the bot raised: {self.errors!r}"

    async def send(self, person: Person, text: str) -> list[SentMessage]:
        """The person types ``text``; returns what the bot sent them in reply."""
        mark = person.mark()
        await person.send(text)
        await self.handle_updates()
        return person.messages[mark:]

    async def command(self, person: Person, name: str, *args: str) -> list[SentMessage]:
        mark = person.mark()
        await person.command(name, *args)
        await self.handle_updates()
        return person.messages[mark:]

    async def tap(self, person: Person, label: str) -> list[SentMessage]:
        """The person taps the newest button labelled ``label``."""
        mark = person.mark()
        await person.press(label)
        await self.handle_updates()
        return person.messages[mark:]

    async def act(self, person: Person, action: Any) -> list[SentMessage]:
        """Any other update (a sticker, an edit, a location), already queued by ``action``."""
        mark = person.mark()
        await action
        await self.handle_updates()
        return person.messages[mark:]

    @property
    def admin_messages(self) -> list[str]:
        return [message.text or "" for message in self.api.sent_to(ADMIN_CHAT)]


@asynccontextmanager
async def bot_under_test(database_url: str, **overrides: Any) -> AsyncIterator[BotUnderTest]:
    """The bot with the clinic's settings (``overrides`` change some), its clock at START."""
    clock = ManualClock(START)
    async with FakeTelegram(wall_clock=lambda: clock.now().timestamp()) as api:
        api.group(chat_id=ADMIN_CHAT, title="Clinic alerts")
        settings = load_settings(
            **{
                "telegram_bot_token": api.token,
                "telegram_api_base_url": api.base_url,
                "database_url": database_url,
                "admin_alert_chat_id": ADMIN_CHAT,
                "admin_ids": frozenset({ADMIN_USER}),
                "emergency_number": "999",
                "urgent_care_text": "NHS 111",
                "default_timezone": "Europe/London",
                "telegram_rate_limits": False,
                **overrides,
            }
        )
        engine = create_engine(
            database_url, sqlite_busy_timeout=settings.database.sqlite_busy_timeout
        )
        under_test = BotUnderTest(api, clock, session_factory(engine), settings)
        await under_test.start()
        try:
            yield under_test
        finally:
            await under_test.sender.stop()
            await under_test.application.shutdown()
            await engine.dispose()
