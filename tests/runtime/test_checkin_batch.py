"""The batched check-ins on both databases: each row's check-in and conversation, whatever the
order the new ids come back in.

PostgreSQL inserts a batch's check-ins in one statement and SQLite as a multi-row executemany;
both must leave the same rows, each conversation pointing at its own person's check-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.checkin import CheckinPain
from bot.db.engine import session_factory
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
from bot.queue.owed import Owed, claim, owe
from bot.runtime.checkin_batch import prepare_checkins
from bot.texts import ENGLISH

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ONSET = NOW - timedelta(days=3)


async def _enrol(engine: AsyncEngine, people: int) -> list[int]:
    """People with an active episode, a check-in due now, and every other one a conversation
    row (the others have never had one)."""
    async with session_factory(engine).begin() as session:
        ids = []
        for number in range(people):
            person = Person(
                telegram_user_id=2000 + number,
                chat_id=2000 + number,
                language="en",
                timezone="Europe/London",
                checkin_time=time(9, 0),
                status=PersonStatus.ACTIVE,
                missed_in_a_row=0,
                created_at=ONSET,
            )
            session.add(person)
            await session.flush()
            session.add(
                Episode(
                    person_id=person.id,
                    onset_at=ONSET,
                    mechanism="lifting",
                    activity="normal",
                    severity="moderate",
                    baseline_pain=5,
                    protocol="standard",
                    first_episode=True,
                    enrolment_red_flags=[],
                    milestones_done=[],
                    status=EpisodeStatus.ACTIVE,
                    started_at=ONSET,
                )
            )
            if number % 2:
                session.add(
                    Conversation(
                        person_id=person.id,
                        step="idle",
                        answers={},
                        question_number=number,
                        updated_at=ONSET,
                    )
                )
            ids.append(person.id)
        await owe(
            session, [Owed(person_id, DueKind.CHECKIN, "2026-11-25", NOW) for person_id in ids], NOW
        )
        return ids


async def test_each_row_gets_its_own_check_in_and_question(engine: AsyncEngine) -> None:
    person_ids = await _enrol(engine, 6)
    async with session_factory(engine).begin() as session:
        rows = await claim(session, NOW, limit=10, lease=timedelta(seconds=30))
        prepared, left = await prepare_checkins(session, rows, NOW)
    assert left == []
    assert sorted(item.person.id for item in prepared) == person_ids
    assert {item.message.text for item in prepared} == {CheckinPain.prompt(ENGLISH, 3, 1).text}
    async with session_factory(engine)() as session:
        check_ins = {
            row[0]: tuple(row[1:])
            for row in await session.execute(
                select(
                    CheckIn.person_id,
                    CheckIn.id,
                    CheckIn.episode_id,
                    CheckIn.slot,
                    CheckIn.day,
                    CheckIn.due_at,
                    CheckIn.sent_at,
                    CheckIn.status,
                    CheckIn.red_flags,
                )
            )
        }
        episodes = dict(
            (await session.execute(select(Episode.person_id, Episode.id))).tuples().all()
        )
        conversations = {
            person_id: (step, answers, turn)
            for person_id, step, answers, turn in await session.execute(
                select(
                    Conversation.person_id,
                    Conversation.step,
                    Conversation.answers,
                    Conversation.question_number,
                )
            )
        }
    assert sorted(check_ins) == person_ids
    for number, person_id in enumerate(person_ids):
        check_in_id, episode_id, slot, day, due_at, sent_at, status, red_flags = check_ins[
            person_id
        ]
        assert (episode_id, slot, day, due_at, sent_at, status, red_flags) == (
            episodes[person_id],
            "2026-11-25",
            3,
            NOW,
            NOW,
            CheckInStatus.SENT,
            [],
        )
        turn = number + 1 if number % 2 else 1
        assert conversations[person_id] == (
            CheckinPain.name,
            {"check_in_id": check_in_id, "episode_id": episode_id},
            turn,
        )
