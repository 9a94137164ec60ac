"""After an escalation: when the follow-up is asked (ES-FOLLOW-UP), and the safety-netting
table the clinician signs off (ES-HOLD, ES-FOLLOW-UP, ES-MISTAP)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.care import Level
from bot.care.rules import format_safety_net_table
from bot.care.safety_net import SAFETY_NET_RULES, follow_up_at

LONDON = ZoneInfo("Europe/London")
NINE = time(9, 0)


def test_es_follow_up_three_hours_after_an_emergency() -> None:
    said = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
    assert follow_up_at(Level.EMERGENCY, said, LONDON, NINE) == datetime(
        2026, 11, 30, 13, 15, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("said", "asked"),
    [
        # 20:30 + 3 h = 23:30, quiet: the next 08:00.
        (datetime(2026, 11, 30, 20, 30, tzinfo=UTC), datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        # 02:00 + 3 h = 05:00, quiet: 08:00 the same morning.
        (datetime(2026, 12, 1, 2, 0, tzinfo=UTC), datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        # 18:59 + 3 h = 21:59, not yet quiet.
        (datetime(2026, 11, 30, 18, 59, tzinfo=UTC), datetime(2026, 11, 30, 21, 59, tzinfo=UTC)),
    ],
    ids=["es-follow-up-evening", "es-follow-up-night", "es-follow-up-before-22"],
)
def test_es_follow_up_after_an_emergency_never_in_quiet_hours(
    said: datetime, asked: datetime
) -> None:
    assert follow_up_at(Level.EMERGENCY, said, LONDON, NINE) == asked


def test_es_follow_up_the_next_morning_at_the_checkin_time_after_urgent() -> None:
    # 23:30 in London on 30 November (UTC+0): the next morning is 1 December.
    said = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert follow_up_at(Level.URGENT, said, LONDON, time(10, 30)) == datetime(
        2026, 12, 1, 10, 30, tzinfo=UTC
    )
    # Across the clocks going forward (29 March 2026): 09:00 BST is 08:00 UTC.
    said = datetime(2026, 3, 28, 15, 0, tzinfo=UTC)
    assert follow_up_at(Level.URGENT, said, LONDON, NINE) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_es_follow_up_is_only_for_emergency_and_urgent() -> None:
    with pytest.raises(ValueError, match="SOON"):
        follow_up_at(Level.SOON, datetime(2026, 11, 30, tzinfo=UTC), LONDON, NINE)


def test_es_hold_es_follow_up_es_mistap_are_the_safety_netting_table() -> None:
    assert [rule.id for rule in SAFETY_NET_RULES] == ["ES-HOLD", "ES-FOLLOW-UP", "ES-MISTAP"]
    table = format_safety_net_table()
    starts = [line.split()[0] for line in table.splitlines()[2:] if not line.startswith(" ")]
    assert starts == ["ES-HOLD", "ES-FOLLOW-UP", "ES-MISTAP"]
    assert max(len(line) for line in table.splitlines()) <= 100
