"""One episode's history, read once from the database, and what it says over time.

:func:`load_pain_history` is the only I/O here; everything else is pure, so the chart, its
description and the doctor summary can be tested on a hand-built :class:`PainHistory`.

Time on the chart is elapsed days since onset (hours / 24), not calendar days: the ice period
is exactly the first 2.0 days (48 elapsed hours, as :mod:`bot.care.phases` counts it) and the
expected recovery is in "days from onset" (:data:`bot.care.severity.EXPECTED_RECOVERY`), so
points, phases and the band line up exactly whatever the time of day or a daylight-saving
change. The stored calendar ``day`` of each check-in is kept for the words ("day 5").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.care.levels import Level
from bot.care.phases import ICE_PERIOD, Phase, Protocol, phase_at
from bot.care.severity import EXPECTED_RECOVERY, Severity
from bot.db.models import CheckIn, CheckInStatus, Episode, Escalation, Person
from bot.insight.counts import outcome_key
from bot.texts import Texts, texts_for

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class PainPoint:
    """One answered check-in: when, its calendar day after onset, and its answers."""

    at: datetime
    """When the pain score was given (UTC)."""
    day: int
    pain: int
    walked: bool | None = None
    red_flags: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class EscalationMark:
    """A safety message the rules required in this episode."""

    at: datetime
    level: Level
    rule_id: str
    outcome: str = "pending"
    """What came of it (EMERGENCY and URGENT): a key of :data:`bot.texts.SUMMARY_OUTCOMES`."""


@dataclass(frozen=True)
class PainHistory:
    """What the chart and the summary need to know about one episode, as of ``now``."""

    onset_at: datetime
    zone: str
    """The person's IANA zone, for dates in their own calendar."""
    severity: Severity
    protocol: Protocol
    baseline_pain: int
    baseline_at: datetime
    """When the baseline was given: the end of enrolment."""
    points: tuple[PainPoint, ...]
    """Answered check-ins, oldest first."""
    escalations: tuple[EscalationMark, ...]
    """Oldest first."""
    now: datetime
    recovered_at: datetime | None = None
    ended_at: datetime | None = None
    """When the follow-up ended (stopped, or over): the chart stops there, not at ``now``."""
    language: str | None = None
    """The person's language: the chart and the summary speak it."""

    @property
    def texts(self) -> Texts:
        return texts_for(self.language)

    @property
    def followed_until(self) -> datetime:
        """The end of what the chart shows: looking back a year later must not squeeze the
        episode into the left edge of a year-long axis."""
        return min(self.now, self.ended_at) if self.ended_at is not None else self.now

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def latest(self) -> PainPoint | None:
        return self.points[-1] if self.points else None

    def days_since_onset(self, moment: datetime) -> float:
        """Elapsed days from onset to ``moment``: the chart's x coordinate."""
        return (moment - self.onset_at).total_seconds() / SECONDS_PER_DAY

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


@dataclass(frozen=True)
class PhaseSpan:
    """A stretch of the episode with one phase's advice, in elapsed days since onset."""

    phase: Phase
    start_at: datetime
    start: float
    end: float


def phase_spans(history: PainHistory) -> tuple[PhaseSpan, ...]:
    """The phases the person went through, from onset to the end of follow-up (or ``now``), as
    :func:`phase_at` decides.

    The phase can change only at the end of the 48-hour acute period, at an answered check-in
    (a new latest pain) and at recovery; it is evaluated at each of those moments with the
    pains known then, and equal neighbours are merged.
    """
    onset = history.onset_at
    end_at = max(history.followed_until, onset)
    moments = {onset, *(p.at for p in history.points if onset <= p.at <= end_at)}
    if onset + ICE_PERIOD <= end_at:
        moments.add(onset + ICE_PERIOD)
    if history.recovered_at is not None and onset <= history.recovered_at <= end_at:
        moments.add(history.recovered_at)
    changes: list[tuple[datetime, Phase]] = []
    for moment in sorted(moments):
        known = [p.pain for p in history.points if p.at <= moment]
        phase = phase_at(
            onset_at=onset,
            now=moment,
            protocol=history.protocol,
            baseline_pain=history.baseline_pain,
            latest_pain=known[-1] if known else None,
            recovered=history.recovered_at is not None and moment >= history.recovered_at,
        )
        if not changes or changes[-1][1] is not phase:
            changes.append((moment, phase))
    ends = [history.days_since_onset(moment) for moment, _ in changes[1:]]
    ends.append(history.days_since_onset(end_at))
    return tuple(
        PhaseSpan(phase, moment, history.days_since_onset(moment), end)
        for (moment, phase), end in zip(changes, ends, strict=True)
    )


def recovery_band(severity: Severity) -> tuple[int, int]:
    """Days from onset within which a strain of ``severity`` usually recovers (seed article)."""
    return EXPECTED_RECOVERY[severity]


async def load_pain_history(
    session: AsyncSession, person: Person, episode: Episode, now: datetime
) -> PainHistory:
    """The episode's answered check-ins and escalations, oldest first, as of ``now``."""
    assert person.timezone is not None, "the time zone is asked before an episode begins"
    check_ins = await session.scalars(
        select(CheckIn)
        .where(
            CheckIn.episode_id == episode.id,
            CheckIn.status == CheckInStatus.ANSWERED,
            CheckIn.pain.is_not(None),
            CheckIn.answered_at.is_not(None),
        )
        .order_by(CheckIn.answered_at, CheckIn.id)
    )
    escalations = await session.scalars(
        select(Escalation)
        .where(Escalation.episode_id == episode.id)
        .order_by(Escalation.created_at, Escalation.id)
    )
    points = tuple(
        PainPoint(
            at=row.answered_at,
            day=row.day,
            pain=row.pain,
            walked=row.walked,
            red_flags=tuple(row.red_flags),
            note=row.note,
        )
        for row in check_ins
        if row.answered_at is not None and row.pain is not None
    )
    return PainHistory(
        language=person.language,
        onset_at=episode.onset_at,
        zone=person.timezone,
        severity=Severity(episode.severity),
        protocol=Protocol(episode.protocol),
        baseline_pain=episode.baseline_pain,
        baseline_at=episode.started_at,
        points=points,
        escalations=tuple(
            EscalationMark(
                row.created_at,
                Level(row.level),
                row.rule_id,
                outcome_key(row.outcome, row.withdrawn_at is not None),
            )
            for row in escalations
        ),
        now=now,
        recovered_at=episode.recovered_at,
        ended_at=episode.ended_at,
    )
