"""Which country a person is in, and so which numbers their escalations name.

The country comes from the person's time zone (tzdata's ``zone.tab`` names the country of each
zone), which enrolment already asks for; before a person has one, the deployment's
``DEFAULT_TIMEZONE`` stands in. The deployment's ``EMERGENCY_NUMBER`` and ``URGENT_CARE_TEXT``,
when set, override the table for everyone; where the table has no row, the fallbacks of
:mod:`bot.care.countries` apply.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from bot.care.countries import COUNTRIES, FALLBACK_EMERGENCY_NUMBER
from bot.care.redflags import RedFlag
from bot.config import Settings
from bot.texts import ENGLISH, Contacts, Texts


@cache
def _zone_countries() -> dict[str, str]:
    """Zone name -> ISO 3166 country code, from the tzdata package this project depends on:
    ``zone.tab`` names the country of each zone, and the links of ``tzdata.zi`` give the old
    names people still type ("Japan", "US/Eastern", "Europe/Belfast") their zone's country."""
    files = resources.files("tzdata.zoneinfo")
    countries: dict[str, str] = {}
    for line in files.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code, _coordinates, zone, *_comment = line.split("\t")
        countries[zone] = code
    for line in files.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _link, target, alias = line.split()
            if target in countries:
                countries.setdefault(alias, countries[target])
    return countries


def country_of(zone: str | None) -> str | None:
    """The country of an IANA zone (``Europe/Madrid`` -> ``ES``); None for zones of no
    country (``UTC``, ``Etc/GMT+5``)."""
    if zone is None:
        return None
    return _zone_countries().get(zone)


def contacts_for(settings: Settings, zone: str | None, words: Texts) -> Contacts:
    """The numbers a person in ``zone`` is told (the deployment's default zone if None), and
    their same-day care in ``words``' language."""
    code = country_of(zone or settings.care.default_timezone)
    country = COUNTRIES.get(code or "")
    return Contacts(
        emergency_number=settings.care.emergency_number
        or (country.emergency_number if country else FALLBACK_EMERGENCY_NUMBER),
        urgent_care=settings.care.urgent_care_text or words.urgent_care(code),
    )


def country_sheet(settings: Settings, code: str, words: Texts = ENGLISH) -> str:
    """What a person in country ``code`` is told when a red flag fires, in ``words``'
    language, for the clinician's sign-off (``python -m bot rules --country XX``)."""
    code = code.upper()
    row = COUNTRIES.get(code)
    zones = sorted(zone for zone, country in _zone_countries().items() if country == code)
    if row is None:
        heading = f"{code}: not in the table; the deployment's numbers (or 112) are used."
    else:
        status = "signed off" if row.signed_off else "NOT YET SIGNED OFF by a clinician"
        heading = (
            f"{code}: emergency number {row.emergency_number}; same-day care: "
            f"{words.urgent_care(code)}\nSource: {row.source}\nReview: {status}"
        )
    contacts = contacts_for(settings, zones[0] if zones else None, words)
    overridden = [
        name
        for name, value in (
            ("EMERGENCY_NUMBER", settings.care.emergency_number),
            ("URGENT_CARE_TEXT", settings.care.urgent_care_text),
        )
        if value is not None
    ]
    lines = [heading, f"Time zones: {', '.join(zones) or 'none'}"]
    if overridden:
        lines.append(f"This deployment overrides the table with {' and '.join(overridden)}.")
    lines += [
        "",
        "EMERGENCY (for example, RF-CES-BLADDER):",
        words.emergency_text([RedFlag.CES_BLADDER], contacts),
        "",
        "URGENT (for example, RF-FEVER):",
        words.urgent_text([RedFlag.FEVER], contacts),
    ]
    return "\n".join(lines)


def country_table() -> str:
    """Every row of the table, one a line."""
    lines = ["country  number  review       same-day care (source)"]
    for code in sorted(COUNTRIES):
        row = COUNTRIES[code]
        status = "signed off" if row.signed_off else "not yet"
        lines.append(
            f"{code:<8} {row.emergency_number:<7} {status:<12} "
            f"{ENGLISH.urgent_care(code)} ({row.source})"
        )
    return "\n".join(lines)
