"""Time zones from typed text and shared locations, resolved offline."""

from __future__ import annotations

import math
import subprocess
import sys
import time
import zoneinfo

import pytest

from bot.timezones import (
    COMMON_ZONES,
    MAX_RESULTS,
    ZoneMatch,
    zone_from_location,
    zone_from_text,
    zone_label,
)


def zones(text: str) -> list[str]:
    return [match.zone for match in zone_from_text(text)]


def assert_loadable(matches: list[ZoneMatch]) -> None:
    for match in matches:
        assert zoneinfo.ZoneInfo(match.zone).key == match.zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("Europe/London ", "Europe/London"),
        ("  EUROPE/LONDON\n", "Europe/London"),
        ("Europe / London", "Europe/London"),
        ("America/New York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("America/Argentina/Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("America/Port-au-Prince", "America/Port-au-Prince"),
        # aliases are valid keys with the same rules: kept as typed
        ("US/Eastern", "US/Eastern"),
        ("asia/calcutta", "Asia/Calcutta"),
        ("Japan", "Japan"),
    ],
)
def test_an_exact_zone_name_is_the_only_answer(text: str, zone: str) -> None:
    assert zone_from_text(text) == [ZoneMatch(zone, zone)]


@pytest.mark.parametrize(
    ("text", "zone", "place"),
    [
        ("Manchester", "Europe/London", "Manchester, GB"),
        ("new york", "America/New_York", "New York City, NY, US"),
        ("New York", "America/New_York", "New York City, NY, US"),
        ("São Paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("sao paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("SAO-PAULO", "America/Sao_Paulo", "São Paulo, BR"),
        ("Sydney", "Australia/Sydney", "Sydney, AU"),
        ("Köln", "Europe/Berlin", "Köln, DE"),
        ("koln", "Europe/Berlin", "Köln, DE"),
        ("Cologne", "Europe/Berlin", "Köln, DE"),
        ("Mumbai", "Asia/Kolkata", "Mumbai, IN"),
        ("Bombay", "Asia/Kolkata", "Mumbai, IN"),
        ("Calcutta", "Asia/Kolkata", "Kolkata, IN"),
        ("St Petersburg", "Europe/Moscow", "Saint Petersburg, RU"),
        ("Москва", "Europe/Moscow", "Moscow, RU"),
        ("Kobenhavn", "Europe/Copenhagen", "Copenhagen, DK"),
    ],
)
def test_a_city_gives_its_zone_first(text: str, zone: str, place: str) -> None:
    matches = zone_from_text(text)
    assert matches[0] == ZoneMatch(zone, place)
    assert_loadable(matches)


@pytest.mark.parametrize("text", ["Portland", "Springfield", "Paris", "London", "Manchester"])
def test_an_ambiguous_city_offers_distinct_zones_biggest_first(text: str) -> None:
    matches = zone_from_text(text)
    assert 2 <= len(matches) <= MAX_RESULTS
    assert len({match.zone for match in matches}) == len(matches)
    assert_loadable(matches)


def test_portland_offers_both_coasts_oregon_first() -> None:
    found = zones("Portland")
    assert found[0] == "America/Los_Angeles"
    assert "America/New_York" in found


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Portland, Oregon", "America/Los_Angeles"),
        ("portland, me", "America/New_York"),
        ("London, Canada", "America/Toronto"),
        ("London, UK", "Europe/London"),
        ("Paris, France", "Europe/Paris"),
        ("Paris, TX", "America/Chicago"),
    ],
)
def test_a_country_or_state_after_a_comma_narrows_the_city(text: str, zone: str) -> None:
    assert zones(text) == [zone]


def test_a_region_that_does_not_hold_the_city_gives_nothing() -> None:
    assert zone_from_text("Paris, Narnia") == []
    assert zone_from_text("Sydney, Germany") == []


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Germany", "Europe/Berlin"),
        ("france", "Europe/Paris"),
        ("UK", "Europe/London"),
        ("England", "Europe/London"),
        ("India", "Asia/Kolkata"),
        ("Vietnam", "Asia/Ho_Chi_Minh"),  # two zones in geonames, one clock
    ],
)
def test_a_country_with_one_clock_gives_it(text: str, zone: str) -> None:
    assert zones(text)[0] == zone


@pytest.mark.parametrize("text", ["USA", "United States", "Russia", "Spain", "Australia"])
def test_a_country_with_several_clocks_gives_nothing(text: str) -> None:
    assert zone_from_text(text) == []


def test_a_zone_without_a_city_of_its_name_is_found_by_its_last_part() -> None:
    assert zones("Azores") == ["Atlantic/Azores"]
    assert zones("canary") == ["Atlantic/Canary"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂",
        "🦴💥",
        "...",
        "asdfghjkl",
        "yes",
        "no",
        "UTC",
        "utc",
        "GMT",
        "UTC+2",
        "utc +02:00",
        "GMT-5",
        "+2",
        "\u22123",
        "EST",
        "Zulu",
        "Etc/GMT+2",
        "Etc/UTC",
        "localtime",
        "Factory",
        "Manchester" * 11,
    ],
)
def test_junk_and_fixed_offsets_give_nothing(text: str) -> None:
    assert zone_from_text(text) == []


def test_a_huge_input_is_refused_without_reading_it() -> None:
    started = time.perf_counter()
    assert zone_from_text("x" * 5000) == []
    assert zone_from_text("Europe/London " * 400) == []
    assert time.perf_counter() - started < 0.05


def test_never_more_than_the_limit_and_every_zone_loads() -> None:
    for text in ["San Jose", "Santa Cruz", "Victoria", "Alexandria", "Eastern", "Central"]:
        matches = zone_from_text(text)
        assert len(matches) <= MAX_RESULTS
        assert len({match.zone for match in matches}) == len(matches)
        assert_loadable(matches)


def test_lookups_after_the_first_are_fast() -> None:
    zone_from_text("Manchester")
    started = time.perf_counter()
    for _ in range(200):
        for text in ["London", "new york", "Portland", "Europe/Berlin", "nowhere at all"]:
            zone_from_text(text)
    assert time.perf_counter() - started < 1.0  # ~5 µs each; generous for a busy CI box


def test_importing_the_module_does_not_read_the_city_data() -> None:
    probe = "import bot.timezones as t; print(t._city_index.cache_info().currsize)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (51.5, -0.12, "Europe/London"),
        (40.71, -74.01, "America/New_York"),
        (-33.87, 151.21, "Australia/Sydney"),
        (19.08, 72.88, "Asia/Kolkata"),
    ],
)
def test_a_location_gives_its_zone(latitude: float, longitude: float, zone: str) -> None:
    assert zone_from_location(latitude, longitude) == zone


def test_the_open_sea_gives_a_nautical_zone_that_loads() -> None:
    zone = zone_from_location(0.0, -150.0)
    assert zone is not None
    assert zone.startswith("Etc/GMT")
    assert zoneinfo.ZoneInfo(zone).key == zone


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(200.0, 0.0), (-90.5, 0.0), (0.0, 180.5), (0.0, -181.0), (math.nan, 0.0), (0.0, math.inf)],
)
def test_impossible_coordinates_give_none(latitude: float, longitude: float) -> None:
    assert zone_from_location(latitude, longitude) is None


def test_the_poles_and_the_date_line_are_still_places() -> None:
    for latitude, longitude in [(90.0, 0.0), (-90.0, 0.0), (0.0, 180.0), (0.0, -180.0)]:
        zone = zone_from_location(latitude, longitude)
        assert zone is not None
        zoneinfo.ZoneInfo(zone)


def test_common_zones_are_eight_distinct_loadable_keys_that_round_trip() -> None:
    assert len(COMMON_ZONES) == 8
    assert len(set(COMMON_ZONES)) == 8
    available = zoneinfo.available_timezones()
    for zone in COMMON_ZONES:
        assert zone in available
        assert zone_from_text(zone) == [ZoneMatch(zone, zone)]


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Europe/London", "London"),
        ("America/New_York", "New York"),
        ("America/Los_Angeles", "Los Angeles"),
        ("Asia/Kolkata", "Kolkata"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("UTC", "UTC"),
    ],
)
def test_zone_label_is_the_last_part_with_spaces(zone: str, label: str) -> None:
    assert zone_label(zone) == label


def test_every_common_zone_has_a_short_label() -> None:
    for zone in COMMON_ZONES:
        label = zone_label(zone)
        assert label
        assert "_" not in label
        assert "/" not in label


def test_a_city_by_its_own_name_beats_an_alternate_name_of_a_smaller_city() -> None:
    places = [match.place for match in zone_from_text("Manchester")]
    assert places[0] == "Manchester, GB"
    assert not any(place.startswith("Richmond") for place in places)
