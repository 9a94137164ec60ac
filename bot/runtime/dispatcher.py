"""The tick: what the due queue owes becomes messages in the outbox, and the outbox is sent.

The due queue holds what is owed at a time (a check-in at 09:00, the switch to heat at 48
hours), decided only when the time comes. A tick claims the due rows in batches, decides what
each says under its person's lock, and writes the messages to the outbox and settles the row
in that same transaction: once decided, a message is owed by the outbox, which survives any
crash. Then the sender delivers what the outbox holds, escalations first, at the bulk rate for
the queue's own messages (:class:`bot.telegram.sender.Sender`).

Plain scheduled check-ins (most rows at a check-in hour) are decided a batch at a time
(:mod:`bot.runtime.checkin_batch`); every other row in its own short transaction, so one bad row
never holds back the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.flows import check_moves
from bot.conversation.scheduled import prepare
from bot.conversation.turn import Incoming, Turn
from bot.db import repository
from bot.db.errors import is_transient
from bot.db.models import DUE_PRIORITY, DueKind, DueStatus, OutboxKind
from bot.queue import inbox, outbox, owed
from bot.runtime.checkin_batch import prepare_checkins
from bot.telegram.sender import STOP_GRACE, Sender

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Due rows decided at a time. Larger batches share each statement's round trip among more rows
(10,000 due, recording transport: 200 -> 500 was +15% messages/s, BENCHMARKS.md)."""
SENT_KEPT = timedelta(days=1)
"""Sent messages are kept a day, for an operator looking into a delivery; what a person was
told lives on in the rows it came from (check-ins, escalations)."""
FORGOTTEN_AT_ONCE = 1_000
"""Rows deleted a transaction when forgetting what was sent (BENCHMARKS.md, "The daily tidy")."""


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        sender: Sender,
        *,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._sender = sender
        self._batch_size = batch_size
        self._stopping = False
        self._ticking: asyncio.Task[Any] | None = None

    async def tick(self) -> int:
        """Decide what is due now and send everything owed; how many messages went out."""
        if self._stopping:
            return 0
        self._ticking = asyncio.current_task()
        try:
            await self.decide()
            return await self._sender.deliver_due()
        finally:
            self._ticking = None

    async def decide(self) -> int:
        """Turn every due row into outbox messages (or settle it as having nothing to say);
        how many rows were decided."""
        decided = 0
        while not self._stopping:
            batch = await self._decide_batch()
            decided += batch
            if batch < self._batch_size:
                break
        return decided

    async def stop(self) -> None:
        """No tick starts a new batch; the sender winds down (its sends in flight finish or
        are handed back); a tick still running is waited for."""
        self._stopping = True
        await self._sender.stop()
        ticking = self._ticking
        if ticking is not None and ticking is not asyncio.current_task():
            await asyncio.wait([ticking], timeout=STOP_GRACE)

    async def forget_sent(self) -> int:
        """Delete outbox rows sent more than :data:`SENT_KEPT` ago, and the webhook's record
        of updates handled as long ago (Telegram has stopped redelivering them); how many.
        :data:`FORGOTTEN_AT_ONCE` a transaction, so a person's turn waits for one short
        transaction at most, never for the whole day's rows."""
        before = self._clock.now() - SENT_KEPT
        forgotten = 0
        for prune in (outbox.prune_sent, inbox.prune):
            while True:
                async with self._sessions.begin() as session:
                    batch = await prune(session, before, FORGOTTEN_AT_ONCE)
                forgotten += batch
                if batch < FORGOTTEN_AT_ONCE:
                    break
        return forgotten

    async def next_due(self) -> datetime | None:
        """When anything is next owed: a due row or a message waiting to be retried (for the
        demo's accelerated clock)."""
        async with self._sessions() as session:
            moments = [await owed.next_due(session), await outbox.next_due(session)]
        return min((moment for moment in moments if moment is not None), default=None)

    async def _decide_batch(self) -> int:
        """Claim one batch of due rows and turn each into outbox messages; the batch's size."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            batch = await owed.claim(session, now, self._batch_size, self._settings.queue.lease)
        # Decided in delivery order, so each chat's messages reach the outbox in that order:
        # what outranks a check-in (the switch to heat) first, the check-ins, then the rest.
        checkins: list[owed.Claimed] = []
        first: list[owed.Claimed] = []
        rest: list[owed.Claimed] = []
        for row in batch:
            if row.kind is DueKind.CHECKIN:
                checkins.append(row)
            elif row.priority < DUE_PRIORITY[DueKind.CHECKIN]:
                first.append(row)
            else:
                rest.append(row)
        await self._decide_each(first, now)
        if checkins:
            rest = [*await self._decide_checkins(checkins, now), *rest]
        await self._decide_each(rest, now)
        return len(batch)

    async def _decide_each(self, rows: Sequence[owed.Claimed], now: datetime) -> None:
        """Decide ``rows`` one by one. A row that cannot be decided is given up, unless the
        database failed rather than the row (locked, away, full): then it and the rows after
        it stay claimed and are decided again when their lease runs out, never given up for
        what passes in seconds (a check-in, or ES-FOLLOW-UP's question, lost)."""
        for row in sorted(rows, key=lambda row: (row.priority, row.due_at)):
            try:
                await self._decide_one(row, now)
            except owed.ClaimLost:
                log.warning(
                    "queue row %s (%s): no longer this worker's (claimed again, or erased)",
                    row.id,
                    row.kind,
                )
            except Exception as error:
                if is_transient(error):
                    log.warning(
                        "queue row %s (%s): the database failed (%s); the rest of the batch "
                        "is decided again when its lease runs out",
                        row.id,
                        row.kind,
                        type(error).__name__,
                    )
                    return
                log.exception("queue row %s (%s) could not be prepared", row.id, row.kind)
                async with self._sessions.begin() as session:
                    await owed.fail(session, [(row, type(error).__name__)])

    async def _decide_checkins(
        self, rows: Sequence[owed.Claimed], now: datetime
    ) -> list[owed.Claimed]:
        """The plain check-ins of ``rows`` in one transaction; the rows left for one by one."""
        try:
            async with self._sessions.begin() as session:
                plain, left = await prepare_checkins(session, rows, now)
                letters = [
                    outbox.Letter(
                        item.person.chat_id,
                        item.person.id,
                        OutboxKind.SCHEDULED,
                        item.message.to_payload(),
                    )
                    for item in plain
                ]
                await outbox.post(session, letters, now)
                await owed.settle(session, [item.row for item in plain], DueStatus.SENT, now)
        except Exception:
            log.exception("a batch of %s check-ins could not be prepared together", len(rows))
            return list(rows)
        return left

    async def _decide_one(self, row: owed.Claimed, now: datetime) -> None:
        """Decide what ``row`` says, in its own short transaction under the person's lock, and
        owe it in the outbox (or settle the row as having nothing to say)."""
        async with self._sessions.begin() as session:
            person = await repository.lock_person_by_id(session, row.person_id)
            if person is None:
                await owed.settle(session, [row], DueStatus.CANCELLED, now)
                return
            turn = Turn(
                session=session,
                settings=self._settings,
                now=now,
                incoming=Incoming(user_id=person.telegram_user_id, chat_id=person.chat_id),
                person=person,
                conversation=await repository.conversation_of(session, person),
            )
            if not await prepare(turn, row):
                await owed.settle(session, [row], DueStatus.CANCELLED, now)
                return
            check_moves(turn.moves)
            # ES-FOLLOW-UP is safety-netting: owed until delivered (see OutboxKind.FOLLOW_UP).
            kind = OutboxKind.FOLLOW_UP if row.kind is DueKind.FOLLOW_UP else OutboxKind.SCHEDULED
            await outbox.post(session, turn.letters(kind), now)
            await owed.settle(session, [row], DueStatus.SENT, now)
