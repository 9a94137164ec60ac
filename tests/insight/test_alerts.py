"""/alerts: EMERGENCY and URGENT only, newest first, pseudonyms and rule ids, no Telegram ids."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care import Level
from bot.config import Settings
from bot.insight.alerts import format_alerts, latest_alerts
from bot.pseudonym import pseudonym
from bot.texts import ENGLISH
from tests.support.clinic import ONSET, TELEGRAM_IDS, ZONE

pytestmark = pytest.mark.each_database


async def test_only_emergency_and_urgent_newest_first(
    session: AsyncSession, settings: Settings
) -> None:
    alerts = await latest_alerts(session, settings)

    # Escalations 2 and 1 share a time (one check-in): the later row first. The SOON ones
    # (4, 7, 8) are left out.
    assert [(a.rule_id, a.level) for a in alerts] == [
        ("RF-LEGS-BOTH", Level.EMERGENCY),
        ("RF-CHEST", Level.EMERGENCY),
        ("RF-FEVER", Level.URGENT),
        ("RF-CHEST", Level.EMERGENCY),
        ("RF-NIGHT", Level.URGENT),
        ("RF-CHEST", Level.EMERGENCY),
    ]
    assert [a.pseudonym for a in alerts] == [
        pseudonym(settings, person_id, ONSET) for person_id in (1, 1, 2, 4, 3, 4)
    ]
    assert alerts[0].sent_at is None
    assert alerts[1].sent_at is not None
    assert alerts[1].created_at == alerts[0].created_at
    created = [alert.created_at for alert in alerts]
    assert created == sorted(created, reverse=True)


async def test_the_limit_keeps_the_newest(session: AsyncSession, settings: Settings) -> None:
    alerts = await latest_alerts(session, settings, limit=3)
    assert [a.rule_id for a in alerts] == ["RF-LEGS-BOTH", "RF-CHEST", "RF-FEVER"]


async def test_the_alert_lines(session: AsyncSession, settings: Settings) -> None:
    message = format_alerts(await latest_alerts(session, settings), ZONE, ENGLISH)
    first = pseudonym(settings, 1, ONSET)
    assert message.splitlines()[:3] == [
        "Latest emergency and urgent alerts, newest first (America/New_York):",
        f"• 25 Nov, 00:20 EMERGENCY {first} RF-LEGS-BOTH: NOT DELIVERED YET; follow-up due",
        f"• 25 Nov, 00:20 EMERGENCY {first} RF-CHEST: sent 00:20; got help",
    ]
    assert len(message.splitlines()) == 7
    for telegram_id in TELEGRAM_IDS.values():
        assert str(telegram_id) not in message
        assert str(telegram_id + 5_000_000) not in message


async def test_each_alert_says_what_came_of_it_es_follow_up_and_es_mistap(
    session: AsyncSession, settings: Settings
) -> None:
    alerts = await latest_alerts(session, settings)
    assert [(a.rule_id, a.outcome) for a in alerts] == [
        ("RF-LEGS-BOTH", "pending"),
        ("RF-CHEST", "got_help"),
        ("RF-FEVER", "no_answer"),
        ("RF-CHEST", "not_yet"),
        ("RF-NIGHT", "withdrawn"),
        ("RF-CHEST", "fine"),
    ]
    lines = format_alerts(alerts, ZONE, ENGLISH).splitlines()[1:]
    assert [line.rsplit("; ", 1)[1] for line in lines] == [
        "follow-up due",
        "got help",
        "no answer yet",
        "not yet",
        "withdrawn",
        "fine",
    ]


async def test_no_alerts_says_so(empty_session: AsyncSession, settings: Settings) -> None:
    assert await latest_alerts(empty_session, settings) == []
    assert format_alerts([], ZONE, ENGLISH) == "No emergency or urgent alerts so far."


async def test_a_long_list_keeps_to_one_message(session: AsyncSession, settings: Settings) -> None:
    alerts = await latest_alerts(session, settings)
    message = format_alerts(alerts * 100, ZONE, ENGLISH)
    assert len(message) <= 4096
    assert message.splitlines()[1] == format_alerts(alerts, ZONE, ENGLISH).splitlines()[1]
