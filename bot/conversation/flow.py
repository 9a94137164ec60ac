"""The question steps of every conversation, and moving between them.

A step asks one question and understands its answers. Steps register themselves here by name;
the conversation row stores the name of the step a person is on, so any worker, after any
restart, knows which question an answer belongs to.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from bot import texts
from bot.conversation.turn import IDLE, Outgoing, Turn


class Step(ABC):
    """One question. Subclasses set ``name`` and implement :meth:`ask` and the answers."""

    name: ClassVar[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        STEPS[cls.name] = cls()

    @abstractmethod
    async def ask(self, turn: Turn) -> Outgoing:
        """The question, with buttons carrying the conversation's current turn."""

    async def on_button(self, turn: Turn, value: str) -> bool:
        """Handle a tap on one of this step's buttons; False if ``value`` is not one of them."""
        return False

    async def on_text(self, turn: Turn, text: str) -> None:
        """Typed text where buttons are expected: say so and show the question again."""
        turn.say(texts.TAP_A_BUTTON)
        await repeat(turn)

    async def on_location(self, turn: Turn, latitude: float, longitude: float) -> None:
        await self.on_text(turn, "")


STEPS: dict[str, Step] = {}


async def goto(turn: Turn, step: str) -> None:
    """Move to ``step`` and ask its question; buttons of every earlier question become stale."""
    conversation = turn.conversation_row()
    conversation.step = step
    conversation.turn += 1
    conversation.updated_at = turn.now
    if step != IDLE:
        turn.messages.append(await STEPS[step].ask(turn))


async def finish(turn: Turn) -> None:
    """The conversation is over: nothing is being asked, the partial answers are dropped."""
    await goto(turn, IDLE)
    if turn.conversation is not None:
        turn.conversation.answers = {}


async def repeat(turn: Turn) -> None:
    """Ask the current question again, keeping its turn so its earlier buttons stay live."""
    if turn.step != IDLE:
        turn.messages.append(await STEPS[turn.step].ask(turn))
