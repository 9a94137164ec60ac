"""The message catalogue: every word BackCheck says, in each person's own language.

The words live in ``bot/locales/<language>.po`` (see :mod:`bot.i18n`); :class:`Texts` is one
language's set of them, with a typed attribute per message, so a message the code names and the
catalogue lacks is caught by mypy and by the suite (``tests/test_locales.py``), never by a person.

Advice follows ../shared/CARE-RULES.md and the seed article, phrase for phrase where it can.
Texts are short lines, one idea each, readable on a phone. They never claim to diagnose: the bot
passes on what the rules say and sends people to a doctor, an emergency department or a
pharmacist for anything it cannot judge. Emergency texts say plainly what to do now.

Texts are plain (no Markdown or HTML), so nothing a person types can break a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import get_type_hints
from zoneinfo import ZoneInfo

from bot import i18n
from bot.care import Level, Outlook, PainChange, Phase, Protocol, RedFlag, Severity

CONSENT_VERSION = "2026-11"
"""The version of the consent text; stored with each person's consent."""
CHART_FILENAME = "backcheck-pain-chart.png"
SUMMARY_FILENAME = "backcheck-summary-{date}.pdf"

Labels = Mapping[str, str]
"""Entries of one family (``AGE_LABELS.under-16`` ...), by name, in the order they are shown."""


@dataclass(frozen=True)
class Contacts:
    """The numbers and the same-day care a person is told about in an escalation."""

    emergency_number: str
    urgent_care: str


@dataclass(frozen=True)
class Plural:
    """A message with a form for each plural category of its language."""

    key: str
    catalogue: i18n.Catalogue

    def of(self, count: int) -> str:
        """The form for ``count`` (still to be formatted)."""
        return self.catalogue.plural(self.key, count)


class Texts:
    """One language's words. Attributes are filled from the catalogue by their annotation:
    ``str`` is one message, :data:`Labels` the family ``NAME.*``, :class:`Plural` the forms
    ``NAME[one]``, ``NAME[other]`` ..."""

    language: str
    catalogue: i18n.Catalogue

    WELCOME: str
    CONSENT_YES: str
    CONSENT_NO: str
    DECLINED: str
    AGE_QUESTION: str
    AGE_LABELS: Labels
    UNDER_16: str
    HISTORY_QUESTION: str
    HISTORY_LABELS: Labels
    RED_FLAG_INTRO: str
    RED_FLAG_GROUP_PROMPT: str
    RED_FLAG_GROUP_MORE: str
    NONE_OF_THESE: str
    THATS_ALL: str
    RED_FLAG_QUESTIONS: Labels
    RED_FLAG_LABELS: Labels
    ONSET_QUESTION: str
    ONSET_LABELS: Labels
    ONSET_DATE_QUESTION: str
    ONSET_DATE_INVALID: str
    ONSET_DATE_FUTURE: str
    LONG_STANDING: str
    MECHANISM_QUESTION: str
    MECHANISM_LABELS: Labels
    PAIN_QUESTION: str
    ACTIVITY_QUESTION: str
    ACTIVITY_LABELS: Labels
    ZONE_QUESTION: str
    ZONE_SHARE_LOCATION: str
    ZONE_NOT_FOUND: str
    ZONE_PICK: str
    ZONE_SET: str
    TIME_QUESTION: str
    TIME_INVALID: str
    TIME_DEFAULT_MARK: str
    ENROLLED: str
    NEXT_CHECKIN: str
    NEXT_SWITCH: str
    PHASE_ADVICE: Labels
    HEAT_FIRST_ADVICE: str
    SWITCH_TO_HEAT: str
    MEDICINES: str
    EMERGENCY: str
    URGENT: str
    SOON: str
    SOON_REASONS: Labels
    CHRONIC_END: str
    RECOVERED: str
    PREVENTION_TIPS: Labels
    DIGEST: str
    ADMIN_ALERT: str
    FOLLOW_UP_NOTE: str
    UNDELIVERED_BLOCKED: str
    UNDELIVERED_RETRYING: Plural
    UNDELIVERED_REFUSED: str
    HOLD_LABELS: Labels
    HOLD_CARRY_ON: str
    MISTAP_CONFIRM: str
    MISTAP_ADVICE: Labels
    MISTAP_LABELS: Labels
    MISTAP_WITHDRAWN: str
    ADMIN_WITHDRAWN: str
    URGENT_AGAIN: str
    EMERGENCY_AFTER: str
    FOLLOW_UP_QUESTION: str
    FOLLOW_UP_ASKED: Labels
    FOLLOW_UP_LABELS: Labels
    FOLLOW_UP_GOT_HELP: str
    FOLLOW_UP_FINE: str
    FOLLOW_UP_NOTED: str
    CHECKIN_PAIN: str
    CHECKIN_NEW: str
    CHECKIN_NEW_LABELS: Labels
    CHECKIN_FLAGS: str
    CHECKIN_WALK: str
    CHECKIN_WALK_LABELS: Labels
    CHECKIN_NOTE: str
    SKIP: str
    NOTE_TOO_LONG: str
    CHECKIN_DONE: str
    CHECKIN_DONE_RECOVERED: str
    CHECKIN_NEXT: str
    CHECKIN_NO_NEXT: str
    CHECKIN_REPLACES: str
    REMINDER: str
    PAUSED_AFTER_MISSED: str
    OUTLOOK_TEXT: Labels
    RECOVERY_SPANS: Labels
    HELP: str
    NOT_ENROLLED_HELP: str
    PRIVACY: str
    REDFLAGS: str
    HISTORY_EMPTY: str
    SUMMARY_NOTHING_YET: str
    SUMMARY_DOCUMENT_CAPTION: str
    STATS_CHART_CAPTION: str
    EXPORT_CAPTION: str
    EXPORT_TOO_LARGE: str
    SETTINGS_MENU: str
    SETTINGS_PROTOCOL_LINE: str
    SETTINGS_LABELS: Labels
    PROTOCOL_QUESTION: str
    PROTOCOL_LABELS: Labels
    SETTINGS_SAVED: str
    SETTINGS_UNCHANGED: str
    PAUSED: str
    ALREADY_PAUSED: str
    RESUMED: str
    NOT_PAUSED: str
    STOP_CONFIRM: str
    STOP_LABELS: Labels
    STOPPED: str
    DELETE_CONFIRM: str
    DELETE_LABELS: Labels
    DELETED: str
    NOTHING_TO_DELETE: str
    KEPT: str
    ALREADY_ENROLLED: str
    FINISH_ENROLMENT_FIRST: str
    UNKNOWN_COMMAND: str
    NOTHING_ASKED: str
    TAP_A_BUTTON: str
    PAIN_INVALID: str
    STALE_BUTTON: str
    COULD_NOT_SAVE: str
    TEXT_ONLY: str
    PRIVATE_ONLY: str
    FOLLOW_UP_OVER: str
    CHART_TITLE: str
    CHART_SUBTITLE: str
    CHART_SUBTITLE_EMPTY: str
    CHART_X_LABEL: str
    CHART_Y_LABEL: str
    CHART_PAIN: str
    CHART_BASELINE: str
    CHART_BAND: str
    CHART_EXPECTED: str
    CHART_PHASES: Labels
    CHART_LEVELS: Labels
    CHART_DESCRIPTION: str
    CHART_DESCRIPTION_LATEST: str
    CHART_DESCRIPTION_NO_CHECKINS: str
    CHART_DESCRIPTION_NO_ESCALATIONS: str
    CHART_DESCRIPTION_ESCALATIONS: str
    CHART_DESCRIPTION_ESCALATION: str
    CHART_DESCRIPTION_PHASES: str
    CHART_DESCRIPTION_PHASE: str
    CHART_DESCRIPTION_MORE: str
    LEVEL_ADVICE: Labels
    SUMMARY_TITLE: str
    SUMMARY_MADE: str
    SUMMARY_START_HEADING: str
    SUMMARY_ONSET: str
    SUMMARY_MECHANISM: str
    SUMMARY_ACTIVITY: str
    SUMMARY_FIRST_EPISODE: str
    SUMMARY_NOT_FIRST_EPISODE: str
    SUMMARY_SEVERITY: str
    SUMMARY_PAIN_HEADING: str
    SUMMARY_BASELINE: str
    SUMMARY_LATEST: str
    SUMMARY_NO_CHECKINS: str
    SUMMARY_BETTER: Plural
    SUMMARY_WORSE: Plural
    SUMMARY_SAME: str
    SUMMARY_CHECKINS: str
    SUMMARY_SCORES: str
    SUMMARY_SCORE: str
    SUMMARY_FLAGS_HEADING: str
    SUMMARY_FLAGS_ASKED: str
    SUMMARY_FLAG_ENROLMENT: str
    SUMMARY_FLAG_CHECKIN: str
    SUMMARY_FLAG_ESCALATED: str
    SUMMARY_NO_FLAGS: str
    SUMMARY_ESCALATIONS_HEADING: str
    SUMMARY_ESCALATION: str
    SUMMARY_NO_ESCALATIONS: str
    SUMMARY_RULE_REASONS: Labels
    SUMMARY_WALKING_HEADING: str
    SUMMARY_WALKING: str
    SUMMARY_NOTES_HEADING: str
    SUMMARY_NOTE: str
    SUMMARY_MORE: str
    SUMMARY_CUT: str
    DISCLAIMER: str
    STATS_HEADER: str
    STATS_PEOPLE: str
    STATS_CHECKINS: str
    STATS_CHECKIN_FIGURES: str
    STATS_NOTHING_SENT: str
    STATS_ESCALATIONS: str
    STATS_ESCALATION_LINE: str
    STATS_RULES: str
    STATS_RULES_NONE: str
    STATS_RULES_MORE: Plural
    STATS_PAIN: str
    STATS_PAIN_LINE: Plural
    STATS_RECOVERY: str
    STATS_RECOVERY_LINE: str
    STATS_NO_DATA: str
    STATS_LEVEL_LABELS: Labels
    STATS_SEVERITY_LABELS: Labels
    STATS_CHART_TITLE: str
    STATS_CHART_SUBTITLE: str
    STATS_CHART_RESPONSE: str
    STATS_CHART_RESPONSE_TODAY: str
    STATS_CHART_RESPONSE_WEEK: str
    STATS_CHART_ESCALATIONS: str
    STATS_CHART_WEEK: str
    STATS_CHART_MONTH: str
    STATS_CHART_PAIN: str
    STATS_CHART_PAIN_DAY: str
    STATS_CHART_RECOVERY: str
    STATS_CHART_EXPECTED: str
    STATS_CHART_ANSWERS: str
    STATS_CHART_NO_DATA: str
    ALERTS_HEADER: str
    ALERTS_LINE: str
    ALERTS_SENT: str
    ALERTS_NOT_SENT: str
    ALERTS_NONE: str
    ALERTS_OUTCOME: str
    OUTCOME_LABELS: Labels
    STATS_OUTCOMES: str
    SUMMARY_OUTCOMES: Labels
    TREND_BETTER: Plural
    TREND_WORSE: Plural
    TREND_SAME: str
    WHEN_TODAY: str
    WHEN_TOMORROW: str
    WHEN_DAY: str
    SEVERITY_NAMES: Labels
    COMMANDS: Labels
    ADMIN_COMMANDS: Labels
    ERROR_REPORT: str
    UNDELIVERED_UNKNOWN: str
    URGENT_CARE: Labels
    LANGUAGE_OTHER: str
    LANGUAGE_QUESTION: str
    LANGUAGE_SET: str
    SETTINGS_LANGUAGE_LINE: str

    def __init__(self, catalogue: i18n.Catalogue) -> None:
        self.language = catalogue.language
        self.catalogue = catalogue
        for name, kind in _MESSAGES.items():
            if kind is Plural:
                value: object = Plural(name, catalogue)
            elif kind is str:
                value = catalogue.text(name)
            else:
                value = catalogue.labels(name)
            setattr(self, name, value)

    @property
    def language_name(self) -> str:
        return self.catalogue.name

    def phase_advice(self, phase: Phase, protocol: Protocol) -> str:
        """The advice for ``phase``; under heat-first the acute period offers cold as the option."""
        if protocol is Protocol.HEAT_FIRST and phase is Phase.HEAT:
            return self.HEAT_FIRST_ADVICE
        return self.PHASE_ADVICE[phase]

    def follow_up_text(self, level: Level, flags: Sequence[RedFlag]) -> str:
        """ES-FOLLOW-UP: did the person get help after an escalation?"""
        return self.FOLLOW_UP_QUESTION.format(
            reasons=self._reasons(flags), asked=self.FOLLOW_UP_ASKED[level.name]
        )

    def emergency_text(self, flags: Sequence[RedFlag], contacts: Contacts) -> str:
        return self.EMERGENCY.format(
            reasons=self._reasons(flags), emergency=contacts.emergency_number
        )

    def urgent_text(self, flags: Sequence[RedFlag], contacts: Contacts) -> str:
        return self.URGENT.format(
            reasons=self._reasons(flags),
            urgent_care=contacts.urgent_care,
            emergency=contacts.emergency_number,
        )

    def urgent_again_text(self, contacts: Contacts) -> str:
        return self.URGENT_AGAIN.format(
            urgent_care=contacts.urgent_care, emergency=contacts.emergency_number
        )

    def mistap_text(self, level: Level, flags: Sequence[RedFlag], contacts: Contacts) -> str:
        """ES-MISTAP: the full question of each flag that fired, asked once more."""
        questions = "\n".join(f"• {self.RED_FLAG_QUESTIONS[flag]}" for flag in flags)
        advice = self.MISTAP_ADVICE[level.name].format(
            emergency=contacts.emergency_number, urgent_care=contacts.urgent_care
        )
        return self.MISTAP_CONFIRM.format(questions=questions, advice=advice)

    def soon_text(self, rule_id: str) -> str:
        return self.SOON.format(reason=self.SOON_REASONS[rule_id])

    def escalation_text(self, level: Level, rule_ids: Sequence[str], contacts: Contacts) -> str:
        """One message for the escalations of one level: red flags are listed together."""
        if level is Level.EMERGENCY:
            return self.emergency_text([RedFlag(rule_id) for rule_id in rule_ids], contacts)
        if level is Level.URGENT:
            return self.urgent_text([RedFlag(rule_id) for rule_id in rule_ids], contacts)
        return "\n\n".join(self.soon_text(rule_id) for rule_id in rule_ids)

    def _reasons(self, flags: Sequence[RedFlag]) -> str:
        """The questions of the flags, run into one sentence after "You told me:"."""
        return "; ".join(
            self.catalogue.mid_sentence(self.RED_FLAG_QUESTIONS[flag]) for flag in flags
        )

    def trend_text(self, change: PainChange) -> str:
        """The change from the start in plain words: "2 points better than when you started"."""
        points = abs(change.points)
        if change.points > 0:
            return self.TREND_BETTER.of(points).format(latest=change.latest, points=points)
        if change.points < 0:
            return self.TREND_WORSE.of(points).format(latest=change.latest, points=points)
        return self.TREND_SAME.format(latest=change.latest)

    def outlook_text(self, outlook: Outlook, severity: Severity) -> str:
        return self.OUTLOOK_TEXT[outlook].format(
            severity=self.SEVERITY_NAMES[severity], span=self.RECOVERY_SPANS[severity]
        )

    def when_text(self, moment: datetime, zone: ZoneInfo, now: datetime) -> str:
        """ "today at 09:00", "tomorrow at 09:00" or "Friday 28 November at 09:00", on the
        person's clock, in their language."""
        local = moment.astimezone(zone)
        days = (local.date() - now.astimezone(zone).date()).days
        clock = self.catalogue.clock(local)
        if days == 0:
            return self.WHEN_TODAY.format(time=clock)
        if days == 1:
            return self.WHEN_TOMORROW.format(time=clock)
        return self.WHEN_DAY.format(day=self.catalogue.day_and_month(local), time=clock)

    def urgent_care(self, country: str | None) -> str:
        """Who a person in ``country`` contacts for same-day care, in this language."""
        return self.URGENT_CARE.get(country or "", self.URGENT_CARE["default"])


_MESSAGES = {
    name: kind
    for name, kind in get_type_hints(Texts).items()
    if name.isupper() and kind in (str, Labels, Plural)
}


@cache
def texts_for(language: str | None) -> Texts:
    """The words of ``language`` (a code of :func:`bot.i18n.languages`); English for None or
    for a language BackCheck does not speak."""
    return Texts(i18n.catalogue(language or i18n.SOURCE_LANGUAGE))


ENGLISH = texts_for(i18n.SOURCE_LANGUAGE)
"""The source language's words: what the command menu's default and the logs' examples use."""
