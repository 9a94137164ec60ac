"""One followed episode, written with the ORM, and the facts the tests expect back from it.

The person lives in New York (UTC-5 in March) so that a local date and a UTC date differ for
answers given in their evening: the chart and the summary must show the person's own dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.care.levels import Level
from bot.db.models import (
    CheckIn,
    CheckInStatus,
    Episode,
    EpisodeStatus,
    Escalation,
    EscalationOutcome,
    Person,
    PersonStatus,
)

ZONE = "America/New_York"
ONSET = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
"""10:00 in New York on Monday 2 March 2026."""
ENROLLED = ONSET + timedelta(minutes=20)
BASELINE = 6


@dataclass(frozen=True)
class Answer:
    at: datetime
    day: int
    pain: int
    walked: bool | None
    red_flags: tuple[str, ...] = ()
    note: str | None = None


def _morning(day: int) -> datetime:
    """09:00 in New York (14:00 UTC) on ``day`` after onset."""
    return ONSET.replace(hour=14) + timedelta(days=day)


ANSWERS: tuple[Answer, ...] = (
    Answer(_morning(1), 1, 6, True, note="Stiff getting out of bed"),
    Answer(_morning(2), 2, 6, True),
    # 21:30 on 5 March in New York (day 3), already 6 March in UTC.
    Answer(datetime(2026, 3, 6, 2, 30, tzinfo=UTC), 3, 5, True, ("RF-FEVER",)),
    # Day 4 was missed.
    Answer(_morning(5), 5, 5, False),
    Answer(_morning(6), 6, 4, None),
    Answer(_morning(7), 7, 3, True, note="Back at my desk, taking breaks"),
    Answer(_morning(8), 8, 3, True),
    Answer(_morning(9), 9, 2, False),
    Answer(_morning(10), 10, 2, True),
    Answer(_morning(11), 11, 1, True),
)
"""Ten answered check-ins, oldest first: seven walked, two did not, one skipped the question."""
FEVER_AT = ANSWERS[2].at
NOW = ANSWERS[-1].at + timedelta(hours=3)

ESCALATIONS: tuple[tuple[datetime, Level, str], ...] = (
    (ONSET + timedelta(minutes=10), Level.URGENT, "RF-NIGHT"),
    (ENROLLED, Level.SOON, "RF-AGE-50"),
    (FEVER_AT, Level.URGENT, "RF-FEVER"),
)


def _person(telegram_user_id: int) -> Person:
    return Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        language="en",
        timezone=ZONE,
        checkin_time=time(9, 0),
        consent_at=ONSET,
        consent_version="2026-11",
        age_band="50+",
        status=PersonStatus.ACTIVE,
        missed_in_a_row=0,
        created_at=ONSET,
    )


def _episode(person: Person, severity: str = "moderate") -> Episode:
    return Episode(
        person=person,
        onset_at=ONSET,
        mechanism="lifting",
        activity="limited",
        severity=severity,
        baseline_pain=BASELINE,
        protocol="seed",
        first_episode=True,
        enrolment_red_flags=["RF-NIGHT"],
        milestones_done=[],
        status=EpisodeStatus.ACTIVE,
        started_at=ENROLLED,
    )


async def seed_episode(session: AsyncSession) -> tuple[Person, Episode]:
    """The person above, plus noise the loaders must ignore: an unanswered and a missed
    check-in, and another person's episode with its own answers and escalation."""
    person, other = _person(1001), _person(2002)
    episode, other_episode = _episode(person), _episode(other, "severe")
    session.add_all([person, other, episode, other_episode])
    await session.flush()
    rows = {}
    for answer in ANSWERS:
        row = CheckIn(
            episode_id=episode.id,
            person_id=person.id,
            slot=f"{answer.day:02d}-{answer.at:%H%M}",
            day=answer.day,
            sent_at=answer.at - timedelta(minutes=2),
            answered_at=answer.at,
            status=CheckInStatus.ANSWERED,
            pain=answer.pain,
            red_flags=list(answer.red_flags),
            walked=answer.walked,
            note=answer.note,
        )
        rows[answer.at] = row
        session.add(row)
    session.add_all(
        [
            CheckIn(
                episode_id=episode.id,
                person_id=person.id,
                slot="12",
                day=12,
                sent_at=NOW - timedelta(hours=1),
                status=CheckInStatus.SENT,
                red_flags=[],
            ),
            CheckIn(
                episode_id=episode.id,
                person_id=person.id,
                slot="04",
                day=4,
                sent_at=_morning(4),
                status=CheckInStatus.MISSED,
                red_flags=[],
            ),
            CheckIn(
                episode_id=other_episode.id,
                person_id=other.id,
                slot="01",
                day=1,
                answered_at=_morning(1),
                status=CheckInStatus.ANSWERED,
                pain=9,
                red_flags=["RF-CHEST"],
                walked=True,
            ),
        ]
    )
    await session.flush()
    for at, level, rule_id in ESCALATIONS:
        session.add(
            Escalation(
                person_id=person.id,
                episode_id=episode.id,
                check_in_id=rows[at].id if at in rows else None,
                rule_id=rule_id,
                level=int(level),
                facts={},
                created_at=at,
                sent_at=at,
                # ES-FOLLOW-UP: the night pain was seen by someone; the fever was not answered.
                outcome={"RF-NIGHT": EscalationOutcome.GOT_HELP}.get(
                    rule_id, EscalationOutcome.NO_ANSWER if level is Level.URGENT else None
                ),
            )
        )
    session.add(
        Escalation(
            person_id=other.id,
            episode_id=other_episode.id,
            rule_id="RF-CHEST",
            level=int(Level.EMERGENCY),
            facts={},
            created_at=_morning(1),
        )
    )
    return person, episode
