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

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Exists,
    Integer,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import rows_changed
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


@dataclass(frozen=True)
class Claimant:
    """A sender that takes what it posts straight into its own hands (see :func:`post`)."""

    worker: str
    lease: timedelta


async def post(
    session: AsyncSession,
    letters: Iterable[Letter],
    now: datetime,
    *,
    claimant: Claimant | None = None,
    chat_id: int | None = None,
) -> list[Claimed]:
    """Owe these messages, in this order, from ``now``.

    With a ``claimant``, the messages to ``chat_id`` are written already claimed by it when
    nothing earlier to that chat is unsettled (so nothing can go before them): the sender that
    is about to send them saves a claim, which on SQLite is a write transaction. They are
    returned; every other message is owed as usual.
    """
    letters = list(letters)
    if not letters:
        return []
    claiming = (
        claimant is not None
        and chat_id is not None
        and await session.scalar(_UNSETTLED_TO_CHAT, {"b_chat_id": chat_id}) is None
    )
    claimed_by, lease_until = None, None
    if claiming:
        assert claimant is not None
        claimed_by, lease_until = claimant.worker, now + claimant.lease
    rows = [
        {
            "chat_id": letter.chat_id,
            "person_id": letter.person_id,
            "kind": letter.kind,
            "priority": OUTBOX_PRIORITY[letter.kind],
            "payload": letter.payload,
            "attempts": 0,
            "due_at": now,
            "created_at": now,
            **(
                {
                    "status": OutboxStatus.CLAIMED,
                    "claimed_by": claimed_by,
                    "lease_until": lease_until,
                }
                if claiming and letter.chat_id == chat_id
                else {"status": OutboxStatus.PENDING, "claimed_by": None, "lease_until": None}
            ),
        }
        for letter in letters
    ]
    if not claiming:
        # An executemany runs the rows in order on both drivers, so ids follow the order the
        # turn said them in (and a batch of a thousand check-ins is one statement's worth).
        await session.execute(_OUTBOX.insert(), rows)
        return []
    # A turn's few messages, in the order given, with the claimed ones returned to send.
    inserted = await session.execute(_POST, rows)
    return [Claimed(*row[:-1]) for row in inserted if row[-1] is OutboxStatus.CLAIMED]


_EARLIER = _OUTBOX.alias("earlier")
_NOW = bindparam("b_now", type_=_OUTBOX.c.due_at.type)
_CHAT = bindparam("b_chat_id", type_=_OUTBOX.c.chat_id.type)
_HOLDING = bindparam("b_holding", type_=_OUTBOX.c.id.type)
_LIMIT = bindparam("b_limit", type_=Integer())


def _claiming(which: Select[tuple[int]]) -> Update:
    """Mark the rows ``which`` selects claimed by ``b_worker`` until ``b_lease_until``."""
    return (
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(which.with_for_update(skip_locked=True).scalar_subquery()))
        .values(
            status=OutboxStatus.CLAIMED,
            lease_until=bindparam("b_lease_until", type_=_OUTBOX.c.lease_until.type),
            claimed_by=bindparam("b_worker", type_=_OUTBOX.c.claimed_by.type),
        )
        .returning(*_CLAIMED_COLUMNS)
    )


def _earlier_to_the_chat(*condition: ColumnElement[bool]) -> Exists:
    return (
        select(_EARLIER.c.id)
        .where(_EARLIER.c.chat_id == _OUTBOX.c.chat_id, _EARLIER.c.id < _OUTBOX.c.id, *condition)
        .exists()
    )


_POST = _OUTBOX.insert().returning(
    *_CLAIMED_COLUMNS, _OUTBOX.c.status, sort_by_parameter_order=True
)
_UNSETTLED_TO_CHAT = (
    select(_OUTBOX.c.id)
    .where(_OUTBOX.c.chat_id == _CHAT, _OUTBOX.c.status.in_(_UNSETTLED))
    .limit(1)
)
_CLAIM_HEADS = _claiming(
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.status == OutboxStatus.PENDING,
        _OUTBOX.c.due_at <= _NOW,
        ~_earlier_to_the_chat(_EARLIER.c.status.in_(_UNSETTLED)),
    )
    .order_by(_OUTBOX.c.priority, _OUTBOX.c.id)
    .limit(_LIMIT)
)
"""Each chat's head (nothing earlier to it unsettled) that is due, escalations first.

Built once: statements are built and compiled once and reused with new values (building them
per call, with their aliased subqueries, was a quarter of a busy process's CPU)."""


def _claim_chat_statement(*, due_only: bool) -> Update:
    """A chat's pending messages with nothing earlier claimed (but the ``b_holding`` head) or,
    ``due_only``, waiting for its time; ``due_only`` takes only what is due itself."""
    blocking: ColumnElement[bool] = and_(
        _EARLIER.c.status == OutboxStatus.CLAIMED, _EARLIER.c.id != _HOLDING
    )
    conditions = [_OUTBOX.c.chat_id == _CHAT, _OUTBOX.c.status == OutboxStatus.PENDING]
    if due_only:
        blocking = or_(
            blocking, and_(_EARLIER.c.status == OutboxStatus.PENDING, _EARLIER.c.due_at > _NOW)
        )
        conditions.append(_OUTBOX.c.due_at <= _NOW)
    return _claiming(select(_OUTBOX.c.id).where(*conditions, ~_earlier_to_the_chat(blocking)))


_CLAIM_CHAT = {due_only: _claim_chat_statement(due_only=due_only) for due_only in (True, False)}
_LEASES_EXPIRED = and_(_OUTBOX.c.status == OutboxStatus.CLAIMED, _OUTBOX.c.lease_until < _NOW)
_OWED_AGAIN = (
    update(_OUTBOX)
    .where(_LEASES_EXPIRED)
    .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
)
_EARLIEST_PENDING = select(func.min(_OUTBOX.c.due_at)).where(
    _OUTBOX.c.status == OutboxStatus.PENDING
)
_ANY_LEASE_EXPIRED = select(_OUTBOX.c.id).where(_LEASES_EXPIRED).limit(1)


async def claim_heads(
    session: AsyncSession, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim up to ``limit`` due messages, one per chat (its head), escalations first.

    Messages whose sender's lease ran out are owed again first, so an escalation a dead sender
    held comes before any other message.
    """
    if not await anything_due(session, now):
        return []
    await session.execute(_OWED_AGAIN, {"b_now": now})
    return await _claim(session, _CLAIM_HEADS, {"b_now": now, "b_limit": limit}, worker, now, lease)


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
    values = {"b_now": now, "b_chat_id": chat_id, "b_holding": holding or 0}
    return await _claim(session, _CLAIM_CHAT[due_only], values, worker, now, lease)


async def _claim(
    session: AsyncSession,
    statement: Update,
    values: dict[str, Any],
    worker: str,
    now: datetime,
    lease: timedelta,
) -> list[Claimed]:
    claimed = await session.execute(
        statement, {**values, "b_worker": worker, "b_lease_until": now + lease}
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
    earliest = await session.scalar(_EARLIEST_PENDING)
    if earliest is not None and earliest <= now:
        return True
    return await session.scalar(_ANY_LEASE_EXPIRED, {"b_now": now}) is not None


async def next_due(session: AsyncSession) -> datetime | None:
    """When the outbox next has a message to send."""
    due_at: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return due_at


async def renew(
    session: AsyncSession,
    worker: str,
    now: datetime,
    lease: timedelta,
    passing_by: Sequence[int] = (),
) -> int:
    """Extend every claim ``worker`` holds but those ``passing_by`` (left to run out); how
    many it extended."""
    held = and_(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.CLAIMED)
    if passing_by:
        held = and_(held, OutboxMessage.id.not_in(passing_by))
    result = await session.execute(
        update(OutboxMessage).where(held).values(lease_until=now + lease)
    )
    return rows_changed(result)


_IDS: BindParameter[int] = bindparam("b_ids", expanding=True)
_FORGET = delete(_OUTBOX).where(_OUTBOX.c.id.in_(_IDS))
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(_IDS))
    .values(status=OutboxStatus.SENT, sent_at=_NOW, lease_until=None, claimed_by=None)
)
"""Core statements, built once: every message sent is marked, and an ORM-enabled UPDATE cost
a millisecond more per mark (BENCHMARKS.md, "Replies under load")."""


async def mark_sent(session: AsyncSession, rows: Sequence[Claimed], now: datetime) -> None:
    """Telegram has these messages. One to a chat whose person the bot keeps nothing about
    (consent declined, under 16, erased, never enrolled) is forgotten at once: its chat id is
    the last trace of them."""
    forgotten = {row.id for row in rows if row.person_id is None and row.kind != OutboxKind.ALERT}
    kept = [row.id for row in rows if row.id not in forgotten]
    if forgotten:
        await session.execute(_FORGET, {"b_ids": sorted(forgotten)})
    if kept:
        await session.execute(_MARK_SENT, {"b_ids": kept, "b_now": now})


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


async def release(session: AsyncSession, worker: str, ids: Sequence[int]) -> None:
    """Hand back messages ``worker`` holds: owed again at once, as they were, not after a
    lease. One whose lease ran out and that another sender claimed since stays theirs."""
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status == OutboxStatus.CLAIMED,
                OutboxMessage.claimed_by == worker,
            )
            .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
        )


async def release_worker(session: AsyncSession, worker: str) -> int:
    """Hand back everything ``worker`` still holds (it is stopping)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.CLAIMED)
        .values(status=OutboxStatus.PENDING, lease_until=None, claimed_by=None)
    )
    return rows_changed(result)


async def cancel_person(session: AsyncSession, person_id: int, error: str) -> list[Claimed]:
    """The person blocked the bot: nothing more goes to them. Returns the escalations (and
    the follow-up questions after them) that were still owed, for the operators to be told."""
    cancelled = await session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.person_id == person_id, _OUTBOX.c.status.in_(_UNSETTLED))
        .values(status=OutboxStatus.CANCELLED, lease_until=None, claimed_by=None, last_error=error)
        .returning(*_CLAIMED_COLUMNS)
    )
    return [
        row
        for row in sorted((Claimed(*row) for row in cancelled), key=lambda row: row.id)
        if row.kind in (OutboxKind.ESCALATION, OutboxKind.FOLLOW_UP)
    ]


async def requeue_failed(session: AsyncSession, now: datetime) -> int:
    """Owe every given-up message again, now, with its attempts reset."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, due_at=now, attempts=0, last_error=None)
    )
    return rows_changed(result)


async def prune_sent(session: AsyncSession, before: datetime, at_most: int) -> int:
    """Forget up to ``at_most`` of the messages Telegram had before ``before``; how many. What
    a person was told is kept in the rows it came from (check-ins, escalations), not here. A
    few at a time, because a day's wave is tens of thousands of rows, and on SQLite one
    ``DELETE`` of them all would hold the write lock, and the event loop, for seconds."""
    oldest = (
        select(_OUTBOX.c.id)
        .where(
            _OUTBOX.c.status.in_((OutboxStatus.SENT, OutboxStatus.CANCELLED)),
            _OUTBOX.c.created_at < before,
        )
        .limit(at_most)
    )
    result = await session.execute(delete(_OUTBOX).where(_OUTBOX.c.id.in_(oldest)))
    return rows_changed(result)
