"""Walking a person through enrolment, answer by answer, as they would tap it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.fake_telegram.models import SentMessage
from bot.fake_telegram.person import Person
from tests.support.harness import BotUnderTest


@dataclass(frozen=True)
class Answers:
    age: str = "16 to 49"
    history: str = "No, first time"
    onset: str = "In the last few hours"
    mechanism: str = "Lifting or bending"
    pain: str = "6"
    activity: str = "Only some"
    zone: str = "London"
    checkin_time: str = "09:00 (usual)"


async def through_red_flags(
    bot: BotUnderTest, person: Person, age: str = "16 to 49", history: str = "No, first time"
) -> None:
    """Start, consent, age, history, and "None of these" on every red-flag screen."""
    await bot.command(person, "start")
    for label in ("I agree", age, history):
        await bot.tap(person, label)
    for _group in range(4):
        await bot.tap(person, "None of these")


async def enrol(bot: BotUnderTest, person: Person, answers: Answers = Answers()) -> SentMessage:
    """Enrol ``person`` with no red flags; returns the closing message."""
    await through_red_flags(bot, person, answers.age, answers.history)
    await bot.tap(person, answers.onset)
    await bot.tap(person, answers.mechanism)
    await bot.tap(person, answers.pain)
    await bot.tap(person, answers.activity)
    await bot.send(person, answers.zone)
    replies = await bot.tap(person, answers.checkin_time)
    return replies[-1]


async def checkin_with_flag(
    bot: BotUnderTest, person: Person, flag: str, pain: str = "5"
) -> list[SentMessage]:
    """/checkin at the clock's time, a pain score, "anything new?" yes, and one red flag
    tapped; returns what the bot sent in reply to the flag."""
    await bot.command(person, "checkin")
    await bot.tap(person, pain)
    await bot.tap(person, "Yes")
    return await bot.tap(person, flag)
