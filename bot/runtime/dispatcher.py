"""The dispatcher: claim what is due, decide what it says, send it, record how it went.

One tick drains the queue in batches. Each batch is claimed in one short transaction, each row
prepared in its own short transaction under its person's lock, the batch sent outside any
transaction (chats in parallel, each chat's messages in order), and settled in one
transaction. Telegram's answers are handled one by one
(ARCHITECTURE principle 7): 429 waits ``retry_after``; 5xx and time-outs retry with backoff a
bounded number of times, then the row fails and is logged; 403 marks the person blocked and
drops what is owed to them.

Duplicates: a message can be sent twice only if the process dies (or a time-out hides a
success) after Telegram accepted it and before the row is settled; the lease then hands the
row to the next claim. That window is the send itself plus one short transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.flows import check_moves
from bot.conversation.scheduled import prepare
from bot.conversation.turn import Incoming, Outgoing, Turn
from bot.db.models import Conversation, DueKind, DueMessage, DueStatus, Person
from bot.queue import owed as queue
from bot.runtime.checkin_batch import prepare_checkins
from bot.telegram.delivery import Delivery
from bot.telegram.ratelimit import retry_after

log = logging.getLogger(__name__)

BATCH_SIZE = 500
"""Rows claimed at a time. Larger batches share each statement's round trip among more rows
(10,000 due on loopback, recording transport: 200 -> 500 was +15% messages/s, 1,000 +25%,
bench/dispatch.py); 500 keeps a batch within its lease with rate limits on (~17 s at
Telegram's 30 messages a second, against a 2-minute lease)."""
CONCURRENT_CHATS = 8
"""Chats sent to at once. Measured on loopback: httpx's pool costs more CPU per request the
more connections it juggles, and 8 already keeps the Bot API busy (bench/dispatch.py)."""
MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=15)
"""The first retry after a 5xx or a time-out; doubled on each attempt after that."""


@dataclass(frozen=True)
class Prepared:
    row_id: int
    person_id: int
    chat_id: int
    attempts: int
    messages: tuple[Outgoing, ...]


@dataclass
class Outcomes:
    """How one batch went, settled in one transaction."""

    sent: list[int] = field(default_factory=list)
    nothing_to_send: list[int] = field(default_factory=list)
    retry: list[tuple[int, datetime, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    blocked_people: set[int] = field(default_factory=set)


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        *,
        batch_size: int = BATCH_SIZE,
        concurrent_chats: int = CONCURRENT_CHATS,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._batch_size = batch_size
        self._concurrent_chats = concurrent_chats
        self._delivery = Delivery(sessions, clock, settings.admin.alert_chat_id)

    async def tick(self, bot: Bot) -> int:
        """Send everything due now; returns how many queue rows were delivered."""
        delivered = 0
        while True:
            async with self._sessions.begin() as session:
                batch = await queue.claim(session, self._clock.now(), self._batch_size)
            if not batch:
                return delivered
            prepared, outcomes = await self._prepare(batch)
            await self._send(bot, prepared, outcomes)
            await self._settle(outcomes)
            delivered += len(outcomes.sent)
            if len(batch) < self._batch_size:
                return delivered

    async def next_due(self) -> datetime | None:
        """When the queue next owes anyone a message (for the demo's accelerated clock)."""
        async with self._sessions() as session:
            due_at: datetime | None = await session.scalar(
                select(func.min(DueMessage.due_at)).where(DueMessage.status == DueStatus.PENDING)
            )
        return due_at

    async def _prepare(self, batch: Sequence[queue.Claimed]) -> tuple[list[Prepared], Outcomes]:
        outcomes = Outcomes()
        prepared: list[Prepared] = []
        now = self._clock.now()
        checkins = [row for row in batch if row.kind is DueKind.CHECKIN]
        one_by_one = [row for row in batch if row.kind is not DueKind.CHECKIN]
        if checkins:
            try:
                async with self._sessions.begin() as session:
                    plain, left = await prepare_checkins(session, checkins, now)
            except Exception:
                log.exception(
                    "a batch of %s check-ins could not be prepared together", len(checkins)
                )
                plain, left = [], checkins
            prepared.extend(
                Prepared(
                    item.row.id,
                    item.person.id,
                    item.person.chat_id,
                    item.row.attempts,
                    (item.message,),
                )
                for item in plain
            )
            one_by_one.extend(left)
        for row in sorted(one_by_one, key=lambda row: (row.priority, row.due_at)):
            try:
                item = await self._prepare_one(row, now)
            except Exception as error:
                log.exception("queue row %s (%s) could not be prepared", row.id, row.kind)
                outcomes.failed.append((row.id, type(error).__name__))
                continue
            if item is None:
                outcomes.nothing_to_send.append(row.id)
            else:
                prepared.append(item)
        # Each chat gets its messages in delivery order: an escalation before a check-in.
        order = {row.id: (row.priority, row.due_at) for row in batch}
        prepared.sort(key=lambda item: order[item.row_id])
        return prepared, outcomes

    async def _prepare_one(self, row: queue.Claimed, now: datetime) -> Prepared | None:
        """Decide what ``row`` says, in its own short transaction under the person's lock.

        One transaction per row keeps each lock brief and one bad row from holding back the
        rest of the batch.
        """
        async with self._sessions.begin() as session:
            person = await session.scalar(
                select(Person).where(Person.id == row.person_id).with_for_update()
            )
            if person is None:
                return None
            turn = Turn(
                session=session,
                settings=self._settings,
                now=now,
                incoming=Incoming(user_id=person.telegram_user_id, chat_id=person.chat_id),
                person=person,
                conversation=await session.get(Conversation, person.id),
            )
            if not await prepare(turn, row):
                return None
            check_moves(turn.moves)
            return Prepared(row.id, person.id, person.chat_id, row.attempts, tuple(turn.outgoing))

    async def _send(self, bot: Bot, prepared: Sequence[Prepared], outcomes: Outcomes) -> None:
        by_chat: dict[int, list[Prepared]] = defaultdict(list)
        for item in prepared:
            by_chat[item.chat_id].append(item)
        slots = asyncio.Semaphore(self._concurrent_chats)

        async def send_chat(items: list[Prepared]) -> None:
            async with slots:
                for item in items:
                    if item.person_id in outcomes.blocked_people:
                        outcomes.nothing_to_send.append(item.row_id)
                        continue
                    await self._send_one(bot, item, outcomes)

        await asyncio.gather(*(send_chat(items) for items in by_chat.values()))

    async def _send_one(self, bot: Bot, item: Prepared, outcomes: Outcomes) -> None:
        now = self._clock.now()
        try:
            await self._delivery.send(bot, item.chat_id, item.messages)
        except RetryAfter as error:
            outcomes.retry.append((item.row_id, now + retry_after(error), "429"))
        except Forbidden:
            outcomes.blocked_people.add(item.person_id)
            outcomes.nothing_to_send.append(item.row_id)
        except BadRequest as error:
            log.error("queue row %s refused by Telegram: %s", item.row_id, error.message)
            outcomes.failed.append((item.row_id, f"BadRequest: {error.message}"))
        except NetworkError as error:  # 5xx and time-outs (TimedOut is a NetworkError)
            reason = f"{type(error).__name__}: {error.message}"
            if item.attempts >= MAX_ATTEMPTS:
                log.error(
                    "queue row %s failed after %s attempts: %s", item.row_id, item.attempts, reason
                )
                outcomes.failed.append((item.row_id, reason))
            else:
                backoff = BACKOFF * 2 ** (item.attempts - 1)
                outcomes.retry.append((item.row_id, now + backoff, reason))
        except TelegramError as error:
            log.error("queue row %s failed: %s", item.row_id, type(error).__name__)
            outcomes.failed.append((item.row_id, type(error).__name__))
        else:
            outcomes.sent.append(item.row_id)

    async def _settle(self, outcomes: Outcomes) -> None:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await queue.settle(session, outcomes.sent, DueStatus.SENT, now)
            await queue.settle(session, outcomes.nothing_to_send, DueStatus.CANCELLED, now)
            await queue.retry_later(session, outcomes.retry)
            await queue.fail(session, outcomes.failed)
            await queue.mark_blocked(session, outcomes.blocked_people, now)
