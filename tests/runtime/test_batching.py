"""A check-in hour costs the same number of SQL statements for 20 people as for 60."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from telegram.ext import ExtBot

from bot.clock import ManualClock
from bot.config import load_settings
from bot.conversation.checkin import CheckinPain
from bot.db.engine import create_engine, session_factory
from bot.db.models import CheckIn, Conversation
from bot.fake_telegram import FakeTelegram
from bot.runtime.dispatcher import Dispatcher
from bot.telegram.ratelimit import without_limits
from tests.support.seed import QUESTION_NUMBER, seed_due_checkins

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
FIRST_USER_ID = 500_000


async def _statements_to_drain(database_url: str, people: int) -> tuple[int, int]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    user_ids = range(FIRST_USER_ID, FIRST_USER_ID + people)
    await seed_due_checkins(engine, people, NOW, first_user_id=FIRST_USER_ID)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    async with FakeTelegram(record_calls=False) as api:
        for user_id in user_ids:
            api.person(user_id)
        settings = load_settings(
            telegram_bot_token=api.token,
            telegram_api_base_url=api.base_url,
            database_url=database_url,
        )
        bot: ExtBot[int] = ExtBot(api.token, base_url=api.base_url, rate_limiter=without_limits())
        async with bot:
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            sent = await Dispatcher(sessions, settings, ManualClock(NOW)).tick(bot)
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    async with sessions() as session:
        asked = {
            conversation.person_id: conversation
            for conversation in await session.scalars(select(Conversation))
        }
        check_ins = {
            check_in.person_id: check_in for check_in in await session.scalars(select(CheckIn))
        }
    await engine.dispose()
    # Everyone is now on the pain question of the check-in that was just sent.
    assert len(asked) == len(check_ins) == people
    for person_id, conversation in asked.items():
        assert (conversation.step, conversation.question_number) == (
            CheckinPain.name,
            QUESTION_NUMBER + 1,
        )
        assert conversation.answers == {
            "check_in_id": check_ins[person_id].id,
            "episode_id": check_ins[person_id].episode_id,
        }
    return sent, len(statements)


async def test_scheduled_checkins_are_prepared_in_bulk(
    tmp_path: Path, migrated_sqlite_template: Path
) -> None:
    import shutil

    counts = {}
    for people in (20, 60):
        path = tmp_path / f"{people}.db"
        shutil.copyfile(migrated_sqlite_template, path)
        sent, statements = await _statements_to_drain(f"sqlite+aiosqlite:///{path}", people)
        assert sent == people
        counts[people] = statements
    assert counts[20] == counts[60], counts
