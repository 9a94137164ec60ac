"""Reading what people type: strict, so a misread answer is never stored.

"7/10", "seven" or "about 6" are refused with a hint rather than guessed at: a pain score that
the person did not mean would feed the trend rules and could hide a worsening.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time

from bot.care import PAIN_MAX, PAIN_MIN, valid_checkin_time

_PAIN = re.compile(r"\s*(\d{1,2})\s*")
_TIME = re.compile(r"\s*(\d{1,2})[:.h](\d{2})\s*")
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")
_DAY_MONTH = re.compile(r"\s*(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?\.?\s*")
MAX_TEXT = 100
"""Longer text cannot be an answer to a short question; it is not even parsed."""


TEXT_LIMIT = 4096
"""Telegram's own limit on a message's text: anything longer did not come from Telegram."""
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)
"""Right-to-left overrides, embeddings and isolates: they reorder what follows them on screen,
so a note could show a doctor something other than what it says."""


def clean_text(text: str) -> str:
    """What a person typed, as it is kept and shown everywhere: Unicode NFC, without control
    characters (a newline stays; a tab or a carriage return becomes a space or goes) and
    without direction overrides, cut at :data:`TEXT_LIMIT`. The same on both databases:
    PostgreSQL refuses a NUL byte that SQLite would store."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\t", " ")
    kept = "".join(
        character
        for character in text.translate(_BIDI_CONTROLS)
        if character == "\n" or unicodedata.category(character) != "Cc"
    )
    return kept[:TEXT_LIMIT]


def pain_score(text: str) -> int | None:
    """A whole number from 0 to 10, or None."""
    match = _PAIN.fullmatch(text) if len(text) <= MAX_TEXT else None
    if match is None:
        return None
    score = int(match.group(1))
    return score if PAIN_MIN <= score <= PAIN_MAX else None


def checkin_time(text: str) -> time | None:
    """A wall time like 09:00, 9.30 or 19h30 within the allowed check-in hours, or None."""
    match = _TIME.fullmatch(text) if len(text) <= MAX_TEXT else None
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    chosen = time(hour, minute)
    return chosen if valid_checkin_time(chosen) else None


def calendar_date(text: str, today: date) -> date | None:
    """2026-11-20, 20/11, 20/11/2026 or 20.11. (day first, as most of the world writes it; the
    German way ends in a dot), or None.

    A day and month without a year mean the most recent such date on or before ``today``.
    """
    if len(text) > MAX_TEXT:
        return None
    try:
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _DAY_MONTH.fullmatch(text):
            day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
            if year is not None:
                return date(int(year) + (2000 if len(year) == 2 else 0), month, day)
            candidate = date(today.year, month, day)
            return candidate if candidate <= today else date(today.year - 1, month, day)
    except ValueError:
        return None
    return None
