"""The due queue's operations: owe a message at a time, claim what is due, settle it.

A due row says what is owed and when (a check-in at 09:00); what it says is decided only when
it is due, and then written to the outbox (:mod:`bot.queue.outbox`) in the same transaction that
settles the row. A claim is a lease: rows are marked ``claimed`` with a ``lease_until`` in one
short transaction and settled in the next; a worker that dies in between leaves claimed rows
whose lease runs out, and the next claim takes them again.
PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so workers never wait for each other's rows;
SQLite has one writer at a time (``BEGIN IMMEDIATE``), which serialises claims the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import rows_changed
from bot.db.models import DUE_PRIORITY, DueKind, DueMessage, DueStatus, Person

_DUE_MESSAGES = cast(Table, DueMessage.__table__)
"""The queue's table, for Core executemany updates (the ORM would want one row per object)."""

_OWE_COLUMNS = (
    "person_id",
    "kind",
    "slot",
    "due_at",
    "priority",
    "status",
    "attempts",
    "payload",
    "created_at",
)
_OWE_CONFLICT = (
    "ON CONFLICT (person_id, kind, slot) DO UPDATE SET status = excluded.status, "
    "due_at = excluded.due_at, lease_until = NULL "
    "WHERE due_messages.status = :cancelled"
)
"""A key already owed is left as it is, unless it was cancelled: then it is owed again. Its
``attempts`` go on counting: each claim's count is the token settling checks (:func:`settle`),
so a count must never come round again."""
_CANCELLED = bindparam("cancelled", DueStatus.CANCELLED, type_=_DUE_MESSAGES.c.status.type)

_OWE = text(
    f"INSERT INTO due_messages ({', '.join(_OWE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _OWE_COLUMNS)}) {_OWE_CONFLICT}"
).bindparams(
    *(bindparam(name, type_=_DUE_MESSAGES.c[name].type) for name in _OWE_COLUMNS), _CANCELLED
)
"""One row per execution (SQLite: an executemany in process costs little).

Text, not ``sqlite.insert(...).on_conflict_do_update``: SQLAlchemy 2.0 gives the dialects'
``Insert`` no cache key, so that statement was built and compiled again on every call (~1.2 ms
on PostgreSQL). Text is compiled once, and its bound types still convert enums, times and JSON.
"""

_OWE_POSTGRESQL = text(
    f"INSERT INTO due_messages ({', '.join(_OWE_COLUMNS)}) "
    "SELECT person_id, kind, slot, due_at, priority, :status, 0, CAST(payload AS JSON), "
    ":created_at FROM unnest(CAST(:person_id AS INTEGER[]), CAST(:kind AS TEXT[]), "
    "CAST(:slot AS TEXT[]), CAST(:due_at AS TIMESTAMPTZ[]), CAST(:priority AS INTEGER[]), "
    "CAST(:payload AS TEXT[])) AS owed(person_id, kind, slot, due_at, priority, payload) "
    f"{_OWE_CONFLICT}"
).bindparams(
    bindparam("status", type_=_DUE_MESSAGES.c.status.type),
    bindparam("created_at", type_=_DUE_MESSAGES.c.created_at.type),
    _CANCELLED,
)
"""Every row in one statement, each column as an array.

As an executemany, PostgreSQL ran one upsert per row: ~80 us a row, the largest statement of
a batch's prepare (BENCHMARKS.md). One statement must not meet the same key twice, so
:func:`owe` keeps the first of any duplicates, as the executemany's later rows would have
been left as they were.
"""


@dataclass(frozen=True)
class Owed:
    """A message to owe someone: the queue row without its bookkeeping."""

    person_id: int
    kind: DueKind
    slot: str
    due_at: datetime
    payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed queue row, as preparing and sending it need it.

    Plain values, not a ``DueMessage``: a batch's rows are read once and never changed through
    the ORM, so its identity map and attribute instrumentation were pure cost (BENCHMARKS.md).
    """

    id: int
    person_id: int
    kind: DueKind
    slot: str
    due_at: datetime
    priority: int
    attempts: int
    payload: dict[str, Any]


_CLAIMED_COLUMNS = [_DUE_MESSAGES.c[name] for name in Claimed.__slots__]


async def owe(session: AsyncSession, owed: Iterable[Owed], now: datetime) -> None:
    """Owe each message once: a key (person, kind, slot) already owed is left as it is,
    unless it was cancelled, when it is owed again at the new time."""
    unique: dict[tuple[int, DueKind, str], Owed] = {}
    for item in owed:
        unique.setdefault((item.person_id, item.kind, item.slot), item)
    if not unique:
        return
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            _OWE_POSTGRESQL,
            {
                "person_id": [item.person_id for item in unique.values()],
                "kind": [item.kind.value for item in unique.values()],
                "slot": [item.slot for item in unique.values()],
                "due_at": [item.due_at for item in unique.values()],
                "priority": [DUE_PRIORITY[item.kind] for item in unique.values()],
                "payload": [json.dumps(item.payload or {}) for item in unique.values()],
                "status": DueStatus.PENDING,
                "created_at": now,
            },
        )
        return
    rows = [
        {
            "person_id": item.person_id,
            "kind": item.kind,
            "slot": item.slot,
            "due_at": item.due_at,
            "priority": DUE_PRIORITY[item.kind],
            "status": DueStatus.PENDING,
            "attempts": 0,
            "payload": item.payload or {},
            "created_at": now,
        }
        for item in unique.values()
    ]
    await session.execute(_OWE, rows)


async def cancel(
    session: AsyncSession, person_id: int, kinds: Sequence[DueKind] | None = None
) -> None:
    """Stop owing a person's pending messages (all of them, or of these kinds). A Core
    statement: every finished check-in runs it, and the ORM's costs a millisecond more."""
    table = _DUE_MESSAGES.c
    condition = and_(table.person_id == person_id, table.status == DueStatus.PENDING)
    if kinds is not None:
        condition = and_(condition, table.kind.in_(kinds))
    await session.execute(update(_DUE_MESSAGES).where(condition).values(status=DueStatus.CANCELLED))


async def claim(
    session: AsyncSession, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim up to ``limit`` due rows, escalations first, then oldest first.

    Rows whose lease has run out (their worker died between claim and send) are due again.
    An idle tick costs two index probes and writes nothing.
    """
    if not await _anything_due(session, now):
        return []
    await session.execute(
        update(DueMessage).where(_lease_expired(now)).values(status=DueStatus.PENDING)
    )
    due = (
        select(DueMessage.id)
        .where(DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= now)
        .order_by(DueMessage.priority, DueMessage.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(_DUE_MESSAGES)
        .where(_DUE_MESSAGES.c.id.in_(due.scalar_subquery()))
        .values(
            status=DueStatus.CLAIMED,
            lease_until=now + lease,
            attempts=_DUE_MESSAGES.c.attempts + 1,
        )
        .returning(*_CLAIMED_COLUMNS)
    )
    return sorted((Claimed(*row) for row in claimed), key=lambda row: (row.priority, row.due_at))


async def next_due(session: AsyncSession) -> datetime | None:
    """When the queue next owes anyone a message."""
    due_at: datetime | None = await session.scalar(
        select(func.min(DueMessage.due_at)).where(DueMessage.status == DueStatus.PENDING)
    )
    return due_at


async def _anything_due(session: AsyncSession, now: datetime) -> bool:
    """Two index probes: the earliest pending due time (``ix_due_messages_status_due_at``
    answers MIN directly) and any lease that has run out (claimed rows are few)."""
    earliest = await session.scalar(
        select(func.min(DueMessage.due_at)).where(DueMessage.status == DueStatus.PENDING)
    )
    if earliest is not None and earliest <= now:
        return True
    expired = await session.scalar(select(DueMessage.id).where(_lease_expired(now)).limit(1))
    return expired is not None


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    """Claimed rows whose lease has run out.

    ``due_at < now`` follows from the rest (a row is claimed once due, and its lease ends
    later still) but lets SQLite seek ``ix_due_messages_status_due_at``: with statistics from
    when every row was pending, it otherwise scanned the whole queue, on every tick
    (BENCHMARKS.md).
    """
    return and_(
        DueMessage.status == DueStatus.CLAIMED,
        DueMessage.due_at < now,
        DueMessage.lease_until < now,
    )


class ClaimLost(Exception):
    """A row's lease ran out while it was being decided, and another worker claimed it since:
    what was decided for it must not be committed, or the person would be told twice."""


def _still_held(rows: Sequence[Claimed]) -> ColumnElement[bool]:
    """These rows, each still under the claim that returned it: every claim counts an
    attempt, and nothing sets the count back, so a row claimed again since has another
    ``attempts``. (``id IN`` as well lets SQLite find them by their key, not among every
    claimed row.)"""
    return and_(
        _DUE_MESSAGES.c.id.in_([row.id for row in rows]),
        _DUE_MESSAGES.c.status == DueStatus.CLAIMED,
        tuple_(_DUE_MESSAGES.c.id, _DUE_MESSAGES.c.attempts).in_(
            [(row.id, row.attempts) for row in rows]
        ),
    )


async def settle(
    session: AsyncSession, rows: Sequence[Claimed], status: DueStatus, now: datetime
) -> None:
    """Record the outcome of claimed rows: sent (to the outbox), cancelled (nothing to say).
    Raises :class:`ClaimLost` if any of them was claimed again since."""
    if not rows:
        return
    result = await session.execute(
        update(_DUE_MESSAGES)
        .where(_still_held(rows))
        .values(
            status=status,
            lease_until=None,
            sent_at=now if status is DueStatus.SENT else None,
        )
    )
    if rows_changed(result) != len(rows):
        raise ClaimLost(f"{len(rows)} queue rows were claimed again since")


async def fail(session: AsyncSession, failures: Sequence[tuple[Claimed, str]]) -> None:
    """Give up on claimed rows: (row, why) each. A row claimed again since is left to
    whoever holds it now."""
    for row, error in failures:
        await session.execute(
            update(_DUE_MESSAGES)
            .where(_still_held([row]))
            .values(status=DueStatus.FAILED, lease_until=None, last_error=error[:200])
        )


async def requeue_failed(session: AsyncSession, now: datetime) -> int:
    """Owe every row that could not be decided again, now."""
    result = await session.execute(
        update(DueMessage)
        .where(DueMessage.status == DueStatus.FAILED)
        .values(status=DueStatus.PENDING, due_at=now, lease_until=None)
    )
    return rows_changed(result)


async def mark_blocked(session: AsyncSession, person_ids: Iterable[int], now: datetime) -> None:
    """These people blocked the bot: stop owing them anything until they /start again."""
    ids = sorted(person_ids)
    if not ids:
        return
    await session.execute(
        update(Person).where(Person.id.in_(ids), Person.blocked_at.is_(None)).values(blocked_at=now)
    )
    await session.execute(
        update(DueMessage)
        .where(DueMessage.person_id.in_(ids), DueMessage.status == DueStatus.PENDING)
        .values(status=DueStatus.CANCELLED)
    )
