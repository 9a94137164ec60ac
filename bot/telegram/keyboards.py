"""Turning a question's buttons into Telegram keyboards."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot import texts
from bot.conversation.turn import Outgoing
from bot.telegram import callbacks

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def markup(message: Outgoing) -> Markup | None:
    if message.buttons:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        button.label, callback_data=callbacks.encode(message.turn, button.value)
                    )
                    for button in row
                ]
                for row in message.buttons
            ]
        )
    if message.location_keyboard:
        return ReplyKeyboardMarkup(
            [
                [
                    KeyboardButton(label, request_location=label == texts.ZONE_SHARE_LOCATION)
                    for label in row
                ]
                for row in message.location_keyboard
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if message.remove_reply_keyboard:
        return ReplyKeyboardRemove()
    return None
