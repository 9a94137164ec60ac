"""Many enrolled people at once, each owed today's check-in, written with Core bulk inserts.

For the scale tests and the dispatch benchmark (``bench/dispatch.py``), not the conversation:
enrolling 100,000 people turn by turn would take far longer than what is measured. The rows are
what enrolment leaves behind: an ACTIVE person (Europe/London, check-ins at 09:00), an ACTIVE
episode whose onset is a day before ``now``, an idle conversation, and one pending CHECKIN row
for today's local date, due a minute ago.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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

ZONE = ZoneInfo("Europe/London")
CHECKIN_TIME = time(9, 0)
QUESTION_NUMBER = 12
"""Where each seeded conversation's question count stands (an enrolment asks about twelve)."""
CHUNK = 5_000
"""Rows per INSERT: large enough to be quick, small enough for any driver's parameter limit."""


def _chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(total, start + CHUNK))


def _due_rows(
    now: datetime, already_drained: bool
) -> list[tuple[DueKind, str, datetime, DueStatus]]:
    """Today's check-in due a minute ago; or, as a drain leaves the queue, today's check-in
    sent, its reminder and tomorrow's check-in pending (nothing due now)."""
    today = now.astimezone(ZONE).date()
    due_at = now - timedelta(minutes=1)
    if not already_drained:
        return [(DueKind.CHECKIN, today.isoformat(), due_at, DueStatus.PENDING)]
    tomorrow = today + timedelta(days=1)
    return [
        (DueKind.CHECKIN, today.isoformat(), due_at, DueStatus.SENT),
        (DueKind.REMINDER, today.isoformat(), due_at + timedelta(hours=4), DueStatus.PENDING),
        (
            DueKind.CHECKIN,
            tomorrow.isoformat(),
            local_instant(tomorrow, CHECKIN_TIME, ZONE),
            DueStatus.PENDING,
        ),
    ]


async def seed_due_checkins(
    engine: AsyncEngine,
    people: int,
    now: datetime,
    *,
    first_user_id: int,
    already_drained: bool = False,
) -> None:
    """``people`` enrolled people, Telegram ids ``first_user_id`` onwards (= their private chat
    ids). ``already_drained``: the queue as a drain leaves it, for timing idle ticks alone."""
    onset = now - timedelta(days=1)
    async with engine.connect() as connection:
        first_id = int(await connection.scalar(select(func.coalesce(func.max(Person.id), 0)))) + 1

    def person(i: int) -> dict[str, Any]:
        return {
            "id": first_id + i,
            "telegram_user_id": first_user_id + i,
            "chat_id": first_user_id + i,
            "language": "en",
            "timezone": ZONE.key,
            "checkin_time": CHECKIN_TIME,
            "consent_at": onset,
            "consent_version": "1",
            "age_band": "16-49",
            "referral_source": None,
            "status": PersonStatus.ACTIVE,
            "missed_in_a_row": 0,
            "blocked_at": None,
            "created_at": onset,
        }

    def episode(i: int) -> dict[str, Any]:
        return {
            "id": first_id + i,
            "person_id": first_id + i,
            "onset_at": onset,
            "mechanism": "lifting",
            "activity": "limited",
            "severity": "moderate",
            "baseline_pain": 5,
            "protocol": "seed",
            "first_episode": True,
            "enrolment_red_flags": [],
            "milestones_done": [],
            "status": EpisodeStatus.ACTIVE,
            "started_at": onset,
            "recovered_at": None,
            "ended_at": None,
        }

    def conversation(i: int) -> dict[str, Any]:
        return {
            "person_id": first_id + i,
            "step": "idle",
            "answers": {},
            "question_number": QUESTION_NUMBER,
            "updated_at": onset,
        }

    def owed(kind: DueKind, slot: str, due_at: datetime, status: DueStatus) -> Row:
        def row(i: int) -> dict[str, Any]:
            return {
                "person_id": first_id + i,
                "kind": kind,
                "slot": slot,
                "due_at": due_at,
                "priority": DUE_PRIORITY[kind],
                "status": status,
                "attempts": 1 if status is DueStatus.SENT else 0,
                "lease_until": None,
                "payload": {},
                "last_error": None,
                "sent_at": now if status is DueStatus.SENT else None,
                "created_at": onset,
            }

        return row

    tables: list[tuple[Any, Row]] = [
        (Person.__table__, person),
        (Episode.__table__, episode),
        (Conversation.__table__, conversation),
        *((DueMessage.__table__, owed(*due)) for due in _due_rows(now, already_drained)),
    ]
    for table, row in tables:
        for chunk in _chunks(people):
            async with engine.begin() as connection:
                await connection.execute(insert(table), [row(i) for i in chunk])
    async with engine.begin() as connection:
        await _after_explicit_ids(connection, first_id + people - 1)


Row = Callable[[int], dict[str, Any]]


async def _after_explicit_ids(connection: AsyncConnection, last_id: int) -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them; refresh the planner's
    statistics on both databases, as after any bulk load."""
    if connection.dialect.name == "postgresql":
        for table in ("people", "episodes"):
            await connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last_id})"
            )
    await connection.exec_driver_sql("ANALYZE")


async def check_drained(engine: AsyncEngine, people: int, now: datetime) -> dict[str, Any]:
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
                DueMessage.status == DueStatus.PENDING, DueMessage.due_at <= now
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
