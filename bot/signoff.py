"""What the operator's clinician signs off for a language: each red flag's question as a person
reads it beside the rule it asks for, and the exact escalation texts
(``python -m bot rules --language XX``).

The rule table (:mod:`bot.care.rules`) holds the clinician's wording of each trigger; the
catalogue holds the person's question. They are an explicit pair, one per red-flag rule, and
this sheet puts them side by side so a reviewer reads both at once.
"""

from __future__ import annotations

from bot.care import Level, RedFlag
from bot.care.redflags import RED_FLAG_LEVEL
from bot.care.rules import rule
from bot.config import Settings
from bot.countries import contacts_for, country_of
from bot.i18n import SOURCE_LANGUAGE, catalogue, languages, supported
from bot.texts import texts_for

_EXAMPLE_EMERGENCY = RedFlag.CES_BLADDER
_EXAMPLE_URGENT = RedFlag.FEVER


def review_line(language: str) -> str:
    """A language's name, code and review status, as the README and ``rules`` list them."""
    words = catalogue(language)
    if language == SOURCE_LANGUAGE:
        status = "source language"
    elif words.signed_off:
        status = words.review_status
    else:
        status = "NOT YET SIGNED OFF by a clinician (draft)"
    return f"{words.name} ({language}): {status}"


def languages_table() -> str:
    return "\n".join(review_line(language) for language in languages())


def language_sheet(settings: Settings, code: str) -> str:
    """Every red flag's question and button in ``code``'s language beside its rule, then the
    escalation texts exactly as sent, with the numbers of the deployment's default zone."""
    language = supported(code)
    if language is None:
        return f"{code}: not a language BackCheck speaks ({', '.join(languages())})."
    words = texts_for(language)
    zone = settings.care.default_timezone
    contacts = contacts_for(settings, zone, words)
    lines = [
        review_line(language),
        f"Catalogue: bot/locales/{language.replace('-', '_')}.po",
        "",
        "Red flags: the rule (the clinician's wording), then what the person reads.",
    ]
    for flag in RedFlag:
        entry = rule(flag.value)
        lines += [
            "",
            f"{flag.value} ({RED_FLAG_LEVEL[flag].name}): {entry.trigger}",
            f"  question: {words.RED_FLAG_QUESTIONS[flag]}",
            f"  button:   {words.RED_FLAG_LABELS[flag]}",
        ]
    lines += [
        "",
        f'At each check-in, "anything new?" ({words.CHECKIN_NEW_LABELS["yes"]} opens the list):',
        words.CHECKIN_NEW,
        "",
        f"Escalation texts, with the numbers for {zone} ({country_of(zone) or 'no country'}); "
        "each person gets their own country's:",
        "",
        f"EMERGENCY (for example, {_EXAMPLE_EMERGENCY.value}):",
        words.emergency_text([_EXAMPLE_EMERGENCY], contacts),
        "",
        f"URGENT (for example, {_EXAMPLE_URGENT.value}):",
        words.urgent_text([_EXAMPLE_URGENT], contacts),
        "",
        "SOON, by rule:",
    ]
    for rule_id in words.SOON_REASONS:
        lines += [f"{rule_id}:", words.soon_text(rule_id)]
    lines += [
        "",
        "After an EMERGENCY (ES-HOLD), the last words:",
        words.EMERGENCY_AFTER.format(emergency=contacts.emergency_number),
        "After an URGENT (ES-HOLD):",
        words.urgent_again_text(contacts),
        "",
        "ES-MISTAP, asked again before a tap is withdrawn:",
        words.mistap_text(Level.EMERGENCY, [_EXAMPLE_EMERGENCY], contacts),
        "",
        "ES-FOLLOW-UP:",
        words.follow_up_text(Level.EMERGENCY, [_EXAMPLE_EMERGENCY]),
        "",
        "/redflags:",
        words.REDFLAGS.format(
            emergency=contacts.emergency_number, urgent_care=contacts.urgent_care
        ),
    ]
    return "\n".join(lines)
