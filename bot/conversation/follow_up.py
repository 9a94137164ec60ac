"""ES-FOLLOW-UP: did the person get help after an EMERGENCY or URGENT escalation?

Owed when the escalation is raised, as a due row keyed by the newest escalation it asks about:
one follow-up per escalation, whatever the restarts, and a newer escalation of the same or a
higher level takes over a pending one (asking about both). The answer is stored on the
escalations ("no answer" from the moment the question is sent until an answer comes).

Its buttons belong to the escalation, not to the conversation's current question: the person
may be half-way through a check-in when it comes, and their answer must count all the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot import care
from bot.conversation.escalate import operators_note, repeat_escalation
from bot.conversation.safety import SAFETY, EmergencyHold, resume
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db.models import DueKind, DueMessage, DueStatus, Escalation, EscalationOutcome
from bot.queue.owed import Claimed

PREFIX = "fu:"
"""Callback values of the follow-up's buttons: ``fu:<escalation id>:<outcome>``."""
ANSWERED = (EscalationOutcome.GOT_HELP, EscalationOutcome.FINE)
"""Outcomes that close the follow-up (and end a hold's pause of routine messages)."""


async def ask(turn: Turn, row: Claimed) -> bool:
    """The follow-up question, unless every escalation it is about was withdrawn."""
    rows = await _open(turn, [int(i) for i in row.payload.get("escalation_ids", [])])
    if not rows:
        return False
    for escalation in rows:
        if escalation.outcome is None:
            escalation.outcome = EscalationOutcome.NO_ANSWER
    level = care.Level(int(row.payload["level"]))
    flags = [care.RedFlag(escalation.rule_id) for escalation in rows]
    newest = max(escalation.id for escalation in rows)
    buttons = tuple(
        (Button(label, f"{PREFIX}{newest}:{value}"),)
        for value, label in turn.texts.FOLLOW_UP_LABELS.items()
    )
    # Safety-netting, so it is owed like an escalation (retried until delivered, operators
    # told when it fails): the note says which escalation it follows.
    note = turn.operators_texts.FOLLOW_UP_NOTE.format(escalation=operators_note(turn, level, rows))
    turn.messages.append(
        Outgoing(turn.texts.follow_up_text(level, flags), buttons=buttons, escalation_note=note)
    )
    return True


def is_follow_up(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX)


async def answer(turn: Turn, value: str) -> None:
    """A tap on a follow-up's button, at any point of the conversation."""
    parsed = _parse(value)
    due = None if parsed is None or turn.person is None else await _due(turn, parsed[0])
    if parsed is None or due is None:
        turn.notice = turn.texts.STALE_BUTTON
        return
    rows = await _open(turn, [int(i) for i in due.payload.get("escalation_ids", [])])
    if not rows:
        turn.notice = turn.texts.STALE_BUTTON
        return
    if any(row.outcome in ANSWERED for row in rows):
        turn.notice = turn.operators_texts.FOLLOW_UP_NOTED
        return
    outcome = parsed[1]
    for row in rows:
        row.outcome = outcome
        row.outcome_at = turn.now
    held = turn.step in SAFETY.steps
    if outcome is EscalationOutcome.NOT_YET:
        # The question stays open: "seen by someone" can follow.
        # The escalation again, at once: held, with the hold's buttons; else as it was said.
        if turn.step == EmergencyHold.name:
            turn.messages.append(await EmergencyHold().ask(turn))
        else:
            level = care.Level(int(due.payload["level"]))
            repeat_escalation(turn, level, rows)
        return
    turn.close_question = True
    if outcome is EscalationOutcome.GOT_HELP:
        turn.say(turn.texts.FOLLOW_UP_GOT_HELP)
    else:
        turn.say(turn.texts.FOLLOW_UP_FINE.format(emergency=turn.contacts.emergency_number))
    if held:
        await resume(turn, intro=False)


def _parse(value: str) -> tuple[int, EscalationOutcome] | None:
    parts = value.removeprefix(PREFIX).split(":")
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    try:
        outcome = EscalationOutcome(parts[1])
    except ValueError:
        return None
    if outcome is EscalationOutcome.NO_ANSWER:
        return None
    return int(parts[0]), outcome


async def _due(turn: Turn, newest: int) -> DueMessage | None:
    """The follow-up row that asked about ``newest``: it must be this person's, and sent."""
    row: DueMessage | None = await turn.session.scalar(
        select(DueMessage).where(
            DueMessage.person_id == turn.require_person().id,
            DueMessage.kind == DueKind.FOLLOW_UP,
            DueMessage.slot == str(newest),
            DueMessage.status == DueStatus.SENT,
        )
    )
    return row


async def _open(turn: Turn, ids: Sequence[int]) -> list[Escalation]:
    """The escalations of ``ids`` that are this person's and not withdrawn, oldest first."""
    if not ids:
        return []
    return list(
        await turn.session.scalars(
            select(Escalation)
            .where(
                Escalation.id.in_(ids),
                Escalation.person_id == turn.require_person().id,
                Escalation.withdrawn_at.is_(None),
            )
            .order_by(Escalation.id)
        )
    )
