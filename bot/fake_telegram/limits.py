"""Send accounting per chat, and Telegram's flood limits when asked to enforce them."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from bot.fake_telegram.models import ApiError


@dataclass(frozen=True)
class RateLimits:
    """Telegram's published limits: about 1 message/s per chat (short bursts tolerated), and 30
    messages/s overall. A chat may send ``per_chat * per_chat_window`` messages within any
    ``per_chat_window`` seconds; the bot ``overall * overall_window`` within ``overall_window``,
    or ``paid_overall`` for a message sent as a paid broadcast (``allow_paid_broadcast``).
    """

    per_chat: float = 1.0
    per_chat_window: float = 3.0
    overall: float = 30.0
    overall_window: float = 1.0
    paid_overall: float = 1000.0


class SendLog:
    """When each send* call succeeded, per chat, read from the server's ``now`` clock."""

    def __init__(self, limits: RateLimits | None) -> None:
        self._limits = limits
        self._times: dict[int, list[float]] = {}
        self._recent_chat: dict[int, deque[float]] = {}
        self._recent_all: deque[float] = deque()

    def times(self, chat_id: int) -> list[float]:
        return list(self._times.get(chat_id, ()))

    def all_times(self) -> list[float]:
        return sorted(t for times in self._times.values() for t in times)

    def check(self, chat_id: int, at: float, *, paid: bool = False) -> None:
        """Raise the 429 Telegram would give if one more send now broke the limits."""
        limits = self._limits
        if limits is None:
            return
        overall = limits.paid_overall if paid else limits.overall
        wait = _over(self._recent_all, at, limits.overall_window, overall)
        recent = self._recent_chat.get(chat_id)
        if recent is not None:
            wait = max(wait, _over(recent, at, limits.per_chat_window, limits.per_chat))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def record(self, chat_id: int, at: float) -> None:
        self._times.setdefault(chat_id, []).append(at)
        if self._limits is not None:
            self._recent_chat.setdefault(chat_id, deque()).append(at)
            self._recent_all.append(at)


def _over(recent: deque[float], at: float, window: float, rate: float) -> float:
    """Seconds until one more send fits (0 if it fits now); forgets sends outside the window."""
    while recent and recent[0] <= at - window:
        recent.popleft()
    allowed = max(1, int(rate * window))
    if len(recent) < allowed:
        return 0.0
    return recent[len(recent) - allowed] + window - at


def max_in_window(times: list[float], window: float) -> int:
    """The most sends that fall within any ``window`` seconds (half-open)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
