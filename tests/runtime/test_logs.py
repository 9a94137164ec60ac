"""Nothing secret or personal in any log line, at any level: a day of the bot's life (enrolment,
a check-in with a note, a red flag, text typed while held, its follow-up, a forged tap, an
erasure) logged at DEBUG with the libraries at the levels the process gives them, every line
scanned. Without those levels, python-telegram-bot and aiosqlite write what people typed and
their Telegram ids at DEBUG. (A failing statement's traceback: tests/db/test_errors.py.)"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.runtime.logs import FORMAT, QUIET_LIBRARIES, WithoutMessages, quiet_libraries
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

USER_ID = 918273645
NAME = "Philippa Quennell-Ashdown"
NOTE = "zebra-quartz note about my neighbour"


@pytest.fixture
def as_the_process_logs() -> Iterator[None]:
    """The libraries' levels as ``configure`` sets them, restored afterwards."""
    before = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    quiet_libraries()
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("as_the_process_logs")
async def test_no_token_name_id_or_typed_text_in_any_log_line(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = bot.api.person(USER_ID, NAME.split()[0], last_name=NAME.split()[1], username="pqa")
    await enrol(bot, person)
    bot.clock.advance(timedelta(days=1))
    await bot.command(person, "checkin")
    for label in ("4", "No", "Yes"):
        await bot.tap(person, label)
    await bot.send(person, NOTE)
    await bot.command(person, "checkin")
    for label in ("6", "Yes", "Chest pain"):
        await bot.tap(person, label)
    await bot.send(person, f"what now? {NOTE}")
    bot.clock.advance(timedelta(hours=3))
    await bot.tick()
    await bot.tap(person, "Yes, I've been seen")
    # A tap forged into this chat by someone else.
    stranger = bot.api.person(USER_ID + 1, "Stranger")
    question = person.last
    bot.api.press(stranger.user, bot.api.chat_state(person.chat_id), question, "b1|1|5")
    await bot.handle_updates()
    await bot.command(person, "delete")
    await bot.tap(person, "Yes, erase everything")

    formatter = WithoutMessages(FORMAT)
    lines = [formatter.format(record) for record in caplog.records]
    assert lines, "the scenario logged nothing: the scan would prove nothing"
    secrets = [
        bot.settings.require_token().get_secret_value(),
        bot.settings.require_token().get_secret_value().split(":")[1],
        str(USER_ID),
        str(USER_ID + 1),
        "Philippa",
        "Quennell",
        "pqa",
        "zebra-quartz",
        "neighbour",
        "what now",
    ]
    for line in lines:
        for secret in secrets:
            assert secret not in line, (secret, line)
