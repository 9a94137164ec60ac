"""Telegram flood limits: the bulk rate for the due queue, one message a second to a private
chat, twenty a minute to a group.

Telegram's FAQ: "avoid sending more than one message per second" to one chat, "no more than 20
messages per minute" to a group, and for bulk notifications to many users "no more than 30
messages per second" (up to 1,000 with paid broadcasts); beyond that it answers 429 Too Many
Requests and ``retry_after``. A reply to what a person has just sent is not a bulk notification,
so only the due queue's sends (:attr:`Lane.BULK`) pay the bulk rate, and a reply never queues
behind a wave of check-ins. python-telegram-bot's :class:`telegram.ext.AIORateLimiter` has no
per-chat limit, and one reply can be several messages in a row (escalation, advice, next
question): :class:`ChatRateLimiter` adds that limit and the bulk lane in front of an
``AIORateLimiter`` (which keeps the group limit), through python-telegram-bot's public
rate-limiter interface only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from enum import Enum
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

__all__ = ["ChatRateLimiter", "Lane", "retry_after", "without_limits"]

log = logging.getLogger(__name__)

_Result = bool | dict[str, Any] | list[dict[str, Any]]
_Callback = Callable[..., Coroutine[Any, Any, _Result]]


class Lane(Enum):
    """Which limits a send pays, given as its ``rate_limit_args`` by the outbox.

    The outbox retries its messages itself, durably, so a request that names a lane is not
    retried here: its 429 goes straight back (after pausing every request for ``retry_after``).
    """

    REPLY = "reply"
    """An answer, an escalation, an operators' alert: the per-chat and group limits."""
    BULK = "bulk"
    """What the due queue owed: the bulk rate as well."""


RETRY_MARGIN = 0.1
"""Seconds waited beyond ``retry_after`` before the retry, as ``AIORateLimiter`` does: the retry
lands just after Telegram's window instead of on its edge."""

# Methods that do not put a new message into the chat and so do not count against the
# one-message-per-second limit: typing indicators (they would delay the reply they announce).
_NOT_MESSAGES: Final = frozenset({"sendChatAction"})


def _posts_message(endpoint: str) -> bool:
    """Whether a Bot API method puts a new message into the chat (send*, forward*, copy*).

    Edits, deletions and chat actions are left to the overall limiter: Telegram's 1/s per-chat
    limit is about new messages, and throttling an edit (say, removing a keyboard after a button
    press) would hold up the message that follows it by a second.
    """
    return endpoint.startswith(("send", "forward", "copy")) and endpoint not in _NOT_MESSAGES


def retry_after(error: RetryAfter) -> timedelta:
    """How long Telegram asked to wait."""
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA (see bot/__init__.py)
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class _Refused(Exception):
    """A 429 carried through the wrapped ``AIORateLimiter``: with no retries of its own it would
    log every 429 as a final failure, while this limiter may still retry it."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(error)
        self.error = error


class _ChatSlot:
    """One private chat's limiter, and how many requests are acquiring from it right now.

    ``acquiring`` is what makes dropping a drained limiter safe: a request that was just woken by
    the limiter has not yet added its own capacity, so the bucket looks empty for a moment while
    it is still in use.
    """

    __slots__ = ("acquiring", "limiter")

    def __init__(self, limiter: AsyncLimiter) -> None:
        self.limiter = limiter
        self.acquiring = 0

    def idle(self) -> bool:
        """Nothing waiting and the bucket fully drained: indistinguishable from a new limiter."""
        return self.acquiring == 0 and self.limiter.has_capacity(self.limiter.max_rate)


class ChatRateLimiter(BaseRateLimiter[Lane]):
    """A limit per private chat (positive chat ids) and a bulk lane, in front of a
    :class:`telegram.ext.AIORateLimiter` that keeps the group limit.

    A request that posts a message to a private chat first waits for that chat's limiter
    (``chat_max_rate`` per ``chat_time_period``, 1 per second by default); a request of the bulk
    lane then waits for the bulk limiter (``bulk_max_rate`` per ``bulk_time_period``); then the
    wrapped limiter applies the group limit to group and channel chats (negative ids,
    ``@username``). The per-chat wait comes first so that a request held back for its chat does
    not use up a bulk slot it is not sending in (taken the other way round, the slots of
    held-back requests would be spent in bunches above the bulk rate). Replies, escalations and
    requests without a chat id (``answerCallbackQuery``, ``getMe``) pay no bulk rate.

    A 429 pauses every request for ``retry_after`` (plus :data:`RETRY_MARGIN`) seconds. A
    request that names a :class:`Lane` is the outbox's, which owes the message again itself: its
    429 goes back to it at once. Any other request (the command menu, a callback's answer) is
    retried here up to ``max_retries`` times, each retry waiting for its chat's limiter again.
    Requests wait out a pause twice: before taking their chat's slot, so that no slot is spent
    while paused, and once more just before they are sent, for those that had taken their slots
    when the pause began.

    Memory: a chat's limiter is created on its first message. A limiter whose bucket has fully
    drained (its chat got nothing for ``chat_time_period``) and that no request is waiting on
    behaves exactly like a new one, so dropping it loses nothing. Once the table reaches
    ``max_chat_limiters`` entries, every such idle limiter is dropped in one sweep; the next
    sweep waits until the table has doubled from what survived (and at least reaches
    ``max_chat_limiters`` again), so sweeps cost O(1) per message on average. The table thus
    holds at most ``max_chat_limiters`` entries (4096 by default: a few MB at most) unless more
    than half that many chats are busy at one sweep (then twice the busy ones), which at 30
    messages per second means thousands of requests queued at once. Unlike an LRU cap, this
    never forgets a chat that still has messages queued, which would let a second burst through.

    As in ``AIORateLimiter``, a rate or period of 0 turns that limit off; :func:`without_limits`
    turns every limit and the retries off.

    Args:
        bulk_max_rate: Messages of the bulk lane per ``bulk_time_period``, for the whole bot.
        bulk_time_period: Seconds.
        group_max_rate: Requests per ``group_time_period`` to one group or channel.
        group_time_period: Seconds.
        chat_max_rate: Messages per ``chat_time_period`` to one private chat.
        chat_time_period: Seconds.
        max_retries: Retries of a request without a lane answered with 429 (after
            ``retry_after``).
        max_chat_limiters: Size at which idle per-chat limiters are swept.
        pause_on_429: Whether a 429 holds every request for ``retry_after``.
    """

    __slots__ = (
        "_bulk",
        "_chat_max_rate",
        "_chat_slots",
        "_chat_sweep_at",
        "_chat_time_period",
        "_limits",
        "_max_chat_limiters",
        "_max_retries",
        "_pause_on_429",
        "_resume",
        "_unpaused",
    )

    def __init__(
        self,
        bulk_max_rate: float = 30,
        bulk_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        chat_max_rate: float = 1,
        chat_time_period: float = 1,
        max_retries: int = 3,
        *,
        max_chat_limiters: int = 4096,
        pause_on_429: bool = True,
    ) -> None:
        if max_chat_limiters < 1:
            raise ValueError("max_chat_limiters must be at least 1")
        self._limits: Final = AIORateLimiter(
            overall_max_rate=0,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=0,
        )
        self._bulk: Final = (
            AsyncLimiter(bulk_max_rate, bulk_time_period)
            if bulk_max_rate and bulk_time_period
            else None
        )
        self._max_retries: Final = max_retries
        self._pause_on_429: Final = pause_on_429
        enabled = bool(chat_max_rate and chat_time_period)
        self._chat_max_rate: float = chat_max_rate if enabled else 0
        self._chat_time_period: float = chat_time_period if enabled else 0
        self._chat_slots: dict[int, _ChatSlot] = {}
        self._chat_sweep_at: int = max_chat_limiters
        self._max_chat_limiters: Final = max_chat_limiters
        # Set except while a 429's pause lasts; _resume is the timer that ends the pause.
        self._unpaused = asyncio.Event()
        self._unpaused.set()
        self._resume: asyncio.TimerHandle | None = None

    @property
    def chat_limiter_count(self) -> int:
        """How many per-chat limiters are held right now (for tests and monitoring)."""
        return len(self._chat_slots)

    async def initialize(self) -> None:
        await self._limits.initialize()

    async def shutdown(self) -> None:
        await self._limits.shutdown()

    def _private_chat(self, endpoint: str, data: dict[str, Any]) -> int | None:
        """The private chat a request posts a message to, or None if the per-chat limit is off
        or does not apply (no chat, a group or channel, or not a new message)."""
        if not self._chat_max_rate or not _posts_message(endpoint):
            return None
        chat_id = data.get("chat_id")
        if isinstance(chat_id, bool):
            return None
        if isinstance(chat_id, str):
            # A numeric id passed as text is a chat id too; "@name" is a channel or supergroup.
            with contextlib.suppress(ValueError):
                chat_id = int(chat_id)
        if isinstance(chat_id, int) and chat_id > 0:
            return chat_id
        return None

    async def process_request(
        self,
        callback: _Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> _Result:
        """Per try: wait out any pause, the private chat's limiter, the bulk limiter for the
        bulk lane, then the wrapped limiter."""
        max_retries = 0 if rate_limit_args is not None else self._max_retries
        chat_id = self._private_chat(endpoint, data)
        send = self._after_any_pause(callback)
        retries = 0
        while True:
            await self._unpaused.wait()
            if chat_id is not None:
                await self._wait_for_chat(chat_id)
            if rate_limit_args is Lane.BULK and self._bulk is not None:
                await self._bulk.acquire()
            try:
                # rate_limit_args=None: the wrapped limiter then makes its own 0 retries.
                return await self._limits.process_request(
                    callback=send,
                    args=args,
                    kwargs=kwargs,
                    endpoint=endpoint,
                    data=data,
                    rate_limit_args=None,
                )
            except _Refused as refused:
                seconds = retry_after(refused.error).total_seconds() + RETRY_MARGIN
                if self._pause_on_429:
                    self._pause(seconds)
                if retries == max_retries:
                    raise refused.error from None
                retries += 1
                log.info("429: every request waits %.1f s, then retry %d", seconds, retries)

    def _after_any_pause(self, callback: _Callback) -> _Callback:
        """``callback``, held while a pause lasts, its 429 carried past the wrapped limiter."""

        async def send(*args: Any, **kwargs: Any) -> _Result:
            await self._unpaused.wait()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                raise _Refused(error) from error

        return send

    def _pause(self, seconds: float) -> None:
        """Hold every request for ``seconds``, or until a pause already in force ends if later."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        if self._resume is not None:
            if self._resume.when() >= until:
                return
            self._resume.cancel()
        self._unpaused.clear()
        self._resume = loop.call_at(until, self._end_pause)

    def _end_pause(self) -> None:
        self._resume = None
        self._unpaused.set()

    async def _wait_for_chat(self, chat_id: int) -> None:
        slot = self._chat_slot(chat_id)
        slot.acquiring += 1
        try:
            await slot.limiter.acquire()
        finally:
            slot.acquiring -= 1

    def _chat_slot(self, chat_id: int) -> _ChatSlot:
        """The chat's slot, created on demand; sweeps idle slots when the table is full.

        No await happens between this and the caller marking the slot as acquiring, so a sweep
        from another task cannot drop the slot in between.
        """
        slots = self._chat_slots
        slot = slots.get(chat_id)
        if slot is not None:
            return slot
        if len(slots) >= self._chat_sweep_at:
            for key, other in list(slots.items()):
                if other.idle():
                    del slots[key]
            self._chat_sweep_at = max(self._max_chat_limiters, 2 * len(slots))
        slot = _ChatSlot(
            AsyncLimiter(max_rate=self._chat_max_rate, time_period=self._chat_time_period)
        )
        slots[chat_id] = slot
        return slot


def without_limits() -> ChatRateLimiter:
    """Every limit off and 429s passed straight to the caller: for the offline demo, tests
    and benchmarks, which move a clock or measure the bot itself rather than wait out
    Telegram's windows."""
    return ChatRateLimiter(
        bulk_max_rate=0, group_max_rate=0, chat_max_rate=0, max_retries=0, pause_on_429=False
    )
