"""Every command, and what a person sees when they use it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.conversation.commands import COMMANDS
from bot.db.models import Episode, EpisodeStatus, OutboxMessage, Person, PersonStatus
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest
from tests.support.snapshot import rows_in_every_table


async def test_delete_leaves_no_row_about_the_person(bot: BotUnderTest) -> None:
    other = bot.api.person(2000, "Other")
    await enrol(bot, other)
    before_other = await rows_in_every_table(bot)

    noor = bot.api.person(2001, "Noor")
    await enrol(bot, noor)
    bot.clock.advance(timedelta(days=1))
    await bot.command(noor, "checkin")
    await bot.tap(noor, "5")
    await bot.tap(noor, "Yes")
    await bot.tap(noor, "Chest pain")  # an escalation and its queue row too
    await bot.command(noor, "delete")
    replies = await bot.tap(noor, "Yes, erase everything")

    assert "everything about you is erased" in (replies[-1].text or "")
    assert await rows_in_every_table(bot) == before_other
    async with bot.sessions() as session:
        assert await session.scalar(select(Person).where(Person.telegram_user_id == 2001)) is None
        # Nothing the bot said to Noor is kept either, not even the last reply, once sent.
        to_noor = select(func.count()).where(OutboxMessage.chat_id == noor.chat_id)
        assert await session.scalar(to_noor) == 0


async def test_delete_can_be_cancelled(bot: BotUnderTest) -> None:
    pat = bot.api.person(2002, "Pat")
    await enrol(bot, pat)
    before = await rows_in_every_table(bot)
    await bot.command(pat, "delete")
    replies = await bot.tap(pat, "No, keep it")
    assert replies[-1].text == "OK, nothing changed."
    after = await rows_in_every_table(bot)
    assert after["people"] == before["people"] == 1
    assert after["episodes"] == 1


async def test_the_command_menu_is_the_handler_table(bot: BotUnderTest) -> None:
    from bot.telegram.app import set_command_menu

    await set_command_menu(bot.application, (), "en")
    names = [command.name for command in COMMANDS]
    menu = bot.api.commands()
    assert [entry["command"] for entry in menu] == names
    assert menu[1] == {"command": "checkin", "description": "Tell me how you are now"}
    # Telegram shows each app the menu of its language (two-letter codes), English to others.
    for code, checkin in (("es", "Cuéntame cómo estás ahora"), ("de", None), ("pt", None)):
        localised = bot.api.commands(language_code=code)
        assert [entry["command"] for entry in localised] == names
        assert localised[1]["description"] != "Tell me how you are now"
        if checkin is not None:
            assert localised[1]["description"] == checkin


async def test_pause_resume_and_stop(bot: BotUnderTest) -> None:
    kai = bot.api.person(2004, "Kai")
    await enrol(bot, kai)
    [paused] = await bot.command(kai, "pause")
    assert "Check-ins paused" in (paused.text or "")
    [again] = await bot.command(kai, "pause")
    assert "already paused" in (again.text or "")
    [resumed] = await bot.command(kai, "resume")
    assert resumed.text == "Welcome back. Next check-in: tomorrow at 09:00."
    await bot.command(kai, "stop")
    [stopped] = await bot.tap(kai, "Yes, stop")
    assert "Follow-up ended" in (stopped.text or "")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 2004))
        episode = await session.scalar(select(Episode))
    assert person is not None
    assert episode is not None
    assert person.status is PersonStatus.STOPPED
    assert episode.status is EpisodeStatus.ENDED
    [after] = await bot.command(kai, "checkin")
    assert "follow-up has ended" in (after.text or "")


async def test_settings_change_the_checkin_time(bot: BotUnderTest) -> None:
    max_ = bot.api.person(2005, "Max")
    await enrol(bot, max_)
    [menu] = await bot.command(max_, "settings")
    assert "check-in time: 09:00" in (menu.text or "")
    assert menu.button_labels == ["Check-in time", "Time zone", "Language", "Nothing"]
    await bot.tap(max_, "Check-in time")
    [saved] = await bot.send(max_, "19:30")
    assert saved.text == "Saved. Next check-in: tomorrow at 19:30."


async def test_redflags_privacy_and_help_answer_anyone(bot: BotUnderTest) -> None:
    stranger = bot.api.person(2006, "Stranger")
    [redflags] = await bot.command(stranger, "redflags")
    assert "Call 999 now" in (redflags.text or "")
    assert "NHS 111" in (redflags.text or "")
    [privacy] = await bot.command(stranger, "privacy")
    assert "/delete erases everything" in (privacy.text or "")
    [helped] = await bot.command(stranger, "help")
    assert "Send /start to begin" in (helped.text or "")
    assert await rows_in_every_table(bot) == dict.fromkeys(await rows_in_every_table(bot), 0)


async def test_start_with_a_clinic_code_keeps_it_as_the_referral(bot: BotUnderTest) -> None:
    amy = bot.api.person(2007, "Amy")
    await bot.command(amy, "start", "clinic42")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    assert person.referral_source is None  # nothing kept before consent
    await bot.tap(amy, "I agree")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
    assert person is not None
    assert person.referral_source == "clinic42"


async def test_declining_consent_keeps_nothing(bot: BotUnderTest) -> None:
    tom = bot.api.person(2008, "Tom")
    await bot.command(tom, "start")
    [declined] = await bot.tap(tom, "No thanks")
    assert "I haven't kept anything about you" in (declined.text or "")
    assert await rows_in_every_table(bot) == dict.fromkeys(await rows_in_every_table(bot), 0)


async def test_under_16_is_not_enrolled_and_nothing_is_kept(bot: BotUnderTest) -> None:
    ben = bot.api.person(2009, "Ben")
    await bot.command(ben, "start")
    await bot.tap(ben, "I agree")
    [told] = await bot.tap(ben, "Under 16")
    assert "made for people aged 16 and over" in (told.text or "")
    assert "see a doctor" in (told.text or "")
    assert await rows_in_every_table(bot) == dict.fromkeys(await rows_in_every_table(bot), 0)
