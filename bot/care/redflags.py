"""Red flags: the answers that send a person to a doctor now, whatever their pain score.

The flags, their questions and their levels are the "Red flags" table of CARE-RULES.md (NICE
CKS red flags; the cauda equina card of Greenhalgh, Mercer and Finucane; the NHS "Back pain"
page; the seed article). The level of each flag is read from :data:`bot.care.rules.RULES`, so
the table a clinician signs off is the one that triages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from bot.care.levels import Level
from bot.care.rules import rule


class RedFlag(StrEnum):
    """One red-flag question; the value is the rule id (RF-AGE-50 is asked as an age band)."""

    CES_BLADDER = "RF-CES-BLADDER"
    CES_BOWEL = "RF-CES-BOWEL"
    CES_SADDLE = "RF-CES-SADDLE"
    CES_SEXUAL = "RF-CES-SEXUAL"
    LEGS_BOTH = "RF-LEGS-BOTH"
    LEG_WEAKNESS = "RF-LEG-WEAKNESS"
    TRAUMA = "RF-TRAUMA"
    CHEST = "RF-CHEST"
    FEVER = "RF-FEVER"
    CANCER = "RF-CANCER"
    WEIGHT = "RF-WEIGHT"
    NIGHT = "RF-NIGHT"
    IMMUNE = "RF-IMMUNE"
    OSTEO = "RF-OSTEO"


RED_FLAG_LEVEL: Mapping[RedFlag, Level] = MappingProxyType(
    {flag: rule(flag.value).level for flag in RedFlag}
)


@dataclass(frozen=True)
class RedFlagGroup:
    """Flags asked on one screen, so a single "none of these" tap answers all of them."""

    key: str
    flags: tuple[RedFlag, ...]


_CES = RedFlagGroup(
    "ces",
    (RedFlag.CES_BLADDER, RedFlag.CES_BOWEL, RedFlag.CES_SADDLE, RedFlag.CES_SEXUAL),
)
_LEGS = RedFlagGroup("legs", (RedFlag.LEGS_BOTH, RedFlag.LEG_WEAKNESS))
_TRAUMA = RedFlagGroup("trauma", (RedFlag.TRAUMA,))
_GENERAL = RedFlagGroup("general", (RedFlag.CHEST, RedFlag.FEVER, RedFlag.NIGHT))
_HISTORY = RedFlagGroup("history", (RedFlag.CANCER, RedFlag.WEIGHT, RedFlag.IMMUNE, RedFlag.OSTEO))

ENROLMENT_GROUPS: tuple[RedFlagGroup, ...] = (_CES, _LEGS, _GENERAL, _HISTORY)
"""The red-flag screens of enrolment, most dangerous first.

RF-TRAUMA is not here: enrolment asks how the pain started, and "a serious accident or fall"
is one of the answers to that question.
"""

CHECKIN_GROUPS: tuple[RedFlagGroup, ...] = (_CES, _LEGS, _TRAUMA, _GENERAL, _HISTORY)
"""The list a "yes" to the check-in's "anything new?" opens: every red flag.

Each flag can newly become true during the twelve weeks of follow-up: a fall can happen after
enrolment, and even the "history" flags can start (a cancer or osteoporosis diagnosis, a
course of steroid tablets, weight loss). The list only opens after a "yes", so asking them
costs a person who has something new one more tap, while leaving one out could hide a reason to
see a doctor today. The chat text must ask about what is *new*, so a flag already reported at
enrolment is not re-reported every time.
"""


def triage(flags: Iterable[RedFlag]) -> Level:
    """The most urgent level among the reported flags; INFO when none is reported.

    The highest level wins because the person must act on the most urgent finding first: one
    EMERGENCY flag makes the whole answer an emergency, whatever else is true.
    """
    return max((RED_FLAG_LEVEL[flag] for flag in flags), default=Level.INFO)
