"""What the bot says when a scheduled moment comes: decided at send time, not when owed.

The queue row only says what is owed; whether it is still worth sending is decided here, on the
person's state now, under their lock: a check-in already given by /checkin is not asked again,
a reminder for an answered check-in is dropped, a paused or blocked person gets nothing.
"""

from __future__ import annotations

from sqlalchemy import select, update

from bot import care
from bot.conversation import follow_up
from bot.conversation.checkin import CHECKIN, CheckinPain, asking_pain, start_checkin
from bot.conversation.escalate import escalate, render_undelivered
from bot.conversation.flow import repeat
from bot.conversation.safety import holding
from bot.conversation.turn import Turn
from bot.db import repository
from bot.db.models import (
    CheckIn,
    CheckInStatus,
    DueKind,
    EpisodeStatus,
    PersonStatus,
)
from bot.queue.owed import Claimed, Owed, cancel, owe
from bot.queue.plan import next_slot, zone_of


async def prepare(turn: Turn, row: Claimed) -> bool:
    """Put what ``row`` should say into ``turn``; False when there is nothing to send."""
    if row.kind is DueKind.ESCALATION:
        return await render_undelivered(turn, row)
    person = turn.require_person()
    if person.blocked_at is not None:
        return False
    if row.kind is DueKind.FOLLOW_UP:
        return await follow_up.ask(turn, row)
    held = await holding(turn)
    if row.kind is DueKind.TIP:
        return not held and await _tip(turn, row)
    if person.status is not PersonStatus.ACTIVE:
        return False
    episode = await repository.current_episode(turn.session, person.id)
    if episode is None:
        return False
    if row.kind is DueKind.CHECKIN:
        await _checkin(turn, row)
    elif row.kind is DueKind.REMINDER:
        return not held and await _reminder(turn, row)
    elif row.kind is DueKind.SWITCH:
        if held or not care.needs_switch_message(care.Protocol(episode.protocol)):
            return False
        turn.say(turn.texts.SWITCH_TO_HEAT)
    elif row.kind is DueKind.END:
        await _follow_up_end(turn)
    return bool(turn.outgoing)


async def _checkin(turn: Turn, row: Claimed) -> None:
    """Today's check-in, at most one catch-up after downtime, then owe the next one."""
    person = turn.require_person()
    episode = await repository.current_episode(turn.session, person.id)
    assert episode is not None
    zone = zone_of(person)
    today = turn.now.astimezone(zone).date().isoformat()
    await _count_missed(turn, episode.id, today)
    if care.should_pause(person.missed_in_a_row):
        person.status = PersonStatus.PAUSED
        await cancel(turn.session, person.id)
        turn.say(turn.texts.PAUSED_AFTER_MISSED)
        return
    # A prompt that comes late (after downtime) asks about today, never about a past day.
    existing = await repository.check_in_for_slot(turn.session, episode.id, today)
    answered = existing is not None and existing.status is CheckInStatus.ANSWERED
    # One live question per person: today's pain question already open (/checkin just
    # before) is the prompt; it is not asked twice. ES-HOLD: no prompt while held after an
    # emergency; the day is not counted as missed.
    open_already = existing is not None and not answered and asking_pain(turn, existing)
    asked = not answered and (open_already or not await holding(turn))
    if open_already and existing is not None:
        existing.due_at = existing.due_at or row.due_at
    elif asked:
        await start_checkin(turn, episode, scheduled_at=row.due_at)
    owed = []
    following = next_slot(person, episode, turn.now, {today})
    if following is not None:
        owed.append(Owed(person.id, DueKind.CHECKIN, following.key, following.due_at))
    reminder = care.reminder_at(turn.now, zone)
    if asked and reminder is not None and (following is None or reminder < following.due_at):
        owed.append(Owed(person.id, DueKind.REMINDER, today, reminder))
    await owe(turn.session, owed, turn.now)


async def _count_missed(turn: Turn, episode_id: int, today: str) -> None:
    """Scheduled check-ins from earlier days still unanswered are missed, in a row."""
    missed = list(
        await turn.session.scalars(
            select(CheckIn.id).where(
                CheckIn.episode_id == episode_id,
                CheckIn.status == CheckInStatus.SENT,
                CheckIn.slot < today,
                CheckIn.due_at.is_not(None),
            )
        )
    )
    if missed:
        await turn.session.execute(
            update(CheckIn).where(CheckIn.id.in_(missed)).values(status=CheckInStatus.MISSED)
        )
        turn.require_person().missed_in_a_row += len(missed)


async def _reminder(turn: Turn, row: Claimed) -> bool:
    """One reminder, only while that day's check-in is still the open question."""
    if turn.step != CheckinPain.name:
        return False
    check_in = await turn.session.get(CheckIn, CHECKIN.answers(turn).check_in_id)
    if check_in is None or check_in.slot != row.slot or check_in.status is not CheckInStatus.SENT:
        return False
    turn.say(turn.texts.REMINDER)
    await repeat(turn, CheckinPain)
    return True


async def _follow_up_end(turn: Turn) -> None:
    """TR-CHRONIC-84: still followed at day 84: see a doctor, and the acute follow-up ends."""
    person = turn.require_person()
    episode = await repository.current_episode(turn.session, person.id)
    assert episode is not None
    day = care.episode_day(episode.onset_at, turn.now, zone_of(person))
    ending = care.chronic_end_due(day)
    if ending is None:
        return
    await escalate(turn, [ending], episode_id=episode.id)
    episode.status = EpisodeStatus.ENDED
    episode.ended_at = turn.now
    await cancel(turn.session, person.id)
    turn.say(turn.texts.CHRONIC_END)


async def _tip(turn: Turn, row: Claimed) -> bool:
    """PH-PREVENT: the weekly tips after recovery; the last one ends the follow-up."""
    number = str(row.payload.get("number", 0))
    if number not in turn.texts.PREVENTION_TIPS:
        return False
    person = turn.require_person()
    if person.status not in {PersonStatus.ACTIVE, PersonStatus.PAUSED}:
        return False
    turn.say(turn.texts.PREVENTION_TIPS[number])
    if number == list(turn.texts.PREVENTION_TIPS)[-1]:
        episode = await repository.latest_episode(turn.session, person.id)
        if episode is not None and episode.status is EpisodeStatus.RECOVERED:
            episode.status = EpisodeStatus.ENDED
            episode.ended_at = turn.now
    return True
