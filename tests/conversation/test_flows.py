"""The flow tables: every step registered once, every move checked, the README drawn from them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.conversation.checkin import CheckinNew, CheckinPain, CheckinWalk
from bot.conversation.enrolment import Consent, Onset, Pain
from bot.conversation.flow import END
from bot.conversation.flows import FLOWS, UndeclaredMove, check_moves, mermaid, step_named
from bot.conversation.settings import SettingsZone
from bot.conversation.turn import IDLE

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_the_diagrams_the_tables_give() -> None:
    found = re.search(r"<!-- flows:start -->\n(.*)\n<!-- flows:end -->", README.read_text(), re.S)
    assert found is not None, "README.md has no flows:start/flows:end section"
    assert found.group(1) == mermaid(), "README.md is out of date: paste `python -m bot flows`"


def test_every_step_of_every_flow_is_found_by_its_stored_name() -> None:
    names = [name for flow in FLOWS for name in flow.steps]
    assert len(names) == len(set(names))
    for flow in FLOWS:
        for name, step in flow.steps.items():
            assert step_named(name) is step
    names = [flow.name for flow in FLOWS]
    assert names == ["enrolment", "check-in", "safety", "settings", "account"]


def test_moves_the_tables_declare_pass() -> None:
    check_moves(
        [
            (IDLE, Consent.name),  # an entry, from nothing
            (Onset.name, END),  # pain for more than six weeks
            (CheckinPain.name, CheckinNew.name),
            (CheckinNew.name, CheckinWalk.name),
            (SettingsZone.name, CheckinPain.name),  # /checkin in the middle of /settings
            (IDLE, END),  # a command that finishes nothing
        ]
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Consent.name, Pain.name),  # skipping questions
        (CheckinPain.name, CheckinWalk.name),  # skipping "anything new?"
        (IDLE, CheckinNew.name),  # into the middle of a flow
        (Pain.name, END),  # enrolment cannot end at the pain question
        (CheckinPain.name, SettingsZone.name),  # into another flow, not at its entry
    ],
)
def test_a_move_no_table_declares_is_refused(before: str, after: str) -> None:
    with pytest.raises(UndeclaredMove):
        check_moves([(before, after)])
