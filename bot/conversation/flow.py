"""The question steps of every conversation, and moving between them.

A step asks one question and understands its answers. Steps register themselves here by name;
the conversation row stores the name of the step a person is on, so any worker, after any
restart, knows which question an answer belongs to.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import ClassVar

from bot import care, texts
from bot.conversation import parsing
from bot.conversation.turn import IDLE, Button, Outgoing, Turn


class Step(ABC):
    """One question. Subclasses set ``name`` and implement :meth:`ask` and the answers."""

    name: ClassVar[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "name" in cls.__dict__:  # a concrete step; shared bases such as PainStep have none
            STEPS[cls.name] = cls()

    @abstractmethod
    async def ask(self, turn: Turn) -> Outgoing:
        """The question, its buttons carrying its question number."""

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
    conversation.question_number += 1
    conversation.updated_at = turn.now
    if step != IDLE:
        turn.messages.append(await STEPS[step].ask(turn))


async def finish(turn: Turn) -> None:
    """The conversation is over: nothing is being asked, the partial answers are dropped."""
    await goto(turn, IDLE)
    if turn.conversation is not None:
        turn.conversation.answers = {}


async def repeat(turn: Turn) -> None:
    """Ask the current question again, keeping its number so its earlier buttons stay live."""
    if turn.step != IDLE:
        turn.messages.append(await STEPS[turn.step].ask(turn))


def question(turn: Turn, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Outgoing:
    """A question whose buttons carry its question number."""
    return Outgoing(text, buttons=buttons, question_number=turn.conversation_row().question_number)


@functools.cache
def pain_buttons() -> tuple[tuple[Button, ...], ...]:
    """0-10 in two rows that fit a phone screen; immutable, so built once (every check-in
    asks it)."""
    scores = [Button(str(score), str(score)) for score in range(care.PAIN_MIN, care.PAIN_MAX + 1)]
    return (tuple(scores[:6]), tuple(scores[6:]))


class PainStep(Step):
    """A 0-10 pain score, tapped or typed; anything else is explained and changes nothing."""

    @abstractmethod
    async def accept(self, turn: Turn, score: int) -> None:
        """Store the score and move on."""

    async def on_button(self, turn: Turn, value: str) -> bool:
        score = parsing.pain_score(value)
        if score is None:
            return False
        await self.accept(turn, score)
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        score = parsing.pain_score(text)
        if score is None:
            turn.say(texts.PAIN_INVALID)
            return
        await self.accept(turn, score)
