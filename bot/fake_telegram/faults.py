"""Injected faults: the answers Telegram gives on a bad day (429, 403, 5xx, slowness)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus

from bot.fake_telegram.models import ApiError

_DEFAULT_DESCRIPTIONS: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "Bad Request",
    HTTPStatus.FORBIDDEN: "Forbidden: bot was blocked by the user",
    HTTPStatus.CONFLICT: "Conflict",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Internal Server Error",
    HTTPStatus.BAD_GATEWAY: "Bad Gateway",
}


@dataclass(eq=False)
class Fault:
    """One injected fault. ``status is None`` means "answer normally, but after ``delay``"."""

    method: str | None
    chat_id: int | None
    status: int | None
    retry_after: int | None
    description: str | None
    remaining: int
    delay: float
    hits: int = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            # A catch-all fault must not starve the polling loop; name getUpdates to fault it.
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError | None:
        if self.status is None:
            return None
        description = self.description
        if description is None:
            if self.status == HTTPStatus.TOO_MANY_REQUESTS:
                description = f"Too Many Requests: retry after {self.retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(self.status) or _phrase(self.status)
        return ApiError(self.status, description, retry_after=self.retry_after)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


class Faults:
    """Faults in the order they were added; each matching request consumes one use.

    A fault matches a request when its ``method`` (case-insensitive; ``None`` = any method except
    getUpdates) and its ``chat_id`` (``None`` = any chat) both match. The first matching fault
    wins. A delayed fault sleeps ``delay`` seconds and then answers its ``status`` error, or
    answers the request normally when ``status`` is ``None``: a slow success still takes effect,
    even when the client has already timed out, as on Telegram.
    """

    def __init__(self, known_methods: Iterable[str] = ()) -> None:
        self._faults: list[Fault] = []
        self._known = frozenset(name.lower() for name in known_methods)

    def add(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> Fault:
        if times < 1:
            raise ValueError("times must be at least 1")
        if delay < 0:
            raise ValueError("delay must not be negative")
        if status is None and delay == 0:
            raise ValueError("a fault needs a status, a delay, or both")
        if status is not None and not 300 <= status <= 599:
            raise ValueError(f"status {status} is not an error status")
        key = method.lower() if method is not None else None
        if key is not None and self._known and key not in self._known:
            raise ValueError(f"unknown Bot API method {method!r}")
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        fault = Fault(key, chat_id, status, retry_after, description, times, delay)
        self._faults.append(fault)
        return fault

    def retry_after(
        self, seconds: int, method: str | None = None, chat_id: int | None = None, *, times: int = 1
    ) -> Fault:
        """429 Too Many Requests with ``parameters.retry_after``."""
        return self.add(
            method, chat_id, status=HTTPStatus.TOO_MANY_REQUESTS, retry_after=seconds, times=times
        )

    def blocked(
        self, method: str | None = None, chat_id: int | None = None, *, times: int = 1
    ) -> Fault:
        """403 "Forbidden: bot was blocked by the user" (without changing the person's state)."""
        return self.add(method, chat_id, status=HTTPStatus.FORBIDDEN, times=times)

    def server_error(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        *,
        status: int = HTTPStatus.INTERNAL_SERVER_ERROR,
        times: int = 1,
    ) -> Fault:
        """A 5xx answer (500 by default, 502 Bad Gateway as Telegram's front sometimes gives)."""
        return self.add(method, chat_id, status=status, times=times)

    def slow(
        self, delay: float, method: str | None = None, chat_id: int | None = None, *, times: int = 1
    ) -> Fault:
        """Answer normally after ``delay`` seconds (a client with a shorter timeout times out)."""
        return self.add(method, chat_id, delay=delay, times=times)

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        return list(self._faults)

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """Consume one use of the first fault matching a request (``method`` lower-cased)."""
        if not self._faults:
            return None
        for index, fault in enumerate(self._faults):
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                fault.hits += 1
                if fault.remaining == 0:
                    del self._faults[index]
                return fault
        return None

    def __len__(self) -> int:
        return len(self._faults)
