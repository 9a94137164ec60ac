"""Webhook mode at the Telegram edge: updates posted by Telegram, stored, then handled in order.

Telegram waits for the answer to each post and posts again if it gets none, so the answer must
come back fast and a repeated post must change nothing: :meth:`WebhookInbox.receive` stores the
update (the inbox's key makes a repeat a no-op) and returns; the update is handled after, in
the process, by python-telegram-bot's handlers as if it had been polled. Each person's updates
are handled one at a time, oldest first, by whichever process holds the lease on their oldest
open update (:mod:`bot.queue.inbox`), so several web processes can share one database.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import Application

from bot.clock import Clock
from bot.queue import inbox
from bot.telegram.updates import CONCURRENT_UPDATES

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REORDER_WINDOW = 0.025
"""Seconds a burst of a person's updates waits before its first is handled (see _drain)."""
STOP_GRACE = 5.0
"""Seconds a stopping process gives the updates it is handling to finish."""


def webhook_path(secret: str) -> str:
    """The path Telegram posts to: made from the secret, so it cannot be guessed, and never
    the token (paths end up in access logs)."""
    return "/telegram/" + hashlib.sha256(f"backcheck-webhook:{secret}".encode()).hexdigest()[:32]


class WebhookInbox:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        lease: timedelta,
    ) -> None:
        self.worker = uuid.uuid4().hex
        """This process's name on the updates it leases."""
        self._application = application
        self._sessions = sessions
        self._clock = clock
        self._lease = lease
        self._slots = asyncio.Semaphore(CONCURRENT_UPDATES)
        self._draining: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._stopping = False

    async def receive(self, payload: dict[str, Any]) -> bool:
        """Store an update Telegram posted and have it handled; False if it came before."""
        async with self._sessions.begin() as session:
            new = await inbox.store(session, payload, self._clock.now())
        if new:
            self.wake(inbox.sender_of(payload))
        return new

    async def _lease_head(self, session: AsyncSession, sender_id: int) -> inbox.Open | None:
        return await inbox.lease_head(
            session, sender_id, self.worker, self._clock.now(), self._lease
        )

    def wake(self, sender_id: int) -> None:
        """Handle the sender's open updates, unless this process already is (one drain a
        sender in a process: it alone leases the sender's updates here)."""
        if self._stopping:
            return
        if sender_id in self._draining:
            self._again.add(sender_id)  # the running drain looks once more before it ends
            return
        self._draining[sender_id] = asyncio.get_running_loop().create_task(self._drain(sender_id))

    async def sweep(self) -> None:
        """Take up updates nobody is handling: a dead process's, or any that slipped between
        a drain's last look and its end."""
        async with self._sessions() as session:
            senders = await inbox.stranded(session, self._clock.now())
        for sender_id in senders:
            self.wake(sender_id)

    async def idle(self) -> None:
        """Wait until every update this process took up has been handled (tests)."""
        while self._draining:
            await asyncio.gather(*self._draining.values(), return_exceptions=True)

    async def stop(self) -> None:
        """Take nothing new, let the updates being handled finish (for up to
        :data:`STOP_GRACE`, then stop them: their turns roll back), and hand back the rest at
        once (another process takes them up without waiting for a lease to run out)."""
        self._stopping = True
        running = list(self._draining.values())
        if running:
            _done, late = await asyncio.wait(running, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            async with self._sessions.begin() as session:
                await inbox.release(session, self.worker)
        except Exception:
            log.exception("could not hand back this process's updates; their lease will")

    async def _drain(self, sender_id: int) -> None:
        """Handle the sender's updates oldest first while this process holds their head."""
        try:
            # Telegram may post a person's two quick updates on two connections, the later
            # first: a moment's wait lets the earlier one be stored, and it is the head then.
            await asyncio.sleep(REORDER_WINDOW)
            async with self._slots:
                await self._drain_in_slot(sender_id)
        finally:
            # At once, not in a done-callback a loop turn later: an update received in that
            # turn would find the drain still listed, and wait for the sweep.
            self._draining.pop(sender_id, None)

    async def _drain_in_slot(self, sender_id: int) -> None:
        head: inbox.Open | None = None
        while not self._stopping:
            if head is None:
                self._again.discard(sender_id)
                try:
                    async with self._sessions.begin() as session:
                        head = await self._lease_head(session, sender_id)
                except Exception:
                    log.exception("the inbox could not be read; the sweep tries again")
                    return
                if head is None:
                    if sender_id in self._again:
                        continue
                    return
            await self._handle(head)
            handled = head.update_id
            try:
                async with self._sessions.begin() as session:
                    if not await inbox.handled(session, handled, self.worker, self._clock.now()):
                        # The lease ran out mid-handling and another process took it up.
                        log.warning("update %s was taken over while handled here", handled)
                        return
                    head = None if self._stopping else await self._lease_head(session, sender_id)
            except Exception:
                # Handled but not marked: the lease runs out and the update is handled
                # again, where the conversation's stale-answer checks meet it.
                log.exception("update %s handled but not marked so", handled)
                return

    async def _handle(self, head: inbox.Open) -> None:
        """Handle one update, keeping its lease while it takes. An update that cannot be
        handled at all (not an update python-telegram-bot can read) is logged and counted as
        handled: retrying it would hold the person's later updates back for good."""
        renewing = asyncio.get_running_loop().create_task(self._renew(head.update_id))
        try:
            update = Update.de_json(head.payload, self._application.bot)
            # Errors in handlers reach the Application's error handlers, never here.
            await self._application.process_update(update)
        except Exception as error:
            log.error("update %s could not be handled: %s", head.update_id, type(error).__name__)
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _renew(self, update_id: int) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                async with self._sessions.begin() as session:
                    until = self._clock.now() + self._lease
                    await inbox.renew(session, update_id, self.worker, until)
            except Exception as error:
                log.warning(
                    "the lease of update %s not renewed: %s", update_id, type(error).__name__
                )
