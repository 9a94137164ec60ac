"""The finer points of the conversation: typed answers, locations, trends, faults."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from telegram import Update

from bot.care import Level
from bot.db.models import Episode, Escalation, Person
from bot.runtime import logs
from tests.support.enrol import Answers, enrol, through_red_flags
from tests.support.harness import BotUnderTest


async def _through_activity(bot: BotUnderTest, person_id: int, onset: str) -> None:
    person = bot.api.person(person_id, "Dee")
    await through_red_flags(bot, person)
    if onset.startswith("typed:"):
        await bot.tap(person, "I'll type the date")
        await bot.send(person, onset.removeprefix("typed:"))
    else:
        await bot.tap(person, onset)
    for label in ("A twist or sudden move", "5", "Yes"):
        await bot.tap(person, label)


async def test_a_typed_onset_date_and_a_shared_location(bot: BotUnderTest) -> None:
    await _through_activity(bot, 5001, "typed:20/11")
    dee = bot.api.person(5001)
    replies = await bot.act(dee, dee.share_location(52.52, 13.405))
    assert (replies[0].text or "").startswith("Time zone: Europe/Berlin.")
    closing = await bot.tap(dee, "18:00")
    assert "You're all set" in (closing[-1].text or "")
    async with bot.sessions() as session:
        person = await session.scalar(select(Person))
        episode = await session.scalar(select(Episode))
    assert person is not None
    assert episode is not None
    assert person.timezone == "Europe/Berlin"
    # 20 November at midday, Berlin time (UTC+1 in November).
    assert episode.onset_at.isoformat() == "2026-11-20T11:00:00+00:00"


@pytest.mark.parametrize("typed", ["31/02", "tomorrow", "2026-13-01"])
async def test_a_bad_onset_date_is_explained(bot: BotUnderTest, typed: str) -> None:
    await _through_activity_until_date(bot)
    fay = bot.api.person(5002)
    replies = await bot.send(fay, typed)
    assert (
        replies[-1].text
        == "I couldn't read that as a date.\nPlease type it like 2026-11-20 or 20/11."
    )


async def _through_activity_until_date(bot: BotUnderTest) -> None:
    fay = bot.api.person(5002, "Fay")
    await through_red_flags(bot, fay)
    await bot.tap(fay, "I'll type the date")


async def test_a_future_onset_date_is_refused(bot: BotUnderTest) -> None:
    await _through_activity_until_date(bot)
    fay = bot.api.person(5002)
    replies = await bot.send(fay, "2026-12-25")
    assert replies[-1].text == "That date is in the future. Please type the day the pain started."


async def test_more_than_six_weeks_is_sent_to_a_doctor_not_followed(bot: BotUnderTest) -> None:
    gil = bot.api.person(5003, "Gil")
    await through_red_flags(bot, gil)
    [told] = await bot.tap(gil, "More than 6 weeks ago")
    assert "more than 6 weeks deserves a proper check" in (told.text or "")
    async with bot.sessions() as session:
        escalation = await session.scalar(select(Escalation))
        episode = await session.scalar(select(Episode))
    assert episode is None
    assert escalation is not None
    assert escalation.rule_id == "TR-PERSIST-42"


async def test_tr_worse_is_sent_once_per_episode(bot: BotUnderTest) -> None:
    hana = bot.api.person(5004, "Hana")
    await enrol(bot, hana, Answers(pain="4"))
    replies_by_day = []
    for pain in ("6", "7", "7"):
        bot.clock.advance(timedelta(days=1))
        await bot.command(hana, "checkin")
        await bot.tap(hana, pain)
        await bot.tap(hana, "No")
        await bot.tap(hana, "Yes")
        replies_by_day.append([message.text or "" for message in await bot.tap(hana, "Skip")])
    assert not any("book an appointment" in text for text in replies_by_day[0])
    assert replies_by_day[1][0].startswith("Please book an appointment")
    assert "2 or more points above where it started" in replies_by_day[1][0]
    assert "Your pain is higher than when you started." in replies_by_day[1][1]
    assert not any("book an appointment" in text for text in replies_by_day[2])
    async with bot.sessions() as session:
        rows = list(await session.scalars(select(Escalation)))
    assert [(row.rule_id, row.level, row.facts) for row in rows] == [
        ("TR-WORSE", Level.SOON, {"pains": [6, 7], "baseline": 4})
    ]


async def test_an_error_is_logged_without_secrets_and_reported_to_admins(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    ida = bot.api.person(5005, "Ida")
    await enrol(bot, ida)
    async with bot.sessions.begin() as session:  # a fault no retry can mend: the table is gone
        await session.execute(text("DROP TABLE conversations"))
    await ida.send("my secret symptom text")
    [update] = bot.api.take_updates()
    logs.configure()  # what ``python -m bot run`` sets up: INFO, quiet HTTP clients
    mark = ida.mark()
    with caplog.at_level(logging.INFO):
        await bot.application.process_update(Update.de_json(update, bot.application.bot))
    assert len(bot.errors) == 1
    bot.errors.clear()
    # The person is told, without the database, that nothing was saved.
    assert [message.text for message in ida.messages[mark:]] == [
        "Sorry, I couldn't save that. Please send it again."
    ]
    assert any(record.levelno == logging.ERROR for record in caplog.records)
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    assert bot.api.token.split(":")[1] not in logged
    assert "my secret symptom text" not in logged
    [report] = bot.admin_messages
    assert f"update {update['update_id']}" in report
    assert "my secret symptom text" not in report
