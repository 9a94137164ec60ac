"""A check-in hour is decided in the same number of SQL statements for 20 people as for 60, and
every one of them gets their check-in, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.clock import ManualClock
from bot.config import load_settings
from bot.conversation.checkin import CheckinPain
from bot.db.engine import create_engine, session_factory
from bot.db.models import CheckIn, Conversation
from bot.fake_telegram import FakeTelegram
from bot.runtime.dispatcher import Dispatcher
from bot.telegram.bot import make_bot
from bot.telegram.sender import Sender
from tests.support.seed import QUESTION_NUMBER, seed_due_checkins

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
FIRST_USER_ID = 500_000


async def _statements_to_decide(database_url: str, people: int) -> tuple[int, int]:
    """Statements the due check-ins cost to decide (into the outbox), then how many messages
    the outbox sent."""
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
            telegram_rate_limits=False,
        )
        clock = ManualClock(NOW)
        sender = Sender(sessions, settings, clock, make_bot(settings))
        dispatcher = Dispatcher(sessions, settings, clock, sender)
        async with sender.bot:
            event.listen(engine.sync_engine, "before_cursor_execute", count)
            assert await dispatcher.decide() == people
            event.remove(engine.sync_engine, "before_cursor_execute", count)
            sent = await dispatcher.tick()
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
    return len(statements), sent


async def test_scheduled_checkins_are_prepared_in_bulk(
    tmp_path: Path, migrated_sqlite_template: Path
) -> None:
    import shutil

    counts = {}
    for people in (20, 60):
        path = tmp_path / f"{people}.db"
        shutil.copyfile(migrated_sqlite_template, path)
        statements, sent = await _statements_to_decide(f"sqlite+aiosqlite:///{path}", people)
        assert sent == people
        counts[people] = statements
    assert counts[20] == counts[60], counts
