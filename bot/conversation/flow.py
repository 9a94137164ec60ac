"""Question steps, the flows they belong to, and moving between them.

A step asks one question and understands its answers. A :class:`Flow` is one conversation
(enrolment, check-in, settings, account): its steps, the only moves between them, the steps it
may be entered at, and the type of the answers it keeps while it runs. Each flow's table is
declared at the end of its module and every flow is registered by name in
:mod:`bot.conversation.flows`, which the README's diagrams are generated from.

The conversation row stores the name of the step a person is on, so any worker, after any
restart, knows which question an answer belongs to. Every move a step makes is recorded on the
turn and checked against its flow's table before the turn commits (:func:`flows.check_moves`),
so the table and the diagram cannot drift from the code.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot import care
from bot.conversation import parsing
from bot.conversation.turn import IDLE, Button, Outgoing, Turn

END = IDLE
"""In a flow's table: the flow may finish here (nothing asked, its answers dropped)."""
RESUME = "resume"
"""In a flow's table: the flow may hand back to the question of another flow it interrupted
(the safety hold after an emergency, :mod:`bot.conversation.safety`)."""


class Answers(BaseModel):
    """What a flow keeps in the conversation row while it runs. Unknown keys are ignored, so
    a row written by an older release still reads."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)


A = TypeVar("A", bound=Answers)


class Step(ABC):
    """One question. Subclasses set ``name`` (stored in the conversation row, so it never
    changes once released) and implement :meth:`ask` and the answers they accept."""

    name: ClassVar[str]

    @abstractmethod
    async def ask(self, turn: Turn) -> Outgoing:
        """The question, its buttons carrying its question number."""

    async def on_button(self, turn: Turn, value: str) -> bool:
        """Handle a tap on one of this step's buttons; False if ``value`` is not one of them."""
        return False

    async def on_text(self, turn: Turn, text: str) -> None:
        """Typed text where buttons are expected: say so and show the question again."""
        turn.say(turn.texts.TAP_A_BUTTON)
        await repeat(turn, type(self))

    async def on_location(self, turn: Turn, latitude: float, longitude: float) -> None:
        await self.on_text(turn, "")


StepType = type[Step]


@dataclass(frozen=True)
class Flow(Generic[A]):
    """One conversation: its steps and moves, where it starts, and its answers' type.

    ``moves`` maps each step to the steps it may move to next (:data:`END` to finish).
    ``entries`` are the steps a command or the due queue may start the flow at, from wherever
    the person is, with what starts it (for the diagram).
    """

    name: str
    answers_type: type[A]
    entries: Mapping[StepType, str]
    moves: Mapping[StepType, tuple[StepType | str, ...]]
    steps: Mapping[str, StepType] = field(init=False)

    def __post_init__(self) -> None:
        steps = {step.name: step for step in self.moves}
        if len(steps) != len(self.moves):
            raise ValueError(f"flow {self.name}: two steps share a name")
        targets = {t for ts in self.moves.values() for t in ts if not isinstance(t, str)}
        unknown = (targets | set(self.entries)) - set(self.moves)
        if unknown:
            raise ValueError(f"flow {self.name}: {sorted(s.name for s in unknown)} have no row")
        object.__setattr__(self, "steps", steps)

    def allows(self, before: str, after: str) -> bool:
        """Whether a move from the step named ``before`` to ``after`` is declared here: into
        an entry from anywhere, or along the table within this flow."""
        if any(entry.name == after for entry in self.entries):
            return True
        step = self.steps.get(before)
        if step is None:
            return False
        return any((t if isinstance(t, str) else t.name) == after for t in self.moves[step])

    def resumes(self, before: str) -> bool:
        """Whether the step named ``before`` may hand back to an interrupted flow."""
        step = self.steps.get(before)
        return step is not None and RESUME in self.moves[step]

    def answers(self, turn: Turn) -> A:
        """The answers kept so far in this flow."""
        return self.answers_type.model_validate(turn.conversation_row().answers)

    def keep(self, turn: Turn, answers: A) -> None:
        """Store ``answers`` in the conversation row, replacing what was kept."""
        turn.conversation_row().answers = answers.model_dump(mode="json", exclude_none=True)

    def begin(self, turn: Turn, answers: A) -> None:
        """Start this flow afresh: earlier partial answers, of any flow, are dropped."""
        self.keep(turn, answers)


async def goto(turn: Turn, step: StepType) -> None:
    """Move to ``step`` and ask its question; buttons of every earlier question become stale."""
    move_to(turn, step)
    turn.messages.append(await step().ask(turn))


def move_to(turn: Turn, step: StepType) -> None:
    """Move to ``step`` without asking: the caller says its question some other way."""
    turn.moves.append((turn.step, step.name))
    conversation = turn.conversation_row()
    conversation.step = step.name
    conversation.question_number += 1
    conversation.updated_at = turn.now


async def finish(turn: Turn) -> None:
    """The conversation is over: nothing is being asked, the partial answers are dropped."""
    turn.moves.append((turn.step, END))
    conversation = turn.conversation_row()
    conversation.step = IDLE
    conversation.question_number += 1
    conversation.updated_at = turn.now
    conversation.answers = {}


async def repeat(turn: Turn, step: StepType) -> None:
    """Ask ``step``, the question the person is on, again, keeping its number so its earlier
    buttons stay live."""
    turn.messages.append(await step().ask(turn))


def question(turn: Turn, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Outgoing:
    """A question whose buttons carry its question number."""
    return Outgoing(text, buttons=buttons, question_number=turn.conversation_row().question_number)


def button_rows(labels: Mapping[str, str], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Buttons for ``{value: label}``, ``per_row`` to a row, in the mapping's order."""
    return rows_of([Button(label, value) for value, label in labels.items()], per_row)


def rows_of(buttons: Iterable[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    listed = list(buttons)
    return tuple(tuple(listed[i : i + per_row]) for i in range(0, len(listed), per_row))


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
            turn.say(turn.texts.PAIN_INVALID)
            return
        await self.accept(turn, score)
