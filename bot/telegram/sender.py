"""Sending the outbox: each chat's messages in order, each marked sent once Telegram has it.

Two paths share one set of rules. After a turn commits, its chat is drained at once in the
background (:meth:`Sender.after_turn`), so the person's update slot is free before any
per-chat wait. Every tick of the due queue sends what is due for everyone
(:meth:`Sender.deliver_due`), escalations first. A process's sends to one chat are serialised
by a lock, and across processes a chat's later message is never claimed while an earlier one is
in flight, so a chat's messages arrive in the order they were said.

Telegram's answers, handled one by one (ARCHITECTURE principle 7):

- 429: owed again after ``retry_after``; the wait does not count as an attempt.
- 403: the person has blocked the bot; nothing more is owed to them, and an escalation they
  were owed is reported to the operators.
- 5xx, time-outs, a lost connection: owed again with backoff. An escalation is retried at most a
  minute apart for as long as it takes, and the operators are told after its second failure;
  any other message is retried at most :data:`LONGEST_WAIT` apart for :data:`MAX_AGE`, then
  given up (``python -m bot requeue`` owes it again).
- 400 (the message itself is refused): given up at once, the operators told for an escalation.

Duplicates: a message goes out twice only when Telegram accepted it and its answer was lost (a
time-out after ``TELEGRAM_SEND_TIMEOUT``), or when the process died, or the database was away,
between Telegram's answer and the mark, which is committed within milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot import metrics
from bot.care.quiet import out_of_quiet_hours
from bot.clock import Clock
from bot.config import Settings
from bot.conversation.escalate import mark_delivered
from bot.conversation.turn import Outgoing
from bot.conversation.undelivered import note_of, operators_alerts, person_blocked
from bot.db.engine import reading
from bot.db.models import OutboxKind, OutboxStatus, Person
from bot.insight.documents import Document, DocumentGone, draw
from bot.queue import outbox
from bot.telegram.attachments import send_attachment
from bot.telegram.keyboards import markup
from bot.telegram.ratelimit import Lane, retry_after
from bot.texts import texts_for

log = logging.getLogger(__name__)

CONCURRENT_CHATS = 8
"""Chats a tick sends to at once; the bulk limiter, not this, sets the pace."""
BATCH_SIZE = 4 * CONCURRENT_CHATS
"""Heads claimed at a time: a few rounds of sends, so that another worker finds the rest
unclaimed and shares the work, rather than waiting while one worker holds a wave."""
NEVER_GIVEN_UP = frozenset({OutboxKind.ESCALATION, OutboxKind.FOLLOW_UP})
"""Retried at most a minute apart until delivered or the person blocks the bot; the operators
are told after the second failure."""
ESCALATION_BACKOFF = timedelta(seconds=5)
LONGEST_ESCALATION_WAIT = timedelta(minutes=1)
"""An escalation is tried again at least this often, for as long as it takes."""
BACKOFF = timedelta(seconds=15)
LONGEST_WAIT = timedelta(minutes=2)
MAX_AGE = timedelta(hours=6)
"""Any other message is given up when Telegram has failed it for this long."""
ALERT_AFTER = 2
"""Failed attempts after which the operators hear that an escalation is not getting through."""
STOP_GRACE = 5.0
"""Seconds a stopping sender lets sends in flight finish before it hands them back."""
REPLIES_FIRST_LONGEST = 2.0
"""Seconds at most a scheduled message waits for the people writing to the bot to be answered:
replies first, and the wave still moves under any load."""


class Backlog(Protocol):
    """Updates from people, as far as the due queue's bulk messages care."""

    async def caught_up(self) -> None:
        """Return once no update waits to be handled."""


Finish = Callable[[], Coroutine[Any, Any, None]]


class Sender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        bot: ExtBot[Lane],
        *,
        batch_size: int = BATCH_SIZE,
        concurrent_chats: int = CONCURRENT_CHATS,
    ) -> None:
        self.bot = bot
        self.worker = uuid.uuid4().hex
        """This sender's name on the rows it claims."""
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._batch_size = batch_size
        self._lease = settings.queue.lease
        self._slots = asyncio.Semaphore(concurrent_chats)
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._marks = _Marks(sessions, clock)
        self._stopping = False
        self._renewing: asyncio.Task[None] | None = None
        self._backlog: Backlog | None = None
        self._stranded: set[int] = set()
        """Rows this sender holds and is not sending, that it could not settle or hand back
        (the database was away). Its renewals pass them by, so their lease runs out and they
        are owed again, escalations first, rather than held unsent for as long as it runs;
        claimed again, they are renewed again."""

    def start(self) -> None:
        """Renew this sender's leases while it runs (a slow batch is never claimed twice)."""
        if self._renewing is None:
            self._renewing = asyncio.get_running_loop().create_task(self._renew_leases())

    def replies_first(self, backlog: Backlog) -> None:
        """Hold the due queue's bulk messages while people wait for their replies: Telegram's
        limits give replies a lane of their own, and this gives them the process's time too,
        so a crowd answering at once is answered before the wave goes on (BENCHMARKS.md).
        Escalations and alerts never wait."""
        self._backlog = backlog

    def claimant(self) -> outbox.Claimant:
        """Who a turn's messages may be written claimed by: this sender, about to send them."""
        return outbox.Claimant(self.worker, self._lease)

    def after_turn(
        self,
        chat_id: int,
        *,
        claimed: Sequence[outbox.Claimed] = (),
        waiting: Sequence[int] = (),
        first: Finish | None = None,
        then: Finish | None = None,
        started: float | None = None,
    ) -> None:
        """Send what the turn owed, now, in the background: ``first`` (answering a button),
        the person's messages (``claimed`` for this sender by the turn, or waiting in their
        chat), ``then`` (closing the question), then the other ``waiting`` chats (the
        operators'), so an alert never delays the person. ``started`` (``time.monotonic()``
        when the update's handling began) times the reply."""
        if self._stopping:
            if claimed:
                self._spawn(self._release(claimed))
            return
        self._spawn(self._after_turn(chat_id, claimed, waiting, first, then, started))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after_turn(
        self,
        chat_id: int,
        claimed: Sequence[outbox.Claimed],
        waiting: Sequence[int],
        first: Finish | None,
        then: Finish | None,
        started: float | None,
    ) -> None:
        try:
            if first is not None:
                await first()
            async with self._chat_lock(chat_id):
                if claimed:
                    sent, _stopped = await self._send_in_order(claimed)
                    if sent and started is not None:
                        metrics.REPLY_LATENCY.observe(time.monotonic() - started)
                if chat_id in waiting:
                    await self._drain(chat_id, due_only=False)
            if then is not None:
                await then()
            for other in waiting:
                if other != chat_id:
                    await self.drain_chat(other, due_only=True)
        except Exception:
            # The messages are still owed: the next tick sends them.
            log.exception("sending to a chat after its turn failed")

    async def idle(self) -> None:
        """Wait until every background send has finished (tests and the demo)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self._marks.flushed()

    async def drain_chat(self, chat_id: int, *, due_only: bool) -> int:
        """Send what the chat is owed, in order; how many messages went out.

        ``due_only`` False (after a turn): waiting retries go now too, the person being here.
        """
        async with self._chat_lock(chat_id):
            return await self._drain(chat_id, due_only=due_only)

    async def _drain(self, chat_id: int, *, due_only: bool, holding: int | None = None) -> int:
        """Claim and send the chat's messages until none is left; the chat's lock is held."""
        sent = 0
        while not self._stopping:
            async with self._sessions.begin() as session:
                rows = await outbox.claim_chat(
                    session,
                    chat_id,
                    self.worker,
                    self._clock.now(),
                    due_only=due_only,
                    lease=self._lease,
                    holding=holding,
                )
            if not rows:
                break
            self._taken(rows)
            done, stopped = await self._send_in_order(rows)
            sent += done
            if stopped:
                break
        return sent

    async def deliver_due(self) -> int:
        """Send everything due now, escalations first; how many messages went out."""
        task = asyncio.current_task()
        if task is not None:
            # Waited for by stop(), like the sends after a turn.
            self._tasks.add(task)
        try:
            return await self._deliver_due()
        finally:
            self._tasks.discard(task)

    async def _deliver_due(self) -> int:
        delivered = 0
        while not self._stopping:
            async with self._sessions.begin() as session:
                heads = await outbox.claim_heads(
                    session, self.worker, self._clock.now(), self._batch_size, self._lease
                )
                more = await outbox.chats_with_more(session, [row.chat_id for row in heads])
            if not heads:
                break
            self._taken(heads)
            counts = await asyncio.gather(*(self._deliver_head(row, more) for row in heads))
            delivered += sum(counts)
            if len(heads) < self._batch_size:
                break
        return delivered

    async def _deliver_head(self, head: outbox.Claimed, more: set[int]) -> int:
        """Send a chat's head, with what follows it when the chat has more (so a burst of
        operators' alerts leaves as one message)."""
        if head.kind is OutboxKind.SCHEDULED and self._backlog is not None:
            # Before a slot or the chat's lock: an escalation, or the person's own reply, never
            # waits behind a scheduled message that waits.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._backlog.caught_up(), REPLIES_FIRST_LONGEST)
        async with self._slots, self._chat_lock(head.chat_id):
            rows = [head]
            if head.chat_id in more:
                try:
                    async with self._sessions.begin() as session:
                        rows += await outbox.claim_chat(
                            session,
                            head.chat_id,
                            self.worker,
                            self._clock.now(),
                            due_only=True,
                            lease=self._lease,
                            holding=head.id,
                        )
                except Exception:
                    # The head is held, and renewed: it goes now, alone, rather than never.
                    log.exception("outbox row %s: could not claim what follows it", head.id)
            self._taken(rows)
            sent, stopped = await self._send_in_order(rows)
            if head.chat_id in more and not stopped:
                sent += await self._drain(head.chat_id, due_only=True)
            return sent

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    async def _send_in_order(self, rows: Sequence[outbox.Claimed]) -> tuple[int, bool]:
        """Send claimed rows of one chat in order, each marked sent as soon as it went; on a
        failure that must hold the chat back, hand the rest back. Returns (sent, stopped)."""
        sent: list[outbox.Claimed] = []
        stopped = False
        index = 0
        while index < len(rows):
            if self._stopping:
                stopped = True
                break
            group = _alerts_together(rows, index)
            try:
                await self._send(group)
            except Exception as error:
                metrics.SEND_ERRORS.labels(group[0].kind.value, _error_label(error)).inc(len(group))
                keep_going = await self._failed(group, error)
                index += len(group)
                if not keep_going:
                    stopped = True
                    break
                continue
            sent += group
            metrics.MESSAGES_SENT.labels(group[0].kind.value).inc(len(group))
            self._marks.add(group)
            index += len(group)
            if index < len(rows):
                # Marked before the chat's next message goes: a process that dies resends at
                # most the one message each chat had in flight, never a run of them.
                await self._marks.flushed()
        if index < len(rows):
            await self._release(rows[index:])
        await self._marks.flushed()
        return len(sent), stopped

    async def _send(self, group: Sequence[outbox.Claimed]) -> None:
        first = group[0]
        # TELEGRAM_PAID_BROADCAST: every message is paid for, so Telegram takes the due queue
        # at TELEGRAM_BULK_RATE beyond its free 30 a second, and no escalation or reply meets
        # a 429 that the wave's messages caused.
        paid = self._settings.telegram.paid_broadcast
        if first.kind is OutboxKind.ALERT:
            text = "\n".join(str(row.payload["text"]) for row in group)
            await self.bot.send_message(
                first.chat_id, text, allow_paid_broadcast=paid or None, rate_limit_args=Lane.REPLY
            )
            return
        message = Outgoing.from_payload(first.payload)
        lane = Lane.BULK if first.kind is OutboxKind.SCHEDULED else Lane.REPLY
        if message.attachment is not None:
            await send_attachment(self.bot, first.chat_id, message, self._draw, lane, paid=paid)
        else:
            await self.bot.send_message(
                first.chat_id,
                message.text,
                reply_markup=markup(message),
                allow_paid_broadcast=paid or None,
                rate_limit_args=lane,
            )

    async def send_directly(self, chat_id: int, messages: Sequence[Outgoing]) -> None:
        """Send without the outbox: the operators' reports, which change nothing and which an
        admin asks for again if one does not arrive (a failure reaches the error handler)."""
        for message in messages:
            if message.attachment is not None:
                await send_attachment(self.bot, chat_id, message, self._draw, None)
            else:
                await self.bot.send_message(chat_id, message.text, reply_markup=markup(message))

    async def _draw(self, document: Document) -> bytes:
        async with reading(self._sessions) as session:
            return await draw(session, document)

    async def _failed(self, group: Sequence[outbox.Claimed], error: Exception) -> bool:
        """Record why ``group`` was not sent; whether the chat's later messages may still go
        (only when this one is settled for good)."""
        row = group[0]
        now = self._clock.now()
        reason = f"{type(error).__name__}: {getattr(error, 'message', '')}".strip(": ")
        try:
            async with self._sessions.begin() as session:
                return await self._record_failure(session, group, error, reason, now)
        except Exception:
            log.exception("outbox row %s: could not record a failed send", row.id)
            self._stranded.update(each.id for each in group)
            return False

    async def _record_failure(
        self,
        session: AsyncSession,
        group: Sequence[outbox.Claimed],
        error: Exception,
        reason: str,
        now: datetime,
    ) -> bool:
        row = group[0]
        escalation = row.kind in NEVER_GIVEN_UP
        if isinstance(error, RetryAfter):
            for each in group:
                await outbox.retry_at(
                    session, each.id, now + retry_after(error), "429", attempt=False
                )
            return False
        if isinstance(error, Forbidden) and row.person_id is not None:
            person = await session.get(Person, row.person_id, with_for_update=True)
            if person is None:
                await outbox.settle(session, [row.id], OutboxStatus.CANCELLED, reason)
            else:
                log.info("person %s has blocked the bot", person.id)
                await person_blocked(session, self._settings, person, now)
            # Everything else owed to them is cancelled with it.
            return False
        if isinstance(error, DocumentGone):
            await outbox.settle(session, [row.id], OutboxStatus.CANCELLED, reason)
            return True
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest | Forbidden):
            return await self._retry_later(session, group, reason, now)
        # Refused for good (400, 403 from the operators' chat, a bug): retrying cannot help.
        if isinstance(error, TelegramError):
            log.error("outbox row %s refused by Telegram: %s", row.id, reason)
        else:
            log.error("outbox row %s could not be sent", row.id, exc_info=error)
        await outbox.settle(session, [each.id for each in group], OutboxStatus.FAILED, reason)
        if escalation:
            words = texts_for(self._settings.admin.language)
            line = words.UNDELIVERED_REFUSED.format(note=note_of(row, words), error=reason)
            await outbox.post(session, operators_alerts(self._settings, [line]), now)
        return True

    async def _retry_later(
        self,
        session: AsyncSession,
        group: Sequence[outbox.Claimed],
        reason: str,
        now: datetime,
    ) -> bool:
        row = group[0]
        attempts = row.attempts + 1
        retry = now
        if row.kind in NEVER_GIVEN_UP:
            retry = now + _backoff(ESCALATION_BACKOFF, attempts, LONGEST_ESCALATION_WAIT)
            if attempts == ALERT_AFTER:
                words = texts_for(self._settings.admin.language)
                line = words.UNDELIVERED_RETRYING.of(attempts).format(
                    note=note_of(row, words), attempts=attempts, error=reason
                )
                await outbox.post(session, operators_alerts(self._settings, [line]), now)
            if row.kind is OutboxKind.FOLLOW_UP:
                retry = await self._outside_quiet_hours(session, row, retry)
        elif now - row.created_at >= MAX_AGE:
            log.error("outbox row %s given up after %s attempts: %s", row.id, attempts, reason)
            await outbox.settle(session, [each.id for each in group], OutboxStatus.FAILED, reason)
            return True
        else:
            wait = _backoff(BACKOFF, attempts, LONGEST_WAIT)
            retry = now + wait
            log.warning("outbox row %s: %s; trying again in %s", row.id, reason, wait)
        for each in group:
            await outbox.retry_at(session, each.id, retry, reason, attempt=True)
        return False

    async def _outside_quiet_hours(
        self, session: AsyncSession, row: outbox.Claimed, moment: datetime
    ) -> datetime:
        """A follow-up held up past 22:00 waits for 08:00 on the person's clock, as it would
        have been asked then (ES-FOLLOW-UP)."""
        person = await session.get(Person, row.person_id) if row.person_id is not None else None
        zone = person.timezone if person is not None else None
        return out_of_quiet_hours(moment, ZoneInfo(zone or self._settings.care.default_timezone))

    async def _release(self, rows: Sequence[outbox.Claimed]) -> None:
        try:
            async with self._sessions.begin() as session:
                await outbox.release(session, self.worker, [row.id for row in rows])
        except Exception:
            log.exception("could not hand back %s outbox rows; their lease will", len(rows))
            self._stranded.update(row.id for row in rows)

    def _taken(self, rows: Sequence[outbox.Claimed]) -> None:
        """Rows just claimed: in hand again, so renewed again, even one stranded before."""
        self._stranded.difference_update(row.id for row in rows)

    async def renew(self) -> None:
        """Extend the leases of the rows this sender is working on (not the stranded ones)."""
        async with self._sessions.begin() as session:
            await outbox.renew(
                session, self.worker, self._clock.now(), self._lease, sorted(self._stranded)
            )

    async def _renew_leases(self) -> None:
        """Every third of a lease, so two renewals can fail before a claim runs out."""
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                await self.renew()
            except Exception:
                log.exception("could not renew the outbox leases")

    async def stop(self) -> None:
        """Stop claiming, let sends in flight finish for :data:`STOP_GRACE` seconds, then hand
        back everything still claimed: it is owed again at once, not after a lease."""
        self._stopping = True
        others = [task for task in self._tasks if task is not asyncio.current_task()]
        if others:
            _done, late = await asyncio.wait(others, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            self._renewing = None
        try:
            await asyncio.wait_for(self._marks.flushed(), STOP_GRACE)
        except TimeoutError:
            log.error("sent messages left unmarked at shutdown: they may be sent again")
            await self._marks.abandon()
        try:
            async with self._sessions.begin() as session:
                released = await outbox.release_worker(session, self.worker)
        except Exception:
            log.exception("could not hand back the claimed outbox rows; their lease will")
        else:
            if released:
                log.info("handed back %s outbox rows", released)


def _backoff(first: timedelta, attempts: int, longest: timedelta) -> timedelta:
    """``first``, doubling with each attempt, at most ``longest``. The doubling stops once
    past ``longest``: an escalation failing for an hour has made sixty attempts, and
    ``first * 2 ** 59`` is beyond what a timedelta holds."""
    wait = first
    for _ in range(attempts - 1):
        if wait >= longest:
            break
        wait *= 2
    return min(wait, longest)


def _error_label(error: Exception) -> str:
    """A send error as the metrics count it: Telegram's status, or what happened on the way."""
    if isinstance(error, RetryAfter):
        return "429"
    if isinstance(error, Forbidden):
        return "403"
    if isinstance(error, BadRequest):
        return "400"
    if isinstance(error, TimedOut):
        return "timeout"
    if isinstance(error, NetworkError):
        return "5xx"
    return "other"


def _alerts_together(rows: Sequence[outbox.Claimed], start: int) -> list[outbox.Claimed]:
    """The row at ``start``, with the one-line operators' alerts that follow it when it is one,
    as long as their lines fit one message: a burst of alerts is one message, not a wait of
    three a minute at the group limit. A report of several lines (the digest) goes alone."""
    group = [rows[start]]
    if not _one_line_alert(rows[start]):
        return group
    length = len(str(rows[start].payload["text"]))
    for row in rows[start + 1 :]:
        line = len(str(row.payload["text"])) + 1
        if not _one_line_alert(row) or length + line > MessageLimit.MAX_TEXT_LENGTH:
            break
        group.append(row)
        length += line
    return group


def _one_line_alert(row: outbox.Claimed) -> bool:
    return row.kind is OutboxKind.ALERT and "\n" not in str(row.payload["text"])


class _Marks:
    """Marks sent rows in as few transactions as the load allows, as soon as possible: the
    marks that arrive while one commit is running go in the next (a group commit)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._waiting: list[outbox.Claimed] = []
        self._flushing: asyncio.Task[None] | None = None

    def add(self, rows: Sequence[outbox.Claimed]) -> None:
        self._waiting += rows
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def flushed(self) -> None:
        """Return once every mark added so far is committed."""
        while self._flushing is not None and not self._flushing.done():
            await asyncio.shield(self._flushing)

    async def abandon(self) -> None:
        """Stop trying (the process is stopping): those rows' leases hand them on."""
        if self._flushing is not None:
            self._flushing.cancel()
            await asyncio.gather(self._flushing, return_exceptions=True)
        self._waiting = []

    async def _flush(self) -> None:
        wait = 0.2
        while self._waiting:
            rows, self._waiting = self._waiting, []
            try:
                async with self._sessions.begin() as session:
                    now = self._clock.now()
                    await outbox.mark_sent(session, rows, now)
                    escalations = [
                        int(i) for row in rows for i in row.payload.get("escalation_ids", ())
                    ]
                    await mark_delivered(session, escalations, now)
            except Exception:
                # Sent but not marked: kept claimed (and renewed) until the database is back.
                log.exception("could not mark %s sent outbox rows; trying again", len(rows))
                self._waiting = rows + self._waiting
                await asyncio.sleep(wait)
                wait = min(wait * 2, 5.0)
