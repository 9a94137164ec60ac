"""Telegram flood limits, including the one-message-per-second limit to a private chat.

Telegram accepts about 30 messages per second from a bot overall, about 20 per minute to one
group, and about 1 per second to one private chat; a burst beyond that is answered with 429 Too
Many Requests and ``retry_after``. python-telegram-bot's :class:`telegram.ext.AIORateLimiter`
throttles the overall rate and the group rate, but not the private-chat rate. BackCheck talks
almost only to private chats, and one reply can be several messages in a row (escalation, advice,
next question), so without a per-chat limit such a reply arrives as a burst that Telegram may
refuse. :class:`ChatRateLimiter` adds that limit in front of an ``AIORateLimiter``, through
python-telegram-bot's public rate-limiter interface only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

__all__ = ["ChatRateLimiter", "retry_after", "without_limits"]

log = logging.getLogger(__name__)

_Result = bool | dict[str, Any] | list[dict[str, Any]]
_Callback = Callable[..., Coroutine[Any, Any, _Result]]

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


class ChatRateLimiter(BaseRateLimiter[int]):
    """A limit per private chat (positive chat ids) in front of a
    :class:`telegram.ext.AIORateLimiter` that keeps the overall and group limits.

    A request that posts a message to a private chat first waits for that chat's limiter
    (``chat_max_rate`` per ``chat_time_period``, 1 per second by default), then goes through the
    wrapped limiter's overall limit. The per-chat wait comes first so that a request held back
    for its chat does not use up a slot of the overall rate it is not sending in (taken the other
    way round, the slots of held-back requests would be spent in bunches above 30 a second).
    Group and channel chats (negative ids, ``@username``) keep the wrapped limiter's group limit
    as well. Requests without a chat id (``answerCallbackQuery``, ``getMe``) pass no limit at
    all, as in ``AIORateLimiter``: Telegram's limits count messages to chats, and the answer to a
    button press must not queue behind a due queue's check-ins.

    A 429 pauses every request for ``retry_after`` (plus :data:`RETRY_MARGIN`) seconds and the
    failed one is retried up to ``max_retries`` times, each retry waiting for its chat's limiter
    again. The retries are made here, not by the wrapped limiter (built with ``max_retries=0``),
    because only here does a retry pass the per-chat limit again. Requests wait out a pause twice:
    before taking their chat's slot, so that no slot is spent while paused, and once more just
    before they are sent, for those that had taken their slots when the pause began. A 429 on
    the last try goes to the caller and pauses nothing.

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
        overall_max_rate: Requests per ``overall_time_period`` for the whole bot.
        overall_time_period: Seconds.
        group_max_rate: Requests per ``group_time_period`` to one group or channel.
        group_time_period: Seconds.
        chat_max_rate: Messages per ``chat_time_period`` to one private chat.
        chat_time_period: Seconds.
        max_retries: Retries of a request answered with 429 (after ``retry_after``); a request's
            ``rate_limit_args``, when given, replaces it, as in ``AIORateLimiter``.
        max_chat_limiters: Size at which idle per-chat limiters are swept.
    """

    __slots__ = (
        "_chat_max_rate",
        "_chat_slots",
        "_chat_sweep_at",
        "_chat_time_period",
        "_limits",
        "_max_chat_limiters",
        "_max_retries",
        "_resume",
        "_unpaused",
    )

    def __init__(
        self,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        chat_max_rate: float = 1,
        chat_time_period: float = 1,
        max_retries: int = 3,
        *,
        max_chat_limiters: int = 4096,
    ) -> None:
        if max_chat_limiters < 1:
            raise ValueError("max_chat_limiters must be at least 1")
        self._limits: Final = AIORateLimiter(
            overall_max_rate=overall_max_rate,
            overall_time_period=overall_time_period,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=0,
        )
        self._max_retries: Final = max_retries
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
        rate_limit_args: int | None,
    ) -> _Result:
        """Per try: wait out any pause, the private chat's limiter, then the wrapped limiter."""
        max_retries = rate_limit_args or self._max_retries
        chat_id = self._private_chat(endpoint, data)
        send = self._after_any_pause(callback)
        retries = 0
        while True:
            await self._unpaused.wait()
            if chat_id is not None:
                await self._wait_for_chat(chat_id)
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
                if retries == max_retries:
                    raise refused.error from None
                retries += 1
                seconds = retry_after(refused.error).total_seconds() + RETRY_MARGIN
                log.info("429: every request waits %.1f s, then retry %d", seconds, retries)
                self._pause(seconds)

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
    return ChatRateLimiter(overall_max_rate=0, group_max_rate=0, chat_max_rate=0, max_retries=0)
