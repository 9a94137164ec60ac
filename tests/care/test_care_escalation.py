"""Escalations: age rules, red-flag escalations and the delivery policy of the levels table."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.decisions import Escalation
from bot.care.escalation import (
    AgeBand,
    age_escalation,
    can_enrol,
    due_escalations,
    red_flag_escalations,
)
from bot.care.levels import Level
from bot.care.redflags import RedFlag
from bot.care.rules import RULES

EMERGENCY = Escalation("RF-CHEST", Level.EMERGENCY, {"answer": "yes"})
URGENT = Escalation("RF-FEVER", Level.URGENT, {"answer": "yes"})
SOON = Escalation("TR-WORSE", Level.SOON, {"pains": [6, 7], "baseline": 4})
INFO = Escalation("TR-RECOVERED", Level.INFO, {"pains": [1, 0, 1]})


def test_under_16_is_not_enrolled() -> None:
    assert not can_enrol(AgeBand.UNDER_16)
    assert can_enrol(AgeBand.AGE_16_49)
    assert can_enrol(AgeBand.AGE_50_PLUS)
    with pytest.raises(ValueError, match="under 16"):
        age_escalation(AgeBand.UNDER_16, first_episode=True)


def test_RF_AGE_50_first_episode_at_50_or_over_is_soon() -> None:
    """RF-AGE-50: 50 or over with a first episode of back pain: SOON."""
    assert age_escalation(AgeBand.AGE_50_PLUS, first_episode=True) == Escalation(
        "RF-AGE-50", Level.SOON, {"age_band": "50+", "first_episode": True}
    )


@pytest.mark.parametrize(
    ("band", "first_episode"),
    [
        pytest.param(AgeBand.AGE_50_PLUS, False, id="RF-AGE-50-not-first-episode"),
        pytest.param(AgeBand.AGE_16_49, True, id="RF-AGE-50-under-50"),
    ],
)
def test_age_rule_silent_otherwise(band: AgeBand, first_episode: bool) -> None:
    assert age_escalation(band, first_episode) is None


def test_red_flag_escalations_one_per_flag_highest_first() -> None:
    escalations = red_flag_escalations(
        [RedFlag.FEVER, RedFlag.CES_SADDLE, RedFlag.FEVER, RedFlag.CES_BLADDER]
    )
    assert [(e.rule_id, e.level) for e in escalations] == [
        ("RF-CES-BLADDER", Level.EMERGENCY),
        ("RF-CES-SADDLE", Level.EMERGENCY),
        ("RF-FEVER", Level.URGENT),
    ]
    assert red_flag_escalations([]) == []


def test_escalation_facts_are_json_serialisable_and_escalations_hashable() -> None:
    assert json.loads(json.dumps(dict(SOON.facts))) == {"pains": [6, 7], "baseline": 4}
    assert len({SOON, SOON}) == 1


def test_EMERGENCY_is_repeated_each_time_a_red_flag_is_reported_again() -> None:
    """RF-CES-BOWEL reported again: sent again, whatever was sent before."""
    again = Escalation("RF-CES-BOWEL", Level.EMERGENCY, {"answer": "yes"})
    assert due_escalations([again], {"RF-CES-BOWEL": Level.EMERGENCY}) == [again]


def test_URGENT_is_always_sent() -> None:
    assert due_escalations([URGENT], {"RF-FEVER": Level.URGENT}) == [URGENT]


def test_SOON_once_per_rule_per_episode() -> None:
    assert due_escalations([SOON], {}) == [SOON]
    assert due_escalations([SOON], {"TR-WORSE": Level.SOON}) == []
    assert due_escalations([SOON, SOON], {}) == [SOON]
    assert due_escalations([SOON], {"TR-SEVERE": Level.SOON}) == [SOON]


def test_SOON_is_sent_again_when_the_level_rises() -> None:
    assert due_escalations([SOON], {"TR-WORSE": Level.INFO}) == [SOON]


def test_INFO_passes_through_and_the_result_is_sorted_highest_first() -> None:
    due = due_escalations([INFO, SOON, URGENT, EMERGENCY], {"TR-RECOVERED": Level.INFO})
    assert due == [EMERGENCY, URGENT, SOON, INFO]


escalations = st.builds(
    Escalation,
    rule_id=st.sampled_from([entry.id for entry in RULES]),
    level=st.sampled_from(list(Level)),
    facts=st.just({}),
)


@settings(max_examples=100)
@given(
    candidates=st.lists(escalations, max_size=8),
    already_sent=st.dictionaries(
        st.sampled_from([entry.id for entry in RULES]), st.sampled_from(list(Level))
    ),
)
def test_emergencies_and_urgents_are_never_held_back(
    candidates: list[Escalation], already_sent: dict[str, Level]
) -> None:
    due = due_escalations(candidates, already_sent)
    must_send = [c for c in candidates if c.level >= Level.URGENT]
    assert [d for d in due if d.level >= Level.URGENT] == sorted(must_send, key=lambda e: -e.level)
    assert [d.level for d in due] == sorted((d.level for d in due), reverse=True)
