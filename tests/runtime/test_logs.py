"""Nothing secret or personal in any log line, at any level: a day of the bot's life (enrolment,
a check-in with a note, a red flag, text typed while held, its follow-up, a forged tap, an
erasure) logged at DEBUG with the libraries at the levels the process gives them, every line
scanned; then a bad day's (Telegram failing a reply, a person who blocked the bot owed an
emergency, the database away while a note is typed), whose error paths log most. Without those
levels, python-telegram-bot and aiosqlite write what people typed and their Telegram ids at
DEBUG. (A failing statement's traceback: tests/db/test_errors.py.)"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.runtime.logs import FORMAT, QUIET_LIBRARIES, JsonLines, WithoutMessages, quiet_libraries
from tests.support.database_away import awayable_database, send_failing
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest

pytestmark = pytest.mark.each_database

USER_ID = 918273645
NAME = "Philippa Quennell-Ashdown"
NOTE = "zebra-quartz note about my neighbour"
APOLOGY = "Sorry, I couldn't save that. Please send it again."


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

    _assert_nothing_secret(bot, caplog, extra=("what now",))


def _assert_nothing_secret(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture, extra: tuple[str, ...] = ()
) -> None:
    formatter = WithoutMessages(FORMAT)
    lines = [formatter.format(record) for record in caplog.records]
    assert lines, "the scenario logged nothing: the scan would prove nothing"
    token = bot.settings.require_token().get_secret_value()
    secrets = [
        token,
        token.split(":")[1],
        str(USER_ID),
        str(USER_ID + 1),
        "Philippa",
        "Quennell",
        "pqa",
        "zebra-quartz",
        "neighbour",
        *extra,
    ]
    for line in lines:
        for secret in secrets:
            assert secret not in line, (secret, line)


@pytest.mark.usefixtures("as_the_process_logs")
async def test_no_secret_in_the_log_lines_of_a_bad_day(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with awayable_database(
        database_url, database_sqlite_busy_timeout=0.2, database_retry_seconds=0.5
    ) as database:
        bot = database.bot
        caplog.set_level(logging.DEBUG)
        person = bot.api.person(USER_ID, "Philippa", last_name="Quennell", username="pqa")
        await enrol(bot, person)
        bot.clock.advance(timedelta(days=1))
        await bot.command(person, "checkin")
        for label in ("4", "No", "Yes"):
            await bot.tap(person, label)
        # Telegram fails the reply to the note twice; the outbox sends it on a later tick.
        bot.api.faults.server_error("sendMessage", person.chat_id, times=2)
        await bot.send(person, NOTE)
        for _ in range(3):
            bot.clock.advance(timedelta(seconds=30))
            await bot.tick()
        assert "Thanks, that's saved." in (person.last.text or "")
        # The database away while a note is typed: retried, then apologised for.
        await bot.command(person, "checkin")
        for label in ("5", "No", "Yes"):
            await bot.tap(person, label)
        async with database.away():
            assert await send_failing(bot, person, f"lost words {NOTE}") == [APOLOGY]
        await bot.send(person, f"retyped {NOTE}")
        # Blocked, with an emergency owed: reported to the operators, at WARNING in the log.
        await bot.command(person, "checkin")
        for label in ("6", "Yes"):
            await bot.tap(person, label)
        bot.api.faults.blocked("sendMessage", person.chat_id)
        await bot.tap(person, "Chest pain")
        for _ in range(2):
            bot.clock.advance(timedelta(seconds=30))
            await bot.tick()
        assert any("has blocked the bot" in line for line in bot.admin_messages)

    levels = {record.levelno for record in caplog.records}
    assert {logging.WARNING, logging.ERROR} <= levels  # the error paths were taken
    _assert_nothing_secret(bot, caplog, extra=("lost words", "retyped"))


def test_json_lines_carry_time_level_logger_event_and_update_id_and_no_exception_message() -> None:
    record = logging.LogRecord(
        "bot.telegram.errors", logging.ERROR, __file__, 1, "update %s failed", (42,), None
    )
    record.update_id = 42
    try:
        raise ValueError(NOTE)
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "ERROR"
    assert line["logger"] == "bot.telegram.errors"
    assert line["event"] == "update 42 failed"
    assert line["update_id"] == 42
    assert line["time"].endswith("+00:00")
    assert "ValueError" in line["exception"]
    assert "zebra" not in json.dumps(line)
