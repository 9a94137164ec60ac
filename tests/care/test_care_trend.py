"""Pain trend rules (TR-*) and the meaningful change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.decisions import Escalation
from bot.care.levels import Level
from bot.care.trend import (
    chronic_end_due,
    is_recovered,
    milestones_evaluated,
    pain_change,
    recurrent_escalation,
    trend_escalations,
)

pain = st.integers(min_value=0, max_value=10)


def _fired(
    baseline: int, pains: list[int], day: int = 3, done: frozenset[str] = frozenset()
) -> list[str]:
    escalations = trend_escalations(baseline=baseline, pains=pains, day=day, milestones_done=done)
    return [escalation.rule_id for escalation in escalations]


def test_pain_change_meaningful_at_2_points_or_30_percent() -> None:
    assert pain_change(6, 4).meaningful  # 2 points
    assert not pain_change(6, 5).meaningful  # 1 point, 16.7 %
    assert pain_change(3, 2).meaningful  # 1 point, 33.3 %
    assert pain_change(10, 8).meaningful
    assert pain_change(10, 8).percent == 20.0
    assert not pain_change(4, 5).meaningful
    assert pain_change(4, 5).points == -1


def test_pain_change_from_baseline_0() -> None:
    change = pain_change(0, 0)
    assert (change.points, change.percent, change.meaningful) == (0, 0.0, False)
    assert not pain_change(0, 3).meaningful
    assert pain_change(0, 3).points == -3


def test_pain_change_refuses_off_scale_scores() -> None:
    with pytest.raises(ValueError, match="pain"):
        pain_change(11, 3)
    with pytest.raises(ValueError, match="pain"):
        pain_change(5, -1)


def test_TR_WORSE_two_checkins_two_points_above_baseline() -> None:
    """TR-WORSE: pain at least 2 points above baseline on two check-ins in a row."""
    [worse] = trend_escalations(baseline=4, pains=[3, 6, 7], day=3, milestones_done=())
    assert worse == Escalation("TR-WORSE", Level.SOON, {"pains": [6, 7], "baseline": 4})
    assert _fired(4, [6]) == []
    assert _fired(4, [6, 5]) == []
    assert _fired(4, [5, 7]) == []
    assert _fired(8, [10, 10]) == ["TR-WORSE"]
    assert _fired(9, [10, 10]) == []


def test_TR_SEVERE_three_checkins_at_8_or_more() -> None:
    """TR-SEVERE: pain 8 or more on three check-ins in a row."""
    assert _fired(9, [8, 10, 8]) == ["TR-SEVERE"]
    assert _fired(9, [8, 7, 9]) == []
    assert _fired(9, [10, 10]) == []
    assert _fired(5, [8, 9, 10]) == ["TR-WORSE", "TR-SEVERE"]


@pytest.mark.parametrize(
    ("baseline", "latest", "day", "fires"),
    [
        pytest.param(6, 5, 14, True, id="TR-NO-IMPROVE-14-one-point"),
        pytest.param(6, 4, 14, False, id="TR-NO-IMPROVE-14-two-points"),
        pytest.param(3, 2, 14, False, id="TR-NO-IMPROVE-14-thirty-percent"),
        pytest.param(6, 6, 13, False, id="TR-NO-IMPROVE-14-day-13"),
        pytest.param(6, 6, 15, True, id="TR-NO-IMPROVE-14-day-15"),
        pytest.param(0, 0, 14, False, id="TR-NO-IMPROVE-14-baseline-0-no-pain"),
        pytest.param(1, 1, 14, False, id="TR-NO-IMPROVE-14-pain-1"),
        pytest.param(0, 2, 14, True, id="TR-NO-IMPROVE-14-baseline-0-pain-2"),
        pytest.param(10, 8, 14, False, id="TR-NO-IMPROVE-14-pain-10-down-2"),
        pytest.param(10, 9, 14, True, id="TR-NO-IMPROVE-14-pain-10-down-1"),
    ],
)
def test_TR_NO_IMPROVE_14(baseline: int, latest: int, day: int, fires: bool) -> None:
    """TR-NO-IMPROVE-14: day 14, less than 2 points and less than 30 % better."""
    assert ("TR-NO-IMPROVE-14" in _fired(baseline, [latest], day)) is fires


def test_TR_NO_IMPROVE_14_is_evaluated_once() -> None:
    assert milestones_evaluated(13) == set()
    assert milestones_evaluated(14) == {"TR-NO-IMPROVE-14"}
    assert _fired(6, [6], 16, frozenset(milestones_evaluated(14))) == []
    [escalation] = trend_escalations(baseline=6, pains=[6], day=14, milestones_done=set())
    assert escalation.facts == {
        "day": 14,
        "baseline": 6,
        "pain": 6,
        "points": 0,
        "percent": 0.0,
    }


def test_TR_NO_IMPROVE_28_pain_4_or_more_at_day_28() -> None:
    """TR-NO-IMPROVE-28: day 28, pain 4 or more."""
    done = frozenset({"TR-NO-IMPROVE-14"})
    assert _fired(4, [4], 28, done) == ["TR-NO-IMPROVE-28"]
    assert _fired(4, [3], 28, done) == []
    assert _fired(4, [4], 27, done) == []
    assert milestones_evaluated(28) == {"TR-NO-IMPROVE-14", "TR-NO-IMPROVE-28"}


def test_TR_PERSIST_42_any_pain_above_1_at_six_weeks() -> None:
    """TR-PERSIST-42: day 42, any pain above 1."""
    done = frozenset({"TR-NO-IMPROVE-14", "TR-NO-IMPROVE-28"})
    assert _fired(6, [2], 42, done) == ["TR-PERSIST-42"]
    assert _fired(6, [1], 42, done) == []
    assert _fired(6, [2], 41, done) == []
    assert _fired(6, [2], 49, done | {"TR-PERSIST-42"}) == []


def test_day_rules_all_evaluated_at_a_late_first_checkin() -> None:
    """A person silent from day 12 to day 43: each day rule is evaluated once, at day 43."""
    assert _fired(5, [5], 43) == ["TR-NO-IMPROVE-14", "TR-NO-IMPROVE-28", "TR-PERSIST-42"]


@pytest.mark.parametrize("day", [83, 84, 85])
def test_TR_CHRONIC_84_ends_the_follow_up_at_day_84(day: int) -> None:
    """TR-CHRONIC-84: day 84 still in follow-up: SOON, and the follow-up ends."""
    expected = Escalation("TR-CHRONIC-84", Level.SOON, {"day": day}) if day >= 84 else None
    assert chronic_end_due(day) == expected


def test_TR_RECOVERED_three_checkins_at_0_or_1() -> None:
    """TR-RECOVERED: pain 0 or 1 on three check-ins in a row: INFO."""
    [recovered] = trend_escalations(baseline=5, pains=[3, 1, 0, 1], day=9, milestones_done=())
    assert recovered == Escalation("TR-RECOVERED", Level.INFO, {"pains": [1, 0, 1]})
    assert is_recovered([1, 0, 1])
    assert not is_recovered([0, 1])
    assert not is_recovered([1, 2, 1])
    assert not is_recovered([])


def test_TR_RECURRENT_within_365_days() -> None:
    """TR-RECURRENT: a new episode within 12 months of an earlier one: SOON."""
    onset = datetime(2026, 6, 1, 9, tzinfo=UTC)
    older = onset - timedelta(days=400)
    year_ago = onset - timedelta(days=365)
    assert recurrent_escalation(onset, [older, year_ago]) == Escalation(
        "TR-RECURRENT",
        Level.SOON,
        {"earlier_onset_at": year_ago.isoformat(), "days_since": 365},
    )
    assert recurrent_escalation(onset, [onset - timedelta(days=365, seconds=1)]) is None
    assert recurrent_escalation(onset, []) is None


def test_TR_RECURRENT_counts_an_episode_the_person_reports() -> None:
    onset = datetime(2026, 6, 1, tzinfo=UTC)
    reported = recurrent_escalation(onset, [], reported_within_year=True)
    assert reported == Escalation(
        "TR-RECURRENT", Level.SOON, {"reported": "an earlier episode in the last 12 months"}
    )
    assert recurrent_escalation(onset, [], reported_within_year=False) is None


def test_TR_RECURRENT_refuses_a_later_earlier_onset() -> None:
    onset = datetime(2026, 6, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="before the new onset"):
        recurrent_escalation(onset, [onset])
    with pytest.raises(ValueError, match="aware"):
        recurrent_escalation(datetime(2026, 6, 1), [])


def test_trend_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        trend_escalations(baseline=5, pains=[], day=0, milestones_done=())
    with pytest.raises(ValueError, match="pain"):
        trend_escalations(baseline=5, pains=[11], day=0, milestones_done=())
    with pytest.raises(ValueError, match="negative"):
        trend_escalations(baseline=5, pains=[5], day=-1, milestones_done=())


@settings(max_examples=200)
@given(
    baseline=pain,
    pains=st.lists(pain, min_size=1, max_size=6),
    day=st.integers(min_value=0, max_value=90),
)
def test_recovery_and_worsening_never_fire_together(
    baseline: int, pains: list[int], day: int
) -> None:
    fired = _fired(baseline, pains, day)
    assert len(fired) == len(set(fired))
    if "TR-RECOVERED" in fired:
        assert fired == ["TR-RECOVERED"]
    done = frozenset(milestones_evaluated(day))
    assert set(_fired(baseline, pains, day, done)) <= {"TR-WORSE", "TR-SEVERE", "TR-RECOVERED"}
