"""A person's country from their time zone, and the numbers it gives them: the deployment's
override first, then the table, then 112."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.countries import contacts_for, country_of, country_sheet
from bot.texts import ENGLISH, texts_for


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/Madrid", "ES"),
        ("Atlantic/Canary", "ES"),
        ("America/New_York", "US"),
        ("Europe/London", "GB"),
        ("Australia/Sydney", "AU"),
        ("Pacific/Auckland", "NZ"),
        ("America/Sao_Paulo", "BR"),
        # Old names, still typed and stored as typed: their zone's country.
        ("Japan", "JP"),
        ("Singapore", "SG"),
        ("US/Eastern", "US"),
        ("US/Hawaii", "US"),
        ("Europe/Belfast", "GB"),
        ("UTC", None),
        (None, None),
    ],
)
def test_a_zones_country(zone: str | None, country: str | None) -> None:
    assert country_of(zone) == country


def test_the_table_gives_each_person_their_countrys_numbers() -> None:
    settings = load_settings(default_timezone="Europe/London")
    assert contacts_for(settings, "Europe/Madrid", ENGLISH).emergency_number == "112"
    assert contacts_for(settings, "America/New_York", ENGLISH).emergency_number == "911"
    assert contacts_for(settings, "Europe/London", ENGLISH).urgent_care.startswith("NHS 111")
    # No zone yet (the first message of /start): the deployment's default zone's country.
    assert contacts_for(settings, None, ENGLISH).emergency_number == "999"
    # A zone of no country, or a country not in the table: 112 and the plain wording.
    assert contacts_for(settings, "UTC", ENGLISH).emergency_number == "112"
    assert (
        contacts_for(settings, "Antarctica/Troll", ENGLISH).urgent_care
        == (ENGLISH.URGENT_CARE["default"])
    )


def test_the_deployments_numbers_override_the_table_for_everyone() -> None:
    settings = load_settings(emergency_number="061", urgent_care_text="Clinic line 0800")
    for zone in ("Europe/Madrid", "America/New_York", None):
        contacts = contacts_for(settings, zone, ENGLISH)
        assert contacts.emergency_number == "061"
        assert contacts.urgent_care == "Clinic line 0800"


def test_the_country_sheet_shows_the_exact_texts_for_sign_off() -> None:
    sheet = country_sheet(load_settings(), "es")
    assert sheet.startswith("ES: emergency number 112")
    assert "NOT YET SIGNED OFF" in sheet
    assert "Europe/Madrid" in sheet
    assert "Call 112 now" in sheet
    unknown = country_sheet(load_settings(), "AQ")
    assert unknown.startswith("AQ: not in the table")


def test_same_day_care_is_worded_in_the_persons_language() -> None:
    """The number is the country's; the words around it are the person's language's."""
    settings = load_settings(default_timezone="Europe/London")
    for language in ("en", "es", "de"):
        words = texts_for(language)
        berlin = contacts_for(settings, "Europe/Berlin", words)
        assert berlin.emergency_number == "112"
        assert berlin.urgent_care == words.URGENT_CARE["DE"]
        assert "116 117" in berlin.urgent_care
        madrid = contacts_for(settings, "Europe/Madrid", words)
        assert madrid.urgent_care == words.URGENT_CARE["default"]
    assert texts_for("es").URGENT_CARE["default"] != ENGLISH.URGENT_CARE["default"]
