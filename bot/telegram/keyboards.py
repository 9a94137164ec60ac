"""Turning a question's buttons into Telegram keyboards.

An inline keyboard's buttons are the same for every person asked the same question; only the
question number in their callback data differs. So the labels and checked values are kept per
set of buttons, and each message only checks its number once and joins it to them.
"""

from __future__ import annotations

import functools

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.conversation.turn import Button, Outgoing
from bot.telegram import callbacks

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

_REMOVE_KEYBOARD = ReplyKeyboardRemove()


def markup(message: Outgoing) -> Markup | None:
    """The ``reply_markup`` of ``message``, or None when it has none."""
    if message.buttons:
        prefix = callbacks.prefix(message.question_number)
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(label, callback_data=prefix + value) for label, value in row]
                for row in _checked(message.buttons)
            ]
        )
    if message.location_keyboard:
        return ReplyKeyboardMarkup(
            [
                [
                    KeyboardButton(label, request_location=True)
                    if (row_number, column) == (0, 0)
                    else KeyboardButton(label)
                    for column, label in enumerate(row)
                ]
                for row_number, row in enumerate(message.location_keyboard)
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if message.remove_reply_keyboard:
        return _REMOVE_KEYBOARD
    return None


@functools.lru_cache(maxsize=64)
def _checked(buttons: tuple[tuple[Button, ...], ...]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Each button's (label, value), its value checked once per set of buttons rather than
    once per message; bounded, as questions with buttons are few but not all fixed."""
    return tuple(
        tuple((button.label, callbacks.check_value(button.value)) for button in row)
        for row in buttons
    )
