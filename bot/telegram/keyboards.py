"""Turning a question's buttons into Telegram keyboards, in the Bot API's own JSON shape.

Plain dicts rather than python-telegram-bot's ``InlineKeyboardMarkup`` objects: the markup is
only ever serialised, and building, freezing and serialising a dozen keyboard objects per
message was a large part of the cost of sending one (BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.conversation.turn import Outgoing
from bot.telegram import callbacks

Markup = dict[str, Any]

_REMOVE_KEYBOARD: Markup = {"remove_keyboard": True}


def markup(message: Outgoing) -> Markup | None:
    """The ``reply_markup`` of ``message``, or None when it has none."""
    if message.buttons:
        return {
            "inline_keyboard": [
                [
                    {
                        "text": button.label,
                        "callback_data": callbacks.encode(message.turn, button.value),
                    }
                    for button in row
                ]
                for row in message.buttons
            ]
        }
    if message.location_keyboard:
        return {
            "keyboard": [
                [_reply_button(label) for label in row] for row in message.location_keyboard
            ],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
    if message.remove_reply_keyboard:
        return _REMOVE_KEYBOARD
    return None


def _reply_button(label: str) -> dict[str, Any]:
    if label == texts.ZONE_SHARE_LOCATION:
        return {"text": label, "request_location": True}
    return {"text": label}
