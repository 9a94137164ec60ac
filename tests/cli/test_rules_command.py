"""``python -m bot rules`` shows a clinician exactly the rules the code runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.care.rules import RULES

CARE_RULES = Path(__file__).resolve().parents[3] / "shared" / "CARE-RULES.md"
RULE_ID = re.compile(r"\b(?:RF|PH|TR)-[A-Z0-9-]+[A-Z0-9]\b")


def test_every_rule_id_of_the_care_rules_is_in_the_printed_table() -> None:
    assert CARE_RULES.exists(), (
        f"{CARE_RULES} not found: the clinical rules live in shared/ beside the repository "
        "(as in CI); this test compares the code against them"
    )
    documented = set(RULE_ID.findall(CARE_RULES.read_text()))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rules"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = set(RULE_ID.findall(result.stdout))
    assert documented, "CARE-RULES.md lists no rule ids"
    assert documented == printed
    assert documented == {rule.id for rule in RULES}
    for rule in RULES:
        assert rule.level.name in result.stdout
