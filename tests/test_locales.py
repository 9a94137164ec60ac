"""Every language's catalogue against the English source: the same keys, the same
placeholders, the plural forms its language needs, and words that fit Telegram and a phone."""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import get_type_hints

import pytest
from babel.messages.pofile import read_po
from telegram.constants import BotCommandLimit, MessageLimit

from bot import i18n
from bot.care import Level, RedFlag
from bot.i18n import SOURCE_LANGUAGE, catalogue, languages
from bot.texts import Contacts, Labels, Plural, Texts, texts_for

LANGUAGES = languages()
TRANSLATIONS = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
BUTTON_CHARS = 40
"""A button label longer than this wraps or is cut on a phone held upright."""
BUTTON_FAMILIES = (
    "AGE_LABELS",
    "HISTORY_LABELS",
    "RED_FLAG_LABELS",
    "ONSET_LABELS",
    "MECHANISM_LABELS",
    "ACTIVITY_LABELS",
    "HOLD_LABELS",
    "MISTAP_LABELS",
    "FOLLOW_UP_LABELS",
    "CHECKIN_NEW_LABELS",
    "CHECKIN_WALK_LABELS",
    "SETTINGS_LABELS",
    "PROTOCOL_LABELS",
    "STOP_LABELS",
    "DELETE_LABELS",
)
BUTTONS = (
    "CONSENT_YES",
    "CONSENT_NO",
    "NONE_OF_THESE",
    "THATS_ALL",
    "SKIP",
    "ZONE_SHARE_LOCATION",
    "LANGUAGE_OTHER",
)
CAPTIONS = ("SUMMARY_DOCUMENT_CAPTION", "STATS_CHART_CAPTION", "EXPORT_CAPTION")


def _entries(language: str) -> dict[str, str]:
    with i18n.LOCALES.joinpath(f"{language.replace('-', '_')}.po").open("rb") as handle:
        return {
            str(message.id): str(message.string)
            for message in read_po(handle, abort_invalid=True)
            if message.id
        }


_PLURAL_KEY = re.compile(r"^(?P<key>[A-Z0-9_.\-]+)\[(?P<category>zero|one|two|few|many|other)\]$")


def plural_base(key: str) -> tuple[str, str] | None:
    """``("KEY", "one")`` for ``"KEY[one]"`` (the form :meth:`Catalogue.plural` reads); None
    for a key that is not a plural form."""
    match = _PLURAL_KEY.match(key)
    return None if match is None else (match["key"], match["category"])


def _placeholders(text: str) -> Counter[str]:
    return Counter(
        name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name
    )


def _words(text: str) -> list[str]:
    """The words of a message, its placeholders left out."""
    return re.findall(r"[^\W\d_]{2,}", re.sub(r"\{\w+\}", "", text))


def _expected_keys(language: str) -> set[str]:
    """The source's keys, each plural one in every category of ``language``."""
    categories = catalogue(language).plural_categories()
    keys: set[str] = set()
    for key in _entries(SOURCE_LANGUAGE):
        plural = plural_base(key)
        if plural is None:
            keys.add(key)
        else:
            keys |= {f"{plural[0]}[{category}]" for category in categories}
    return keys


def test_the_languages_the_readme_lists() -> None:
    assert LANGUAGES == ("en", "de", "es", "fr", "pt-BR", "ru")


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_key_in_every_language_and_nothing_else(language: str) -> None:
    entries = _entries(language)
    expected = _expected_keys(language)
    assert sorted(expected - set(entries)) == []
    assert sorted(set(entries) - expected) == []
    assert [key for key, text in entries.items() if not text.strip()] == []


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_placeholders_are_identical_across_languages(language: str) -> None:
    source = _entries(SOURCE_LANGUAGE)
    mismatched = []
    for key, text in _entries(language).items():
        plural = plural_base(key)
        english = source[f"{plural[0]}[other]" if plural else key]
        if _placeholders(text) != _placeholders(english):
            mismatched.append(key)
    assert mismatched == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_plurals_follow_the_languages_rule(language: str) -> None:
    """Babel's CLDR rule picks the form: Russian tells 1, 3 and 5 apart, English 1 and 2."""
    words = texts_for(language)
    forms = {count: words.TREND_BETTER.of(count) for count in (1, 2, 3, 5, 21)}
    if language == "ru":
        assert len(set(forms.values())) == 3
        assert forms[1] == forms[21] != forms[3] != forms[5]
    else:
        assert forms[1] != forms[2] == forms[3] == forms[5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_says_how_far_it_is_reviewed(language: str) -> None:
    status = catalogue(language).review_status
    if language == SOURCE_LANGUAGE:
        assert status == "source"
    else:
        assert status == "draft" or re.fullmatch(r"signed-off: .+, .+, \d{4}-\d{2}-\d{2}", status)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_is_translated(language: str) -> None:
    """Words copied from English would pass every other check here."""
    source = _entries(SOURCE_LANGUAGE)
    entries = _entries(language)
    same = [
        key
        for key, text in entries.items()
        if plural_base(key) is None and text == source[key] and len(_words(text)) > 2
    ]
    assert same == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_formats_and_fits_one_telegram_message(language: str) -> None:
    for key, text in _entries(language).items():
        values = {name: "x" * 40 for name in _placeholders(text)}
        assert len(text.format(**values)) <= MessageLimit.MAX_TEXT_LENGTH, key


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_longest_escalations_fit(language: str) -> None:
    """Every red flag at once, with a long same-day care wording: still one message."""
    words = texts_for(language)
    contacts = Contacts("112", words.URGENT_CARE["CA"])
    flags = list(RedFlag)
    for text in (
        words.emergency_text(flags, contacts),
        words.urgent_text(flags, contacts),
        words.mistap_text(Level.EMERGENCY, flags, contacts),
        words.follow_up_text(Level.EMERGENCY, flags),
        words.RED_FLAG_GROUP_PROMPT.format(
            intro=words.RED_FLAG_INTRO,
            questions="\n".join(f"• {words.RED_FLAG_QUESTIONS[flag]}" for flag in flags),
        ),
    ):
        assert len(text) <= MessageLimit.MAX_TEXT_LENGTH


@pytest.mark.parametrize("language", LANGUAGES)
def test_buttons_fit_a_phone_and_captions_a_photo(language: str) -> None:
    words = texts_for(language)
    labels = {key: getattr(words, key) for key in BUTTONS}
    for family in BUTTON_FAMILIES:
        labels |= {f"{family}.{name}": label for name, label in getattr(words, family).items()}
    assert {key: label for key, label in labels.items() if len(label) > BUTTON_CHARS} == {}
    for key in CAPTIONS:
        caption = getattr(words, key).format(rows="1,000,000")
        assert len(caption) <= MessageLimit.CAPTION_LENGTH, key


@pytest.mark.parametrize("language", LANGUAGES)
def test_command_descriptions_fit_the_menu(language: str) -> None:
    words = texts_for(language)
    for family in (words.COMMANDS, words.ADMIN_COMMANDS):
        for name, description in family.items():
            limit = BotCommandLimit.MAX_DESCRIPTION
            assert BotCommandLimit.MIN_DESCRIPTION <= len(description) <= limit, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_the_code_reads_is_in_the_languages_own_file(language: str) -> None:
    """What ``Texts`` reads, read from this file alone: a message it lacks would be said in
    English (the fallback is for a file edited by hand), and a family it lacks entirely (the
    buttons of a question) would be empty, in every language, English too."""
    own = catalogue(language)
    english = catalogue(SOURCE_LANGUAGE)
    missing: list[str] = []
    for name, kind in get_type_hints(Texts).items():
        if kind is str and name.isupper():
            missing += [] if own.has(name) else [name]
        elif kind is Plural:
            forms = [f"{name}[{category}]" for category in own.plural_categories()]
            missing += [form for form in forms if not own.has(form)]
        elif kind is Labels:
            names = list(english.labels(name))
            assert names, f"{name} has no entries in the source catalogue"
            missing += [f"{name}.{entry}" for entry in names if not own.has(f"{name}.{entry}")]
    assert missing == []


def test_a_telegram_language_code_finds_its_language() -> None:
    assert i18n.supported("es") == "es"
    assert i18n.supported("es-419") == "es"
    assert i18n.supported("pt-br") == "pt-BR"
    assert i18n.supported("pt") == "pt-BR"
    assert i18n.supported("en-GB") == "en"
    assert i18n.supported("RU") == "ru"
    assert i18n.supported("it") is None
    assert i18n.supported("") is None
    assert i18n.supported(None) is None
    assert i18n.telegram_language_code("pt-BR") == "pt"
