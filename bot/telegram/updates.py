"""Updates from different people are handled side by side; one person's, one at a time, in order.

python-telegram-bot handles one update at a time by default, so a slow reply (an export being
streamed) would hold back everyone else's, a red-flag answer included. Handling everything
concurrently instead could apply one person's taps out of order. This processor takes a
per-person lock (FIFO, and reached in the order the updates arrived: the tasks are created in
that order and asyncio's locks queue fairly): people never wait for each other, and each
person's updates keep their order. The database lock on the person still guards against a
second process.

The person's lock is taken *before* one of the :data:`CONCURRENT_UPDATES` slots, so a person's
second update waiting for their first holds no slot that someone else's update could use.
python-telegram-bot's own bound (which it takes before calling this processor) is set far
above, to :data:`QUEUED_UPDATES`, where it only bounds memory.

An update waiting for a slot means people are waiting for the bot: :meth:`caught_up` lets the
due queue's bulk messages wait until none is (:meth:`bot.telegram.sender.Sender.replies_first`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

CONCURRENT_UPDATES = 16
"""Updates being handled at once: each holds a database connection while it is handled."""
QUEUED_UPDATES = 4096
"""Updates accepted at once, handled or waiting for their person's earlier ones."""


def _sender(update: object) -> int | None:
    """Whose update this is; None for the rare update with neither user nor chat."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerPersonUpdates(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(QUEUED_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        # Weak values: a lock lives only while one of the person's updates holds or awaits it.
        self._locks: weakref.WeakValueDictionary[int | None, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._waiting_for_a_slot = 0
        self._caught_up = asyncio.Event()
        self._caught_up.set()

    async def caught_up(self) -> None:
        """Return once no update waits for a slot: every person who wrote is being answered."""
        await self._caught_up.wait()

    def _lock_for(self, update: object) -> asyncio.Lock:
        key = _sender(update)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._lock_for(update):
            await self._take_a_slot()
            try:
                await coroutine
            finally:
                self._slots.release()

    async def _take_a_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        self._waiting_for_a_slot += 1
        self._caught_up.clear()
        try:
            await self._slots.acquire()
        finally:
            self._waiting_for_a_slot -= 1
            if self._waiting_for_a_slot == 0:
                self._caught_up.set()

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: a lock goes when its last update has been handled."""
