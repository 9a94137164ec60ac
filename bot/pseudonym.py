"""Stable pseudonyms for admins: the same person always reads the same, and nobody can go back.

An HMAC of the internal person id and the moment the person first wrote, under a
per-deployment secret: alerts, stats and exports can be joined by an operator without any
Telegram id or name leaving the database. The moment is part of it because SQLite hands the
id of a deleted newest row to the next one: after /delete, whoever enrols next must not inherit
the erased person's pseudonym, and with it their past alerts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from bot.config import Settings

PSEUDONYM_LENGTH = 10
_OFFLINE_SECRET = "backcheck-without-a-token"
"""Only for runs with no token and no secret (the demo): nothing real is pseudonymised there."""


def _secret(settings: Settings) -> bytes:
    configured = settings.admin.pseudonym_secret or settings.telegram.bot_token
    value = configured.get_secret_value() if configured else _OFFLINE_SECRET
    return hashlib.sha256(b"backcheck-pseudonym:" + value.encode()).digest()


def pseudonym(settings: Settings, person_id: int, created_at: datetime) -> str:
    return pseudonymiser(settings)(person_id, created_at)


def pseudonymiser(settings: Settings) -> Callable[[int, datetime], str]:
    """:func:`pseudonym` with the key derived once, for an export's many people."""
    secret = _secret(settings)

    def of(person_id: int, created_at: datetime) -> str:
        # Whole microseconds since the epoch: the same on both databases, whatever the zone.
        moment = round(created_at.timestamp() * 1_000_000)
        digest = hmac.digest(secret, f"{person_id}:{moment}".encode(), "sha256")
        # Base32 encodes 5 bytes at a time: the first 10 characters need only 7 of the 32.
        return "P-" + base64.b32encode(digest[:10]).decode()[:PSEUDONYM_LENGTH]

    return of
