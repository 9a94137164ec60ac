"""Typed dates of onset, as people in each language write them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation.parsing import calendar_date

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("20/11", date(2026, 11, 20)),
        ("20/11/2026", date(2026, 11, 20)),
        ("20.11", date(2026, 11, 20)),
        ("20.11.", date(2026, 11, 20)),  # German: "am 20.11."
        ("20.11.2026", date(2026, 11, 20)),
        ("20.11.26", date(2026, 11, 20)),
        ("31.12.", date(2025, 12, 31)),  # no year: the most recent such day
    ],
)
def test_a_typed_date(typed: str, meant: date) -> None:
    assert calendar_date(typed, TODAY) == meant


@pytest.mark.parametrize("typed", ["20..11", "20.11..", "32.11.", "20.13.", "2026-11-20.", "."])
def test_not_a_date(typed: str) -> None:
    assert calendar_date(typed, TODAY) is None
