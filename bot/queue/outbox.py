"""The outbox's rows: every message the bot has decided to send, until Telegram has it.

A turn writes its messages here in the same transaction as the answer that caused them, so a
crash, a failed send or a lost connection can never lose one: whatever is not marked sent is
still owed. Each chat's messages go out in ``id`` order (a chat's *head* is its oldest message
not yet settled), so a retried escalation is never overtaken by a later reply.

A claim is a lease held by one sender (``claimed_by``), renewed while it works
(:func:`renew`) and released when it stops (:func:`release_worker`), so a dead sender's
messages are owed again within one lease, not lost and not waited for long.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import OUTBOX_PRIORITY, OutboxKind, OutboxMessage, OutboxStatus

_OUTBOX = cast(Table, OutboxMessage.__table__)
_UNSETTLED = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)


@dataclass(frozen=True)
class Letter:
    """A message to post: where it goes, what it is, and what it says (see ``payload``)."""

    chat_id: int
    person_id: int | None
    kind: OutboxKind
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed outbox row, as sending it needs it."""

    id: int
    chat_id: int
    person_id: int | None
    kind: OutboxKind
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


_CLAIMED_COLUMNS = [_OUTBOX.c[name] for name in Claimed.__slots__]


async def post(session: AsyncSession, letters: Iterable[Letter], now: datetime) -> None:
    """Owe these messages, in this order, from ``now``."""
    rows = [
        {
            "chat_id": letter.chat_id,
            "person_id": letter.person_id,
            "kind": letter.kind,
            "priority": OUTBOX_PRIORITY[letter.kind],
            "payload": letter.payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
        }
        for letter in letters
    ]
    if rows:
        # An executemany runs the rows in order on both drivers, so ids follow the order the
        # turn said them in.
        await session.execute(_OUTBOX.insert(), rows)


def _nothing_earlier_waits(
    now: datetime, *, due_only: bool, holding: int | None
) -> ColumnElement[bool]:
    """Nothing earlier to the same chat is claimed (but ``holding``, the head the caller holds
    and is about to send), or (``due_only``) still waiting for its time.

    Earlier messages claimed in the same statement do not block: they are sent first.
    """
    earlier = aliased(OutboxMessage)
    blocking: ColumnElement[bool] = earlier.status == OutboxStatus.CLAIMED
    if holding is not None:
        blocking = and_(blocking, earlier.id != holding)
    if due_only:
        blocking = or_(blocking, and_(earlier.status == OutboxStatus.PENDING, earlier.due_at > now))
    return ~(
        select(earlier.id)
        .where(earlier.chat_id == OutboxMessage.chat_id, earlier.id < OutboxMessage.id, blocking)
        .exists()
    )


async def claim_heads(
    session: AsyncSession, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim up to ``limit`` due messages, one per chat (its head), escalations first.

    Messages whose sender's lease ran out are owed again first, so an escalation a dead sender
    held comes before any other message.
    """
    if not await anything_due(session, now):
        return []
    await session.execute(
        update(OutboxMessage)
        .where(_lease_expired(now))
        .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
    )
    earlier = aliased(OutboxMessage)
    no_earlier_unsettled = ~(
        select(earlier.id)
        .where(
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(_UNSETTLED),
        )
        .exists()
    )
    heads = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at <= now,
            no_earlier_unsettled,
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _claim(session, _OUTBOX.c.id.in_(heads.scalar_subquery()), worker, now, lease)


async def claim_chat(
    session: AsyncSession,
    chat_id: int,
    worker: str,
    now: datetime,
    *,
    due_only: bool,
    lease: timedelta,
    holding: int | None = None,
) -> list[Claimed]:
    """Claim a chat's pending messages that may go now, in ``id`` order.

    ``due_only`` False is the fast path after a turn: everything pending for the chat goes now,
    waiting retries included (the person is here, so try again). Nothing is claimed while an
    earlier message is claimed and not yet sent, but for ``holding``: the chat's head, which the
    caller has claimed and sends first.
    """
    condition = and_(
        OutboxMessage.chat_id == chat_id,
        OutboxMessage.status == OutboxStatus.PENDING,
        _nothing_earlier_waits(now, due_only=due_only, holding=holding),
    )
    if due_only:
        condition = and_(condition, OutboxMessage.due_at <= now)
    mine = select(OutboxMessage.id).where(condition).with_for_update(skip_locked=True)
    return await _claim(session, _OUTBOX.c.id.in_(mine.scalar_subquery()), worker, now, lease)


async def _claim(
    session: AsyncSession,
    which: ColumnElement[bool],
    worker: str,
    now: datetime,
    lease: timedelta,
) -> list[Claimed]:
    claimed = await session.execute(
        update(_OUTBOX)
        .where(which)
        .values(status=OutboxStatus.CLAIMED, lease_until=now + lease, claimed_by=worker)
        .returning(*_CLAIMED_COLUMNS)
    )
    return sorted((Claimed(*row) for row in claimed), key=lambda row: row.id)


async def chats_with_more(session: AsyncSession, chat_ids: Sequence[int]) -> set[int]:
    """Which of these chats have pending messages besides the ones just claimed."""
    if not chat_ids:
        return set()
    rows = await session.scalars(
        select(OutboxMessage.chat_id)
        .where(OutboxMessage.chat_id.in_(chat_ids), OutboxMessage.status == OutboxStatus.PENDING)
        .distinct()
    )
    return set(rows)


async def anything_due(session: AsyncSession, now: datetime) -> bool:
    """Two index probes: a pending message due by now, or a lease that has run out."""
    earliest = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    if earliest is not None and earliest <= now:
        return True
    expired = await session.scalar(select(OutboxMessage.id).where(_lease_expired(now)).limit(1))
    return expired is not None


async def next_due(session: AsyncSession) -> datetime | None:
    """When the outbox next has a message to send."""
    due_at: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return due_at


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.lease_until < now)


async def renew(session: AsyncSession, worker: str, now: datetime, lease: timedelta) -> int:
    """Extend every claim ``worker`` holds; how many it holds."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.CLAIMED)
        .values(lease_until=now + lease)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_sent(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Telegram has these messages. One to a chat whose person the bot keeps nothing about
    (consent declined, under 16, erased, never enrolled) is forgotten at once: its chat id is
    the last trace of them."""
    if ids:
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.person_id.is_(None),
                OutboxMessage.kind != OutboxKind.ALERT,
            )
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.SENT, sent_at=now, lease_until=None, claimed_by=None)
        )


async def retry_at(
    session: AsyncSession, row_id: int, when: datetime, error: str, *, attempt: bool
) -> None:
    """Owe the message again at ``when``; ``attempt`` counts this failure against it (a 429
    does not: Telegram only asked to wait)."""
    await session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == row_id)
        .values(
            status=OutboxStatus.PENDING,
            due_at=when,
            lease_until=None,
            claimed_by=None,
            last_error=error[:200],
            attempts=_OUTBOX.c.attempts + (1 if attempt else 0),
        )
    )


async def settle(
    session: AsyncSession, ids: Sequence[int], status: OutboxStatus, error: str
) -> None:
    """Stop owing these messages: given up (FAILED) or not to be sent (CANCELLED)."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=status, lease_until=None, claimed_by=None, last_error=error[:200])
        )


async def release(session: AsyncSession, ids: Sequence[int]) -> None:
    """Hand claimed messages back: owed again at once, as they were, not after a lease."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.CLAIMED)
            .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
        )


async def release_worker(session: AsyncSession, worker: str) -> int:
    """Hand back everything ``worker`` still holds (it is stopping)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.CLAIMED)
        .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_person(session: AsyncSession, person_id: int, error: str) -> list[Claimed]:
    """The person blocked the bot: nothing more goes to them. Returns the escalations that
    were still owed, for the operators to be told."""
    cancelled = await session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.person_id == person_id, _OUTBOX.c.status.in_(_UNSETTLED))
        .values(status=OutboxStatus.CANCELLED, lease_until=None, claimed_by=None, last_error=error)
        .returning(*_CLAIMED_COLUMNS)
    )
    return [
        row
        for row in sorted((Claimed(*row) for row in cancelled), key=lambda row: row.id)
        if row.kind is OutboxKind.ESCALATION
    ]


async def requeue_failed(session: AsyncSession, now: datetime) -> int:
    """Owe every given-up message again, now, with its attempts reset."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, due_at=now, attempts=0, last_error=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_sent(session: AsyncSession, before: datetime) -> None:
    """Forget messages Telegram had before ``before``: what a person was told is kept in the
    rows it came from (check-ins, escalations), not in the outbox."""
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.CANCELLED)),
            OutboxMessage.created_at < before,
        )
    )
