"""The HTTP surface: tokens, method names, body encodings, files."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot
from telegram.error import InvalidToken

from bot.fake_telegram import FakeTelegram
from tests.support.fake_bot import make_bot, raw_call


async def test_wrong_token_is_unauthorized(api: FakeTelegram) -> None:
    status, body = await raw_call(api, "getMe", token="654321:WRONG")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    with pytest.raises(InvalidToken):
        async with make_bot(api, token="654321:WRONG"):
            pass


async def test_unknown_method_is_not_found(api: FakeTelegram) -> None:
    status, body = await raw_call(api, "sendHologram")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_method_names_are_case_insensitive_and_json_bodies_work(api: FakeTelegram) -> None:
    alex = api.person(1001)
    payload = {"chat_id": alex.chat_id, "text": "hi", "reply_markup": {"inline_keyboard": []}}
    status, body = await raw_call(api, "SENDMESSAGE", payload)
    assert status == 200
    assert body["result"]["text"] == "hi"
    assert api.calls[-1].method == "sendMessage"


async def test_query_string_parameters(api: FakeTelegram) -> None:
    url = f"{api.base_url}{api.token}/getMe?unused=1"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert (await response.json())["result"]["username"] == "BackCheckBot"


async def test_uploads_keep_bytes_filename_and_type(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    report = b"%PDF-1.4 weekly pain report"
    photo = await bot.send_photo(
        alex.chat_id, b"\x89PNG fake chart", caption="Your week", filename="week.png"
    )
    document = await bot.send_document(alex.chat_id, report, filename="report.pdf")

    chart, pdf = alex.messages
    assert (chart.kind, chart.text, chart.file_bytes, chart.filename) == (
        "photo",
        "Your week",
        b"\x89PNG fake chart",
        "week.png",
    )
    assert (pdf.kind, pdf.file_bytes, pdf.filename, pdf.mime_type) == (
        "document",
        report,
        "report.pdf",
        "application/pdf",
    )
    assert api.calls_to("sendDocument")[0].files == ("document",)
    assert photo.photo[-1].width == 800
    assert photo.caption == "Your week"
    assert document.document is not None
    assert document.document.file_name == "report.pdf"

    # Telegram lets the bot send a file again by file_id, and download it by file_path.
    await bot.send_document(alex.chat_id, document.document.file_id)
    assert alex.last.file_bytes == report
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == report


async def test_person_photo_can_be_downloaded_by_the_bot(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    update = await alex.send_photo(b"swelling photo", caption="look")
    file_id = update["message"]["photo"][-1]["file_id"]
    downloaded = await (await bot.get_file(file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"swelling photo"
