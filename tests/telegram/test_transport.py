"""The bot's requests over aiohttp, against the local Bot API server: what python-telegram-bot
sends arrives whole (text, buttons, files), and what goes wrong becomes python-telegram-bot's
own errors, which the sender already knows how to handle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.fake_telegram import FakeTelegram
from bot.telegram.transport import AiohttpRequest
from tests.support.network import free_port

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"\n%%EOF"


def _bot(api: FakeTelegram, *, read_timeout: float = 5.0, base_url: str | None = None) -> Bot:
    return Bot(
        api.token,
        base_url=base_url or api.base_url,
        base_file_url=api.base_file_url,
        request=AiohttpRequest(4, read_timeout=read_timeout, connect_timeout=1.0),
    )


async def test_a_message_with_buttons_and_a_document_arrive_whole() -> None:
    async with FakeTelegram() as api:
        person = api.person(501, "Ana", language_code="ru")
        async with _bot(api) as bot:
            buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="b1|1|yes")]])
            await bot.send_message(
                person.chat_id, "Сколько баллов? 0-10 «да»", reply_markup=buttons
            )
            await bot.send_document(person.chat_id, PDF, filename="summary.pdf", caption="Résumé ✓")
        text, document = api.sent_to(person.chat_id)
    assert text.text == "Сколько баллов? 0-10 «да»"
    assert text.button_labels == ["Да"]
    assert document.file_bytes == PDF
    assert document.filename == "summary.pdf"
    assert document.text == "Résumé ✓"


async def test_an_answer_slower_than_the_read_timeout_is_timed_out() -> None:
    async with FakeTelegram() as api:
        person = api.person(502, "Bo")
        api.faults.slow(1.5, "sendMessage")
        async with _bot(api, read_timeout=0.5) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(person.chat_id, "hello")


async def test_telegrams_refusals_are_python_telegram_bots_errors() -> None:
    async with FakeTelegram() as api:
        person = api.person(503, "Cy")
        api.faults.retry_after(7, "sendMessage", person.chat_id)
        async with _bot(api) as bot:
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(person.chat_id, "hello")
    assert raised.value.retry_after == timedelta(seconds=7)


async def test_nobody_listening_is_a_network_error() -> None:
    async with FakeTelegram() as api:
        unreachable = f"http://127.0.0.1:{free_port()}/bot"
        with pytest.raises(NetworkError):
            async with _bot(api, base_url=unreachable):  # starting asks getMe
                pass


async def test_a_request_before_initialize_is_refused() -> None:
    request = AiohttpRequest(1, read_timeout=1.0)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/bot", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless


async def test_a_failed_request_never_names_the_url_and_its_token() -> None:
    """aiohttp quotes the URL in some errors; the token is in every Bot API URL."""
    request = AiohttpRequest(1, read_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request("http://127.0.0.1:bad-port/bot123:SECRET/getMe", "POST")
    finally:
        await request.shutdown()
    assert "SECRET" not in str(raised.value)
    assert str(raised.value).startswith("aiohttp.")
