"""Long polling for real, and two bot processes sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.db.engine import create_engine, session_factory
from bot.db.models import Person, PersonStatus
from bot.fake_telegram import FakeTelegram
from bot.fake_telegram.person import Person as ChatPerson
from tests.support.command_line import REPO, environment
from tests.support.harness import BotUnderTest


async def test_long_polling_serves_a_person(bot: BotUnderTest) -> None:
    application = bot.application
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        lou = bot.api.person(4001, "Lou")
        await lou.command("start")
        [welcome] = await lou.wait_for_replies(1)
        assert (welcome.text or "").startswith("Hello, I'm BackCheck.")
        await lou.press("I agree")
        [age] = await lou.wait_for_replies(1)
        assert age.text == "How old are you?"
    finally:
        await application.updater.stop()
        await application.stop()


@asynccontextmanager
async def bot_process(api: FakeTelegram, database_url: str) -> AsyncIterator[None]:
    """``python -m bot run``: a separate process polling the local Bot API server."""
    env = environment(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=database_url,
        DEFAULT_TIMEZONE="Europe/London",
        TELEGRAM_RATE_LIMITS="false",
        # Poll again at once: an update it fetched is confirmed (by the next poll's offset)
        # before the test takes the next one for the other process.
        TELEGRAM_POLL_INTERVAL="0",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=REPO
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _second_worker_handles(bot: BotUnderTest, person: ChatPerson, label: str) -> None:
    """Tap ``label`` and hand the update straight to the in-process worker, before the polling
    process can fetch it (nothing awaits between queueing and taking)."""
    mark = person.mark()
    await person.press(label)
    [update] = bot.api.take_updates()
    await bot.application.process_update(Update.de_json(update, bot.application.bot))
    await bot.sender.idle()
    assert not bot.errors
    assert len(person.messages) > mark


@pytest.mark.postgres
async def test_two_processes_share_one_person_on_postgresql(postgres_url: str) -> None:
    from tests.support.harness import bot_under_test

    async with bot_under_test(postgres_url) as bot, bot_process(bot.api, postgres_url):
        mo = bot.api.person(4002, "Mo")
        await mo.command("start")
        await mo.wait_for_replies(1, timeout=30)  # the polling process answered
        await _second_worker_handles(bot, mo, "I agree")
        await mo.press("16 to 49")
        await mo.wait_for_replies(1, timeout=10)
        await _second_worker_handles(bot, mo, "No, first time")
        for index in range(4):
            if index % 2:
                await _second_worker_handles(bot, mo, "None of these")
            else:
                await mo.press("None of these")
                await mo.wait_for_replies(1, timeout=10)
        await _second_worker_handles(bot, mo, "In the last few hours")
        await mo.press("Lifting or bending")
        await mo.wait_for_replies(1, timeout=10)
        await _second_worker_handles(bot, mo, "5")
        await mo.press("Yes")
        await mo.wait_for_replies(1, timeout=10)
        await mo.send("London")
        await mo.wait_for_replies(2, timeout=10)
        await _second_worker_handles(bot, mo, "09:00 (usual)")
        assert "You're all set" in (mo.last.text or "")
        menu = bot.api.commands_by_scope[(json.dumps({"type": "default"}), "")]
        assert [command["command"] for command in menu][:2] == ["start", "checkin"]

    engine = create_engine(postgres_url)
    async with session_factory(engine)() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 4002))
    await engine.dispose()
    assert person is not None
    assert person.status is PersonStatus.ACTIVE


@asynccontextmanager
async def send_worker(
    api: FakeTelegram, database_url: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot worker --until-idle``: a separate process draining the due queue."""
    env = environment(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=database_url,
        TELEGRAM_RATE_LIMITS="false",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", "--until-idle", env=env, cwd=REPO
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.postgres
async def test_two_workers_send_every_due_message_exactly_once(postgres_url: str) -> None:
    from datetime import UTC, datetime

    from bot.db.models import DueMessage, DueStatus
    from tests.support.seed import seed_due_checkins

    people = 2000
    user_ids = range(900_000, 900_000 + people)
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    await seed_due_checkins(engine, people, datetime.now(UTC), first_user_id=user_ids[0])
    async with FakeTelegram(record_calls=False) as api:
        chats = [api.person(user_id, f"P{user_id}") for user_id in user_ids]
        async with (
            send_worker(api, postgres_url) as first,
            send_worker(api, postgres_url) as second,
        ):
            assert await asyncio.wait_for(first.wait(), timeout=240) == 0
            assert await asyncio.wait_for(second.wait(), timeout=240) == 0
        sends = {chat.chat_id: [m.text or "" for m in chat.messages] for chat in chats}
    async with sessions() as session:
        statuses = set(
            await session.scalars(select(DueMessage.status).where(DueMessage.slot != "x"))
        )
        checkins_sent = await session.scalar(
            select(func.count()).where(
                DueMessage.kind == "checkin", DueMessage.status == DueStatus.SENT
            )
        )
    await engine.dispose()
    assert all(len(texts) == 1 for texts in sends.values()), {
        chat: texts for chat, texts in sends.items() if len(texts) != 1
    }
    assert all(texts[0].startswith("Check-in, day 1") for texts in sends.values())
    assert checkins_sent == people
    assert DueStatus.CLAIMED not in statuses
