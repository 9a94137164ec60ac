"""The real python-telegram-bot Application, polling the local server over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.fake_telegram import FakeTelegram


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    clinic = context.args[0] if context.args else "none"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pain 6", callback_data="pain:6")]])
    await update.effective_message.reply_text(f"Welcome, clinic {clinic}", reply_markup=keyboard)


async def pain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You said {query.data}")


@pytest.fixture
async def app(api: FakeTelegram) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pain))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=5)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_polling_bot_answers_a_command_and_a_button(
    api: FakeTelegram,
    app: Application,  # type: ignore[type-arg]
) -> None:
    alex = api.person(1001)

    await alex.command("start", "clinic42")
    [welcome] = await alex.wait_for_replies(1)
    assert welcome.text == "Welcome, clinic clinic42"
    assert welcome.button_labels == ["Pain 6"]

    query_id = await alex.press("Pain 6")
    await api.wait_until(lambda: welcome.edits == 1, what="the welcome to be edited")
    [answer] = api.callback_answers
    assert (answer.query_id, answer.data, answer.text) == (query_id, "pain:6", "Noted")
    assert welcome.text == "You said pain:6"
    assert welcome.reply_markup is None  # an edit without reply_markup drops the keyboard
    assert [call.method for call in api.calls[:2]] == ["getMe", "deleteWebhook"]
