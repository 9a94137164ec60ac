"""A person hears their own country's emergency number: enrolled from Madrid, a red flag names
112; from New York, 911; unless the deployment names one number for everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.enrol import Answers, checkin_with_flag, enrol
from tests.support.harness import bot_under_test

pytestmark = pytest.mark.each_database

FROM_THE_TABLE = {"emergency_number": None, "urgent_care_text": None}


@pytest.mark.parametrize(
    ("city", "number"),
    [("Madrid, Spain", "112"), ("New York", "911"), ("Sydney, Australia", "000")],
)
async def test_the_emergency_message_names_the_persons_country_number(
    database_url: str, city: str, number: str
) -> None:
    async with bot_under_test(database_url, **FROM_THE_TABLE) as bot:
        person = bot.api.person(7601, "Ines")
        await enrol(bot, person, Answers(zone=city))
        bot.clock.advance(timedelta(days=1))
        [emergency, *_rest] = await checkin_with_flag(bot, person, "Chest pain")
        assert f"Call {number} now" in (emergency.text or "")
        for other in ("999", "911", "112", "000"):
            if other != number:
                assert f"Call {other}" not in (emergency.text or "")


async def test_the_deployments_number_is_everyones_when_it_is_set(database_url: str) -> None:
    async with bot_under_test(database_url, emergency_number="061") as bot:
        person = bot.api.person(7602, "Jon")
        await enrol(bot, person, Answers(zone="Madrid, Spain"))
        bot.clock.advance(timedelta(days=1))
        [emergency, *_rest] = await checkin_with_flag(bot, person, "Chest pain")
        assert "Call 061 now" in (emergency.text or "")


@pytest.mark.parametrize(("default_zone", "number"), [("America/New_York", "911"), ("UTC", "112")])
async def test_a_red_flag_before_the_person_has_a_zone_names_the_deployments_countrys_number(
    database_url: str, default_zone: str, number: str
) -> None:
    """Enrolment asks the red flags before where the person lives: until then the number is
    that of the deployment's DEFAULT_TIMEZONE (112 for a zone of no country)."""
    async with bot_under_test(database_url, default_timezone=default_zone, **FROM_THE_TABLE) as bot:
        kim = bot.api.person(7603, "Kim")
        await bot.command(kim, "start")
        for label in ("I agree", "16 to 49", "No, first time"):
            await bot.tap(kim, label)
        [emergency, *_rest] = await bot.tap(kim, "Bladder")
        assert f"Call {number} now" in (emergency.text or "")
