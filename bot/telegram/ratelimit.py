"""Telegram flood limits, including the one-message-per-second limit to a private chat.

Telegram accepts about 30 messages per second from a bot overall, about 20 per minute to one
group, and about 1 per second to one private chat; a burst beyond that is answered with 429 Too
Many Requests and ``retry_after``. python-telegram-bot's :class:`telegram.ext.AIORateLimiter`
throttles the overall rate and the group rate, but not the private-chat rate. BackCheck talks
almost only to private chats, and one reply can be several messages in a row (escalation, advice,
next question), so without a per-chat limit such a reply arrives as a burst that Telegram may
refuse. :class:`ChatRateLimiter` adds that limit and keeps everything else of the parent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

__all__ = ["ChatRateLimiter"]

_Result = bool | dict[str, Any] | list[dict[str, Any]]
_Callback = Callable[..., Coroutine[Any, Any, _Result]]

# The parent's retry loop (process_request) calls the private _run_request once per attempt,
# and that is where the per-chat limiter must be acquired (see ChatRateLimiter._run_request).
# Fail at import rather than silently lose the per-chat limit if a new PTB renames it.
if not callable(getattr(AIORateLimiter, "_run_request", None)):  # pragma: no cover
    raise ImportError(
        "telegram.ext.AIORateLimiter no longer has _run_request; ChatRateLimiter needs updating"
    )

# The private chat the request being processed in this task goes to, or None when the per-chat
# limit does not apply. process_request sets it and _run_request reads it: _run_request is not
# given the chat id, and a context variable is safe with many requests in flight at once.
_PRIVATE_CHAT: ContextVar[int | None] = ContextVar("backcheck_ratelimit_private_chat", default=None)

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


class ChatRateLimiter(AIORateLimiter):
    """:class:`telegram.ext.AIORateLimiter` plus a limit per private chat (positive chat ids).

    A request that posts a message to a private chat first waits for that chat's limiter
    (``chat_max_rate`` per ``chat_time_period``, 1 per second by default), then goes through the
    parent's overall limiter. The per-chat wait comes first so that a request held back for its
    chat does not use up a slot of the overall rate it is not sending in. Group and channel chats
    (negative ids, ``@username``) keep the parent's group limiter; requests without a chat id
    only pass the overall limiter. A 429 is still handled by the parent: every request pauses for
    ``retry_after`` seconds and the failed one is retried up to ``max_retries`` times, each retry
    waiting for its chat's limiter again.

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

    Benchmarks that want no limits at all build the bot without a rate limiter
    (``ExtBot(..., rate_limiter=None)``, or no ``ApplicationBuilder.rate_limiter(...)``). To keep
    the 429 retries but drop the limits, pass ``overall_max_rate=0, group_max_rate=0,
    chat_max_rate=0``: as in the parent, a rate or period of 0 turns that limit off.

    Args:
        overall_max_rate: Requests per ``overall_time_period`` for the whole bot.
        overall_time_period: Seconds.
        group_max_rate: Requests per ``group_time_period`` to one group or channel.
        group_time_period: Seconds.
        chat_max_rate: Messages per ``chat_time_period`` to one private chat.
        chat_time_period: Seconds.
        max_retries: Retries of a request answered with 429 (after ``retry_after``).
        max_chat_limiters: Size at which idle per-chat limiters are swept.
    """

    __slots__ = (
        "_chat_max_rate",
        "_chat_slots",
        "_chat_sweep_at",
        "_chat_time_period",
        "_max_chat_limiters",
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
        super().__init__(
            overall_max_rate=overall_max_rate,
            overall_time_period=overall_time_period,
            group_max_rate=group_max_rate,
            group_time_period=group_time_period,
            max_retries=max_retries,
        )
        if max_chat_limiters < 1:
            raise ValueError("max_chat_limiters must be at least 1")
        enabled = bool(chat_max_rate and chat_time_period)
        self._chat_max_rate: float = chat_max_rate if enabled else 0
        self._chat_time_period: float = chat_time_period if enabled else 0
        self._chat_slots: dict[int, _ChatSlot] = {}
        self._chat_sweep_at: int = max_chat_limiters
        self._max_chat_limiters: Final = max_chat_limiters

    @property
    def chat_limiter_count(self) -> int:
        """How many per-chat limiters are held right now (for tests and monitoring)."""
        return len(self._chat_slots)

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
        """Note the private chat (if any) for :meth:`_run_request`, then run the parent's
        retry loop. The variable is always set, so a task can never see another request's chat.
        """
        token = _PRIVATE_CHAT.set(self._private_chat(endpoint, data))
        try:
            return await super().process_request(
                callback=callback,
                args=args,
                kwargs=kwargs,
                endpoint=endpoint,
                data=data,
                rate_limit_args=rate_limit_args,
            )
        finally:
            _PRIVATE_CHAT.reset(token)

    async def _run_request(
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: _Callback,
        args: Any,
        kwargs: dict[str, Any],
    ) -> _Result:
        """One attempt: wait for the private chat's limiter, then the parent's limiters.

        Overriding this private hook (rather than :meth:`process_request`) puts the per-chat
        acquire inside the parent's retry loop, so a retry after a 429 counts as another message
        to the chat, and outside the overall limiter, so waiting for the chat does not hold a
        slot of the overall rate. It applies to paid broadcasts too: those lift the overall
        limit, not the per-chat one.
        """
        chat_id = _PRIVATE_CHAT.get()
        if chat_id is not None:
            slot = self._chat_slot(chat_id)
            slot.acquiring += 1
            try:
                await slot.limiter.acquire()
            finally:
                slot.acquiring -= 1
        return await super()._run_request(
            chat=chat,
            group=group,
            allow_paid_broadcast=allow_paid_broadcast,
            callback=callback,
            args=args,
            kwargs=kwargs,
        )

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
