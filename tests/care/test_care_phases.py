"""Recovery phases (PH-*) and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.phases import (
    ICE_PERIOD,
    Phase,
    Protocol,
    in_quiet_hours,
    needs_switch_message,
    out_of_quiet_hours,
    phase_at,
    switch_at,
)

LONDON = ZoneInfo("Europe/London")
ZONES = [
    LONDON,
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Sydney"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Chatham"),
]
ONSET = datetime(2026, 6, 1, 7, 30, tzinfo=UTC)


def _london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


def _phase(
    hours: float,
    *,
    protocol: Protocol = Protocol.SEED,
    baseline: int = 7,
    latest: int | None = None,
    recovered: bool = False,
) -> Phase:
    return phase_at(
        onset_at=ONSET,
        now=ONSET + timedelta(hours=hours),
        protocol=protocol,
        baseline_pain=baseline,
        latest_pain=latest,
        recovered=recovered,
    )


def test_PH_ICE_for_the_first_48_hours_under_seed_whatever_the_pain() -> None:
    """PH-ICE: 0 to 48 h after onset; strengthening never starts in the acute period."""
    assert _phase(0) is Phase.ICE
    assert _phase(47.99, latest=1) is Phase.ICE
    assert (
        phase_at(
            onset_at=ONSET,
            now=ONSET + ICE_PERIOD - timedelta(microseconds=1),
            protocol=Protocol.SEED,
            baseline_pain=2,
            latest_pain=0,
            recovered=False,
        )
        is Phase.ICE
    )


def test_PH_HEAT_from_exactly_48_hours_until_the_pain_clearly_improves() -> None:
    """PH-HEAT: after 48 h; exactly 48 h is no longer ice."""
    assert _phase(48, latest=6) is Phase.HEAT
    assert _phase(48) is Phase.HEAT  # no check-in yet: the baseline, 7, is the latest


def test_PH_HEAT_from_day_0_under_heat_first() -> None:
    """PH-HEAT under heat-first has no PH-ICE before it, and the acute 48 h stay heat."""
    assert _phase(0, protocol=Protocol.HEAT_FIRST) is Phase.HEAT
    assert _phase(47, protocol=Protocol.HEAT_FIRST, latest=1) is Phase.HEAT
    assert _phase(48, protocol=Protocol.HEAT_FIRST, latest=1) is Phase.STRENGTHEN


@pytest.mark.parametrize(
    ("baseline", "latest", "expected"),
    [
        pytest.param(8, 4, Phase.STRENGTHEN, id="PH-STRENGTHEN-down-50-percent"),
        pytest.param(10, 5, Phase.STRENGTHEN, id="PH-STRENGTHEN-pain-10-halved"),
        pytest.param(10, 6, Phase.HEAT, id="PH-STRENGTHEN-not-yet-40-percent"),
        pytest.param(5, 3, Phase.STRENGTHEN, id="PH-STRENGTHEN-3-or-below"),
        pytest.param(5, 4, Phase.HEAT, id="PH-STRENGTHEN-not-yet-4"),
        pytest.param(0, 0, Phase.STRENGTHEN, id="PH-STRENGTHEN-baseline-0"),
        pytest.param(3, None, Phase.STRENGTHEN, id="PH-STRENGTHEN-low-baseline"),
    ],
)
def test_PH_STRENGTHEN_after_48_hours_once_pain_halved_or_3_or_below(
    baseline: int, latest: int | None, expected: Phase
) -> None:
    assert _phase(72, baseline=baseline, latest=latest) is expected


def test_PH_STRENGTHEN_goes_back_to_heat_on_a_flare_up() -> None:
    assert _phase(96, baseline=8, latest=3) is Phase.STRENGTHEN
    assert _phase(120, baseline=8, latest=6) is Phase.HEAT


def test_PH_PREVENT_once_recovered() -> None:
    """PH-PREVENT: after recovery (TR-RECOVERED), under either protocol."""
    assert _phase(24 * 10, latest=0, recovered=True) is Phase.PREVENT
    assert _phase(24 * 10, protocol=Protocol.HEAT_FIRST, recovered=True) is Phase.PREVENT


def test_phase_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="before onset"):
        _phase(-1)
    with pytest.raises(ValueError, match="pain"):
        _phase(50, latest=11)
    with pytest.raises(ValueError, match="pain"):
        _phase(50, baseline=-1)
    with pytest.raises(ValueError, match="aware"):
        phase_at(
            onset_at=datetime(2026, 6, 1),
            now=ONSET,
            protocol=Protocol.SEED,
            baseline_pain=5,
            latest_pain=None,
            recovered=False,
        )


def test_PH_SWITCH_message_only_under_seed() -> None:
    """PH-SWITCH: heat-first starts with heat, so there is nothing to switch."""
    assert needs_switch_message(Protocol.SEED)
    assert not needs_switch_message(Protocol.HEAT_FIRST)


@pytest.mark.parametrize(
    ("onset", "switch"),
    [
        pytest.param(
            _london(2026, 6, 1, 21, 59), _london(2026, 6, 3, 21, 59), id="PH-SWITCH-21:59-stays"
        ),
        pytest.param(
            _london(2026, 6, 1, 22, 0), _london(2026, 6, 4, 8, 0), id="PH-SWITCH-22:00-next-morning"
        ),
        pytest.param(
            _london(2026, 6, 1, 1, 0), _london(2026, 6, 3, 8, 0), id="PH-SWITCH-01:00-same-morning"
        ),
        pytest.param(
            _london(2026, 6, 1, 7, 59), _london(2026, 6, 3, 8, 0), id="PH-SWITCH-07:59-moves"
        ),
        pytest.param(
            _london(2026, 6, 1, 8, 0), _london(2026, 6, 3, 8, 0), id="PH-SWITCH-08:00-stays"
        ),
        # 48 elapsed hours across the spring change: 23:30 GMT + 48 h = 00:30 BST, quiet.
        pytest.param(
            _london(2026, 3, 27, 23, 30), _london(2026, 3, 30, 8, 0), id="PH-SWITCH-across-DST"
        ),
        pytest.param(
            _london(2026, 10, 23, 20, 30),
            _london(2026, 10, 25, 19, 30),
            id="PH-SWITCH-elapsed-hours",
        ),
    ],
)
def test_PH_SWITCH_at_onset_plus_48_hours_out_of_quiet_hours(
    onset: datetime, switch: datetime
) -> None:
    """PH-SWITCH: onset + 48 h, moved to 08:00 when that falls in 22:00-08:00 local."""
    assert switch_at(onset, LONDON) == switch
    assert switch_at(onset, LONDON).tzinfo is UTC


def test_quiet_hours_edges() -> None:
    assert not in_quiet_hours(_london(2026, 6, 1, 21, 59), LONDON)
    assert in_quiet_hours(_london(2026, 6, 1, 22, 0), LONDON)
    assert in_quiet_hours(_london(2026, 6, 1, 0, 0), LONDON)
    assert in_quiet_hours(_london(2026, 6, 1, 7, 59), LONDON)
    assert not in_quiet_hours(_london(2026, 6, 1, 8, 0), LONDON)


def test_out_of_quiet_hours_across_a_dst_night() -> None:
    """The night the clocks go back, 23:00 BST moves to 08:00 GMT (08:00 UTC), not 07:00."""
    assert out_of_quiet_hours(_london(2026, 10, 24, 23, 0), LONDON) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )
    assert out_of_quiet_hours(_london(2026, 3, 28, 23, 0), LONDON) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )


@settings(max_examples=150)
@given(
    onset=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_switch_is_48_hours_or_more_after_onset_and_never_in_quiet_hours(
    onset: datetime, zone: ZoneInfo
) -> None:
    switch = switch_at(onset, zone)
    assert switch >= onset + ICE_PERIOD
    assert switch - (onset + ICE_PERIOD) <= timedelta(hours=11)
    assert not in_quiet_hours(switch, zone)


@settings(max_examples=150)
@given(
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_out_of_quiet_hours_is_the_first_waking_moment(moment: datetime, zone: ZoneInfo) -> None:
    waking = out_of_quiet_hours(moment, zone)
    assert waking >= moment
    assert not in_quiet_hours(waking, zone)
    if waking > moment:
        assert waking.astimezone(zone).hour == 8
        assert in_quiet_hours(waking - timedelta(seconds=1), zone)
