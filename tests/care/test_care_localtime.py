"""Local wall times to UTC instants across daylight-saving changes; naive datetimes refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.care.cadence import episode_day, next_checkin, prevention_tip_times, reminder_at
from bot.care.escalation import AgeBand, age_escalation
from bot.care.localtime import local_instant, require_aware
from bot.care.phases import in_quiet_hours, out_of_quiet_hours, switch_at
from bot.care.trend import recurrent_escalation

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
NAIVE = datetime(2026, 6, 1, 9, 0)
AWARE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        # Gaps: the first valid instant, when the clocks jump.
        (LONDON, date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (NEW_YORK, date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (SYDNEY, date(2026, 10, 4), time(2, 15), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),
        # Ambiguous times: the first occurrence (summer time, still in force).
        (LONDON, date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (SYDNEY, date(2026, 4, 5), time(2, 30), datetime(2026, 4, 4, 15, 30, tzinfo=UTC)),
        # Ordinary times.
        (LONDON, date(2026, 3, 29), time(9, 0), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),
        (SYDNEY, date(2026, 4, 5), time(9, 0), datetime(2026, 4, 4, 23, 0, tzinfo=UTC)),
    ],
)
def test_local_instant_across_dst(
    zone: ZoneInfo, day: date, wall: time, expected: datetime
) -> None:
    instant = local_instant(day, wall, zone)
    assert instant == expected
    assert instant.tzinfo is UTC


def test_require_aware_converts_to_utc() -> None:
    paris = datetime(2026, 6, 1, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert require_aware(paris) == AWARE
    assert require_aware(paris).tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda: require_aware(NAIVE),
        lambda: in_quiet_hours(NAIVE, LONDON),
        lambda: out_of_quiet_hours(NAIVE, LONDON),
        lambda: switch_at(NAIVE, LONDON),
        lambda: episode_day(NAIVE, AWARE, LONDON),
        lambda: episode_day(AWARE, NAIVE, LONDON),
        lambda: next_checkin(onset_at=NAIVE, zone=LONDON, checkin_time=time(9), after=AWARE),
        lambda: next_checkin(onset_at=AWARE, zone=LONDON, checkin_time=time(9), after=NAIVE),
        lambda: reminder_at(NAIVE, LONDON),
        lambda: prevention_tip_times(NAIVE, LONDON, time(9)),
        lambda: recurrent_escalation(AWARE, [NAIVE]),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="aware"):
        call()  # type: ignore[operator]


def test_non_utc_aware_input_gives_utc_output() -> None:
    onset = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert switch_at(onset, LONDON) == datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
    assert switch_at(onset, LONDON).tzinfo is UTC
    assert age_escalation(AgeBand.AGE_16_49, first_episode=True) is None
    assert reminder_at(onset, LONDON) == onset + timedelta(hours=4)
