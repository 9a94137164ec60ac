"""Injected faults reach the bot as python-telegram-bot's own exceptions."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.fake_telegram import FakeTelegram
from tests.support.fake_bot import make_bot


async def test_429_raises_retry_after(
    api: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 deprecates the int form of retry_after
    alex = api.person(1001)
    api.faults.add("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alex.chat_id, "check-in")
    assert caught.value.retry_after == dt.timedelta(seconds=7)
    await bot.send_message(alex.chat_id, "check-in")  # consumed: the retry goes through
    assert alex.texts == ["check-in"]
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]


async def test_403_raises_forbidden(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    api.faults.add(status=403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alex.chat_id, "hello")


@pytest.mark.parametrize(("status", "text"), [(500, "Internal Server Error"), (502, "Bad Gateway")])
async def test_5xx_raises_network_error(
    api: FakeTelegram, bot: Bot, status: int, text: str
) -> None:
    alex = api.person(1001)
    api.faults.add("sendMessage", alex.chat_id, status=status)
    with pytest.raises(NetworkError, match=text) as caught:
        await bot.send_message(alex.chat_id, "hello")
    assert not isinstance(caught.value, BadRequest | TimedOut)


async def test_400_raises_bad_request(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    api.faults.add(
        "editMessageText", status=400, description="Bad Request: message can't be edited"
    )
    sent = await bot.send_message(alex.chat_id, "hello")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("bye", alex.chat_id, sent.message_id)


async def test_slow_answer_times_out_but_still_takes_effect(api: FakeTelegram) -> None:
    alex = api.person(1001)
    api.faults.slow(0.5, "sendMessage")
    async with make_bot(api, read_timeout=0.1) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(alex.chat_id, "did this arrive?")
    # As on Telegram, a request the client gave up on may still have been delivered.
    [late] = await alex.replies_since(0, 1, timeout=2)
    assert late.text == "did this arrive?"


async def test_faults_match_in_order_by_method_and_chat_and_are_consumed(
    api: FakeTelegram, bot: Bot
) -> None:
    alex, sam = api.person(1001), api.person(1002, "Sam")
    only_sam = api.faults.add("sendMessage", sam.chat_id, status=500, times=2)
    api.faults.add(status=403)
    with pytest.raises(Forbidden):  # the first matching fault for Alex is the catch-all one
        await bot.send_message(alex.chat_id, "a")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(sam.chat_id, "s")
    await bot.send_message(sam.chat_id, "s")
    assert (only_sam.hits, only_sam.remaining, len(api.faults)) == (2, 0, 0)
    with pytest.raises(ValueError, match="unknown Bot API method"):
        api.faults.add("sendMesage", status=500)


async def test_a_blocked_person(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    update = await alex.block_bot()
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alex.chat_id, "still there?")
    await alex.unblock_bot()
    await bot.send_message(alex.chat_id, "welcome back")
    assert alex.texts == ["welcome back"]
