"""A person's control over their follow-up: settings, pause and resume, stop, erase."""

from __future__ import annotations

from bot import care, texts
from bot.conversation.flow import Step, finish, goto, question
from bot.conversation.preferences import SETTINGS, CheckinTime, Zone, settings_saved
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.db.models import EpisodeStatus, PersonStatus
from bot.queue.owed import cancel


class SettingsMenu(Step):
    name = "settings"

    def _options(self, turn: Turn) -> dict[str, str]:
        labels = dict(texts.SETTINGS_LABELS)
        if not turn.settings.care.allow_protocol_choice:
            del labels["protocol"]
        return labels

    async def ask(self, turn: Turn) -> Outgoing:
        person = turn.require_person()
        episode = await repository.current_episode(turn.session, person.id)
        protocol_line = ""
        if turn.settings.care.allow_protocol_choice and episode is not None:
            protocol_line = texts.SETTINGS_PROTOCOL_LINE.format(
                protocol=texts.PROTOCOL_LABELS[episode.protocol]
            )
        checkin_time = person.checkin_time or care.DEFAULT_CHECKIN_TIME
        text = texts.SETTINGS_MENU.format(
            time=checkin_time.strftime("%H:%M"),
            zone=(person.timezone or turn.settings.care.default_timezone).replace("_", " "),
            protocol_line=protocol_line,
        )
        buttons = tuple((Button(label, value),) for value, label in self._options(turn).items())
        return question(turn, text, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in self._options(turn):
            return False
        turn.begin(flow=SETTINGS)
        if value == "time":
            await goto(turn, CheckinTime.name)
        elif value == "zone":
            await goto(turn, Zone.name)
        elif value == "protocol":
            await goto(turn, ProtocolChoice.name)
        else:
            turn.say(texts.SETTINGS_UNCHANGED)
            await finish(turn)
        return True


class ProtocolChoice(Step):
    """Ice-then-heat or heat-first, where the operator lets people choose."""

    name = "protocol"

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = tuple((Button(label, value),) for value, label in texts.PROTOCOL_LABELS.items())
        return question(turn, texts.PROTOCOL_QUESTION, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in texts.PROTOCOL_LABELS or not turn.settings.care.allow_protocol_choice:
            return False
        episode = await repository.current_episode(turn.session, turn.require_person().id)
        if episode is not None:
            episode.protocol = care.Protocol(value).value
        await settings_saved(turn)
        return True


class ConfirmStop(Step):
    name = "confirm_stop"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = texts.STOP_LABELS
        buttons = ((Button(labels["yes"], "yes"), Button(labels["no"], "no")),)
        return question(turn, texts.STOP_CONFIRM, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "no":
            turn.say(texts.KEPT)
        elif value == "yes":
            person = turn.require_person()
            person.status = PersonStatus.STOPPED
            episode = await repository.current_episode(turn.session, person.id)
            if episode is not None:
                episode.status = EpisodeStatus.ENDED
                episode.ended_at = turn.now
            await cancel(turn.session, person.id)
            turn.say(texts.STOPPED)
        else:
            return False
        await finish(turn)
        return True


class ConfirmDelete(Step):
    name = "confirm_delete"

    async def ask(self, turn: Turn) -> Outgoing:
        labels = texts.DELETE_LABELS
        buttons = ((Button(labels["yes"], "yes"),), (Button(labels["no"], "no"),))
        return question(turn, texts.DELETE_CONFIRM, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value == "no":
            turn.say(texts.KEPT)
            await finish(turn)
        elif value == "yes":
            await erase(turn)
        else:
            return False
        return True


async def erase(turn: Turn) -> None:
    await turn.forget_person()
    turn.say(texts.DELETED)
