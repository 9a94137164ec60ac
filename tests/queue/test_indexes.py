"""The queue's hot queries are answered from indexes, not table scans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import DueMessage, DueStatus

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def _plan(engine: AsyncEngine, query: str) -> str:
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            return " ".join(str(row[-1]) for row in rows)
        await connection.execute(text("SET enable_seqscan = off"))
        rows = await connection.execute(text(f"EXPLAIN {query}"))
        return " ".join(str(row[0]) for row in rows)


def _sql(engine: AsyncEngine, statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


async def test_the_idle_tick_probe_uses_an_index_of_the_queue(engine: AsyncEngine) -> None:
    earliest = select(func.min(DueMessage.due_at)).where(DueMessage.status == DueStatus.PENDING)
    plan = await _plan(engine, _sql(engine, earliest))
    # Either index that leads with the status and holds the due time answers it; which one
    # PostgreSQL picks depends on the statistics the earlier tests left.
    assert "ix_due_messages_" in plan, plan
    assert "Seq Scan" not in plan, plan


async def test_the_claim_reads_in_delivery_order_from_an_index(engine: AsyncEngine) -> None:
    claim = (
        select(DueMessage.id)
        .where(DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= NOW)
        .order_by(DueMessage.priority, DueMessage.due_at)
        .limit(200)
    )
    plan = await _plan(engine, _sql(engine, claim))
    assert "ix_due_messages_" in plan, plan


async def test_the_expired_lease_probe_seeks_an_index_even_with_stale_statistics(
    engine: AsyncEngine,
) -> None:
    """Statistics taken while every row was pending (one status value) made SQLite scan the
    whole queue for expired leases on every tick once the rows had been sent."""
    from sqlalchemy import insert, update

    from bot.db.models import DUE_PRIORITY, DueKind, Person, PersonStatus
    from bot.queue.owed import _lease_expired

    async with engine.begin() as connection:
        person_id = (
            await connection.execute(
                insert(Person)
                .values(
                    telegram_user_id=1,
                    chat_id=1,
                    language="en",
                    status=PersonStatus.ACTIVE,
                    missed_in_a_row=0,
                    created_at=NOW,
                )
                .returning(Person.id)
            )
        ).scalar_one()
        await connection.execute(
            insert(DueMessage),
            [
                {
                    "person_id": person_id,
                    "kind": DueKind.CHECKIN,
                    "slot": f"slot-{index}",
                    "due_at": NOW,
                    "priority": DUE_PRIORITY[DueKind.CHECKIN],
                    "status": DueStatus.PENDING,
                    "attempts": 0,
                    "payload": {},
                    "created_at": NOW,
                }
                for index in range(200)
            ],
        )
        await connection.execute(text("ANALYZE"))
        await connection.execute(update(DueMessage).values(status=DueStatus.SENT))
    probe = select(DueMessage.id).where(_lease_expired(NOW)).limit(1)
    plan = await _plan(engine, _sql(engine, probe))
    assert "ix_due_messages_" in plan, plan


async def test_one_persons_pending_rows_are_found_without_walking_everyones(
    engine: AsyncEngine,
) -> None:
    """Every check-in replans its person's queue (cancel what is pending, ask when the next
    check-in is). With a wave of 10,000 pending rows, a plan by status alone walked them all
    inside the turn's write transaction: on SQLite, a finished check-in's reply p99 went to
    seconds at 1,000 people (BENCHMARKS.md, "Replies under load")."""
    from sqlalchemy import and_, update

    from bot.db.models import DueKind

    cancel = (
        update(DueMessage)
        .where(
            and_(
                DueMessage.person_id == 7,
                DueMessage.status == DueStatus.PENDING,
                DueMessage.kind.in_([DueKind.CHECKIN, DueKind.REMINDER]),
            )
        )
        .values(status=DueStatus.CANCELLED)
    )
    next_owed = select(func.min(DueMessage.due_at)).where(
        DueMessage.person_id == 7,
        DueMessage.kind == DueKind.CHECKIN,
        DueMessage.status == DueStatus.PENDING,
    )
    for statement in (cancel, next_owed):
        plan = await _plan(engine, _sql(engine, statement))
        assert "Seq Scan" not in plan, plan
        if engine.dialect.name == "sqlite":
            assert "ix_due_messages_person_pending (person_id=? AND status=? AND kind=?)" in plan
