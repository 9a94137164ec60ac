"""A person's control over their follow-up: ending it, or erasing everything about them.

Both ask for a confirmation first. The flow's table, :data:`ACCOUNT`, is at the end of the
module.
"""

from __future__ import annotations

from bot.conversation.flow import END, Answers, Flow, Step, finish, question
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.db.models import EpisodeStatus, PersonStatus
from bot.queue.owed import cancel


class AccountAnswers(Answers):
    """A confirmation keeps nothing."""


class ConfirmStop(Step):
    name = "confirm_stop"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = turn.texts.STOP_LABELS
        buttons = ((Button(labels["yes"], "yes"), Button(labels["no"], "no")),)
        return question(turn, turn.texts.STOP_CONFIRM, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "no":
            turn.say(turn.texts.KEPT)
        elif value == "yes":
            person = turn.require_person()
            person.status = PersonStatus.STOPPED
            episode = await repository.current_episode(turn.session, person.id)
            if episode is not None:
                episode.status = EpisodeStatus.ENDED
                episode.ended_at = turn.now
            await cancel(turn.session, person.id)
            turn.say(turn.texts.STOPPED)
        else:
            return False
        await finish(turn)
        return True


class ConfirmDelete(Step):
    name = "confirm_delete"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = turn.texts.DELETE_LABELS
        buttons = ((Button(labels["yes"], "yes"),), (Button(labels["no"], "no"),))
        return question(turn, turn.texts.DELETE_CONFIRM, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "no":
            turn.say(turn.texts.KEPT)
            await finish(turn)
        elif value == "yes":
            await turn.forget_person()
            turn.say(turn.texts.DELETED)
        else:
            return False
        return True


ACCOUNT = Flow(
    "account",
    AccountAnswers,
    entries={ConfirmStop: "/stop", ConfirmDelete: "/delete"},
    moves={ConfirmStop: (END,), ConfirmDelete: (END,)},
)
