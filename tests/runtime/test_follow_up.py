"""Twelve weeks of scheduled check-ins: the day rules fire from the schedule, then it ends."""

from __future__ import annotations

from sqlalchemy import select

from bot.care import Level
from bot.db.models import DueKind, DueMessage, DueStatus, Episode, EpisodeStatus, Escalation
from tests.support.enrol import Answers, enrol
from tests.support.harness import BotUnderTest


async def _next_due(bot: BotUnderTest) -> DueMessage | None:
    async with bot.sessions() as session:
        row: DueMessage | None = await session.scalar(
            select(DueMessage)
            .where(DueMessage.status == DueStatus.PENDING)
            .order_by(DueMessage.due_at, DueMessage.priority)
            .limit(1)
        )
        return row


async def test_day_14_28_42_and_84_rules_fire_from_scheduled_checkins(bot: BotUnderTest) -> None:
    """Pain stuck at 6: TR-NO-IMPROVE-14, TR-NO-IMPROVE-28, TR-PERSIST-42, TR-CHRONIC-84."""
    rue = bot.api.person(8001, "Rue")
    await enrol(bot, rue, Answers(pain="6"))
    soon_on_day: dict[int, list[str]] = {}
    checkin_days: list[int] = []
    while (row := await _next_due(bot)) is not None:
        mark = rue.mark()
        await bot.tick_at(row.due_at)
        question = next(
            (m for m in rue.messages[mark:] if (m.text or "").startswith("Check-in, day")), None
        )
        if question is None or row.kind is not DueKind.CHECKIN:
            continue
        day = int((question.text or "").split("day ", 1)[1].split(" ", 1)[0])
        checkin_days.append(day)
        await bot.tap(rue, "6")
        await bot.tap(rue, "No")
        await bot.tap(rue, "Yes")
        replies = [m.text or "" for m in await bot.tap(rue, "Skip")]
        soon_on_day[day] = [text for text in replies if text.startswith("Please book")]

    assert checkin_days == [*range(1, 15), *range(16, 43, 2), *range(49, 85, 7)]
    assert "Two weeks on" in soon_on_day[14][0]
    assert "Four weeks on" in soon_on_day[28][0]
    assert "Six weeks on" in soon_on_day[42][0]
    assert [day for day, soon in soon_on_day.items() if soon] == [14, 28, 42]
    ending = [m.text or "" for m in rue.messages[-2:]]
    assert ending[0].startswith("Please book an appointment")
    assert "12 weeks" in ending[0]
    assert ending[1].startswith("This is the end of my daily follow-up")
    async with bot.sessions() as session:
        rules = [
            (row.rule_id, row.level)
            for row in await session.scalars(select(Escalation).order_by(Escalation.id))
        ]
        episode = await session.scalar(select(Episode))
    assert rules == [
        ("TR-NO-IMPROVE-14", Level.SOON),
        ("TR-NO-IMPROVE-28", Level.SOON),
        ("TR-PERSIST-42", Level.SOON),
        ("TR-CHRONIC-84", Level.SOON),
    ]
    assert episode is not None
    assert episode.status is EpisodeStatus.ENDED


async def test_recovery_replaces_checkins_with_four_weekly_tips(bot: BotUnderTest) -> None:
    sid = bot.api.person(8002, "Sid")
    await enrol(bot, sid, Answers(pain="3", activity="Yes"))
    pains = ["1", "1", "0"]
    while pains:
        row = await _next_due(bot)
        assert row is not None
        await bot.tick_at(row.due_at)
        if row.kind is not DueKind.CHECKIN:
            continue
        await bot.tap(sid, pains.pop(0))
        await bot.tap(sid, "No")
        await bot.tap(sid, "Yes")
        await bot.tap(sid, "Skip")
    assert "That looks like recovery" in (sid.last.text or "")
    tips = []
    while (row := await _next_due(bot)) is not None:
        mark = sid.mark()
        await bot.tick_at(row.due_at)
        tips.extend(m.text or "" for m in sid.messages[mark:])
    assert [tip.split(":", 1)[0] for tip in tips] == [f"Weekly tip {n} of 4" for n in range(1, 5)]
    async with bot.sessions() as session:
        episode = await session.scalar(select(Episode))
    assert episode is not None
    assert episode.status is EpisodeStatus.ENDED
