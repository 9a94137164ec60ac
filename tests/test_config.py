"""A misconfigured deployment stops with one line naming the variable, exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.care.phases import Protocol
from bot.config import OFFICIAL_API_BASE_URL, ConfigError, load_settings
from tests.support.command_line import environment, run_bot

_SETTINGS_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "ADMIN_IDS",
    "ADMIN_ALERT_CHAT_ID",
    "EMERGENCY_NUMBER",
    "URGENT_CARE_TEXT",
    "DEFAULT_TIMEZONE",
    "CARE_PROTOCOL",
    "PORT",
    "WEB_PORT",
    "WEB_PUBLIC_URL",
    "WEB_SECRET",
    "LOG_FORMAT",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def _run(tmp_path: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    return run_bot(*args, cwd=tmp_path, env=environment(without=_SETTINGS_VARIABLES, **values))


def test_defaults_need_nothing_installed() -> None:
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///backcheck.db"
    assert settings.telegram.api_base_url == OFFICIAL_API_BASE_URL
    assert settings.care.emergency_number is None  # each person's country's number
    assert settings.care.care_protocol is Protocol.SEED
    assert settings.admin.ids == frozenset()
    assert settings.telegram.bot_token is None


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=11, 22\nCARE_PROTOCOL=heat-first\n")
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:abc-DEF_ghi")
    settings = load_settings()
    assert settings.admin.ids == frozenset({11, 22})
    assert settings.care.care_protocol is Protocol.HEAT_FIRST
    assert settings.care.emergency_number == "999"
    assert settings.require_token().get_secret_value() == "123456:abc-DEF_ghi"
    assert "abc-DEF" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ADMIN_IDS", "alice,bob", "comma-separated Telegram user ids"),
        ("ADMIN_ALERT_CHAT_ID", "staff", "chat id"),
        ("DATABASE_URL", "mysql://localhost/x", "sqlite+aiosqlite"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("CARE_PROTOCOL", "cold-only", "'seed' or 'heat-first'"),
        ("EMERGENCY_NUMBER", "call someone", "emergency telephone number"),
        ("TELEGRAM_API_BASE_URL", "ftp://x", "http(s) URL"),
    ],
)
def test_a_bad_value_is_one_clear_line_and_exit_2(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    result = _run(tmp_path, "rules", **{variable: value})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_a_malformed_token_is_named_but_never_printed(tmp_path: Path) -> None:
    result = _run(tmp_path, "rules", TELEGRAM_BOT_TOKEN="not a token with secret-part")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "secret-part" not in result.stderr


def test_a_database_url_with_a_wrong_driver_is_shown_without_its_password(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, "migrate", DATABASE_URL="mysql://clinic:S3cret@db.example/bc")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "mysql://clinic:***@db.example/bc" in result.stderr
    assert "S3cret" not in result.stderr


def test_a_bad_pseudonym_secret_is_never_printed() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(admin_pseudonym_secret=["not", "a", "string", "hunter2"])
    assert "ADMIN_PSEUDONYM_SECRET" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_a_missing_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        load_settings().require_token()


def test_webhook_mode_names_what_it_misses_and_never_prints_the_secret(tmp_path: Path) -> None:
    token = {"TELEGRAM_BOT_TOKEN": "123456:ABC-DEF"}
    missing = _run(tmp_path, "webhook", **token)
    assert missing.returncode == 2
    assert "WEB_PUBLIC_URL is not set" in missing.stderr
    no_secret = _run(tmp_path, "webhook", WEB_PUBLIC_URL="https://bot.example.org", **token)
    assert no_secret.returncode == 2
    assert "WEB_SECRET is not set" in no_secret.stderr
    malformed = _run(tmp_path, "webhook", WEB_SECRET="has spaces/and slashes", **token)
    assert malformed.returncode == 2
    assert "WEB_SECRET is invalid" in malformed.stderr
    assert "spaces" not in malformed.stderr


def test_a_platforms_port_is_the_web_port(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().web.port == 8080
    monkeypatch.setenv("PORT", "5123")
    assert load_settings().web.port == 5123
    monkeypatch.setenv("WEB_PORT", "6000")
    assert load_settings().web.port == 6000


@pytest.mark.parametrize(
    ("published", "used"),
    [
        ("postgres://u:p@db.example:5432/bc", "postgresql+asyncpg://u:p@db.example:5432/bc"),
        (
            "postgresql://u:p@db.example/bc?sslmode=require",
            "postgresql+asyncpg://u:p@db.example/bc?ssl=require",
        ),
        ("postgresql+asyncpg://u@db/bc", "postgresql+asyncpg://u@db/bc"),
    ],
)
def test_a_platforms_postgresql_url_is_used_through_asyncpg(published: str, used: str) -> None:
    assert load_settings(database_url=published).database.url == used


def test_a_platforms_url_with_libpq_settings_asyncpg_refuses_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            database_url="postgresql://u:S3cret@db/bc?sslmode=require&channel_binding=require"
        )
    assert "DATABASE_URL is invalid" in str(raised.value)
    assert "S3cret" not in str(raised.value)
