"""BackCheck's aiohttp transport behaves as python-telegram-bot's own: bodies, uploads, errors."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.fake_telegram import FakeTelegram
from bot.telegram.aiohttp_request import AiohttpRequest


def aiohttp_bot(api: FakeTelegram, request: AiohttpRequest | None = None) -> Bot:
    return Bot(
        api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=request or AiohttpRequest(connect_timeout=2.0),
    )


async def test_messages_with_keyboards_round_trip(api: FakeTelegram) -> None:
    alex = api.person(1001)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pain 6", callback_data="b1|3|6")]])
    async with aiohttp_bot(api) as bot:
        sent = await bot.send_message(alex.chat_id, "Héllo, día 1", reply_markup=keyboard)
    assert sent.text == "Héllo, día 1"
    assert sent.reply_markup == keyboard
    assert alex.texts == ["Héllo, día 1"]


async def test_uploads_keep_bytes_filename_and_type(api: FakeTelegram) -> None:
    alex = api.person(1001)
    async with aiohttp_bot(api) as bot:
        await bot.send_document(alex.chat_id, b"%PDF-1.4 report", filename="report.pdf")
    [pdf] = alex.messages
    assert (pdf.kind, pdf.file_bytes, pdf.filename, pdf.mime_type) == (
        "document",
        b"%PDF-1.4 report",
        "report.pdf",
        "application/pdf",
    )


async def test_telegram_errors_keep_their_meaning(
    api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    alex = api.person(1001)
    api.faults.retry_after(7, "sendMessage")
    api.faults.blocked("sendMessage")
    api.faults.server_error("sendMessage", status=502)
    async with aiohttp_bot(api) as bot:
        with pytest.raises(RetryAfter) as too_many:
            await bot.send_message(alex.chat_id, "1")
        with pytest.raises(Forbidden):
            await bot.send_message(alex.chat_id, "2")
        with pytest.raises(NetworkError, match="Bad Gateway") as server_error:
            await bot.send_message(alex.chat_id, "3")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999_999, "4")
    assert too_many.value.retry_after == dt.timedelta(seconds=7)
    assert not isinstance(server_error.value, BadRequest | TimedOut)


async def test_a_slow_answer_times_out(api: FakeTelegram) -> None:
    alex = api.person(1001)
    api.faults.slow(0.5, "sendMessage")
    async with aiohttp_bot(api, AiohttpRequest(read_timeout=0.1)) as bot:
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(alex.chat_id, "did this arrive?")
    assert "Pool timeout" not in caught.value.message


async def test_a_full_pool_times_out_without_sending(api: FakeTelegram) -> None:
    alex = api.person(1001)
    api.faults.slow(0.5, "sendMessage")
    async with aiohttp_bot(api, AiohttpRequest(connection_pool_size=1, pool_timeout=0.05)) as bot:
        slow = asyncio.create_task(bot.send_message(alex.chat_id, "first"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(alex.chat_id, "second")
        await slow
    assert alex.texts == ["first"]


async def test_no_server_is_a_network_error() -> None:
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post("http://127.0.0.1:9/bot123:ABC/getMe")
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp." in caught.value.message


async def test_initialize_and_shutdown_are_idempotent() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot123:ABC/getMe", "POST")
    await request.initialize()
    await request.initialize()
    await request.shutdown()
    await request.shutdown()
