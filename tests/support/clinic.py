"""A small stored history whose every stats figure is worked out by hand in the comments.

The operator is in New York and it is 00:30 on Wednesday 25 November there (05:30 UTC, EST):
"today" began half an hour ago, at 05:00 UTC. The 7 days start on 19 November at 05:00 UTC;
the 30 days on 27 October at 04:00 UTC, which was still summer time (EDT), so a fixed
offset of -5 hours would misplace that edge by an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.care import Level
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

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)
TODAY = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
WEEK = datetime(2026, 11, 19, 5, 0, tzinfo=UTC)
MONTH = datetime(2026, 10, 27, 4, 0, tzinfo=UTC)
ONSET = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

TELEGRAM_IDS = {person_id: 770_000_000 + person_id * 1_111 for person_id in range(1, 8)}
"""Telegram user ids; chat ids are these + 5,000,000 (all must stay out of exports)."""
NOTE = "Margaret Oyelaran-Whitcombe helped me lift"
"""A free-text note with a name in it: never exported."""


def _person(person_id: int, status: PersonStatus, *, consent: bool = True, blocked: bool = False):  # type: ignore[no-untyped-def]
    return Person(
        id=person_id,
        telegram_user_id=TELEGRAM_IDS[person_id],
        chat_id=TELEGRAM_IDS[person_id] + 5_000_000,
        language="en",
        timezone=ZONE.key,
        checkin_time=time(9, 0),
        consent_at=ONSET if consent else None,
        consent_version="2026-11" if consent else None,
        age_band="16-49",
        status=status,
        missed_in_a_row=0,
        blocked_at=ONSET + timedelta(days=3) if blocked else None,
        created_at=ONSET,
    )


def _episode(
    episode_id: int, person_id: int, severity: str, baseline: int, **extra: Any
) -> Episode:
    values: dict[str, Any] = {
        "onset_at": ONSET,
        "mechanism": "lifting",
        "activity": "limited",
        "protocol": "seed",
        "first_episode": True,
        "enrolment_red_flags": [],
        "milestones_done": [],
        "status": EpisodeStatus.ACTIVE,
        "started_at": ONSET + timedelta(hours=1),
    } | extra
    return Episode(
        id=episode_id, person_id=person_id, severity=severity, baseline_pain=baseline, **values
    )


def _check_in(
    check_in_id: int,
    episode_id: int,
    person_id: int,
    day: int,
    sent_at: datetime,
    *,
    status: CheckInStatus = CheckInStatus.ANSWERED,
    pain: int | None = None,
    answered_at: datetime | None = None,
    **extra: Any,
) -> CheckIn:
    if status is CheckInStatus.ANSWERED and answered_at is None:
        answered_at = sent_at + timedelta(minutes=10)
    values: dict[str, Any] = {"red_flags": [], "walked": None, "note": None} | extra
    return CheckIn(
        id=check_in_id,
        episode_id=episode_id,
        person_id=person_id,
        slot=f"slot-{check_in_id}",
        day=day,
        due_at=sent_at,
        sent_at=sent_at,
        answered_at=answered_at,
        status=status,
        pain=pain,
        **values,
    )


def _escalation(
    escalation_id: int,
    person_id: int,
    rule_id: str,
    level: Level,
    created_at: datetime,
    *,
    check_in_id: int | None = None,
    sent: bool = True,
    outcome: EscalationOutcome | None = None,
    withdrawn: bool = False,
) -> Escalation:
    return Escalation(
        id=escalation_id,
        person_id=person_id,
        episode_id=None,
        check_in_id=check_in_id,
        rule_id=rule_id,
        level=int(level),
        facts={},
        created_at=created_at,
        sent_at=created_at + timedelta(seconds=2) if sent else None,
        outcome=outcome,
        outcome_at=created_at + timedelta(hours=3) if outcome is not None else None,
        withdrawn_at=created_at + timedelta(minutes=1) if withdrawn else None,
    )


async def store_history(session: AsyncSession) -> None:
    # People. consented: 1, 2, 3, 4, 6, 7 = 6. Active and not blocked: 1 (2 has blocked the bot).
    # Paused and not blocked: 3 (7 has blocked it). Blocked: 2 and 7.
    session.add_all(
        [
            _person(1, PersonStatus.ACTIVE),
            _person(2, PersonStatus.ACTIVE, blocked=True),
            _person(3, PersonStatus.PAUSED),
            _person(4, PersonStatus.STOPPED),
            _person(5, PersonStatus.ENROLLING, consent=False),
            _person(6, PersonStatus.INELIGIBLE),
            _person(7, PersonStatus.PAUSED, blocked=True),
        ]
    )
    await session.flush()
    # Episodes: baselines 3, 6, 7, 5, 2 -> median 5. Recovered (recovered_at set): 1, 2, 4 = 3,
    # episode 4 since ended after its tips. Days to recovery, rounded down: mild [9] -> 9;
    # moderate [30, 20] -> 25 (an even count); severe none. New in 7 days: episode 5.
    session.add_all(
        [
            _episode(
                1,
                1,
                "mild",
                3,
                status=EpisodeStatus.ENDED,
                recovered_at=ONSET + timedelta(days=9, hours=5),
                ended_at=ONSET + timedelta(days=40),
            ),
            _episode(
                2,
                2,
                "moderate",
                6,
                status=EpisodeStatus.RECOVERED,
                recovered_at=ONSET + timedelta(days=30),
            ),
            _episode(3, 3, "severe", 7),
            _episode(
                4,
                4,
                "moderate",
                5,
                status=EpisodeStatus.RECOVERED,
                recovered_at=ONSET + timedelta(days=20, hours=23, minutes=59),
            ),
            _episode(
                5,
                1,
                "mild",
                2,
                onset_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
                started_at=datetime(2026, 11, 20, 13, 0, tzinfo=UTC),
            ),
        ]
    )
    await session.flush()
    day = timedelta(days=1)
    session.add_all(
        [
            # Day 7, answered: 2, 4, 8 -> median 4. Not counted: a day-7 score in a check-in
            # still open (its questions not all answered), and a day-6 score.
            _check_in(1, 1, 1, 7, ONSET + 7 * day, pain=2, walked=True),
            _check_in(2, 2, 2, 7, ONSET + 7 * day, pain=4, walked=False),
            _check_in(3, 3, 3, 7, ONSET + 7 * day, pain=8),
            _check_in(4, 4, 4, 7, ONSET + 7 * day, pain=5, status=CheckInStatus.SENT),
            _check_in(5, 2, 2, 6, ONSET + 6 * day, pain=9, note=NOTE),
            # Day 14: 1, 3, 6, 0 -> median 2 (an even count); a missed one has no score.
            _check_in(6, 1, 1, 14, ONSET + 14 * day, pain=1),
            _check_in(7, 2, 2, 14, ONSET + 14 * day, pain=3),
            _check_in(8, 3, 3, 14, ONSET + 14 * day, pain=6),
            _check_in(9, 4, 4, 14, ONSET + 14 * day, pain=0),
            _check_in(10, 4, 4, 13, ONSET + 13 * day, status=CheckInStatus.MISSED),
            # Today (from 05:00 UTC): sent 2 (10, 11), one answered -> 50 %. Answered today:
            # 11 and 12 (sent yesterday evening, answered after midnight) = 2.
            _check_in(
                11,
                5,
                1,
                4,
                TODAY + timedelta(minutes=10),
                pain=4,
                answered_at=TODAY + timedelta(minutes=20),
                red_flags=["RF-LEGS-BOTH", "RF-CHEST"],
            ),
            _check_in(12, 5, 1, 3, TODAY, status=CheckInStatus.SENT),
            _check_in(
                13,
                5,
                1,
                2,
                TODAY - timedelta(minutes=10),
                pain=5,
                answered_at=TODAY + timedelta(minutes=15),
            ),
            # 7 days: sent 11, 12, 13 and 14 (at the window's first instant) = 4, answered 3 ->
            # 75 %. 15 was sent a minute before the window and answered inside it: answered in
            # the 7 days 11, 13, 14, 15 = 4.
            _check_in(14, 3, 3, 49, WEEK, pain=5),
            _check_in(15, 3, 3, 48, WEEK - timedelta(minutes=1), pain=5),
        ]
    )
    await session.flush()
    session.add_all(
        [
            # Today, one check-in, two red flags; the second message not delivered yet.
            _escalation(
                1,
                1,
                "RF-CHEST",
                Level.EMERGENCY,
                TODAY + timedelta(minutes=20),
                check_in_id=11,
                outcome=EscalationOutcome.GOT_HELP,
            ),
            _escalation(
                2,
                1,
                "RF-LEGS-BOTH",
                Level.EMERGENCY,
                TODAY + timedelta(minutes=20),
                check_in_id=11,
                sent=False,
            ),
            # The first instant of the 7 days; followed up, no answer.
            _escalation(3, 2, "RF-FEVER", Level.URGENT, WEEK, outcome=EscalationOutcome.NO_ANSWER),
            _escalation(4, 2, "TR-WORSE", Level.SOON, WEEK - timedelta(seconds=1)),  # 30 days only
            _escalation(
                5, 3, "RF-NIGHT", Level.URGENT, MONTH + timedelta(minutes=30), withdrawn=True
            ),
            _escalation(  # out of the 30 days
                6,
                4,
                "RF-CHEST",
                Level.EMERGENCY,
                MONTH - timedelta(minutes=30),
                outcome=EscalationOutcome.FINE,
            ),
            _escalation(
                7, 3, "TR-NO-IMPROVE-14", Level.SOON, datetime(2026, 11, 20, 10, tzinfo=UTC)
            ),
            _escalation(8, 6, "RF-AGE-50", Level.SOON, datetime(2026, 11, 21, 10, tzinfo=UTC)),
            _escalation(
                9,
                4,
                "RF-CHEST",
                Level.EMERGENCY,
                datetime(2026, 11, 10, 10, tzinfo=UTC),
                outcome=EscalationOutcome.NOT_YET,
            ),
        ]
    )
    await session.flush()
