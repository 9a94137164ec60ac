"""Who to call, country by country: the emergency number and the same-day care a person is
told about in an escalation.

Who to contact for same-day care is words, so it is in the message catalogue, in each language:
``URGENT_CARE.<code>`` where a country has its own (``URGENT_CARE.GB``: NHS 111), else
``URGENT_CARE.default``.

A person in Madrid told to call 999 is told the wrong number at the worst moment. This table is
data, printed by ``python -m bot rules --country XX`` for the operator's clinician to check,
and each row says whether it has been signed off. Where a country is missing, or a deployment
sets ``EMERGENCY_NUMBER`` / ``URGENT_CARE_TEXT``, the deployment's words are used instead
(:func:`bot.countries.contacts_for`).

Numbers are the ambulance or general emergency number a member of the public dials; 112 also
works from any mobile phone in the EU and many other countries.
"""

from __future__ import annotations

from dataclasses import dataclass

FALLBACK_EMERGENCY_NUMBER = "112"
"""When neither the deployment nor the table gives a number: the number mobile networks in
most of the world route to emergency services."""


@dataclass(frozen=True)
class CountryCare:
    code: str
    """ISO 3166-1 alpha-2."""
    emergency_number: str
    source: str
    signed_off: bool = False
    """Whether a clinician of a deployment in that country has checked this row."""


_EU_112 = (
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
    *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
)
_EU_SOURCE = "European Commission: 112, the European emergency number"

_ROWS = (
    *(CountryCare(code, "112", _EU_SOURCE) for code in _EU_112),
    CountryCare(
        "DE",
        "112",
        _EU_SOURCE + "; 116 117, Kassenärztliche Bundesvereinigung",
    ),
    CountryCare(
        "GB",
        "999",
        "NHS: when to call 999, and NHS 111 (nhs.uk)",
    ),
    CountryCare("IS", "112", "Neyðarlínan 112 (112.is)"),
    CountryCare("NO", "113", "Helsenorge: 113 for medical emergencies"),
    CountryCare("CH", "144", "Swiss emergency numbers: 144 ambulance"),
    CountryCare(
        "US",
        "911",
        "911.gov",
    ),
    CountryCare(
        "CA",
        "911",
        "Government of Canada: 911; provincial 811 lines",
    ),
    CountryCare("MX", "911", "Gobierno de México: 911"),
    *(
        CountryCare(code, "911", "911, as in the United States")
        for code in ("PR", "GU", "VI", "AS", "MP")
    ),
    *(CountryCare(code, "999", "999, as in the United Kingdom") for code in ("JE", "GG", "IM")),
    CountryCare(
        "AU",
        "000",
        "Triple Zero (triplezero.gov.au); healthdirect",
    ),
    CountryCare(
        "NZ",
        "111",
        "New Zealand Police: 111; Healthline",
    ),
    CountryCare("BR", "192", "Ministério da Saúde: SAMU 192"),
    CountryCare("AR", "107", "Argentina.gob.ar: 107 emergencias médicas"),
    CountryCare("JP", "119", "Fire and Disaster Management Agency: 119"),
    CountryCare("KR", "119", "National Fire Agency: 119"),
    CountryCare("CN", "120", "National Health Commission: 120"),
    CountryCare("HK", "999", "Hong Kong Government: 999"),
    CountryCare("SG", "995", "Singapore Civil Defence Force: 995"),
    CountryCare("IN", "112", "Emergency Response Support System: 112"),
    CountryCare("IL", "101", "Magen David Adom: 101"),
    CountryCare("ZA", "10177", "South African Government: 10177"),
    CountryCare("PH", "911", "Emergency 911 (Philippines)"),
    CountryCare("TR", "112", "Turkey: 112 emergency call centres"),
)

COUNTRIES: dict[str, CountryCare] = {row.code: row for row in _ROWS}
"""The table by country code; a later row for a code replaces an earlier one (DE above)."""
