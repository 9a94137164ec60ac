"""``python -m bot demo``: the real bot, offline, with a simulated person, printed as a chat.

No token and no network: the bot runs its real Application, long polling the local Bot API
server on 127.0.0.1, with a SQLite file in a temporary folder. A simulated person enrols and
answers the check-ins the due queue sends, while the clock jumps from one owed message to the
next: the daily check-ins at 09:00 their time, the switch from ice to heat at 48 hours. Once
they have recovered they ask for their pain chart and the summary for their doctor, and the
files the bot sent are kept in a folder the transcript names.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.clock import ManualClock
from bot.config import load_settings
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade_to_head
from bot.fake_telegram import FakeTelegram, SentMessage
from bot.fake_telegram.person import Person
from bot.runtime.dispatcher import Dispatcher
from bot.telegram.app import build_application
from bot.telegram.bot import make_bot
from bot.telegram.sender import Sender
from bot.texts import ENGLISH

ZONE = ZoneInfo("Europe/London")
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
"""A Monday morning: the simulated person has just strained their back lifting a box."""
LAST_HANDLER_GROUP = 99
REPLY_WAIT = 30.0


@dataclass(frozen=True)
class Day:
    """One simulated day's check-in: pain, anything new, a walk, a note."""

    pain: int
    new_flag: str | None = None
    walked: bool = True
    note: str | None = None


RECOVERY = (
    Day(6, note="Stiff getting out of bed"),
    Day(6),
    Day(5, walked=False),
    Day(5, new_flag="Both legs"),
    Day(4),
    Day(4, note="Back at my desk, taking breaks"),
    Day(3),
    Day(3),
    Day(2),
    Day(2),
    Day(1),
    Day(1),
    Day(1),
    Day(0),
)
"""A moderate strain settling over two weeks, with one worrying evening on day 4: tingling in
both legs, an emergency; the check-in is held until the person says they have been seen."""
HELD = "held"
"""What :func:`_check_in` returns when an emergency stopped the check-in (ES-HOLD)."""


class Transcript:
    """Acts as the person and prints every message both ways, in order."""

    def __init__(
        self,
        api: FakeTelegram,
        person: Person,
        print_line: Callable[[str], None],
        files_folder: Path,
        sender: Sender,
    ):
        self._api = api
        self._sender = sender
        self._person = person
        self._print = print_line
        self._files_folder = files_folder
        self._handled: asyncio.Queue[str] = asyncio.Queue()

    async def mark_handled(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs after every other handler: the update's replies have all been sent."""
        query = update.callback_query
        await self._handled.put(query.id if query else str(update.update_id))

    async def _act(self, shown: str, action: Awaitable[Any]) -> list[SentMessage]:
        self._print(f"  👤 {shown}")
        mark = self._person.mark()
        queued = await action
        # A message comes back as its update; a button press as its callback query id.
        expected = str(queued["update_id"]) if isinstance(queued, dict) else str(queued)
        while await asyncio.wait_for(self._handled.get(), REPLY_WAIT) != expected:
            continue
        await asyncio.wait_for(self._sender.idle(), REPLY_WAIT)  # the turn's replies went out
        replies = self._person.messages[mark:]
        for message in replies:
            self._show(message)
        return replies

    def _show(self, message: SentMessage) -> None:
        if message.file is not None and message.file.data is not None:
            self._files_folder.mkdir(parents=True, exist_ok=True)
            kept = self._files_folder / (message.file.filename or message.file.file_id)
            kept.write_bytes(message.file.data)
            size = f"{len(message.file.data) / 1024:.0f} KB"
            self._print(f"  🤖 📎 {message.kind} {kept.name} ({size}), kept as {kept}")
        lines = (message.text or "").splitlines()
        self._print(f"  🤖 {lines[0] if lines else ''}")
        for line in lines[1:]:
            self._print(f"     {line}" if line else "")
        labels = message.button_labels or [
            str(button.get("text", button)) if isinstance(button, dict) else str(button)
            for row in (message.reply_markup or {}).get("keyboard", [])
            for button in row
        ]
        if labels:
            self._print("     " + " ".join(f"[{label}]" for label in labels))
        self._print("")

    async def command(self, name: str, *args: str) -> list[SentMessage]:
        return await self._act(" ".join([f"/{name}", *args]), self._person.command(name, *args))

    async def tap(self, label: str) -> list[SentMessage]:
        return await self._act(f"(taps) {label}", self._person.press(label))

    async def say(self, text: str) -> list[SentMessage]:
        return await self._act(text, self._person.send(text))

    async def scheduled(self, tick: Awaitable[int]) -> list[SentMessage]:
        """What the due queue sends at this moment, with nobody prompting it."""
        mark = self._person.mark()
        await tick
        replies = self._person.messages[mark:]
        for message in replies:
            self._show(message)
        return replies

    def heading(self, text: str) -> None:
        self._print(f"── {text} " + "─" * max(0, 60 - len(text)))


async def _enrol(chat: Transcript) -> None:
    await chat.command("start", "physio-demo")
    for label in ("I agree", "16 to 49", "No, first time"):
        await chat.tap(label)
    for _group in range(4):
        await chat.tap("None of these")
    for label in ("In the last few hours", "Lifting or bending", "6", "Only some"):
        await chat.tap(label)
    await chat.say("Manchester")
    await chat.tap("Manchester, GB")
    await chat.tap("09:00 (usual)")


async def _check_in(chat: Transcript, day: Day) -> bool | str:
    """Answer the check-in the bot just asked; True once it says this looks like recovery,
    :data:`HELD` when an emergency stopped it."""
    await chat.tap(str(day.pain))
    if day.new_flag is None:
        await chat.tap("No")
        return await _finish(chat, day)
    await chat.tap("Yes")
    replies = await chat.tap(day.new_flag)
    if replies and replies[-1].button(ENGLISH.HOLD_LABELS["carry"]) is not None:
        return HELD
    await chat.tap("That's all")
    return await _finish(chat, day)


async def _finish(chat: Transcript, day: Day) -> bool:
    await chat.tap("Yes" if day.walked else "No")
    replies = await (chat.say(day.note) if day.note else chat.tap("Skip"))
    return any("looks like recovery" in (message.text or "") for message in replies)


async def _follow(chat: Transcript, dispatcher: Dispatcher, clock: ManualClock) -> None:
    """Jump the clock from one owed message to the next and let the due queue send it."""
    script = iter(RECOVERY)
    held: Day | None = None
    while (due_at := await dispatcher.next_due()) is not None:
        moment = clock.set(due_at).astimezone(ZONE)
        chat.heading(f"{moment:%A} {moment.day} {moment:%B}, {moment:%H:%M}")
        asked = await chat.scheduled(dispatcher.tick())
        if held is not None and any("Did you get help?" in (m.text or "") for m in asked):
            # ES-FOLLOW-UP, three hours on: seen by someone, so the check-in carries on.
            await chat.tap(ENGLISH.FOLLOW_UP_LABELS["got_help"])
            await chat.tap("That's all")
            if await _finish(chat, held):
                return
            held = None
        elif any((message.text or "").startswith("Check-in, day") for message in asked):
            day = next(script, None)
            if day is None:
                return
            done = await _check_in(chat, day)
            if done == HELD:
                held = day
            elif done:
                return


async def run_demo(print_line: Callable[[str], None], files_folder: Path) -> None:
    clock = ManualClock(START)
    with tempfile.TemporaryDirectory(prefix="backcheck-demo-") as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        await asyncio.to_thread(upgrade_to_head, database_url)
        async with FakeTelegram(wall_clock=lambda: clock.now().timestamp()) as api:
            settings = load_settings(
                telegram_bot_token=api.token,
                telegram_api_base_url=api.base_url,
                database_url=database_url,
                default_timezone=ZONE.key,
                emergency_number="999",
                urgent_care_text="NHS 111",
                telegram_rate_limits=False,
            )
            engine = create_engine(database_url)
            sessions = session_factory(engine)
            sender = Sender(sessions, settings, clock, make_bot(settings))
            application = build_application(settings, sessions, clock, sender)
            person = api.person(424242, "Alex")
            chat = Transcript(api, person, print_line, files_folder, sender)
            application.add_handler(TypeHandler(Update, chat.mark_handled), LAST_HANDLER_GROUP)
            async with application:
                await application.start()
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=5)
                try:
                    chat.heading("Monday 2 March, 10:00: Alex strained their back lifting a box")
                    await _enrol(chat)
                    await _follow(chat, Dispatcher(sessions, settings, clock, sender), clock)
                    chat.heading("Later that day: Alex looks back, and prepares for the physio")
                    await chat.command("history")
                    await chat.command("summary")
                finally:
                    await application.updater.stop()
                    await application.stop()
                    await sender.stop()
            await engine.dispose()
