"""The update queue: what getUpdates serves, confirms by offset, and long-polls on."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from bot.fake_telegram.models import ApiError, JSONDict

# What Telegram sends when allowed_updates was never set (or set to []).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MAX_LIMIT = 100


def update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Queued updates with increasing ids, kept until confirmed (or taken directly).

    Waiting uses a "generation" event: every change sets the current event and replaces it, so
    any number of waiters wake without a lock.
    """

    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: deque[JSONDict] = deque()
        self._next_id = first_update_id
        self._allowed: frozenset[str] | None = None
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closed = False

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def pending(self) -> list[JSONDict]:
        return list(self._pending)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def put(self, kind: str, payload: JSONDict) -> JSONDict:
        update: JSONDict = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._notify()
        return update

    def take_all(self) -> list[JSONDict]:
        taken = list(self._pending)
        self._pending.clear()
        self._notify()
        return taken

    def drop_all(self) -> None:
        self._pending.clear()
        self._notify()

    def confirm(self, offset: int) -> None:
        """Forget updates with ``update_id < offset``; a negative offset keeps the last -offset."""
        pending = self._pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        else:
            while pending and pending[0]["update_id"] < offset:
                pending.popleft()
        self._notify()

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        if allowed is None:
            return
        names = frozenset(allowed)
        self._allowed = names or None

    def is_allowed(self, update: JSONDict) -> bool:
        kind = update_type(update)
        if self._allowed is None:
            return kind not in _NOT_BY_DEFAULT
        return kind in self._allowed

    def _select(self, limit: int) -> list[JSONDict]:
        if any(not self.is_allowed(update) for update in self._pending):
            # Telegram never delivers updates of types the bot did not allow: they are dropped.
            self._pending = deque(u for u in self._pending if self.is_allowed(u))
        batch: list[JSONDict] = []
        for update in self._pending:
            if len(batch) >= limit:
                break
            batch.append(update)
        return batch

    def first_deliverable(self) -> JSONDict | None:
        batch = self._select(1)
        return batch[0] if batch else None

    async def wait_changed(self, within: float | None) -> None:
        event = self._changed
        try:
            async with asyncio.timeout(within):
                await event.wait()
        except TimeoutError:
            pass

    async def get_updates(
        self,
        offset: int | None,
        limit: int | None,
        poll_seconds: float | None,
        allowed_updates: list[str] | None,
    ) -> list[JSONDict]:
        """getUpdates: confirm, then answer at once, or long-poll up to ``poll_seconds``."""
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older poll still waiting is terminated with 409, as on Telegram
        self.set_allowed(allowed_updates)
        if offset:
            self.confirm(offset)
        size = _MAX_LIMIT if not limit or limit > _MAX_LIMIT else max(1, limit)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(poll_seconds or 0))
        while True:
            batch = self._select(size)
            if batch or self._closed:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self.wait_changed(remaining)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    async def wait_empty(self, within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._pending:
            remaining = deadline - loop.time()
            if remaining <= 0:
                kinds = ", ".join(f"{u['update_id']}:{update_type(u)}" for u in self._pending)
                raise TimeoutError(
                    f"{len(self._pending)} update(s) not consumed after {within}s: {kinds}"
                )
            await self.wait_changed(remaining)

    def reopen(self) -> None:
        self._closed = False

    def close(self) -> None:
        self._closed = True
        self._notify()
