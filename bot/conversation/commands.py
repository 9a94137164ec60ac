"""Every command a person can send: the one table the handlers and the command menu come from."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import texts
from bot.conversation import safety
from bot.conversation.account import ConfirmDelete, ConfirmStop
from bot.conversation.checkin import next_checkin_text, start_checkin
from bot.conversation.enrolment import ENROLMENT, Age, Consent, EnrolmentAnswers
from bot.conversation.flow import goto
from bot.conversation.flows import ask_again
from bot.conversation.settings import SettingsMenu
from bot.conversation.turn import Attachment, AttachmentKind, Turn
from bot.db import repository
from bot.db.models import Episode, Person, PersonStatus
from bot.i18n import supported
from bot.insight.doctor_summary import (
    EnrolmentFacts,
    summary_filename,
    summary_text,
)
from bot.insight.documents import Document, DocumentKind
from bot.insight.history import PainHistory, load_pain_history
from bot.insight.pain_chart import describe_pain_history
from bot.queue.owed import cancel
from bot.queue.plan import SCHEDULED_KINDS, replan

_REFERRAL = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""Telegram's own alphabet for deep-link payloads (t.me/bot?start=PAYLOAD)."""


@dataclass(frozen=True)
class Command:
    name: str
    """Its description in the command menu is ``COMMANDS.<name>`` of the catalogue."""
    run: Callable[[Turn], Awaitable[None]]


def _enrolled(turn: Turn) -> bool:
    return turn.person is not None and turn.person.status in {
        PersonStatus.ACTIVE,
        PersonStatus.PAUSED,
    }


async def _not_available_yet(turn: Turn) -> bool:
    """Commands that need an enrolled person explain themselves to everyone else."""
    if _enrolled(turn):
        return False
    if turn.person is not None and turn.person.status is PersonStatus.ENROLLING:
        turn.say(turn.texts.FINISH_ENROLMENT_FIRST)
        await ask_again(turn)
    elif turn.person is not None and turn.person.status is PersonStatus.STOPPED:
        turn.say(turn.texts.FOLLOW_UP_OVER)
    else:
        turn.say(turn.texts.NOT_ENROLLED_HELP)
    return True


async def start(turn: Turn) -> None:
    payload = turn.incoming.payload
    referral = payload if _REFERRAL.fullmatch(payload) else None
    if turn.person is None:
        turn.person = Person(
            telegram_user_id=turn.incoming.user_id,
            chat_id=turn.incoming.chat_id,
            # Taken from the app at /start, offered for a change in the welcome and /settings.
            language=supported(turn.incoming.language_code),
            status=PersonStatus.ENROLLING,
            missed_in_a_row=0,
            created_at=turn.now,
        )
        turn.session.add(turn.person)
        await turn.session.flush()
    elif turn.person.language is None:
        turn.person.language = supported(turn.incoming.language_code)
    person = turn.person
    if person.blocked_at is not None:
        # Back after blocking the bot: owe again what was dropped when they blocked it.
        person.blocked_at = None
        episode = await repository.current_episode(turn.session, person.id)
        await replan(turn.session, person, episode, turn.now)
    if await safety.resume(turn):
        return
    if person.status is PersonStatus.ENROLLING and person.consent_at is None:
        ENROLMENT.begin(turn, EnrolmentAnswers(referral=referral))
        await goto(turn, Consent)
    elif person.status is PersonStatus.ENROLLING:
        turn.say(turn.texts.FINISH_ENROLMENT_FIRST)
        await ask_again(turn)
    elif _enrolled(turn) and await repository.current_episode(turn.session, person.id):
        turn.say(turn.texts.ALREADY_ENROLLED)
    else:
        # A new strain after an earlier follow-up ended: consent stands, the questions restart.
        person.status = PersonStatus.ENROLLING
        ENROLMENT.begin(turn, EnrolmentAnswers())
        await goto(turn, Age)


async def checkin(turn: Turn) -> None:
    if await safety.resume(turn) or await _not_available_yet(turn):
        return
    episode = await repository.current_episode(turn.session, turn.require_person().id)
    if episode is None:
        turn.say(turn.texts.FOLLOW_UP_OVER)
        return
    await start_checkin(turn, episode)


async def _past(turn: Turn) -> tuple[Episode, PainHistory] | None:
    """The person's latest episode, current or ended (a finished follow-up can still be shown
    to a doctor), as read now; None, and the person told why, when there is none."""
    if turn.person is not None and turn.person.status is PersonStatus.ENROLLING:
        turn.say(turn.texts.FINISH_ENROLMENT_FIRST)
        await ask_again(turn)
        return None
    if turn.person is None or turn.person.consent_at is None:
        turn.say(turn.texts.NOT_ENROLLED_HELP)
        return None
    episode = await repository.latest_episode(turn.session, turn.person.id)
    if episode is None:
        turn.say(turn.texts.SUMMARY_NOTHING_YET)
        return None
    return episode, await load_pain_history(turn.session, turn.person, episode, turn.now)


async def history(turn: Turn) -> None:
    found = await _past(turn)
    if found is None:
        return
    episode, past = found
    if not past.points:
        turn.say(turn.texts.HISTORY_EMPTY)
        return
    chart = Document(DocumentKind.PAIN_CHART, episode.person_id, episode.id, turn.now)
    turn.attach(
        describe_pain_history(past),
        Attachment(AttachmentKind.PHOTO, texts.CHART_FILENAME, chart),
    )


async def summary(turn: Turn) -> None:
    found = await _past(turn)
    if found is None:
        return
    episode, past = found
    facts = EnrolmentFacts.of(episode)
    pdf = Document(DocumentKind.SUMMARY, episode.person_id, episode.id, turn.now)
    turn.attach(
        turn.texts.SUMMARY_DOCUMENT_CAPTION,
        Attachment(AttachmentKind.DOCUMENT, summary_filename(past), pdf),
    )
    turn.say(summary_text(past, facts))


async def redflags(turn: Turn) -> None:
    turn.say(
        turn.texts.REDFLAGS.format(
            emergency=turn.contacts.emergency_number,
            urgent_care=turn.contacts.urgent_care,
        )
    )


async def settings(turn: Turn) -> None:
    if not await _not_available_yet(turn):
        await goto(turn, SettingsMenu)


async def pause(turn: Turn) -> None:
    if await _not_available_yet(turn):
        return
    person = turn.require_person()
    if person.status is PersonStatus.PAUSED:
        turn.say(turn.texts.ALREADY_PAUSED)
        return
    person.status = PersonStatus.PAUSED
    await cancel(turn.session, person.id, SCHEDULED_KINDS)
    turn.say(turn.texts.PAUSED)


async def resume(turn: Turn) -> None:
    if await _not_available_yet(turn):
        return
    person = turn.require_person()
    if person.status is PersonStatus.PAUSED:
        person.status = PersonStatus.ACTIVE
        person.missed_in_a_row = 0
        episode = await repository.current_episode(turn.session, person.id)
        await replan(turn.session, person, episode, turn.now)
        turn.say(turn.texts.RESUMED.format(next_checkin=await next_checkin_text(turn)))
    else:
        turn.say(turn.texts.NOT_PAUSED.format(next_checkin=await next_checkin_text(turn)))


async def stop(turn: Turn) -> None:
    if not await _not_available_yet(turn):
        await goto(turn, ConfirmStop)


async def delete(turn: Turn) -> None:
    if turn.person is None:
        turn.say(turn.texts.NOTHING_TO_DELETE)
    else:
        await goto(turn, ConfirmDelete)


async def privacy(turn: Turn) -> None:
    turn.say(turn.texts.PRIVACY.format(retention_days=turn.settings.care.retention_days))


async def help_(turn: Turn) -> None:
    if _enrolled(turn):
        turn.say(turn.texts.HELP.format(emergency=turn.contacts.emergency_number))
    else:
        turn.say(turn.texts.NOT_ENROLLED_HELP)


COMMANDS: tuple[Command, ...] = (
    Command("start", start),
    Command("checkin", checkin),
    Command("history", history),
    Command("summary", summary),
    Command("redflags", redflags),
    Command("settings", settings),
    Command("pause", pause),
    Command("resume", resume),
    Command("stop", stop),
    Command("delete", delete),
    Command("privacy", privacy),
    Command("help", help_),
)
COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}


async def run_command(turn: Turn) -> None:
    name = (turn.incoming.command or "").lower()
    command = COMMANDS_BY_NAME.get(name)
    if command is not None:
        await command.run(turn)
        return
    turn.say(turn.texts.UNKNOWN_COMMAND)
    await help_(turn)


async def nothing_asked(turn: Turn) -> None:
    """Text when no question is open: a short help, nothing stored."""
    turn.say(turn.texts.NOTHING_ASKED)
    await help_(turn)
