"""Seeding N enrolled people, each owed today's check-in, with Core bulk inserts.

Not the conversation: enrolling 100,000 people turn by turn would take far longer than the
benchmark itself. The rows are what enrolment leaves behind: an ACTIVE person (Europe/London,
check-in at 09:00), an ACTIVE episode whose onset is a day before the benchmark's clock, an
idle conversation, and one pending CHECKIN row for today's local date, due now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.care.localtime import local_instant
from bot.db.models import (
    DUE_PRIORITY,
    CheckIn,
    Conversation,
    DueKind,
    DueMessage,
    DueStatus,
    Episode,
    EpisodeStatus,
    Person,
    PersonStatus,
)

NOW = datetime(2026, 11, 24, 9, 0, 30, tzinfo=UTC)
"""The benchmark's fixed clock: a Tuesday, 09:00:30 in London (UTC in winter)."""
ZONE = ZoneInfo("Europe/London")
CHECKIN_TIME = time(9, 0)
ONSET = NOW - timedelta(days=1)
FIRST_CHAT = 10_000_000
"""People's Telegram user ids (= private chat ids) are FIRST_CHAT + 0 .. N - 1."""
CHUNK = 5_000


def _chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(total, start + CHUNK))


def today_slot() -> tuple[str, datetime]:
    """Today's local date (the slot key) and its 09:00 check-in instant (<= NOW)."""
    local_day = NOW.astimezone(ZONE).date()
    due_at = local_instant(local_day, CHECKIN_TIME, ZONE)
    assert due_at <= NOW
    return local_day.isoformat(), due_at


def _due_rows(already_drained: bool) -> list[tuple[DueKind, str, datetime, DueStatus]]:
    """Today's check-in due now; or, as a drain leaves the queue, today's check-in sent, the
    reminder at 13:00 and tomorrow's check-in pending (nothing due now)."""
    slot, due_at = today_slot()
    if not already_drained:
        return [(DueKind.CHECKIN, slot, due_at, DueStatus.PENDING)]
    tomorrow = NOW.astimezone(ZONE).date() + timedelta(days=1)
    return [
        (DueKind.CHECKIN, slot, due_at, DueStatus.SENT),
        (DueKind.REMINDER, slot, due_at + timedelta(hours=4), DueStatus.PENDING),
        (
            DueKind.CHECKIN,
            tomorrow.isoformat(),
            local_instant(tomorrow, CHECKIN_TIME, ZONE),
            DueStatus.PENDING,
        ),
    ]


def _due_row(
    kind: DueKind, slot: str, due_at: datetime, status: DueStatus
) -> Callable[[int], dict[str, Any]]:
    def row(i: int) -> dict[str, Any]:
        return {
            "person_id": i + 1,
            "kind": kind,
            "slot": slot,
            "due_at": due_at,
            "priority": DUE_PRIORITY[kind],
            "status": status,
            "attempts": 1 if status is DueStatus.SENT else 0,
            "lease_until": None,
            "payload": {},
            "last_error": None,
            "sent_at": NOW if status is DueStatus.SENT else None,
            "created_at": ONSET,
        }

    return row


async def seed(engine: AsyncEngine, people: int, *, already_drained: bool = False) -> None:
    """``already_drained``: the queue as a drain leaves it, for timing idle ticks alone."""
    tables: list[tuple[Any, Callable[[int], dict[str, Any]]]] = [
        (
            Person.__table__,
            lambda i: {
                "id": i + 1,
                "telegram_user_id": FIRST_CHAT + i,
                "chat_id": FIRST_CHAT + i,
                "language": "en",
                "timezone": ZONE.key,
                "checkin_time": CHECKIN_TIME,
                "consent_at": ONSET,
                "consent_version": "1",
                "age_band": "30-44",
                "referral_source": None,
                "status": PersonStatus.ACTIVE,
                "missed_in_a_row": 0,
                "blocked_at": None,
                "created_at": ONSET,
            },
        ),
        (
            Episode.__table__,
            lambda i: {
                "id": i + 1,
                "person_id": i + 1,
                "onset_at": ONSET,
                "mechanism": "lifting",
                "activity": "limited",
                "severity": "moderate",
                "baseline_pain": 5,
                "protocol": "seed",
                "first_episode": True,
                "enrolment_red_flags": [],
                "milestones_done": [],
                "status": EpisodeStatus.ACTIVE,
                "started_at": ONSET,
                "recovered_at": None,
                "ended_at": None,
            },
        ),
        (
            Conversation.__table__,
            lambda i: {
                "person_id": i + 1,
                "step": "idle",
                "answers": {},
                "question_number": 12,
                "updated_at": ONSET,
            },
        ),
    ]
    for kind, key, at, status in _due_rows(already_drained):
        tables.append((DueMessage.__table__, _due_row(kind, key, at, status)))
    for table, row in tables:
        for chunk in _chunks(people):
            async with engine.begin() as connection:
                await connection.execute(insert(table), [row(i) for i in chunk])
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Explicit ids were inserted: move the sequences past them, then refresh statistics.
            for table in ("people", "episodes"):
                await connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {people})"
                )
            await connection.exec_driver_sql("ANALYZE")
        else:
            await connection.exec_driver_sql("ANALYZE")


async def check_drained(engine: AsyncEngine, people: int) -> dict[str, Any]:
    """After a drain: what the queue and the check-ins say, and whether that is right."""
    async with engine.connect() as connection:
        grouped = await connection.execute(
            select(DueMessage.kind, DueMessage.status, func.count()).group_by(
                DueMessage.kind, DueMessage.status
            )
        )
        by_status = {f"{kind.value}:{status.value}": count for kind, status, count in grouped}
        claimed = await connection.scalar(
            select(func.count()).where(DueMessage.status == DueStatus.CLAIMED)
        )
        pending_now = await connection.scalar(
            select(func.count()).where(
                DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= NOW
            )
        )
        check_ins = await connection.scalar(select(func.count()).select_from(CheckIn))
    problems = []
    if claimed:
        problems.append(f"{claimed} due rows left claimed")
    if pending_now:
        problems.append(f"{pending_now} due rows still pending for now")
    if by_status.get("checkin:sent", 0) != people:
        problems.append(f"{by_status.get('checkin:sent', 0)} check-in rows sent, not {people}")
    if check_ins != people:
        problems.append(f"{check_ins} check-ins opened, not {people}")
    return {"rows": by_status, "check_ins": check_ins, "problems": problems}
