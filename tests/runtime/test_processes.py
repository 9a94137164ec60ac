"""The fault suite's process-level rows: ``python -m bot worker`` and ``python -m bot run`` as
separate processes, killed with SIGKILL, stopped with SIGTERM or SIGINT, or held up by a slow
Telegram, and what people received (counted at the fake server) and what the database holds
afterwards.

Every message is an outbox row until Telegram has it, so no fault may lose one. A message can
go out twice only in two windows: the process died between Telegram's answer and the mark (at
most one message per send in flight, ``CONCURRENT_CHATS`` per process), or Telegram accepted a
send whose answer came after ``TELEGRAM_SEND_TIMEOUT``. Each test prints its tally (``-s``).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import create_engine
from bot.db.models import Escalation, OutboxKind, OutboxMessage
from bot.fake_telegram import FakeTelegram
from bot.telegram.sender import CONCURRENT_CHATS
from tests.support.processes import (
    CHECK_IN,
    EMERGENCY,
    bot_process,
    claims_besides,
    got,
    holders,
    outbox_statuses,
    received,
    seed_emergencies,
    still_owed,
    tally,
    unsent,
    until,
)
from tests.support.seed import check_drained, seed_due_checkins

EVERY = 1_000_000
"""``times`` for a fault that applies to every request of the test."""


@pytest.mark.postgres
async def test_kill_9_at_random_moments_loses_nothing(postgres_url: str, tmp_path: Path) -> None:
    """A worker can die at any instruction (OOM killer, a host lost): whatever it held is owed
    again once its lease runs out, so nothing is lost; what it had sent but not yet marked is
    sent again, at most one message per send it had in flight.

    2,000 check-ins due now and 100 EMERGENCY messages owed (the first 100 people's, ahead of
    their check-ins). A ``worker`` with a 2 s lease is killed (SIGKILL) at a random moment of
    its drain, a new one started, ``BACKCHECK_KILLS`` times (5 by default, for CI; run
    ``BACKCHECK_KILLS=20 pytest -s tests/runtime/test_processes.py -k kill_9`` by hand for the
    longer run, ``BACKCHECK_SEED`` to vary the moments); then a last ``worker --until-idle``.
    Sends are slowed a little (40 ms) so that each kill leaves sends in flight, which Telegram
    (the fake server) completes after the sender is gone.
    """
    kills = int(os.environ.get("BACKCHECK_KILLS", "5"))
    rng = random.Random(int(os.environ.get("BACKCHECK_SEED", "20261123")))
    people, emergencies = 2000, 100
    user_ids = range(910_000, 910_000 + people)
    now = datetime.now(UTC)
    engine = create_engine(postgres_url)
    await seed_due_checkins(engine, people, now, first_user_id=user_ids[0])
    await seed_emergencies(engine, user_ids[:emergencies], now)
    log = tmp_path / "workers.log"
    moments: list[float] = []
    out_of_turn: set[int] = set()
    async with FakeTelegram(record_calls=False) as api:
        chats = [api.person(user_id, f"P{user_id}") for user_id in user_ids]
        api.faults.slow(0.04, "sendMessage", times=EVERY)
        for _ in range(kills):
            dead = await holders(engine)
            async with bot_process(
                api, postgres_url, log, "worker", QUEUE_LEASE_SECONDS="2"
            ) as worker:
                # Once the new worker holds a batch it is draining; then a random moment.
                await until(partial(claims_besides, engine, dead), 30, "the worker's claim")
                moments.append(round(rng.uniform(0, 0.6), 2))
                await asyncio.sleep(moments[-1])
                await worker.kill()
            await until(lambda: api.in_flight == 0, 10, "the dead worker's sends answered")
            # A chat's check-in goes only once its EMERGENCY is marked sent, so a kill never
            # leaves both sent and unmarked (and the window stays one message per send).
            asked = [chat.chat_id for chat in chats[:emergencies] if got(chat, CHECK_IN)]
            out_of_turn |= await unsent(engine, OutboxKind.ESCALATION, asked)
        api.faults.clear()
        async with bot_process(
            api, postgres_url, tmp_path / "last.log", "worker", "--until-idle"
        ) as last:
            assert await last.exit_code(120) == 0
        owed = {
            chat.chat_id: (EMERGENCY, CHECK_IN) if index < emergencies else (CHECK_IN,)
            for index, chat in enumerate(chats)
        }
        result = tally(owed, chats)
        firsts = [chat.messages[0] if chat.messages else None for chat in chats[:emergencies]]
    left = await still_owed(engine, datetime.now(UTC))
    statuses = await outbox_statuses(engine)
    drained = await check_drained(engine, people, now)
    await engine.dispose()
    print(
        "\n"
        + result.line(f"kill -9 x{kills} (seconds into a drain: {moments})")
        + f"; at most {kills * CONCURRENT_CHATS} duplicates allowed"
    )

    assert result.lost == 0
    assert result.unexpected == 0
    assert not out_of_turn, (
        f"{len(out_of_turn)} check-ins went out while their chat's EMERGENCY was not yet marked "
        "sent, so the kill left both to be sent again: Sender._send_in_order must wait for a "
        "row's mark before it sends the chat's next one"
    )
    assert result.duplicated <= kills * CONCURRENT_CHATS
    # A resend never overtakes: each EMERGENCY still came before its person's check-in.
    assert all(first is not None and first.text.startswith(EMERGENCY) for first in firsts)
    assert last.trouble() == []
    assert left.nothing, left
    assert left.escalations_unsent == 0
    assert statuses == {"escalation:sent": emergencies, "scheduled:sent": people}
    assert not drained["problems"], drained


STOPS = [
    pytest.param(
        "worker", signal.SIGTERM, "postgresql", marks=pytest.mark.postgres, id="worker-TERM-pg"
    ),
    pytest.param("worker", signal.SIGINT, "sqlite", id="worker-INT-sqlite"),
    pytest.param("run", signal.SIGTERM, "postgresql", marks=pytest.mark.postgres, id="run-TERM-pg"),
    pytest.param("run", signal.SIGINT, "sqlite", id="run-INT-sqlite"),
]


@pytest.mark.parametrize(("command", "stop", "database_url"), STOPS, indirect=["database_url"])
async def test_a_stop_signal_mid_drain_hands_back_what_was_claimed(
    command: str, stop: signal.Signals, database_url: str, tmp_path: Path
) -> None:
    """SIGTERM is what a platform sends on every deploy, SIGINT what an operator's Ctrl-C
    sends: the process stops claiming, lets its sends in flight finish, hands back the rest
    (owed again at once, not after a lease) and exits 0 within 10 s, with nothing cut off in
    its log. The next process sends the rest: nothing lost, nothing sent twice.

    300 check-ins due now; the first 32 sends are answered after 0.3 s, so the signal comes
    with sends in flight and most of the queue claimed.
    """
    people = 300
    user_ids = range(920_000, 920_000 + people)
    engine = create_engine(database_url)
    await seed_due_checkins(engine, people, datetime.now(UTC), first_user_id=user_ids[0])
    async with FakeTelegram(record_calls=False) as api:
        chats = [api.person(user_id, f"P{user_id}") for user_id in user_ids]
        api.faults.slow(0.3, "sendMessage", times=4 * CONCURRENT_CHATS)
        async with bot_process(api, database_url, tmp_path / "stopped.log", command) as process:
            await until(lambda: received(chats) >= 2 * CONCURRENT_CHATS, 30, "the drain")
            process.signal(stop)
            code = await process.exit_code(10)
        at_stop = received(chats)
        left = await still_owed(engine, datetime.now(UTC))
        async with bot_process(
            api, database_url, tmp_path / "next.log", "worker", "--until-idle"
        ) as after:
            assert await after.exit_code(60) == 0
        result = tally({chat.chat_id: (CHECK_IN,) for chat in chats}, chats)
    statuses = await outbox_statuses(engine)
    await engine.dispose()
    print(
        f"\n{result.line(f'{command} {stop.name}, then worker --until-idle')}; "
        f"{at_stop} sent before the stop, {left.outbox_due} handed back"
    )

    assert code == 0
    assert process.trouble() == []
    assert after.trouble() == []
    assert (left.outbox_claimed, left.due_claimed) == (0, 0)
    assert left.outbox_due > 0, "the stop came after the drain: nothing was handed back"
    assert (result.lost, result.duplicated, result.unexpected) == (0, 0, 0)
    assert statuses == {"scheduled:sent": people}


@pytest.mark.postgres
async def test_two_workers_with_every_send_slow_send_each_message_once(
    postgres_url: str, tmp_path: Path
) -> None:
    """A batch's sends take longer than its lease (2 s); the lease is renewed every third of
    it while the batch works, so the second worker, polling all along, never takes a claim
    that is still being sent: every person gets their check-in exactly once.

    Every send is answered after 0.8 s (more than a third of the lease, less than
    ``TELEGRAM_SEND_TIMEOUT``, 5 s). 64 people, not 600: the first worker to tick claims every
    head (a batch is up to 500), and sends them 8 at a time, so 600 would take a minute.
    """
    people = 64
    user_ids = range(930_000, 930_000 + people)
    engine = create_engine(postgres_url)
    await seed_due_checkins(engine, people, datetime.now(UTC), first_user_id=user_ids[0])
    settings = {"QUEUE_LEASE_SECONDS": "2", "TELEGRAM_SEND_TIMEOUT": "5"}
    log = tmp_path / "workers.log"
    async with FakeTelegram(record_calls=False) as api:
        chats = [api.person(user_id, f"P{user_id}") for user_id in user_ids]
        api.faults.slow(0.8, "sendMessage", times=EVERY)
        async with (
            bot_process(api, postgres_url, log, "worker", "--until-idle", **settings) as first,
            bot_process(api, postgres_url, log, "worker", "--until-idle", **settings) as second,
        ):
            assert await first.exit_code(60) == 0
            assert await second.exit_code(60) == 0
        result = tally({chat.chat_id: (CHECK_IN,) for chat in chats}, chats)
    left = await still_owed(engine, datetime.now(UTC))
    statuses = await outbox_statuses(engine)
    await engine.dispose()
    print("\n" + result.line("two workers, every send 0.8 s, lease 2 s"))

    assert (result.lost, result.duplicated, result.unexpected) == (0, 0, 0)
    assert left.nothing, left
    assert statuses == {"scheduled:sent": people}
    assert first.trouble() == []


async def test_a_slow_answer_is_sent_once_and_one_past_the_timeout_at_most_twice(
    database_url: str, tmp_path: Path
) -> None:
    """Telegram answering slowly is not a failure: a send answered after 1.5 s, within
    ``TELEGRAM_SEND_TIMEOUT`` (3 s), is marked sent and never sent again.

    A send answered after the time-out may have reached the person or not, and Telegram gives
    no way to tell, so it is sent again: the one duplicate no process can prevent. It goes at
    most twice and its row ends sent. That send is an EMERGENCY answered after 4 s (retried
    5 s after a failure; a check-in would wait 15 s); the worker runs until every row is sent.
    """
    people = 16
    user_ids = range(940_000, 940_000 + people)
    emergency_id = 940_100
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    await seed_due_checkins(engine, people, now, first_user_id=user_ids[0])
    await seed_due_checkins(engine, 1, now, first_user_id=emergency_id, already_drained=True)
    await seed_emergencies(engine, [emergency_id], now)

    async def all_sent() -> bool:
        return set(await outbox_statuses(engine)) == {"scheduled:sent", "escalation:sent"}

    async with FakeTelegram(record_calls=False) as api:
        chats = [api.person(user_id, f"P{user_id}") for user_id in user_ids]
        ada = api.person(emergency_id, "Ada")
        api.faults.slow(4, "sendMessage", ada.chat_id, times=1)
        api.faults.slow(1.5, "sendMessage", times=people)
        async with bot_process(
            api, database_url, tmp_path / "worker.log", "worker", TELEGRAM_SEND_TIMEOUT="3"
        ) as worker:
            await until(all_sent, 40, "every row marked sent")
            worker.signal(signal.SIGTERM)
            assert await worker.exit_code(10) == 0
        checkins = tally({chat.chat_id: (CHECK_IN,) for chat in chats}, chats)
        emergency = tally({ada.chat_id: (EMERGENCY,)}, [ada])
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(OutboxMessage.kind, OutboxMessage.attempts, OutboxMessage.last_error)
            )
        ).all()
        escalation_sent = await connection.scalar(select(Escalation.sent_at))
    statuses = await outbox_statuses(engine)
    await engine.dispose()
    print("\n" + checkins.line("check-ins answered after 1.5 s, time-out 3 s"))
    print(emergency.line("EMERGENCY answered after 4 s, time-out 3 s"))

    assert (checkins.lost, checkins.duplicated, checkins.unexpected) == (0, 0, 0)
    assert (emergency.lost, emergency.unexpected) == (0, 0)
    assert emergency.sent <= 2
    assert statuses == {"scheduled:sent": people, "escalation:sent": 1}
    assert {attempts for kind, attempts, _ in rows if kind is OutboxKind.SCHEDULED} == {0}
    [(attempts, last_error)] = [
        (a, error) for kind, a, error in rows if kind is OutboxKind.ESCALATION
    ]
    assert attempts == 1
    assert "TimedOut" in (last_error or "")
    assert escalation_sent is not None
    assert worker.trouble() == []
