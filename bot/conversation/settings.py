"""/settings: the check-in time, the time zone and, where the operator allows it, ice or heat.

Each change is saved onto the person (or the episode) at once and the queue is replanned from
it. The flow's table, :data:`SETTINGS`, is at the end of the module.
"""

from __future__ import annotations

from datetime import time

from bot import care
from bot.conversation.checkin import next_checkin_text
from bot.conversation.flow import END, Flow, Step, finish, goto, question
from bot.conversation.language import LanguageQuestion
from bot.conversation.preferences import (
    CheckinTimeQuestion,
    ZoneAnswers,
    ZonePickQuestion,
    ZoneQuestion,
    announce_zone,
)
from bot.conversation.turn import Button, Outgoing, Turn
from bot.db import repository
from bot.queue.plan import replan
from bot.timezones import ZoneMatch


class SettingsAnswers(ZoneAnswers):
    """Settings keep nothing but the places a typed zone name matched."""


class SettingsMenu(Step):
    name = "settings"

    def _options(self, turn: Turn) -> dict[str, str]:
        labels = dict(turn.texts.SETTINGS_LABELS)
        if not turn.settings.care.allow_protocol_choice:
            del labels["protocol"]
        return labels

    async def ask(self, turn: Turn) -> Outgoing:
        person = turn.require_person()
        episode = await repository.current_episode(turn.session, person.id)
        protocol_line = ""
        if turn.settings.care.allow_protocol_choice and episode is not None:
            protocol_line = turn.texts.SETTINGS_PROTOCOL_LINE.format(
                protocol=turn.texts.PROTOCOL_LABELS[episode.protocol]
            )
        checkin_time = person.checkin_time or care.DEFAULT_CHECKIN_TIME
        language_line = turn.texts.SETTINGS_LANGUAGE_LINE.format(language=turn.texts.language_name)
        text = turn.texts.SETTINGS_MENU.format(
            time=checkin_time.strftime("%H:%M"),
            zone=(person.timezone or turn.settings.care.default_timezone).replace("_", " "),
            # The placeholder after the zone takes every line that follows it.
            protocol_line=language_line + protocol_line,
        )
        buttons = tuple((Button(label, value),) for value, label in self._options(turn).items())
        return question(turn, text, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in self._options(turn):
            return False
        SETTINGS.begin(turn, SettingsAnswers())
        if value == "time":
            await goto(turn, SettingsTime)
        elif value == "zone":
            await goto(turn, SettingsZone)
        elif value == "protocol":
            await goto(turn, ProtocolChoice)
        elif value == "language":
            await goto(turn, SettingsLanguage)
        else:
            turn.say(turn.texts.SETTINGS_UNCHANGED)
            await finish(turn)
        return True


class SettingsTime(CheckinTimeQuestion):
    name = "settings_time"

    async def chosen(self, turn: Turn, chosen: time) -> None:
        turn.require_person().checkin_time = chosen
        await settings_saved(turn)


class SettingsZone(ZoneQuestion):
    name = "settings_zone"

    async def several(self, turn: Turn, matches: list[ZoneMatch]) -> None:
        SETTINGS.keep(
            turn, SettingsAnswers(zone_matches=[(match.zone, match.place) for match in matches])
        )
        await goto(turn, SettingsZonePick)

    async def chosen(self, turn: Turn, zone_name: str) -> None:
        announce_zone(turn, zone_name)
        turn.require_person().timezone = zone_name
        await settings_saved(turn)


class SettingsZonePick(ZonePickQuestion):
    name = "settings_zone_pick"

    def matches(self, turn: Turn) -> list[tuple[str, str]]:
        return SETTINGS.answers(turn).zone_matches

    def zone_question(self) -> type[ZoneQuestion]:
        return SettingsZone


class SettingsLanguage(LanguageQuestion):
    name = "settings_language"

    async def chosen(self, turn: Turn) -> None:
        await finish(turn)


class ProtocolChoice(Step):
    """Ice-then-heat or heat-first, where the operator lets people choose."""

    name = "protocol"

    async def ask(self, turn: Turn) -> Outgoing:
        buttons = tuple(
            (Button(label, value),) for value, label in turn.texts.PROTOCOL_LABELS.items()
        )
        return question(turn, turn.texts.PROTOCOL_QUESTION, buttons)

    async def on_button(self, turn: Turn, value: str) -> bool:
        if value not in turn.texts.PROTOCOL_LABELS or not turn.settings.care.allow_protocol_choice:
            return False
        episode = await repository.current_episode(turn.session, turn.require_person().id)
        if episode is not None:
            episode.protocol = care.Protocol(value).value
        await settings_saved(turn)
        return True


async def settings_saved(turn: Turn) -> None:
    """Owe the messages the new setting gives, and say when the next check-in comes."""
    person = turn.require_person()
    episode = await repository.current_episode(turn.session, person.id)
    await replan(turn.session, person, episode, turn.now)
    turn.say(turn.texts.SETTINGS_SAVED.format(next_checkin=await next_checkin_text(turn)))
    await finish(turn)


SETTINGS = Flow(
    "settings",
    SettingsAnswers,
    entries={SettingsMenu: "/settings"},
    moves={
        SettingsMenu: (SettingsTime, SettingsZone, ProtocolChoice, SettingsLanguage, END),
        SettingsLanguage: (END,),
        SettingsTime: (END,),
        SettingsZone: (SettingsZonePick, END),
        SettingsZonePick: (SettingsZone, END),
        ProtocolChoice: (END,),
    },
)
