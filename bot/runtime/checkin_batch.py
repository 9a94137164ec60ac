"""Scheduled check-ins for a whole batch in a handful of statements.

At a check-in hour most rows are the plain case: an active person who is not in the middle of a
conversation, with no check-in yet today and nothing unanswered to count as missed. Those are
prepared together: their people locked in one statement, their check-ins inserted in one, what
they are owed next written in one. Every other row is left to
:func:`bot.conversation.scheduled.prepare`, one row at a time, which handles every case. Both
paths write the same rows and say the same words.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import care
from bot.conversation.checkin import CheckinAnswers, CheckinPain
from bot.conversation.turn import IDLE, Outgoing
from bot.db.models import (
    CheckIn,
    CheckInStatus,
    Conversation,
    DueKind,
    Episode,
    EpisodeStatus,
    Person,
    PersonStatus,
)
from bot.queue.owed import Claimed, Owed, owe
from bot.queue.plan import next_slot, zone_of
from bot.texts import texts_for


@dataclass(frozen=True, slots=True)
class PlainPerson:
    """What the batch reads of a person: plain values, not a ``Person`` for the ORM to track.
    The batch never changes people, and the identity map and attribute instrumentation of a
    person and an episode per row were a quarter of the prepare's CPU (BENCHMARKS.md)."""

    id: int
    chat_id: int
    status: PersonStatus
    blocked_at: datetime | None
    timezone: str | None
    checkin_time: time | None
    language: str | None


@dataclass(frozen=True, slots=True)
class _PlainEpisode:
    id: int
    person_id: int
    onset_at: datetime


@dataclass(frozen=True)
class PreparedCheckin:
    row: Claimed
    person: PlainPerson
    message: Outgoing


@dataclass(frozen=True)
class _Plain:
    row: Claimed
    person: PlainPerson
    episode: _PlainEpisode
    question_number: int | None
    """The conversation's question number, or None when the person has no conversation row yet."""
    today: str
    day: int


async def prepare_checkins(
    session: AsyncSession, rows: Sequence[Claimed], now: datetime
) -> tuple[list[PreparedCheckin], list[Claimed]]:
    """Prepare the plain check-in rows of ``rows``; return them and the rows left over."""
    person_ids = sorted({row.person_id for row in rows})
    # Locked in id order, so batches that share people never deadlock.
    people = {
        person.id: person
        for person in (
            PlainPerson(*row)
            for row in await session.execute(
                select(
                    Person.id,
                    Person.chat_id,
                    Person.status,
                    Person.blocked_at,
                    Person.timezone,
                    Person.checkin_time,
                    Person.language,
                )
                .where(Person.id.in_(person_ids))
                .order_by(Person.id)
                .with_for_update()
            )
        )
    }
    todays = {
        person.id: now.astimezone(zone_of(person)).date().isoformat()
        for person in people.values()
        if person.timezone is not None
    }
    # Anything already asked today, or still unanswered from before, needs the full path. Both
    # are read with the episodes, as correlated scalar subqueries with LIMIT 1: PostgreSQL runs
    # those as one (episode_id, slot) index probe per episode, whatever its statistics say.
    # A read of check_ins by a list of episode ids, or an EXISTS (which PostgreSQL may hash),
    # was planned as a scan of the whole table when the statistics were stale, so its cost
    # grew with the table (BENCHMARKS.md).
    unanswered = (
        select(CheckIn.id)
        .where(CheckIn.episode_id == Episode.id, CheckIn.status == CheckInStatus.SENT)
        .limit(1)
        .scalar_subquery()
    )
    asked_today = (
        select(CheckIn.id)
        .where(CheckIn.episode_id == Episode.id, CheckIn.slot >= min(todays.values(), default=""))
        .limit(1)
        .scalar_subquery()
    )
    episodes: dict[int, _PlainEpisode] = {}
    busy: set[int] = set()
    for episode_id, person_id, onset_at, unanswered_id, asked_id in await session.execute(
        select(Episode.id, Episode.person_id, Episode.onset_at, unanswered, asked_today)
        .where(Episode.person_id.in_(person_ids), Episode.status == EpisodeStatus.ACTIVE)
        .order_by(Episode.started_at)
    ):
        episodes[person_id] = _PlainEpisode(episode_id, person_id, onset_at)  # newest wins
        if unanswered_id is not None or asked_id is not None:
            busy.add(episode_id)
    # Only the step and the question number are needed: plain rows, not ORM objects to track
    # and flush.
    conversations = {
        person_id: (step, number)
        for person_id, step, number in await session.execute(
            select(Conversation.person_id, Conversation.step, Conversation.question_number).where(
                Conversation.person_id.in_(person_ids)
            )
        )
    }
    plain: list[_Plain] = []
    left: list[Claimed] = []
    seen: set[int] = set()
    for row in rows:
        person = people.get(row.person_id)
        active = episodes.get(row.person_id)
        conversation = conversations.get(row.person_id)
        if (
            person is None
            or active is None
            or person.status is not PersonStatus.ACTIVE
            or person.blocked_at is not None
            or person.id not in todays
            or active.id in busy
            or (conversation is not None and conversation[0] != IDLE)
            or person.id in seen
        ):
            left.append(row)
            continue
        seen.add(person.id)
        day = care.episode_day(active.onset_at, now, zone_of(person))
        number = conversation[1] if conversation is not None else None
        plain.append(_Plain(row, person, active, number, todays[person.id], day))
    if not plain:
        return [], left
    new_ids = await _insert_check_ins(session, plain, now)
    check_in_ids = [new_ids[(item.episode.id, item.today)] for item in plain]
    prepared: list[PreparedCheckin] = []
    owed: list[Owed] = []
    updated: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    for item, check_in_id in zip(plain, check_in_ids, strict=True):
        number = (item.question_number or 0) + 1
        (created if item.question_number is None else updated).append(
            {
                "b_person_id": item.person.id,
                "b_number": number,
                "b_answers": CheckinAnswers(
                    check_in_id=check_in_id, episode_id=item.episode.id
                ).model_dump(mode="json"),
            }
        )
        prepared.append(
            PreparedCheckin(
                item.row,
                item.person,
                CheckinPain.prompt(texts_for(item.person.language), item.day, number),
            )
        )
        following = next_slot(item.person, item.episode, now, {item.today})
        if following is not None:
            owed.append(Owed(item.person.id, DueKind.CHECKIN, following.key, following.due_at))
        reminder = care.reminder_at(now, zone_of(item.person))
        if reminder is not None and (following is None or reminder < following.due_at):
            owed.append(Owed(item.person.id, DueKind.REMINDER, item.today, reminder))
    await _ask_checkin_pain(session, updated, created, now)
    await owe(session, owed, now)
    return prepared, left


_CHECK_INS = cast(Table, CheckIn.__table__)

_INSERT_CHECK_INS_POSTGRESQL = text(
    "INSERT INTO check_ins (episode_id, person_id, slot, day, due_at, sent_at, status, red_flags) "
    "SELECT episode_id, person_id, slot, day, due_at, :sent_at, :status, :red_flags "
    "FROM unnest(CAST(:episode_id AS INTEGER[]), CAST(:person_id AS INTEGER[]), "
    "CAST(:slot AS TEXT[]), CAST(:day AS INTEGER[]), CAST(:due_at AS TIMESTAMPTZ[])) "
    "AS asked(episode_id, person_id, slot, day, due_at) "
    "RETURNING id, episode_id, slot"
).bindparams(
    *(bindparam(name, type_=_CHECK_INS.c[name].type) for name in ("sent_at", "status", "red_flags"))
)
"""The whole batch's check-ins in one statement, each column an array, as :func:`queue.owe`
writes the owed rows: as an executemany, PostgreSQL ran one INSERT per row."""


async def _insert_check_ins(
    session: AsyncSession, plain: Sequence[_Plain], now: datetime
) -> dict[tuple[int, str], int]:
    """Insert each row's check-in, asked now; return the new ids by (episode, slot), since
    neither statement promises to return them in the order given."""
    if session.bind.dialect.name == "postgresql":
        inserted = await session.execute(
            _INSERT_CHECK_INS_POSTGRESQL,
            {
                "episode_id": [item.episode.id for item in plain],
                "person_id": [item.person.id for item in plain],
                "slot": [item.today for item in plain],
                "day": [item.day for item in plain],
                "due_at": [item.row.due_at for item in plain],
                "sent_at": now,
                "status": CheckInStatus.SENT,
                "red_flags": [],
            },
        )
    else:
        # Core, not the ORM's bulk insert: with RETURNING, SQLAlchemy sends the rows as
        # multi-row INSERTs ("insertmanyvalues") instead of one execution per row.
        inserted = await session.execute(
            insert(_CHECK_INS).returning(
                _CHECK_INS.c.id, _CHECK_INS.c.episode_id, _CHECK_INS.c.slot
            ),
            [
                {
                    "episode_id": item.episode.id,
                    "person_id": item.person.id,
                    "slot": item.today,
                    "day": item.day,
                    "due_at": item.row.due_at,
                    "sent_at": now,
                    "status": CheckInStatus.SENT,
                    "red_flags": [],
                }
                for item in plain
            ],
        )
    return {(episode_id, slot): check_in_id for check_in_id, episode_id, slot in inserted}


_ASK_CHECKIN_PAIN_POSTGRESQL = text(
    "UPDATE conversations SET step = :step, answers = CAST(asked.answers AS JSON), "
    "question_number = asked.question_number, updated_at = :updated_at "
    "FROM unnest(CAST(:person_id AS INTEGER[]), CAST(:question_number AS INTEGER[]), "
    "CAST(:answers AS TEXT[])) AS asked(person_id, question_number, answers) "
    "WHERE conversations.person_id = asked.person_id"
).bindparams(bindparam("updated_at", type_=cast(Table, Conversation.__table__).c.updated_at.type))
"""The whole batch's conversations in one statement, each column an array: as an executemany,
PostgreSQL ran one UPDATE per row (~40 us each, BENCHMARKS.md)."""


async def _ask_checkin_pain(
    session: AsyncSession,
    updated: list[dict[str, Any]],
    created: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Move each conversation to the check-in's pain question: one UPDATE for the people who
    have a conversation row (an executemany on SQLite, in process), one INSERT for those who do
    not yet."""
    conversations = cast(Table, Conversation.__table__)
    values = {
        "step": CheckinPain.name,
        "answers": bindparam("b_answers"),
        "question_number": bindparam("b_number"),
        "updated_at": now,
    }
    if updated and session.bind.dialect.name == "postgresql":
        await session.execute(
            _ASK_CHECKIN_PAIN_POSTGRESQL,
            {
                "step": CheckinPain.name,
                "updated_at": now,
                "person_id": [item["b_person_id"] for item in updated],
                "question_number": [item["b_number"] for item in updated],
                "answers": [json.dumps(item["b_answers"]) for item in updated],
            },
        )
    elif updated:
        await session.execute(
            update(conversations)
            .where(conversations.c.person_id == bindparam("b_person_id"))
            .values(values),
            updated,
        )
    if created:
        await session.execute(
            insert(conversations).values(person_id=bindparam("b_person_id"), **values), created
        )
