"""The bot comes back at the right moment, every time: the due queue with a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db.models import CheckIn, DueKind, DueMessage, DueStatus, Person, PersonStatus
from bot.fake_telegram.person import Person as ChatPerson
from tests.support.enrol import Answers, enrol
from tests.support.harness import BotUnderTest

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    """Day ``day`` after Monday 23 November 2026, local time."""
    local_date = datetime(2026, 11, 23).date() + timedelta(days=day)
    return datetime(
        local_date.year, local_date.month, local_date.day, hour, minute, tzinfo=zone
    ).astimezone(UTC)


async def _owed(bot: BotUnderTest, kind: DueKind) -> list[DueMessage]:
    async with bot.sessions() as session:
        return list(
            await session.scalars(
                select(DueMessage)
                .where(DueMessage.kind == kind, DueMessage.status == DueStatus.PENDING)
                .order_by(DueMessage.due_at)
            )
        )


async def _answer(bot: BotUnderTest, person: ChatPerson, pain: str) -> list[str]:
    await bot.tap(person, pain)
    await bot.tap(person, "No")
    await bot.tap(person, "Yes")
    return [message.text or "" for message in await bot.tap(person, "Skip")]


async def test_the_switch_to_heat_comes_48_hours_after_onset(bot: BotUnderTest) -> None:
    amir = bot.api.person(6001, "Amir")
    await enrol(bot, amir)  # Monday 10:00, hurt "in the last few hours"
    mark = amir.mark()
    assert await bot.tick_at(at(2, 9, 59)) == 1  # only Wednesday's 09:00 check-in
    assert "switch from ice to heat" not in "".join(m.text or "" for m in amir.messages[mark:])
    await _answer(bot, amir, "5")
    mark = amir.mark()
    assert await bot.tick_at(at(2, 10, 0)) == 1
    [switch] = amir.messages[mark:]
    assert (switch.text or "").startswith("It's been 48 hours: time to switch from ice to heat.")
    assert await bot.tick_at(at(2, 10, 1)) == 0  # sent once


async def test_a_switch_falling_in_quiet_hours_waits_for_8am(bot: BotUnderTest) -> None:
    bot.clock.set(at(0, 23, 0))
    bea = bot.api.person(6002, "Bea")
    await enrol(bot, bea)
    [switch] = await _owed(bot, DueKind.SWITCH)
    assert switch.due_at == at(3, 8, 0)


async def test_daily_checkins_come_at_local_time_across_a_dst_change(bot: BotUnderTest) -> None:
    new_york = ZoneInfo("America/New_York")
    # Clocks go forward in New York on Sunday 14 March 2027, at 02:00.
    bot.clock.set(datetime(2027, 3, 11, 12, 0, tzinfo=new_york))
    cal = bot.api.person(6003, "Cal")
    await enrol(bot, cal, Answers(zone="New York", checkin_time="08:00"))
    prompts: list[datetime] = []
    for _day in range(6):
        [owed] = await _owed(bot, DueKind.CHECKIN)
        mark = cal.mark()
        assert await bot.tick_at(owed.due_at) >= 1
        assert any("Check-in, day" in (m.text or "") for m in cal.messages[mark:])
        prompts.append(owed.due_at)
        await _answer(bot, cal, "4")
    local = [moment.astimezone(new_york) for moment in prompts]
    assert [moment.hour for moment in local] == [8] * 6
    assert [moment.day for moment in local] == [12, 13, 14, 15, 16, 17]
    assert [moment.utcoffset() for moment in local][1:3] == [
        timedelta(hours=-5),
        timedelta(hours=-4),
    ]


async def test_an_unanswered_checkin_gets_one_reminder_after_4_hours(bot: BotUnderTest) -> None:
    dan = bot.api.person(6004, "Dan")
    await enrol(bot, dan)
    await bot.tick_at(at(1, 9, 0))
    assert "Check-in, day 1" in (dan.last.text or "")
    mark = dan.mark()
    await bot.tick_at(at(1, 12, 59))
    assert dan.messages[mark:] == []
    await bot.tick_at(at(1, 13, 0))
    [reminder] = dan.messages[mark:]
    assert (reminder.text or "").startswith(
        "A reminder: today's check-in is still waiting for you.\n\n"
    )
    assert "How bad is your back pain" in (reminder.text or "")
    await bot.tick_at(at(1, 17, 0))
    assert len(dan.messages) == mark + 1
    await bot.tap(dan, "3")  # the reminder's buttons are the live question


async def test_no_reminder_once_the_checkin_is_answered(bot: BotUnderTest) -> None:
    eli = bot.api.person(6005, "Eli")
    await enrol(bot, eli)
    await bot.tick_at(at(1, 9, 0))
    await _answer(bot, eli, "4")
    mark = eli.mark()
    await bot.tick_at(at(1, 13, 0))
    assert eli.messages[mark:] == []


async def test_three_missed_in_a_row_pause_the_checkins(bot: BotUnderTest) -> None:
    fin = bot.api.person(6006, "Fin")
    await enrol(bot, fin)
    for day in (1, 2, 3):
        await bot.tick_at(at(day, 9, 0))
        await bot.tick_at(at(day, 13, 0))
    mark = fin.mark()
    await bot.tick_at(at(4, 9, 0))
    [paused] = fin.messages[mark:]
    assert (paused.text or "").startswith("I haven't heard from you for three check-ins")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
        missed = await session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.status == "missed")
        )
    assert person is not None
    assert person.status is PersonStatus.PAUSED
    assert missed == 3
    for day in (5, 6, 7):
        await bot.tick_at(at(day, 9, 0))
    assert len(fin.messages) == mark + 1
    # /checkin still works, and /resume brings the schedule back without a backlog.
    await bot.command(fin, "resume")
    assert await bot.tick_at(at(7, 9, 30)) == 0
    assert await bot.tick_at(at(8, 9, 0)) == 1


async def test_a_checkin_done_early_is_not_asked_again(bot: BotUnderTest) -> None:
    gia = bot.api.person(6007, "Gia")
    await enrol(bot, gia)
    bot.clock.set(at(1, 8, 15))
    await bot.command(gia, "checkin")
    await _answer(bot, gia, "5")
    mark = gia.mark()
    await bot.tick_at(at(1, 9, 0))
    assert gia.messages[mark:] == []
    await bot.tick_at(at(2, 9, 0))
    assert "Check-in, day 2" in (gia.last.text or "")


async def test_a_new_checkin_time_reschedules_what_is_owed(bot: BotUnderTest) -> None:
    hal = bot.api.person(6008, "Hal")
    await enrol(bot, hal)
    [before] = await _owed(bot, DueKind.CHECKIN)
    assert before.due_at == at(1, 9, 0)
    await bot.command(hal, "settings")
    await bot.tap(hal, "Check-in time")
    await bot.send(hal, "19:30")
    [after] = await _owed(bot, DueKind.CHECKIN)
    assert after.due_at == at(1, 19, 30)
    assert await bot.tick_at(at(1, 9, 0)) == 0


async def test_pause_stops_everything_owed_and_resume_brings_no_flood(bot: BotUnderTest) -> None:
    ian = bot.api.person(6009, "Ian")
    await enrol(bot, ian)
    await bot.command(ian, "pause")
    assert await _owed(bot, DueKind.CHECKIN) == []
    assert await _owed(bot, DueKind.SWITCH) == []
    mark = ian.mark()
    for day in range(1, 6):
        await bot.tick_at(at(day, 9, 0))
    assert ian.messages[mark:] == []
    bot.clock.set(at(6, 11, 0))
    [resumed] = await bot.command(ian, "resume")
    assert resumed.text == "Welcome back. Next check-in: tomorrow at 09:00."
    assert await bot.tick() == 0
    assert await bot.tick_at(at(7, 9, 0)) == 1


async def test_a_restart_after_three_hours_down_sends_each_due_message_once(
    bot: BotUnderTest,
) -> None:
    jo = bot.api.person(6010, "Jo")
    await enrol(bot, jo)
    await bot.tick_at(at(1, 9, 0))
    await _answer(bot, jo, "5")
    # Down from Wednesday 08:30 to 11:30: the 09:00 check-in and the 10:00 switch fall due.
    bot.clock.set(at(2, 8, 30))
    await bot.restart()
    bot.clock.set(at(2, 11, 30))
    mark = jo.mark()
    assert await bot.tick() == 2
    texts = [message.text or "" for message in jo.messages[mark:]]
    assert texts[0].startswith("It's been 48 hours")
    assert "Check-in, day 2" in texts[1]
    assert await bot.tick() == 0
    assert len(jo.messages) == mark + 2


async def test_after_days_of_downtime_only_one_catch_up_prompt(bot: BotUnderTest) -> None:
    kit = bot.api.person(6011, "Kit")
    await enrol(bot, kit)
    await bot.restart()
    bot.clock.set(at(4, 15, 0))  # down since Monday: Tuesday to Friday's check-ins fell due
    mark = kit.mark()
    await bot.tick()
    prompts = [m for m in kit.messages[mark:] if "Check-in, day" in (m.text or "")]
    assert len(prompts) == 1
    assert "Check-in, day 4" in (prompts[0].text or "")  # today, not a past day
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    assert person.missed_in_a_row == 0  # the bot's downtime is not the person's miss


async def test_a_worker_killed_between_claim_and_send_is_covered_by_the_lease(
    bot: BotUnderTest,
) -> None:
    from bot.queue import owed as queue

    lu = bot.api.person(6012, "Lu")
    await enrol(bot, lu)
    bot.clock.set(at(1, 9, 0))
    lease = bot.settings.queue.lease
    async with bot.sessions.begin() as session:
        [claimed] = await queue.claim(session, bot.clock.now(), 10, lease)  # ...and it dies
    mark = lu.mark()
    assert await bot.tick() == 0  # the lease still holds
    assert await bot.tick_at(at(1, 9, 0) + lease - timedelta(seconds=1)) == 0
    assert await bot.tick_at(at(1, 9, 0) + lease + timedelta(seconds=1)) == 1
    assert len([m for m in lu.messages[mark:] if "Check-in, day 1" in (m.text or "")]) == 1
    async with bot.sessions() as session:
        row = await session.get(DueMessage, claimed.id)
    assert row is not None
    assert row.status is DueStatus.SENT
    assert row.attempts == 2
