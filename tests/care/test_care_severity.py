"""Severity, expected recovery and the on-track outlook of every check-in reply."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.severity import (
    EXPECTED_RECOVERY,
    Activity,
    Outlook,
    Severity,
    outlook,
    severity,
)
from bot.care.trend import trend_escalations


@pytest.mark.parametrize(
    ("pain", "activity", "expected"),
    [
        (0, Activity.CAN, Severity.MILD),
        (3, Activity.CAN, Severity.MILD),
        (4, Activity.CAN, Severity.MODERATE),
        (3, Activity.LIMITED, Severity.MODERATE),
        (6, Activity.LIMITED, Severity.MODERATE),
        (7, Activity.CAN, Severity.SEVERE),
        (10, Activity.LIMITED, Severity.SEVERE),
        (2, Activity.CANNOT, Severity.SEVERE),
    ],
)
def test_severity_at_enrolment(pain: int, activity: Activity, expected: Severity) -> None:
    assert severity(pain, activity) is expected


def test_severity_refuses_off_scale_pain() -> None:
    with pytest.raises(ValueError, match="pain"):
        severity(11, Activity.CAN)


def test_expected_recovery_follows_the_seed_article() -> None:
    assert EXPECTED_RECOVERY[Severity.MILD] == (7, 14)
    assert EXPECTED_RECOVERY[Severity.MODERATE] == (21, 42)
    low, high = EXPECTED_RECOVERY[Severity.SEVERE]
    assert 42 < low < high


def test_outlook_TR_RECOVERED_comes_first() -> None:
    """TR-RECOVERED: three check-ins at 0 or 1 read as recovered, even past expectations."""
    assert outlook(severity=Severity.MILD, day=30, baseline=2, pains=[1, 1, 0]) is Outlook.RECOVERED


def test_outlook_TR_WORSE_threshold_on_one_checkin() -> None:
    """TR-WORSE: 2 points above baseline is worse at once; the escalation waits for two."""
    assert outlook(severity=Severity.MODERATE, day=2, baseline=5, pains=[7]) is Outlook.WORSE
    assert outlook(severity=Severity.MODERATE, day=2, baseline=5, pains=[6]) is Outlook.ON_TRACK


def test_outlook_slower_past_the_expected_maximum() -> None:
    assert outlook(severity=Severity.MILD, day=14, baseline=3, pains=[2]) is Outlook.ON_TRACK
    assert outlook(severity=Severity.MILD, day=15, baseline=3, pains=[2]) is Outlook.SLOWER
    assert outlook(severity=Severity.MILD, day=15, baseline=3, pains=[1]) is Outlook.ON_TRACK


def test_outlook_TR_NO_IMPROVE_14_is_slower() -> None:
    """TR-NO-IMPROVE-14: no meaningful improvement from day 14 reads as slower."""
    severe = Severity.SEVERE
    assert outlook(severity=severe, day=13, baseline=8, pains=[7]) is Outlook.ON_TRACK
    assert outlook(severity=severe, day=14, baseline=8, pains=[7]) is Outlook.SLOWER
    assert outlook(severity=severe, day=20, baseline=8, pains=[7]) is Outlook.SLOWER
    assert outlook(severity=severe, day=14, baseline=8, pains=[6]) is Outlook.ON_TRACK


def test_outlook_TR_SEVERE_is_slower_even_without_worsening() -> None:
    """TR-SEVERE: three check-ins at 8 or more are not on track, even from a baseline of 9."""
    assert outlook(severity=Severity.SEVERE, day=3, baseline=9, pains=[8, 9, 9]) is Outlook.SLOWER
    assert outlook(severity=Severity.SEVERE, day=3, baseline=9, pains=[7, 9, 9]) is Outlook.ON_TRACK


def test_outlook_TR_PERSIST_42_is_slower_even_for_a_severe_strain() -> None:
    """TR-PERSIST-42 tells a person with pain above 1 at six weeks to see a doctor, so the
    reply cannot say "on track", even inside the months a severe strain may take."""
    seen = outlook(severity=Severity.SEVERE, day=42, baseline=9, pains=[2])
    assert seen is Outlook.SLOWER


def test_outlook_needs_a_checkin() -> None:
    with pytest.raises(ValueError, match="at least one"):
        outlook(severity=Severity.MILD, day=0, baseline=2, pains=[])


@settings(max_examples=200)
@given(
    sev=st.sampled_from(list(Severity)),
    baseline=st.integers(0, 10),
    pains=st.lists(st.integers(0, 10), min_size=1, max_size=5),
    day=st.integers(0, 84),
)
def test_outlook_is_never_on_track_while_a_trend_rule_escalates(
    sev: Severity, baseline: int, pains: list[int], day: int
) -> None:
    fired = {
        e.rule_id
        for e in trend_escalations(baseline=baseline, pains=pains, day=day, milestones_done=())
    }
    seen = outlook(severity=sev, day=day, baseline=baseline, pains=pains)
    if "TR-WORSE" in fired:
        assert seen is Outlook.WORSE
    if "TR-RECOVERED" in fired:
        assert seen is Outlook.RECOVERED
    if fired:
        assert seen is not Outlook.ON_TRACK
