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


RED_FLAG_SCREENS = 4


def taps_to_the_zone(answers: Answers = Answers()) -> tuple[str, ...]:
    """The buttons tapped after /start, consent to daily activities, none of the red flags:
    what every way of enrolling someone shares (the zone is typed next)."""
    return (
        "I agree",
        answers.age,
        answers.history,
        *("None of these",) * RED_FLAG_SCREENS,
        answers.onset,
        answers.mechanism,
        answers.pain,
        answers.activity,
    )


async def through_red_flags(
    bot: BotUnderTest, person: Person, age: str = "16 to 49", history: str = "No, first time"
) -> None:
    """Start, consent, age, history, and "None of these" on every red-flag screen."""
    await bot.command(person, "start")
    for label in taps_to_the_zone(Answers(age=age, history=history))[: 3 + RED_FLAG_SCREENS]:
        await bot.tap(person, label)


async def enrol(bot: BotUnderTest, person: Person, answers: Answers = Answers()) -> SentMessage:
    """Enrol ``person`` with no red flags; returns the closing message."""
    await bot.command(person, "start")
    for label in taps_to_the_zone(answers):
        await bot.tap(person, label)
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
