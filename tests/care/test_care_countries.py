"""The per-country table is data a clinician checks: every code a country, every number
diallable, and the numbers everyone knows where they should be."""

from __future__ import annotations

import re
from importlib import resources

from bot.care.countries import COUNTRIES, FALLBACK_EMERGENCY_NUMBER

EU = (
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
    *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
)


def _iso_codes() -> set[str]:
    table = resources.files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text("utf-8")
    return {line.split("\t")[0] for line in table.splitlines() if line and line[0] != "#"}


def test_every_row_is_a_country_with_a_short_number_and_a_source() -> None:
    codes = _iso_codes()
    for code, row in COUNTRIES.items():
        assert code == row.code
        assert code in codes, code
        assert re.fullmatch(r"\d{2,6}", row.emergency_number), code
        assert row.source.strip(), code


def test_the_numbers_people_are_told_to_call() -> None:
    numbers = {code: row.emergency_number for code, row in COUNTRIES.items()}
    assert {numbers[code] for code in EU} == {"112"}
    assert numbers["GB"] == "999"
    assert numbers["US"] == numbers["CA"] == "911"
    assert numbers["AU"] == "000"
    assert numbers["NZ"] == "111"
    assert numbers["BR"] == "192"
    assert FALLBACK_EMERGENCY_NUMBER == "112"


def test_no_row_is_claimed_signed_off_before_a_clinician_has() -> None:
    assert not any(row.signed_off for row in COUNTRIES.values())
