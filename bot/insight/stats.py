"""The operators' /stats: how many people, how they answer, what escalated, how they recover.

Every figure is an SQL aggregate (COUNT, GROUP BY, CASE); no row about a person is loaded into
Python. Medians are exact and portable: SQLite has no ``percentile_cont``, so each median is
read from a histogram the database groups (pain is a whole number 0-10, so at most 11 groups;
days to recovery are whole days, a few hundred groups at most) and the middle is found in it.

Definitions, in the words an operator would check them against:

- windows are the operator's local days in ``zone``: *today* is from local midnight, *7 days*
  is today and the six days before, *30 days* today and the 29 before;
- *active* and *paused* count people in that status who have not blocked the bot; *blocked*
  counts everyone who has (``blocked_at`` set), whatever their status;
- *recovered* counts episodes with a recovery time (``recovered_at``): an episode recovered
  and later ended after its prevention tips still counts;
- check-in figures are those of the daily digest (:mod:`bot.insight.counts`): *sent* in the
  window, and how many of those have been answered by now (the response rate's numerator, so
  it cannot pass 100 %);
- median pain at day 0 is the enrolment (baseline) score of every episode; at day 7 and day 14
  it is the score of the answered check-ins whose ``day`` is exactly 7 or 14. Check-ins are
  daily up to day 14, so everyone is asked on both days; someone who did not answer that day is
  left out rather than replaced by a neighbouring day, so the figure never mixes days;
- days to recovery are whole days from onset to ``recovered_at`` (24-hour periods, rounded
  down), by the severity given at enrolment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.constants import MessageLimit

from bot.care import EXPECTED_RECOVERY, Level, Severity
from bot.db.engine import read_only_connection
from bot.db.functions import whole_days_between
from bot.db.models import CheckIn, CheckInStatus, Episode, Person, PersonStatus
from bot.insight.counts import (
    OUTCOME_KEYS,
    CheckInCounts,
    by_level,
    checkins_between,
    enrolled_between,
    escalations_between,
    local_midnight,
    outcomes_between,
)
from bot.texts import Texts

PAIN_DAYS = (0, 7, 14)
"""Days after onset at which the median pain is shown: enrolment, one week, two weeks."""
_RULE_LINES = 25


@dataclass(frozen=True)
class Median:
    """A median and the number of values it is the middle of (None when there are none)."""

    value: float | None
    count: int


def median_of(histogram: Mapping[int, int]) -> Median:
    """The exact median of values given as {value: how many}; even counts average the middle two.

    The same answer as PostgreSQL's ``percentile_cont(0.5)``.
    """
    count = sum(histogram.values())
    if count == 0:
        return Median(None, 0)
    lower_rank, upper_rank = (count - 1) // 2, count // 2
    lower: int | None = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            assert lower is not None
            return Median((lower + value) / 2, count)
    raise AssertionError("unreachable: the ranks are below the count")


@dataclass(frozen=True)
class Escalations:
    """Escalations of one window, by level (every level, most urgent first) and by rule."""

    by_level: Mapping[Level, int]
    by_rule: Mapping[str, int]
    """Most frequent first, then by rule id."""

    @property
    def total(self) -> int:
        return sum(self.by_level.values())

    @classmethod
    def of(cls, counts: Mapping[tuple[Level, str], int]) -> Escalations:
        rules: dict[str, int] = {}
        for (_level, rule_id), number in counts.items():
            rules[rule_id] = rules.get(rule_id, 0) + number
        ordered = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
        return cls(MappingProxyType(by_level(counts)), MappingProxyType(dict(ordered)))


@dataclass(frozen=True)
class Stats:
    """Everything /stats shows, as of ``as_of``, with windows in the operator's ``zone``."""

    as_of: datetime
    zone: str
    today: date
    consented: int
    active: int
    paused: int
    blocked: int
    episodes: int
    recovered: int
    new_7d: int
    """Episodes started (enrolments completed) in the last 7 days."""
    checkins_today: CheckInCounts
    checkins_7d: CheckInCounts
    escalations_7d: Escalations
    escalations_30d: Escalations
    outcomes_7d: Mapping[str, int]
    """EMERGENCY and URGENT escalations by what came of them (keys of OUTCOME_KEYS)."""
    outcomes_30d: Mapping[str, int]
    median_pain: Mapping[int, Median]
    """By day after onset: :data:`PAIN_DAYS`."""
    median_recovery_days: Mapping[Severity, Median]


async def collect_stats(session: AsyncSession, now: datetime, zone: ZoneInfo) -> Stats:
    """Every figure of :class:`Stats`, in a fixed number of aggregate queries.

    A session with no transaction yet reads them all from one snapshot, without SQLite's write
    lock (:func:`bot.db.engine.read_only_connection`).
    """
    await read_only_connection(session)
    today = now.astimezone(zone).date()
    tomorrow = local_midnight(today + timedelta(days=1), zone)
    today_start = local_midnight(today, zone)
    week_start = local_midnight(today - timedelta(days=6), zone)
    month_start = local_midnight(today - timedelta(days=29), zone)

    usable = Person.blocked_at.is_(None)
    consented, active, paused, blocked = (
        await session.execute(
            select(
                func.count(Person.consent_at),
                func.count(case((usable & (Person.status == PersonStatus.ACTIVE), 1))),
                func.count(case((usable & (Person.status == PersonStatus.PAUSED), 1))),
                func.count(Person.blocked_at),
            )
        )
    ).one()

    baseline = await session.execute(
        select(Episode.baseline_pain, func.count()).group_by(Episode.baseline_pain)
    )
    pain: dict[int, dict[int, int]] = {day: {} for day in PAIN_DAYS}
    pain[0] = {int(score): int(n) for score, n in baseline.tuples()}
    later = await session.execute(
        select(CheckIn.day, CheckIn.pain, func.count())
        .where(
            CheckIn.day.in_([day for day in PAIN_DAYS if day]),
            CheckIn.status == CheckInStatus.ANSWERED,
            CheckIn.pain.is_not(None),
        )
        .group_by(CheckIn.day, CheckIn.pain)
    )
    for day, score, n in later.tuples():
        assert score is not None  # the query asks for scores only
        pain[int(day)][int(score)] = int(n)

    days = whole_days_between(Episode.onset_at, Episode.recovered_at)
    recovery = await session.execute(
        select(Episode.severity, days, func.count())
        .where(Episode.recovered_at.is_not(None))
        .group_by(Episode.severity, days)
    )
    recovery_days: dict[Severity, dict[int, int]] = {severity: {} for severity in Severity}
    for severity, whole_days, n in recovery.tuples():
        if severity in recovery_days:
            recovery_days[Severity(severity)][int(whole_days)] = int(n)

    return Stats(
        as_of=now,
        zone=zone.key,
        today=today,
        consented=int(consented),
        active=int(active),
        paused=int(paused),
        blocked=int(blocked),
        episodes=sum(pain[0].values()),
        recovered=sum(sum(histogram.values()) for histogram in recovery_days.values()),
        new_7d=await enrolled_between(session, week_start, tomorrow),
        checkins_today=await checkins_between(session, today_start, tomorrow),
        checkins_7d=await checkins_between(session, week_start, tomorrow),
        escalations_7d=Escalations.of(await escalations_between(session, week_start, tomorrow)),
        escalations_30d=Escalations.of(await escalations_between(session, month_start, tomorrow)),
        outcomes_7d=MappingProxyType(await outcomes_between(session, week_start, tomorrow)),
        outcomes_30d=MappingProxyType(await outcomes_between(session, month_start, tomorrow)),
        median_pain=MappingProxyType({day: median_of(pain[day]) for day in PAIN_DAYS}),
        median_recovery_days=MappingProxyType(
            {severity: median_of(recovery_days[severity]) for severity in Severity}
        ),
    )


# ---------------------------------------------------------------------------------------------
# Text for Telegram


def number(value: float, words: Texts) -> str:
    """12,345 (12.345 in German); a median of two middle values keeps its half: 2.5."""
    return words.catalogue.number(value, 0 if float(value).is_integer() else 1)


def _checkins(counts: CheckInCounts, words: Texts) -> str:
    if counts.response_rate is None:
        return words.STATS_NOTHING_SENT
    return words.STATS_CHECKIN_FIGURES.format(
        answered=number(counts.responded, words),
        sent=number(counts.sent, words),
        rate=f"{words.catalogue.percent(counts.response_rate)}",
    )


def _median(median: Median, words: Texts) -> str:
    return words.STATS_NO_DATA if median.value is None else number(median.value, words)


def format_stats(stats: Stats, words: Texts) -> str:
    """Plain text (no Markdown) that fits one Telegram message."""
    when = stats.as_of.astimezone(ZoneInfo(stats.zone))
    lines = [
        words.STATS_HEADER.format(when=words.catalogue.moment(when), zone=stats.zone),
        "",
        words.STATS_PEOPLE.format(
            consented=number(stats.consented, words),
            active=number(stats.active, words),
            paused=number(stats.paused, words),
            blocked=number(stats.blocked, words),
            episodes=number(stats.episodes, words),
            recovered=number(stats.recovered, words),
            new_7d=number(stats.new_7d, words),
        ),
        "",
        words.STATS_CHECKINS.format(
            today=_checkins(stats.checkins_today, words), week=_checkins(stats.checkins_7d, words)
        ),
        "",
        words.STATS_ESCALATIONS,
    ]
    week, month = stats.escalations_7d, stats.escalations_30d
    lines += [
        words.STATS_ESCALATION_LINE.format(
            label=words.STATS_LEVEL_LABELS[level.name],
            week=number(week.by_level.get(level, 0), words),
            month=number(month.by_level.get(level, 0), words),
        )
        for level in month.by_level
        if level > Level.INFO
    ]
    if month.by_rule:
        lines.append(words.STATS_RULES)
        rules = list(month.by_rule)
        lines += [
            words.STATS_ESCALATION_LINE.format(
                label=rule_id,
                week=number(week.by_rule.get(rule_id, 0), words),
                month=number(month.by_rule[rule_id], words),
            )
            for rule_id in rules[:_RULE_LINES]
        ]
        if len(rules) > _RULE_LINES:
            lines.append(
                words.STATS_RULES_MORE.of(len(rules) - _RULE_LINES).format(
                    more=len(rules) - _RULE_LINES
                )
            )
    else:
        lines.append(words.STATS_RULES_NONE)
    lines += ["", words.STATS_OUTCOMES]
    lines += [
        words.STATS_ESCALATION_LINE.format(
            label=words.OUTCOME_LABELS[key],
            week=number(stats.outcomes_7d[key], words),
            month=number(stats.outcomes_30d[key], words),
        )
        for key in OUTCOME_KEYS
    ]
    lines += ["", words.STATS_PAIN]
    lines += [
        words.STATS_PAIN_LINE.of(median.count).format(
            day=day, median=_median(median, words), count=number(median.count, words)
        )
        for day, median in stats.median_pain.items()
    ]
    lines += ["", words.STATS_RECOVERY]
    for severity, median in stats.median_recovery_days.items():
        earliest, latest = EXPECTED_RECOVERY[severity]
        lines.append(
            words.STATS_RECOVERY_LINE.format(
                severity=words.STATS_SEVERITY_LABELS[severity],
                median=_median(median, words),
                count=number(median.count, words),
                span=f"{earliest}-{latest}",
            )
        )
    text = "\n".join(lines)
    return (
        text
        if len(text) <= MessageLimit.MAX_TEXT_LENGTH
        else text[: MessageLimit.MAX_TEXT_LENGTH - 1] + "…"
    )
