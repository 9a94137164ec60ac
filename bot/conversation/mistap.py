"""ES-MISTAP under an URGENT message: "I tapped this by mistake", at any point after.

An URGENT escalation does not stop the exchange, so its button belongs to the escalation, not to
the question the conversation is on. A tap asks once more with the flag's full question; only a
confirmation withdraws it (:func:`bot.conversation.escalate.withdraw`), after which the question
the person is on is asked again; "I do have it" repeats the escalation's message. Under an
EMERGENCY the same is asked by the hold (:mod:`bot.conversation.safety`).
"""

from __future__ import annotations

from sqlalchemy import select

from bot import care
from bot.conversation.enrolment import ENROLMENT
from bot.conversation.escalate import MISTAP, repeat_escalation, withdraw
from bot.conversation.flows import ask_again
from bot.conversation.safety import without_flags
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db.models import Escalation

_ACTIONS = ("withdraw", "keep")


def is_mistap(value: str | None) -> bool:
    return value is not None and value.startswith(MISTAP)


async def answer(turn: Turn, value: str) -> None:
    """A tap on "I tapped this by mistake" under an URGENT message, or on its confirmation."""
    parts = value.removeprefix(MISTAP).split(":")
    action = parts[1] if len(parts) == 2 else "ask"
    rows = await _urgent(turn, parts[0]) if len(parts) <= 2 and parts[0].isdigit() else []
    if not rows or action not in (*_ACTIONS, "ask"):
        turn.notice = turn.texts.STALE_BUTTON
        return
    newest = rows[-1].id
    if action == "ask":
        flags = [care.RedFlag(row.rule_id) for row in rows]
        labels = turn.texts.MISTAP_LABELS
        buttons = tuple(
            (Button(labels[choice], f"{MISTAP}{newest}:{choice}"),) for choice in _ACTIONS
        )
        text = turn.texts.mistap_text(care.Level.URGENT, flags, turn.contacts)
        turn.messages.append(Outgoing(text, buttons=buttons))
        return
    turn.close_question = True
    if action == "keep":
        repeat_escalation(turn, care.Level.URGENT, rows)
        return
    withdrawn = await withdraw(turn, rows)
    if turn.step in ENROLMENT.steps:
        conversation = turn.conversation_row()
        conversation.answers = without_flags(conversation.answers, withdrawn)
    await ask_again(turn)


async def _urgent(turn: Turn, escalation_id: str) -> list[Escalation]:
    """The URGENT escalations said in the message of ``escalation_id`` (one turn's, of one
    level), if they are this person's and not withdrawn."""
    if turn.person is None:
        return []
    said = await turn.session.get(Escalation, int(escalation_id))
    if (
        said is None
        or said.person_id != turn.person.id
        or said.level != int(care.Level.URGENT)
        or said.withdrawn_at is not None
    ):
        return []
    return list(
        await turn.session.scalars(
            select(Escalation)
            .where(
                Escalation.person_id == said.person_id,
                Escalation.level == said.level,
                Escalation.created_at == said.created_at,
                Escalation.withdrawn_at.is_(None),
            )
            .order_by(Escalation.id)
        )
    )
