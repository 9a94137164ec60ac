"""Each person in their own language, with their own country's number: a person whose
Telegram app is set to Spanish enrols from Madrid, checks in, reports a red flag and is told,
in Spanish, to call 112; the same in every language BackCheck speaks, and from New York (911).
Every label tapped here is read from the catalogue, none is written out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.care import RedFlag
from bot.db.models import Person as PersonRow
from bot.fake_telegram.person import Person
from bot.i18n import languages, telegram_language_code
from bot.telegram import callbacks
from bot.texts import ENGLISH, Contacts, Texts, texts_for
from tests.support.enrol import enrol
from tests.support.harness import ADMIN_USER, BotUnderTest, bot_under_test
from tests.support.snapshot import snapshot

pytestmark = pytest.mark.each_database

FROM_THE_TABLE = {"emergency_number": None, "urgent_care_text": None}
PLACES = [("Madrid, Spain", "ES", "112"), ("New York", "US", "911")]


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].split("{", 1)[0]


async def _enrol(bot: BotUnderTest, person: Person, words: Texts, city: str) -> None:
    """Enrolment through the catalogue's own labels: nothing tapped is written out here."""
    [welcome] = await bot.command(person, "start")
    assert (welcome.text or "").startswith(_first_line(words.WELCOME))
    assert welcome.button_labels == [words.CONSENT_YES, words.CONSENT_NO, words.LANGUAGE_OTHER]
    for label in (words.CONSENT_YES, words.AGE_LABELS["16-49"], words.HISTORY_LABELS["first"]):
        await bot.tap(person, label)
    for _screen in range(4):
        await bot.tap(person, words.NONE_OF_THESE)
    await bot.tap(person, words.ONSET_LABELS["hours"])
    await bot.tap(person, words.MECHANISM_LABELS["lifting"])
    await bot.tap(person, "6")
    [zone_question] = await bot.tap(person, words.ACTIVITY_LABELS["limited"])
    assert zone_question.text == words.ZONE_QUESTION
    await bot.send(person, city)
    [*_said, done] = await bot.tap(person, "09:00" + words.TIME_DEFAULT_MARK)
    assert (done.text or "").startswith(_first_line(words.ENROLLED))


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize(("city", "country", "number"), PLACES)
async def test_enrolment_check_in_and_emergency_in_the_persons_language(
    database_url: str, language: str, city: str, country: str, number: str
) -> None:
    words = texts_for(language)
    async with bot_under_test(database_url, **FROM_THE_TABLE) as bot:
        person = bot.api.person(7701, "Lu", language_code=telegram_language_code(language))
        await _enrol(bot, person, words, city)
        async with bot.sessions() as session:
            stored = await session.scalar(select(PersonRow.language))
        assert stored == language

        bot.clock.advance(timedelta(days=1))
        [pain] = await bot.command(person, "checkin")
        assert (pain.text or "").startswith(_first_line(words.CHECKIN_PAIN))
        [new] = await bot.tap(person, "5")
        assert new.text == words.CHECKIN_NEW
        assert new.button_labels == list(words.CHECKIN_NEW_LABELS.values())
        await bot.tap(person, words.CHECKIN_NEW_LABELS["yes"])
        [emergency, *_rest] = await bot.tap(person, words.RED_FLAG_LABELS[RedFlag.CHEST])

        expected = words.emergency_text(
            [RedFlag.CHEST], Contacts(number, words.urgent_care(country))
        )
        assert emergency.text == expected
        assert number in expected
        assert emergency.button_labels == list(words.HOLD_LABELS.values())
        if language != "en":
            assert emergency.text != ENGLISH.emergency_text(
                [RedFlag.CHEST], Contacts(number, ENGLISH.urgent_care(country))
            )

        await bot.tap(person, words.HOLD_LABELS["carry"])
        [chart] = await bot.command(person, "history")
        assert chart.kind == "photo"
        assert (chart.text or "").startswith(_first_line(words.CHART_DESCRIPTION))
        document, summary = await bot.command(person, "summary")
        assert document.kind == "document"
        assert document.text == words.SUMMARY_DOCUMENT_CAPTION
        assert (document.file_bytes or b"").startswith(b"%PDF-")
        assert (summary.text or "").startswith(words.SUMMARY_TITLE)
        assert words.DISCLAIMER in (summary.text or "")


async def test_an_app_in_a_language_backcheck_does_not_speak_gets_english(
    database_url: str,
) -> None:
    async with bot_under_test(database_url) as bot:
        person = bot.api.person(7702, "Gio", language_code="it")
        [welcome] = await bot.command(person, "start")
        assert (welcome.text or "").startswith("Hello, I'm BackCheck.")
        async with bot.sessions() as session:
            assert await session.scalar(select(PersonRow.language)) is None


async def test_the_welcome_offers_the_other_languages_before_consent(database_url: str) -> None:
    """Offered for confirmation: one tap from the welcome to the list, each language by its
    own name; the welcome again in the chosen one, nothing else asked or kept yet."""
    async with bot_under_test(database_url) as bot:
        person = bot.api.person(7703, "Ana", language_code="en")
        await bot.command(person, "start")
        [question] = await bot.tap(person, "🌐 Other language")
        assert question.text == "Which language should I use?"
        assert question.button_labels == [
            "English",
            "Deutsch",
            "Español",
            "Français",
            "Português (Brasil)",
            "Русский",
        ]
        [welcome] = await bot.tap(person, "Español")
        spanish = texts_for("es")
        said, rest = (welcome.text or "").split("\n\n", 1)
        assert said == spanish.LANGUAGE_SET
        assert rest.startswith(_first_line(spanish.WELCOME))
        assert welcome.button_labels[:2] == [spanish.CONSENT_YES, spanish.CONSENT_NO]
        async with bot.sessions() as session:
            row = await session.scalar(select(PersonRow))
        assert row is not None
        assert row.language == "es"
        assert row.consent_at is None
        # Declining erases the person, the language with them.
        await bot.tap(person, spanish.CONSENT_NO)
        async with bot.sessions() as session:
            assert await session.scalar(select(PersonRow)) is None


async def test_settings_change_the_language_of_everything_after(database_url: str) -> None:
    async with bot_under_test(database_url) as bot:
        person = bot.api.person(7704, "Max", language_code="en")
        await enrol(bot, person)
        [menu] = await bot.command(person, "settings")
        assert "• language: English" in (menu.text or "")
        await bot.tap(person, "Language")
        [said] = await bot.tap(person, "Deutsch")
        german = texts_for("de")
        assert said.text == german.LANGUAGE_SET
        [menu] = await bot.command(person, "settings")
        assert german.SETTINGS_LANGUAGE_LINE.format(language="Deutsch") in (menu.text or "")
        assert menu.button_labels[0] == german.SETTINGS_LABELS["time"]
        # The next scheduled check-in is asked in German too.
        bot.clock.advance(timedelta(days=1))
        await bot.tick()
        assert (person.messages[-1].text or "").startswith(_first_line(german.CHECKIN_PAIN))


@pytest.mark.parametrize("value", ["xx-XX", "it", "EN", "pt_BR"])
async def test_a_language_not_offered_changes_nothing(database_url: str, value: str) -> None:
    async with bot_under_test(database_url) as bot:
        person = bot.api.person(7705, "Eve", language_code="en")
        await bot.command(person, "start")
        await bot.tap(person, "🌐 Other language")
        question = person.last
        turn = callbacks.decode(question.inline_keyboard[0][0]["callback_data"])
        assert turn is not None
        before = await snapshot(bot)
        forged = callbacks.encode(turn[0], value)
        await bot.act(person, person.press_data(question.message_id, forged))
        assert bot.api.callback_answers[-1].text == "That question has passed."
        assert await snapshot(bot) == before


async def test_operators_read_admin_language_whatever_the_persons(database_url: str) -> None:
    """A Spanish-speaking person's red flag: the person reads Spanish, the operators' alert
    chat, /stats and the command menu read ADMIN_LANGUAGE (German here)."""
    german = texts_for("de")
    async with bot_under_test(database_url, admin_language="de") as bot:
        person = bot.api.person(7706, "Sol", language_code="es")
        await _enrol(bot, person, texts_for("es"), "Madrid, Spain")
        bot.clock.advance(timedelta(days=1))
        await bot.command(person, "checkin")
        spanish = texts_for("es")
        for label in ("5", spanish.CHECKIN_NEW_LABELS["yes"], spanish.RED_FLAG_LABELS["RF-CHEST"]):
            await bot.tap(person, label)
        await bot.tick()
        [alert] = [text for text in bot.admin_messages if "RF-CHEST" in text]
        before_level = german.ADMIN_ALERT.split("{level}", 1)[1].split("{pseudonym}", 1)[0]
        assert before_level in alert
        assert before_level not in ENGLISH.ADMIN_ALERT

        admin = bot.api.person(ADMIN_USER, "Admin", language_code="en")
        _picture, figures = await bot.command(admin, "stats")
        assert (figures.text or "").startswith(_first_line(german.STATS_HEADER))
        assert german.STATS_LEVEL_LABELS["EMERGENCY"] in (figures.text or "")


async def test_a_person_from_before_languages_keeps_english_until_start(database_url: str) -> None:
    """Someone enrolled before languages existed has none stored: replies stay in English, as
    their scheduled check-ins do, whatever their app says; /start then takes the app's."""
    async with bot_under_test(database_url) as bot:
        person = bot.api.person(7707, "Old", language_code="en")
        await enrol(bot, person)
        async with bot.sessions.begin() as session:
            row = await session.scalar(select(PersonRow))
            assert row is not None
            row.language = None
        person.user["language_code"] = "es"
        [help_] = await bot.command(person, "help")
        assert (help_.text or "").startswith("I follow your back strain")
        [again] = await bot.command(person, "start")
        assert again.text == texts_for("es").ALREADY_ENROLLED
        async with bot.sessions() as session:
            assert await session.scalar(select(PersonRow.language)) == "es"
