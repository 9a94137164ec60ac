"""The keyboards, written as Bot API JSON, say what python-telegram-bot's objects would say."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import texts
from bot.conversation.turn import Button, Outgoing
from bot.telegram import callbacks
from bot.telegram.keyboards import markup


def test_inline_buttons_match_ptb() -> None:
    rows = ((Button("0", "0"), Button("1", "1")), (Button("Skip", "skip"),))
    expected = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, callback_data=callbacks.encode(7, button.value))
                for button in row
            ]
            for row in rows
        ]
    )
    assert markup(Outgoing("?", buttons=rows, question_number=7)) == expected.to_dict()


def test_reply_keyboard_asks_for_a_location_only_on_its_button() -> None:
    rows = ((texts.ZONE_SHARE_LOCATION,), ("London", "Paris"))
    expected = ReplyKeyboardMarkup(
        [[KeyboardButton(texts.ZONE_SHARE_LOCATION, request_location=True)], ["London", "Paris"]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    assert markup(Outgoing("Where?", location_keyboard=rows)) == expected.to_dict()


def test_removal_and_no_keyboard() -> None:
    assert markup(Outgoing("ok", remove_reply_keyboard=True)) == ReplyKeyboardRemove().to_dict()
    assert markup(Outgoing("ok")) is None
