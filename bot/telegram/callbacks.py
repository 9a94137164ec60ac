"""Callback data: short, versioned and checked, because any client can send any bytes.

``b1|<question number>|<value>``: the format version, the number of the question in the person's
conversation, and the answer. A tap whose data does not parse, or whose question is not the live
one, is stale or forged and changes nothing.

Writing is checked in two parts, :func:`prefix` (the question number) and :func:`check_value`
(the answer), so that a keyboard can check its values once and only its number per message
(:mod:`bot.telegram.keyboards`); :func:`encode` is the two together.
"""

from __future__ import annotations

import re

from telegram.constants import InlineKeyboardButtonLimit

PREFIX = "b1"
_NUMBER_DIGITS = 9
_VALUE_LENGTH = 40
_PREFIX = re.compile(rf"{PREFIX}\|\d{{1,{_NUMBER_DIGITS}}}\|")
_VALUE = re.compile(rf"[A-Za-z0-9:+_.-]{{1,{_VALUE_LENGTH}}}")
_DATA = re.compile(rf"{PREFIX}\|(\d{{1,{_NUMBER_DIGITS}}})\|({_VALUE.pattern})")

# Every data the two checks let through is ASCII and at most this long, so none can exceed
# Telegram's limit; said once here rather than measured on every button.
if len(PREFIX) + 2 + _NUMBER_DIGITS + _VALUE_LENGTH > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
    raise ImportError("callback data could exceed Telegram's MAX_CALLBACK_DATA")


def prefix(question_number: int) -> str:
    """``b1|<question number>|``: what the data of every button of one question starts with."""
    data = f"{PREFIX}|{question_number}|"
    if not _PREFIX.fullmatch(data):
        raise ValueError(f"question number not encodable: {question_number!r}")
    return data


def check_value(value: str) -> str:
    """``value`` if it can be a button's answer, else ValueError."""
    if not _VALUE.fullmatch(value):
        raise ValueError(f"callback value not encodable: {value!r}")
    return value


def encode(question_number: int, value: str) -> str:
    return prefix(question_number) + check_value(value)


def decode(data: str | None) -> tuple[int, str] | None:
    """(question number, value), or None for anything this bot did not write."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    return int(match.group(1)), match.group(2)
