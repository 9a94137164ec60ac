"""Loading an episode's history, and the phases and recovery band it implies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.care.phases import Phase, Protocol
from bot.care.severity import Severity
from bot.db.engine import session_factory
from bot.insight.history import (
    PainHistory,
    PainPoint,
    load_pain_history,
    phase_spans,
    recovery_band,
)
from tests.support.episode import ANSWERS, ENROLLED, ESCALATIONS, NOW, ONSET, ZONE, seed_episode

pytestmark = pytest.mark.each_database


async def test_history_holds_the_answered_check_ins_and_escalations_of_this_episode_only(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        person, episode = await seed_episode(session)
    async with sessions() as session:
        history = await load_pain_history(session, person, episode, NOW)

    assert [(p.at, p.day, p.pain, p.walked, p.red_flags, p.note) for p in history.points] == [
        (a.at, a.day, a.pain, a.walked, a.red_flags, a.note) for a in ANSWERS
    ]
    assert [(m.at, m.level, m.rule_id) for m in history.escalations] == list(ESCALATIONS)
    assert history.onset_at == ONSET
    assert history.baseline_at == ENROLLED
    assert history.baseline_pain == 6
    assert history.zone == ZONE
    assert history.severity is Severity.MODERATE
    assert history.protocol is Protocol.SEED
    assert history.now == NOW


def _history(
    pains: list[tuple[float, int]],
    *,
    protocol: Protocol = Protocol.SEED,
    baseline: int = 7,
    now_days: float = 20.0,
    recovered_days: float | None = None,
) -> PainHistory:
    onset = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    return PainHistory(
        onset_at=onset,
        zone="Europe/London",
        severity=Severity.MODERATE,
        protocol=protocol,
        baseline_pain=baseline,
        baseline_at=onset,
        points=tuple(
            PainPoint(onset + timedelta(days=days), int(days), pain) for days, pain in pains
        ),
        escalations=(),
        now=onset + timedelta(days=now_days),
        recovered_at=None if recovered_days is None else onset + timedelta(days=recovered_days),
    )


def _spans(history: PainHistory) -> list[tuple[Phase, float, float]]:
    return [(s.phase, round(s.start, 6), round(s.end, 6)) for s in phase_spans(history)]


def test_seed_protocol_is_ice_for_48_hours_then_heat_then_strengthening_once_pain_settles() -> None:
    # PH-ICE, PH-HEAT, PH-STRENGTHEN: 7 -> 3 on day 6 is both "3 or below" and "down 50 %".
    history = _history([(1, 7), (2.5, 6), (4, 5), (6, 3), (8, 2)], now_days=9)
    assert _spans(history) == [
        (Phase.ICE, 0.0, 2.0),
        (Phase.HEAT, 2.0, 6.0),
        (Phase.STRENGTHEN, 6.0, 9.0),
    ]


def test_strengthening_can_start_on_a_halving_above_3_and_a_flare_up_goes_back_to_heat() -> None:
    history = _history([(3, 8), (5, 5), (7, 4), (9, 6), (11, 4)], baseline=8, now_days=12)
    assert _spans(history) == [
        (Phase.ICE, 0.0, 2.0),
        (Phase.HEAT, 2.0, 7.0),
        (Phase.STRENGTHEN, 7.0, 9.0),
        (Phase.HEAT, 9.0, 11.0),
        (Phase.STRENGTHEN, 11.0, 12.0),
    ]


def test_heat_first_protocol_has_no_ice_phase() -> None:
    history = _history([(1, 3), (3, 3)], protocol=Protocol.HEAT_FIRST, now_days=4)
    assert _spans(history) == [(Phase.HEAT, 0.0, 2.0), (Phase.STRENGTHEN, 2.0, 4.0)]


def test_recovery_starts_the_prevent_phase() -> None:
    history = _history([(3, 1), (4, 1), (5, 0)], now_days=10, recovered_days=5)
    assert _spans(history) == [
        (Phase.ICE, 0.0, 2.0),
        (Phase.HEAT, 2.0, 3.0),
        (Phase.STRENGTHEN, 3.0, 5.0),
        (Phase.PREVENT, 5.0, 10.0),
    ]


def test_before_48_hours_the_chart_is_all_ice_whatever_the_pain() -> None:
    history = _history([(0.5, 1)], baseline=2, now_days=1.5)
    assert _spans(history) == [(Phase.ICE, 0.0, 1.5)]


@pytest.mark.parametrize(
    ("severity", "band"),
    [(Severity.MILD, (7, 14)), (Severity.MODERATE, (21, 42)), (Severity.SEVERE, (60, 180))],
)
def test_recovery_band_is_the_seed_articles_timeline(
    severity: Severity, band: tuple[int, int]
) -> None:
    # Mild 1-2 weeks, moderate 3-6 weeks, severe "several months" (read as 2-6 months).
    assert recovery_band(severity) == band
