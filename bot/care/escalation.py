"""Turning findings into escalations, and deciding which of them are due to be sent.

Implements the "Levels of escalation" table of CARE-RULES.md (when each level is sent), the
red flags, and the age rules of enrolment (under 16 not enrolled; RF-AGE-50).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from bot.care.decisions import Escalation
from bot.care.levels import Level
from bot.care.redflags import RED_FLAG_LEVEL, RedFlag
from bot.care.rules import rule

AGE_50_RULE = "RF-AGE-50"


class AgeBand(StrEnum):
    """The age bands asked at enrolment: only the boundaries the rules use."""

    UNDER_16 = "under-16"
    AGE_16_49 = "16-49"
    AGE_50_PLUS = "50+"


def can_enrol(age_band: AgeBand) -> bool:
    """Whether the bot may follow this person.

    The guidance behind the rules (NICE NG59, NICE CKS) covers people aged 16 and over; a child
    with back pain is told to see a doctor instead.
    """
    return age_band is not AgeBand.UNDER_16


def age_escalation(age_band: AgeBand, first_episode: bool) -> Escalation | None:
    """RF-AGE-50: a first episode of back pain at 50 or over deserves a doctor's look (SOON).

    New back pain after 50 is a risk marker for a serious cause such as cancer or fracture
    (NICE CKS red flags; Chou et al. 2011). Under 16 is refused with ``ValueError``: such a
    person is never enrolled, so asking is a caller's mistake.
    """
    if not can_enrol(age_band):
        raise ValueError("people under 16 are not enrolled")
    if age_band is AgeBand.AGE_50_PLUS and first_episode:
        return Escalation(
            AGE_50_RULE,
            rule(AGE_50_RULE).level,
            {"age_band": age_band.value, "first_episode": True},
        )
    return None


def red_flag_escalations(flags: Iterable[RedFlag]) -> list[Escalation]:
    """One escalation per reported red flag (RF-*), most urgent first.

    A flag reported twice in one answer escalates once. Ties keep the table's order, which
    puts the cauda equina questions first.
    """
    table_order = list(RedFlag)
    reported = sorted(set(flags), key=lambda flag: (-RED_FLAG_LEVEL[flag], table_order.index(flag)))
    return [Escalation(flag.value, RED_FLAG_LEVEL[flag], {"answer": "yes"}) for flag in reported]


def due_escalations(
    candidates: Sequence[Escalation], already_sent: Mapping[str, Level]
) -> list[Escalation]:
    """The escalations to send now, most urgent first.

    The delivery policy of the levels table:

    * EMERGENCY: always, "repeated each time a red flag is reported again";
    * URGENT: always ("at once, whatever the hour");
    * SOON: "once per rule per episode unless the level rises": only when this episode has not
      yet sent the rule at this level or higher (``already_sent`` maps a rule id to the highest
      level sent in the episode); a rule repeated inside ``candidates`` is sent once;
    * INFO: always, it is the self-care advice of every check-in reply.
    """
    sent = dict(already_sent)
    due: list[Escalation] = []
    for candidate in candidates:
        if candidate.level is Level.SOON:
            previous = sent.get(candidate.rule_id)
            if previous is not None and previous >= candidate.level:
                continue
            sent[candidate.rule_id] = candidate.level
        due.append(candidate)
    return sorted(due, key=lambda escalation: -escalation.level)
