"""After an emergency: the exchange stops, and resumes only when the person says so.

ES-HOLD: once an EMERGENCY message has been said in enrolment or a check-in, nothing more is
asked or advised in that exchange, so nothing said after it can make it sound optional. The
EMERGENCY message is the last thing said, with two buttons: carry on (once seen, or safe),
which goes back to the question where the exchange stopped, and "I tapped this by mistake"
(ES-MISTAP), which asks once more with the flag's full wording and withdraws the escalation only
on a confirmation. /checkin and /start carry on too. While held, and for at most
:data:`HOLD_LIMIT`, the due queue sends nothing routine (:func:`holding`).

The interrupted flow's step and answers are kept in the hold's own answers, so a restart, or
another worker, resumes exactly where the person was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field
from sqlalchemy import select

from bot import care
from bot.conversation.checkin import CHECKIN
from bot.conversation.enrolment import ENROLMENT
from bot.conversation.escalate import withdraw
from bot.conversation.flow import (
    END,
    RESUME,
    Answers,
    Flow,
    Step,
    StepType,
    finish,
    goto,
    move_to,
    question,
    repeat,
)
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db.models import Escalation, EscalationOutcome

HOLD_LIMIT = timedelta(hours=24)
"""ES-HOLD: how long routine messages wait for a person held after an emergency."""
HELD_FLOWS: tuple[Flow[Any], ...] = (ENROLMENT, CHECKIN)
"""The exchanges an emergency stops: the ones that go on asking and advising."""


class HoldAnswers(Answers):
    """Where the interrupted exchange stood, and the emergency that interrupted it."""

    resume_step: str
    resume_answers: dict[str, Any] = Field(default_factory=dict)
    escalation_ids: list[int]
    flags: list[str]
    """The red flags that fired (their rule ids), for the message and for ES-MISTAP."""
    held_at: datetime


def _hold_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    labels = turn.texts.HOLD_LABELS
    return ((Button(labels["carry"], "carry"),), (Button(labels["mistap"], "mistap"),))


async def hold_after_emergency(turn: Turn, started_on: str) -> None:
    """ES-HOLD: an EMERGENCY raised in enrolment or a check-in ends the exchange there.

    ``started_on`` is the step the turn began at. The turn's other messages (the next question,
    advice, the trend) are dropped; the EMERGENCY message goes last, with the hold's buttons.
    """
    if not turn.emergencies or not any(started_on in flow.steps for flow in HELD_FLOWS):
        return
    emergency = turn.emergencies[-1]
    conversation = turn.conversation_row()
    rows = await turn.session.scalars(
        select(Escalation).where(Escalation.id.in_(emergency.escalation_ids))
    )
    answers = HoldAnswers(
        resume_step=conversation.step,
        resume_answers=dict(conversation.answers),
        escalation_ids=list(emergency.escalation_ids),
        flags=[row.rule_id for row in rows],
        held_at=turn.now,
    )
    turn.messages.clear()
    move_to(turn, EmergencyHold)
    SAFETY.begin(turn, answers)
    held = replace(
        emergency, buttons=_hold_buttons(turn), question_number=conversation.question_number
    )
    turn.escalations.remove(emergency)
    turn.escalations.append(held)


async def holding(turn: Turn) -> bool:
    """Whether routine messages wait: the person is held after an emergency, for less than
    :data:`HOLD_LIMIT`, and has not told the follow-up they got help or are fine."""
    if turn.step not in SAFETY.steps:
        return False
    answers = SAFETY.answers(turn)
    if answers.held_at <= turn.now - HOLD_LIMIT:
        return False
    closed = await turn.session.scalar(
        select(Escalation.id)
        .where(
            Escalation.id.in_(answers.escalation_ids),
            Escalation.outcome.in_((EscalationOutcome.GOT_HELP, EscalationOutcome.FINE)),
        )
        .limit(1)
    )
    return closed is None


async def resume(turn: Turn, *, intro: bool = True) -> bool:
    """Carry on the exchange an emergency stopped, at its question; False if none is held.
    ``intro``: say "let's carry on" first."""
    if turn.step not in SAFETY.steps:
        return False
    answers = SAFETY.answers(turn)
    step = _resumable(answers.resume_step)
    turn.conversation_row().answers = dict(answers.resume_answers)
    if intro:
        turn.say(turn.texts.HOLD_CARRY_ON)
    if step is None:
        await finish(turn)
    else:
        await goto(turn, step)
    return True


def _resumable(name: str) -> StepType | None:
    for flow in HELD_FLOWS:
        if name in flow.steps:
            return flow.steps[name]
    return None


def _flags(answers: HoldAnswers) -> list[care.RedFlag]:
    return [care.RedFlag(flag) for flag in answers.flags]


class EmergencyHold(Step):
    """ES-HOLD: the EMERGENCY message, with carry on and "I tapped this by mistake"."""

    name = "emergency_hold"

    async def ask(self, turn: Turn) -> Outgoing:
        text = turn.texts.emergency_text(_flags(SAFETY.answers(turn)), turn.contacts)
        return question(turn, text, _hold_buttons(turn))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "carry":
            await resume(turn)
        elif value == "mistap":
            await goto(turn, MistapConfirm)
        else:
            return False
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        """Anything typed gets the emergency message again, first and alone."""
        await repeat(turn, EmergencyHold)


class MistapConfirm(Step):
    """ES-MISTAP: the flag's full question once more; only a confirmation withdraws it."""

    name = "emergency_mistap"

    async def ask(self, turn: Turn) -> Outgoing:
        text = turn.texts.mistap_text(
            care.Level.EMERGENCY, _flags(SAFETY.answers(turn)), turn.contacts
        )
        labels = turn.texts.MISTAP_LABELS
        buttons = ((Button(labels["withdraw"], "withdraw"),), (Button(labels["keep"], "keep"),))
        return question(turn, text, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "withdraw":
            await _withdraw(turn)
        elif value == "keep":
            await goto(turn, EmergencyHold)
        else:
            return False
        return True


async def _withdraw(turn: Turn) -> None:
    """ES-MISTAP confirmed under an EMERGENCY: withdrawn, and the exchange carries on."""
    answers = SAFETY.answers(turn)
    rows = list(
        await turn.session.scalars(
            select(Escalation).where(Escalation.id.in_(answers.escalation_ids))
        )
    )
    flags = await withdraw(turn, rows)
    answers.resume_answers = without_flags(answers.resume_answers, flags)
    SAFETY.keep(turn, answers)
    await resume(turn, intro=False)


def without_flags(answers: dict[str, Any], flags: set[str]) -> dict[str, Any]:
    """Enrolment's kept answers without ``flags`` (its flags live there until the episode is
    written); any other flow's answers unchanged."""
    kept = dict(answers)
    for key in ("flags", "group_chosen"):
        if isinstance(kept.get(key), list):
            kept[key] = [flag for flag in kept[key] if flag not in flags]
    return kept


SAFETY = Flow(
    "safety",
    HoldAnswers,
    entries={EmergencyHold: "an EMERGENCY in enrolment or a check-in"},
    moves={
        EmergencyHold: (MistapConfirm, RESUME, END),
        MistapConfirm: (EmergencyHold, RESUME, END),
    },
)
"""END: a hold with nothing to go back to ends when the person carries on."""
