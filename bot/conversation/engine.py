"""The conversation's entry point: one update in, one transaction, the replies out.

Every update takes the person's lock for its whole transaction, so answers from two devices or
two workers are applied one after the other, each seeing the other's result. Nothing here
knows Telegram: the handlers translate updates into :class:`Incoming` and send the
:class:`Outgoing` messages back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.conversation.commands import nothing_asked, run_command
from bot.conversation.flows import check_moves, step_named
from bot.conversation.turn import IDLE, Incoming, Outgoing, Turn
from bot.db import repository
from bot.queue.owed import mark_blocked
from bot.queue.plan import replan


@dataclass(frozen=True)
class Reply:
    """What to send back for one update, in order (escalations first)."""

    messages: tuple[Outgoing, ...]
    notice: str | None
    close_question: bool


class Conversations:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    async def handle(self, incoming: Incoming) -> Reply:
        """Apply one update. A first /start racing another for the same new person retries."""
        try:
            return await self._handle(incoming)
        except IntegrityError:
            return await self._handle(incoming)

    async def _handle(self, incoming: Incoming) -> Reply:
        async with self._sessions.begin() as session:
            person = await repository.lock_person(session, incoming.user_id)
            turn = Turn(
                session=session,
                settings=self._settings,
                now=self._clock.now(),
                incoming=incoming,
                person=person,
                conversation=await repository.conversation_of(session, person),
            )
            await _route(turn)
            check_moves(turn.moves)
        return Reply(tuple(turn.outgoing), turn.notice, turn.close_question)

    async def membership(self, user_id: int, *, blocked: bool) -> None:
        """Telegram told us the person blocked (or unblocked) the bot."""
        async with self._sessions.begin() as session:
            person = await repository.lock_person(session, user_id)
            if person is None:
                return
            now = self._clock.now()
            if blocked:
                await mark_blocked(session, [person.id], now)
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
            turn.say(texts.TEXT_ONLY)
        else:
            await nothing_asked(turn)
    elif incoming.location is not None:
        await step_named(turn.step)().on_location(turn, *incoming.location)
    elif incoming.text is not None:
        await step_named(turn.step)().on_text(turn, incoming.text)
    else:
        turn.say(texts.TEXT_ONLY)


async def _button(turn: Turn) -> None:
    """A tap counts only on the live question; anything else is stale and changes nothing."""
    incoming = turn.incoming
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
    turn.notice = texts.STALE_BUTTON
