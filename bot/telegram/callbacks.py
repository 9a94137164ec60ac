"""Callback data: short, versioned and checked, because any client can send any bytes.

``b1|<turn>|<value>``: the format version, the conversation turn the question was asked in, and
the answer. A tap whose data does not parse, or whose turn is not the live one, is stale or
forged and changes nothing.
"""

from __future__ import annotations

import re

from telegram.constants import InlineKeyboardButtonLimit

PREFIX = "b1"
_DATA = re.compile(r"b1\|(\d{1,9})\|([A-Za-z0-9:+_.-]{1,40})")


def encode(turn: int, value: str) -> str:
    data = f"{PREFIX}|{turn}|{value}"
    if (
        not _DATA.fullmatch(data)
        or len(data.encode()) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    ):
        raise ValueError(f"callback value not encodable: {value!r}")
    return data


def decode(data: str | None) -> tuple[int, str] | None:
    """(turn, value), or None for anything this bot did not write."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    return int(match.group(1)), match.group(2)
