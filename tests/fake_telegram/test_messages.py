"""Sending, editing and pressing, with the errors Telegram gives for a bot's mistakes."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.fake_telegram import FakeTelegram
from tests.support.fake_bot import raw_call

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Better", callback_data="v1:trend:better")],
        [InlineKeyboardButton("Worse", callback_data="v1:trend:worse")],
    ]
)


async def test_get_me_is_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "BackCheckBot", True)


async def test_send_message_is_recorded_with_per_chat_ids(api: FakeTelegram, bot: Bot) -> None:
    alex, sam = api.person(1001), api.person(1002, "Sam")
    first = await bot.send_message(alex.chat_id, "Hello Alex")
    await bot.send_message(sam.chat_id, "Hello Sam")
    second = await bot.send_message(alex.chat_id, "How is your back?")

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.from_user is not None
    assert first.from_user.username == "BackCheckBot"
    assert alex.texts == ["Hello Alex", "How is your back?"]
    assert api.sent_to(sam.chat_id)[0].text == "Hello Sam"
    assert [(c.method, c.params["chat_id"]) for c in api.calls_to("sendMessage")] == [
        ("sendMessage", 1001),
        ("sendMessage", 1002),
        ("sendMessage", 1001),
    ]
    method, params = api.calls[-1]
    assert (method, params["text"]) == ("sendMessage", "How is your back?")


async def test_press_delivers_the_callback_query_and_answers_are_kept(
    api: FakeTelegram, bot: Bot
) -> None:
    alex = api.person(1001)
    sent = await bot.send_message(alex.chat_id, "Since yesterday?", reply_markup=KEYBOARD)

    query_id = await alex.press("Worse")
    [raw] = api.take_updates()
    update = Update.de_json(raw, bot)
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "v1:trend:worse", 1001)
    assert query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query_id, text="Thanks")
    assert [(a.data, a.text) for a in api.callback_answers] == [("v1:trend:worse", "Thanks")]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)  # a query is answered once


async def test_press_unknown_label_lists_the_buttons(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    await bot.send_message(alex.chat_id, "Since yesterday?", reply_markup=KEYBOARD)
    with pytest.raises(AssertionError, match=r"'Same'.*\['Better', 'Worse'\]"):
        await alex.press("Same")


async def test_expired_and_forged_queries(api: FakeTelegram, bot: Bot) -> None:
    clock = [100.0]
    api.now = lambda: clock[0]
    alex = api.person(1001)
    sent = await bot.send_message(alex.chat_id, "Pain?", reply_markup=KEYBOARD)
    forged = await alex.press_data(sent.message_id, "v9:nonsense")
    assert api.take_updates()[0]["callback_query"]["data"] == "v9:nonsense"
    clock[0] += api.callback_query_ttl + 1
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(forged)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")


async def test_edit_message_text_and_markup(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    sent = await bot.send_message(alex.chat_id, "Pain today?", reply_markup=KEYBOARD)

    await bot.edit_message_text("Pain today? (answered)", alex.chat_id, sent.message_id)
    message = alex.message(sent.message_id)
    assert (message.text, message.edits, message.reply_markup) == (
        "Pain today? (answered)",
        1,
        None,
    )

    await bot.edit_message_reply_markup(alex.chat_id, sent.message_id, reply_markup=KEYBOARD)
    assert message.button_labels == ["Better", "Worse"]
    assert message.edits == 2
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(alex.chat_id, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Pain today? (answered)", alex.chat_id, sent.message_id, reply_markup=KEYBOARD
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alex.chat_id, 999)
    # Same words, new formatting: modified. Same formatting through another parse mode: not.
    await bot.edit_message_text(
        "<b>Pain today? (answered)</b>", alex.chat_id, sent.message_id, parse_mode="HTML"
    )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Pain today? (answered)</b>", alex.chat_id, sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(AssertionError, match=r"(?i)no button labelled"):
        await alex.press("Pain 6")


async def test_delete_message(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    sent = await bot.send_message(alex.chat_id, "temporary", reply_markup=KEYBOARD)
    assert await bot.delete_message(alex.chat_id, sent.message_id)
    assert alex.last.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("again", alex.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alex.chat_id, sent.message_id)
    with pytest.raises(AssertionError, match=r"(?i)no inline keyboards"):
        await alex.press("Better")


async def test_what_telegram_rejects(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "hello?")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alex.chat_id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alex.chat_id, "<b> </b>", parse_mode=ParseMode.HTML)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alex.chat_id, "Pick", reply_markup=too_long)
    for markup, reason in (
        ({"inline_keyboard": [[{"text": "A"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [{"text": "A", "callback_data": "a"}]}, "Array of Arrays"),
        ({"inline_keyboard": [[{"text": "", "callback_data": "a"}]]}, "Text must be non-empty"),
    ):
        payload = {"chat_id": alex.chat_id, "text": "Pick", "reply_markup": markup}
        status, body = await raw_call(api, "sendMessage", payload)
        assert (status, body["error_code"]) == (400, 400)
        assert reason in body["description"]
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(alex.chat_id, "I <3 my back", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Character '.' is reserved"):
        await bot.send_message(alex.chat_id, "Day 3. Keep moving", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(alex.chat_id, "re", reply_to_message_id=77)
    assert alex.messages == []
    assert [c.status for c in api.calls_to("sendMessage")] == [400] * 10


async def test_parse_modes_keep_the_plain_text(api: FakeTelegram, bot: Bot) -> None:
    alex = api.person(1001)
    await bot.send_message(alex.chat_id, "<b>Day 3</b> &amp; ice", parse_mode=ParseMode.HTML)
    await bot.send_message(alex.chat_id, "*Day 3*\\. Ice\\!", parse_mode=ParseMode.MARKDOWN_V2)
    assert alex.texts == ["Day 3 & ice", "Day 3. Ice!"]
    assert alex.last.raw_text == "*Day 3*\\. Ice\\!"


async def test_chat_action_commands_menu(api: FakeTelegram, bot: Bot) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    alex = api.person(1001)
    assert await bot.send_chat_action(alex.chat_id, "typing")
    menu = [BotCommand("start", "Begin"), BotCommand("checkin", "Check in now")]
    await bot.set_my_commands(menu)
    await bot.set_my_commands(menu[:1], scope=BotCommandScopeAllPrivateChats(), language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "checkin"]
    assert api.commands() == [
        {"command": "start", "description": "Begin"},
        {"command": "checkin", "description": "Check in now"},
    ]
    assert api.commands({"type": "all_private_chats"}, "de") == [
        {"command": "start", "description": "Begin"}
    ]
    assert api.commands({"type": "all_private_chats"}) == []
    await bot.delete_my_commands()
    assert api.commands() == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Check-In", "bad name")])
