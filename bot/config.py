"""Deployment settings, read from the environment and an optional ``.env`` file.

Each concern is its own settings class with its own prefix, so a variable's name says what it
configures. A wrong value must stop the bot before it talks to anyone: ``load_settings`` turns
pydantic's report into one line that names the variable and what it expects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.care.phases import Protocol
from bot.i18n import SOURCE_LANGUAGE, languages, supported

OFFICIAL_API_BASE_URL = "https://api.telegram.org/bot"
FREE_BULK_RATE = 30
"""Telegram: "no more than 30 messages per second" to many users, without paid broadcasts."""
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///backcheck.db"
_SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
_S = TypeVar("_S", bound=BaseSettings)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class _EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)


class TelegramSettings(_EnvSettings, env_prefix="TELEGRAM_"):
    bot_token: SecretStr | None = Field(
        default=None,
        description="the bot token from @BotFather, like 123456:ABC-DEF",
    )
    api_base_url: str = Field(
        default=OFFICIAL_API_BASE_URL,
        description="an http(s) URL of a Bot API server ending before the token, "
        "like https://api.telegram.org/bot",
    )

    rate_limits: bool = Field(
        default=True,
        description="true or false: keep under Telegram's limits (false only for a local "
        "Bot API server, tests or benchmarks)",
    )
    paid_broadcast: bool = Field(
        default=False,
        description="true or false: send the due queue as Telegram paid broadcasts (0.1 "
        "Telegram Stars a message), which allows TELEGRAM_BULK_RATE up to 1000",
    )
    bulk_rate: float = Field(
        default=30,
        gt=0,
        le=1000,
        description="messages a second the due queue sends (check-ins, reminders, tips), at "
        "most 30 unless TELEGRAM_PAID_BROADCAST is true (then at most 1000)",
    )
    send_timeout: float = Field(
        default=30,
        gt=0,
        le=300,
        description="seconds to wait for Telegram's answer to a send before trying again, "
        "like 30 (a slower answer that succeeded is then sent twice)",
    )
    poll_interval: float = Field(
        default=0.05,
        ge=0,
        le=5,
        description="seconds between one long poll's answer and the next poll, like 0.05: "
        "when many people write at once, each poll then brings several updates, not one",
    )

    @field_validator("bulk_rate")
    @classmethod
    def _bulk_within_telegram(cls, value: float, info: ValidationInfo) -> float:
        if value > FREE_BULK_RATE and not info.data.get("paid_broadcast"):
            raise ValueError(f"above {FREE_BULK_RATE} needs TELEGRAM_PAID_BROADCAST=true")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value.get_secret_value()):
            raise ValueError("not a bot token")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("not an http(s) URL")
        return value


class DatabaseSettings(_EnvSettings, env_prefix="DATABASE_"):
    url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="an async SQLAlchemy URL: sqlite+aiosqlite:///FILE or "
        "postgresql+asyncpg://USER@HOST/DB (a postgres:// URL may carry sslmode, no other "
        "libpq setting)",
    )

    sqlite_busy_timeout: float = Field(
        default=5,
        gt=0,
        le=600,
        description="seconds a SQLite write waits for another writer before it fails (and is "
        "retried within DATABASE_RETRY_SECONDS)",
    )
    pool_size: int = Field(
        default=10,
        ge=1,
        le=100,
        description="PostgreSQL connections each process keeps open (turns beyond it wait "
        "for one); SQLite always has one writer connection",
    )
    retry_seconds: float = Field(
        default=15,
        ge=0,
        le=600,
        description="seconds an answer whose transaction failed on a passing database fault "
        "(connection lost, database busy) is tried again before the person is asked to resend",
    )

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Platforms publish a PostgreSQL database as postgres:// or postgresql:// (libpq's
        # form): the same database through asyncpg, which calls libpq's sslmode ssl.
        for plain in ("postgres://", "postgresql://"):
            if value.startswith(plain):
                parts = urlsplit("postgresql+asyncpg://" + value.removeprefix(plain))
                query = parse_qsl(parts.query, keep_blank_values=True)
                if any(name != "sslmode" for name, _setting in query):
                    # libpq's other settings (channel_binding, options, ...) would fail at
                    # the first connection, not here: asyncpg takes none of them.
                    raise ValueError("a libpq setting asyncpg does not take")
                ssl = [("ssl", setting) for _name, setting in query]
                value = urlunsplit(parts._replace(query=urlencode(ssl)))
        if not value.startswith(tuple(f"{driver}://" for driver in _SUPPORTED_DRIVERS)):
            raise ValueError("unsupported driver")
        return value


class QueueSettings(_EnvSettings, env_prefix="QUEUE_"):
    lease_seconds: float = Field(
        default=30,
        ge=1,
        le=600,
        description="seconds a worker's claim on what is due lasts unless renewed, like 30: a "
        "killed worker's messages are sent by another after this",
    )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


class AdminSettings(_EnvSettings, env_prefix="ADMIN_"):
    ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(),
        description="comma-separated Telegram user ids of the operator's admins, like 1234,5678",
    )
    alert_chat_id: int | None = Field(
        default=None,
        description="the Telegram chat id (a number) where admins get alerts",
    )

    digest_time: time = Field(
        default=time(8, 0),
        description="the local time (DEFAULT_TIMEZONE) of the admins' daily digest, like 08:00",
    )
    pseudonym_secret: SecretStr | None = Field(
        default=None,
        description="a long random string that keys the pseudonyms admins see "
        "(default: derived from the bot token)",
    )

    language: str = Field(
        default=SOURCE_LANGUAGE,
        description="the language of the admins' stats, alerts and digest, like en or de "
        "(one of the languages BackCheck speaks: python -m bot rules lists them)",
    )

    @field_validator("language")
    @classmethod
    def _spoken(cls, value: str) -> str:
        language = supported(value)
        if language is None:
            raise ValueError(f"not one of {', '.join(languages())}")
        return language

    @field_validator("ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.split(",") if part.strip())
        return value


class CareSettings(_EnvSettings):
    emergency_number: str | None = Field(
        default=None,
        description="an emergency telephone number for everyone, like 112 or 999 (unset: each "
        "person's country's number, from their time zone)",
    )
    urgent_care_text: str | None = Field(
        default=None,
        description="who to contact for same-day care, for everyone, in plain words, like "
        "'NHS 111' (unset: each person's country's wording)",
    )
    default_timezone: str = Field(
        default="UTC",
        description="an IANA time zone name, like Europe/London",
    )
    care_protocol: Protocol = Field(
        default=Protocol.SEED,
        description="the care protocol: 'seed' or 'heat-first'",
    )

    allow_protocol_choice: bool = Field(
        default=False,
        description="true or false: may people choose ice-then-heat or heat-first in /settings",
    )
    retention_days: int = Field(
        default=365,
        ge=30,
        le=3650,
        description="days a person's data is kept after their follow-up ends, like 365; then "
        "it is erased as /delete erases it",
    )

    @field_validator("emergency_number")
    @classmethod
    def _phone_number(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{2,6}", value):
            raise ValueError("not a short emergency number")
        return value

    @field_validator("urgent_care_text")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("empty")
        return value.strip()

    @field_validator("default_timezone")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value


class WebSettings(_EnvSettings, env_prefix="WEB_"):
    public_url: str | None = Field(
        default=None,
        description="the https URL Telegram posts updates to, before the path, like "
        "https://bot.example.org (webhook mode)",
    )
    secret: SecretStr | None = Field(
        default=None,
        description="1 to 256 characters of A-Z, a-z, 0-9, _ and -: Telegram sends it with "
        "every update (X-Telegram-Bot-Api-Secret-Token) and the path is made from it",
    )
    host: str = Field(default="0.0.0.0", description="the address the web process listens on")
    port: int = Field(
        default=8080,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("WEB_PORT", "PORT", "port"),
        description="the port the web process listens on (a platform's PORT is taken too)",
    )
    max_connections: int = Field(
        default=40,
        ge=1,
        le=100,
        description="connections Telegram may open to the webhook at once, 1 to 100",
    )
    health_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="a port for /healthz, /readyz and /metrics of a worker or run process",
    )
    ready_escalation_age: float = Field(
        default=120,
        gt=0,
        description="seconds an owed escalation may wait before /readyz says unready",
    )

    @field_validator("secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        shape = r"[A-Za-z0-9_-]{1,256}"
        if value is not None and not re.fullmatch(shape, value.get_secret_value()):
            raise ValueError("not a webhook secret")
        return value

    @field_validator("public_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/") if value else value


class LogSettings(_EnvSettings, env_prefix="LOG_"):
    format: Literal["text", "json"] = Field(
        default="text",
        description="text (a line for people) or json (one JSON object a line, for a log "
        "aggregator)",
    )


@dataclass(frozen=True)
class Settings:
    """Every setting of a deployment, grouped by concern."""

    telegram: TelegramSettings
    database: DatabaseSettings
    queue: QueueSettings
    admin: AdminSettings
    care: CareSettings
    web: WebSettings
    log: LogSettings

    def require_token(self) -> SecretStr:
        """The token, for commands that talk to Telegram; a missing one is a config error."""
        if self.telegram.bot_token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: expected "
                + _describe(TelegramSettings, "bot_token")
            )
        return self.telegram.bot_token

    def require_webhook(self) -> tuple[str, SecretStr]:
        """The public URL and the secret, for webhook mode; a missing one is a config error."""
        url, secret = self.web.public_url, self.web.secret
        if url is None:
            raise _unset(WebSettings, "public_url")
        if secret is None:
            raise _unset(WebSettings, "secret")
        return url, secret

    def require_pseudonym_key(self) -> None:
        """Pseudonyms written outside the bot must match the bot's own, so they need the same
        key: ADMIN_PSEUDONYM_SECRET, or the token it falls back to."""
        if self.admin.pseudonym_secret is None and self.telegram.bot_token is None:
            raise ConfigError(
                "ADMIN_PSEUDONYM_SECRET (or TELEGRAM_BOT_TOKEN) is not set: expected "
                + _describe(AdminSettings, "pseudonym_secret")
            )


_SECRET_FIELDS = frozenset({"bot_token", "pseudonym_secret", "secret"})
"""Settings whose value is never shown, not even when it is wrong."""


def _masked(value: object) -> object:
    """``value`` with the password of a URL in it replaced by ``***`` (a DATABASE_URL with a
    wrong driver must not print the database's password)."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    try:
        password = parts.password
    except ValueError:
        return value
    if not password:
        return value
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _describe(settings_class: type[BaseSettings], field: str) -> str:
    description = settings_class.model_fields[field].description
    return description or "a valid value"


def _unset(settings_class: type[BaseSettings], field: str) -> ConfigError:
    return ConfigError(
        f"{_env_name(settings_class, field)} is not set: expected "
        + _describe(settings_class, field)
    )


def _env_name(settings_class: type[BaseSettings], field: str) -> str:
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    return f"{prefix}{field}".upper()


def _load(settings_class: type[_S], overrides: dict[str, Any]) -> _S:
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        value = first.get("input")
        shown = "" if field in _SECRET_FIELDS else f", got {_masked(value)!r}"
        raise ConfigError(
            f"{_env_name(settings_class, field)} is invalid{shown}: expected "
            + _describe(settings_class, field)
        ) from None


def load_settings(**overrides: Any) -> Settings:
    """Read every setting; keyword overrides (``database_url=...``) win over the environment.

    Raises ConfigError with one line for the operator; never a traceback.
    """
    groups: dict[type[BaseSettings], dict[str, Any]] = {
        TelegramSettings: {},
        DatabaseSettings: {},
        QueueSettings: {},
        AdminSettings: {},
        CareSettings: {},
        WebSettings: {},
        LogSettings: {},
    }
    for key, value in overrides.items():
        for settings_class, values in groups.items():
            prefix = str(settings_class.model_config.get("env_prefix", "")).lower()
            name = key.removeprefix(prefix)
            if key.startswith(prefix) and name in settings_class.model_fields:
                values[name] = value
                break
        else:
            raise TypeError(f"unknown setting {key}")
    return Settings(
        telegram=_load(TelegramSettings, groups[TelegramSettings]),
        database=_load(DatabaseSettings, groups[DatabaseSettings]),
        queue=_load(QueueSettings, groups[QueueSettings]),
        admin=_load(AdminSettings, groups[AdminSettings]),
        care=_load(CareSettings, groups[CareSettings]),
        web=_load(WebSettings, groups[WebSettings]),
        log=_load(LogSettings, groups[LogSettings]),
    )
