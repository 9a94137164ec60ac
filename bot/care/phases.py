"""Recovery phases: which self-care advice applies now (PH-ICE, PH-SWITCH, PH-HEAT,
PH-STRENGTHEN, PH-PREVENT of CARE-RULES.md).

The seed article: ice for the first 48 hours of an acute strain, heat after 48 hours,
strengthening "once acute pain improves", prevention after recovery. The ``heat-first``
protocol (an operator's choice: French et al., Cochrane CD004750; Qaseem et al., ACP 2017) has
no ice phase and no switch message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.care.localtime import require_aware
from bot.care.pain import check_pain
from bot.care.quiet import QUIET_END, QUIET_START, in_quiet_hours, out_of_quiet_hours

__all__ = [
    "ICE_PERIOD",
    "QUIET_END",
    "QUIET_START",
    "STRENGTHEN_FRACTION",
    "STRENGTHEN_MAX_PAIN",
    "Phase",
    "Protocol",
    "in_quiet_hours",
    "needs_switch_message",
    "out_of_quiet_hours",
    "phase_at",
    "switch_at",
]

ICE_PERIOD = timedelta(hours=48)
"""The acute period: ice under ``seed`` (seed article: "First 48 hours (acute injury)")."""
STRENGTHEN_MAX_PAIN = 3
"""PH-STRENGTHEN: pain "3 or below" is low enough to start strengthening."""
STRENGTHEN_FRACTION = 0.5
"""PH-STRENGTHEN: pain "down by 50 % or more from its baseline"."""


class Protocol(StrEnum):
    """The deployment's thermal-therapy protocol; ``seed`` is the default."""

    SEED = "seed"
    HEAT_FIRST = "heat-first"


class Phase(StrEnum):
    """A recovery phase; the value is its rule id."""

    ICE = "PH-ICE"
    HEAT = "PH-HEAT"
    STRENGTHEN = "PH-STRENGTHEN"
    PREVENT = "PH-PREVENT"


def needs_switch_message(protocol: Protocol) -> bool:
    """PH-SWITCH is sent only under ``seed``: ``heat-first`` starts with heat, nothing to switch."""
    return protocol is Protocol.SEED


def switch_at(onset_at: datetime, zone: ZoneInfo) -> datetime:
    """PH-SWITCH: when to tell the person to swap ice for heat.

    48 elapsed hours after onset (not 48 wall-clock hours: a daylight-saving change does not
    shorten the ice period), moved to 08:00 local if that falls in quiet hours, 22:00-08:00.
    """
    return out_of_quiet_hours(require_aware(onset_at, "onset_at") + ICE_PERIOD, zone)


def phase_at(
    *,
    onset_at: datetime,
    now: datetime,
    protocol: Protocol,
    baseline_pain: int,
    latest_pain: int | None,
    recovered: bool,
) -> Phase:
    """The phase whose advice applies at ``now``.

    * PH-PREVENT once recovered (TR-RECOVERED), whatever the time since onset.
    * The first 48 h after onset are the acute period, whatever the pain: PH-ICE under
      ``seed``, PH-HEAT under ``heat-first``. Strengthening never starts inside it: the seed
      article starts strengthening "once acute pain improves" and warns against "returning
      to heavy lifting too soon", and under ``seed`` the 48 h are ice by definition.
    * After 48 h, PH-STRENGTHEN while the latest pain is 3 or below or down by 50 % or more
      from baseline, else PH-HEAT. The phase follows the latest score, so a flare-up goes back
      to heat: strengthening is not rushed through pain.

    The phase changes at exactly 48 h even when the PH-SWITCH message waits for the morning:
    the message is kept out of the night, the advice in any reply is already heat.
    ``latest_pain`` is ``None`` before the first check-in, when the baseline is the latest.
    """
    onset = require_aware(onset_at, "onset_at")
    moment = require_aware(now, "now")
    if moment < onset:
        raise ValueError(f"now ({moment}) is before onset ({onset})")
    baseline = check_pain(baseline_pain)
    latest = baseline if latest_pain is None else check_pain(latest_pain)
    if recovered:
        return Phase.PREVENT
    if moment - onset < ICE_PERIOD:
        return Phase.ICE if protocol is Protocol.SEED else Phase.HEAT
    if latest <= STRENGTHEN_MAX_PAIN or baseline - latest >= STRENGTHEN_FRACTION * baseline:
        return Phase.STRENGTHEN
    return Phase.HEAT
