"""Red flags (RF-*): levels, grouping and triage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care.levels import Level
from bot.care.redflags import (
    CHECKIN_GROUPS,
    ENROLMENT_GROUPS,
    RED_FLAG_LEVEL,
    RedFlag,
    triage,
)

EMERGENCY_FLAGS = [flag for flag in RedFlag if RED_FLAG_LEVEL[flag] is Level.EMERGENCY]
flag_sets = st.sets(st.sampled_from(list(RedFlag)))


@pytest.mark.parametrize(
    ("flag", "level"),
    [
        pytest.param(RedFlag.CES_BLADDER, Level.EMERGENCY, id="RF-CES-BLADDER"),
        pytest.param(RedFlag.CES_BOWEL, Level.EMERGENCY, id="RF-CES-BOWEL"),
        pytest.param(RedFlag.CES_SADDLE, Level.EMERGENCY, id="RF-CES-SADDLE"),
        pytest.param(RedFlag.CES_SEXUAL, Level.EMERGENCY, id="RF-CES-SEXUAL"),
        pytest.param(RedFlag.LEGS_BOTH, Level.EMERGENCY, id="RF-LEGS-BOTH"),
        pytest.param(RedFlag.LEG_WEAKNESS, Level.EMERGENCY, id="RF-LEG-WEAKNESS"),
        pytest.param(RedFlag.TRAUMA, Level.EMERGENCY, id="RF-TRAUMA"),
        pytest.param(RedFlag.CHEST, Level.EMERGENCY, id="RF-CHEST"),
        pytest.param(RedFlag.FEVER, Level.URGENT, id="RF-FEVER"),
        pytest.param(RedFlag.CANCER, Level.URGENT, id="RF-CANCER"),
        pytest.param(RedFlag.WEIGHT, Level.URGENT, id="RF-WEIGHT"),
        pytest.param(RedFlag.NIGHT, Level.URGENT, id="RF-NIGHT"),
        pytest.param(RedFlag.IMMUNE, Level.URGENT, id="RF-IMMUNE"),
        pytest.param(RedFlag.OSTEO, Level.URGENT, id="RF-OSTEO"),
    ],
)
def test_red_flag_alone_triages_at_its_care_rules_level(flag: RedFlag, level: Level) -> None:
    assert flag.value == "RF-" + flag.name.replace("_", "-")
    assert RED_FLAG_LEVEL[flag] is level
    assert triage([flag]) is level


def test_red_flags_are_the_fourteen_of_the_table_without_age() -> None:
    assert len(RedFlag) == 14
    assert "RF-AGE-50" not in {flag.value for flag in RedFlag}


def test_no_red_flag_triages_as_info() -> None:
    assert triage([]) is Level.INFO


def test_RF_CES_BLADDER_with_fever_is_still_an_emergency() -> None:
    """RF-CES-BLADDER (EMERGENCY) outranks RF-FEVER (URGENT): the highest level wins."""
    assert triage([RedFlag.FEVER, RedFlag.CES_BLADDER]) is Level.EMERGENCY


def test_enrolment_groups_ask_every_flag_once_except_trauma() -> None:
    """RF-TRAUMA is asked through "how it happened" at enrolment, not in a group."""
    asked = [flag for group in ENROLMENT_GROUPS for flag in group.flags]
    assert sorted(asked) == sorted(set(RedFlag) - {RedFlag.TRAUMA})
    assert len(asked) == len(set(asked))
    assert [group.key for group in ENROLMENT_GROUPS] == ["ces", "legs", "general", "history"]
    assert ENROLMENT_GROUPS[0].flags == (
        RedFlag.CES_BLADDER,
        RedFlag.CES_BOWEL,
        RedFlag.CES_SADDLE,
        RedFlag.CES_SEXUAL,
    )


def test_RF_TRAUMA_can_be_reported_at_a_checkin() -> None:
    """RF-TRAUMA: a fall after enrolment is new; the check-in list asks every flag once."""
    asked = [flag for group in CHECKIN_GROUPS for flag in group.flags]
    assert RedFlag.TRAUMA in asked
    assert sorted(asked) == sorted(RedFlag)
    assert len(asked) == len(set(asked))
    assert len({group.key for group in CHECKIN_GROUPS}) == len(CHECKIN_GROUPS)


@settings(max_examples=100)
@given(others=flag_sets, emergency=st.sampled_from(EMERGENCY_FLAGS))
def test_any_emergency_flag_gives_emergency_whatever_else(
    others: set[RedFlag], emergency: RedFlag
) -> None:
    assert triage(others | {emergency}) is Level.EMERGENCY


@settings(max_examples=100)
@given(flags=flag_sets, added=st.sampled_from(list(RedFlag)))
def test_adding_a_red_flag_never_lowers_the_level(flags: set[RedFlag], added: RedFlag) -> None:
    assert triage(flags | {added}) >= triage(flags)
    assert triage(flags | {added}) >= RED_FLAG_LEVEL[added]
