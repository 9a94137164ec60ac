"""The pain trend rules (TR-* of CARE-RULES.md): is the person getting better as expected?

A meaningful change on the 0-10 scale is 2 points or 30 % (Ostelo et al., Spine 2008; Childs
et al., Spine 2005). The day rules follow the natural course of acute back pain (Pengel et al.,
BMJ 2003; Menezes Costa et al., CMAJ 2012): most improvement happens in the first weeks, so no
improvement at two weeks, moderate pain at four, or any pain at six weeks (the seed article's
"longer than six weeks") deserve a doctor's or physiotherapist's look.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from bot.care.cadence import FOLLOW_UP_DAYS
from bot.care.decisions import Escalation
from bot.care.localtime import require_aware
from bot.care.pain import check_pain
from bot.care.rules import rule

MEANINGFUL_POINTS = 2
MEANINGFUL_FRACTION = 0.30

WORSE_POINTS = MEANINGFUL_POINTS
"""TR-WORSE: "at least 2 points above baseline", a meaningful change the wrong way."""
WORSE_RUN = 2
SEVERE_PAIN = 8
SEVERE_RUN = 3
RECOVERED_MAX_PAIN = 1
"""TR-RECOVERED: "pain 0 or 1"; also the level below which no day rule calls pain a problem."""
RECOVERED_RUN = 3
NO_IMPROVE_28_PAIN = 4
RECURRENT_WINDOW = timedelta(days=365)
"""TR-RECURRENT: "within 12 months", read as 365 days."""

TR_WORSE = "TR-WORSE"
TR_SEVERE = "TR-SEVERE"
TR_NO_IMPROVE_14 = "TR-NO-IMPROVE-14"
TR_NO_IMPROVE_28 = "TR-NO-IMPROVE-28"
TR_PERSIST_42 = "TR-PERSIST-42"
TR_CHRONIC_84 = "TR-CHRONIC-84"
TR_RECOVERED = "TR-RECOVERED"
TR_RECURRENT = "TR-RECURRENT"

MILESTONE_DAYS: Mapping[str, int] = MappingProxyType(
    {TR_NO_IMPROVE_14: 14, TR_NO_IMPROVE_28: 28, TR_PERSIST_42: 42}
)
"""The day rules, each evaluated once: at the first answered check-in on or after its day."""


@dataclass(frozen=True)
class PainChange:
    """How far pain has moved from baseline; ``points`` and ``percent`` are positive when better."""

    baseline: int
    latest: int
    points: int
    percent: float
    meaningful: bool
    """Better by at least 2 points or at least 30 % of baseline (Ostelo et al. 2008)."""


def pain_change(baseline: int, latest: int) -> PainChange:
    """The change from ``baseline`` to ``latest``.

    With a baseline of 0 there is no relative change to speak of: ``percent`` is 0.0 and no
    change can be a meaningful improvement (pain cannot fall below 0).
    """
    points = check_pain(baseline) - check_pain(latest)
    fraction = points / baseline if baseline else 0.0
    return PainChange(
        baseline=baseline,
        latest=latest,
        points=points,
        percent=round(fraction * 100, 1),
        meaningful=points >= MEANINGFUL_POINTS or fraction >= MEANINGFUL_FRACTION,
    )


def is_recovered(pains: Sequence[int]) -> bool:
    """TR-RECOVERED: pain 0 or 1 on the last three check-ins in a row."""
    return _last_run_all(pains, RECOVERED_RUN, lambda pain: pain <= RECOVERED_MAX_PAIN)


def milestones_evaluated(day: int) -> set[str]:
    """The day rules whose day has come by ``day``: record them once a check-in on ``day``
    has been evaluated, so :func:`trend_escalations` does not evaluate them again."""
    return {rule_id for rule_id, due in MILESTONE_DAYS.items() if day >= due}


def trend_escalations(
    *, baseline: int, pains: Sequence[int], day: int, milestones_done: Collection[str]
) -> list[Escalation]:
    """The TR-* rules that fire on the latest answered check-in, in the table's order.

    ``pains`` are this episode's answered check-in scores, oldest first (the enrolment
    baseline is not one of them), ``day`` the latest check-in's day after onset. "In a row"
    means consecutive answered check-ins: a missed check-in neither breaks nor extends a run.

    * TR-WORSE: the last two are at least baseline + 2.
    * TR-SEVERE: the last three are 8 or more.
    * TR-NO-IMPROVE-14, TR-NO-IMPROVE-28, TR-PERSIST-42: once each, at the first check-in on
      or after their day. None of them fires on pain of 0 or 1, the recovered range of
      TR-RECOVERED: with a baseline of 0 or 1 "no improvement" is no reason to see a doctor.
    * TR-RECOVERED (INFO): the last three are 0 or 1.

    Delivery (SOON once per rule per episode) is :func:`bot.care.escalation.due_escalations`'s
    job, not this function's.
    """
    check_pain(baseline)
    if not pains:
        raise ValueError("trend rules need at least one answered check-in")
    for pain in pains:
        check_pain(pain)
    if day < 0:
        raise ValueError(f"day cannot be negative, got {day}")
    latest = pains[-1]
    fired: list[Escalation] = []
    if _last_run_all(pains, WORSE_RUN, lambda pain: pain >= baseline + WORSE_POINTS):
        fired.append(_escalation(TR_WORSE, pains=list(pains[-WORSE_RUN:]), baseline=baseline))
    if _last_run_all(pains, SEVERE_RUN, lambda pain: pain >= SEVERE_PAIN):
        fired.append(_escalation(TR_SEVERE, pains=list(pains[-SEVERE_RUN:])))
    due = milestones_evaluated(day) - set(milestones_done)
    if latest > RECOVERED_MAX_PAIN:
        change = pain_change(baseline, latest)
        if TR_NO_IMPROVE_14 in due and not change.meaningful:
            fired.append(
                _escalation(
                    TR_NO_IMPROVE_14,
                    day=day,
                    baseline=baseline,
                    pain=latest,
                    points=change.points,
                    percent=change.percent,
                )
            )
        if TR_NO_IMPROVE_28 in due and latest >= NO_IMPROVE_28_PAIN:
            fired.append(_escalation(TR_NO_IMPROVE_28, day=day, pain=latest))
        if TR_PERSIST_42 in due:
            fired.append(_escalation(TR_PERSIST_42, day=day, pain=latest))
    if is_recovered(pains):
        fired.append(_escalation(TR_RECOVERED, pains=list(pains[-RECOVERED_RUN:])))
    return fired


def chronic_end_due(day: int) -> Escalation | None:
    """TR-CHRONIC-84: at day 84 a person still followed (not recovered) is told to see a
    doctor (SOON) and the acute follow-up ends: pain past twelve weeks is chronic (NICE NG59)
    and outside what a check-in bot for an acute strain should follow.

    The caller asks only for an episode still in follow-up; a recovered person is in
    PH-PREVENT and is not escalated.
    """
    if day < FOLLOW_UP_DAYS:
        return None
    return _escalation(TR_CHRONIC_84, day=day)


def recurrent_escalation(
    onset_at: datetime,
    earlier_onsets: Sequence[datetime],
    *,
    reported_within_year: bool = False,
) -> Escalation | None:
    """TR-RECURRENT: a new episode within 12 months (365 days) of an earlier one (SOON).

    The seed article: "Pain that keeps coming back is not something to ignore. Recurrent
    strain increases the risk of disc problems and chronic pain patterns", so a recurrence
    deserves a physiotherapy assessment. The earlier episode is either one this bot followed
    (``earlier_onsets``) or one the person reports at enrolment (``reported_within_year``):
    an episode before they met the bot counts just the same. ``ValueError`` if an "earlier"
    onset is not earlier.
    """
    onset = require_aware(onset_at, "onset_at")
    earlier = [require_aware(moment, "earlier onset") for moment in earlier_onsets]
    if any(moment >= onset for moment in earlier):
        raise ValueError("every earlier onset must be before the new onset")
    recent = [moment for moment in earlier if onset - moment <= RECURRENT_WINDOW]
    if recent:
        latest_earlier = max(recent)
        return _escalation(
            TR_RECURRENT,
            earlier_onset_at=latest_earlier.isoformat(),
            days_since=(onset - latest_earlier).days,
        )
    if reported_within_year:
        return _escalation(TR_RECURRENT, reported="an earlier episode in the last 12 months")
    return None


def _last_run_all(pains: Sequence[int], run: int, holds: Callable[[int], bool]) -> bool:
    """Whether the last ``run`` scores exist and all satisfy ``holds``."""
    return len(pains) >= run and all(holds(pain) for pain in pains[-run:])


def _escalation(rule_id: str, **facts: object) -> Escalation:
    return Escalation(rule_id, rule(rule_id).level, facts)
