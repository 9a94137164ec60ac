"""The rule table: complete, one row per id of CARE-RULES.md, and readable back out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.care.levels import Level
from bot.care.rules import RULES, Rule, format_rule_table, rule

CARE_RULES_LEVELS = {
    "RF-CES-BLADDER": Level.EMERGENCY,
    "RF-CES-BOWEL": Level.EMERGENCY,
    "RF-CES-SADDLE": Level.EMERGENCY,
    "RF-CES-SEXUAL": Level.EMERGENCY,
    "RF-LEGS-BOTH": Level.EMERGENCY,
    "RF-LEG-WEAKNESS": Level.EMERGENCY,
    "RF-TRAUMA": Level.EMERGENCY,
    "RF-CHEST": Level.EMERGENCY,
    "RF-FEVER": Level.URGENT,
    "RF-CANCER": Level.URGENT,
    "RF-WEIGHT": Level.URGENT,
    "RF-NIGHT": Level.URGENT,
    "RF-IMMUNE": Level.URGENT,
    "RF-OSTEO": Level.URGENT,
    "RF-AGE-50": Level.SOON,
    "PH-ICE": Level.INFO,
    "PH-SWITCH": Level.INFO,
    "PH-HEAT": Level.INFO,
    "PH-STRENGTHEN": Level.INFO,
    "PH-PREVENT": Level.INFO,
    "TR-WORSE": Level.SOON,
    "TR-SEVERE": Level.SOON,
    "TR-NO-IMPROVE-14": Level.SOON,
    "TR-NO-IMPROVE-28": Level.SOON,
    "TR-PERSIST-42": Level.SOON,
    "TR-CHRONIC-84": Level.SOON,
    "TR-RECOVERED": Level.INFO,
    "TR-RECURRENT": Level.SOON,
}

CARE_DIR = Path(__file__).resolve().parents[2] / "bot" / "care"
TESTS_DIR = Path(__file__).resolve().parent


def test_table_has_exactly_the_rules_of_care_rules_md_at_their_levels() -> None:
    assert {entry.id: entry.level for entry in RULES} == CARE_RULES_LEVELS
    assert len(RULES) == len(CARE_RULES_LEVELS), "an id appears twice"


def test_every_rule_has_a_trigger_and_a_source() -> None:
    for entry in RULES:
        assert entry.trigger.strip(), entry.id
        assert entry.source.strip(), entry.id


def test_rule_looks_up_by_id_and_refuses_unknown_ids() -> None:
    assert rule("TR-WORSE") == Rule(
        "TR-WORSE",
        "Pain at least 2 points above baseline on two check-ins in a row",
        Level.SOON,
        rule("TR-WORSE").source,
    )
    with pytest.raises(KeyError):
        rule("TR-NOPE")


def test_format_rule_table_lists_every_rule_in_fixed_width() -> None:
    table = format_rule_table()
    lines = table.splitlines()
    assert lines[0].split() == ["id", "level", "trigger", "source"]
    starts = [line.split()[0] for line in lines[2:] if line and not line.startswith(" ")]
    assert starts == [entry.id for entry in RULES]
    assert max(len(line) for line in lines) <= 100
    assert "\N{NO-BREAK SPACE}" not in table
    for entry in RULES:
        assert entry.level.name in table


def test_format_rule_table_keeps_a_percentage_on_one_line() -> None:
    table = format_rule_table((rule("PH-STRENGTHEN"), rule("TR-NO-IMPROVE-14")))
    assert all(not line.strip().startswith("%") for line in table.splitlines())


def test_format_rule_table_of_a_subset() -> None:
    table = format_rule_table((rule("RF-CHEST"),))
    assert table.splitlines()[2].split()[:3] == ["RF-CHEST", "EMERGENCY", "Chest"]
    assert "RF-FEVER" not in table


def _names_in_tests() -> str:
    """Test names, docstrings and parametrize ids of tests/care, the places a test names a rule."""
    found: list[str] = []
    for path in TESTS_DIR.glob("test_*.py"):
        if path.resolve() == Path(__file__).resolve():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                found.append(node.name.replace("_", "-"))
                found.append(ast.get_docstring(node) or "")
                found.extend(
                    str(keyword.value.value)
                    for decorator in node.decorator_list
                    for call in ast.walk(decorator)
                    if isinstance(call, ast.Call)
                    for keyword in call.keywords
                    if keyword.arg == "id" and isinstance(keyword.value, ast.Constant)
                )
    return "\n".join(str(text) for text in found)


def test_every_rule_id_is_named_by_a_test_and_appears_in_the_code() -> None:
    """CARE-RULES.md: "Each rule has an id that appears in the code that implements it and in
    the test that proves it". The table row alone does not count as implementing code."""
    named = _names_in_tests()
    code = "\n".join(path.read_text() for path in CARE_DIR.glob("*.py") if path.name != "rules.py")
    for entry in RULES:
        assert entry.id in named, f"no test names {entry.id}"
        assert entry.id in code, f"{entry.id} is not in the code that implements it"
