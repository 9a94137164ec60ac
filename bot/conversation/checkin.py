"""The check-in: pain now, "anything new?", a walk, a note; then the trend and the advice.

The pain score is saved the moment it is given, so a person who stops halfway still counts as
having checked in. Red flags escalate when tapped; the trend rules run once the check-in ends.
The flow's table, :data:`CHECKIN`, is at the end of the module.
"""

from __future__ import annotations

from datetime import datetime

from bot import care
from bot.conversation.escalate import closing_words, escalate, highest_said
from bot.conversation.flow import (
    END,
    Answers,
    Flow,
    PainStep,
    Step,
    finish,
    goto,
    pain_buttons,
    question,
    repeat,
    rows_of,
)
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.db.models import CheckIn, CheckInStatus, DueKind, Episode, EpisodeStatus
from bot.queue.plan import owe_prevention_tips, replan, zone_of
from bot.texts import Texts

NOTE_LIMIT = 500
"""A note is for the person and their doctor; a longer text is almost always pasted by mistake."""
FLAG_BUTTONS_PER_ROW = 2


class CheckinAnswers(Answers):
    """Which check-in and episode the questions are about; the answers go straight onto the
    check-in row as they come, so a person who stops halfway has still checked in."""

    check_in_id: int
    episode_id: int


async def start_checkin(
    turn: Turn, episode: Episode, *, scheduled_at: datetime | None = None
) -> None:
    """Open (or reopen) today's check-in and ask for the pain score.

    ``/checkin`` counts as the day's check-in: it uses the same row as the scheduled one, so a
    day never has two. ``scheduled_at`` marks a prompt the bot owed (only those can be missed).
    """
    person = turn.require_person()
    zone = zone_of(person)
    slot = turn.now.astimezone(zone).date().isoformat()
    check_in = await repository.check_in_for_slot(turn.session, episode.id, slot)
    if check_in is None:
        check_in = CheckIn(
            episode_id=episode.id,
            person_id=person.id,
            slot=slot,
            day=care.episode_day(episode.onset_at, turn.now, zone),
            sent_at=turn.now,
            status=CheckInStatus.SENT,
            red_flags=[],
        )
        turn.session.add(check_in)
        await turn.session.flush()
    elif check_in.status is CheckInStatus.ANSWERED:
        turn.say(turn.texts.CHECKIN_REPLACES)
    elif asking_pain(turn, check_in):
        # One live question per person: the same question again, its buttons still live.
        await repeat(turn, CheckinPain)
        return
    if scheduled_at is not None:
        check_in.due_at = scheduled_at
        check_in.sent_at = turn.now
    CHECKIN.begin(turn, CheckinAnswers(check_in_id=check_in.id, episode_id=episode.id))
    await goto(turn, CheckinPain)


def asking_pain(turn: Turn, check_in: CheckIn) -> bool:
    """Whether the person's open question is this check-in's pain score."""
    return turn.step == CheckinPain.name and CHECKIN.answers(turn).check_in_id == check_in.id


async def _check_in(turn: Turn) -> CheckIn:
    check_in = await turn.session.get(CheckIn, CHECKIN.answers(turn).check_in_id)
    assert check_in is not None
    return check_in


async def _episode(turn: Turn) -> Episode:
    episode = await turn.session.get(Episode, CHECKIN.answers(turn).episode_id)
    assert episode is not None
    return episode


class CheckinPain(PainStep):
    name = "checkin_pain"

    @staticmethod
    def prompt(words: Texts, day: int, question_number: int) -> Outgoing:
        """The check-in's first question; also built in bulk by the due queue."""
        return Outgoing(words.CHECKIN_PAIN.format(day=day), pain_buttons(), question_number)

    async def ask(self, turn: Turn) -> Outgoing:
        check_in = await _check_in(turn)
        return self.prompt(turn.texts, check_in.day, turn.conversation_row().question_number)

    async def accept(self, turn: Turn, score: int) -> None:
        check_in = await _check_in(turn)
        check_in.pain = score
        check_in.status = CheckInStatus.ANSWERED
        check_in.answered_at = turn.now
        check_in.red_flags = []
        turn.require_person().missed_in_a_row = 0
        await goto(turn, CheckinNew)


class CheckinNew(Step):
    name = "checkin_new"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = turn.texts.CHECKIN_NEW_LABELS
        buttons = ((Button(labels["no"], "no"), Button(labels["yes"], "yes")),)
        return question(turn, turn.texts.CHECKIN_NEW, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "no":
            await goto(turn, CheckinWalk)
        elif value == "yes":
            await goto(turn, CheckinFlags)
        else:
            return False
        return True


CHECKIN_FLAGS: tuple[care.RedFlag, ...] = tuple(
    dict.fromkeys(flag for group in care.CHECKIN_GROUPS for flag in group.flags)
)


class CheckinFlags(Step):
    name = "checkin_flags"

    async def ask(self, turn: Turn) -> Outgoing:
        chosen = set((await _check_in(turn)).red_flags)
        open_flags = [flag for flag in CHECKIN_FLAGS if flag.value not in chosen]
        questions = "\n".join(f"• {turn.texts.RED_FLAG_QUESTIONS[flag]}" for flag in open_flags)
        buttons = [Button(turn.texts.RED_FLAG_LABELS[flag], flag.value) for flag in open_flags]
        rows = (*rows_of(buttons, FLAG_BUTTONS_PER_ROW), (Button(turn.texts.THATS_ALL, "done"),))
        return question(turn, turn.texts.CHECKIN_FLAGS.format(questions=questions), rows)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "done":
            await goto(turn, CheckinWalk)
            return True
        check_in = await _check_in(turn)
        flag = next((f for f in CHECKIN_FLAGS if f.value == value), None)
        if flag is None or flag.value in check_in.red_flags:
            return False
        check_in.red_flags = [*check_in.red_flags, flag.value]
        await escalate(
            turn,
            care.red_flag_escalations([flag]),
            episode_id=check_in.episode_id,
            check_in_id=check_in.id,
        )
        await goto(turn, CheckinFlags)
        return True


class CheckinWalk(Step):
    name = "checkin_walk"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = turn.texts.CHECKIN_WALK_LABELS
        buttons = ((Button(labels["yes"], "yes"), Button(labels["no"], "no")),)
        return question(turn, turn.texts.CHECKIN_WALK, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.CHECKIN_WALK_LABELS:
            return False
        (await _check_in(turn)).walked = value == "yes"
        await goto(turn, CheckinNote)
        return True


class CheckinNote(Step):
    name = "checkin_note"

    async def ask(self, turn: Turn) -> Outgoing:
        return question(turn, turn.texts.CHECKIN_NOTE, ((Button(turn.texts.SKIP, "skip"),),))

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value != "skip":
            return False
        await complete_checkin(turn)
        return True

    async def on_text(self, turn: Turn, text: str) -> None:
        note = text.strip()
        if len(note) > NOTE_LIMIT:
            turn.say(turn.texts.NOTE_TOO_LONG.format(limit=NOTE_LIMIT))
            return
        (await _check_in(turn)).note = note or None
        await complete_checkin(turn)


async def complete_checkin(turn: Turn) -> None:
    """Run the trend rules on the whole series and reply: escalations, trend, advice, next."""
    episode = await _episode(turn)
    answered = await repository.answered_check_ins(turn.session, episode.id)
    check_in = await _check_in(turn)  # answered, so already read with the others
    pains = [c.pain for c in answered]
    series = [pain for pain in pains if pain is not None]
    fired = care.trend_escalations(
        baseline=episode.baseline_pain,
        pains=series,
        day=check_in.day,
        milestones_done=episode.milestones_done,
    )
    episode.milestones_done = sorted(
        set(episode.milestones_done) | care.milestones_evaluated(check_in.day)
    )
    await escalate(turn, fired, episode_id=episode.id, check_in_id=check_in.id)
    # ES-HOLD: after an EMERGENCY or URGENT in this check-in, the reply reassures nothing (no
    # outlook, no usual recovery time) and ends on what to do.
    said = await highest_said(turn.session, check_in.person_id, check_in_id=check_in.id)
    closing = closing_words(turn, said)
    protocol = care.Protocol(episode.protocol)
    recovered = care.is_recovered(series)
    change = care.pain_change(episode.baseline_pain, series[-1])
    severity = care.Severity(episode.severity)
    outlook = care.outlook(
        severity=severity,
        day=check_in.day,
        baseline=episode.baseline_pain,
        pains=series,
    )
    trend = turn.texts.trend_text(change)
    if said is None:
        trend = f"{trend} {turn.texts.outlook_text(outlook, severity)}"
    if recovered:
        episode.status = EpisodeStatus.RECOVERED
        episode.recovered_at = turn.now
        await owe_prevention_tips(turn.session, turn.require_person(), turn.now)
        advice = turn.texts.RECOVERED.format(prevent=turn.texts.PHASE_ADVICE[care.Phase.PREVENT])
        saved = turn.texts.CHECKIN_DONE_RECOVERED.format(trend=turn.texts.trend_text(change))
        turn.say(f"{saved}\n\n{advice}")
        if closing is not None:
            turn.say(closing)
    else:
        await replan(turn.session, turn.require_person(), episode, turn.now, answered=answered)
        phase = care.phase_at(
            onset_at=episode.onset_at,
            now=turn.now,
            protocol=protocol,
            baseline_pain=episode.baseline_pain,
            latest_pain=series[-1],
            recovered=False,
        )
        turn.say(
            turn.texts.CHECKIN_DONE.format(
                trend=trend,
                phase_advice=turn.texts.phase_advice(phase, protocol),
                next_checkin=await next_checkin_text(turn),
            )
        )
        if closing is not None:
            turn.say(closing)
    await finish(turn)


async def next_checkin_text(turn: Turn) -> str:
    """A sentence saying when the next check-in comes, read from what the queue owes."""
    person = turn.require_person()
    due_at = await repository.next_owed(turn.session, person.id, DueKind.CHECKIN)
    if due_at is None:
        return turn.texts.CHECKIN_NO_NEXT
    return turn.texts.CHECKIN_NEXT.format(
        when=turn.texts.when_text(due_at, zone_of(person), turn.now)
    )


CHECKIN = Flow(
    "check-in",
    CheckinAnswers,
    entries={CheckinPain: "/checkin, or the due queue at the check-in time"},
    moves={
        CheckinPain: (CheckinNew,),
        CheckinNew: (CheckinFlags, CheckinWalk),
        CheckinFlags: (CheckinFlags, CheckinWalk),
        CheckinWalk: (CheckinNote,),
        CheckinNote: (END,),
    },
)
