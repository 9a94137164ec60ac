"""The update queue: getUpdates long polling, offsets, allowed_updates, direct taking."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, ChatMemberBanned, Update
from telegram.error import Conflict

from bot.fake_telegram import FakeTelegram
from tests.support.fake_bot import make_bot


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    sent = await alex.send("my back hurts")
    [update] = await poll
    assert loop.time() - started < 2
    assert update.update_id == sent["update_id"]
    assert update.message is not None
    assert update.message.text == "my back hurts"

    # Not confirmed yet: served again. A later offset confirms it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    await api.wait_until_updates_consumed(timeout=1)


async def test_empty_long_poll_waits_for_its_timeout(api: FakeTelegram, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()
    assert loop.time() - started >= 0.9  # held until its timeout, not answered at once


async def test_limit_and_allowed_updates(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    for n in range(3):
        await alex.send(f"message {n}")
    await alex.block_bot()
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["message 0", "message 1"]
    only_members = await bot.get_updates(
        offset=first[-1].update_id + 1, timeout=0, allowed_updates=["my_chat_member"]
    )
    [member] = only_members
    assert member.my_chat_member is not None
    assert isinstance(member.my_chat_member.new_chat_member, ChatMemberBanned)
    # Messages were dropped once the bot stopped allowing them; the member update is unconfirmed.
    assert [u["update_id"] for u in api.pending_updates] == [member.update_id]


async def test_take_updates_feeds_process_update(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001, "Alex")
    await alex.command("start", "clinic42")
    await alex.share_location(52.52, 13.40)
    await alex.send_sticker()
    edited = await alex.edit(1, "/start clinic43")
    taken = api.take_updates()
    assert api.pending_updates == []
    updates = [Update.de_json(raw, bot) for raw in taken]
    start, location, sticker, edit = updates
    assert start.message is not None
    assert start.message.text == "/start clinic42"
    assert start.message.entities[0].type == "bot_command"
    assert location.message is not None
    assert location.message.location is not None
    assert location.message.location.latitude == 52.52
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert edit.edited_message is not None
    assert edit.edited_message.text == "/start clinic43"
    assert edited["update_id"] == edit.update_id
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)


async def test_a_second_poller_terminates_the_first(api: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with make_bot(api) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await first


async def test_webhook_blocks_polling_and_delivers_on_loopback(api: FakeTelegram, bot: Bot) -> None:
    from aiohttp import web

    received: list[dict[str, object]] = []

    async def receive(request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await api.person(1001).send("via webhook")
        await api.wait_until_updates_consumed(timeout=3)
        assert [r["message"]["text"] for r in received] == ["via webhook"]  # type: ignore[index]
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"http://127.0.0.1:{port}/hook", 0)
        await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()
