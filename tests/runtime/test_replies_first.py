"""Replies first: while people wait for the bot, the due queue's bulk messages wait too (for
a while at most), and an escalation never does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select
from telegram import Chat, Message, Update, User

from bot.conversation.turn import Outgoing
from bot.db.models import OutboxKind, Person
from bot.queue import outbox
from bot.telegram import sender as sender_module
from bot.telegram.updates import PerPersonUpdates
from tests.support.harness import BotUnderTest
from tests.support.seed import seed_due_checkins

WAVE = 3
FIRST_USER = 700_000


def _update_from(user_id: int) -> Update:
    user = User(user_id, "Sam", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    return Update(user_id, message=Message(user_id, None, chat, from_user=user))  # type: ignore[arg-type]


async def _owe_wave_and_an_escalation(bot: BotUnderTest) -> int:
    """``WAVE`` check-ins due now, and an escalation owed to the first of those people; the
    escalation's chat."""
    engine = bot.sessions.kw["bind"]
    await seed_due_checkins(engine, WAVE + 1, bot.clock.now(), first_user_id=FIRST_USER)
    for user_id in range(FIRST_USER, FIRST_USER + WAVE + 1):
        bot.api.person(user_id)
    async with bot.sessions.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == FIRST_USER))
        assert person is not None
        await outbox.post(
            session,
            [
                outbox.Letter(
                    person.chat_id,
                    person.id,
                    OutboxKind.ESCALATION,
                    Outgoing("Call 999 now.").to_payload(),
                )
            ],
            bot.clock.now(),
        )
    return FIRST_USER


def _wave_sent(bot: BotUnderTest) -> int:
    chats = range(FIRST_USER + 1, FIRST_USER + WAVE + 1)
    return sum(len(bot.api.sent_to(chat)) for chat in chats)


@asynccontextmanager
async def _people_waiting(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, longest: float
) -> AsyncIterator[asyncio.Event]:
    """One person's update being handled (until the event is set) and another's waiting for
    the one slot, with scheduled messages waiting at most ``longest`` seconds for them."""
    monkeypatch.setattr(sender_module, "REPLIES_FIRST_LONGEST", longest)
    updates = PerPersonUpdates(max_concurrent_updates=1)
    bot.sender.replies_first(updates)
    answered = asyncio.Event()
    async with updates:
        first = asyncio.create_task(updates.process_update(_update_from(1), answered.wait()))
        waiting = asyncio.create_task(updates.process_update(_update_from(2), asyncio.sleep(0)))
        yield answered
        answered.set()
        await asyncio.gather(first, waiting)


async def test_the_wave_waits_while_people_wait_and_an_escalation_does_not(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    escalation_chat = await _owe_wave_and_an_escalation(bot)
    async with _people_waiting(bot, monkeypatch, longest=60.0) as answered:
        ticking = asyncio.create_task(bot.tick())
        await bot.api.wait_until(
            lambda: any("999" in (m.text or "") for m in bot.api.sent_to(escalation_chat)),
            what="the escalation",
        )
        assert _wave_sent(bot) == 0
        answered.set()
        await ticking
    assert _wave_sent(bot) == WAVE


async def test_the_wave_goes_on_when_people_keep_writing(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _owe_wave_and_an_escalation(bot)
    async with _people_waiting(bot, monkeypatch, longest=0.05):
        async with asyncio.timeout(10):  # a wave held for good would hang here
            await bot.tick()
        assert _wave_sent(bot) == WAVE
