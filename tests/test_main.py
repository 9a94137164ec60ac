"""The command line, ``python -m bot``: each command run as an operator would run it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.care import RedFlag
from bot.care.rules import RULES
from bot.conversation.flows import mermaid
from bot.i18n import supported
from bot.texts import Contacts, texts_for
from tests.support.command_line import REPO, environment, run_bot

CARE_RULES = REPO.parent / "shared" / "CARE-RULES.md"
RULE_ID = re.compile(r"\b(?:RF|PH|TR)-[A-Z0-9-]+[A-Z0-9]\b")


def test_rules_prints_every_rule_id_of_the_care_rules(tmp_path: Path) -> None:
    """``rules`` shows a clinician exactly the rules the code runs."""
    assert CARE_RULES.exists(), (
        f"{CARE_RULES} not found: the clinical rules live in shared/ beside the repository "
        "(as in CI); this test compares the code against them"
    )
    documented = set(RULE_ID.findall(CARE_RULES.read_text()))
    result = run_bot("rules", cwd=tmp_path, env=environment())
    assert result.returncode == 0, result.stderr
    printed = set(RULE_ID.findall(result.stdout))
    assert documented, "CARE-RULES.md lists no rule ids"
    assert documented == printed
    assert documented == {rule.id for rule in RULES}
    for rule in RULES:
        assert rule.level.name in result.stdout


def test_rules_lists_the_languages_and_their_review_status(tmp_path: Path) -> None:
    result = run_bot("rules", cwd=tmp_path, env=environment())
    assert result.returncode == 0, result.stderr
    assert "English (en): source language" in result.stdout
    for name, code in (("Español", "es"), ("Deutsch", "de"), ("Русский", "ru")):
        assert f"{name} ({code}): NOT YET SIGNED OFF by a clinician (draft)" in result.stdout


@pytest.mark.parametrize("code", ["es", "pt-br", "ru"])
def test_rules_for_a_language_shows_its_exact_words_beside_each_rule(
    tmp_path: Path, code: str
) -> None:
    """For the clinician's sign-off: each red flag's rule, then its question and button as a
    person reads them, then the escalation texts exactly as sent."""
    words = texts_for(supported(code))
    env = environment(
        without=["EMERGENCY_NUMBER", "URGENT_CARE_TEXT"], DEFAULT_TIMEZONE="Europe/Madrid"
    )
    result = run_bot("rules", "--language", code, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    for flag in RedFlag:
        assert f"  question: {words.RED_FLAG_QUESTIONS[flag]}\n" in result.stdout
        assert f"  button:   {words.RED_FLAG_LABELS[flag]}\n" in result.stdout
    contacts = Contacts("112", words.URGENT_CARE["default"])
    assert words.emergency_text([RedFlag.CES_BLADDER], contacts) in result.stdout
    assert words.urgent_text([RedFlag.FEVER], contacts) in result.stdout
    assert "NOT YET SIGNED OFF" in result.stdout


def test_rules_for_a_language_it_does_not_speak_says_so(tmp_path: Path) -> None:
    result = run_bot("rules", "--language", "it", cwd=tmp_path, env=environment())
    assert result.returncode == 0, result.stderr
    assert "it: not a language BackCheck speaks (en, de, es, fr, pt-BR, ru)." in result.stdout


def test_migrate_creates_every_table_in_a_new_sqlite_file(tmp_path: Path) -> None:
    for _ in range(2):  # a second run is a no-op, not an error
        result = run_bot("migrate", cwd=tmp_path, env=environment(without=["DATABASE_URL"]))
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "backcheck.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"people", "episodes", "check_ins", "escalations", "due_messages"} <= tables


def test_export_without_a_pseudonym_key_stops_with_one_line(tmp_path: Path) -> None:
    """``export PATH`` refuses to write pseudonyms it could not key like the bot's."""
    env = environment(
        without=["TELEGRAM_BOT_TOKEN", "ADMIN_PSEUDONYM_SECRET"],
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'backcheck.db'}",
    )
    result = run_bot("export", str(tmp_path / "export.csv"), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "backcheck: configuration error: ADMIN_PSEUDONYM_SECRET (or TELEGRAM_BOT_TOKEN) is not set"
    )
    assert not (tmp_path / "export.csv").exists()


def test_flows_prints_the_diagrams_of_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows"]) == 0
    assert capsys.readouterr().out == mermaid() + "\n"


def test_requeue_owes_again_what_was_given_up(tmp_path: Path) -> None:
    database = tmp_path / "backcheck.db"
    env = environment(DATABASE_URL=f"sqlite+aiosqlite:///{database}")
    assert run_bot("migrate", cwd=tmp_path, env=env).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO outbox (chat_id, kind, priority, payload, status, attempts, due_at, "
            "created_at, last_error) VALUES (1001, 'escalation', 0, '{\"text\": \"Call 999\"}', "
            "'failed', 3, '2026-11-20 09:00:00', '2026-11-20 09:00:00', 'BadRequest')"
        )
    result = run_bot("requeue", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 messages and 0 due rows owed again\n"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT status, attempts, last_error FROM outbox").fetchall()
    assert rows == [("pending", 0, None)]
