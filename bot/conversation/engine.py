"""The conversation's entry point: one update in, one transaction, the replies owed.

Every update takes the person's lock for its whole transaction, so answers from two devices or
two workers are applied one after the other, each seeing the other's result. What the turn says
is written to the outbox in that transaction; the Telegram edge sends it once it has committed.
Nothing here knows Telegram: the handlers translate updates into :class:`Incoming`.

A transaction that fails on a passing database fault (a lost connection, SQLite's write lock
held by another writer) is tried again, with backoff, for ``DATABASE_RETRY_SECONDS``; after
that the error reaches the handler, which apologises to the person without the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.conversation import follow_up, mistap
from bot.conversation.commands import nothing_asked, run_command
from bot.conversation.flows import check_moves, step_named
from bot.conversation.safety import hold_after_emergency
from bot.conversation.turn import IDLE, Incoming, Turn
from bot.conversation.undelivered import person_blocked
from bot.db import repository
from bot.db.engine import erase_traces
from bot.db.errors import is_transient
from bot.db.models import OutboxKind
from bot.queue import outbox
from bot.queue.plan import replan

log = logging.getLogger(__name__)

FIRST_RETRY = 0.2
"""Seconds before the first retry of a transaction that met a passing fault; doubled each time
up to :data:`LONGEST_WAIT`."""
LONGEST_WAIT = 2.0


@dataclass(frozen=True)
class Reply:
    """What the handler does once the turn has committed (its messages are in the outbox)."""

    notice: str | None
    """A short toast answering a button tap."""
    close_question: bool
    claimed: tuple[outbox.Claimed, ...]
    """The turn's messages to the person, already in the caller's hands (see ``claimant``)."""
    waiting: tuple[int, ...]
    """Chats the turn owed messages that are waiting to be claimed: the operators', and the
    person's when something earlier to them was still unsettled."""


class Conversations:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    async def handle(self, incoming: Incoming, claimant: outbox.Claimant | None = None) -> Reply:
        """Apply one update, trying again on a passing database fault; the error of the last
        try reaches the caller. A first /start racing another for the same new person (an
        IntegrityError on its user id) is tried again too.

        ``claimant`` (the sender about to send the replies) gets the person's messages written
        already claimed when it can: one transaction fewer per turn."""
        deadline = time.monotonic() + self._settings.database.retry_seconds
        wait = FIRST_RETRY
        while True:
            try:
                return await self._handle(incoming, claimant)
            except IntegrityError:
                return await self._handle(incoming, claimant)
            except Exception as error:
                if not is_transient(error) or time.monotonic() + wait > deadline:
                    raise
                log.warning("update transaction failed (%s); trying again", type(error).__name__)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)

    async def _handle(self, incoming: Incoming, claimant: outbox.Claimant | None) -> Reply:
        async with self._sessions.begin() as session:
            person, conversation = await repository.lock_person_in_conversation(
                session, incoming.user_id
            )
            turn = Turn(
                session=session,
                settings=self._settings,
                now=self._clock.now(),
                incoming=incoming,
                person=person,
                conversation=conversation,
            )
            started_on = turn.step
            await _route(turn)
            await hold_after_emergency(turn, started_on)
            check_moves(turn.moves)
            letters = turn.letters(OutboxKind.REPLY)
            claimed = await outbox.post(
                session, letters, turn.now, claimant=claimant, chat_id=incoming.chat_id
            )
        if turn.erased:
            await self._erase_traces()
        waiting = {letter.chat_id for letter in letters} - (
            {incoming.chat_id} if claimed else set()
        )
        # The person's chat first: their messages before the operators' alerts.
        order = sorted(waiting, key=lambda chat: chat != incoming.chat_id)
        return Reply(turn.notice, turn.close_question, tuple(claimed), tuple(order))

    async def _erase_traces(self) -> None:
        """Best effort: the rows are gone already; a wipe that fails is logged and the next
        erasure (or the database's own housekeeping) does it."""
        try:
            await erase_traces(self._sessions)
        except Exception:
            log.exception("wiping an erased person's bytes failed")

    async def membership(self, user_id: int, *, blocked: bool) -> None:
        """Telegram told us the person blocked (or unblocked) the bot."""
        async with self._sessions.begin() as session:
            person = await repository.lock_person(session, user_id)
            if person is None:
                return
            now = self._clock.now()
            if blocked:
                await person_blocked(session, self._settings, person, now)
            elif person.blocked_at is not None:
                person.blocked_at = None
                episode = await repository.current_episode(session, person.id)
                await replan(session, person, episode, now)


async def _route(turn: Turn) -> None:
    incoming = turn.incoming
    if incoming.command is not None:
        await run_command(turn)
    elif incoming.is_button:
        await _button(turn)
    elif turn.step == IDLE:
        if incoming.unsupported:
            turn.say(turn.texts.TEXT_ONLY)
        else:
            await nothing_asked(turn)
    elif incoming.location is not None:
        await step_named(turn.step)().on_location(turn, *incoming.location)
    elif incoming.text is not None:
        await step_named(turn.step)().on_text(turn, incoming.text)
    else:
        turn.say(turn.texts.TEXT_ONLY)


async def _button(turn: Turn) -> None:
    """A tap counts only on the live question; anything else is stale and changes nothing."""
    incoming = turn.incoming
    if follow_up.is_follow_up(incoming.button_value):
        await follow_up.answer(turn, incoming.button_value or "")
        return
    if mistap.is_mistap(incoming.button_value):
        await mistap.answer(turn, incoming.button_value or "")
        return
    live = (
        turn.conversation is not None
        and turn.step != IDLE
        and incoming.button_question == turn.conversation.question_number
    )
    if live and incoming.button_value is not None:
        accepted = await step_named(turn.step)().on_button(turn, incoming.button_value)
        if accepted:
            turn.close_question = True
            return
    turn.notice = turn.texts.STALE_BUTTON
