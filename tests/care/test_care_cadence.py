"""Cadence: check-in days, slots in local time across DST, reminders, pause, prevention tips."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.cadence import (
    DEFAULT_CHECKIN_TIME,
    FOLLOW_UP_DAYS,
    PREVENT_TIPS_WEEKS,
    Slot,
    episode_day,
    is_checkin_day,
    next_checkin,
    prevention_tip_times,
    reminder_at,
    should_pause,
    valid_checkin_time,
)
from bot.care.quiet import in_quiet_hours

LONDON = ZoneInfo("Europe/London")
CHECKIN_DAYS = [day for day in range(FOLLOW_UP_DAYS + 1) if is_checkin_day(day)]
DST_DAYS = [
    pytest.param(LONDON, date(2026, 3, 29), id="London-spring"),
    pytest.param(LONDON, date(2026, 10, 25), id="London-autumn"),
    pytest.param(ZoneInfo("America/New_York"), date(2026, 3, 8), id="New-York-spring"),
    pytest.param(ZoneInfo("America/New_York"), date(2026, 11, 1), id="New-York-autumn"),
    pytest.param(ZoneInfo("Australia/Sydney"), date(2026, 4, 5), id="Sydney-autumn"),
    pytest.param(ZoneInfo("Australia/Sydney"), date(2026, 10, 4), id="Sydney-spring"),
]
DST_CASES = [(p.values[0], p.values[1]) for p in DST_DAYS]
checkin_times = st.builds(
    time, hour=st.integers(8, 20), minute=st.sampled_from([0, 15, 30, 45])
) | st.just(time(21, 0))


def _walk(onset: datetime, zone: ZoneInfo, checkin_time: time) -> list[Slot]:
    slots: list[Slot] = []
    after = onset
    while slot := next_checkin(onset_at=onset, zone=zone, checkin_time=checkin_time, after=after):
        slots.append(slot)
        assert len(slots) <= len(CHECKIN_DAYS), "the walk does not end"
        after = slot.due_at
    return slots


def _assert_one_checkin_per_day(onset: datetime, zone: ZoneInfo, checkin_time: time) -> None:
    slots = _walk(onset, zone, checkin_time)
    onset_local = onset.astimezone(zone)
    day_0_due = onset_local.time() < checkin_time
    assert [slot.day for slot in slots] == (CHECKIN_DAYS if day_0_due else CHECKIN_DAYS[1:])
    assert len({slot.key for slot in slots}) == len(slots)
    for slot in slots:
        local = slot.due_at.astimezone(zone)
        assert slot.due_at.tzinfo is UTC
        assert slot.due_at > onset
        assert local.date() == slot.local_date == onset_local.date() + timedelta(days=slot.day)
        assert local.time() == checkin_time
        assert slot.key == slot.local_date.isoformat()
        assert not in_quiet_hours(slot.due_at, zone)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, True),
        (13, True),
        (14, True),
        (15, False),
        (16, True),
        (17, False),
        (41, False),
        (42, True),
        (43, False),
        (48, False),
        (49, True),
        (50, False),
        (77, True),
        (84, True),
        (85, False),
        (91, False),
        (-1, False),
    ],
)
def test_checkin_days_daily_then_every_other_then_weekly(day: int, expected: bool) -> None:
    assert is_checkin_day(day) is expected


def test_checkin_day_count() -> None:
    assert len(CHECKIN_DAYS) == 15 + 14 + 6


@pytest.mark.parametrize(
    ("checkin_time", "valid"),
    [
        (time(7, 59), False),
        (time(8, 0), True),
        (DEFAULT_CHECKIN_TIME, True),
        (time(21, 0), True),
        (time(21, 1), False),
        (time(9, 0, tzinfo=UTC), False),
    ],
)
def test_valid_checkin_time(checkin_time: time, valid: bool) -> None:
    assert valid_checkin_time(checkin_time) is valid


def test_next_checkin_refuses_a_time_outside_8_to_21() -> None:
    onset = datetime(2026, 6, 1, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="check-in time"):
        next_checkin(onset_at=onset, zone=LONDON, checkin_time=time(22), after=onset)


def test_episode_day_counts_local_calendar_days() -> None:
    onset = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)  # 23:30 BST on 1 June
    assert episode_day(onset, onset, LONDON) == 0
    assert episode_day(onset, datetime(2026, 6, 1, 23, 30, tzinfo=UTC), LONDON) == 1
    assert episode_day(onset, datetime(2026, 8, 24, 8, 0, tzinfo=UTC), LONDON) == 84
    with pytest.raises(ValueError, match="before onset"):
        episode_day(onset, onset - timedelta(seconds=1), LONDON)


def test_next_checkin_day_0_and_day_1() -> None:
    onset = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 07:00 BST
    first = next_checkin(onset_at=onset, zone=LONDON, checkin_time=time(9), after=onset)
    assert first == Slot(0, date(2026, 6, 1), datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    assert first.key == "2026-06-01"
    late = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    second = next_checkin(onset_at=onset, zone=LONDON, checkin_time=time(9), after=late)
    assert second == Slot(1, date(2026, 6, 2), datetime(2026, 6, 2, 8, 0, tzinfo=UTC))


def test_next_checkin_skips_to_the_next_checkin_day_and_ends_after_day_84() -> None:
    onset = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)

    def after_day(day: int) -> Slot | None:
        after = datetime(2026, 6, 1, 12, 0, tzinfo=UTC) + timedelta(days=day)
        return next_checkin(onset_at=onset, zone=LONDON, checkin_time=time(9), after=after)

    assert [after_day(day).day for day in (13, 14, 15, 41, 42, 48)] == [  # type: ignore[union-attr]
        14,
        16,
        16,
        42,
        49,
        49,
    ]
    assert after_day(83).day == 84  # type: ignore[union-attr]
    assert after_day(84) is None
    assert after_day(200) is None


def test_next_checkin_is_never_before_onset_even_if_after_is() -> None:
    onset = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    slot = next_checkin(
        onset_at=onset, zone=LONDON, checkin_time=time(9), after=onset - timedelta(days=3)
    )
    assert slot is not None
    assert (slot.day, slot.due_at) == (1, datetime(2026, 6, 2, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(("zone", "dst_day"), DST_DAYS)
@pytest.mark.parametrize("days_before", [0, 1, 10, 20, 40, 60, 84])
def test_one_checkin_per_checkin_day_across_dst(
    zone: ZoneInfo, dst_day: date, days_before: int
) -> None:
    onset_day = dst_day - timedelta(days=days_before)
    onset = datetime.combine(onset_day, time(7, 0), tzinfo=zone).astimezone(UTC)
    for checkin_time in (time(8, 0), DEFAULT_CHECKIN_TIME, time(21, 0)):
        _assert_one_checkin_per_day(onset, zone, checkin_time)


@settings(max_examples=40, deadline=None)
@given(
    case=st.sampled_from(DST_CASES),
    days_before=st.integers(0, FOLLOW_UP_DAYS),
    onset_minute=st.integers(0, 24 * 60 - 1),
    checkin_time=checkin_times,
)
def test_walking_slots_across_dst_never_skips_or_doubles(
    case: tuple[ZoneInfo, date], days_before: int, onset_minute: int, checkin_time: time
) -> None:
    zone, dst_day = case
    midnight = datetime.combine(dst_day - timedelta(days=days_before), time(0), tzinfo=zone)
    onset = (midnight.astimezone(UTC) + timedelta(minutes=onset_minute)).astimezone(UTC)
    _assert_one_checkin_per_day(onset, zone, checkin_time)


@settings(max_examples=150, deadline=None)
@given(
    onset=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
    ),
    wait=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)),
    zone=st.sampled_from([p.values[0] for p in DST_DAYS] + [ZoneInfo("Pacific/Chatham")]),
    checkin_time=checkin_times,
)
def test_scheduled_times_are_after_and_outside_quiet_hours(
    onset: datetime, wait: timedelta, zone: ZoneInfo, checkin_time: time
) -> None:
    after = onset + wait
    slot = next_checkin(onset_at=onset, zone=zone, checkin_time=checkin_time, after=after)
    if slot is None:
        assert episode_day(onset, after, zone) >= FOLLOW_UP_DAYS
        return
    assert slot.due_at > after
    assert 0 <= slot.day <= FOLLOW_UP_DAYS
    assert is_checkin_day(slot.day)
    assert not in_quiet_hours(slot.due_at, zone)
    reminder = reminder_at(slot.due_at, zone)
    if reminder is not None:
        assert reminder > slot.due_at
        assert not in_quiet_hours(reminder, zone)
    tips = prevention_tip_times(after, zone, checkin_time)
    assert all(tip > after and not in_quiet_hours(tip, zone) for tip in tips)


def test_reminder_4_hours_later_unless_in_quiet_hours() -> None:
    due = datetime(2026, 6, 1, 16, 59, tzinfo=UTC)  # 17:59 BST
    assert reminder_at(due, LONDON) == datetime(2026, 6, 1, 20, 59, tzinfo=UTC)  # 21:59 BST
    assert reminder_at(due + timedelta(minutes=1), LONDON) is None  # would be 22:00 BST


@pytest.mark.parametrize(("missed", "pause"), [(0, False), (2, False), (3, True), (4, True)])
def test_pause_after_three_missed_in_a_row(missed: int, pause: bool) -> None:
    assert should_pause(missed) is pause


def test_pause_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        should_pause(-1)


def test_PH_PREVENT_four_weekly_tips_at_the_checkin_time() -> None:
    """PH-PREVENT: weekly tips for four weeks after recovery, at the person's usual hour."""
    recovered_at = datetime(2026, 10, 20, 19, 0, tzinfo=UTC)  # 20:00 BST, a Tuesday
    tips = prevention_tip_times(recovered_at, LONDON, time(9))
    assert len(tips) == PREVENT_TIPS_WEEKS
    assert tips == [
        datetime(2026, 10, 27, 9, 0, tzinfo=UTC),  # 09:00 GMT: the clocks went back
        datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 17, 9, 0, tzinfo=UTC),
    ]
