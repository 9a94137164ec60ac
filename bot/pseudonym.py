"""Stable pseudonyms for admins: the same person always reads the same, and nobody can go back.

An HMAC of the internal person id under a per-deployment secret: alerts, stats and exports can
be joined by an operator without any Telegram id or name leaving the database. After /delete
the id is gone, and a new enrolment gets a new id and so a new pseudonym.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from bot.config import Settings

PSEUDONYM_LENGTH = 10
_OFFLINE_SECRET = "backcheck-without-a-token"
"""Only for runs with no token and no secret (the demo): nothing real is pseudonymised there."""


def _secret(settings: Settings) -> bytes:
    configured = settings.admin.pseudonym_secret or settings.telegram.bot_token
    value = configured.get_secret_value() if configured else _OFFLINE_SECRET
    return hashlib.sha256(b"backcheck-pseudonym:" + value.encode()).digest()


def pseudonym(settings: Settings, person_id: int) -> str:
    return pseudonymiser(settings)(person_id)


def pseudonymiser(settings: Settings) -> Callable[[int], str]:
    """:func:`pseudonym` with the key derived once, for an export's many people."""
    secret = _secret(settings)

    def of(person_id: int) -> str:
        digest = hmac.digest(secret, str(person_id).encode(), "sha256")
        # Base32 encodes 5 bytes at a time: the first 10 characters need only 7 of the 32.
        return "P-" + base64.b32encode(digest[:10]).decode()[:PSEUDONYM_LENGTH]

    return of
