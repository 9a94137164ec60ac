"""Recording escalations and handing them to the person first.

An escalation row is written in the same transaction as the answer that fired it, and its
message goes to the outbox in that transaction too, ahead of the turn's other messages
(:meth:`Turn.letters`). Whatever happens to the send, the message stays owed until Telegram has
it; the outbox claims escalations before anything else and never gives up on them while the
person has not blocked the bot (ARCHITECTURE principle 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import care
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db.models import CheckIn, DueKind, DueMessage, DueStatus, Episode, Escalation
from bot.pseudonym import pseudonym
from bot.queue.owed import Claimed, Owed, owe
from bot.queue.plan import checkin_time_of


async def levels_sent(session: AsyncSession, episode_id: int) -> dict[str, care.Level]:
    """The highest level each rule has reached in this episode (SOON is sent once per rule)."""
    rows = await session.execute(
        select(Escalation.rule_id, func.max(Escalation.level))
        .where(Escalation.episode_id == episode_id)
        .group_by(Escalation.rule_id)
    )
    return {rule_id: care.Level(level) for rule_id, level in rows.tuples()}


async def highest_said(
    session: AsyncSession, person_id: int, *, check_in_id: int | None = None
) -> care.Level | None:
    """The highest EMERGENCY or URGENT escalation, not withdrawn, raised in this exchange: a
    check-in's (``check_in_id``), or enrolment's (raised before the episode existed)."""
    exchange = (
        Escalation.check_in_id == check_in_id
        if check_in_id is not None
        else Escalation.episode_id.is_(None)
    )
    found = await session.scalar(
        select(func.max(Escalation.level)).where(
            Escalation.person_id == person_id,
            exchange,
            Escalation.level.in_([int(level) for level in care.FOLLOWED_UP_LEVELS]),
            Escalation.withdrawn_at.is_(None),
        )
    )
    return None if found is None else care.Level(found)


def closing_words(turn: Turn, said: care.Level | None) -> str | None:
    """ES-HOLD: how an exchange in which EMERGENCY or URGENT was said ends (its closing reply
    reassures nothing): the URGENT advice again, or after an emergency the person came back
    from, what to do if it returns."""
    if said is care.Level.URGENT:
        return turn.texts.urgent_again_text(turn.contacts)
    if said is care.Level.EMERGENCY:
        return turn.texts.EMERGENCY_AFTER.format(emergency=turn.contacts.emergency_number)
    return None


async def escalate(
    turn: Turn,
    found: Sequence[care.Escalation],
    *,
    episode_id: int | None,
    check_in_id: int | None = None,
) -> None:
    """Store the escalations that are due and queue one message per level, most urgent first."""
    if not any(escalation.level > care.Level.INFO for escalation in found):
        return  # most check-ins: nothing to look up
    person = turn.require_person()
    already = await levels_sent(turn.session, episode_id) if episode_id is not None else {}
    due = [e for e in care.due_escalations(found, already) if e.level > care.Level.INFO]
    for level, group in groupby(due, key=lambda escalation: escalation.level):
        rows = [
            Escalation(
                person_id=person.id,
                episode_id=episode_id,
                check_in_id=check_in_id,
                rule_id=escalation.rule_id,
                level=int(level),
                facts=dict(escalation.facts),
                created_at=turn.now,
            )
            for escalation in group
        ]
        turn.session.add_all(rows)
        await turn.session.flush()
        message = _message(turn, level, rows)
        turn.escalations.append(message)
        if level is care.Level.EMERGENCY:
            turn.emergencies.append(message)
        if level in care.FOLLOWED_UP_LEVELS:
            await owe_follow_up(turn, level, rows)


async def owe_follow_up(turn: Turn, level: care.Level, rows: Sequence[Escalation]) -> None:
    """Owe the follow-up of ``rows`` (one level's escalations, just raised)."""
    person = turn.require_person()
    zone = ZoneInfo(person.timezone or turn.settings.care.default_timezone)
    due_at = care.follow_up_at(level, turn.now, zone, checkin_time_of(person))
    ids = [row.id for row in rows]
    pending = await turn.session.scalar(
        select(DueMessage).where(
            DueMessage.person_id == person.id,
            DueMessage.kind == DueKind.FOLLOW_UP,
            DueMessage.status == DueStatus.PENDING,
        )
    )
    if pending is not None:
        earlier = [int(i) for i in pending.payload.get("escalation_ids", [])]
        if care.Level(int(pending.payload["level"])) > level:
            # The pending, higher follow-up asks about these too.
            pending.payload = {**pending.payload, "escalation_ids": earlier + ids}
            return
        pending.status = DueStatus.CANCELLED
        ids = earlier + ids
    payload = {"escalation_ids": ids, "level": int(level)}
    await owe(
        turn.session, [Owed(person.id, DueKind.FOLLOW_UP, str(ids[-1]), due_at, payload)], turn.now
    )


async def withdraw(turn: Turn, rows: Sequence[Escalation]) -> set[str]:
    """ES-MISTAP, confirmed: the rows stay, marked withdrawn; their flags leave the stored
    answers (the check-in's, or the episode's enrolment flags); the operators are told. The
    flags, for the caller to clear from answers still being kept in the conversation."""
    flags = {row.rule_id for row in rows}
    for row in rows:
        row.withdrawn_at = turn.now
    for check_in_id in {row.check_in_id for row in rows if row.check_in_id is not None}:
        check_in = await turn.session.get(CheckIn, check_in_id)
        if check_in is not None:
            check_in.red_flags = [flag for flag in check_in.red_flags if flag not in flags]
    at_enrolment = {row.episode_id for row in rows if row.check_in_id is None}
    for episode_id in at_enrolment - {None}:
        episode = await turn.session.get(Episode, episode_id)
        if episode is not None:
            episode.enrolment_red_flags = [
                flag for flag in episode.enrolment_red_flags if flag not in flags
            ]
    person = turn.require_person()
    note = turn.operators_texts.ADMIN_WITHDRAWN.format(
        level=care.Level(max(row.level for row in rows)).name,
        pseudonym=pseudonym(turn.settings, person.id, person.created_at),
        rule_id=", ".join(sorted(flags)),
    )
    turn.messages.append(Outgoing(turn.texts.MISTAP_WITHDRAWN, admin_alert=note))
    return flags


def repeat_escalation(turn: Turn, level: care.Level, rows: Sequence[Escalation]) -> None:
    """An escalation's message said again ("not yet" to ES-FOLLOW-UP): first in the turn,
    kept owed like any escalation, with no new row and no new operators' alert."""
    message = _message(turn, level, rows)
    turn.escalations.append(replace(message, escalation_ids=(), admin_alert=None))


MISTAP = "mt:"
"""Callback values of "I tapped this by mistake" under an URGENT message, and of its
confirmation: ``mt:<escalation id>`` and ``mt:<escalation id>:<withdraw|keep>``
(:mod:`bot.conversation.mistap`). Under an EMERGENCY the hold asks instead."""


def _message(turn: Turn, level: care.Level, rows: Sequence[Escalation]) -> Outgoing:
    note = operators_note(turn, level, rows)
    # ES-MISTAP under URGENT: its own button, live whatever the conversation asks meanwhile.
    buttons = (
        ((Button(turn.texts.HOLD_LABELS["mistap"], f"{MISTAP}{rows[-1].id}"),),)
        if level is care.Level.URGENT
        else ()
    )
    return Outgoing(
        turn.texts.escalation_text(level, [row.rule_id for row in rows], turn.contacts),
        buttons=buttons,
        escalation_ids=tuple(row.id for row in rows),
        # EMERGENCY and URGENT reach the operators as soon as they are said.
        admin_alert=note if level >= care.Level.URGENT else None,
        escalation_note=note,
    )


async def render_undelivered(turn: Turn, queued: Claimed) -> bool:
    """An escalation row of the due queue, as releases before the outbox owed them: its
    undelivered escalations go to the outbox now."""
    ids = [int(value) for value in queued.payload.get("escalation_ids", [])]
    rows = list(
        await turn.session.scalars(
            select(Escalation)
            .where(Escalation.id.in_(ids), Escalation.sent_at.is_(None))
            .order_by(Escalation.level.desc(), Escalation.id)
        )
    )
    for level, group in groupby(rows, key=lambda row: care.Level(row.level)):
        turn.escalations.append(_message(turn, level, list(group)))
    return bool(rows)


def operators_note(turn: Turn, level: care.Level, rows: Sequence[Escalation]) -> str:
    """The escalation in the operators' words: a pseudonym and the rules, never a name."""
    return turn.operators_texts.ADMIN_ALERT.format(
        level=level.name,
        pseudonym=pseudonym(
            turn.settings, turn.require_person().id, turn.require_person().created_at
        ),
        rule_id=", ".join(row.rule_id for row in rows),
    )


async def mark_delivered(
    session: AsyncSession, escalation_ids: Sequence[int], now: datetime
) -> None:
    """Telegram accepted the message: the escalations are sent."""
    if escalation_ids:
        await session.execute(
            update(Escalation)
            .where(Escalation.id.in_(escalation_ids), Escalation.sent_at.is_(None))
            .values(sent_at=now)
        )
