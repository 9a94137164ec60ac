"""Acting as people, groups and channels; waiting for the bot without sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import Bot, Update
from telegram.error import RetryAfter
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from bot.fake_telegram import FakeTelegram, RateLimits
from tests.support.fake_bot import make_bot


async def test_wait_for_replies_counts_from_the_last_action(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    await bot.send_message(alex.chat_id, "old news")
    await alex.send("hi")

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(alex.chat_id, "Hello!")
        await bot.send_message(alex.chat_id, "How is your back today?")

    task = asyncio.create_task(reply_later())
    replies = await alex.wait_for_replies(2, timeout=2)
    await task
    assert [m.text for m in replies] == ["Hello!", "How is your back today?"]


async def test_timeout_lists_what_the_chat_received(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    await bot.send_message(alex.chat_id, "before")
    mark = alex.mark()
    await bot.send_message(alex.chat_id, "only one")
    with pytest.raises(TimeoutError, match=r"(?s)got 1.*'only one'.*before the mark.*'before'"):
        await alex.replies_since(mark, 2, timeout=0.1)


async def test_process_update_handler_entry_point(api: FakeTelegram) -> None:
    """Tests may skip polling: take the queued updates and hand them to the Application."""
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome")

    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(api.token).base_url(api.base_url).updater(None).build()
    )
    app.add_handler(CommandHandler("start", start))
    group = api.group(-100123, "Clinic staff")
    alex = api.person(1001)
    async with app:
        await alex.command("start", "clinic42")
        await group.command(alex, "start", "staff", mention=True)
        for raw in api.take_updates():
            await app.process_update(Update.de_json(raw, app.bot))
    assert seen == [["clinic42"], ["staff"]]
    assert alex.texts == group.texts == ["Welcome"]
    assert group.chat["type"] == "supergroup"


async def test_channel_post(api: FakeTelegram, bot: Bot) -> None:
    channel = api.channel(-100456, "BackCheck news")
    update = Update.de_json((await channel.post("Release 1.0")) | {}, bot)
    assert update.channel_post is not None
    assert update.channel_post.text == "Release 1.0"
    sent = await bot.send_message(channel.chat_id, "Thanks")
    assert sent.sender_chat is not None
    assert sent.sender_chat.id == channel.chat_id


async def test_send_times_use_the_injected_clock() -> None:
    clock = [0.0]
    async with FakeTelegram(now=lambda: clock[0]) as api, make_bot(api) as client:
        alex, sam = api.person(1001), api.person(1002)
        for at in (0.0, 0.4, 1.5):
            clock[0] = at
            await client.send_message(alex.chat_id, "x")
            await client.send_message(sam.chat_id, "y")
        assert api.send_times(alex.chat_id) == [0.0, 0.4, 1.5]
        assert alex.messages[1].sent_at == 0.4
        assert api.max_sends_in_window(alex.chat_id, 1.0) == 2
        assert api.max_sends_in_window(None, 1.0) == 4


async def test_enforced_limits_answer_429(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    clock = [0.0]
    limits = RateLimits(per_chat=1.0, per_chat_window=2.0, overall=30.0)
    server = FakeTelegram(now=lambda: clock[0], enforce_limits=True, limits=limits)
    async with server as api, make_bot(api) as client:
        alex = api.person(1001)
        await client.send_message(alex.chat_id, "1")
        await client.send_message(alex.chat_id, "2")
        with pytest.raises(RetryAfter) as caught:
            await client.send_message(alex.chat_id, "3")
        assert caught.value.retry_after == dt.timedelta(seconds=2)
        clock[0] = 2.0
        await client.send_message(alex.chat_id, "3")
        assert alex.texts == ["1", "2", "3"]


async def test_paid_broadcasts_go_past_the_free_overall_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    limits = RateLimits(per_chat=1.0, per_chat_window=1.0, overall=30.0, paid_overall=1000.0)
    server = FakeTelegram(now=lambda: 0.0, enforce_limits=True, limits=limits)
    async with server as api, make_bot(api) as client:
        for user_id in range(2001, 2101):  # 100 chats within the same second
            chat_id = api.person(user_id).chat_id
            await client.send_message(chat_id, "Check-in", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):  # a free message is still held to 30 a second
            await client.send_message(api.person(3001).chat_id, "Check-in")
        assert api.max_sends_in_window(None, 1.0) == 100
