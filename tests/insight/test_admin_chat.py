"""The operators' commands: what an admin gets, and that nobody else learns they exist."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.conversation.admin import ADMIN_COMMANDS
from bot.db.models import CheckIn, Escalation, Person
from bot.fake_telegram.person import Person as ChatPerson
from bot.insight.export import COLUMNS
from bot.insight.stats_chart import HEIGHT_PX, WIDTH_PX
from bot.pseudonym import pseudonym
from bot.telegram.app import set_command_menu
from tests.support.enrol import enrol
from tests.support.harness import ADMIN_USER, BotUnderTest
from tests.support.pictures import png_size
from tests.support.snapshot import rows_in_every_table

pytestmark = pytest.mark.each_database

ADMIN_NAMES = [command.name for command in ADMIN_COMMANDS]


async def _two_people_with_alerts(bot: BotUnderTest) -> tuple[ChatPerson, ChatPerson]:
    """Kim reports chest pain (EMERGENCY) and Lee a fever (URGENT) at their first check-ins;
    Kim writes a note with her name in it."""
    kim, lee = bot.api.person(3101, "Kim", last_name="Doe"), bot.api.person(3102, "Lee")
    for person in (kim, lee):
        await enrol(bot, person)
    bot.clock.advance(timedelta(days=1))
    await bot.command(kim, "checkin")
    for label in ("7", "Yes", "Chest pain"):
        await bot.tap(kim, label)
    await bot.command(lee, "checkin")
    for label in ("5", "Yes", "Fever or very unwell"):
        await bot.tap(lee, label)
    return kim, lee


def _export_files() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("backcheck-export-*"))


async def _alias(bot: BotUnderTest, user_id: int) -> str:
    """The pseudonym admins see for the person with this Telegram id."""
    async with bot.sessions() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == user_id))
        assert person is not None
        return pseudonym(bot.settings, person.id, person.created_at)


async def test_only_admins_get_the_operators_commands_in_their_menu(bot: BotUnderTest) -> None:
    bot.api.person(ADMIN_USER, "Admin")
    await set_command_menu(bot.application, {ADMIN_USER}, "en")

    everyone = [entry["command"] for entry in bot.api.commands()]
    admin = [
        entry["command"] for entry in bot.api.commands({"type": "chat", "chat_id": ADMIN_USER})
    ]
    assert not set(ADMIN_NAMES) & set(everyone)
    assert admin == everyone + ADMIN_NAMES


async def test_an_admin_who_never_opened_the_chat_does_not_stop_the_menu(
    bot: BotUnderTest,
) -> None:
    await set_command_menu(bot.application, {ADMIN_USER}, "en")
    assert "checkin" in [entry["command"] for entry in bot.api.commands()]


async def test_anyone_else_gets_the_unknown_command_help_and_nothing_changes(
    bot: BotUnderTest,
) -> None:
    kim, _lee = await _two_people_with_alerts(bot)
    unknown = [message.text for message in await bot.command(kim, "nosuchcommand")]
    before = await rows_in_every_table(bot)
    for name in ADMIN_NAMES:
        replies = await bot.command(kim, name)
        assert [message.text for message in replies] == unknown
        assert all(message.kind == "text" for message in replies)
    assert await rows_in_every_table(bot) == before


async def test_stats_are_a_picture_and_the_same_figures_as_text(bot: BotUnderTest) -> None:
    await _two_people_with_alerts(bot)
    admin = bot.api.person(ADMIN_USER, "Admin")
    picture, figures = await bot.command(admin, "stats")

    assert picture.kind == "photo"
    assert picture.file_bytes is not None
    assert png_size(picture.file_bytes) == (WIDTH_PX, HEIGHT_PX)
    text = figures.text
    assert "consented: 2" in text
    assert "active: 2" in text
    lines = text.splitlines()
    assert "• RF-CHEST: 1 / 1" in lines
    assert "• RF-FEVER: 1 / 1" in lines
    assert "• emergency: 1 / 1" in lines
    assert "• urgent: 1 / 1" in lines


async def test_alerts_list_emergency_and_urgent_escalations_by_pseudonym(
    bot: BotUnderTest,
) -> None:
    kim, lee = await _two_people_with_alerts(bot)
    admin = bot.api.person(ADMIN_USER, "Admin")
    [reply] = await bot.command(admin, "alerts")

    lines = reply.text.splitlines()
    kim_alias = await _alias(bot, 3101)
    lee_alias = await _alias(bot, 3102)
    assert lines[0].startswith("Latest emergency and urgent alerts, newest first")
    assert len(lines) == 3
    assert "URGENT" in lines[1]
    assert lee_alias in lines[1]
    assert "EMERGENCY" in lines[2]
    assert kim_alias in lines[2]
    assert "RF-CHEST" in lines[2]
    for secret in ("3101", "3102", "Kim", "Lee", "Doe"):
        assert secret not in reply.text
    del kim, lee


async def test_export_is_one_pseudonymous_csv_row_per_check_in(bot: BotUnderTest) -> None:
    kim, _lee = await _two_people_with_alerts(bot)
    await bot.send(kim, "Kim Doe here, feeling rough")  # free text: the note, if asked
    admin = bot.api.person(ADMIN_USER, "Admin")
    spooled = _export_files()
    [document] = await bot.command(admin, "export")
    # The file written for the upload is gone once Telegram has it.
    assert _export_files() == spooled

    assert document.kind == "document"
    assert document.file is not None
    assert document.file.filename == "backcheck-export-2026-11-24.csv"
    data = document.file_bytes
    assert data is not None
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert tuple(rows[0]) == COLUMNS
    async with bot.sessions() as session:
        check_ins = await session.scalar(select(func.count()).select_from(CheckIn))
        chest = await session.scalar(select(func.count()).where(Escalation.rule_id == "RF-CHEST"))
    assert len(rows) - 1 == check_ins
    assert chest == 1
    kim_alias = await _alias(bot, 3101)
    assert {row[0] for row in rows[1:]} == {
        kim_alias,
        await _alias(bot, 3102),
    }
    assert any("RF-CHEST" in row[COLUMNS.index("escalations")] for row in rows[1:])
    for secret in (b"3101", b"3102", str(ADMIN_USER).encode(), b"Kim", b"Lee", b"Doe", b"rough"):
        assert secret not in data
    assert document.text.startswith(f"Check-ins, one row each ({check_ins}).")
