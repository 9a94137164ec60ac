"""The outbox's rows on both databases: each chat in order, escalations first, leases that
expire, renew and are handed back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.models import OutboxKind, OutboxMessage, OutboxStatus, Person, PersonStatus
from bot.queue import outbox

pytestmark = pytest.mark.each_database

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
ALEX, SAM = 1001, 1002


def _letter(chat_id: int, kind: OutboxKind, text: str, person_id: int | None = 1) -> outbox.Letter:
    return outbox.Letter(chat_id, person_id, kind, {"text": text})


async def _owe(engine: AsyncEngine, *letters: outbox.Letter) -> None:
    async with session_factory(engine).begin() as session:
        if await session.get(Person, 1) is None:
            session.add(
                Person(
                    id=1,
                    telegram_user_id=ALEX,
                    chat_id=ALEX,
                    status=PersonStatus.ACTIVE,
                    missed_in_a_row=0,
                    created_at=NOW,
                )
            )
            await session.flush()
        await outbox.post(session, letters, NOW)


def _texts(rows: Sequence[outbox.Claimed]) -> list[str]:
    return [str(row.payload["text"]) for row in rows]


async def _heads(engine: AsyncEngine, worker: str, now: datetime, limit: int = 10) -> list[str]:
    async with session_factory(engine).begin() as session:
        return _texts(await outbox.claim_heads(session, worker, now, limit, LEASE))


async def _chat(
    engine: AsyncEngine,
    chat_id: int,
    worker: str,
    now: datetime = NOW,
    *,
    due_only: bool = False,
    holding: int | None = None,
) -> list[outbox.Claimed]:
    async with session_factory(engine).begin() as session:
        return await outbox.claim_chat(
            session, chat_id, worker, now, due_only=due_only, lease=LEASE, holding=holding
        )


async def _statuses(engine: AsyncEngine) -> dict[str, OutboxStatus]:
    async with session_factory(engine)() as session:
        rows = await session.execute(select(OutboxMessage.payload, OutboxMessage.status))
        return {str(payload["text"]): status for payload, status in rows}


async def test_a_claim_takes_each_chats_oldest_message_escalations_first(
    engine: AsyncEngine,
) -> None:
    await _owe(
        engine,
        _letter(ALEX, OutboxKind.SCHEDULED, "alex check-in"),
        _letter(ALEX, OutboxKind.REPLY, "alex reply"),
        _letter(SAM, OutboxKind.ESCALATION, "sam emergency"),
        _letter(SAM, OutboxKind.REPLY, "sam reply"),
    )
    # One head per chat; a chat's later message waits for its earlier one.
    assert await _heads(engine, "w1", NOW, limit=1) == ["sam emergency"]
    assert await _heads(engine, "w1", NOW) == ["alex check-in"]
    assert await _heads(engine, "w2", NOW) == []  # both chats' heads are in w1's hands
    # w1 dies: once its lease has run out, its rows are owed again, the escalation first.
    assert await _heads(engine, "w2", NOW + LEASE + timedelta(seconds=1), limit=1) == [
        "sam emergency"
    ]


async def test_a_chat_is_not_claimed_behind_a_message_in_someone_elses_hands(
    engine: AsyncEngine,
) -> None:
    await _owe(
        engine,
        _letter(ALEX, OutboxKind.SCHEDULED, "check-in"),
        _letter(ALEX, OutboxKind.REPLY, "reply"),
        _letter(ALEX, OutboxKind.REPLY, "second reply"),
    )
    async with session_factory(engine).begin() as session:
        [head] = await outbox.claim_heads(session, "tick", NOW, 10, LEASE)
    # After a turn, the fast path would send the replies before the check-in: it must wait.
    assert await _chat(engine, ALEX, "tick") == []
    # The one who holds the head takes the rest with it, and sends them after it.
    rest = await _chat(engine, ALEX, "tick", due_only=True, holding=head.id)
    assert _texts(rest) == ["reply", "second reply"]


async def test_due_only_waits_behind_a_retry_the_fast_path_tries_again(
    engine: AsyncEngine,
) -> None:
    await _owe(
        engine,
        _letter(ALEX, OutboxKind.ESCALATION, "emergency"),
        _letter(ALEX, OutboxKind.REPLY, "reply"),
    )
    emergency, reply = await _chat(engine, ALEX, "w")
    async with session_factory(engine).begin() as session:  # the first send failed (5xx)
        await outbox.release(session, "w", [reply.id])
        await outbox.retry_at(
            session, emergency.id, NOW + timedelta(minutes=1), "5xx", attempt=True
        )
    assert await _chat(engine, ALEX, "w", due_only=True) == []  # the tick keeps the order...
    again = await _chat(engine, ALEX, "w")  # ...the person is here: everything goes now, in order
    assert _texts(again) == ["emergency", "reply"]
    assert again[0].attempts == 1


async def test_a_429_is_not_an_attempt(engine: AsyncEngine) -> None:
    await _owe(engine, _letter(ALEX, OutboxKind.REPLY, "reply"))
    [row] = await _chat(engine, ALEX, "w")
    async with session_factory(engine).begin() as session:
        await outbox.retry_at(session, row.id, NOW + timedelta(seconds=5), "429", attempt=False)
    [again] = await _chat(engine, ALEX, "w", NOW + timedelta(seconds=5), due_only=True)
    assert again.attempts == 0


async def test_leases_are_renewed_while_working_and_handed_back_on_stop(
    engine: AsyncEngine,
) -> None:
    await _owe(engine, _letter(ALEX, OutboxKind.SCHEDULED, "check-in"))
    assert await _heads(engine, "w1", NOW) == ["check-in"]
    later = NOW + LEASE - timedelta(seconds=1)
    async with session_factory(engine).begin() as session:
        assert await outbox.renew(session, "w1", later, LEASE) == 1
    # Renewed: still w1's after the first lease would have run out.
    assert await _heads(engine, "w2", NOW + LEASE + timedelta(seconds=1)) == []
    async with session_factory(engine).begin() as session:
        assert await outbox.release_worker(session, "w1") == 1
    assert await _heads(engine, "w2", NOW + LEASE + timedelta(seconds=1)) == ["check-in"]


async def test_sent_blocked_and_requeued(engine: AsyncEngine) -> None:
    await _owe(
        engine,
        _letter(ALEX, OutboxKind.ESCALATION, "emergency"),
        _letter(ALEX, OutboxKind.REPLY, "reply"),
        _letter(SAM, OutboxKind.REPLY, "to someone we keep nothing about", person_id=None),
        _letter(-100777, OutboxKind.ALERT, "alert", person_id=None),
    )
    [sam] = await _chat(engine, SAM, "w")
    [alert] = await _chat(engine, -100777, "w")
    async with session_factory(engine).begin() as session:
        await outbox.mark_sent(session, [sam, alert], NOW)
        cancelled = await outbox.cancel_person(session, 1, "blocked the bot")
    assert _texts(cancelled) == ["emergency"]  # the escalations, for the operators to be told
    statuses = await _statuses(engine)
    # Sent to someone whose person row is gone: the chat id was the last trace; forgotten.
    assert statuses == {
        "emergency": OutboxStatus.CANCELLED,
        "reply": OutboxStatus.CANCELLED,
        "alert": OutboxStatus.SENT,
    }
    async with session_factory(engine).begin() as session:
        await outbox.settle(session, [cancelled[0].id], OutboxStatus.FAILED, "refused")
        assert await outbox.requeue_failed(session, NOW) == 1
    assert (await _statuses(engine))["emergency"] is OutboxStatus.PENDING


async def test_forgetting_takes_so_many_at_a_time_and_only_what_was_settled_before(
    engine: AsyncEngine,
) -> None:
    await _owe(engine, *(_letter(ALEX, OutboxKind.REPLY, f"sent {n}") for n in range(4)))
    await _owe(
        engine, _letter(SAM, OutboxKind.REPLY, "claimed"), _letter(-1, OutboxKind.ALERT, "owed")
    )
    sent = await _chat(engine, ALEX, "w")
    assert _texts(await _chat(engine, SAM, "w")) == ["claimed"]
    async with session_factory(engine).begin() as session:
        await outbox.mark_sent(session, sent, NOW)
        await outbox.post(session, [_letter(ALEX, OutboxKind.REPLY, "sent later")], NOW + LEASE)
    [later] = await _chat(engine, ALEX, "w", NOW + LEASE)
    async with session_factory(engine).begin() as session:
        await outbox.mark_sent(session, [later], NOW + LEASE)

    forgotten = []
    for _ in range(3):
        async with session_factory(engine).begin() as session:
            forgotten.append(await outbox.prune_sent(session, NOW + LEASE, 3))
    assert forgotten == [3, 1, 0]
    assert await _statuses(engine) == {
        "claimed": OutboxStatus.CLAIMED,
        "owed": OutboxStatus.PENDING,
        "sent later": OutboxStatus.SENT,
    }


async def test_a_hand_back_leaves_what_another_sender_claimed_since(engine: AsyncEngine) -> None:
    await _owe(engine, _letter(ALEX, OutboxKind.ESCALATION, "emergency"))
    [held] = await _chat(engine, ALEX, "slow")
    later = NOW + LEASE + timedelta(seconds=1)  # the slow sender's lease ran out
    assert await _heads(engine, "quick", later) == ["emergency"]
    async with session_factory(engine).begin() as session:
        await outbox.release(session, "slow", [held.id])
    assert await _statuses(engine) == {"emergency": OutboxStatus.CLAIMED}
    assert await _heads(engine, "other", later) == []  # still the quick sender's


async def test_a_renewal_passes_by_the_rows_it_is_told_to(engine: AsyncEngine) -> None:
    await _owe(
        engine,
        _letter(ALEX, OutboxKind.ESCALATION, "emergency"),
        _letter(SAM, OutboxKind.REPLY, "reply", person_id=None),
    )
    async with session_factory(engine).begin() as session:
        emergency, _reply = await outbox.claim_heads(session, "w1", NOW, 10, LEASE)
    later = NOW + LEASE - timedelta(seconds=1)
    async with session_factory(engine).begin() as session:
        assert await outbox.renew(session, "w1", later, LEASE, [emergency.id]) == 1
    # The emergency's lease ran out: owed again, to any sender; the reply is still w1's.
    assert await _heads(engine, "w2", NOW + LEASE + timedelta(seconds=1)) == ["emergency"]
