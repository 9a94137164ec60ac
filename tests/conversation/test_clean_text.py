"""Free text is cleaned at the edge: NFC, no control characters but newlines, no direction
overrides, within Telegram's length; then stored, drawn and exported as it was cleaned, on both
databases."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.conversation.parsing import TEXT_LIMIT, clean_text
from bot.db.models import CheckIn
from bot.insight.export import COLUMNS
from tests.support.enrol import enrol
from tests.support.harness import ADMIN_USER, BotUnderTest

HOSTILE = "A\x00B\x1b[31mC\x07D\u202eE\u2066F\r\nG\tH"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=5000))
def test_cleaned_text_is_nfc_without_controls_and_cleaning_it_again_changes_nothing(
    text: str,
) -> None:
    cleaned = clean_text(text)
    assert unicodedata.is_normalized("NFC", cleaned) or len(cleaned) == TEXT_LIMIT
    assert all(c == "\n" or unicodedata.category(c) != "Cc" for c in cleaned)
    assert not {"\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"} & set(cleaned)
    assert len(cleaned) <= TEXT_LIMIT
    assert clean_text(cleaned) == cleaned


def test_hostile_characters_go_and_the_words_stay() -> None:
    assert clean_text(HOSTILE) == "AB[31mCDEF\nG H"
    assert clean_text("e\u0301 déjà vu 🙂 Приве́т") == "é déjà vu 🙂 Приве́т"


@pytest.mark.each_database
async def test_a_hostile_note_is_stored_cleaned_and_exported_as_stored(bot: BotUnderTest) -> None:
    """PostgreSQL refuses a NUL byte SQLite would take: cleaned at the edge, both store the
    same note, and the person gets their reply."""
    ana = bot.api.person(7501, "Ana")
    await enrol(bot, ana)
    bot.clock.advance(timedelta(days=1))
    await bot.command(ana, "checkin")
    for label in ("4", "No", "Yes"):
        await bot.tap(ana, label)
    replies = await bot.send(ana, f"Stiff {HOSTILE} today")
    assert "Thanks, that's saved." in (replies[-1].text or "")
    async with bot.sessions() as session:
        note = await session.scalar(select(CheckIn.note).where(CheckIn.note.is_not(None)))
    assert note == clean_text(f"Stiff {HOSTILE} today")
    # The doctor's summary carries it as stored (on one line); the export leaves notes out.
    [_summary_file, summary] = await bot.command(ana, "summary")
    assert " ".join(note.split()) in (summary.text or "")
    admin = bot.api.person(ADMIN_USER, "Admin")
    [document] = await bot.command(admin, "export")
    rows = list(csv.reader(io.StringIO((document.file_bytes or b"").decode())))
    assert tuple(rows[0]) == COLUMNS
    assert "Stiff" not in (document.file_bytes or b"").decode()
