"""Severity at enrolment, expected recovery, and whether a person is on track.

CARE-RULES.md: mild = pain 0-3 and usual activities possible; severe = pain 7-10 or usual
activities impossible; moderate otherwise. Expected recovery (seed article): mild 1-2 weeks,
moderate 3-6 weeks, severe "several months". Each check-in reply says whether the person is on
track; :func:`outlook` decides that with the TR-* rules themselves, so the reply never says
"on track" while a trend rule is escalating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType

from bot.care.pain import check_pain
from bot.care.trend import RECOVERED_MAX_PAIN, WORSE_POINTS, is_recovered, trend_escalations

MILD_MAX_PAIN = 3
SEVERE_MIN_PAIN = 7


class Activity(StrEnum):
    """Can the person do their usual activities?"""

    CAN = "can"
    LIMITED = "limited"
    CANNOT = "cannot"


class Severity(StrEnum):
    """Severity of the strain at enrolment; it sets the expected recovery time."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


EXPECTED_RECOVERY: Mapping[Severity, tuple[int, int]] = MappingProxyType(
    {
        Severity.MILD: (7, 14),
        Severity.MODERATE: (21, 42),
        Severity.SEVERE: (60, 180),
    }
)
"""Days from onset to expected recovery, (earliest, latest).

The seed article gives "several months" for a severe strain; read here as 2 to 6 months, past
the 84-day follow-up. The same article says to see a doctor when pain "lasts longer than six
weeks" (TR-PERSIST-42), so from day 42 :func:`outlook` calls any pain above 1 slower whatever
the severity: the reply never contradicts the escalation sent with it.
"""


class Outlook(StrEnum):
    """What a check-in reply says about progress."""

    ON_TRACK = "on-track"
    SLOWER = "slower"
    WORSE = "worse"
    RECOVERED = "recovered"


def severity(pain: int, activity: Activity) -> Severity:
    """Severity from the enrolment pain score and whether usual activities are possible.

    "Limited" activities are not "possible" in the rule's sense, so pain 0-3 with limited
    activities is moderate.
    """
    if check_pain(pain) >= SEVERE_MIN_PAIN or activity is Activity.CANNOT:
        return Severity.SEVERE
    if pain <= MILD_MAX_PAIN and activity is Activity.CAN:
        return Severity.MILD
    return Severity.MODERATE


def outlook(*, severity: Severity, day: int, baseline: int, pains: Sequence[int]) -> Outlook:
    """Whether the person is on track for their expected recovery, checked in this order:

    1. RECOVERED: the last three check-ins were 0 or 1 (TR-RECOVERED).
    2. WORSE: the latest pain is at least 2 points above baseline (the TR-WORSE threshold,
       from one check-in: the reply is honest at once, the escalation waits for two).
    3. SLOWER: a trend rule would escalate on these scores (TR-SEVERE, or a day rule whose day
       has come: TR-NO-IMPROVE-14, TR-NO-IMPROVE-28, TR-PERSIST-42), or the pain is still
       above 1 past the latest expected recovery day for the severity.
    4. ON_TRACK otherwise.

    The day rules count here at every check-in after their day, not only the first: the reply
    describes the whole picture, while the escalation is sent once.
    """
    if not pains:
        raise ValueError("an outlook needs at least one answered check-in")
    concerns = trend_escalations(baseline=baseline, pains=pains, day=day, milestones_done=())
    latest = pains[-1]
    if is_recovered(pains):
        return Outlook.RECOVERED
    if latest >= baseline + WORSE_POINTS:
        return Outlook.WORSE
    past_expected = day > EXPECTED_RECOVERY[severity][1] and latest > RECOVERED_MAX_PAIN
    if concerns or past_expected:
        return Outlook.SLOWER
    return Outlook.ON_TRACK
