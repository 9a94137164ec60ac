"""The webhook's inbox: updates stored as they arrive, handled in order, each once.

Telegram posts each update until it gets a 200 (at least once), to whichever web process its
connection reaches. Storing the update first makes a redelivery a no-op (its ``update_id`` is
already there) and a process that dies after answering Telegram loses nothing (another one
finds the update still open). A sender's updates are handled oldest first by the process that
holds the lease on the oldest open one: a second process that receives the same person's next
tap finds the head leased, leaves it, and the holder takes the new update after its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import rows_changed
from bot.db.models import InboxUpdate

_INBOX = cast(Table, InboxUpdate.__table__)


@dataclass(frozen=True, slots=True)
class Open:
    """A leased update, as handling it needs it."""

    update_id: int
    payload: dict[str, Any]


def sender_of(payload: dict[str, Any]) -> int:
    """The Telegram user (else chat) an update's payload comes from; 0 if it names neither."""
    for value in payload.values():
        if not isinstance(value, dict):
            continue
        for key in ("from", "user", "chat"):
            who = value.get(key)
            if isinstance(who, dict) and isinstance(who.get("id"), int):
                return int(who["id"])
    return 0


def _typed(*names: str) -> list[BindParameter[Any]]:
    return [bindparam(name, type_=_INBOX.c[name].type) for name in names]


# Text, compiled once: SQLAlchemy gives the dialects' ``Insert ... ON CONFLICT`` no cache key,
# so it was built and compiled again for every update (bot/queue/owed.py says the same).
_STORE = text(
    "INSERT INTO inbox (update_id, sender_id, payload, received_at) "
    "VALUES (:update_id, :sender_id, :payload, :received_at) "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
).bindparams(*_typed("update_id", "sender_id", "payload", "received_at"))

_LEASE_HEAD = (
    text(
        "UPDATE inbox SET claimed_by = :worker, lease_until = :lease_until "
        "WHERE update_id = (SELECT min(update_id) FROM inbox "
        "WHERE sender_id = :sender_id AND handled_at IS NULL) "
        "AND handled_at IS NULL "
        "AND (claimed_by IS NULL OR lease_until < :now) "
        "RETURNING update_id, payload"
    )
    .bindparams(
        bindparam("worker", type_=_INBOX.c.claimed_by.type),
        bindparam("now", type_=_INBOX.c.lease_until.type),
        *_typed("lease_until", "sender_id"),
    )
    .columns(_INBOX.c.update_id, _INBOX.c.payload)
)

_HANDLED = text(
    "UPDATE inbox SET handled_at = :handled_at, payload = NULL, claimed_by = NULL, "
    "lease_until = NULL WHERE update_id = :update_id AND claimed_by = :worker "
    "RETURNING update_id"
).bindparams(
    bindparam("worker", type_=_INBOX.c.claimed_by.type), *_typed("handled_at", "update_id")
)

_RENEW = text(
    "UPDATE inbox SET lease_until = :lease_until "
    "WHERE update_id = :update_id AND claimed_by = :worker AND handled_at IS NULL"
).bindparams(
    bindparam("worker", type_=_INBOX.c.claimed_by.type), *_typed("lease_until", "update_id")
)


async def store(session: AsyncSession, payload: dict[str, Any], now: datetime) -> bool:
    """Keep ``payload`` (an update as Telegram posted it); False if it was already kept."""
    values = {
        "update_id": int(payload["update_id"]),
        "sender_id": sender_of(payload),
        "payload": payload,
        "received_at": now,
    }
    return (await session.execute(_STORE, values)).first() is not None


async def lease_head(
    session: AsyncSession, sender_id: int, worker: str, now: datetime, lease: timedelta
) -> Open | None:
    """Lease the sender's oldest open update, unless another process holds it; then it is
    theirs, and so is every later update of the sender."""
    values = {"worker": worker, "now": now, "lease_until": now + lease, "sender_id": sender_id}
    row = (await session.execute(_LEASE_HEAD, values)).first()
    if row is None or row.payload is None:
        return None
    return Open(row.update_id, row.payload)


async def handled(session: AsyncSession, update_id: int, worker: str, now: datetime) -> bool:
    """The update has been handled: forget what it said, remember that it came. False if
    ``worker`` no longer held it (its lease ran out and another process took it)."""
    values = {"handled_at": now, "update_id": update_id, "worker": worker}
    return (await session.execute(_HANDLED, values)).first() is not None


async def renew(session: AsyncSession, update_id: int, worker: str, until: datetime) -> None:
    """Keep the lease of an update still being handled (an export can take a while)."""
    await session.execute(_RENEW, {"lease_until": until, "update_id": update_id, "worker": worker})


async def stranded(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Senders whose oldest open update nobody holds a live lease on (left by a process that
    died, or received as a drain was ending), the longest waiting first."""
    heads = (
        select(_INBOX.c.sender_id, func.min(_INBOX.c.update_id).label("head"))
        .where(_INBOX.c.handled_at.is_(None))
        .group_by(_INBOX.c.sender_id)
        .subquery()
    )
    statement = (
        select(_INBOX.c.sender_id)
        .join(heads, _INBOX.c.update_id == heads.c.head)
        .where(or_(_INBOX.c.lease_until.is_(None), _INBOX.c.lease_until < now))
        .order_by(_INBOX.c.received_at)
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())


async def release(session: AsyncSession, worker: str) -> None:
    """Hand back this process's leases (it is stopping): the updates are open to others now."""
    await session.execute(
        update(_INBOX)
        .where(_INBOX.c.claimed_by == worker, _INBOX.c.handled_at.is_(None))
        .values(claimed_by=None, lease_until=None)
    )


async def prune(session: AsyncSession, before: datetime, at_most: int) -> int:
    """Forget up to ``at_most`` of the handled updates received before ``before``; how many.
    Telegram stops redelivering an update long before a day has passed."""
    oldest = (
        select(_INBOX.c.update_id)
        .where(_INBOX.c.handled_at.is_not(None), _INBOX.c.received_at < before)
        .limit(at_most)
    )
    result = await session.execute(delete(_INBOX).where(_INBOX.c.update_id.in_(oldest)))
    return rows_changed(result)
