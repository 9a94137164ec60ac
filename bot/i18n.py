"""The languages BackCheck speaks: their catalogues, and the locale rules Babel knows for each.

Each language is one gettext catalogue, ``bot/locales/<code>.po``, keyed by message name (a
"monolingual" PO file: ``msgid`` is the key, ``msgstr`` the words, as translation tools such as
Weblate and Poedit edit them, with ``en.po`` as the source). Babel reads the files and brings
the Unicode CLDR data the words need: plural categories ("one", "few", "many", "other"),
weekday and month names, time formats. Nothing here knows English grammar.

A plural message is one entry per CLDR category of its language, ``KEY[one]``, ``KEY[few]``,
``KEY[other]``, ...; Babel's rule for the language picks the category of a number. The special
key ``_REVIEW_STATUS`` says whether a clinician has checked the language's medical wording.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES = Path(__file__).with_name("locales")
SOURCE_LANGUAGE = "en"
"""The language every other catalogue translates, and the one used when nothing else fits."""
REVIEW_KEY = "_REVIEW_STATUS"
SIGNED_OFF = "signed-off"
"""The review status that starts with this word names who signed the language off, and when."""

_FORMATS = {"en": "en-GB"}
"""The locale whose conventions (dates, times, numbers) a language follows, where it is not the
language's own default: BackCheck's English is British English (its spelling, its 24-hour
clock, "Friday 28 November")."""
_CAPITALISED_NOUNS = frozenset({"de"})
"""Languages whose nouns keep their capital letter inside a sentence."""


class MissingText(LookupError):
    """A catalogue lacks a key the code asks for: caught by the suite, never at a person."""


class Catalogue:
    """One language's messages, read from its PO file."""

    def __init__(self, language: str, catalog: Catalog, source: Catalogue | None) -> None:
        self.language = language
        self.locale = Locale.parse(_FORMATS.get(language, language), sep="-")
        self._messages: dict[str, str] = {
            str(message.id): str(message.string)
            for message in catalog
            if message.id and isinstance(message.id, str) and message.string
        }
        self._source = source

    @property
    def review_status(self) -> str:
        return self._messages.get(REVIEW_KEY, "draft")

    @property
    def signed_off(self) -> bool:
        return self.review_status.startswith(SIGNED_OFF)

    @property
    def name(self) -> str:
        """The language's own name for itself, as a person would look for it in a list."""
        own = Locale.parse(self.language, sep="-")
        name = own.get_display_name(own) or self.language
        return name[:1].upper() + name[1:]

    def has(self, key: str) -> bool:
        return key in self._messages

    def text(self, key: str) -> str:
        try:
            return self._messages[key]
        except KeyError:
            if self._source is None:
                raise MissingText(f"{key} is not in the {self.language} catalogue") from None
            return self._source.text(key)

    def plural(self, key: str, count: int) -> str:
        """The form of ``key`` for ``count``, by the language's CLDR plural rule."""
        category = self.locale.plural_form(count)
        for candidate in (f"{key}[{category}]", f"{key}[other]"):
            if candidate in self._messages:
                return self._messages[candidate]
        if self._source is None:
            raise MissingText(f"{key} has no plural forms in the {self.language} catalogue")
        return self._source.plural(key, count)

    def labels(self, prefix: str) -> dict[str, str]:
        """The entries ``PREFIX.<name>``, by name, in the source catalogue's order (the order
        buttons are shown in)."""
        order = self._source.labels(prefix) if self._source is not None else None
        names = list(order) if order is not None else list(_named(self._messages, prefix))
        return {name: self.text(f"{prefix}.{name}") for name in names}

    def plural_categories(self) -> frozenset[str]:
        """The CLDR categories this language tells apart ("other" always among them)."""
        return frozenset({*self.locale.plural_form.tags, "other"})

    def mid_sentence(self, text: str) -> str:
        """``text`` as it reads inside a sentence: its first letter in lower case, unless the
        language writes it capitalised there anyway (German nouns) or it starts an acronym."""
        if self.locale.language in _CAPITALISED_NOUNS or text[1:2].isupper():
            return text
        return text[:1].lower() + text[1:]

    def day_and_month(self, moment: datetime) -> str:
        """A weekday with its date, in the language's own order: "Friday 28 November"."""
        return format_skeleton("MMMMEEEEd", moment, locale=self.locale)

    def moment(self, moment: datetime, *, full: bool = True) -> str:
        """A date and time for the operators' reports: "Sat, 28 Nov 2026, 09:00", or in a
        list of recent ones "28 Nov, 09:00"."""
        day = format_skeleton("yMMMEd" if full else "MMMd", moment, locale=self.locale)
        joined: str = self.locale.datetime_formats["medium"]
        return joined.replace("{1}", day).replace("{0}", self.clock(moment))

    def number(self, value: float, decimals: int = 0) -> str:
        """12,345 in English, 12.345 in German."""
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, share: float) -> str:
        """0.75 as 75%, 75 %, 75 % ... as the language writes it."""
        return format_percent(share, locale=self.locale)

    def clock(self, moment: datetime) -> str:
        """A time of day as the language writes it: 09:00, 9:00, 9 h 00 ..."""
        return format_time(moment, "short", locale=self.locale)


def _named(messages: Mapping[str, str], prefix: str) -> Iterator[str]:
    start = f"{prefix}."
    for key in messages:
        if key.startswith(start):
            yield key[len(start) :]


def _file(language: str) -> Path:
    return LOCALES / f"{language.replace('-', '_')}.po"


@cache
def languages() -> tuple[str, ...]:
    """The languages with a catalogue, the source language first (codes as BCP 47: pt-BR)."""
    found = sorted(path.stem.replace("_", "-") for path in LOCALES.glob("*.po"))
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


@cache
def catalogue(language: str) -> Catalogue:
    """The catalogue of a supported language (English for anything else); read once."""
    if language not in languages():
        language = SOURCE_LANGUAGE
    source = None if language == SOURCE_LANGUAGE else catalogue(SOURCE_LANGUAGE)
    with _file(language).open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"), abort_invalid=True)
    return Catalogue(language, catalog, source)


def telegram_language_code(language: str) -> str:
    """The code Telegram's command menus are keyed by: a two-letter ISO 639-1 code (pt for
    pt-BR, the only Portuguese BackCheck speaks)."""
    return language.split("-", 1)[0].lower()


def supported(code: str | None) -> str | None:
    """The supported language for a code such as Telegram's ``language_code`` ("es", "pt-br",
    "en-GB"): the same language and region if there is one, else the same language; None if
    BackCheck does not speak it."""
    if not code:
        return None
    wanted = code.strip().replace("_", "-").lower()
    by_lower = {language.lower(): language for language in languages()}
    if wanted in by_lower:
        return by_lower[wanted]
    primary = wanted.split("-", 1)[0]
    for language in languages():
        if language.lower().split("-", 1)[0] == primary:
            return language
    return None
